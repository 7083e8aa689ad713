#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Budgets in the GUI: builds BudgetService from the session (parented to the window); adds the
// Alerts pane (alert centre), the "Budget…" row action on the Customers pane
// (Permission::ManageBudgets) and the Budget column's bar on the customers table; evaluates the
// budgets shortly after start-up and after every refresh (cache changes from sync, new usage),
// debounced, and feeds the latest use per customer to the customers table.
void wireBudgets(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
