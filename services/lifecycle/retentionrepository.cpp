#include "services/lifecycle/retentionrepository.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

#include <limits>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::RetentionRepository", text); }

// Qt binds a null QString as SQL NULL; the columns are NOT NULL text.
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }

Error dbError(const QString &user, const QSqlError &e)
{
    return Error::make(Error::Kind::Database, user, e.text());
}

} // namespace

QString retentionOutcomeName(RetentionOutcome outcome)
{
    switch (outcome) {
    case RetentionOutcome::Pending: return QStringLiteral("pending");
    case RetentionOutcome::Confirmed: return QStringLiteral("confirmed");
    case RetentionOutcome::NotApplied: return QStringLiteral("not_applied");
    }
    return QStringLiteral("pending");
}

std::optional<RetentionOutcome> retentionOutcomeFromName(QStringView name)
{
    for (RetentionOutcome o : {RetentionOutcome::Pending, RetentionOutcome::Confirmed, RetentionOutcome::NotApplied})
        if (name == retentionOutcomeName(o))
            return o;
    return std::nullopt;
}

Status RetentionRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The retention tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    auto rollback = [&q, &failed] {
        const Error e = dbError(failed, q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS retention_records ("
                                 " id %1,"
                                 " at BIGINT NOT NULL,"
                                 " subscription_id TEXT NOT NULL,"
                                 " customer_id TEXT NOT NULL,"
                                 " reason TEXT NOT NULL,"
                                 " comment TEXT NOT NULL,"
                                 " offer_kind TEXT NOT NULL CHECK (offer_kind IN ('none', 'discount', 'pause', "
                                 "'cheaper_plan')),"
                                 " offer_detail TEXT NOT NULL,"
                                 " accepted %2 NOT NULL,"
                                 " revenue_at_stake_minor BIGINT NOT NULL,"
                                 " revenue_kept_minor BIGINT NOT NULL,"
                                 " currency CHAR(3) NOT NULL,"
                                 " actor TEXT NOT NULL,"
                                 " outbox_entry_id BIGINT NOT NULL,"
                                 " outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'confirmed', 'not_applied')),"
                                 " client_op_id TEXT NOT NULL,"
                                 " idempotency_key TEXT NOT NULL,"
                                 " settled_at BIGINT NOT NULL)")
                      .arg(d.identityPrimaryKey(), d.boolean());
    for (const QString &sql : statements)
        if (!q.exec(sql))
            return rollback();

    // Tables made before outcomes were tracked: their rows were written when the Stripe write was
    // queued, which is all that is known about them; they stay counted (outcome "confirmed").
    QStringList columns;
    if (d.isPostgres()) {
        if (!q.exec(QStringLiteral("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                   "current_schema() AND table_name = 'retention_records'")))
            return rollback();
    } else if (!q.exec(QStringLiteral("SELECT name FROM pragma_table_info('retention_records')"))) {
        return rollback();
    }
    while (q.next())
        columns << q.value(0).toString();
    const QList<QPair<QString, QString>> added{
        {QStringLiteral("outcome"),
         QStringLiteral("TEXT NOT NULL DEFAULT 'confirmed' CHECK (outcome IN ('pending', 'confirmed', 'not_applied'))")},
        {QStringLiteral("client_op_id"), QStringLiteral("TEXT NOT NULL DEFAULT ''")},
        {QStringLiteral("idempotency_key"), QStringLiteral("TEXT NOT NULL DEFAULT ''")},
        {QStringLiteral("settled_at"), QStringLiteral("BIGINT NOT NULL DEFAULT 0")},
    };
    for (const auto &[name, definition] : added) {
        if (columns.contains(name))
            continue;
        if (!q.exec(QStringLiteral("ALTER TABLE retention_records ADD COLUMN %1 %2").arg(name, definition)))
            return rollback();
    }
    for (const QString &sql :
         {QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_at ON retention_records (at)"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_subscription ON retention_records "
                         "(subscription_id)"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_client_op ON retention_records (client_op_id)"),
          QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_outcome ON retention_records (outcome)")}) {
        if (!q.exec(sql))
            return rollback();
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Result<QList<qint64>> RetentionRepository::record(const QList<RetentionRecord> &records)
{
    for (const RetentionRecord &r : records) {
        if (r.subscriptionId.isEmpty() || r.reason.isEmpty() || r.offerKind.isEmpty() || r.currency.size() != 3)
            return Error::make(Error::Kind::Validation,
                               tr("A retention record needs a subscription, a reason, an offer and a currency."));
    }
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The retention record could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    QList<qint64> ids;
    const QString clientOpId = records.isEmpty() ? QString() : records.first().clientOpId;
    if (!clientOpId.isEmpty()) {
        q.prepare(QStringLiteral("SELECT id FROM retention_records WHERE client_op_id = ? ORDER BY id"));
        q.addBindValue(clientOpId);
        if (!q.exec()) {
            const Error e = dbError(failed, q.lastError());
            q.exec(QStringLiteral("ROLLBACK"));
            return e;
        }
        while (q.next())
            ids << q.value(0).toLongLong();
        q.finish();
        if (!ids.isEmpty()) {
            q.exec(QStringLiteral("ROLLBACK"));
            return ids;
        }
    }
    for (const RetentionRecord &r : records) {
        q.prepare(QStringLiteral(
            "INSERT INTO retention_records (at, subscription_id, customer_id, reason, comment, offer_kind, "
            "offer_detail, accepted, revenue_at_stake_minor, revenue_kept_minor, currency, actor, outbox_entry_id, "
            "outcome, client_op_id, idempotency_key, settled_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
        const QDateTime at = r.at.isValid() ? r.at : QDateTime::currentDateTimeUtc();
        q.addBindValue(at.toSecsSinceEpoch());
        q.addBindValue(text(r.subscriptionId));
        q.addBindValue(text(r.customerId));
        q.addBindValue(text(r.reason));
        q.addBindValue(text(r.comment));
        q.addBindValue(text(r.offerKind));
        q.addBindValue(text(r.offerDetail));
        q.addBindValue(r.accepted);
        q.addBindValue(r.revenueAtStakeMinor);
        q.addBindValue(r.revenueKeptMinor);
        q.addBindValue(r.currency.toLower());
        q.addBindValue(text(r.actor));
        q.addBindValue(r.outboxEntryId);
        q.addBindValue(retentionOutcomeName(r.outcome));
        q.addBindValue(text(r.clientOpId));
        q.addBindValue(text(r.idempotencyKey));
        qint64 settledAt = 0;
        if (r.outcome != RetentionOutcome::Pending)
            settledAt = (r.settledAt.isValid() ? r.settledAt : at).toSecsSinceEpoch();
        q.addBindValue(settledAt);
        if (!q.exec() || !q.next()) {
            const Error e = dbError(failed, q.lastError());
            q.finish();
            q.exec(QStringLiteral("ROLLBACK"));
            return e;
        }
        ids << q.value(0).toLongLong();
        q.finish();
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return ids;
}

Result<QList<RetentionRecord>> RetentionRepository::records(const QDateTime &from, const QDateTime &to) const
{
    if (Status s = const_cast<RetentionRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral(
        "SELECT id, at, subscription_id, customer_id, reason, comment, offer_kind, offer_detail, accepted, "
        "revenue_at_stake_minor, revenue_kept_minor, currency, actor, outbox_entry_id, outcome, client_op_id, "
        "idempotency_key, settled_at FROM retention_records "
        "WHERE at >= ? AND at < ? ORDER BY at, id"));
    q.addBindValue(from.isValid() ? from.toSecsSinceEpoch() : std::numeric_limits<qint64>::min());
    q.addBindValue(to.isValid() ? to.toSecsSinceEpoch() : std::numeric_limits<qint64>::max());
    if (!q.exec())
        return dbError(tr("The retention records could not be read."), q.lastError());
    QList<RetentionRecord> out;
    while (q.next()) {
        RetentionRecord r;
        r.id = q.value(0).toLongLong();
        r.at = QDateTime::fromSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
        r.subscriptionId = q.value(2).toString();
        r.customerId = q.value(3).toString();
        r.reason = q.value(4).toString();
        r.comment = q.value(5).toString();
        r.offerKind = q.value(6).toString();
        r.offerDetail = q.value(7).toString();
        r.accepted = q.value(8).toBool();
        r.revenueAtStakeMinor = q.value(9).toLongLong();
        r.revenueKeptMinor = q.value(10).toLongLong();
        r.currency = q.value(11).toString().trimmed();
        r.actor = q.value(12).toString();
        r.outboxEntryId = q.value(13).toLongLong();
        r.outcome = retentionOutcomeFromName(q.value(14).toString()).value_or(RetentionOutcome::Pending);
        r.clientOpId = q.value(15).toString();
        r.idempotencyKey = q.value(16).toString();
        if (const qint64 settled = q.value(17).toLongLong(); settled > 0)
            r.settledAt = QDateTime::fromSecsSinceEpoch(settled, Qt::UTC);
        out << r;
    }
    return out;
}

Result<int> RetentionRepository::attachEntry(const QString &clientOpId, qint64 outboxEntryId,
                                             const QString &idempotencyKey)
{
    if (clientOpId.isEmpty() || idempotencyKey.isEmpty())
        return Error::make(Error::Kind::Validation, tr("The retention record names no outbox entry."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("UPDATE retention_records SET outbox_entry_id = ?, idempotency_key = ? "
                             "WHERE client_op_id = ? AND idempotency_key = ''"));
    q.addBindValue(outboxEntryId);
    q.addBindValue(idempotencyKey);
    q.addBindValue(clientOpId);
    if (!q.exec())
        return dbError(tr("The retention record could not be linked to its Stripe write."), q.lastError());
    return q.numRowsAffected();
}

Result<QStringList> RetentionRepository::settle(const QString &clientOpId, const QString &idempotencyKey,
                                                RetentionOutcome outcome, const QDateTime &at)
{
    if (outcome == RetentionOutcome::Pending || (clientOpId.isEmpty() && idempotencyKey.isEmpty()))
        return Error::make(Error::Kind::Validation, tr("A retention outcome needs its Stripe write and a result."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The retention outcome could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    auto rollback = [&q, &failed] {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    const QString match = clientOpId.isEmpty() ? QStringLiteral("idempotency_key = ?") : QStringLiteral("client_op_id = ?");
    const QString key = clientOpId.isEmpty() ? idempotencyKey : clientOpId;
    q.prepare(QStringLiteral("SELECT DISTINCT subscription_id FROM retention_records WHERE %1 AND outcome = 'pending'")
                  .arg(match));
    q.addBindValue(key);
    if (!q.exec())
        return rollback();
    QStringList subscriptions;
    while (q.next())
        subscriptions << q.value(0).toString();
    q.finish();
    if (outcome == RetentionOutcome::NotApplied)
        q.prepare(QStringLiteral("UPDATE retention_records SET outcome = ?, settled_at = ?, accepted = ?, "
                                 "revenue_kept_minor = 0%1 WHERE %2 AND outcome = 'pending'")
                      .arg(idempotencyKey.isEmpty() ? QString() : QStringLiteral(", idempotency_key = ?"), match));
    else
        q.prepare(QStringLiteral("UPDATE retention_records SET outcome = ?, settled_at = ?%1 WHERE %2 AND outcome = "
                                 "'pending'")
                      .arg(idempotencyKey.isEmpty() ? QString() : QStringLiteral(", idempotency_key = ?"), match));
    q.addBindValue(retentionOutcomeName(outcome));
    q.addBindValue((at.isValid() ? at : QDateTime::currentDateTimeUtc()).toSecsSinceEpoch());
    if (outcome == RetentionOutcome::NotApplied)
        q.addBindValue(false);
    if (!idempotencyKey.isEmpty())
        q.addBindValue(idempotencyKey);
    q.addBindValue(key);
    if (!q.exec())
        return rollback();
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return subscriptions;
}

Result<QStringList> RetentionRepository::settleFromAudit(const QDateTime &at)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    if (!q.exec(QStringLiteral("SELECT DISTINCT idempotency_key FROM retention_records WHERE outcome = 'pending' "
                               "AND idempotency_key <> ''")))
        return dbError(tr("The pending retention records could not be read."), q.lastError());
    QStringList keys;
    while (q.next())
        keys << q.value(0).toString();
    q.finish();
    QStringList changed;
    for (const QString &key : std::as_const(keys)) {
        AuditQuery query;
        query.idempotencyKey = key;
        query.limit = 50;
        Result<QList<AuditEntry>> rows = m_db.audit(query);
        if (!rows)
            return rows.error();
        std::optional<RetentionOutcome> outcome;
        for (const AuditEntry &row : std::as_const(*rows)) {
            if (row.result == QLatin1String("ok"))
                outcome = RetentionOutcome::Confirmed;
            else if (row.result.startsWith(QLatin1String("error")) || row.result.startsWith(QLatin1String("needs attention")))
                outcome = RetentionOutcome::NotApplied;
        }
        if (!outcome)
            continue; // still on its way to Stripe
        Result<QStringList> settled = settle({}, key, *outcome, at);
        if (!settled)
            return settled.error();
        for (const QString &id : std::as_const(*settled))
            if (!changed.contains(id))
                changed << id;
    }
    return changed;
}

} // namespace Billing
