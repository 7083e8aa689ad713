#pragma once

#include "services/domain/catalog.h"
#include "services/domain/result.h"
#include "services/domain/subscription.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace Billing {

class OperationRunner;
class StripeClient;

// What Stripe does at trial end when the customer has no payment method
// (trial_settings[end_behavior][missing_payment_method]).
enum class TrialEndBehavior { CreateInvoice, Pause, Cancel };
QString trialEndBehaviorName(TrialEndBehavior behavior); // "create_invoice" | "pause" | "cancel"

// Stripe's limit for trial_end and trial_period_days: at most 730 days ahead.
constexpr int MaxTrialDays = 730;

// A trial plan in the catalog is Stripe's own model: a recurring price with
// recurring.trial_period_days > 0 (Price::trialPeriodDays). No metadata convention is needed, and the
// Dashboard, Checkout and trial_from_plan read the same field. Starting a subscription sends the
// days explicitly (trial_period_days), so what the agent saw is what is sent.
bool isTrialPlan(const Price &price);

struct StartTrialRequest
{
    QString customerId;
    QString priceId;
    qint64 quantity = 1;
    int trialDays = 0;    // 1..730; 0 with trialEnd empty = the price's trial_period_days
    QDateTime trialEnd;   // alternative to trialDays (UTC); must be in the future, <= 730 days
    TrialEndBehavior endBehavior = TrialEndBehavior::CreateInvoice;
};

// Pure checks (Validation errors, plain words). `now` is the reference time (UTC).
Status validateStartTrial(const StartTrialRequest &request, const Price &price, const QDateTime &now);
Status validateTrialExtension(const Subscription &subscription, const QDateTime &newEnd, const QDateTime &now);
Status validateEndTrialNow(const Subscription &subscription);

// Trials: start a subscription with a trial, extend it, end it now, change what happens at its
// end. Every write goes through OperationRunner (Permission::ManageTrial, target "subscription"
// or "customer"); reads (the subscription, the price) come from Stripe first so validation uses
// Stripe's current state. GUI thread; handlers run on `context`'s thread while it lives.
// `clientOpId` names one dialog session (a repeated Confirm maps to the same outbox entry).
// `queued` gets the committed outbox entry or the refusal/validation error (then nothing is sent).
class TrialService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrialService)
public:
    using Handler = std::function<void(Result<OutboxEntry>)>;

    TrialService(StripeClient *client, OperationRunner *runner, QObject *parent = nullptr);
    ~TrialService() override;

    // POST /v1/subscriptions customer, items[0][price|quantity], trial_period_days | trial_end,
    // trial_settings[end_behavior][missing_payment_method].
    void startTrial(const StartTrialRequest &request, const QString &clientOpId, QObject *context, Handler queued);
    // POST /v1/subscriptions/{id} trial_end=<newEnd>, proration_behavior=none. newEnd must be later
    // than now and than the current trial end, and at most 730 days from now.
    void extendTrial(const QString &subscriptionId, const QDateTime &newEnd, const QString &clientOpId, QObject *context,
                     Handler queued);
    // POST /v1/subscriptions/{id} trial_end=now: the first paid period starts (and is invoiced) now.
    void endTrialNow(const QString &subscriptionId, const QString &clientOpId, QObject *context, Handler queued);
    // POST /v1/subscriptions/{id} trial_settings[end_behavior][missing_payment_method].
    void setEndBehavior(const QString &subscriptionId, TrialEndBehavior behavior, const QString &clientOpId,
                        QObject *context, Handler queued);

    // The subscription as Stripe has it now, plus its trial end behaviour.
    struct TrialState
    {
        Subscription subscription;
        TrialEndBehavior endBehavior = TrialEndBehavior::CreateInvoice;
    };
    void trialState(const QString &subscriptionId, QObject *context, std::function<void(Result<TrialState>)> handler);

private:
    void withSubscription(const QString &subscriptionId, QObject *context,
                          std::function<void(Result<TrialState>)> then);
    void submit(const QString &targetType, const QString &targetId, const QString &operation, const QString &method,
                const QString &path, const QJsonObject &params, const QString &before, const QString &intent,
                const QString &clientOpId, QObject *context, Handler queued);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
};

} // namespace Billing
