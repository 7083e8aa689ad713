#include "services/lifecycle/trialservice.h"

#include "services/operations/operationrunner.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::TrialService", text); }

Status invalid(const QString &text) { return Error::make(Error::Kind::Validation, text); }

Error noService() { return Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")); }

QString day(const QDateTime &t) { return t.toUTC().toString(Qt::ISODate); }

} // namespace

QString trialEndBehaviorName(TrialEndBehavior behavior)
{
    switch (behavior) {
    case TrialEndBehavior::CreateInvoice:
        return QStringLiteral("create_invoice");
    case TrialEndBehavior::Pause:
        return QStringLiteral("pause");
    case TrialEndBehavior::Cancel:
        return QStringLiteral("cancel");
    }
    return {};
}

bool isTrialPlan(const Price &price)
{
    return price.type == QLatin1String("recurring") && price.trialPeriodDays.value_or(0) > 0;
}

Status validateStartTrial(const StartTrialRequest &request, const Price &price, const QDateTime &now)
{
    if (request.customerId.isEmpty())
        return invalid(tr("Choose a customer."));
    if (request.quantity < 1)
        return invalid(tr("The quantity must be at least 1."));
    if (!price.active)
        return invalid(tr("The price %1 is archived and cannot be subscribed to.").arg(price.id));
    if (price.type != QLatin1String("recurring"))
        return invalid(tr("The price %1 is a one-time price, not a plan.").arg(price.id));
    if (request.trialDays != 0 && request.trialEnd.isValid())
        return invalid(tr("Give either a number of trial days or a trial end date, not both."));
    if (request.trialEnd.isValid()) {
        if (request.trialEnd <= now)
            return invalid(tr("The trial end %1 is in the past.").arg(day(request.trialEnd)));
        if (request.trialEnd > now.addDays(MaxTrialDays))
            return invalid(tr("A trial can last at most %1 days (Stripe's limit).").arg(MaxTrialDays));
        return {};
    }
    const int days = request.trialDays != 0 ? request.trialDays : price.trialPeriodDays.value_or(0);
    if (days < 1)
        return invalid(tr("Give the trial's length: the plan has no trial days of its own."));
    if (days > MaxTrialDays)
        return invalid(tr("A trial can last at most %1 days (Stripe's limit).").arg(MaxTrialDays));
    return {};
}

Status validateTrialExtension(const Subscription &subscription, const QDateTime &newEnd, const QDateTime &now)
{
    if (subscription.status != QLatin1String("trialing"))
        return invalid(tr("This subscription is not in a trial (it is %1).").arg(subscription.status));
    if (!newEnd.isValid())
        return invalid(tr("Choose the new trial end."));
    if (newEnd <= now)
        return invalid(tr("The new trial end %1 is in the past.").arg(day(newEnd)));
    if (subscription.trialEnd.isValid() && newEnd <= subscription.trialEnd)
        return invalid(tr("The new trial end %1 is not after the current one (%2).").arg(day(newEnd), day(subscription.trialEnd)));
    if (newEnd > now.addDays(MaxTrialDays))
        return invalid(tr("A trial can end at most %1 days from now (Stripe's limit).").arg(MaxTrialDays));
    return {};
}

Status validateEndTrialNow(const Subscription &subscription)
{
    if (subscription.status != QLatin1String("trialing"))
        return invalid(tr("This subscription is not in a trial (it is %1).").arg(subscription.status));
    return {};
}

TrialService::TrialService(StripeClient *client, OperationRunner *runner, QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner)
{
}

TrialService::~TrialService() = default;

void TrialService::trialState(const QString &subscriptionId, QObject *context,
                              std::function<void(Result<TrialState>)> handler)
{
    withSubscription(subscriptionId, context, std::move(handler));
}

