#include "services/budgets/budgetrepository.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::BudgetRepository", text); }

// Qt binds a null QString as SQL NULL; the text columns are NOT NULL.
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }
qint64 secs(const QDateTime &t) { return t.isValid() ? t.toSecsSinceEpoch() : 0; }
QDateTime fromSecs(qint64 s) { return s > 0 ? QDateTime::fromSecsSinceEpoch(s, Qt::UTC) : QDateTime(); }

Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

QString thresholdsText(const QList<int> &t)
{
    QStringList parts;
    for (int p : t)
        parts << QString::number(p);
    return parts.join(QLatin1Char(','));
}

QList<int> thresholdsFromText(const QString &s)
{
    QList<int> out;
    for (const QString &p : s.split(QLatin1Char(','), Qt::SkipEmptyParts))
        out << p.toInt();
    return out;
}

QString compact(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

QString describe(const Budget &b)
{
    const QString amount = b.unit == BudgetUnit::Money ? QStringLiteral("%1 minor %2").arg(b.limit).arg(b.currency)
                                                      : QStringLiteral("%1 units of %2").arg(b.limit).arg(b.meter);
    return QStringLiteral("%1 %2 %3/month, thresholds %4%, at limit: %5%6")
        .arg(budgetScopeName(b.scope), b.scope == BudgetScope::Subscription ? b.subscriptionId : b.customerId, amount,
             thresholdsText(b.thresholds), limitActionName(b.action), b.active ? QString() : QStringLiteral(", archived"));
}

// One write transaction on the billing database's connection: begin, statements, audit rows,
// commit; any failure rolls back and nothing is left.
class WriteTx final
{
public:
    explicit WriteTx(BillingDatabase &db) : m_db(db), m_q(db.database()) {}
    ~WriteTx()
    {
        if (m_open)
            m_q.exec(QStringLiteral("ROLLBACK"));
    }
    Status begin(const QString &failed)
    {
        m_failed = failed;
        if (!m_q.exec(m_db.dialect().beginWrite()))
            return dbError(failed, m_q.lastError());
        m_open = true;
        return {};
    }
    QSqlQuery &query() { return m_q; }
    Error error() const { return dbError(m_failed, m_q.lastError()); }
    Status audit(const QString &actor, const QString &operation, const QString &targetType, const QString &targetId,
                 const QJsonObject &params, const QString &before, const QString &after)
    {
        QSqlQuery a(m_db.database());
        a.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, "
                                 "before_summary, after_summary, idempotency_key, result) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        a.addBindValue(QDateTime::currentSecsSinceEpoch());
        a.addBindValue(actor.isEmpty() ? QStringLiteral("system") : actor);
        a.addBindValue(operation);
        a.addBindValue(targetType);
        a.addBindValue(text(targetId));
        a.addBindValue(compact(params));
        a.addBindValue(text(before));
        a.addBindValue(text(after));
        a.addBindValue(QStringLiteral(""));
        a.addBindValue(QStringLiteral("ok"));
        if (!a.exec())
            return dbError(tr("Could not write to the audit log."), a.lastError());
        return {};
    }
    Status commit()
    {
        m_q.finish();
        if (!m_q.exec(QStringLiteral("COMMIT")))
            return error();
        m_open = false;
        return {};
    }

private:
    BillingDatabase &m_db;
    QSqlQuery m_q;
    QString m_failed;
    bool m_open = false;
};

constexpr const char *BudgetColumns =
    "id, scope, customer_id, subscription_id, unit, limit_amount, currency, meter, price_id, thresholds, action, "
    "active, stripe_alert_id, version, updated_at, updated_by";

Budget budgetFrom(const QSqlQuery &q)
{
    Budget b;
    b.id = q.value(0).toLongLong();
    b.scope = budgetScopeFromName(q.value(1).toString()).value_or(BudgetScope::Customer);
    b.customerId = q.value(2).toString();
    b.subscriptionId = q.value(3).toString();
    b.unit = budgetUnitFromName(q.value(4).toString()).value_or(BudgetUnit::Money);
    b.limit = q.value(5).toLongLong();
    b.currency = q.value(6).toString().trimmed();
    b.meter = q.value(7).toString();
    b.priceId = q.value(8).toString();
    b.thresholds = thresholdsFromText(q.value(9).toString());
    b.action = limitActionFromName(q.value(10).toString()).value_or(LimitAction::Notify);
    b.active = q.value(11).toBool();
    b.stripeAlertId = q.value(12).toString();
    b.version = q.value(13).toLongLong();
    b.updatedAt = fromSecs(q.value(14).toLongLong());
    b.updatedBy = q.value(15).toString();
    return b;
}

constexpr const char *AlertColumns =
    "id, budget_id, customer_id, subscription_id, period, kind, threshold_percent, unit, spend, limit_amount, "
    "projected, currency, meter, triggered_at, action, outbox_entry_id, acknowledged_at, acknowledged_by, "
    "snoozed_until, note";

BudgetAlert alertFrom(const QSqlQuery &q)
{
    BudgetAlert a;
    a.id = q.value(0).toLongLong();
    a.budgetId = q.value(1).toLongLong();
    a.customerId = q.value(2).toString();
    a.subscriptionId = q.value(3).toString();
    a.period = q.value(4).toString();
    a.kind = alertKindFromName(q.value(5).toString()).value_or(AlertKind::Threshold);
    a.thresholdPercent = q.value(6).toInt();
    a.unit = budgetUnitFromName(q.value(7).toString()).value_or(BudgetUnit::Money);
    a.spend = q.value(8).toLongLong();
    a.limit = q.value(9).toLongLong();
    a.projected = q.value(10).toLongLong();
    a.currency = q.value(11).toString().trimmed();
    a.meter = q.value(12).toString();
    a.triggeredAt = fromSecs(q.value(13).toLongLong());
    a.action = q.value(14).toString();
    a.outboxEntryId = q.value(15).toLongLong();
    a.acknowledgedAt = fromSecs(q.value(16).toLongLong());
    a.acknowledgedBy = q.value(17).toString();
    a.snoozedUntil = fromSecs(q.value(18).toLongLong());
    a.note = q.value(19).toString();
    return a;
}

constexpr const char *ActionColumns = "id, budget_id, alert_id, period, action, customer_id, subscription_id, state, "
                                      "client_op_id, outbox_entry_id, detail, at";

BudgetActionRecord actionFrom(const QSqlQuery &q)
{
    BudgetActionRecord r;
    r.id = q.value(0).toLongLong();
    r.budgetId = q.value(1).toLongLong();
    r.alertId = q.value(2).toLongLong();
    r.period = q.value(3).toString();
    r.action = limitActionFromName(q.value(4).toString()).value_or(LimitAction::Notify);
    r.customerId = q.value(5).toString();
    r.subscriptionId = q.value(6).toString();
    r.state = q.value(7).toString();
    r.clientOpId = q.value(8).toString();
    r.outboxEntryId = q.value(9).toLongLong();
    r.detail = q.value(10).toString();
    r.at = fromSecs(q.value(11).toLongLong());
    return r;
}

} // namespace

