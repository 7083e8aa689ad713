#include "services/dunning/dunningrepository.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::DunningRepository", text); }
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }
Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }
qint64 nowSecs() { return QDateTime::currentSecsSinceEpoch(); }
QDateTime fromSecs(qint64 s) { return QDateTime::fromSecsSinceEpoch(s, Qt::UTC); }

// Runs a SELECT with its bound values and maps each row; `failed` is the user text on error.
template <typename Row, typename Map>
Result<QList<Row>> selectRows(const QSqlDatabase &db, const QString &sql, const QVariantList &binds, const QString &failed, Map map)
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant &b : binds)
        q.addBindValue(b);
    if (!q.exec())
        return dbError(failed, q.lastError());
    QList<Row> out;
    while (q.next())
        out << map(q);
    return out;
}

// A transaction on the billing database's connection: rolls back unless committed.
class Tx final
{
public:
    Tx(BillingDatabase &db, const QString &failed) : m_q(db.database()), m_failed(failed)
    {
        m_ok = m_q.exec(db.dialect().beginWrite());
        if (!m_ok)
            m_error = dbError(failed, m_q.lastError());
    }
    ~Tx()
    {
        if (m_open && !m_committed)
            m_q.exec(QStringLiteral("ROLLBACK"));
    }
    bool ok() const { return m_ok; }
    Error error() const { return m_error; }
    QSqlQuery &q() { return m_q; }
    // Runs a prepared statement; false (and the error kept) on failure.
    bool exec()
    {
        if (m_q.exec())
            return true;
        m_error = dbError(m_failed, m_q.lastError());
        return false;
    }
    bool commit()
    {
        m_committed = m_q.exec(QStringLiteral("COMMIT"));
        if (!m_committed)
            m_error = dbError(m_failed, m_q.lastError());
        return m_committed;
    }
    bool audit(const QString &actor, const QString &operation, const QString &targetType, const QString &targetId,
               const QJsonObject &params, const QString &before, const QString &after)
    {
        m_q.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, "
                                   "before_summary, after_summary, idempotency_key, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        m_q.addBindValue(nowSecs());
        m_q.addBindValue(text(actor.isEmpty() ? QStringLiteral("system") : actor));
        m_q.addBindValue(operation);
        m_q.addBindValue(targetType);
        m_q.addBindValue(text(targetId));
        m_q.addBindValue(QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)));
        m_q.addBindValue(text(before));
        m_q.addBindValue(text(after));
        m_q.addBindValue(QStringLiteral(""));
        m_q.addBindValue(QStringLiteral("ok"));
        return exec();
    }

private:
    QSqlQuery m_q;
    QString m_failed;
    Error m_error;
    bool m_ok = false;
    bool m_open = true;
    bool m_committed = false;
};

const char *const TriggerNames[] = {"on_failure", "after_days", "on_final_attempt"};
const char *const ActionNames[] = {"send_reminder", "notify_owner", "pause", "cancel", "mark_uncollectible"};

DunningRule ruleFrom(const QSqlQuery &q)
{
    DunningRule r;
    r.id = q.value(0).toLongLong();
    r.name = q.value(1).toString();
    r.trigger = dunningTriggerFromName(q.value(2).toString()).value_or(DunningTrigger::OnFailure);
    r.days = q.value(3).toInt();
    r.action = dunningActionFromName(q.value(4).toString()).value_or(DunningAction::NotifyOwner);
    r.enabled = q.value(5).toBool();
    r.version = q.value(6).toLongLong();
    r.updatedAt = fromSecs(q.value(7).toLongLong());
    r.updatedBy = q.value(8).toString();
    return r;
}

QString describe(const DunningRule &r)
{
    return QStringLiteral("%1: %2 -> %3%4").arg(r.name, dunningTriggerLabel(r.trigger, r.days), dunningActionLabel(r.action),
                                                r.enabled ? QString() : QStringLiteral(" (off)"));
}

} // namespace

