#include "services/dunning/dunningrunner.h"

#include "services/dunning/declinecodes.h"
#include "services/lifecycle/pauseservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::DunningRunner", text); }

QString runKey(const QString &invoiceId, const QString &step) { return invoiceId + QLatin1Char('|') + step; }

bool needsStripe(DunningAction a)
{
    return a != DunningAction::NotifyOwner;
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
    DunningRunReport report;
    QString actor;
};

DunningRunner::DunningRunner(AsyncLocalCache *cache, AsyncBillingDatabase *billingDb, OperationRunner *runner, QObject *parent)
    : QObject(parent), m_cache(cache), m_db(billingDb), m_runner(runner)
{
    if (runner)
        connect(runner, &OperationRunner::operationFinished, this, &DunningRunner::onOperationFinished);
}

DunningRunner::~DunningRunner() = default;

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
        return finish(run, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
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
                        continue;
                    }
                    run->steps << Run::Step{row, rule, step, true};
                    continue;
                }
                run->steps << Run::Step{row, rule, step, false};
            }
        }
        nextStep(run);
    });
}

void DunningRunner::nextStep(const std::shared_ptr<Run> &run)
{
    if (run->index >= run->steps.size())
        return finish(run, std::nullopt);
    if (!m_db || !m_runner)
        return finish(run, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
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
    if (!entry.clientOpId.startsWith(QLatin1String("dunning:")) || !m_db)
        return;
    const QStringList parts = entry.clientOpId.split(QLatin1Char(':'));
    if (parts.size() < 3)
        return;
    const QString invoiceId = parts.at(1);
    const QString step = entry.clientOpId.mid(QStringLiteral("dunning:").size() + invoiceId.size() + 1);
    const QString state = entry.state == OutboxState::Succeeded ? QStringLiteral("done") : QStringLiteral("failed");
    const QString detail = entry.state == OutboxState::Succeeded ? QStringLiteral("Stripe confirmed") : entry.errorMessage;
    const qint64 id = entry.id;
    m_db->thread().run(this, [invoiceId, step, state, id, detail](BillingDatabase &db) {
        return DunningRepository(db).updateRun(invoiceId, step, state, id, detail);
    }, [](Status) {});
}

} // namespace Billing
