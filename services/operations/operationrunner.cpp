#include "services/operations/operationrunner.h"

#include "services/outbox/outboxservice.h"
#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QPointer>

// Audit rows written here (all with actor = the actor's tag, operation = the outbox operation,
// target = the request's target):
//  - refused:   params = the Stripe params, before = beforeSummary, after = intentSummary,
//               no idempotency key (nothing was queued), result "refused: <userMessage>".
//  - requested: the same fields plus the entry's idempotency key, result "requested". Written
//               right after the outbox entry is committed (so a row never names a key that does not
//               exist), at most once per key.
//  - outcome:   one per idempotency key, result "ok", "error: <message>" or
//               "needs attention: <message>"; before = the requested row's before summary, after =
//               what Stripe returned ("subscription sub_1, status active") or empty on failure;
//               params = {"outbox_entry", "object_id" | "error_kind", "http_status", "request_id"}.
//               Written by whichever runner sees the entry finished (live, after a restart, or by
//               reconcile()), on the billing database worker after checking that no outcome row
//               with that key exists yet: the worker runs jobs one at a time, and an outbox file
//               belongs to one console, so there is exactly one outcome row per entry.

namespace Billing {

namespace {

const QString Requested = QStringLiteral("requested");

QString compact(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

bool isOutcomeRow(const AuditEntry &row)
{
    return row.result != Requested && !row.result.startsWith(QLatin1String("refused"));
}

QString outcomeText(const OutboxEntry &entry)
{
    switch (entry.state) {
    case OutboxState::Succeeded: return QStringLiteral("ok");
    case OutboxState::Failed: return QStringLiteral("error: ") + entry.errorMessage;
    case OutboxState::NeedsAttention: return QStringLiteral("needs attention: ") + entry.errorMessage;
    case OutboxState::Pending:
    case OutboxState::InFlight: break;
    }
    return QStringLiteral("pending");
}

// "subscription sub_1, status active, 49.00 USD": what Stripe answered, in plain words.
QString describeObject(const QJsonObject &o)
{
    QString text = o.value(QLatin1String("object")).toString();
    const QString id = o.value(QLatin1String("id")).toString();
    if (!id.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + id;
    if (o.value(QLatin1String("deleted")).toBool())
        text += QStringLiteral(", deleted");
    const QString status = o.value(QLatin1String("status")).toString();
    if (!status.isEmpty())
        text += QStringLiteral(", status ") + status;
    const QJsonValue amount = o.value(QLatin1String("amount"));
    const auto currency = Currency::fromCode(o.value(QLatin1String("currency")).toString());
    if (amount.isDouble() && currency)
        text += QStringLiteral(", ") + Money(amount.toInteger(), *currency).toDecimalString() + QLatin1Char(' ')
                + currency->code();
    return text;
}

// Target of an entry whose requested row is missing (a crash between enqueue and that row, or an
// entry queued outside the runner): "/v1/customers/cus_1/..." -> customer cus_1; "/v1/refunds" ->
// the returned object.
QPair<QString, QString> targetFromEntry(const OutboxEntry &entry)
{
    const QStringList parts = entry.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (parts.size() >= 3) {
        QString type = parts.at(1);
        if (type.endsWith(QLatin1Char('s')))
            type.chop(1);
        return {type, parts.at(2)};
    }
    return {entry.result.value(QLatin1String("object")).toString(), entry.resultObjectId};
}

// Writes the outcome row of a finished entry unless one exists. true = written now.
Result<bool> recordOutcomeOn(BillingDatabase &db, const OutboxEntry &entry, const std::optional<OperationRequest> &request)
{
    AuditQuery q;
    q.idempotencyKey = entry.idempotencyKey;
    q.limit = 50;
    Result<QList<AuditEntry>> rows = db.audit(q);
    if (!rows)
        return rows.error();
    const AuditEntry *requested = nullptr;
    for (const AuditEntry &row : std::as_const(*rows)) {
        if (isOutcomeRow(row))
            return false; // already recorded (by this or an earlier run)
        if (row.result == Requested)
            requested = &row;
    }
    AuditEntry out;
    out.actor = entry.actor.isEmpty() ? (requested ? requested->actor : QStringLiteral("system")) : entry.actor;
    out.operation = entry.operation;
    if (requested) {
        out.targetType = requested->targetType;
        out.targetId = requested->targetId;
        out.beforeSummary = requested->beforeSummary;
    } else if (request) {
        out.targetType = request->targetType;
        out.targetId = request->targetId;
        out.beforeSummary = request->beforeSummary;
    } else {
        const auto target = targetFromEntry(entry);
        out.targetType = target.first;
        out.targetId = target.second;
    }
    QJsonObject params{{QStringLiteral("outbox_entry"), entry.id}};
    if (entry.state == OutboxState::Succeeded) {
        params.insert(QStringLiteral("object_id"), entry.resultObjectId);
        out.afterSummary = describeObject(entry.result);
    } else {
        params.insert(QStringLiteral("error_kind"), entry.errorKind);
        params.insert(QStringLiteral("http_status"), entry.errorHttpStatus);
        params.insert(QStringLiteral("request_id"), entry.errorRequestId);
    }
    out.paramsJson = compact(params);
    out.idempotencyKey = entry.idempotencyKey;
    out.result = outcomeText(entry);
    Result<qint64> id = db.appendAudit(out);
    if (!id)
        return id.error();
    return true;
}

// The "requested" row, at most once per idempotency key (a double submit maps to one entry).
Result<bool> recordRequestedOn(BillingDatabase &db, const AuditEntry &row)
{
    AuditQuery q;
    q.idempotencyKey = row.idempotencyKey;
    q.limit = 50;
    Result<QList<AuditEntry>> rows = db.audit(q);
    if (!rows)
        return rows.error();
    for (const AuditEntry &existing : std::as_const(*rows))
        if (existing.result == Requested || isOutcomeRow(existing))
            return false;
    Result<qint64> id = db.appendAudit(row);
    if (!id)
        return id.error();
    return true;
}

// Parses Stripe's answer by its "object" and upserts it; returns the object type to notify, or
// empty when the cache does not keep that type.
Result<QString> upsertOn(LocalCache &cache, const QJsonObject &object)
{
    const QString type = object.value(QLatin1String("object")).toString();
    const QString id = object.value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return QString();
    if (object.value(QLatin1String("deleted")).toBool()) {
        if (Status s = cache.remove(type, id); !s)
            return s.error();
        return type;
    }
    Status s;
    if (type == QLatin1String("customer")) {
        Result<Customer> c = StripeParser::customer(object);
        if (!c)
            return c.error();
        s = cache.upsertCustomers({*c});
    } else if (type == QLatin1String("subscription")) {
        Result<Subscription> sub = StripeParser::subscription(object);
        if (!sub)
            return sub.error();
        s = cache.upsertSubscriptions({*sub});
    } else if (type == QLatin1String("invoice")) {
        Result<Invoice> inv = StripeParser::invoice(object);
        if (!inv)
            return inv.error();
        s = cache.upsertInvoices({*inv});
    } else if (type == QLatin1String("price")) {
        Result<Price> p = StripeParser::price(object);
        if (!p)
            return p.error();
        s = cache.upsertPrices({*p});
    } else if (type == QLatin1String("product")) {
        Result<Product> p = StripeParser::product(object);
        if (!p)
            return p.error();
        s = cache.upsertProducts({*p});
    } else {
        return QString(); // refunds, credit notes, balance transactions, schedules: not cached
    }
    if (!s)
        return s.error();
    return type;
}

} // namespace

OperationRunner::OperationRunner(OutboxService *outbox, AsyncBillingDatabase *billingDb, AsyncLocalCache *cache,
                                 AccessPolicy policy, Actor actor, QObject *parent)
    : QObject(parent)
    , m_outbox(outbox)
    , m_billingDb(billingDb)
    , m_cache(cache)
    , m_policy(std::move(policy))
    , m_actor(std::move(actor))
{
    connect(m_outbox, &OutboxService::entryChanged, this, &OperationRunner::onEntryChanged);
}

OperationRunner::~OperationRunner() = default;

void OperationRunner::submit(const OperationRequest &request, QObject *context,
                             std::function<void(Result<OutboxEntry>)> queued)
{
    QPointer<QObject> guard(context);
    auto deliver = [guard, queued](Result<OutboxEntry> result) {
        if (guard && queued)
            queued(std::move(result));
    };
    const auto log = Logging::logger("app");

    // Malformed requests are a bug in the caller: refused, not audited, nothing queued.
    std::optional<Error> invalid;
    if (request.permission == Permission::ViewData)
        invalid = Error::make(Error::Kind::Validation, tr("This operation does not say which permission it needs."),
                              QStringLiteral("operation %1 submitted with permission view_data").arg(request.outbox.operation));
    else if (request.outbox.operation.isEmpty() || request.outbox.method.isEmpty() || request.outbox.path.isEmpty())
        invalid = Error::make(Error::Kind::Validation, tr("The operation is incomplete."),
                              QStringLiteral("operation, method and path are required"));
    else if (request.targetType.isEmpty() || request.targetId.isEmpty())
        invalid = Error::make(Error::Kind::Validation, tr("The operation does not name its target."),
                              QStringLiteral("%1: targetType and targetId are required").arg(request.outbox.operation));
    else if ((request.permission == Permission::Refund || request.permission == Permission::IssueCreditNote
              || request.permission == Permission::ApplyCredit)
             && (!request.amount || !request.amount->isValid()))
        invalid = Error::make(Error::Kind::Validation, tr("The operation does not state its amount."),
                              QStringLiteral("%1: %2 needs request.amount")
                                  .arg(request.outbox.operation, permissionName(request.permission)));
    if (invalid) {
        log->error("operation refused as invalid: {}", invalid->detail.toStdString());
        QMetaObject::invokeMethod(this, [deliver, e = *invalid] { deliver(e); }, Qt::QueuedConnection);
        return;
    }

    Status allowed = m_policy.check(m_actor, request.permission);
    if (allowed) {
        if (request.permission == Permission::ApplyCredit)
            allowed = m_policy.checkCredit(m_actor, *request.amount);
        else if (request.permission == Permission::Refund || request.permission == Permission::IssueCreditNote)
            allowed = m_policy.checkRefund(m_actor, *request.amount);
    }

    AuditEntry row;
    row.actor = m_actor.tag();
    row.operation = request.outbox.operation;
    row.targetType = request.targetType;
    row.targetId = request.targetId;
    row.paramsJson = compact(request.outbox.params);
    row.beforeSummary = request.beforeSummary;
    row.afterSummary = request.intentSummary;

    if (!allowed) {
        const Error refusal = allowed.error();
        log->warn("operation {} on {} {} refused: {}", request.outbox.operation.toStdString(),
                  request.targetType.toStdString(), request.targetId.toStdString(), refusal.detail.toStdString());
        row.result = QStringLiteral("refused: ") + refusal.userMessage;
        m_billingDb->thread().run(
            this, [row](BillingDatabase &db) { return db.appendAudit(row); },
            [deliver, refusal](Result<qint64> written) {
                if (!written)
                    Logging::logger("app")->error("could not audit a refused operation: {}",
                                                  written.error().detail.toStdString());
                deliver(refusal);
            });
        return;
    }

    OutboxOperation op = request.outbox;
    op.actor = m_actor.tag();
    m_outbox->enqueue(op, this, [this, request, row, deliver](Result<OutboxEntry> entry) mutable {
        if (!entry) {
            deliver(entry.error());
            return;
        }
        m_inFlight.insert(entry->id, request);
        row.idempotencyKey = entry->idempotencyKey;
        row.result = Requested;
        const OutboxEntry queuedEntry = *entry;
        m_billingDb->thread().run(
            this, [row](BillingDatabase &db) { return recordRequestedOn(db, row); },
            [deliver, queuedEntry](Result<bool> written) {
                // The entry is committed and will be sent whatever happens here; its outcome row
                // is still written when it finishes (with the target taken from the request).
                if (!written)
                    Logging::logger("app")->error("outbox entry {}: could not audit the request: {}", queuedEntry.id,
                                                  written.error().detail.toStdString());
                deliver(queuedEntry);
            });
    });
}

void OperationRunner::onEntryChanged(qint64 entryId)
{
    m_outbox->entry(entryId, this, [this, entryId](Result<OutboxEntry> entry) {
        if (!entry) {
            Logging::logger("app")->error("outbox entry {}: could not read it: {}", entryId,
                                          entry.error().detail.toStdString());
            return;
        }
        if (!entry->isOpen())
            finish(*entry);
    });
}

void OperationRunner::finish(const OutboxEntry &entry)
{
    std::optional<OperationRequest> request;
    if (const auto it = m_inFlight.constFind(entry.id); it != m_inFlight.constEnd())
        request = it.value();
    m_billingDb->thread().run(
        this, [entry, request](BillingDatabase &db) { return recordOutcomeOn(db, entry, request); },
        [this, entry](Result<bool> recorded) {
            const bool mine = m_inFlight.remove(entry.id) > 0;
            if (!recorded)
                Logging::logger("app")->error("outbox entry {}: could not audit its outcome (reconcile() retries): {}",
                                              entry.id, recorded.error().detail.toStdString());
            const bool fresh = recorded && *recorded;
            if (mine || fresh)
                applyResult(entry);
        });
}

void OperationRunner::applyResult(const OutboxEntry &entry)
{
    if (entry.state != OutboxState::Succeeded || !m_cache || entry.result.isEmpty()) {
        Q_EMIT operationFinished(entry);
        return;
    }
    const QJsonObject object = entry.result;
    m_cache->thread().run(
        this, [object](LocalCache &cache) { return upsertOn(cache, object); },
        [this, entry](Result<QString> type) {
            if (!type)
                Logging::logger("app")->error("outbox entry {}: could not put Stripe's answer into the cache: {}",
                                              entry.id, type.error().detail.toStdString());
            else if (!type->isEmpty())
                m_cache->notifyChanged(*type, {entry.resultObjectId.isEmpty()
                                                   ? entry.result.value(QLatin1String("id")).toString()
                                                   : entry.resultObjectId});
            Q_EMIT operationFinished(entry);
        });
}

void OperationRunner::reconcile(int limit, QObject *context, std::function<void(Result<int>)> done)
{
    QPointer<QObject> guard(context);
    m_outbox->entries(std::nullopt, limit, this, [this, guard, done](Result<QList<OutboxEntry>> entries) {
        if (!entries) {
            if (guard && done)
                done(entries.error());
            return;
        }
        QList<OutboxEntry> finished;
        for (const OutboxEntry &e : std::as_const(*entries))
            if (!e.isOpen())
                finished << e;
        m_billingDb->thread().run(
            this,
            [finished](BillingDatabase &db) -> Result<QList<OutboxEntry>> {
                QList<OutboxEntry> recorded;
                for (const OutboxEntry &e : finished) {
                    Result<bool> r = recordOutcomeOn(db, e, std::nullopt);
                    if (!r)
                        return r.error();
                    if (*r)
                        recorded << e;
                }
                return recorded;
            },
            [this, guard, done](Result<QList<OutboxEntry>> recorded) {
                if (recorded) {
                    for (const OutboxEntry &e : std::as_const(*recorded)) {
                        m_inFlight.remove(e.id);
                        applyResult(e);
                    }
                    if (!recorded->isEmpty())
                        Logging::logger("app")->info("audited the outcome of {} outbox entries finished earlier",
                                                     recorded->size());
                }
                if (guard && done)
                    done(recorded ? Result<int>(int(recorded->size())) : Result<int>(recorded.error()));
            });
    });
}

} // namespace Billing
