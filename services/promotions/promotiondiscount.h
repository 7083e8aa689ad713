#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

namespace Billing {

class OperationRunner;
class StripeClient;

// The subscription a coupon or promotion code is about to be applied to, as Stripe has it now.
struct DiscountTarget
{
    QString subscriptionId;
    QString customerId;
    QString status;
    Currency currency;        // the subscription's (= the customer's) currency
    qint64 recurringMinor = 0; // sum of unit_amount x quantity of its items, per billing period
    QStringList discountIds;  // di_... currently on the subscription (replaced by an apply)
};

// Loading a DiscountTarget and submitting discounts[] for it; shared by CouponService and
// PromotionCodeService. GUI thread; handlers run while their context lives.
namespace PromotionDiscount {

// GET /v1/subscriptions/{id}. Validation when it is not a live subscription (canceled,
// incomplete_expired) or in a currency the console does not know.
void loadTarget(StripeClient *client, const QString &subscriptionId, QObject *context,
                std::function<void(Result<DiscountTarget>)> handler);

// The outbox operation: POST /v1/subscriptions/{id} with discounts[0] = discount
// ({"coupon": id} or {"promotion_code": id}); it replaces the subscription's discounts.
OutboxOperation operationFor(const DiscountTarget &target, const QJsonObject &discount, const QString &clientOpId);

// Submits through the runner with Permission::ChangePlan (applying a discount changes the plan's price).
void submit(OperationRunner *runner, const DiscountTarget &target, const QJsonObject &discount,
            const QString &label, const QString &clientOpId, QObject *context,
            std::function<void(Result<OutboxEntry>)> queued);

// Posts `handler(error)` to the event loop (answers never arrive synchronously).
void failLater(QObject *context, std::function<void(Result<OutboxEntry>)> handler, Error error);

} // namespace PromotionDiscount

} // namespace Billing