Status BudgetRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The budget tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    // Fast path: already there (no write lock taken on every call).
    if (q.exec(QStringLiteral("SELECT 1 FROM budget_actions WHERE 1 = 0"))) {
        q.finish();
        return {};
    }
    if (d.isPostgres())
        q.exec(QStringLiteral("ROLLBACK")); // a failed statement outside a transaction leaves nothing open
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS budgets ("
                                 " id %1,"
                                 " scope TEXT NOT NULL CHECK (scope IN ('customer', 'subscription')),"
                                 " customer_id TEXT NOT NULL,"
                                 " subscription_id TEXT NOT NULL,"
                                 " unit TEXT NOT NULL CHECK (unit IN ('money', 'units')),"
                                 " limit_amount BIGINT NOT NULL CHECK (limit_amount > 0),"
                                 " currency TEXT NOT NULL,"
                                 " meter TEXT NOT NULL,"
                                 " price_id TEXT NOT NULL,"
                                 " thresholds TEXT NOT NULL,"
                                 " action TEXT NOT NULL CHECK (action IN ('notify', 'flag', 'pause', 'cap')),"
                                 " active %2 NOT NULL,"
                                 " stripe_alert_id TEXT NOT NULL,"
                                 " version BIGINT NOT NULL,"
                                 " updated_at BIGINT NOT NULL,"
                                 " updated_by TEXT NOT NULL)")
                      .arg(d.identityPrimaryKey(), d.boolean())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS budgets_customer ON budgets (customer_id)")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS budget_alerts ("
                                 " id %1,"
                                 " budget_id BIGINT NOT NULL REFERENCES budgets (id),"
                                 " customer_id TEXT NOT NULL,"
                                 " subscription_id TEXT NOT NULL,"
                                 " period TEXT NOT NULL,"
                                 " kind TEXT NOT NULL CHECK (kind IN ('threshold', 'forecast')),"
                                 " threshold_percent INTEGER NOT NULL,"
                                 " unit TEXT NOT NULL,"
                                 " spend BIGINT NOT NULL,"
                                 " limit_amount BIGINT NOT NULL,"
                                 " projected BIGINT NOT NULL,"
                                 " currency TEXT NOT NULL,"
                                 " meter TEXT NOT NULL,"
                                 " triggered_at BIGINT NOT NULL,"
                                 " action TEXT NOT NULL,"
                                 " outbox_entry_id BIGINT NOT NULL,"
                                 " acknowledged_at BIGINT NOT NULL,"
                                 " acknowledged_by TEXT NOT NULL,"
                                 " snoozed_until BIGINT NOT NULL,"
                                 " note TEXT NOT NULL,"
                                 " UNIQUE (budget_id, period, kind, threshold_percent))")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS budget_alerts_triggered ON budget_alerts (triggered_at)")
               << QStringLiteral("CREATE INDEX IF NOT EXISTS budget_alerts_customer ON budget_alerts (customer_id)")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS budget_actions ("
                                 " id %1,"
                                 " budget_id BIGINT NOT NULL REFERENCES budgets (id),"
                                 " alert_id BIGINT NOT NULL REFERENCES budget_alerts (id),"
                                 " period TEXT NOT NULL,"
                                 " action TEXT NOT NULL CHECK (action IN ('flag', 'pause', 'cap')),"
                                 " customer_id TEXT NOT NULL,"
                                 " subscription_id TEXT NOT NULL,"
                                 " state TEXT NOT NULL CHECK (state IN ('due', 'queued', 'done', 'failed')),"
                                 " client_op_id TEXT NOT NULL,"
                                 " outbox_entry_id BIGINT NOT NULL,"
                                 " detail TEXT NOT NULL,"
                                 " at BIGINT NOT NULL,"
                                 " UNIQUE (budget_id, period, action, subscription_id))")
                      .arg(d.identityPrimaryKey());
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

