#pragma once

#include "services/domain/result.h"
#include "services/lifecycle/cancellationreason.h"
#include "services/lifecycle/retentionoffer.h"
#include "services/lifecycle/retentionreport.h"
#include "services/lifecycle/retentionrepository.h"
#include "services/outbox/outboxentry.h"
#include "services/storage/cachequeries.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;
class OperationRunner;
struct OperationRequest;

// One cancellation conversation, as the Cancel dialog gathers it.
struct CancellationCase
{
    SubscriptionRow row;                // the subscription as the cache has it
    CancellationReason reason = CancellationReason::Other;
    QString comment;                    // sent as cancellation_details[comment]
    QList<RetentionOffer> offersMade;   // what was shown (each is recorded with the outcome)
    QString sessionId;                  // one per dialog session: a repeated submit maps to one outbox entry
};

// How the customer leaves when no offer kept them.
struct CancelTiming
{
    bool atPeriodEnd = true; // POST cancel_at_period_end=true (reversible until the period ends)
    bool prorate = false;    // immediate only: DELETE prorate (credit for the unused time)
    bool invoiceNow = false; // immediate only: DELETE invoice_now (final invoice)
};

// Cancellation with retention offers. Every write goes through OperationRunner (role check, audit,
// outbox with idempotency key, cache update); every offer shown is recorded in the billing database
// with whether it was accepted (RetentionRepository).
//
// When records count: they are written as Pending just before the Stripe write is queued (keyed by
// the write's clientOpId, so a double submit or a retry writes them once), linked to the outbox
// entry once it is committed, and settled when the entry finishes (OperationRunner::
// operationFinished): Succeeded -> Confirmed; Failed/NeedsAttention -> NotApplied (a refused or
// unqueued write -> NotApplied at once). Only Confirmed records count in the report. A console that
// stops between queueing and Stripe's answer settles them after the restart: the outbox resends the
// entry and the runner reports it, or reconcile() reads the outcome the audit log already holds.
// Settling is an update of pending rows only, so it never counts anything twice.
//
// Threading: GUI thread (or any thread with an event loop). Handlers run on `context`'s thread
// while it lives. Errors: Validation (plain words, nothing sent), Unauthorized (role refused by the
// runner, audited), Database (the write was queued but the retention record failed: said so).
class CancellationService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CancellationService)
public:
    using Handler = std::function<void(Result<OutboxEntry>)>;

    CancellationService(OperationRunner *runner, AsyncBillingDatabase *billingDb,
                        RetentionRules rules = RetentionRules::defaults(), QObject *parent = nullptr);
    ~CancellationService() override;

    const RetentionRules &rules() const { return m_rules; }
    void setRules(RetentionRules rules) { m_rules = std::move(rules); }
    // Who may cancel (for the UI to disable what the role cannot do; the runner refuses anyway).
    bool mayCancel() const;

    // The offers that fit the reason for this subscription (see retentionOffersFor).
    Result<QList<RetentionOffer>> offers(CancellationReason reason, const SubscriptionRow &row,
                                         const QList<Price> &prices, const QList<Product> &products) const;

    // The customer stays: applies offersMade[offerIndex]. Discount -> POST /v1/subscriptions/{id}
    // discounts[0][coupon]; Pause -> pause_collection keep_as_draft until now + pauseMonths;
    // CheaperPlan -> items[0][price] with proration_behavior=none. Records every offer made
    // (accepted = the chosen one).
    void acceptOffer(const CancellationCase &cancellation, int offerIndex, const QDateTime &now, QObject *context,
                     Handler handler);

    // The customer leaves. atPeriodEnd: POST cancel_at_period_end=true + cancellation_details;
    // else DELETE /v1/subscriptions/{id} with prorate and invoice_now + cancellation_details.
    // Records every offer made as declined (or one "none" record when nothing was offered).
    void cancel(const CancellationCase &cancellation, const CancelTiming &timing, const QDateTime &now,
                QObject *context, Handler handler);

    // Undo Cancellation: POST cancel_at_period_end=false, only while the subscription is set to
    // cancel at the period end and that end is after `now` (else Validation, nothing sent).
    void undoCancellation(const Subscription &subscription, const QDateTime &now, const QString &sessionId,
                          QObject *context, Handler handler);

    // Start-up catch-up: settles the pending records whose Stripe write already has an audited
    // outcome (see RetentionRepository::settleFromAudit). done gets how many subscriptions changed.
    void reconcile(QObject *context, std::function<void(Result<int>)> done);

    // The retention report over records with at in [from, to) (invalid = no bound).
    void report(const QDateTime &from, const QDateTime &to, QObject *context,
                std::function<void(Result<RetentionReport>)> handler);
    // Export rows of the same report (RetentionReport::rows).
    void reportRows(const QDateTime &from, const QDateTime &to, QObject *context,
                    std::function<void(Result<QList<QStringList>>)> handler);

Q_SIGNALS:
    // The retention records of the subscription were settled (confirmed or not applied).
    void retentionRecorded(const QString &subscriptionId);

private:
    void onOperationFinished(const OutboxEntry &entry);
    void settle(const QString &clientOpId, const QString &idempotencyKey, RetentionOutcome outcome);
    void submitAndRecord(const OperationRequest &request, QList<RetentionRecord> records, QObject *context,
                         Handler handler);

    QPointer<OperationRunner> m_runner;
    AsyncBillingDatabase *m_billingDb;
    RetentionRules m_rules;
};

} // namespace Billing
