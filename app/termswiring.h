#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Payment terms and installments in the GUI: builds PaymentTermsService and InstallmentService from
// the session (parented to the window) and adds the row actions "Payment terms…" (Customers:
// the customer's defaults; Subscriptions: the subscription's terms in Stripe) and "Installments…"
// (Customers and Subscriptions: the customer's plans).
void wireTerms(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
