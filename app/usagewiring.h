#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// The usage dashboard in the GUI: gives the Usage pane its live description (PostgreSQL push or
// SQLite polling), the customers' tiers (their subscription's plan) and the metered prices
// (UsagePriceBook from the cache's prices with metadata "meter"), and adds "Sync Stripe meters"
// to the Actions menu (MeterSyncService over the last 7 days, hourly, for the cached customers;
// the outcome goes to the status bar and, with problems, a message box).
void wireUsage(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
