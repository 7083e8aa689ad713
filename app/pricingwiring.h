#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Pricing in the GUI: builds CatalogService and CustomPricingService from the session (parented
// to the window), adds the Catalog pane (products, prices, currencies, tiers; "Price calculator…"
// on the selected price), the row action "Negotiated price…" on Customers and Subscriptions (the
// customer's currency only; the subscription gets the ramp), "Price calculator…" on customer rows
// (prices in the customer's currency) and Actions > "Custom price approvals…" for finance.
void wirePricing(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
