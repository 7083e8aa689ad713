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

Status RetentionRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The retention tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
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
                                 " outbox_entry_id BIGINT NOT NULL)")
                      .arg(d.identityPrimaryKey(), d.boolean())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_at ON retention_records (at)")
               << QStringLiteral("CREATE INDEX IF NOT EXISTS retention_records_subscription ON retention_records "
                                 "(subscription_id)");
    for (const QString &sql : statements) {
        if (!q.exec(sql)) {
            const Error e = dbError(failed, q.lastError());
            q.exec(QStringLiteral("ROLLBACK"));
            return e;
        }
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
    for (const RetentionRecord &r : records) {
        q.prepare(QStringLiteral(
            "INSERT INTO retention_records (at, subscription_id, customer_id, reason, comment, offer_kind, "
            "offer_detail, accepted, revenue_at_stake_minor, revenue_kept_minor, currency, actor, outbox_entry_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
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
        "revenue_at_stake_minor, revenue_kept_minor, currency, actor, outbox_entry_id FROM retention_records "
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
        out << r;
    }
    return out;
}

} // namespace Billing
