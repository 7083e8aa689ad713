#include "services/dunning/dunningrunner.h"

#include "services/dunning/declinecodes.h"
#include "services/lifecycle/pauseservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString runKey(const QString &invoiceId, const QString &step) { return invoiceId + QLatin1Char('|') + step; }

Error shuttingDown()
{
    return Error::make(Error::Kind::Cancelled, QCoreApplication::translate("Billing::DunningRunner", "The console is shutting down."));
}

} // namespace

struct DunningRunner::Run
{
    struct Step
    {
        InvoiceRow row;
        DunningRule rule;
        QString stepKey;
        bool resume = false; // claimed earlier, never queued
    };
    QDateTime now;
    QPointer<QObject> context;
    std::function<void(Result<DunningRunReport>)> done;
    QList<DunningRule> rules;
    QHash<QString, DunningRuleRun> existing;
    QList<Step> steps;
    int index = 0;
    QList<DunningWatch> left; // watched invoices no longer in the queue
    int leftIndex = 0;
    DunningRunReport report;
    QString actor;
};

DunningRunner::DunningRunner(AsyncLocalCache *cache, AsyncBillingDatabase *billingDb, OperationRunner *runner, QObject *parent)
    : QObject(parent), m_cache(cache), m_db(billingDb), m_runner(runner), m_policy(std::make_shared<SmartRetryPolicy>())
{
    if (runner)
        connect(runner, &OperationRunner::operationFinished, this, &DunningRunner::onOperationFinished);
}

DunningRunner::~DunningRunner() = default;

void DunningRunner::setPolicy(std::shared_ptr<const RetryPolicy> policy)
{
    if (policy)
        m_policy = std::move(policy);
}

DunningWatch DunningRunner::watchOf(const InvoiceRow &row, const QDateTime &now) const
{
    DunningWatch w;
    w.invoiceId = row.invoice.id;
    w.customerId = row.invoice.customerId;
    w.amountMinor = row.invoice.amountRemainingMinor;
    w.currency = row.invoice.currency.toLower();
    w.declineCode = DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
    w.attempts = row.invoice.attemptCount;
    FailedPayment f;
    f.invoiceId = row.invoice.id;
    f.code = w.declineCode;
    f.firstFailureAt = row.firstFailureAt.isValid() ? row.firstFailureAt : row.invoice.created;
    f.lastAttemptAt = row.lastFailureAt.isValid() ? row.lastFailureAt : f.firstFailureAt;
    f.retriesMade = qMax(0, row.invoice.attemptCount - 1);
    f.retriesOfThisCard = f.retriesMade;
    f.planKey = row.invoice.subscriptionId;
    const RetryStep step = m_policy->next(f, qMax(now, f.lastAttemptAt));
    w.policyStep = step.retry ? QStringLiteral("%1 retry %2").arg(m_policy->key()).arg(step.retryNumber)
                              : QStringLiteral("%1 no retry").arg(m_policy->key());
    return w;
}

QString DunningRunner::clientOpIdFor(const QString &invoiceId, const QString &stepKey)
{
    return QStringLiteral("dunning:%1:%2").arg(invoiceId, stepKey);
}

QDateTime DunningRunner::dueSince(const Invoice &invoice)
{
    return invoice.dueDate.isValid() ? invoice.dueDate : invoice.created;
}

QString DunningRunner::stepFor(const DunningRule &rule, const Invoice &invoice, const QDateTime &now)
{
    if (!rule.enabled || invoice.status != QLatin1String("open") || invoice.attemptCount < 1)
        return {};
    const QString base = QStringLiteral("r%1").arg(rule.id);
    switch (rule.trigger) {
    case DunningTrigger::OnFailure: return base + QStringLiteral(":a%1").arg(invoice.attemptCount);
    case DunningTrigger::AfterDays: {
        const QDateTime since = dueSince(invoice);
        return since.isValid() && since.secsTo(now) >= qint64(rule.days) * 86400 ? base : QString();
    }
    case DunningTrigger::OnFinalAttempt: return invoice.nextPaymentAttempt.isValid() ? QString() : base;
    }
    return {};
}