QString dunningTriggerName(DunningTrigger t) { return QString::fromLatin1(TriggerNames[int(t)]); }
QString dunningActionName(DunningAction a) { return QString::fromLatin1(ActionNames[int(a)]); }

std::optional<DunningTrigger> dunningTriggerFromName(QStringView name)
{
    for (int i = 0; i < 3; ++i)
        if (name == QLatin1String(TriggerNames[i]))
            return DunningTrigger(i);
    return std::nullopt;
}

std::optional<DunningAction> dunningActionFromName(QStringView name)
{
    for (int i = 0; i < 5; ++i)
        if (name == QLatin1String(ActionNames[i]))
            return DunningAction(i);
    return std::nullopt;
}

QString dunningTriggerLabel(DunningTrigger t, int days)
{
    switch (t) {
    case DunningTrigger::OnFailure: return tr("On each failed payment");
    case DunningTrigger::AfterDays: return days == 1 ? tr("1 day after the failure") : tr("%1 days after the failure").arg(days);
    case DunningTrigger::OnFinalAttempt: return tr("When no retry is left");
    }
    return {};
}

QString dunningActionLabel(DunningAction a)
{
    switch (a) {
    case DunningAction::SendReminder: return tr("Send the invoice as a reminder");
    case DunningAction::NotifyOwner: return tr("Notify the owner");
    case DunningAction::Pause: return tr("Pause the subscription");
    case DunningAction::Cancel: return tr("Cancel the subscription");
    case DunningAction::MarkUncollectible: return tr("Mark uncollectible");
    }
    return {};
}

Status DunningRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The dunning tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_rules ("
                                 " id %1, name TEXT NOT NULL,"
                                 " trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('on_failure', 'after_days', 'on_final_attempt')),"
                                 " days INTEGER NOT NULL,"
                                 " action TEXT NOT NULL CHECK (action IN ('send_reminder', 'notify_owner', 'pause', 'cancel', 'mark_uncollectible')),"
                                 " enabled %2 NOT NULL, version BIGINT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL)")
                      .arg(d.identityPrimaryKey(), d.boolean())
               << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_rule_runs ("
                                 " invoice_id TEXT NOT NULL, step_key TEXT NOT NULL, rule_id BIGINT NOT NULL, action TEXT NOT NULL,"
                                 " decided_at BIGINT NOT NULL, state TEXT NOT NULL, client_op_id TEXT NOT NULL,"
                                 " outbox_entry_id BIGINT NOT NULL, detail TEXT NOT NULL, actor TEXT NOT NULL,"
                                 " PRIMARY KEY (invoice_id, step_key))")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_notifications ("
                                 " id %1, at BIGINT NOT NULL, invoice_id TEXT NOT NULL, owner TEXT NOT NULL,"
                                 " message TEXT NOT NULL, rule_id BIGINT NOT NULL)")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_contacts ("
                                 " id %1, at BIGINT NOT NULL, invoice_id TEXT NOT NULL, actor TEXT NOT NULL,"
                                 " kind TEXT NOT NULL, body TEXT NOT NULL)")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE INDEX IF NOT EXISTS dunning_contacts_invoice ON dunning_contacts (invoice_id)")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_recoveries ("
                                 " invoice_id TEXT PRIMARY KEY, recovered_at BIGINT NOT NULL, amount_minor BIGINT NOT NULL,"
                                 " currency CHAR(3) NOT NULL, decline_code TEXT NOT NULL, attempts INTEGER NOT NULL, step TEXT NOT NULL)")
               << QStringLiteral("CREATE TABLE IF NOT EXISTS dunning_watch ("
                                 " invoice_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, amount_minor BIGINT NOT NULL,"
                                 " currency TEXT NOT NULL, decline_code TEXT NOT NULL, attempts INTEGER NOT NULL,"
                                 " policy_step TEXT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL)");
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