void TrialService::withSubscription(const QString &subscriptionId, QObject *context,
                                    std::function<void(Result<TrialState>)> then)
{
    if (!m_client)
        return then(noService());
    if (subscriptionId.isEmpty())
        return then(Error::make(Error::Kind::Validation, tr("Choose a subscription.")));
    m_client->get(QStringLiteral("/v1/subscriptions/%1").arg(subscriptionId), {}, context,
                  [then](Result<QJsonObject> json) {
                      if (!json)
                          return then(json.error());
                      auto sub = StripeParser::subscription(*json);
                      if (!sub)
                          return then(sub.error());
                      TrialState st{*sub, TrialEndBehavior::CreateInvoice};
                      const QString b = json->value(QStringLiteral("trial_settings"))
                                            .toObject()
                                            .value(QStringLiteral("end_behavior"))
                                            .toObject()
                                            .value(QStringLiteral("missing_payment_method"))
                                            .toString();
                      if (b == QLatin1String("pause"))
                          st.endBehavior = TrialEndBehavior::Pause;
                      else if (b == QLatin1String("cancel"))
                          st.endBehavior = TrialEndBehavior::Cancel;
                      then(st);
                  });
}

void TrialService::submit(const QString &targetType, const QString &targetId, const QString &operation,
                          const QString &method, const QString &path, const QJsonObject &params, const QString &before,
                          const QString &intent, const QString &clientOpId, QObject *context, Handler queued)
{
    if (!m_runner)
        return queued(noService());
    OperationRequest req;
    req.permission = Permission::ManageTrial;
    req.targetType = targetType;
    req.targetId = targetId;
    req.beforeSummary = before;
    req.intentSummary = intent;
    req.outbox.operation = operation;
    req.outbox.method = method;
    req.outbox.path = path;
    req.outbox.params = params;
    req.outbox.clientOpId = clientOpId;
    m_runner->submit(req, context, std::move(queued));
}

void TrialService::startTrial(const StartTrialRequest &request, const QString &clientOpId, QObject *context,
                              Handler queued)
{
    if (!m_client)
        return queued(noService());
    if (request.quantity < 1)
        return queued(Error::make(Error::Kind::Validation, tr("The quantity must be at least 1.")));
    if (request.priceId.isEmpty())
        return queued(Error::make(Error::Kind::Validation, tr("Choose a plan.")));
    QPointer<TrialService> self = this;
    m_client->get(QStringLiteral("/v1/prices/%1").arg(request.priceId), {}, context,
                  [self, request, clientOpId, context, queued](Result<QJsonObject> json) {
                      if (!json)
                          return queued(json.error());
                      auto price = StripeParser::price(*json);
                      if (!price)
                          return queued(price.error());
                      const QDateTime now = QDateTime::currentDateTimeUtc();
                      const Status valid = validateStartTrial(request, *price, now);
                      if (!valid)
                          return queued(valid.error());
                      if (!self)
                          return queued(noService());
                      QJsonObject params{
                          {QStringLiteral("customer"), request.customerId},
                          {QStringLiteral("items"), QJsonArray{QJsonObject{{QStringLiteral("price"), request.priceId},
                                                                           {QStringLiteral("quantity"), request.quantity}}}},
                          {QStringLiteral("trial_settings"),
                           QJsonObject{{QStringLiteral("end_behavior"),
                                        QJsonObject{{QStringLiteral("missing_payment_method"),
                                                     trialEndBehaviorName(request.endBehavior)}}}}}};
                      QString length;
                      if (request.trialEnd.isValid()) {
                          params.insert(QStringLiteral("trial_end"), request.trialEnd.toSecsSinceEpoch());
                          length = QStringLiteral("until %1").arg(day(request.trialEnd));
                      } else {
                          const int days = request.trialDays != 0 ? request.trialDays : price->trialPeriodDays.value_or(0);
                          params.insert(QStringLiteral("trial_period_days"), days);
                          length = QStringLiteral("%1 days").arg(days);
                      }
                      const QString intent = QStringLiteral("Start %1 x%2 with a trial of %3; without a payment method at trial end: %4")
                                                 .arg(price->nickname.isEmpty() ? price->id : price->nickname)
                                                 .arg(request.quantity)
                                                 .arg(length, trialEndBehaviorName(request.endBehavior));
                      self->submit(QStringLiteral("customer"), request.customerId, QStringLiteral("subscription.start_trial"),
                                   QStringLiteral("POST"), QStringLiteral("/v1/subscriptions"), params,
                                   QStringLiteral("No subscription to %1").arg(price->id), intent, clientOpId, context, queued);
                  });
}

