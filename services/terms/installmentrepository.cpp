#include "services/terms/installmentrepository.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::InstallmentRepository", text); }
Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }

const char *stageName(Installment::Stage s)
{
    switch (s) {
    case Installment::Stage::Scheduled: return "scheduled";
    case Installment::Stage::InvoiceCreated: return "invoice_created";
    case Installment::Stage::ItemAdded: return "item_added";
    case Installment::Stage::Finalized: return "finalized";
    }
    return "scheduled";
}

Installment::Stage stageFrom(const QString &s)
{
    if (s == QLatin1String("invoice_created"))
        return Installment::Stage::InvoiceCreated;
    if (s == QLatin1String("item_added"))
        return Installment::Stage::ItemAdded;
    if (s == QLatin1String("finalized"))
        return Installment::Stage::Finalized;
    return Installment::Stage::Scheduled;
}

const QString InstallmentColumns = QStringLiteral(
    "seq, amount_minor, issue_at, due_at, stage, invoice_id, invoice_item_id, invoice_status, amount_paid_minor");

Installment installmentFrom(const QSqlQuery &q, int at, const Currency &currency)
{
    Installment i;
    i.seq = q.value(at).toInt();
    i.amount = Money(q.value(at + 1).toLongLong(), currency);
    i.issueAt = QDateTime::fromSecsSinceEpoch(q.value(at + 2).toLongLong(), Qt::UTC);
    i.dueAt = QDateTime::fromSecsSinceEpoch(q.value(at + 3).toLongLong(), Qt::UTC);
    i.stage = stageFrom(q.value(at + 4).toString());
    i.invoiceId = q.value(at + 5).toString();
    i.invoiceItemId = q.value(at + 6).toString();
    i.invoiceStatus = q.value(at + 7).toString();
    i.amountPaidMinor = q.value(at + 8).toLongLong();
    return i;
}

} // namespace

Status InstallmentRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The installment tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS installment_plans ("
                                 " id %1,"
                                 " customer_id TEXT NOT NULL,"
                                 " currency CHAR(3) NOT NULL,"
                                 " total_minor BIGINT NOT NULL CHECK (total_minor > 0),"
                                 " installment_count INTEGER NOT NULL,"
                                 " description TEXT NOT NULL,"
                                 " po_number TEXT NOT NULL,"
                                 " remainder_on TEXT NOT NULL CHECK (remainder_on IN ('first', 'last')),"
                                 " created_at BIGINT NOT NULL,"
                                 " created_by TEXT NOT NULL)")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE TABLE IF NOT EXISTS installments ("
                                 " plan_id BIGINT NOT NULL REFERENCES installment_plans (id),"
                                 " seq INTEGER NOT NULL,"
                                 " amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),"
                                 " issue_at BIGINT NOT NULL,"
                                 " due_at BIGINT NOT NULL,"
                                 " stage TEXT NOT NULL,"
                                 " invoice_id TEXT NOT NULL,"
                                 " invoice_item_id TEXT NOT NULL,"
                                 " invoice_status TEXT NOT NULL,"
                                 " amount_paid_minor BIGINT NOT NULL,"
                                 " PRIMARY KEY (plan_id, seq))")
               << QStringLiteral("CREATE INDEX IF NOT EXISTS installments_issue ON installments (stage, issue_at)")
               << QStringLiteral("CREATE INDEX IF NOT EXISTS installment_plans_customer ON installment_plans (customer_id)");
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

