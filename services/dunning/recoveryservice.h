#pragma once

#include "services/domain/invoice.h"
#include "services/domain/result.h"
#include "services/dunning/dunningrepository.h"
#include "services/operations/operationrunner.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;
class AsyncLocalCache;

// Everything known about one failed invoice's recovery.
struct RecoveryHistory
{
    QString invoiceId;
    QList<PaymentAttempt> attempts;     // the cache's invoice payments with their errors, oldest first
    QList<DunningContact> contacts;     // newest first
    QList<DunningRuleRun> ruleRuns;     // automation decisions, oldest first
    std::optional<DunningState> state;  // stage, owner, note (none = new)
};

// The guided recovery of one failed invoice (the Recovery dialog): failure history, retry now
// (POST /v1/invoices/{id}/pay), pause the subscription, write off (POST .../mark_uncollectible,
// finance only), and the billing-database steps: contact and notes, owner, escalation. Stripe
// writes go through OperationRunner (role, audit, outbox, idempotency key); the others are one
// audited transaction each. When a retry comes back paid, the recovery is counted
// (dunning_recoveries, once per invoice) and recovered() is emitted; the paid invoice, upserted into
// the cache by the runner, leaves the dunning queue.
//
// Threading: GUI thread; asynchronous; handlers run while their context lives. Errors:
// Unauthorized (role), Validation (plain words, nothing written), Database, and Stripe's answers
// through OperationRunner::operationFinished (a declined retry: Failed with the decline message).
class RecoveryService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecoveryService)
public:
    RecoveryService(OperationRunner *runner, AsyncBillingDatabase *billingDb, AsyncLocalCache *cache, QObject *parent = nullptr);
    ~RecoveryService() override;

    static QString newSessionId();
    bool may(Permission permission) const;
    QString actorEmail() const;

    void loadHistory(const QString &invoiceId, QObject *context, std::function<void(Result<RecoveryHistory>)> handler);

    // The Stripe writes (for tests, previews and the audit): clientOpId "recovery:<invoice>:<what>:<session>".
    static OperationRequest retryRequest(const Invoice &invoice, const QString &sessionId);
    static OperationRequest writeOffRequest(const Invoice &invoice, const QString &sessionId);

    // `queued` gets the committed outbox entry (or the refusal); the outcome follows through
    // OperationRunner::operationFinished, then retryFinished here.
    void retryNow(const Invoice &invoice, const QString &declineCode, const QString &sessionId, QObject *context,
                  std::function<void(Result<OutboxEntry>)> queued);
    void writeOff(const Invoice &invoice, const QString &sessionId, QObject *context, std::function<void(Result<OutboxEntry>)> queued);
    void pauseSubscription(const Invoice &invoice, const QString &sessionId, QObject *context,
                           std::function<void(Result<OutboxEntry>)> queued);

    // kind: "note", "call", "email", "portal_link", "hosted_link". WorkDunning.
    void recordContact(const QString &invoiceId, const QString &kind, const QString &text, QObject *context,
                       std::function<void(Result<qint64>)> handler);
    // Owner (staff e-mail, empty = unassigned) and stage ("escalated" for escalate). WorkDunning.
    void assignOwner(const QString &invoiceId, const QString &owner, QObject *context, std::function<void(Result<DunningState>)> handler);
    void escalate(const QString &invoiceId, const QString &reason, QObject *context, std::function<void(Result<DunningState>)> handler);

    // Counts a paid invoice's recovery once (also for payments Stripe's own retries collected).
    void countRecovery(const DunningRecovery &recovery, QObject *context, std::function<void(Result<bool>)> handler);

Q_SIGNALS:
    // A retry finished: paid (the invoice left the queue) or not (message = Stripe's decline text).
    void retryFinished(const QString &invoiceId, bool paid, const QString &message);
    void recovered(const QString &invoiceId);
    void historyChanged(const QString &invoiceId);

private:
    void onOperationFinished(const OutboxEntry &entry);
    void updateState(const QString &invoiceId, std::function<void(DunningState &)> change, QObject *context,
                     std::function<void(Result<DunningState>)> handler);

    QPointer<OperationRunner> m_runner;
    QPointer<AsyncBillingDatabase> m_db;
    QPointer<AsyncLocalCache> m_cache;
    QHash<QString, QString> m_declineByInvoice; // retry in flight: invoice -> the decline it recovers from
};

} // namespace Billing
