#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Subscription lifecycle in the running console (after the window is shown):
//  - retention records whose Stripe write finished while no console listened are settled from the
//    audit log (CancellationService::reconcile);
//  - seasonal windows are applied by this console: one asynchronous run at start-up, then every
//    SeasonalScheduler::DefaultIntervalMs, when the staff profile may pause subscriptions (the GUI
//    thread never waits; `seasonal run` stays the headless way);
//  - the Subscriptions detail panel shows the window with its last action and its current or next
//    dates, and whether this console applies it.
void wireLifecycle(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