void TrialService::extendTrial(const QString &subscriptionId, const QDateTime &newEnd, const QString &clientOpId,
                               QObject *context, Handler queued)
{
    QPointer<TrialService> self = this;
    withSubscription(subscriptionId, context, [self, subscriptionId, newEnd, clientOpId, context, queued](Result<TrialState> st) {
        if (!st)
            return queued(st.error());
        const Status valid = validateTrialExtension(st->subscription, newEnd, QDateTime::currentDateTimeUtc());
        if (!valid)
            return queued(valid.error());
        if (!self)
            return queued(noService());
        self->submit(QStringLiteral("subscription"), subscriptionId, QStringLiteral("subscription.extend_trial"),
                     QStringLiteral("POST"), QStringLiteral("/v1/subscriptions/%1").arg(subscriptionId),
                     QJsonObject{{QStringLiteral("trial_end"), newEnd.toSecsSinceEpoch()},
                                 {QStringLiteral("proration_behavior"), QStringLiteral("none")}},
                     QStringLiteral("Trial ends %1").arg(day(st->subscription.trialEnd)),
                     QStringLiteral("Extend the trial to %1").arg(day(newEnd)), clientOpId, context, queued);
    });
}

void TrialService::endTrialNow(const QString &subscriptionId, const QString &clientOpId, QObject *context,
                               Handler queued)
{
    QPointer<TrialService> self = this;
    withSubscription(subscriptionId, context, [self, subscriptionId, clientOpId, context, queued](Result<TrialState> st) {
        if (!st)
            return queued(st.error());
        const Status valid = validateEndTrialNow(st->subscription);
        if (!valid)
            return queued(valid.error());
        if (!self)
            return queued(noService());
        self->submit(QStringLiteral("subscription"), subscriptionId, QStringLiteral("subscription.end_trial"),
                     QStringLiteral("POST"), QStringLiteral("/v1/subscriptions/%1").arg(subscriptionId),
                     QJsonObject{{QStringLiteral("trial_end"), QStringLiteral("now")}},
                     QStringLiteral("Trial ends %1").arg(day(st->subscription.trialEnd)),
                     QStringLiteral("End the trial now; the first paid period starts and is invoiced now"), clientOpId,
                     context, queued);
    });
}

void TrialService::setEndBehavior(const QString &subscriptionId, TrialEndBehavior behavior, const QString &clientOpId,
                                  QObject *context, Handler queued)
{
    QPointer<TrialService> self = this;
    withSubscription(subscriptionId, context,
                     [self, subscriptionId, behavior, clientOpId, context, queued](Result<TrialState> st) {
                         if (!st)
                             return queued(st.error());
                         const Status valid = validateEndTrialNow(st->subscription);
                         if (!valid)
                             return queued(valid.error());
                         if (!self)
                             return queued(noService());
                         self->submit(QStringLiteral("subscription"), subscriptionId,
                                      QStringLiteral("subscription.trial_end_behavior"), QStringLiteral("POST"),
                                      QStringLiteral("/v1/subscriptions/%1").arg(subscriptionId),
                                      QJsonObject{{QStringLiteral("trial_settings"),
                                                   QJsonObject{{QStringLiteral("end_behavior"),
                                                                QJsonObject{{QStringLiteral("missing_payment_method"),
                                                                             trialEndBehaviorName(behavior)}}}}}},
                                      QStringLiteral("Without a payment method at trial end: %1")
                                          .arg(trialEndBehaviorName(st->endBehavior)),
                                      QStringLiteral("Without a payment method at trial end: %1")
                                          .arg(trialEndBehaviorName(behavior)),
                                      clientOpId, context, queued);
                     });
}

} // namespace Billing