Result<Budget> BudgetRepository::saveBudget(const Budget &in, const QString &customerCurrency, const QString &actor)
{
    if (Status s = validateBudget(in, customerCurrency); !s)
        return s.error();
    if (Status s = ensureSchema(); !s)
        return s.error();
    Budget b = in;
    b.currency = b.unit == BudgetUnit::Money ? b.currency.toLower() : QString();
    b.meter = b.meter.trimmed();
    b.updatedAt = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
    b.updatedBy = actor;
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The budget could not be saved.")); !s)
        return s.error();
    QSqlQuery &q = tx.query();
    QString before;
    if (b.id == 0) {
        b.version = 1;
        q.prepare(QStringLiteral("INSERT INTO budgets (scope, customer_id, subscription_id, unit, limit_amount, "
                                 "currency, meter, price_id, thresholds, action, active, stripe_alert_id, version, "
                                 "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "RETURNING id"));
    } else {
        q.prepare(QStringLiteral("SELECT %1 FROM budgets WHERE id = ?").arg(QLatin1String(BudgetColumns)));
        q.addBindValue(b.id);
        if (!q.exec())
            return tx.error();
        if (!q.next())
            return Error::make(Error::Kind::NotFound, tr("This budget no longer exists."));
        const Budget stored = budgetFrom(q);
        q.finish();
        if (stored.version != in.version)
            return Error::make(Error::Kind::Conflict,
                               tr("Someone else changed this budget (by %1). Reopen it to see their change.")
                                   .arg(stored.updatedBy));
        before = describe(stored);
        b.version = stored.version + 1;
        if (b.stripeAlertId.isEmpty())
            b.stripeAlertId = stored.stripeAlertId;
        q.prepare(QStringLiteral("UPDATE budgets SET scope = ?, customer_id = ?, subscription_id = ?, unit = ?, "
                                 "limit_amount = ?, currency = ?, meter = ?, price_id = ?, thresholds = ?, action = ?, "
                                 "active = ?, stripe_alert_id = ?, version = ?, updated_at = ?, updated_by = ? "
                                 "WHERE id = ? RETURNING id"));
    }
    q.addBindValue(budgetScopeName(b.scope));
    q.addBindValue(text(b.customerId));
    q.addBindValue(text(b.scope == BudgetScope::Subscription ? b.subscriptionId : QString()));
    q.addBindValue(budgetUnitName(b.unit));
    q.addBindValue(b.limit);
    q.addBindValue(text(b.currency));
    q.addBindValue(text(b.meter));
    q.addBindValue(text(b.priceId));
    q.addBindValue(thresholdsText(b.thresholds));
    q.addBindValue(limitActionName(b.action));
    q.addBindValue(b.active);
    q.addBindValue(text(b.stripeAlertId));
    q.addBindValue(b.version);
    q.addBindValue(secs(b.updatedAt));
    q.addBindValue(text(actor));
    if (b.id != 0)
        q.addBindValue(b.id);
    if (!q.exec() || !q.next())
        return tx.error();
    b.id = q.value(0).toLongLong();
    q.finish();
    if (b.scope == BudgetScope::Customer)
        b.subscriptionId.clear();
    if (Status s = tx.audit(actor, in.id == 0 ? QStringLiteral("budget.create") : QStringLiteral("budget.update"),
                            QStringLiteral("budget"), QString::number(b.id),
                            QJsonObject{{QStringLiteral("customer"), b.customerId},
                                        {QStringLiteral("version"), b.version}},
                            before, describe(b));
        !s)
        return s.error();
    if (Status s = tx.commit(); !s)
        return s.error();
    return b;
}

Result<Budget> BudgetRepository::archiveBudget(qint64 id, qint64 expectedVersion, const QString &actor)
{
    Result<Budget> stored = budget(id);
    if (!stored)
        return stored.error();
    if (stored->version != expectedVersion)
        return Error::make(Error::Kind::Conflict,
                           tr("Someone else changed this budget (by %1). Reopen it to see their change.")
                               .arg(stored->updatedBy));
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The budget could not be archived.")); !s)
        return s.error();
    QSqlQuery &q = tx.query();
    q.prepare(QStringLiteral("UPDATE budgets SET active = ?, version = version + 1, updated_at = ?, updated_by = ? "
                             "WHERE id = ? AND version = ?"));
    q.addBindValue(false);
    q.addBindValue(QDateTime::currentSecsSinceEpoch());
    q.addBindValue(text(actor));
    q.addBindValue(id);
    q.addBindValue(expectedVersion);
    if (!q.exec())
        return tx.error();
    if (q.numRowsAffected() != 1)
        return Error::make(Error::Kind::Conflict, tr("Someone else changed this budget. Reopen it to see their change."));
    Budget after = *stored;
    after.active = false;
    if (Status s = tx.audit(actor, QStringLiteral("budget.archive"), QStringLiteral("budget"), QString::number(id), {},
                            describe(*stored), describe(after));
        !s)
        return s.error();
    if (Status s = tx.commit(); !s)
        return s.error();
    return budget(id);
}

Status BudgetRepository::setStripeAlertId(qint64 id, const QString &stripeAlertId, const QString &actor)
{
    if (Status s = ensureSchema(); !s)
        return s;
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The Stripe alert could not be linked to the budget.")); !s)
        return s;
    QSqlQuery &q = tx.query();
    q.prepare(QStringLiteral("UPDATE budgets SET stripe_alert_id = ? WHERE id = ?"));
    q.addBindValue(text(stripeAlertId));
    q.addBindValue(id);
    if (!q.exec())
        return tx.error();
    if (q.numRowsAffected() != 1)
        return Error::make(Error::Kind::NotFound, tr("This budget no longer exists."));
    if (Status s = tx.audit(actor, QStringLiteral("budget.stripe_alert"), QStringLiteral("budget"),
                            QString::number(id), QJsonObject{{QStringLiteral("alert"), stripeAlertId}}, {},
                            QStringLiteral("Stripe billing alert %1").arg(stripeAlertId));
        !s)
        return s;
    return tx.commit();
}

Result<Budget> BudgetRepository::budget(qint64 id) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM budgets WHERE id = ?").arg(QLatin1String(BudgetColumns)));
    q.addBindValue(id);
    if (!q.exec())
        return dbError(tr("The budget could not be read."), q.lastError());
    if (!q.next())
        return Error::make(Error::Kind::NotFound, tr("This budget no longer exists."));
    return budgetFrom(q);
}

Result<QList<Budget>> BudgetRepository::budgets(const QString &customerId, bool activeOnly) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    QString sql = QStringLiteral("SELECT %1 FROM budgets WHERE 1 = 1").arg(QLatin1String(BudgetColumns));
    if (!customerId.isEmpty())
        sql += QStringLiteral(" AND customer_id = ?");
    if (activeOnly)
        sql += QStringLiteral(" AND active = ?");
    sql += QStringLiteral(" ORDER BY customer_id, id");
    q.prepare(sql);
    if (!customerId.isEmpty())
        q.addBindValue(customerId);
    if (activeOnly)
        q.addBindValue(true);
    if (!q.exec())
        return dbError(tr("The budgets could not be read."), q.lastError());
    QList<Budget> out;
    while (q.next())
        out << budgetFrom(q);
    return out;
}