Status DunningRepository::validate(const DunningRule &r)
{
    if (r.name.trimmed().isEmpty())
        return Error::make(Error::Kind::Validation, tr("Give the rule a name."));
    if (r.name.size() > 120)
        return Error::make(Error::Kind::Validation, tr("The rule name is too long (120 characters at most)."));
    if (r.trigger == DunningTrigger::AfterDays && (r.days < 1 || r.days > 365))
        return Error::make(Error::Kind::Validation, tr("\"After N days\" needs a number of days from 1 to 365."));
    return {};
}

Result<QList<DunningRule>> DunningRepository::rules() const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningRule>(m_db.database(),
                                   QStringLiteral("SELECT id, name, trigger_kind, days, action, enabled, version, updated_at, updated_by "
                                                  "FROM dunning_rules ORDER BY id"),
                                   {}, tr("The dunning rules could not be read."), ruleFrom);
}

Result<DunningRule> DunningRepository::saveRule(const DunningRule &rule, const QString &actor)
{
    if (Status s = validate(rule); !s)
        return s.error();
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The dunning rule could not be saved.");
    Tx tx(m_db, failed);
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    DunningRule out = rule;
    out.name = rule.name.trimmed();
    out.days = rule.trigger == DunningTrigger::AfterDays ? rule.days : 0;
    out.updatedAt = fromSecs(nowSecs());
    out.updatedBy = actor;
    QString before;
    if (rule.id == 0) {
        q.prepare(QStringLiteral("INSERT INTO dunning_rules (name, trigger_kind, days, action, enabled, version, updated_at, updated_by) "
                                 "VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id"));
        q.addBindValue(out.name);
        q.addBindValue(dunningTriggerName(out.trigger));
        q.addBindValue(out.days);
        q.addBindValue(dunningActionName(out.action));
        q.addBindValue(out.enabled);
        q.addBindValue(nowSecs());
        q.addBindValue(text(actor));
        if (!tx.exec() || !q.next())
            return tx.error();
        out.id = q.value(0).toLongLong();
        out.version = 1;
        q.finish();
    } else {
        q.prepare(QStringLiteral("SELECT id, name, trigger_kind, days, action, enabled, version, updated_at, updated_by "
                                 "FROM dunning_rules WHERE id = ?"));
        q.addBindValue(rule.id);
        if (!tx.exec())
            return tx.error();
        if (!q.next())
            return Error::make(Error::Kind::NotFound, tr("That rule no longer exists."));
        const DunningRule stored = ruleFrom(q);
        q.finish();
        if (stored.version != rule.version)
            return Error::make(Error::Kind::Conflict, tr("Someone else changed this rule; reload and try again."));
        before = describe(stored);
        q.prepare(QStringLiteral("UPDATE dunning_rules SET name = ?, trigger_kind = ?, days = ?, action = ?, enabled = ?, "
                                 "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?"));
        q.addBindValue(out.name);
        q.addBindValue(dunningTriggerName(out.trigger));
        q.addBindValue(out.days);
        q.addBindValue(dunningActionName(out.action));
        q.addBindValue(out.enabled);
        q.addBindValue(nowSecs());
        q.addBindValue(text(actor));
        q.addBindValue(rule.id);
        q.addBindValue(rule.version);
        if (!tx.exec())
            return tx.error();
        if (q.numRowsAffected() != 1)
            return Error::make(Error::Kind::Conflict, tr("Someone else changed this rule; reload and try again."));
        out.version = rule.version + 1;
    }
    if (!tx.audit(actor, rule.id == 0 ? QStringLiteral("dunning_rule.create") : QStringLiteral("dunning_rule.update"),
                  QStringLiteral("dunning_rule"), QString::number(out.id),
                  QJsonObject{{QStringLiteral("trigger"), dunningTriggerName(out.trigger)}, {QStringLiteral("days"), out.days},
                              {QStringLiteral("action"), dunningActionName(out.action)}, {QStringLiteral("enabled"), out.enabled}},
                  before, describe(out))
        || !tx.commit())
        return tx.error();
    return out;
}

