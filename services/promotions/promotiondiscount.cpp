#include "services/promotions/promotiondiscount.h"

#include "services/operations/operationrunner.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QPointer>
#include <QUuid>

namespace Billing::PromotionDiscount {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::PromotionDiscount", text); }
} // namespace

void failLater(QObject *context, std::function<void(Result<OutboxEntry>)> handler, Error error)
{
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(context, [guard, handler, error] {
        if (guard)
            handler(error);
    }, Qt::QueuedConnection);
}

void loadTarget(StripeClient *client, const QString &subscriptionId, QObject *context,
                std::function<void(Result<DiscountTarget>)> handler)
{
    if (!subscriptionId.startsWith(QLatin1String("sub_"))) {
        QPointer<QObject> guard(context);
        QMetaObject::invokeMethod(context, [guard, handler] {
            if (guard)
                handler(Error::make(Error::Kind::Validation, tr("That is not a subscription id.")));
        }, Qt::QueuedConnection);
        return;
    }
    client->get(QStringLiteral("/v1/subscriptions/") + subscriptionId, {}, context, [handler](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        const QJsonObject s = r.value();
        DiscountTarget t;
        t.subscriptionId = s.value(QLatin1String("id")).toString();
        const QJsonValue cus = s.value(QLatin1String("customer"));
        t.customerId = cus.isObject() ? cus.toObject().value(QLatin1String("id")).toString() : cus.toString();
        t.status = s.value(QLatin1String("status")).toString();
        if (t.status == QLatin1String("canceled") || t.status == QLatin1String("incomplete_expired"))
            return handler(Error::make(Error::Kind::Validation,
                                       tr("This subscription is %1; a discount can only be applied to a live one.").arg(t.status)));
        const std::optional<Currency> cur = Currency::fromCode(s.value(QLatin1String("currency")).toString());
        if (!cur)
            return handler(Error::make(Error::Kind::Validation, tr("The subscription is in a currency the console does not know.")));
        t.currency = *cur;
        for (const QJsonValue &v : s.value(QLatin1String("items")).toObject().value(QLatin1String("data")).toArray()) {
            const QJsonObject item = v.toObject();
            const QJsonObject price = item.value(QLatin1String("price")).toObject();
            t.recurringMinor += price.value(QLatin1String("unit_amount")).toInteger() * item.value(QLatin1String("quantity")).toInteger(1);
        }
        for (const QJsonValue &d : s.value(QLatin1String("discounts")).toArray())
            t.discountIds << (d.isObject() ? d.toObject().value(QLatin1String("id")).toString() : d.toString());
        handler(t);
    });
}

OutboxOperation operationFor(const DiscountTarget &target, const QJsonObject &discount, const QString &clientOpId)
{
    OutboxOperation op;
    op.operation = QStringLiteral("subscription.discount");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/subscriptions/") + target.subscriptionId;
    op.params = QJsonObject{{QStringLiteral("discounts"), QJsonArray{discount}}};
    op.clientOpId = clientOpId.isEmpty()
        ? QStringLiteral("discount:%1:%2").arg(target.subscriptionId, QUuid::createUuid().toString(QUuid::WithoutBraces))
        : clientOpId;
    return op;
}

void submit(OperationRunner *runner, const DiscountTarget &target, const QJsonObject &discount, const QString &label,
            const QString &clientOpId, QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    if (!runner)
        return failLater(context, queued, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    OperationRequest req;
    req.permission = Permission::ChangePlan;
    req.outbox = operationFor(target, discount, clientOpId);
    req.targetType = QStringLiteral("subscription");
    req.targetId = target.subscriptionId;
    req.beforeSummary = target.discountIds.isEmpty()
        ? tr("No discount; %1 %2 per period").arg(Money(target.recurringMinor, target.currency).toDecimalString(), target.currency.code())
        : tr("Discounts %1; %2 %3 per period")
              .arg(target.discountIds.join(QLatin1String(", ")), Money(target.recurringMinor, target.currency).toDecimalString(),
                   target.currency.code());
    req.intentSummary = tr("Apply %1 (replaces the current discounts)").arg(label);
    runner->submit(req, context, std::move(queued));
}

} // namespace Billing::PromotionDiscount
