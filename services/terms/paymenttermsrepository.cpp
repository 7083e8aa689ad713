#include "services/terms/paymenttermsrepository.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PaymentTermsRepository", text); }

Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

QString compact(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

} // namespace

Status PaymentTermsRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The payment terms tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS customer_payment_terms ("
                                 " customer_id TEXT PRIMARY KEY,"
                                 " collection_method TEXT NOT NULL CHECK (collection_method IN ('charge_automatically', "
                                 "'send_invoice')),"
                                 " days_until_due INTEGER NOT NULL,"
                                 " terms_json TEXT NOT NULL,"
                                 " updated_at BIGINT NOT NULL,"
                                 " updated_by TEXT NOT NULL)");
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

Status PaymentTermsRepository::save(const QString &customerId, const PaymentTerms &terms, const QString &actor)
{
    if (!customerId.startsWith(QLatin1String("cus_")))
        return Error::make(Error::Kind::Validation, tr("That is not a customer id."));
    if (Status st = terms.validate(); !st)
        return st;
    if (Status s = ensureSchema(); !s)
        return s;
    const QString failed = tr("The payment terms could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    auto rollback = [&q, &failed] {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    // The previous terms, for the audit row.
    q.prepare(QStringLiteral("SELECT terms_json FROM customer_payment_terms WHERE customer_id = ?"));
    q.addBindValue(customerId);
    if (!q.exec())
        return rollback();
    QString before = tr("none");
    if (q.next())
        before = PaymentTerms::fromJson(QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object()).label();
    q.finish();
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    q.prepare(QStringLiteral(
        "INSERT INTO customer_payment_terms (customer_id, collection_method, days_until_due, terms_json, updated_at, updated_by) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET collection_method = excluded.collection_method, "
        "days_until_due = excluded.days_until_due, terms_json = excluded.terms_json, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by"));
    q.addBindValue(customerId);
    q.addBindValue(terms.collectionMethodName());
    q.addBindValue(terms.daysUntilDue);
    q.addBindValue(compact(terms.toJson()));
    q.addBindValue(now);
    q.addBindValue(actor.isNull() ? QStringLiteral("") : actor);
    if (!q.exec())
        return rollback();
    q.finish();
    q.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, before_summary, "
                             "after_summary, idempotency_key, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(now);
    q.addBindValue(actor.isNull() ? QStringLiteral("") : actor);
    q.addBindValue(QStringLiteral("payment_terms.save"));
    q.addBindValue(QStringLiteral("customer"));
    q.addBindValue(customerId);
    q.addBindValue(compact(terms.toJson()));
    q.addBindValue(before);
    q.addBindValue(terms.label());
    q.addBindValue(QStringLiteral(""));
    q.addBindValue(QStringLiteral("ok"));
    if (!q.exec())
        return rollback();
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Result<std::optional<StoredPaymentTerms>> PaymentTermsRepository::load(const QString &customerId) const
{
    if (Status s = const_cast<PaymentTermsRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT terms_json, updated_at, updated_by FROM customer_payment_terms WHERE customer_id = ?"));
    q.addBindValue(customerId);
    if (!q.exec())
        return dbError(tr("The payment terms could not be read."), q.lastError());
    if (!q.next())
        return std::optional<StoredPaymentTerms>{};
    StoredPaymentTerms s;
    s.customerId = customerId;
    s.terms = PaymentTerms::fromJson(QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object());
    s.updatedAt = QDateTime::fromSecsSinceEpoch(q.value(1).toLongLong(), Qt::UTC);
    s.updatedBy = q.value(2).toString();
    return std::optional<StoredPaymentTerms>(s);
}

Status PaymentTermsRepository::remove(const QString &customerId, const QString &actor)
{
    if (Status s = ensureSchema(); !s)
        return s;
    const QString failed = tr("The payment terms could not be removed.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("DELETE FROM customer_payment_terms WHERE customer_id = ?"));
    q.addBindValue(customerId);
    bool ok = q.exec();
    q.finish();
    if (ok) {
        q.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, before_summary, "
                                 "after_summary, idempotency_key, result) VALUES (?, ?, 'payment_terms.remove', 'customer', ?, '{}', '', '', '', 'ok')"));
        q.addBindValue(QDateTime::currentSecsSinceEpoch());
        q.addBindValue(actor.isNull() ? QStringLiteral("") : actor);
        q.addBindValue(customerId);
        ok = q.exec();
        q.finish();
    }
    if (!ok) {
        const Error e = dbError(failed, q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

} // namespace Billing
