#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Payment methods, customer credit and referrals in the GUI: builds PaymentMethodService,
// CustomerCreditService and ReferralProgram from the session (parented to the window), gives the
// Customers pane its Payment methods / Credit balance / Referrals sections, adds the row actions
// "Payment methods…", "Apply goodwill credit…" and "Record referral…", and runs the referral
// programme after every completed refresh or full sync.
void wirePaymentMethods(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