Result<QList<BudgetAlert>> BudgetRepository::recordAlerts(const QList<DueAlert> &due, const QString &actor)
{
    if (due.isEmpty())
        return QList<BudgetAlert>{};
    if (Status s = ensureSchema(); !s)
        return s.error();
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The budget alerts could not be recorded.")); !s)
        return s.error();
    QSqlQuery &q = tx.query();
    QList<BudgetAlert> fresh;
    for (const DueAlert &d : due) {
        BudgetAlert a = d.alert;
        const bool atLimit = a.kind == AlertKind::Threshold && a.thresholdPercent == 100;
        const LimitAction action = atLimit ? d.action : LimitAction::Notify;
        if (a.kind == AlertKind::Forecast)
            a.action = tr("early warning");
        else if (action == LimitAction::Flag)
            a.action = tr("account flagged");
        else if (action == LimitAction::Cap)
            // The cap rule (UsageCaps, services/usage/usagecost.h): usage beyond the cap this month
            // is kept and shown, flagged as over the cap, and not billable.
            a.action = a.unit == BudgetUnit::Units
                           ? tr("usage capped at %1 %2: %3 over the cap so far, kept and flagged, not billable")
                                 .arg(a.limit).arg(a.meter).arg(qMax<qint64>(0, a.spend - a.limit))
                           : tr("usage capped: %1 usage beyond the budget is kept and flagged, not billable")
                                 .arg(a.meter);
        else if (action == LimitAction::Pause)
            a.action = d.pauseSubscriptions.isEmpty() ? tr("pause: no active subscription") : tr("pause due");
        else
            a.action = tr("notified");
        q.prepare(QStringLiteral("INSERT INTO budget_alerts (budget_id, customer_id, subscription_id, period, kind, "
                                 "threshold_percent, unit, spend, limit_amount, projected, currency, meter, "
                                 "triggered_at, action, outbox_entry_id, acknowledged_at, acknowledged_by, "
                                 "snoozed_until, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', 0, ?) "
                                 "ON CONFLICT (budget_id, period, kind, threshold_percent) DO NOTHING RETURNING id"));
        q.addBindValue(a.budgetId);
        q.addBindValue(text(a.customerId));
        q.addBindValue(text(a.subscriptionId));
        q.addBindValue(text(a.period));
        q.addBindValue(alertKindName(a.kind));
        q.addBindValue(a.thresholdPercent);
        q.addBindValue(budgetUnitName(a.unit));
        q.addBindValue(a.spend);
        q.addBindValue(a.limit);
        q.addBindValue(a.projected);
        q.addBindValue(text(a.currency));
        q.addBindValue(text(a.meter));
        q.addBindValue(secs(a.triggeredAt.isValid() ? a.triggeredAt : QDateTime::currentDateTimeUtc()));
        q.addBindValue(text(a.action));
        q.addBindValue(text(a.note));
        if (!q.exec())
            return tx.error();
        if (!q.next()) { // recorded before: nothing new
            q.finish();
            continue;
        }
        a.id = q.value(0).toLongLong();
        q.finish();
        QJsonObject params{{QStringLiteral("budget"), a.budgetId},     {QStringLiteral("period"), a.period},
                           {QStringLiteral("kind"), alertKindName(a.kind)}, {QStringLiteral("percent"), a.thresholdPercent},
                           {QStringLiteral("spend"), a.spend},         {QStringLiteral("limit"), a.limit}};
        if (Status s = tx.audit(actor, QStringLiteral("budget.alert"), QStringLiteral("customer"), a.customerId, params,
                                {}, QStringLiteral("%1 %2% of budget %3 in %4: %5")
                                        .arg(alertKindName(a.kind))
                                        .arg(a.thresholdPercent)
                                        .arg(a.budgetId)
                                        .arg(a.period, a.action));
            !s)
            return s.error();
        if (action != LimitAction::Notify) {
            QStringList targets = action == LimitAction::Pause ? d.pauseSubscriptions : QStringList{QString()};
            for (const QString &sub : std::as_const(targets)) {
                const bool pause = action == LimitAction::Pause;
                const QString opId = pause ? QStringLiteral("budget-stop:%1:%2:%3").arg(a.budgetId).arg(a.period, sub)
                                           : QString();
                const QString detail = action == LimitAction::Cap
                                           ? tr("Usage over the cap is kept, flagged and not billable this month.")
                                           : action == LimitAction::Flag ? tr("Account flagged: budget reached.")
                                                                         : tr("Pause of %1 to be queued.").arg(sub);
                q.prepare(QStringLiteral("INSERT INTO budget_actions (budget_id, alert_id, period, action, "
                                         "customer_id, subscription_id, state, client_op_id, outbox_entry_id, detail, "
                                         "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) "
                                         "ON CONFLICT (budget_id, period, action, subscription_id) DO NOTHING"));
                q.addBindValue(a.budgetId);
                q.addBindValue(a.id);
                q.addBindValue(text(a.period));
                q.addBindValue(limitActionName(action));
                q.addBindValue(text(a.customerId));
                q.addBindValue(text(sub));
                q.addBindValue(pause ? QStringLiteral("due") : QStringLiteral("done"));
                q.addBindValue(text(opId));
                q.addBindValue(detail);
                q.addBindValue(QDateTime::currentSecsSinceEpoch());
                if (!q.exec())
                    return tx.error();
                if (Status s = tx.audit(actor, QStringLiteral("budget.%1").arg(limitActionName(action)),
                                        pause ? QStringLiteral("subscription") : QStringLiteral("customer"),
                                        pause ? sub : a.customerId,
                                        QJsonObject{{QStringLiteral("budget"), a.budgetId},
                                                    {QStringLiteral("period"), a.period}},
                                        {}, detail);
                    !s)
                    return s.error();
            }
        }
        fresh << a;
    }
    if (Status s = tx.commit(); !s)
        return s.error();
    return fresh;
}

