#pragma once

#include "services/access/accesspolicy.h"
#include "services/outbox/outboxentry.h"

#include <QObject>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;
class AsyncLocalCache;
class OutboxService;

// One mutating operation as a capability service hands it over.
struct OperationRequest
{
    Permission permission = Permission::ViewData;
    std::optional<Money> amount; // refunds/credits: checked against the support limit
    OutboxOperation outbox;      // operation, method, path, params, clientOpId (actor is filled in)
    QString targetType;          // "subscription", "invoice", "customer", ...
    QString targetId;
    QString beforeSummary;       // plain words: the state before ("Pro monthly x1, 49.00 USD/month")
    QString intentSummary;       // plain words: what will happen ("Switch to Team monthly x3 now, prorated")
};

// The one path every write to Stripe takes: role check -> audit row "requested" -> outbox entry
// (committed, with its idempotency key) -> the outbox sends it -> when Stripe answered, the returned
// object goes into the local cache (change signal) and an audit row with the result is appended.
// Refused requests are audited too (result "refused: ..."). GUI thread; asynchronous.
class OperationRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OperationRunner)
public:
    OperationRunner(OutboxService *outbox, AsyncBillingDatabase *billingDb, AsyncLocalCache *cache,
                    AccessPolicy policy, Actor actor, QObject *parent = nullptr);
    ~OperationRunner() override;

    const Actor &actor() const { return m_actor; }
    const AccessPolicy &policy() const { return m_policy; }
    void setActor(Actor actor) { m_actor = std::move(actor); }
    void setPolicy(AccessPolicy policy) { m_policy = std::move(policy); }

    // `queued` runs once the entry is committed (or with the refusal/validation error). The outcome
    // arrives later through operationFinished(entry) (state Succeeded, Failed or NeedsAttention).
    void submit(const OperationRequest &request, QObject *context, std::function<void(Result<OutboxEntry>)> queued);

    // Start-up: audits the outcome of every finished outbox entry (the newest `limit`) that has no
    // result row yet, e.g. one that finished while no runner was listening or just before a crash,
    // then upserts its object and emits operationFinished for it. done gets how many were recorded.
    // Call once the outbox is open (added by the roles/audit engineer).
    void reconcile(int limit, QObject *context, std::function<void(Result<int>)> done);

Q_SIGNALS:
    void operationFinished(const Billing::OutboxEntry &entry);

private:
    void onEntryChanged(qint64 entryId);
    void finish(const OutboxEntry &entry);
    void applyResult(const OutboxEntry &entry);

    OutboxService *m_outbox;
    AsyncBillingDatabase *m_billingDb;
    AsyncLocalCache *m_cache;
    AccessPolicy m_policy;
    Actor m_actor;
    QHash<qint64, OperationRequest> m_inFlight;
};

} // namespace Billing