Status DunningRepository::deleteRule(qint64 id, qint64 version, const QString &actor)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The dunning rule could not be deleted."));
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("DELETE FROM dunning_rules WHERE id = ? AND version = ?"));
    q.addBindValue(id);
    q.addBindValue(version);
    if (!tx.exec())
        return tx.error();
    if (q.numRowsAffected() != 1)
        return Error::make(Error::Kind::Conflict, tr("Someone else changed or deleted this rule; reload and try again."));
    if (!tx.audit(actor, QStringLiteral("dunning_rule.delete"), QStringLiteral("dunning_rule"), QString::number(id), {}, {}, {})
        || !tx.commit())
        return tx.error();
    return {};
}

Result<bool> DunningRepository::claimStep(const DunningRuleRun &run, const std::optional<DunningNotification> &notification)
{
    if (run.invoiceId.isEmpty() || run.stepKey.isEmpty())
        return Error::make(Error::Kind::Validation, tr("A rule run needs an invoice and a step."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The dunning decision could not be recorded."));
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("INSERT INTO dunning_rule_runs (invoice_id, step_key, rule_id, action, decided_at, state, client_op_id, "
                             "outbox_entry_id, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT (invoice_id, step_key) DO NOTHING RETURNING invoice_id"));
    q.addBindValue(run.invoiceId);
    q.addBindValue(run.stepKey);
    q.addBindValue(run.ruleId);
    q.addBindValue(text(run.action));
    q.addBindValue(run.decidedAt.isValid() ? run.decidedAt.toSecsSinceEpoch() : nowSecs());
    q.addBindValue(text(run.state));
    q.addBindValue(text(run.clientOpId));
    q.addBindValue(run.outboxEntryId);
    q.addBindValue(text(run.detail));
    q.addBindValue(text(run.actor));
    if (!tx.exec())
        return tx.error();
    const bool claimed = q.next();
    q.finish();
    if (!claimed)
        return false; // the transaction rolls back: nothing else is written
    if (notification) {
        q.prepare(QStringLiteral("INSERT INTO dunning_notifications (at, invoice_id, owner, message, rule_id) VALUES (?, ?, ?, ?, ?)"));
        q.addBindValue(notification->at.isValid() ? notification->at.toSecsSinceEpoch() : nowSecs());
        q.addBindValue(run.invoiceId);
        q.addBindValue(text(notification->owner));
        q.addBindValue(text(notification->message));
        q.addBindValue(run.ruleId);
        if (!tx.exec())
            return tx.error();
    }
    if (!tx.audit(run.actor, QStringLiteral("dunning.rule_run"), QStringLiteral("invoice"), run.invoiceId,
                  QJsonObject{{QStringLiteral("step"), run.stepKey}, {QStringLiteral("rule"), run.ruleId},
                              {QStringLiteral("action"), run.action}},
                  {}, run.detail)
        || !tx.commit())
        return tx.error();
    return true;
}

Status DunningRepository::updateRun(const QString &invoiceId, const QString &stepKey, const QString &state, qint64 outboxEntryId,
                                    const QString &detail)
{
    Tx tx(m_db, tr("The dunning decision could not be updated."));
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("UPDATE dunning_rule_runs SET state = ?, outbox_entry_id = ?, detail = ? WHERE invoice_id = ? AND step_key = ?"));
    q.addBindValue(state);
    q.addBindValue(outboxEntryId);
    q.addBindValue(text(detail));
    q.addBindValue(invoiceId);
    q.addBindValue(stepKey);
    if (!tx.exec() || !tx.commit())
        return tx.error();
    return {};
}

