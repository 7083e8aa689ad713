#include "app/promotionswiring.h"

#include "app/workspacesession.h"
#include "services/promotions/couponservice.h"
#include "services/promotions/promotioncodeservice.h"
#include "ui/dialogs/couponapplydialog.h"
#include "ui/mainwindow.h"
#include "ui/promotionspage.h"

#include <QDialog>
#include <QPointer>

namespace Billing {

void wirePromotions(MainWindow &window, WorkspaceSession &session)
{
    auto *coupons = new CouponService(&session.stripe(), &session.runner(), &session.cache(), &window);
    auto *codes = new PromotionCodeService(&session.stripe(), &session.runner(), coupons, &window);
    auto *page = new PromotionsPage(coupons, codes, &session.outbox(), &window);
    QPointer<PromotionsPage> guard(page);
    window.addPane(QStringLiteral("promotions"), QObject::tr("Promotions"), page, [guard] {
        if (guard)
            guard->reload();
    });

    // Applying a coupon or code to the selected subscription changes its price: ChangePlan.
    OutboxService *outbox = &session.outbox();
    MainWindow::RowAction apply;
    apply.name = QStringLiteral("ApplyDiscountAction");
    apply.text = QObject::tr("Apply &discount…");
    apply.shortcut = QKeySequence(QStringLiteral("Ctrl+Shift+D"));
    apply.toolTip = QObject::tr("Apply a coupon or promotion code to the subscription (discounts[])");
    apply.permission = Permission::ChangePlan;
    apply.panes = {MainWindow::Subscriptions, MainWindow::Customers};
    apply.appliesTo = [](const MainWindow::ActionTarget &t) {
        return t.subscription && t.subscription->subscription.status != QLatin1String("canceled");
    };
    apply.open = [coupons, codes, outbox](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        const Subscription &s = t.subscription->subscription;
        return new CouponApplyDialog(coupons, codes, outbox, s.id, t.subscription->planName.isEmpty() ? s.id : t.subscription->planName,
                                     Currency::fromCode(s.currency).value_or(Currency{}), parent);
    };
    window.addRowAction(apply);
}

} // namespace Billing