std::optional<OperationRequest> DunningRunner::requestFor(DunningAction action, const InvoiceRow &row, const QString &clientOpId,
                                                          QString *detail)
{
    const Invoice &i = row.invoice;
    OperationRequest r;
    r.targetType = QStringLiteral("invoice");
    r.targetId = i.id;
    r.beforeSummary = QStringLiteral("Invoice %1 open, %2 attempt(s) failed").arg(i.number.isEmpty() ? i.id : i.number).arg(i.attemptCount);
    r.outbox.clientOpId = clientOpId;
    r.outbox.method = QStringLiteral("POST");
    switch (action) {
    case DunningAction::NotifyOwner: return std::nullopt;
    case DunningAction::SendReminder:
        if (i.collectionMethod != QLatin1String("send_invoice")) {
            // Stripe sends only invoices collected by e-mail (POST /v1/invoices/{id}/send refuses
            // charge_automatically); the owner gets the hosted link instead.
            if (detail)
                *detail = tr("Stripe e-mails only invoices sent for payment; share the hosted invoice link instead");
            return std::nullopt;
        }
        r.permission = Permission::WorkDunning;
        r.intentSummary = QStringLiteral("E-mail the invoice to the customer again (dunning reminder)");
        r.outbox.operation = QStringLiteral("invoice.send");
        r.outbox.path = QStringLiteral("/v1/invoices/%1/send").arg(i.id);
        return r;
    case DunningAction::MarkUncollectible:
        r.permission = Permission::WriteOff;
        r.intentSummary = QStringLiteral("Mark the invoice uncollectible (dunning rule)");
        r.outbox.operation = QStringLiteral("invoice.mark_uncollectible");
        r.outbox.path = QStringLiteral("/v1/invoices/%1/mark_uncollectible").arg(i.id);
        return r;
    case DunningAction::Pause: {
        if (i.subscriptionId.isEmpty()) {
            if (detail)
                *detail = tr("The invoice has no subscription to pause");
            return std::nullopt;
        }
        Subscription s;
        s.id = i.subscriptionId;
        s.customerId = i.customerId;
        OperationRequest p = PauseService::pauseOperation(s, PauseRequest{PauseBehavior::KeepAsDraft, {}}, clientOpId);
        p.intentSummary += QStringLiteral(" (dunning rule for %1)").arg(i.id);
        return p;
    }
    case DunningAction::Cancel:
        if (i.subscriptionId.isEmpty()) {
            if (detail)
                *detail = tr("The invoice has no subscription to cancel");
            return std::nullopt;
        }
        r.permission = Permission::CancelSubscription;
        r.targetType = QStringLiteral("subscription");
        r.targetId = i.subscriptionId;
        r.intentSummary = QStringLiteral("Cancel the subscription now (dunning rule for %1)").arg(i.id);
        r.outbox.operation = QStringLiteral("subscription.cancel");
        r.outbox.method = QStringLiteral("DELETE");
        r.outbox.path = QStringLiteral("/v1/subscriptions/%1").arg(i.subscriptionId);
        return r;
    }
    return std::nullopt;
}

void DunningRunner::run(const QDateTime &now, QObject *context, std::function<void(Result<DunningRunReport>)> done)
{
    auto run = std::make_shared<Run>();
    run->now = now.isValid() ? now.toUTC() : QDateTime::currentDateTimeUtc();
    run->context = context;
    run->done = std::move(done);
    run->actor = m_runner ? m_runner->actor().email : QString();
    if (m_running || !m_db || !m_cache || !m_runner) {
        const Error e = Error::make(m_running ? Error::Kind::Conflict : Error::Kind::Cancelled,
                                    m_running ? tr("The dunning rules are already running.") : tr("The console is shutting down."));
        QMetaObject::invokeMethod(this, [run, e] {
            if (run->context && run->done)
                run->done(e);
        }, Qt::QueuedConnection);
        return;
    }
    m_running = true;
    using Loaded = std::pair<QList<DunningRule>, QList<DunningRuleRun>>;
    m_db->thread().run(this, [](BillingDatabase &db) -> Result<Loaded> {
        DunningRepository repo(db);
        Result<QList<DunningRule>> rules = repo.rules();
        if (!rules)
            return rules.error();
        Result<QList<DunningRuleRun>> runs = repo.runs();
        if (!runs)
            return runs.error();
        return Loaded{rules.value(), runs.value()};
    }, [this, run](Result<Loaded> loaded) {
        if (!loaded)
            return finish(run, loaded.error());
        run->rules = loaded->first;
        for (const DunningRuleRun &r : loaded->second)
            run->existing.insert(runKey(r.invoiceId, r.stepKey), r);
        loadInvoices(run);
    });
}

