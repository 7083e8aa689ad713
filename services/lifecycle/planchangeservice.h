#pragma once

#include "services/lifecycle/planchange.h"
#include "services/outbox/outboxentry.h"

#include <QObject>
#include <QPointer>

#include <functional>

namespace Billing {

class OperationRunner;
class StripeClient;

// Plan upgrades and downgrades of a subscription. GUI thread; every call returns at once and its
// handler runs later on `context`'s thread, only while `context` lives.
//
// preview(): reads the subscription, both prices and both products from Stripe (GETs, nothing
// written), validates (validatePlanChange: Validation errors, nothing sent), then asks Stripe for
// its own numbers with POST /v1/invoices/create_preview (subscription_details[items][0][id|price|
// quantity], proration_behavior). For NowProrated the proration date is fixed by the preview and
// sent again as proration_date by commit(), so the amounts charged equal the preview (Stripe's
// documented practice). The date is the one Stripe prorated at (period.start of its proration
// lines), not the workstation clock, so a skewed desk clock cannot move it out of the period. Downgrade warnings come from the products' metadata
// (PlanFeatures) against the subscription's current quantity as "seats" in use.
//
// commit(): the one write path, OperationRunner::submit with Permission::ChangePlan, target
// "subscription", before/intent summaries from the preview:
//  - now: POST /v1/subscriptions/{id} items[0][id|price|quantity], proration_behavior
//    (always_invoice | none), proration_date (prorated only);
//  - at period end: POST /v1/subscription_schedules from_subscription (unless the subscription
//    already has a schedule), then, once that succeeded, POST /v1/subscription_schedules/{id}
//    with phases[0] = the current phase unchanged and phases[1] = the new price, end_behavior
//    release. `queued` gets the first entry; `finished` gets the final one (or the first error).
// `clientOpId` names one dialog session: the same id maps to the same outbox entries, so a double
// click or a repeated Confirm queues nothing twice.
class PlanChangeService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlanChangeService)
public:
    PlanChangeService(StripeClient *client, OperationRunner *runner, QObject *parent = nullptr);
    ~PlanChangeService() override;

    // The prices a subscription may switch to: active recurring licensed prices of its currency
    // (from Stripe, GET /v1/prices?currency=&active=true), with their product names.
    struct PlanOption
    {
        Price price;
        QString productName;
    };
    void plans(const QString &currency, QObject *context, std::function<void(Result<QList<PlanOption>>)> handler);

    // The subscription as Stripe has it now, with its price and product name.
    struct CurrentPlan
    {
        Subscription subscription;
        Price price;
        QString productName;
    };
    void currentPlan(const QString &subscriptionId, QObject *context, std::function<void(Result<CurrentPlan>)> handler);

    void preview(const PlanChangeRequest &request, QObject *context,
                 std::function<void(Result<PlanChangePreview>)> handler);

    void commit(const PlanChangePreview &preview, const QString &clientOpId, QObject *context,
                std::function<void(Result<OutboxEntry>)> queued,
                std::function<void(Result<OutboxEntry>)> finished = {});

    // The operation sent for a "now" change (exposed for tests and the audit text).
    static OutboxOperation updateOperation(const PlanChangePreview &preview);

private:
    void submitScheduleUpdate(const PlanChangePreview &preview, const QString &scheduleId, const QJsonObject &schedule,
                              const QString &clientOpId, QObject *context, std::function<void(Result<OutboxEntry>)> queued,
                              std::function<void(Result<OutboxEntry>)> finished);
    void whenFinished(qint64 entryId, QObject *context, std::function<void(Result<OutboxEntry>)> handler);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
};

} // namespace Billing
