#pragma once

#include "services/domain/money.h"
#include "services/domain/promotion.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/promotions/promotiondiscount.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <optional>

namespace Billing {

class CouponService;
class OperationRunner;
class StripeClient;

// What the agent asks for when creating a promotion code (POST /v1/promotion_codes with
// promotion[type]=coupon, promotion[coupon]=id: this API version's shape).
struct PromotionCodeDraft
{
    QString couponId;
    QString code;       // what customers type; letters and digits, up to 500; empty = Stripe makes one
    QString customerId; // only this customer may redeem it; empty = anyone
    bool firstTimeTransaction = false;     // only customers with no paid invoice yet
    std::optional<Money> minimumAmount;    // the subscription's amount per period must reach it
    QDateTime expiresAt;                   // UTC, in the future; invalid = none
    std::optional<int> maxRedemptions;     // >= 1
    QString clientOpId;
};

// Why a code can or cannot be redeemed by a subscription, checked before anything is sent.
struct PromotionCheck
{
    bool firstTimeCustomer = true; // the customer has no paid invoice
};

// Promotion codes: create (Permission::ManagePromotions), list, the restriction rules (active,
// expiry, max redemptions, customer, first-time transaction, minimum amount and its currency, and
// the coupon's own currency and validity) and applying one to a subscription through
// discounts[0][promotion_code] (Permission::ChangePlan). A code that breaks a rule is refused with a
// plain message and nothing is queued.
// Threading and errors as CouponService.
class PromotionCodeService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PromotionCodeService)
public:
    PromotionCodeService(StripeClient *client, OperationRunner *runner, CouponService *coupons, QObject *parent = nullptr);
    ~PromotionCodeService() override;

    static Status validate(const PromotionCodeDraft &draft, const QDateTime &now = QDateTime::currentDateTimeUtc());
    static OutboxOperation operationFor(const PromotionCodeDraft &draft);
    // Every restriction against a subscription as loaded, in Stripe's order. coupon: the code's coupon.
    static Status checkRestrictions(const PromotionCode &code, const Coupon &coupon, const DiscountTarget &target,
                                    const PromotionCheck &check, const QDateTime &now = QDateTime::currentDateTimeUtc());

    void create(const PromotionCodeDraft &draft, QObject *context, std::function<void(Result<OutboxEntry>)> queued);
    // All codes (of one coupon when couponId is not empty), newest first.
    void list(const QString &couponId, QObject *context, std::function<void(Result<QList<PromotionCode>>)> handler);

    // promotionCodeOrId: "promo_..." or the code customers type.
    void applyToSubscription(const QString &subscriptionId, const QString &promotionCodeOrId, const QString &clientOpId,
                             QObject *context, std::function<void(Result<OutboxEntry>)> queued);

private:
    void findCode(const QString &codeOrId, QObject *context, std::function<void(Result<PromotionCode>)> handler);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<CouponService> m_coupons;
};

} // namespace Billing