void DunningRunner::loadInvoices(const std::shared_ptr<Run> &run)
{
    if (!m_cache)
        return finish(run, shuttingDown());
    InvoiceQuery q;
    q.onlyFailedPayments = true;
    q.sortKey = InvoiceQuery::SortKey::Created;
    q.order = SortOrder::Ascending;
    q.limit = 100000;
    m_cache->invoices(q, this, [this, run](Result<QList<InvoiceRow>> rows) {
        if (!rows)
            return finish(run, rows.error());
        run->report.invoices = int(rows->size());
        for (const InvoiceRow &row : rows.value()) {
            for (const DunningRule &rule : std::as_const(run->rules)) {
                const QString step = stepFor(rule, row.invoice, run->now);
                if (step.isEmpty())
                    continue;
                const auto it = run->existing.constFind(runKey(row.invoice.id, step));
                if (it != run->existing.constEnd()) {
                    const bool unqueued = it->state == QLatin1String("claimed") && !it->clientOpId.isEmpty();
                    if (!unqueued) {
                        ++run->report.alreadyDone;
                        if (it->state == QLatin1String("queued") && it->outboxEntryId > 0)
                            run->report.earlierEntries << it->outboxEntryId;
                        continue;
                    }
                    run->steps << Run::Step{row, rule, step, true};
                    continue;
                }
                run->steps << Run::Step{row, rule, step, false};
            }
        }
        watchQueue(run, rows.value());
    });
}

void DunningRunner::watchQueue(const std::shared_ptr<Run> &run, const QList<InvoiceRow> &rows)
{
    if (!m_db)
        return finish(run, shuttingDown());
    QList<DunningWatch> queue;
    queue.reserve(rows.size());
    for (const InvoiceRow &row : rows)
        queue << watchOf(row, run->now);
    m_db->thread().run(this, [queue, now = run->now](BillingDatabase &db) { return DunningRepository(db).watchQueue(queue, now); },
                       [this, run](Result<QList<DunningWatch>> left) {
        if (!left)
            return finish(run, left.error());
        run->left = left.value();
        settleNext(run);
    });
}

// One watched invoice that left the queue at a time: its cached state decides recovery or not.
void DunningRunner::settleNext(const std::shared_ptr<Run> &run)
{
    if (run->leftIndex >= run->left.size())
        return loadPaidUnwatched(run);
    if (!m_db || !m_cache)
        return finish(run, shuttingDown());
    const DunningWatch w = run->left.at(run->leftIndex++);
    InvoiceQuery q;
    q.customerId = w.customerId;
    q.sortKey = InvoiceQuery::SortKey::Created;
    q.order = SortOrder::Descending;
    q.limit = 100000;
    m_cache->invoices(q, this, [this, run, w](Result<QList<InvoiceRow>> rows) {
        if (!rows)
            return finish(run, rows.error());
        std::optional<Invoice> now;
        for (const InvoiceRow &r : rows.value())
            if (r.invoice.id == w.invoiceId)
                now = r.invoice;
        if (now && now->status == QLatin1String("open")) // back in the queue or not yet synced: keep watching
            return settleNext(run);
        std::optional<DunningRecovery> recovery;
        if (now && now->status == QLatin1String("paid")) {
            DunningRecovery r;
            r.invoiceId = w.invoiceId;
            r.recoveredAt = now->paidAt.isValid() ? now->paidAt : run->now;
            r.amountMinor = now->amountPaidMinor > 0 ? now->amountPaidMinor : w.amountMinor;
            r.currency = now->currency.isEmpty() ? w.currency : now->currency.toLower();
            r.declineCode = w.declineCode;
            r.attempts = qMax(now->attemptCount, w.attempts);
            r.step = QStringLiteral("paid_in_stripe (%1)").arg(w.policyStep);
            recovery = r;
        }
        const QString label = now && !now->number.isEmpty() ? now->number : w.invoiceId;
        m_db->thread().run(this, [id = w.invoiceId, recovery, actor = run->actor](BillingDatabase &db) {
            return DunningRepository(db).settleWatched(id, recovery, actor);
        }, [this, run, recovery, label, id = w.invoiceId](Result<bool> counted) {
            if (!counted) {
                ++run->report.failed;
                run->report.messages << counted.error().userMessage;
            } else if (recovery && counted.value()) {
                ++run->report.recovered;
                run->report.messages << tr("%1: paid in Stripe, recovery counted").arg(label);
                Q_EMIT recovered(id);
            } else if (!recovery) {
                ++run->report.leftQueue;
            }
            settleNext(run);
        });
    });
}