Result<qint64> InstallmentRepository::create(const InstallmentPlan &plan, const QString &actor)
{
    qint64 sum = 0;
    for (const Installment &i : plan.installments)
        sum += i.amount.minor();
    if (plan.installments.size() < 2 || sum != plan.total.minor() || !plan.customerId.startsWith(QLatin1String("cus_")))
        return Error::make(Error::Kind::Validation, tr("The installments do not add up to the plan's total."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The installment plan could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    auto rollback = [&] {
        const Error e = dbError(failed, q.lastError());
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    q.prepare(QStringLiteral("INSERT INTO installment_plans (customer_id, currency, total_minor, installment_count, description, "
                             "po_number, remainder_on, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.addBindValue(plan.customerId);
    q.addBindValue(plan.total.currency().stripeCode());
    q.addBindValue(plan.total.minor());
    q.addBindValue(int(plan.installments.size()));
    q.addBindValue(text(plan.description));
    q.addBindValue(text(plan.poNumber));
    q.addBindValue(plan.remainder == RemainderPlacement::First ? QStringLiteral("first") : QStringLiteral("last"));
    q.addBindValue(now);
    q.addBindValue(text(actor));
    if (!q.exec() || !q.next())
        return rollback();
    const qint64 id = q.value(0).toLongLong();
    q.finish();
    for (const Installment &i : plan.installments) {
        q.prepare(QStringLiteral("INSERT INTO installments (plan_id, seq, amount_minor, issue_at, due_at, stage, invoice_id, "
                                 "invoice_item_id, invoice_status, amount_paid_minor) VALUES (?, ?, ?, ?, ?, 'scheduled', '', '', '', 0)"));
        q.addBindValue(id);
        q.addBindValue(i.seq);
        q.addBindValue(i.amount.minor());
        q.addBindValue(i.issueAt.toSecsSinceEpoch());
        q.addBindValue(i.dueAt.toSecsSinceEpoch());
        if (!q.exec())
            return rollback();
        q.finish();
    }
    q.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, before_summary, "
                             "after_summary, idempotency_key, result) VALUES (?, ?, 'installment_plan.create', 'customer', ?, '{}', '', ?, '', 'ok')"));
    q.addBindValue(now);
    q.addBindValue(text(actor));
    q.addBindValue(plan.customerId);
    q.addBindValue(QStringLiteral("Plan %1: %2 %3 in %4 installments").arg(id).arg(plan.total.toDecimalString(), plan.total.currency().code())
                       .arg(plan.installments.size()));
    if (!q.exec())
        return rollback();
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return id;
}

Result<QList<InstallmentPlan>> InstallmentRepository::plans(const QString &customerId) const
{
    if (Status s = const_cast<InstallmentRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT id, customer_id, currency, total_minor, description, po_number, remainder_on, created_at, created_by "
                             "FROM installment_plans WHERE (? = '' OR customer_id = ?) ORDER BY id DESC"));
    q.addBindValue(text(customerId));
    q.addBindValue(text(customerId));
    const QString failed = tr("The installment plans could not be read.");
    if (!q.exec())
        return dbError(failed, q.lastError());
    QList<InstallmentPlan> out;
    while (q.next()) {
        InstallmentPlan p;
        p.id = q.value(0).toLongLong();
        p.customerId = q.value(1).toString();
        const auto cur = Currency::fromCode(q.value(2).toString().trimmed());
        if (!cur)
            return Error::make(Error::Kind::Database, failed, QStringLiteral("unknown currency in installment_plans"));
        p.total = Money(q.value(3).toLongLong(), *cur);
        p.description = q.value(4).toString();
        p.poNumber = q.value(5).toString();
        p.remainder = q.value(6).toString() == QLatin1String("first") ? RemainderPlacement::First : RemainderPlacement::Last;
        p.createdAt = QDateTime::fromSecsSinceEpoch(q.value(7).toLongLong(), Qt::UTC);
        p.createdBy = q.value(8).toString();
        out << p;
    }
    q.finish();
    for (InstallmentPlan &p : out) {
        QSqlQuery iq(m_db.database());
        iq.prepare(QStringLiteral("SELECT %1 FROM installments WHERE plan_id = ? ORDER BY seq").arg(InstallmentColumns));
        iq.addBindValue(p.id);
        if (!iq.exec())
            return dbError(failed, iq.lastError());
        while (iq.next())
            p.installments << installmentFrom(iq, 0, p.total.currency());
    }
    return out;
}

Result<InstallmentPlan> InstallmentRepository::plan(qint64 id) const
{
    Result<QList<InstallmentPlan>> all = plans();
    if (!all)
        return all.error();
    for (const InstallmentPlan &p : all.value()) {
        if (p.id == id)
            return p;
    }
    return Error::make(Error::Kind::NotFound, tr("There is no installment plan %1.").arg(id));
}

Result<QList<QPair<qint64, Installment>>> InstallmentRepository::due(const QDateTime &now) const
{
    if (Status s = const_cast<InstallmentRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT i.plan_id, p.currency, %1 FROM installments i JOIN installment_plans p ON p.id = i.plan_id "
                             "WHERE i.stage <> 'finalized' AND i.issue_at <= ? ORDER BY i.issue_at, i.plan_id, i.seq")
                  .arg(QStringLiteral("i.seq, i.amount_minor, i.issue_at, i.due_at, i.stage, i.invoice_id, i.invoice_item_id, "
                                      "i.invoice_status, i.amount_paid_minor")));
    q.addBindValue(now.toSecsSinceEpoch());
    if (!q.exec())
        return dbError(tr("The due installments could not be read."), q.lastError());
    QList<QPair<qint64, Installment>> out;
    while (q.next()) {
        const auto cur = Currency::fromCode(q.value(1).toString().trimmed());
        if (cur)
            out.append({q.value(0).toLongLong(), installmentFrom(q, 2, *cur)});
    }
    return out;
}

Status InstallmentRepository::advance(qint64 planId, int seq, Installment::Stage stage, const QString &invoiceId, const QString &itemId)
{
    const QString failed = tr("The installment's progress could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("UPDATE installments SET stage = ?, invoice_id = CASE WHEN ? = '' THEN invoice_id ELSE ? END, "
                             "invoice_item_id = CASE WHEN ? = '' THEN invoice_item_id ELSE ? END WHERE plan_id = ? AND seq = ?"));
    q.addBindValue(QString::fromLatin1(stageName(stage)));
    q.addBindValue(text(invoiceId));
    q.addBindValue(text(invoiceId));
    q.addBindValue(text(itemId));
    q.addBindValue(text(itemId));
    q.addBindValue(planId);
    q.addBindValue(seq);
    if (!q.exec() || q.numRowsAffected() != 1) {
        const Error e = q.lastError().isValid() ? dbError(failed, q.lastError())
                                                : Error::make(Error::Kind::NotFound, tr("There is no such installment."));
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Status InstallmentRepository::recordInvoiceStatus(qint64 planId, int seq, const QString &status, qint64 amountPaidMinor)
{
    const QString failed = tr("The installment's invoice status could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    q.prepare(QStringLiteral("UPDATE installments SET invoice_status = ?, amount_paid_minor = ? WHERE plan_id = ? AND seq = ?"));
    q.addBindValue(text(status));
    q.addBindValue(amountPaidMinor);
    q.addBindValue(planId);
    q.addBindValue(seq);
    if (!q.exec()) {
        const Error e = dbError(failed, q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    }
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

} // namespace Billing