Result<QList<DunningRuleRun>> DunningRepository::runs(const QString &invoiceId) const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningRuleRun>(
        m_db.database(),
        QStringLiteral("SELECT invoice_id, step_key, rule_id, action, decided_at, state, client_op_id, outbox_entry_id, detail, actor "
                       "FROM dunning_rule_runs WHERE (? = '' OR invoice_id = ?) ORDER BY decided_at, invoice_id, step_key"),
        {text(invoiceId), text(invoiceId)}, tr("The dunning decisions could not be read."), [](const QSqlQuery &q) {
        DunningRuleRun r;
        r.invoiceId = q.value(0).toString();
        r.stepKey = q.value(1).toString();
        r.ruleId = q.value(2).toLongLong();
        r.action = q.value(3).toString();
        r.decidedAt = fromSecs(q.value(4).toLongLong());
        r.state = q.value(5).toString();
        r.clientOpId = q.value(6).toString();
        r.outboxEntryId = q.value(7).toLongLong();
        r.detail = q.value(8).toString();
        r.actor = q.value(9).toString();
        return r;
    });
}

Result<QList<DunningNotification>> DunningRepository::notifications(int limit) const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningNotification>(
        m_db.database(), QStringLiteral("SELECT id, at, invoice_id, owner, message, rule_id FROM dunning_notifications ORDER BY id DESC LIMIT ?"),
        {limit}, tr("The dunning notifications could not be read."), [](const QSqlQuery &q) {
            return DunningNotification{q.value(0).toLongLong(), fromSecs(q.value(1).toLongLong()), q.value(2).toString(),
                                       q.value(3).toString(), q.value(4).toString(), q.value(5).toLongLong()};
        });
}

Result<qint64> DunningRepository::addContact(const DunningContact &c)
{
    if (c.invoiceId.isEmpty() || c.kind.isEmpty())
        return Error::make(Error::Kind::Validation, tr("A contact record needs an invoice and a kind."));
    if (c.text.size() > 4000)
        return Error::make(Error::Kind::Validation, tr("The note is too long (4,000 characters at most)."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The contact record could not be saved."));
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("INSERT INTO dunning_contacts (at, invoice_id, actor, kind, body) VALUES (?, ?, ?, ?, ?) RETURNING id"));
    q.addBindValue(c.at.isValid() ? c.at.toSecsSinceEpoch() : nowSecs());
    q.addBindValue(c.invoiceId);
    q.addBindValue(text(c.actor));
    q.addBindValue(c.kind);
    q.addBindValue(text(c.text));
    if (!tx.exec() || !q.next())
        return tx.error();
    const qint64 id = q.value(0).toLongLong();
    q.finish();
    if (!tx.audit(c.actor, QStringLiteral("dunning.") + c.kind, QStringLiteral("invoice"), c.invoiceId, {}, {}, c.text) || !tx.commit())
        return tx.error();
    return id;
}

Result<QList<DunningContact>> DunningRepository::contacts(const QString &invoiceId) const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningContact>(
        m_db.database(), QStringLiteral("SELECT id, at, invoice_id, actor, kind, body FROM dunning_contacts WHERE invoice_id = ? ORDER BY id DESC"),
        {invoiceId}, tr("The contact history could not be read."), [](const QSqlQuery &q) {
            return DunningContact{q.value(0).toLongLong(), fromSecs(q.value(1).toLongLong()), q.value(2).toString(),
                                  q.value(3).toString(), q.value(4).toString(), q.value(5).toString()};
        });
}

Result<QHash<QString, DunningOverlay>> DunningRepository::overlay() const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QHash<QString, DunningOverlay> out;
    QSqlQuery q(m_db.database());
    if (!q.exec(QStringLiteral("SELECT invoice_id, stage, owner FROM dunning_state")))
        return dbError(tr("The dunning states could not be read."), q.lastError());
    while (q.next()) {
        DunningOverlay &o = out[q.value(0).toString()];
        o.stage = q.value(1).toString();
        o.owner = q.value(2).toString();
    }
    if (!q.exec(QStringLiteral("SELECT c.invoice_id, c.at, c.kind FROM dunning_contacts c"
                               " WHERE c.id = (SELECT MAX(d.id) FROM dunning_contacts d WHERE d.invoice_id = c.invoice_id)")))
        return dbError(tr("The contact history could not be read."), q.lastError());
    while (q.next()) {
        DunningOverlay &o = out[q.value(0).toString()];
        o.lastContactAt = fromSecs(q.value(1).toLongLong());
        o.lastContactKind = q.value(2).toString();
    }
    return out;
}

