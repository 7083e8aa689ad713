#include "app/paymentmethodswiring.h"

#include "app/workspacesession.h"
#include "services/invoices/portalsessionservice.h"
#include "services/paymentmethods/paymentmethodservice.h"
#include "services/platform/logging.h"
#include "services/promotions/customercreditservice.h"
#include "services/promotions/referralprogram.h"
#include "services/sync/syncservice.h"
#include "ui/customerspage.h"
#include "ui/dialogs/goodwillcreditdialog.h"
#include "ui/dialogs/paymentmethodsdialog.h"
#include "ui/dialogs/referraldialog.h"
#include "ui/mainwindow.h"

#include <QPointer>
#include <QStatusBar>

namespace Billing {

void wirePaymentMethods(MainWindow &window, WorkspaceSession &session)
{
    auto *methods = new PaymentMethodService(&session.stripe(), &session.runner(), &session.cache(), &window);
    auto *credits = new CustomerCreditService(&session.stripe(), &session.runner(), &window);
    auto *referrals = new ReferralProgram(&session.billingDatabase(), &session.stripe(), credits, &window);
    if (CustomersPage *page = window.customersPage())
        page->setCustomerServices(methods, credits, referrals);

    const auto hasCustomer = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty(); };

    MainWindow::RowAction pm;
    pm.name = QStringLiteral("PaymentMethodsAction");
    pm.text = QObject::tr("Payment methods…");
    pm.shortcut = QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M);
    pm.toolTip = QObject::tr("The customer's cards and bank accounts: default, per subscription, detach, add-method link");
    pm.permission = Permission::ManagePaymentMethods;
    pm.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    pm.appliesTo = hasCustomer;
    // The billing portal's payment_method_update flow as the second way to add a method.
    auto *portal = new PortalSessionService(&session.stripe(), &session.billingDatabase(), &window);
    portal->loadReturnUrl(portal);
    pm.open = [methods, portal, &session](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        auto *dialog = new PaymentMethodsDialog(methods, t.customerId, parent);
        dialog->setPortalLinkFactory([portal, &session](const QString &customerId, QObject *context,
                                                        std::function<void(Result<QUrl>)> done) {
            portal->setActor(session.actor().tag());
            PortalSessionRequest request;
            request.customerId = customerId;
            request.flow = PortalFlow::PaymentMethodUpdate;
            portal->create(request, context, [done](Result<PortalSession> s) {
                if (!s)
                    return done(s.error());
                done(s->url);
            });
        });
        return dialog;
    };
    window.addRowAction(pm);

    MainWindow::RowAction goodwill;
    goodwill.name = QStringLiteral("GoodwillCreditAction");
    goodwill.text = QObject::tr("Apply goodwill credit…");
    goodwill.shortcut = QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G);
    goodwill.toolTip = QObject::tr("Credit the customer's balance (support up to the credit limit, finance above)");
    goodwill.permission = Permission::ApplyCredit;
    goodwill.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    goodwill.appliesTo = hasCustomer;
    goodwill.open = [credits, &session](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        return new GoodwillCreditDialog(credits, &session.outbox(), t.customerId, parent);
    };
    window.addRowAction(goodwill);

    MainWindow::RowAction referral;
    referral.name = QStringLiteral("RecordReferralAction");
    referral.text = QObject::tr("Record referral…");
    referral.toolTip = QObject::tr("Record who referred this customer (or whom they referred); the referrer is credited "
                                   "once the referred customer pays their first invoice");
    referral.permission = Permission::EditCustomer;
    referral.panes = {MainWindow::Customers};
    referral.appliesTo = hasCustomer;
    referral.open = [referrals, &session](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        const QString label = t.customer ? (t.customer->name.isEmpty() ? t.customer->email : t.customer->name) : QString();
        return new ReferralDialog(referrals, t.customerId, label.isEmpty() ? t.customerId : label, session.actor().email,
                                  parent);
    };
    window.addRowAction(referral);

    // Rewards are evaluated after each completed refresh (and full sync), in the background.
    QPointer<MainWindow> guard(&window);
    QObject::connect(&session.sync(), &SyncControl::finished, referrals, [referrals, guard, &session](const Status &outcome) {
        if (!outcome.ok() || !AccessPolicy::allows(session.actor().role, Permission::ApplyCredit))
            return;
        referrals->run(referrals, [guard](Result<ReferralRunReport> report) {
            if (!report) {
                Logging::logger("app")->warn("referral rewards not evaluated: {}", report.error().detail.toStdString());
                return;
            }
            if (guard && (report->rewarded > 0 || report->failed > 0))
                guard->statusBar()->showMessage(
                    QObject::tr("Referral rewards: %1 credited, %2 need attention").arg(report->rewarded).arg(report->failed), 10000);
        });
    });
}

} // namespace Billing
