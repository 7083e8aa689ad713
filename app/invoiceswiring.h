#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Invoices in the GUI: builds InvoiceActionService and PortalSessionService from the session
// (parented to the window), adds the invoice row actions (Finalize, Send, Pay now, Record offline
// payment, Mark uncollectible, Void: each opens a confirmation dialog and goes through the outbox)
// and "Customer portal link…" (Customers, Subscriptions, Invoices), and gives the Invoices pane
// the Stripe key for PDF downloads from the sandbox and the cache file for CSV exports.
void wireInvoices(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
