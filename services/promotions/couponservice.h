#pragma once

#include "services/domain/money.h"
#include "services/domain/promotion.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <optional>

namespace Billing {

class AsyncLocalCache;
class OperationRunner;
class StripeClient;

// What the agent asks for when creating a coupon (POST /v1/coupons).
struct CouponDraft
{
    QString id;   // optional; Stripe makes one when empty
    QString name; // shown to customers; up to 40 characters
    // Percent off as typed, a decimal with at most two decimals in (0, 100]: "25", "12.5".
    // Exactly one of percentOff and amountOff.
    QString percentOff;
    std::optional<Money> amountOff;  // minor units in the coupon's main currency, > 0
    QList<Money> currencyOptions;    // amount off in further currencies (currency_options[cur][amount_off])
    QString duration = QStringLiteral("once"); // once | repeating | forever
    int durationInMonths = 0;                  // repeating only, >= 1
    std::optional<int> maxRedemptions;         // >= 1
    QDateTime redeemBy;                        // UTC, in the future; invalid = no expiry
    QString clientOpId;                        // one dialog session = one outbox entry
};

// Coupons: create (through OperationRunner, Permission::ManagePromotions), list from Stripe, the
// currency rule (an amount-off coupon only discounts subscriptions in its currency or one of its
// currency_options) and applying one to a subscription through discounts[] (Permission::ChangePlan).
//
// Threading: GUI thread; every call answers later on this thread while its context lives.
// Errors: Validation (plain words; nothing is queued or sent), Unauthorized (role), Network/... from
// Stripe reads, Database from the outbox.
class CouponService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CouponService)
public:
    static constexpr int MaxNameLength = 40;

    // client and runner must outlive the service; cache may be null.
    CouponService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache, QObject *parent = nullptr);
    ~CouponService() override;

    static Status validate(const CouponDraft &draft, const QDateTime &now = QDateTime::currentDateTimeUtc());
    static OutboxOperation operationFor(const CouponDraft &draft);
    // Whether the coupon can discount an amount in `currency` (percent-off: always).
    static bool supportsCurrency(const Coupon &coupon, const Currency &currency);
    // Validation with a clear message when the coupon cannot discount `currency`.
    static Status checkCurrency(const Coupon &coupon, const Currency &currency);
    // Whether Stripe would still redeem the coupon at `now` (valid, not past redeem_by, not used up).
    static Status checkRedeemable(const Coupon &coupon, const QDateTime &now = QDateTime::currentDateTimeUtc());

    void create(const CouponDraft &draft, QObject *context, std::function<void(Result<OutboxEntry>)> queued);
    // Every coupon Stripe has (with currency_options), newest first.
    void list(QObject *context, std::function<void(Result<QList<Coupon>>)> handler);
    // GET /v1/coupons/{id} with currency_options.
    void fetch(const QString &couponId, QObject *context, std::function<void(Result<Coupon>)> handler);

    // Loads the subscription and the coupon, refuses a coupon that is not redeemable or not in the
    // subscription's currency (nothing is queued), then submits discounts[0][coupon].
    void applyToSubscription(const QString &subscriptionId, const QString &couponId, const QString &clientOpId,
                             QObject *context, std::function<void(Result<OutboxEntry>)> queued);

private:
    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<AsyncLocalCache> m_cache;
};

} // namespace Billing