// Invoices that failed and were paid between two runs never entered the watched queue: the ones
// paid after a failure within the window are counted too (once per invoice: an invoice counted
// already, by the watch or by a retry from the console, is not counted again).
void DunningRunner::loadPaidUnwatched(const std::shared_ptr<Run> &run)
{
    if (!m_cache)
        return finish(run, shuttingDown());
    InvoiceQuery q;
    q.paidAfterFailureFrom = run->now.addDays(-UnwatchedRecoveryWindowDays);
    // Bounds the scan to the created index; a payment that took longer than this was watched.
    q.createdFrom = run->now.addDays(-4 * UnwatchedRecoveryWindowDays).date();
    q.sortKey = InvoiceQuery::SortKey::Created;
    q.order = SortOrder::Ascending;
    q.limit = 100000;
    m_cache->invoices(q, this, [this, run](Result<QList<InvoiceRow>> rows) {
        if (!rows)
            return finish(run, rows.error());
        countPaidUnwatched(run, rows.value());
    });
}

void DunningRunner::countPaidUnwatched(const std::shared_ptr<Run> &run, const QList<InvoiceRow> &rows)
{
    if (!m_db)
        return finish(run, shuttingDown());
    QList<DunningRecovery> recoveries;
    QHash<QString, QString> labels;
    for (const InvoiceRow &row : rows) {
        DunningRecovery r;
        r.invoiceId = row.invoice.id;
        r.recoveredAt = row.invoice.paidAt.isValid() ? row.invoice.paidAt : run->now;
        r.amountMinor = row.invoice.amountPaidMinor;
        r.currency = row.invoice.currency.toLower();
        r.declineCode = DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
        r.attempts = row.invoice.attemptCount;
        r.step = QStringLiteral("paid_in_stripe (between runs)");
        if (r.currency.size() != 3 || r.amountMinor <= 0)
            continue;
        recoveries << r;
        labels.insert(r.invoiceId, row.invoice.number.isEmpty() ? row.invoice.id : row.invoice.number);
    }
    m_db->thread().run(this, [recoveries, actor = run->actor](BillingDatabase &db) {
        return DunningRepository(db).countRecoveries(recoveries, actor);
    }, [this, run, labels](Result<QStringList> counted) {
        if (!counted)
            return finish(run, counted.error());
        for (const QString &id : counted.value()) {
            ++run->report.recovered;
            run->report.messages << tr("%1: paid in Stripe after a failed payment, recovery counted").arg(labels.value(id));
            Q_EMIT recovered(id);
        }
        nextStep(run);
    });
}

