#include "app/termswiring.h"

#include "app/workspacesession.h"
#include "services/terms/installmentservice.h"
#include "services/terms/paymenttermsservice.h"
#include "ui/dialogs/installmentplandialog.h"
#include "ui/dialogs/paymenttermsdialog.h"
#include "ui/mainwindow.h"

namespace Billing {

namespace {

QString customerLabel(const MainWindow::ActionTarget &t)
{
    if (t.customer && !t.customer->name.isEmpty())
        return t.customer->name;
    if (t.subscription && !t.subscription->customerName.isEmpty())
        return t.subscription->customerName;
    return t.customerId;
}

Currency currencyOf(const MainWindow::ActionTarget &t)
{
    QString code;
    if (t.subscription)
        code = t.subscription->subscription.currency;
    else if (t.customer)
        code = t.customer->currency;
    return Currency::fromCode(code).value_or(Currency{});
}

} // namespace

void wireTerms(MainWindow &window, WorkspaceSession &session)
{
    auto *terms = new PaymentTermsService(&session.stripe(), &session.runner(), &session.billingDatabase(), &window);
    auto *installments = new InstallmentService(&session.stripe(), &session.runner(), &session.outbox(), &session.billingDatabase(), &window);
    OutboxService *outbox = &session.outbox();

    MainWindow::RowAction termsAction;
    termsAction.name = QStringLiteral("PaymentTermsAction");
    termsAction.text = QObject::tr("Payment &terms…");
    termsAction.shortcut = QKeySequence(QStringLiteral("Ctrl+Shift+E"));
    termsAction.toolTip = QObject::tr("Net terms, PO number, memo, footer and accepted payment methods (ACH, wire)");
    termsAction.permission = Permission::ManagePaymentTerms;
    termsAction.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    termsAction.appliesTo = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty() || t.subscription.has_value(); };
    termsAction.open = [terms, outbox](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        if (t.subscription && !t.customer)
            return new PaymentTermsDialog(terms, outbox, PaymentTermsDialog::Mode::Subscription, t.subscription->subscription.id,
                                          t.subscription->planName.isEmpty() ? t.subscription->subscription.id : t.subscription->planName,
                                          currencyOf(t), parent);
        const QString customer = t.customer ? t.customer->id : t.customerId;
        return new PaymentTermsDialog(terms, outbox, PaymentTermsDialog::Mode::Customer, customer, customerLabel(t), currencyOf(t), parent);
    };
    window.addRowAction(termsAction);

    MainWindow::RowAction planAction;
    planAction.name = QStringLiteral("InstallmentsAction");
    planAction.text = QObject::tr("&Installments…");
    planAction.shortcut = QKeySequence(QStringLiteral("Ctrl+Shift+I"));
    planAction.toolTip = QObject::tr("Split an amount into scheduled invoices and follow what is paid and what remains");
    planAction.permission = Permission::ManagePaymentTerms;
    planAction.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    planAction.appliesTo = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty(); };
    planAction.open = [installments](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        return new InstallmentPlanDialog(installments, t.customerId, customerLabel(t), currencyOf(t), parent);
    };
    window.addRowAction(planAction);
}

} // namespace Billing
