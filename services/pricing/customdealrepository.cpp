#include "services/pricing/customdealrepository.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::CustomDealRepository", text); }
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }
Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

QString phasesJson(const QList<RampPhase> &phases)
{
    QJsonArray a;
    for (const RampPhase &p : phases)
        a.append(QJsonObject{{QStringLiteral("months"), p.months},
                             {QStringLiteral("unit_amount"), QString::number(p.unitAmountMinor)}});
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

QList<RampPhase> phasesFromJson(const QString &json)
{
    QList<RampPhase> out;
    for (const QJsonValue &v : QJsonDocument::fromJson(json.toUtf8()).array()) {
        RampPhase p;
        p.months = v.toObject().value(QLatin1String("months")).toInt();
        p.unitAmountMinor = v.toObject().value(QLatin1String("unit_amount")).toString().toLongLong();
        out << p;
    }
    return out;
}

QString idsText(const QList<qint64> &ids)
{
    QStringList s;
    for (qint64 id : ids)
        s << QString::number(id);
    return s.isEmpty() ? QStringLiteral("") : s.join(QLatin1Char(','));
}

const char *kColumns = "id, created_at, customer_id, customer_name, currency, product_id, list_price_id, "
                       "list_unit_amount_minor, quantity, billing_interval, phases, minimum_commitment_minor, "
                       "subscription_id, discount_permille, requested_by, status, decided_by, decided_at, note, "
                       "outbox_entry_ids";

CustomDeal fromRow(const QSqlQuery &q)
{
    CustomDeal d;
    d.id = q.value(0).toLongLong();
    d.createdAt = QDateTime::fromSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
    d.customerId = q.value(2).toString();
    d.customerName = q.value(3).toString();
    d.currency = q.value(4).toString();
    d.productId = q.value(5).toString();
    d.listPriceId = q.value(6).toString();
    d.listUnitAmountMinor = q.value(7).toLongLong();
    d.quantity = q.value(8).toLongLong();
    d.interval = q.value(9).toString();
    d.phases = phasesFromJson(q.value(10).toString());
    d.minimumCommitmentMinor = q.value(11).toLongLong();
    d.subscriptionId = q.value(12).toString();
    d.discountPermille = q.value(13).toInt();
    d.requestedBy = q.value(14).toString();
    d.status = CustomDeal::statusFromName(q.value(15).toString());
    d.decidedBy = q.value(16).toString();
    if (!q.value(17).isNull() && q.value(17).toLongLong() > 0)
        d.decidedAt = QDateTime::fromSecsSinceEpoch(q.value(17).toLongLong(), Qt::UTC);
    d.note = q.value(18).toString();
    for (const QString &s : q.value(19).toString().split(QLatin1Char(','), Qt::SkipEmptyParts))
        d.outboxEntryIds << s.toLongLong();
    return d;
}

} // namespace

QString CustomDeal::statusName(Status s)
{
    switch (s) {
    case Status::Pending: return QStringLiteral("pending");
    case Status::Approved: return QStringLiteral("approved");
    case Status::Rejected: return QStringLiteral("rejected");
    case Status::Sent: return QStringLiteral("sent");
    case Status::Failed: return QStringLiteral("failed");
    }
    return QStringLiteral("pending");
}

CustomDeal::Status CustomDeal::statusFromName(const QString &name)
{
    for (Status s : {Status::Pending, Status::Approved, Status::Rejected, Status::Sent, Status::Failed})
        if (statusName(s) == name)
            return s;
    return Status::Pending;
}

Status CustomDealRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The custom pricing tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS custom_price_deals ("
                                 " id %1,"
                                 " created_at BIGINT NOT NULL,"
                                 " customer_id TEXT NOT NULL CHECK (customer_id <> ''),"
                                 " customer_name TEXT NOT NULL,"
                                 " currency CHAR(3) NOT NULL,"
                                 " product_id TEXT NOT NULL CHECK (product_id <> ''),"
                                 " list_price_id TEXT NOT NULL,"
                                 " list_unit_amount_minor BIGINT NOT NULL,"
                                 " quantity BIGINT NOT NULL CHECK (quantity > 0),"
                                 " billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),"
                                 " phases TEXT NOT NULL,"
                                 " minimum_commitment_minor BIGINT NOT NULL CHECK (minimum_commitment_minor >= 0),"
                                 " subscription_id TEXT NOT NULL,"
                                 " discount_permille INTEGER NOT NULL,"
                                 " requested_by TEXT NOT NULL,"
                                 " status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'sent', "
                                 "'failed')),"
                                 " decided_by TEXT NOT NULL,"
                                 " decided_at BIGINT,"
                                 " note TEXT NOT NULL,"
                                 " outbox_entry_ids TEXT NOT NULL)")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS custom_price_deals_status ON custom_price_deals (status, id)");
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

