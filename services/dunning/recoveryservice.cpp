#include "services/dunning/recoveryservice.h"

#include "services/lifecycle/pauseservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"

#include <QUuid>

namespace Billing {

namespace {

template <typename T>
void later(QObject *self, QObject *context, std::function<void(Result<T>)> handler, Error e)
{
    QMetaObject::invokeMethod(self, [context = QPointer<QObject>(context), handler = std::move(handler), e] {
        if (context && handler)
            handler(e);
    }, Qt::QueuedConnection);
}

const QStringList ContactKinds{QStringLiteral("note"), QStringLiteral("call"), QStringLiteral("email"),
                               QStringLiteral("portal_link"), QStringLiteral("hosted_link")};

QString invoiceLabel(const Invoice &i) { return i.number.isEmpty() ? i.id : i.number; }

} // namespace

RecoveryService::RecoveryService(OperationRunner *runner, AsyncBillingDatabase *billingDb, AsyncLocalCache *cache, QObject *parent)
    : QObject(parent), m_runner(runner), m_db(billingDb), m_cache(cache)
{
    if (runner)
        connect(runner, &OperationRunner::operationFinished, this, &RecoveryService::onOperationFinished);
}

RecoveryService::~RecoveryService() = default;

QString RecoveryService::newSessionId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool RecoveryService::may(Permission permission) const
{
    return m_runner && m_runner->policy().check(m_runner->actor(), permission).ok();
}

QString RecoveryService::actorEmail() const
{
    return m_runner ? m_runner->actor().email : QString();
}

void RecoveryService::loadHistory(const QString &invoiceId, QObject *context, std::function<void(Result<RecoveryHistory>)> handler)
{
    if (!m_db || !m_cache)
        return later<RecoveryHistory>(this, context, std::move(handler),
                                      Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    auto history = std::make_shared<RecoveryHistory>();
    history->invoiceId = invoiceId;
    QPointer<QObject> ctx(context);
    m_cache->paymentAttempts(invoiceId, this, [this, history, ctx, handler, invoiceId](Result<QList<PaymentAttempt>> attempts) {
        if (!attempts) {
            if (ctx)
                handler(attempts.error());
            return;
        }
        history->attempts = attempts.value();
        std::sort(history->attempts.begin(), history->attempts.end(),
                  [](const PaymentAttempt &a, const PaymentAttempt &b) { return a.created < b.created; });
        if (!m_db) {
            if (ctx)
                handler(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
            return;
        }
        m_db->thread().run(this, [invoiceId, history](BillingDatabase &db) -> Result<RecoveryHistory> {
            RecoveryHistory h = *history;
            DunningRepository repo(db);
            Result<QList<DunningContact>> contacts = repo.contacts(invoiceId);
            if (!contacts)
                return contacts.error();
            h.contacts = contacts.value();
            Result<QList<DunningRuleRun>> runs = repo.runs(invoiceId);
            if (!runs)
                return runs.error();
            h.ruleRuns = runs.value();
            Result<DunningState> st = db.dunningState(invoiceId);
            if (st)
                h.state = st.value();
            else if (st.error().kind != Error::Kind::NotFound)
                return st.error();
            return h;
        }, [ctx, handler](Result<RecoveryHistory> h) {
            if (ctx)
                handler(std::move(h));
        });
    });
}

OperationRequest RecoveryService::retryRequest(const Invoice &invoice, const QString &sessionId)
{
    OperationRequest r;
    r.permission = Permission::WorkDunning;
    r.targetType = QStringLiteral("invoice");
    r.targetId = invoice.id;
    r.beforeSummary = QStringLiteral("Invoice %1 open, %2 attempt(s) failed").arg(invoiceLabel(invoice)).arg(invoice.attemptCount);
    r.intentSummary = QStringLiteral("Retry the payment now with the customer's default payment method");
    r.outbox.operation = QStringLiteral("invoice.pay");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/invoices/%1/pay").arg(invoice.id);
    r.outbox.params = QJsonObject{{QStringLiteral("off_session"), true}};
    r.outbox.clientOpId = QStringLiteral("recovery:%1:retry:%2").arg(invoice.id, sessionId);
    return r;
}

OperationRequest RecoveryService::writeOffRequest(const Invoice &invoice, const QString &sessionId)
{
    OperationRequest r;
    r.permission = Permission::WriteOff;
    r.targetType = QStringLiteral("invoice");
    r.targetId = invoice.id;
    r.beforeSummary = QStringLiteral("Invoice %1 open, %2 %3 remaining").arg(invoiceLabel(invoice)).arg(invoice.amountRemainingMinor).arg(invoice.currency);
    r.intentSummary = QStringLiteral("Write the invoice off (mark uncollectible)");
    r.outbox.operation = QStringLiteral("invoice.mark_uncollectible");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/invoices/%1/mark_uncollectible").arg(invoice.id);
    r.outbox.clientOpId = QStringLiteral("recovery:%1:write_off:%2").arg(invoice.id, sessionId);
    return r;
}

void RecoveryService::retryNow(const Invoice &invoice, const QString &declineCode, const QString &sessionId, QObject *context,
                               std::function<void(Result<OutboxEntry>)> queued)
{
    if (!m_runner)
        return later<OutboxEntry>(this, context, std::move(queued), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (invoice.status != QLatin1String("open"))
        return later<OutboxEntry>(this, context, std::move(queued),
                                  Error::make(Error::Kind::Validation, tr("Only an open invoice can be retried; this one is %1.").arg(invoice.status)));
    m_declineByInvoice.insert(invoice.id, declineCode);
    m_runner->submit(retryRequest(invoice, sessionId), context, std::move(queued));
}

void RecoveryService::writeOff(const Invoice &invoice, const QString &sessionId, QObject *context,
                               std::function<void(Result<OutboxEntry>)> queued)
{
    if (!m_runner)
        return later<OutboxEntry>(this, context, std::move(queued), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (invoice.status != QLatin1String("open"))
        return later<OutboxEntry>(this, context, std::move(queued),
                                  Error::make(Error::Kind::Validation, tr("Only an open invoice can be written off; this one is %1.").arg(invoice.status)));
    m_runner->submit(writeOffRequest(invoice, sessionId), context, std::move(queued));
}

void RecoveryService::pauseSubscription(const Invoice &invoice, const QString &sessionId, QObject *context,
                                        std::function<void(Result<OutboxEntry>)> queued)
{
    if (!m_runner)
        return later<OutboxEntry>(this, context, std::move(queued), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (invoice.subscriptionId.isEmpty())
        return later<OutboxEntry>(this, context, std::move(queued),
                                  Error::make(Error::Kind::Validation, tr("This invoice does not belong to a subscription.")));
    Subscription s;
    s.id = invoice.subscriptionId;
    s.customerId = invoice.customerId;
    OperationRequest r = PauseService::pauseOperation(s, PauseRequest{PauseBehavior::KeepAsDraft, {}},
                                                      QStringLiteral("recovery:%1:pause:%2").arg(invoice.id, sessionId));
    r.intentSummary += QStringLiteral(" (recovery of %1)").arg(invoiceLabel(invoice));
    m_runner->submit(r, context, std::move(queued));
}

void RecoveryService::recordContact(const QString &invoiceId, const QString &kind, const QString &text, QObject *context,
                                    std::function<void(Result<qint64>)> handler)
{
    if (!m_db || !m_runner)
        return later<qint64>(this, context, std::move(handler), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (Status s = m_runner->policy().check(m_runner->actor(), Permission::WorkDunning); !s)
        return later<qint64>(this, context, std::move(handler), s.error());
    if (!ContactKinds.contains(kind))
        return later<qint64>(this, context, std::move(handler), Error::make(Error::Kind::Validation, tr("Unknown kind of contact.")));
    if (text.trimmed().isEmpty() && (kind == QLatin1String("note") || kind == QLatin1String("call")))
        return later<qint64>(this, context, std::move(handler), Error::make(Error::Kind::Validation, tr("Write what was said or done.")));
    DunningContact c;
    c.invoiceId = invoiceId;
    c.kind = kind;
    c.text = text.trimmed();
    c.actor = actorEmail();
    QPointer<QObject> ctx(context);
    m_db->thread().run(this, [c](BillingDatabase &db) { return DunningRepository(db).addContact(c); },
                       [this, ctx, handler, invoiceId](Result<qint64> r) {
        if (r)
            Q_EMIT historyChanged(invoiceId);
        if (ctx)
            handler(std::move(r));
    });
}

void RecoveryService::updateState(const QString &invoiceId, std::function<void(DunningState &)> change, QObject *context,
                                  std::function<void(Result<DunningState>)> handler)
{
    if (!m_db || !m_runner)
        return later<DunningState>(this, context, std::move(handler), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    if (Status s = m_runner->policy().check(m_runner->actor(), Permission::WorkDunning); !s)
        return later<DunningState>(this, context, std::move(handler), s.error());
    const QString actor = actorEmail();
    QPointer<QObject> ctx(context);
    m_db->thread().run(this, [invoiceId, change, actor](BillingDatabase &db) -> Result<DunningState> {
        DunningState st;
        if (Result<DunningState> cur = db.dunningState(invoiceId))
            st = cur.value();
        else if (cur.error().kind != Error::Kind::NotFound)
            return cur.error();
        else {
            st.invoiceId = invoiceId;
            st.stage = QStringLiteral("new");
        }
        change(st);
        return db.setDunningState(st, actor);
    }, [this, ctx, handler, invoiceId](Result<DunningState> r) {
        if (r)
            Q_EMIT historyChanged(invoiceId);
        if (ctx)
            handler(std::move(r));
    });
}

void RecoveryService::assignOwner(const QString &invoiceId, const QString &owner, QObject *context,
                                  std::function<void(Result<DunningState>)> handler)
{
    const QString o = owner.trimmed();
    if (!o.isEmpty() && !o.contains(QLatin1Char('@')))
        return later<DunningState>(this, context, std::move(handler),
                                   Error::make(Error::Kind::Validation, tr("The owner is a staff member's e-mail address.")));
    updateState(invoiceId, [o](DunningState &st) { st.owner = o; }, context, std::move(handler));
}

void RecoveryService::escalate(const QString &invoiceId, const QString &reason, QObject *context,
                               std::function<void(Result<DunningState>)> handler)
{
    if (reason.trimmed().isEmpty())
        return later<DunningState>(this, context, std::move(handler),
                                   Error::make(Error::Kind::Validation, tr("Say why the invoice is escalated.")));
    const QString r = reason.trimmed();
    updateState(invoiceId, [r](DunningState &st) {
        st.stage = QStringLiteral("escalated");
        st.note = r;
    }, context, std::move(handler));
}

void RecoveryService::countRecovery(const DunningRecovery &recovery, QObject *context, std::function<void(Result<bool>)> handler)
{
    if (!m_db)
        return later<bool>(this, context, std::move(handler), Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const QString actor = actorEmail();
    QPointer<QObject> ctx(context);
    m_db->thread().run(this, [recovery, actor](BillingDatabase &db) { return DunningRepository(db).recordRecovery(recovery, actor); },
                       [this, ctx, handler, id = recovery.invoiceId](Result<bool> r) {
        if (r && r.value())
            Q_EMIT recovered(id);
        if (ctx && handler)
            handler(std::move(r));
    });
}

void RecoveryService::onOperationFinished(const OutboxEntry &entry)
{
    if (!entry.clientOpId.startsWith(QLatin1String("recovery:")) || !entry.clientOpId.contains(QLatin1String(":retry:")))
        return;
    const QString invoiceId = entry.clientOpId.section(QLatin1Char(':'), 1, 1);
    const QString decline = m_declineByInvoice.take(invoiceId);
    const bool paid = entry.state == OutboxState::Succeeded
                   && entry.result.value(QLatin1String("status")).toString() == QLatin1String("paid");
    // The attempt itself reaches the cache with the next sync; the history shows it now.
    if (m_db) {
        DunningContact c;
        c.invoiceId = invoiceId;
        c.kind = QStringLiteral("retry");
        c.actor = entry.actor.isEmpty() ? actorEmail() : entry.actor;
        c.text = paid ? tr("Retry paid the invoice") : tr("Retry declined: %1").arg(entry.errorMessage);
        m_db->thread().run(this, [c](BillingDatabase &db) { return DunningRepository(db).addContact(c); },
                           [this, invoiceId, paid, message = paid ? tr("Paid.") : entry.errorMessage](Result<qint64>) {
            Q_EMIT retryFinished(invoiceId, paid, message);
            Q_EMIT historyChanged(invoiceId);
        });
    } else {
        Q_EMIT retryFinished(invoiceId, paid, paid ? tr("Paid.") : entry.errorMessage);
    }
    if (!paid)
        return;
    DunningRecovery r;
    r.invoiceId = invoiceId;
    r.recoveredAt = QDateTime::currentDateTimeUtc();
    r.amountMinor = entry.result.value(QLatin1String("amount_paid")).toInteger();
    r.currency = entry.result.value(QLatin1String("currency")).toString();
    r.declineCode = decline;
    r.attempts = int(entry.result.value(QLatin1String("attempt_count")).toInteger());
    r.step = QStringLiteral("retry_now");
    countRecovery(r, this, {});
}

} // namespace Billing