namespace {
// Inside an open transaction: the recovery row (once per invoice) and its audit row.
Result<bool> insertRecovery(Tx &tx, const DunningRecovery &r, const QString &actor)
{
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("INSERT INTO dunning_recoveries (invoice_id, recovered_at, amount_minor, currency, decline_code, attempts, step) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invoice_id) DO NOTHING RETURNING invoice_id"));
    q.addBindValue(r.invoiceId);
    q.addBindValue(r.recoveredAt.isValid() ? r.recoveredAt.toSecsSinceEpoch() : nowSecs());
    q.addBindValue(r.amountMinor);
    q.addBindValue(r.currency.toLower());
    q.addBindValue(text(r.declineCode));
    q.addBindValue(r.attempts);
    q.addBindValue(text(r.step));
    if (!tx.exec())
        return tx.error();
    const bool counted = q.next();
    q.finish();
    if (!counted)
        return false;
    if (!tx.audit(actor, QStringLiteral("dunning.recovered"), QStringLiteral("invoice"), r.invoiceId,
                  QJsonObject{{QStringLiteral("amount_minor"), r.amountMinor}, {QStringLiteral("currency"), r.currency.toLower()},
                              {QStringLiteral("step"), r.step}},
                  {}, QStringLiteral("paid")))
        return tx.error();
    return true;
}

DunningWatch watchFrom(const QSqlQuery &q)
{
    DunningWatch w;
    w.invoiceId = q.value(0).toString();
    w.customerId = q.value(1).toString();
    w.amountMinor = q.value(2).toLongLong();
    w.currency = q.value(3).toString();
    w.declineCode = q.value(4).toString();
    w.attempts = q.value(5).toInt();
    w.policyStep = q.value(6).toString();
    w.firstSeenAt = fromSecs(q.value(7).toLongLong());
    w.lastSeenAt = fromSecs(q.value(8).toLongLong());
    return w;
}
} // namespace

Result<bool> DunningRepository::recordRecovery(const DunningRecovery &r, const QString &actor)
{
    Result<QStringList> counted = countRecoveries({r}, actor);
    if (!counted)
        return counted.error();
    return !counted->isEmpty();
}

Result<QStringList> DunningRepository::countRecoveries(const QList<DunningRecovery> &recoveries, const QString &actor)
{
    for (const DunningRecovery &r : recoveries)
        if (r.invoiceId.isEmpty() || r.currency.size() != 3)
            return Error::make(Error::Kind::Validation, tr("A recovery needs an invoice and a currency."));
    if (recoveries.isEmpty())
        return QStringList();
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The recovery could not be counted."));
    if (!tx.ok())
        return tx.error();
    QStringList counted;
    for (const DunningRecovery &r : recoveries) {
        Result<bool> one = insertRecovery(tx, r, actor);
        if (!one)
            return one.error();
        if (one.value())
            counted << r.invoiceId;
    }
    if (!counted.isEmpty() && !tx.commit())
        return tx.error();
    return counted;
}

Result<QList<DunningWatch>> DunningRepository::watched() const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningWatch>(m_db.database(),
                                    QStringLiteral("SELECT invoice_id, customer_id, amount_minor, currency, decline_code, attempts, policy_step,"
                                                   " first_seen, last_seen FROM dunning_watch ORDER BY invoice_id"),
                                    {}, tr("The dunning queue could not be read."), watchFrom);
}