Result<qint64> CustomDealRepository::insert(const CustomDeal &deal)
{
    if (deal.customerId.isEmpty() || deal.productId.isEmpty() || deal.currency.size() != 3 || deal.phases.isEmpty()
        || deal.quantity <= 0)
        return Error::make(Error::Kind::Validation,
                           tr("A custom price needs a customer, a product, a currency, a quantity and at least one phase."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The custom price could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("INSERT INTO custom_price_deals (created_at, customer_id, customer_name, currency, "
                             "product_id, list_price_id, list_unit_amount_minor, quantity, billing_interval, phases, "
                             "minimum_commitment_minor, subscription_id, discount_permille, requested_by, status, "
                             "decided_by, decided_at, note, outbox_entry_ids) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    const QDateTime created = deal.createdAt.isValid() ? deal.createdAt : QDateTime::currentDateTimeUtc();
    q.addBindValue(created.toSecsSinceEpoch());
    q.addBindValue(text(deal.customerId));
    q.addBindValue(text(deal.customerName));
    q.addBindValue(deal.currency.toLower());
    q.addBindValue(text(deal.productId));
    q.addBindValue(text(deal.listPriceId));
    q.addBindValue(deal.listUnitAmountMinor);
    q.addBindValue(deal.quantity);
    q.addBindValue(text(deal.interval));
    q.addBindValue(phasesJson(deal.phases));
    q.addBindValue(deal.minimumCommitmentMinor);
    q.addBindValue(text(deal.subscriptionId));
    q.addBindValue(deal.discountPermille);
    q.addBindValue(text(deal.requestedBy));
    q.addBindValue(CustomDeal::statusName(deal.status));
    q.addBindValue(text(deal.decidedBy));
    q.addBindValue(deal.decidedAt.isValid() ? QVariant(deal.decidedAt.toSecsSinceEpoch()) : QVariant(QMetaType(QMetaType::LongLong)));
    q.addBindValue(text(deal.note));
    q.addBindValue(idsText(deal.outboxEntryIds));
    if (!q.exec() || !q.next()) {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    const qint64 id = q.value(0).toLongLong();
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return id;
}

Result<CustomDeal> CustomDealRepository::deal(qint64 id) const
{
    if (Status s = const_cast<CustomDealRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM custom_price_deals WHERE id = ?").arg(QLatin1String(kColumns)));
    q.addBindValue(id);
    if (!q.exec())
        return dbError(tr("The custom price could not be read."), q.lastError());
    if (!q.next())
        return Error::make(Error::Kind::NotFound, tr("There is no custom price %1.").arg(id));
    return fromRow(q);
}

Result<QList<CustomDeal>> CustomDealRepository::deals(const QString &status) const
{
    if (Status s = const_cast<CustomDealRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM custom_price_deals WHERE (? = '' OR status = ?) ORDER BY id DESC")
                  .arg(QLatin1String(kColumns)));
    q.addBindValue(text(status));
    q.addBindValue(text(status));
    if (!q.exec())
        return dbError(tr("The custom prices could not be read."), q.lastError());
    QList<CustomDeal> out;
    while (q.next())
        out << fromRow(q);
    return out;
}

Status CustomDealRepository::transition(qint64 id, const QString &from, const QString &sql, const QVariantList &values)
{
    if (Status s = ensureSchema(); !s)
        return s;
    const QString failed = tr("The custom price could not be updated.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(sql + QStringLiteral(" WHERE id = ? AND status = ?"));
    for (const QVariant &v : values)
        q.addBindValue(v);
    q.addBindValue(id);
    q.addBindValue(from);
    if (!q.exec()) {
        const Error e = dbError(failed, q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    const int changed = q.numRowsAffected();
    if (changed != 1) {
        q.exec(QStringLiteral("ROLLBACK"));
        return Error::make(Error::Kind::Conflict,
                           tr("Custom price %1 is no longer %2: someone else decided it first, or it does not exist.")
                               .arg(id)
                               .arg(from));
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Status CustomDealRepository::decide(qint64 id, bool approve, const QString &by, const QString &note, const QDateTime &at)
{
    return transition(id, QStringLiteral("pending"),
                      QStringLiteral("UPDATE custom_price_deals SET status = ?, decided_by = ?, decided_at = ?, note = ?"),
                      {approve ? QStringLiteral("approved") : QStringLiteral("rejected"), text(by),
                       (at.isValid() ? at : QDateTime::currentDateTimeUtc()).toSecsSinceEpoch(), text(note)});
}

Status CustomDealRepository::markSent(qint64 id, const QList<qint64> &entryIds)
{
    return transition(id, QStringLiteral("approved"),
                      QStringLiteral("UPDATE custom_price_deals SET status = 'sent', outbox_entry_ids = ?"),
                      {idsText(entryIds)});
}

Status CustomDealRepository::markFailed(qint64 id, const QString &reason)
{
    return transition(id, QStringLiteral("approved"),
                      QStringLiteral("UPDATE custom_price_deals SET status = 'failed', note = ?"), {text(reason)});
}

} // namespace Billing
