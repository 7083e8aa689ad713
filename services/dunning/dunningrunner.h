#pragma once

#include "services/domain/result.h"
#include "services/dunning/dunningrepository.h"
#include "services/dunning/retrypolicy.h"
#include "services/operations/operationrunner.h"
#include "services/storage/cachequeries.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace Billing {

class AsyncBillingDatabase;
class AsyncLocalCache;

struct DunningRunReport
{
    int invoices = 0;    // failed invoices looked at
    int decided = 0;     // (invoice, step) decisions taken by this run
    int alreadyDone = 0; // decisions found already taken (by an earlier run or another console)
    int resumed = 0;     // decided earlier but never queued (a crash in between): queued now
    int queued = 0;      // Stripe writes handed to the outbox
    int notified = 0;    // owner notifications written
    int skipped = 0;     // decided, nothing to do (e.g. reminder for an automatically charged invoice)
    int failed = 0;      // refused or invalid
    int recovered = 0;   // queue invoices found paid in Stripe (its own retry, or the customer paying): counted now
    int leftQueue = 0;   // queue invoices gone otherwise (voided, written off, deleted)
    QStringList messages; // one line per decision, for the status bar and the command line
    QList<qint64> outboxEntries; // entries queued by this run
    // Entries an earlier run queued whose outcome is not recorded yet (a run killed before Stripe
    // answered): the outbox resumes them with their idempotency keys; the command line waits for them.
    QList<qint64> earlierEntries;
};

// Runs the automation rules over the dunning queue, exactly once per invoice and step.
//
// For each failed invoice in the cache and each enabled rule whose trigger holds, the decision is
// claimed in the billing database: a dunning_rule_runs row keyed (invoice, step), written in the
// same transaction as the decision's own rows (notification, audit). A run that finds the row
// already there does nothing, so two consoles or a second command-line run never repeat a step.
// Stripe writes go through OperationRunner with clientOpId "dunning:<invoice>:<step>", so a
// decision whose write was claimed but not queued (a crash in between) is queued once on the next
// run, with the same outbox entry if it had been created. The outcome is written back to the run
// row when the outbox finishes.
//
// Each run also records the queue (dunning_watch: invoice, decline, attempts, the policy's step).
// A watched invoice that has left the queue and is paid in the cache (Stripe's own retry or the
// customer paying the hosted invoice, brought in by sync) is counted as a recovery once, with the
// step that was current (recovered()); one voided, written off or deleted is forgotten. An invoice
// that failed and was paid between two runs, never seen in the queue, is counted too when it was
// paid within UnwatchedRecoveryWindowDays (paid with attempt_count above 1 or a cached failure).
//
// Threading: GUI thread (or the command line's event loop); asynchronous. Errors: Database from
// the billing database, the cache's errors; per-decision refusals (role) are counted in failed.
class DunningRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningRunner)
public:
    // None is owned; all must outlive the runner.
    DunningRunner(AsyncLocalCache *cache, AsyncBillingDatabase *billingDb, OperationRunner *runner, QObject *parent = nullptr);
    ~DunningRunner() override;

    static constexpr int UnwatchedRecoveryWindowDays = 30; // Stripe's events reach back 30 days

    bool isRunning() const { return m_running; }
    // The retry policy whose step is recorded with each queued invoice (default: smart).
    void setPolicy(std::shared_ptr<const RetryPolicy> policy);
    void run(const QDateTime &now, QObject *context, std::function<void(Result<DunningRunReport>)> done);

    // The step a rule takes for an invoice, or empty when its trigger does not hold at `now`.
    static QString stepFor(const DunningRule &rule, const Invoice &invoice, const QDateTime &now);
    static QString clientOpIdFor(const QString &invoiceId, const QString &stepKey);
    // When the invoice fell due (the due date, else its creation: automatic collection is due at once).
    static QDateTime dueSince(const Invoice &invoice);
    // The Stripe write of an action, or nullopt (notify owner; reminder of a charged invoice: detail says why).
    static std::optional<OperationRequest> requestFor(DunningAction action, const InvoiceRow &row, const QString &clientOpId,
                                                      QString *detail);

    // Writes a finished outbox entry's outcome to its run row ("done" or "failed"). The runner does
    // it itself when OperationRunner reports; the command line calls it for entries that finished
    // while no runner listened (a run killed after Stripe answered). Not a dunning write: nothing.
    void recordOutcome(const OutboxEntry &entry, QObject *context, std::function<void(Status)> done);

Q_SIGNALS:
    void notified(const QString &invoiceId, const QString &message); // an owner notification was written
    void recovered(const QString &invoiceId); // a payment collected outside the console was counted
    void finished(const Billing::DunningRunReport &report);

private:
    struct Run;
    void loadInvoices(const std::shared_ptr<Run> &run);
    void nextStep(const std::shared_ptr<Run> &run);
    void watchQueue(const std::shared_ptr<Run> &run, const QList<InvoiceRow> &rows);
    void settleNext(const std::shared_ptr<Run> &run);
    void loadPaidUnwatched(const std::shared_ptr<Run> &run);
    void countPaidUnwatched(const std::shared_ptr<Run> &run, const QList<InvoiceRow> &rows);
    DunningWatch watchOf(const InvoiceRow &row, const QDateTime &now) const;
    void finish(const std::shared_ptr<Run> &run, std::optional<Error> error);
    void onOperationFinished(const OutboxEntry &entry);

    QPointer<AsyncLocalCache> m_cache;
    QPointer<AsyncBillingDatabase> m_db;
    QPointer<OperationRunner> m_runner;
    bool m_running = false;
    std::shared_ptr<const RetryPolicy> m_policy;
};

} // namespace Billing
