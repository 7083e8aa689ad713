#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Analytics in the GUI: the Analytics pane (AnalyticsService over the session's cache and billing
// database, computed when the pane is first shown and when the cache changes while it is visible)
// and "FX rates…" in the Reports menu (FxRateDialog as the session's actor; the pane recomputes
// after the dialog closes).
void wireAnalytics(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