Result<QList<BudgetActionRecord>> BudgetRepository::dueActions() const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM budget_actions WHERE state = 'due' ORDER BY id")
                  .arg(QLatin1String(ActionColumns)));
    if (!q.exec())
        return dbError(tr("The budget actions could not be read."), q.lastError());
    QList<BudgetActionRecord> out;
    while (q.next())
        out << actionFrom(q);
    return out;
}

Result<QList<BudgetActionRecord>> BudgetRepository::actions(const QString &customerId) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    QString sql = QStringLiteral("SELECT %1 FROM budget_actions").arg(QLatin1String(ActionColumns));
    if (!customerId.isEmpty())
        sql += QStringLiteral(" WHERE customer_id = ?");
    q.prepare(sql + QStringLiteral(" ORDER BY id"));
    if (!customerId.isEmpty())
        q.addBindValue(customerId);
    if (!q.exec())
        return dbError(tr("The budget actions could not be read."), q.lastError());
    QList<BudgetActionRecord> out;
    while (q.next())
        out << actionFrom(q);
    return out;
}

Status BudgetRepository::completeAction(qint64 actionId, bool queued, qint64 outboxEntryId, const QString &detail,
                                        const QString &actor)
{
    if (Status s = ensureSchema(); !s)
        return s;
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The budget action could not be updated.")); !s)
        return s;
    QSqlQuery &q = tx.query();
    q.prepare(QStringLiteral("SELECT %1 FROM budget_actions WHERE id = ?").arg(QLatin1String(ActionColumns)));
    q.addBindValue(actionId);
    if (!q.exec())
        return tx.error();
    if (!q.next())
        return Error::make(Error::Kind::NotFound, tr("This budget action no longer exists."));
    const BudgetActionRecord r = actionFrom(q);
    q.finish();
    q.prepare(QStringLiteral("UPDATE budget_actions SET state = ?, outbox_entry_id = ?, detail = ? WHERE id = ?"));
    q.addBindValue(queued ? QStringLiteral("queued") : QStringLiteral("failed"));
    q.addBindValue(outboxEntryId);
    q.addBindValue(text(detail));
    q.addBindValue(actionId);
    if (!q.exec())
        return tx.error();
    q.prepare(QStringLiteral("UPDATE budget_alerts SET action = ?, outbox_entry_id = ? WHERE id = ?"));
    q.addBindValue(queued ? tr("pause queued (%1)").arg(r.subscriptionId)
                          : tr("pause failed: %1").arg(detail));
    q.addBindValue(outboxEntryId);
    q.addBindValue(r.alertId);
    if (!q.exec())
        return tx.error();
    if (Status s = tx.audit(actor, QStringLiteral("budget.pause"), QStringLiteral("subscription"), r.subscriptionId,
                            QJsonObject{{QStringLiteral("budget"), r.budgetId},
                                        {QStringLiteral("outbox_entry"), outboxEntryId},
                                        {QStringLiteral("client_op_id"), r.clientOpId}},
                            r.state, queued ? QStringLiteral("queued") : QStringLiteral("failed: ") + detail);
        !s)
        return s;
    return tx.commit();
}

