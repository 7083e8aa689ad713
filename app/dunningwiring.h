#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Dunning in the GUI: builds RecoveryService, DunningRunner and a PortalSessionService from the
// session (parented to the window); adds the row action "Recover…" (Dunning pane: the recovery
// dialog of the selected invoice), the Dunning page's buttons "Rules…", "Metrics…" and "Run rules
// now", the billing-database columns (stage, owner, last contact), and runs the automation rules
// after every sync (refresh), each step once.
void wireDunning(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
