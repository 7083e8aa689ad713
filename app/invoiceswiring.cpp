#include "app/invoiceswiring.h"

#include "app/workspacesession.h"
#include "services/operations/operationrunner.h"
#include "services/invoices/invoiceactionservice.h"
#include "services/invoices/portalsessionservice.h"
#include "ui/dialogs/invoiceactiondialog.h"
#include "ui/dialogs/portallinkdialog.h"
#include "ui/invoicespage.h"
#include "ui/mainwindow.h"

namespace Billing {

namespace {

// A first guess from the pane's status; the dialog checks Stripe's state again before anything.
bool statusAllows(InvoiceAction action, const QString &status)
{
    if (status.isEmpty())
        return true;
    switch (action) {
    case InvoiceAction::Finalize: return status == QLatin1String("draft");
    case InvoiceAction::Send: return status == QLatin1String("open") || status == QLatin1String("paid");
    case InvoiceAction::Void: return status == QLatin1String("open") || status == QLatin1String("uncollectible");
    case InvoiceAction::MarkUncollectible: return status == QLatin1String("open");
    case InvoiceAction::Pay:
    case InvoiceAction::RecordOfflinePayment: return status == QLatin1String("open") || status == QLatin1String("uncollectible");
    }
    return false;
}

QString customerLabel(const MainWindow::ActionTarget &t)
{
    if (t.customer && !t.customer->name.isEmpty())
        return t.customer->name;
    if (t.subscription && !t.subscription->customerName.isEmpty())
        return t.subscription->customerName;
    return t.customerId;
}

} // namespace

void wireInvoices(MainWindow &window, WorkspaceSession &session)
{
    auto *actions = new InvoiceActionService(&session.stripe(), &session.runner(), &session.cache(), &window);
    auto *portal = new PortalSessionService(&session.stripe(), &session.billingDatabase(), &window);
    portal->setActor(session.runner().actor().tag());
    portal->loadReturnUrl(&window);
    OutboxService *outbox = &session.outbox();

    struct Spec
    {
        InvoiceAction action;
        const char *name;
        QString text;
        QString toolTip;
    };
    const QList<Spec> specs{
        {InvoiceAction::Finalize, "FinalizeInvoiceAction", QObject::tr("&Finalize invoice…"),
         QObject::tr("Finalize the draft: it gets its number and can be paid or sent")},
        {InvoiceAction::Send, "SendInvoiceAction", QObject::tr("&Send invoice…"),
         QObject::tr("Email the invoice to the customer (invoices paid by bank transfer or cheque)")},
        {InvoiceAction::Pay, "PayInvoiceAction", QObject::tr("&Pay now…"),
         QObject::tr("Charge the customer's payment method for what is left on the invoice")},
        {InvoiceAction::RecordOfflinePayment, "OfflinePaymentAction", QObject::tr("&Record offline payment…"),
         QObject::tr("Mark the invoice paid by a wire transfer, cheque or cash received outside Stripe")},
        {InvoiceAction::MarkUncollectible, "MarkUncollectibleAction", QObject::tr("Mark &uncollectible…"),
         QObject::tr("Write the invoice off as bad debt (it can still be paid or voided later)")},
        {InvoiceAction::Void, "VoidInvoiceAction", QObject::tr("&Void invoice…"),
         QObject::tr("Cancel a finalized invoice for good; it stays on record")},
    };
    for (const Spec &spec : specs) {
        MainWindow::RowAction a;
        a.name = QString::fromLatin1(spec.name);
        a.text = spec.text;
        a.toolTip = spec.toolTip;
        a.permission = invoiceActionPermission(spec.action);
        a.panes = {MainWindow::Invoices};
        const InvoiceAction action = spec.action;
        a.appliesTo = [action](const MainWindow::ActionTarget &t) {
            return !t.invoiceId.isEmpty() && statusAllows(action, t.invoiceStatus);
        };
        a.open = [actions, outbox, action](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
            return new InvoiceActionDialog(actions, outbox, action, t.invoiceId, parent);
        };
        window.addRowAction(a);
    }

    MainWindow::RowAction portalAction;
    portalAction.name = QStringLiteral("PortalLinkAction");
    portalAction.text = QObject::tr("Customer p&ortal link…");
    portalAction.toolTip = QObject::tr("A Stripe customer portal link to open or send: invoices, payment method, cancellation");
    portalAction.permission = Permission::ManagePaymentMethods;
    portalAction.panes = {MainWindow::Customers, MainWindow::Subscriptions, MainWindow::Invoices};
    portalAction.appliesTo = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty(); };
    portalAction.open = [portal](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        QList<QPair<QString, QString>> subs;
        if (t.subscription && t.subscription->subscription.status != QLatin1String("canceled"))
            subs.append({t.subscription->subscription.id,
                         t.subscription->planName.isEmpty() ? t.subscription->subscription.id
                                                            : QStringLiteral("%1 (%2)").arg(t.subscription->planName,
                                                                                            t.subscription->subscription.id)});
        return new PortalLinkDialog(portal, t.customerId, customerLabel(t), subs, parent);
    };
    window.addRowAction(portalAction);

    // CSV export: the panes with a report read the cache file on a connection of their own.
    for (int pane = 0; pane < MainWindow::PaneCount; ++pane) {
        if (auto *page = qobject_cast<TablePage *>(window.paneWidget(MainWindow::Pane(pane))))
            page->setExportCacheFile(session.settings().cachePath);
    }
    if (InvoicesPage *page = window.invoicesPage()) {
        const StripeConfig &config = session.stripe().config();
        page->setPdfAuthorization(config.apiKey, config.baseUrl.host());
    }
}

} // namespace Billing