Result<QList<DunningWatch>> DunningRepository::watchQueue(const QList<DunningWatch> &queue, const QDateTime &now)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The dunning queue could not be recorded."));
    if (!tx.ok())
        return tx.error();
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("SELECT invoice_id, customer_id, amount_minor, currency, decline_code, attempts, policy_step,"
                             " first_seen, last_seen FROM dunning_watch"));
    if (!tx.exec())
        return tx.error();
    QHash<QString, DunningWatch> before;
    while (q.next()) {
        DunningWatch w = watchFrom(q);
        before.insert(w.invoiceId, w);
    }
    q.finish();
    const qint64 at = (now.isValid() ? now : QDateTime::currentDateTimeUtc()).toSecsSinceEpoch();
    for (const DunningWatch &w : queue) {
        before.remove(w.invoiceId);
        q.prepare(QStringLiteral("INSERT INTO dunning_watch (invoice_id, customer_id, amount_minor, currency, decline_code, attempts,"
                                 " policy_step, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                 " ON CONFLICT (invoice_id) DO UPDATE SET customer_id = excluded.customer_id,"
                                 " amount_minor = excluded.amount_minor, currency = excluded.currency,"
                                 " decline_code = excluded.decline_code, attempts = excluded.attempts,"
                                 " policy_step = excluded.policy_step, last_seen = excluded.last_seen"));
        q.addBindValue(w.invoiceId);
        q.addBindValue(text(w.customerId));
        q.addBindValue(w.amountMinor);
        q.addBindValue(text(w.currency.toLower()));
        q.addBindValue(text(w.declineCode));
        q.addBindValue(w.attempts);
        q.addBindValue(text(w.policyStep));
        q.addBindValue(at);
        q.addBindValue(at);
        if (!tx.exec())
            return tx.error();
    }
    if (!tx.commit())
        return tx.error();
    QList<DunningWatch> left = before.values();
    std::sort(left.begin(), left.end(), [](const DunningWatch &a, const DunningWatch &b) { return a.invoiceId < b.invoiceId; });
    return left;
}

Result<bool> DunningRepository::settleWatched(const QString &invoiceId, const std::optional<DunningRecovery> &recovery,
                                              const QString &actor)
{
    if (invoiceId.isEmpty() || (recovery && (recovery->invoiceId != invoiceId || recovery->currency.size() != 3)))
        return Error::make(Error::Kind::Validation, tr("A recovery needs an invoice and a currency."));
    if (Status s = ensureSchema(); !s)
        return s.error();
    Tx tx(m_db, tr("The recovery could not be counted."));
    if (!tx.ok())
        return tx.error();
    bool counted = false;
    if (recovery) {
        Result<bool> r = insertRecovery(tx, *recovery, actor);
        if (!r)
            return r;
        counted = r.value();
    }
    QSqlQuery &q = tx.q();
    q.prepare(QStringLiteral("DELETE FROM dunning_watch WHERE invoice_id = ?"));
    q.addBindValue(invoiceId);
    if (!tx.exec() || !tx.commit())
        return tx.error();
    return counted;
}

Result<QList<DunningRecovery>> DunningRepository::recoveries(const QDateTime &from, const QDateTime &to) const
{
    if (Status s = const_cast<DunningRepository *>(this)->ensureSchema(); !s)
        return s.error();
    return selectRows<DunningRecovery>(
        m_db.database(),
        QStringLiteral("SELECT invoice_id, recovered_at, amount_minor, currency, decline_code, attempts, step FROM dunning_recoveries "
                       "WHERE recovered_at >= ? AND recovered_at < ? ORDER BY recovered_at, invoice_id"),
        {from.isValid() ? from.toSecsSinceEpoch() : std::numeric_limits<qint64>::min(),
         to.isValid() ? to.toSecsSinceEpoch() : std::numeric_limits<qint64>::max()},
        tr("The recoveries could not be read."), [](const QSqlQuery &q) {
            return DunningRecovery{q.value(0).toString(), fromSecs(q.value(1).toLongLong()), q.value(2).toLongLong(),
                                   q.value(3).toString().trimmed(), q.value(4).toString(), q.value(5).toInt(), q.value(6).toString()};
        });
}

} // namespace Billing