Result<QSet<QString>> BudgetRepository::flaggedCustomers(const QString &period) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    QString sql = QStringLiteral("SELECT DISTINCT customer_id FROM budget_actions WHERE action = 'flag'");
    if (!period.isEmpty())
        sql += QStringLiteral(" AND period = ?");
    q.prepare(sql);
    if (!period.isEmpty())
        q.addBindValue(period);
    if (!q.exec())
        return dbError(tr("The flagged accounts could not be read."), q.lastError());
    QSet<QString> out;
    while (q.next())
        out.insert(q.value(0).toString());
    return out;
}

Result<QList<BudgetAlert>> BudgetRepository::alerts(const AlertQuery &query) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QString sql = QStringLiteral("SELECT %1 FROM budget_alerts WHERE 1 = 1").arg(QLatin1String(AlertColumns));
    QVariantList binds;
    if (!query.customerId.isEmpty()) {
        sql += QStringLiteral(" AND customer_id = ?");
        binds << query.customerId;
    }
    if (query.budgetId > 0) {
        sql += QStringLiteral(" AND budget_id = ?");
        binds << query.budgetId;
    }
    if (!query.period.isEmpty()) {
        sql += QStringLiteral(" AND period = ?");
        binds << query.period;
    }
    if (!query.includeAcknowledged)
        sql += QStringLiteral(" AND acknowledged_at = 0");
    if (!query.includeSnoozed) {
        sql += QStringLiteral(" AND snoozed_until <= ?");
        binds << secs(query.now.isValid() ? query.now : QDateTime::currentDateTimeUtc());
    }
    sql += QStringLiteral(" ORDER BY triggered_at DESC, id DESC LIMIT %1").arg(qBound(1, query.limit, 100000));
    QSqlQuery q(m_db.database());
    q.prepare(sql);
    for (const QVariant &v : std::as_const(binds))
        q.addBindValue(v);
    if (!q.exec())
        return dbError(tr("The budget alerts could not be read."), q.lastError());
    QList<BudgetAlert> out;
    while (q.next())
        out << alertFrom(q);
    return out;
}