void DunningRunner::nextStep(const std::shared_ptr<Run> &run)
{
    if (run->index >= run->steps.size())
        return finish(run, std::nullopt);
    if (!m_db || !m_runner)
        return finish(run, shuttingDown());
    const Run::Step step = run->steps.at(run->index++);
    const InvoiceRow &row = step.row;
    const QString clientOpId = clientOpIdFor(row.invoice.id, step.stepKey);
    QString detail;
    const std::optional<OperationRequest> request = requestFor(step.rule.action, row, clientOpId, &detail);
    const QString label = row.invoice.number.isEmpty() ? row.invoice.id : row.invoice.number;

    auto submit = [this, run, step, request, label] {
        m_runner->submit(*request, this, [this, run, step, label](Result<OutboxEntry> queued) {
            const QString state = queued ? QStringLiteral("queued") : QStringLiteral("failed");
            const qint64 entryId = queued ? queued->id : 0;
            const QString detail = queued ? QString() : queued.error().userMessage;
            if (queued) {
                ++run->report.queued;
                run->report.outboxEntries << entryId;
                run->report.messages << tr("%1: %2 queued (%3)").arg(label, dunningActionLabel(step.rule.action), step.rule.name);
            } else {
                ++run->report.failed;
                run->report.messages << tr("%1: %2 refused: %3").arg(label, dunningActionLabel(step.rule.action), detail);
            }
            const QString inv = step.row.invoice.id;
            const QString key = step.stepKey;
            m_db->thread().run(this, [inv, key, state, entryId, detail](BillingDatabase &db) {
                return DunningRepository(db).updateRun(inv, key, state, entryId, detail);
            }, [this, run](Status s) {
                if (!s)
                    run->report.messages << s.error().userMessage;
                nextStep(run);
            });
        });
    };

    if (step.resume) {
        ++run->report.resumed;
        if (!request) {
            nextStep(run);
            return;
        }
        submit();
        return;
    }

    DunningRuleRun r;
    r.invoiceId = row.invoice.id;
    r.stepKey = step.stepKey;
    r.ruleId = step.rule.id;
    r.action = dunningActionName(step.rule.action);
    r.decidedAt = run->now;
    r.actor = run->actor;
    r.clientOpId = request ? clientOpId : QString();
    r.state = request ? QStringLiteral("claimed") : (step.rule.action == DunningAction::NotifyOwner ? QStringLiteral("done") : QStringLiteral("skipped"));
    r.detail = request ? request->intentSummary : (detail.isEmpty() ? step.rule.name : detail);
    const QString code = DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
    const QString message = tr("%1 (%2): %3; %4").arg(label, row.customerName.isEmpty() ? row.customerEmail : row.customerName,
                                                      step.rule.name, code.isEmpty() ? tr("payment failed") : DeclineCodes::lookup(code).meaning);
    const bool notify = step.rule.action == DunningAction::NotifyOwner;
    m_db->thread().run(this, [r, notify, message](BillingDatabase &db) -> Result<bool> {
        std::optional<DunningNotification> n;
        if (notify) {
            DunningNotification note;
            note.invoiceId = r.invoiceId;
            note.ruleId = r.ruleId;
            note.message = message;
            if (Result<DunningState> st = db.dunningState(r.invoiceId))
                note.owner = st->owner;
            n = note;
        }
        return DunningRepository(db).claimStep(r, n);
    }, [this, run, step, request, submit, notify, message, r](Result<bool> claimed) {
        if (!claimed) {
            ++run->report.failed;
            run->report.messages << claimed.error().userMessage;
            return nextStep(run);
        }
        if (!claimed.value()) {
            ++run->report.alreadyDone; // another console decided it a moment ago
            return nextStep(run);
        }
        ++run->report.decided;
        if (notify) {
            ++run->report.notified;
            run->report.messages << message;
            Q_EMIT notified(step.row.invoice.id, message);
            return nextStep(run);
        }
        if (!request) {
            ++run->report.skipped;
            run->report.messages << tr("%1: %2 skipped: %3").arg(step.row.invoice.number, dunningActionLabel(step.rule.action), r.detail);
            return nextStep(run);
        }
        submit();
    });
}

void DunningRunner::finish(const std::shared_ptr<Run> &run, std::optional<Error> error)
{
    m_running = false;
    if (!error)
        Q_EMIT finished(run->report);
    if (run->context && run->done) {
        if (error)
            run->done(*error);
        else
            run->done(run->report);
    }
}

void DunningRunner::onOperationFinished(const OutboxEntry &entry)
{
    recordOutcome(entry, this, {});
}

void DunningRunner::recordOutcome(const OutboxEntry &entry, QObject *context, std::function<void(Status)> done)
{
    QPointer<QObject> ctx(context);
    auto answer = [ctx, done](Status s) {
        if (ctx && done)
            done(std::move(s));
    };
    if (!entry.clientOpId.startsWith(QLatin1String("dunning:")) || !m_db || entry.isOpen()) {
        QMetaObject::invokeMethod(this, [answer] { answer({}); }, Qt::QueuedConnection);
        return;
    }
    const QStringList parts = entry.clientOpId.split(QLatin1Char(':'));
    if (parts.size() < 3) {
        QMetaObject::invokeMethod(this, [answer] { answer({}); }, Qt::QueuedConnection);
        return;
    }
    const QString invoiceId = parts.at(1);
    const QString step = entry.clientOpId.mid(QStringLiteral("dunning:").size() + invoiceId.size() + 1);
    const QString state = entry.state == OutboxState::Succeeded ? QStringLiteral("done") : QStringLiteral("failed");
    const QString detail = entry.state == OutboxState::Succeeded ? QStringLiteral("Stripe confirmed") : entry.errorMessage;
    const qint64 id = entry.id;
    m_db->thread().run(this, [invoiceId, step, state, id, detail](BillingDatabase &db) {
        return DunningRepository(db).updateRun(invoiceId, step, state, id, detail);
    }, answer);
}

} // namespace Billing