Result<BudgetAlert> BudgetRepository::alert(qint64 id) const
{
    if (Status s = const_cast<BudgetRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM budget_alerts WHERE id = ?").arg(QLatin1String(AlertColumns)));
    q.addBindValue(id);
    if (!q.exec())
        return dbError(tr("The budget alert could not be read."), q.lastError());
    if (!q.next())
        return Error::make(Error::Kind::NotFound, tr("This alert no longer exists."));
    return alertFrom(q);
}

Result<BudgetAlert> BudgetRepository::acknowledge(qint64 alertId, const QString &actor)
{
    Result<BudgetAlert> stored = alert(alertId);
    if (!stored)
        return stored.error();
    if (stored->acknowledgedAt.isValid())
        return stored; // acknowledging twice changes nothing
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The alert could not be acknowledged.")); !s)
        return s.error();
    QSqlQuery &q = tx.query();
    q.prepare(QStringLiteral("UPDATE budget_alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?"));
    q.addBindValue(QDateTime::currentSecsSinceEpoch());
    q.addBindValue(text(actor));
    q.addBindValue(alertId);
    if (!q.exec())
        return tx.error();
    if (Status s = tx.audit(actor, QStringLiteral("budget.acknowledge"), QStringLiteral("budget_alert"),
                            QString::number(alertId), {}, QStringLiteral("open"), QStringLiteral("acknowledged"));
        !s)
        return s.error();
    if (Status s = tx.commit(); !s)
        return s.error();
    return alert(alertId);
}

Result<BudgetAlert> BudgetRepository::snooze(qint64 alertId, const QDateTime &until, const QString &actor)
{
    if (!until.isValid() || until <= QDateTime::currentDateTimeUtc())
        return Error::make(Error::Kind::Validation, tr("Snooze until a date in the future."));
    if (until > QDateTime::currentDateTimeUtc().addDays(366))
        return Error::make(Error::Kind::Validation, tr("Snooze for at most a year."));
    Result<BudgetAlert> stored = alert(alertId);
    if (!stored)
        return stored.error();
    WriteTx tx(m_db);
    if (Status s = tx.begin(tr("The alert could not be snoozed.")); !s)
        return s.error();
    QSqlQuery &q = tx.query();
    q.prepare(QStringLiteral("UPDATE budget_alerts SET snoozed_until = ? WHERE id = ?"));
    q.addBindValue(secs(until));
    q.addBindValue(alertId);
    if (!q.exec())
        return tx.error();
    if (Status s = tx.audit(actor, QStringLiteral("budget.snooze"), QStringLiteral("budget_alert"),
                            QString::number(alertId), QJsonObject{{QStringLiteral("until"), secs(until)}},
                            stored->snoozedUntil.isValid() ? stored->snoozedUntil.toString(Qt::ISODate) : QString(),
                            QStringLiteral("snoozed until %1").arg(until.toUTC().toString(Qt::ISODate)));
        !s)
        return s.error();
    if (Status s = tx.commit(); !s)
        return s.error();
    return alert(alertId);
}

} // namespace Billing
