#include "services/lifecycle/seasonalrepository.h"

#include "services/lifecycle/pauseservice.h"

#include <QCoreApplication>
#include <QDate>
#include <QLocale>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::SeasonalRepository", text); }

// Qt binds a null QString as SQL NULL; the columns are NOT NULL text.
QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }

Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

// Feb 29 in a year without it -> Feb 28.
QDate clampedDate(int year, int month, int day)
{
    const QDate first(year, month, 1);
    return QDate(year, month, qMin(day, first.daysInMonth()));
}

const QString WindowColumns = QStringLiteral(
    "subscription_id, customer_id, start_month, start_day, end_month, end_day, behavior, active, version, "
    "updated_at, updated_by");

SeasonalWindow windowFromQuery(const QSqlQuery &q)
{
    SeasonalWindow w;
    w.subscriptionId = q.value(0).toString();
    w.customerId = q.value(1).toString();
    w.startMonth = q.value(2).toInt();
    w.startDay = q.value(3).toInt();
    w.endMonth = q.value(4).toInt();
    w.endDay = q.value(5).toInt();
    w.behavior = q.value(6).toString();
    w.active = q.value(7).toBool();
    w.version = q.value(8).toLongLong();
    w.updatedAt = QDateTime::fromSecsSinceEpoch(q.value(9).toLongLong(), Qt::UTC);
    w.updatedBy = q.value(10).toString();
    return w;
}

} // namespace

Status SeasonalWindow::validate() const
{
    if (subscriptionId.trimmed().isEmpty())
        return Error::make(Error::Kind::Validation, tr("A seasonal window needs a subscription."));
    // 2024 is a leap year, so Feb 29 is accepted (it means the last day of February).
    if (!QDate::isValid(2024, startMonth, startDay))
        return Error::make(Error::Kind::Validation, tr("The start of the window is not a date."));
    if (!QDate::isValid(2024, endMonth, endDay))
        return Error::make(Error::Kind::Validation, tr("The end of the window is not a date."));
    if (startMonth == endMonth && startDay == endDay)
        return Error::make(Error::Kind::Validation, tr("The window must last more than one day."));
    if (!pauseBehaviorFromName(behavior))
        return Error::make(Error::Kind::Validation,
                           tr("\"%1\" is not a pause behaviour (keep_as_draft, mark_uncollectible, void).").arg(behavior));
    return {};
}

QDateTime SeasonalWindow::startIn(int year) const
{
    return QDateTime(clampedDate(year, startMonth, startDay), QTime(0, 0), Qt::UTC);
}

QDateTime SeasonalWindow::endAfterStartIn(int year) const
{
    const int endYear = crossesYearEnd() ? year + 1 : year;
    return QDateTime(clampedDate(endYear, endMonth, endDay).addDays(1), QTime(0, 0), Qt::UTC);
}

QString SeasonalWindow::describe() const
{
    const QLocale c = QLocale::c();
    return tr("Every %1 %2 to %3 %4 (%5)")
        .arg(c.monthName(startMonth, QLocale::ShortFormat))
        .arg(startDay)
        .arg(c.monthName(endMonth, QLocale::ShortFormat))
        .arg(endDay)
        .arg(behavior);
}

Status SeasonalRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The seasonal plan tables could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS seasonal_windows ("
                                 " subscription_id TEXT PRIMARY KEY,"
                                 " customer_id TEXT NOT NULL,"
                                 " start_month INTEGER NOT NULL CHECK (start_month BETWEEN 1 AND 12),"
                                 " start_day INTEGER NOT NULL CHECK (start_day BETWEEN 1 AND 31),"
                                 " end_month INTEGER NOT NULL CHECK (end_month BETWEEN 1 AND 12),"
                                 " end_day INTEGER NOT NULL CHECK (end_day BETWEEN 1 AND 31),"
                                 " behavior TEXT NOT NULL CHECK (behavior IN ('keep_as_draft', "
                                 "'mark_uncollectible', 'void')),"
                                 " active %1 NOT NULL,"
                                 " version BIGINT NOT NULL,"
                                 " updated_at BIGINT NOT NULL,"
                                 " updated_by TEXT NOT NULL)")
                      .arg(d.boolean())
               << QStringLiteral("CREATE TABLE IF NOT EXISTS seasonal_runs ("
                                 " subscription_id TEXT NOT NULL,"
                                 " window_year INTEGER NOT NULL,"
                                 " action TEXT NOT NULL CHECK (action IN ('pause', 'resume')),"
                                 " at BIGINT NOT NULL,"
                                 " actor TEXT NOT NULL,"
                                 " outbox_entry_id BIGINT NOT NULL,"
                                 " result TEXT NOT NULL,"
                                 " PRIMARY KEY (subscription_id, window_year, action))");
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

Result<std::optional<SeasonalWindow>> SeasonalRepository::window(const QString &subscriptionId)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM seasonal_windows WHERE subscription_id = ?").arg(WindowColumns));
    q.addBindValue(subscriptionId);
    if (!q.exec())
        return dbError(tr("The seasonal window could not be read."), q.lastError());
    if (!q.next())
        return std::optional<SeasonalWindow>();
    return std::optional<SeasonalWindow>(windowFromQuery(q));
}

Result<QList<SeasonalWindow>> SeasonalRepository::windows(bool activeOnly)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT %1 FROM seasonal_windows %2 ORDER BY subscription_id")
                  .arg(WindowColumns, activeOnly ? QStringLiteral("WHERE active = ?") : QString()));
    if (activeOnly)
        q.addBindValue(true);
    if (!q.exec())
        return dbError(tr("The seasonal windows could not be read."), q.lastError());
    QList<SeasonalWindow> out;
    while (q.next())
        out << windowFromQuery(q);
    return out;
}

Result<SeasonalWindow> SeasonalRepository::setWindow(const SeasonalWindow &w, const QString &actor)
{
    if (Status s = w.validate(); !s)
        return s.error();
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The seasonal window could not be saved.");
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QSqlQuery q(m_db.database());
    if (w.version == 0) {
        q.prepare(QStringLiteral("INSERT INTO seasonal_windows (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
                                 "ON CONFLICT (subscription_id) DO NOTHING")
                      .arg(WindowColumns));
        for (const QVariant &v : {QVariant(w.subscriptionId), QVariant(text(w.customerId)), QVariant(w.startMonth),
                                  QVariant(w.startDay), QVariant(w.endMonth), QVariant(w.endDay), QVariant(w.behavior),
                                  QVariant(w.active), QVariant(now), QVariant(text(actor))})
            q.addBindValue(v);
    } else {
        q.prepare(QStringLiteral("UPDATE seasonal_windows SET customer_id = ?, start_month = ?, start_day = ?, "
                                 "end_month = ?, end_day = ?, behavior = ?, active = ?, version = version + 1, "
                                 "updated_at = ?, updated_by = ? WHERE subscription_id = ? AND version = ?"));
        for (const QVariant &v : {QVariant(text(w.customerId)), QVariant(w.startMonth), QVariant(w.startDay),
                                  QVariant(w.endMonth), QVariant(w.endDay), QVariant(w.behavior), QVariant(w.active),
                                  QVariant(now), QVariant(text(actor)), QVariant(w.subscriptionId), QVariant(w.version)})
            q.addBindValue(v);
    }
    if (!q.exec())
        return dbError(failed, q.lastError());
    if (q.numRowsAffected() != 1)
        return Error::make(Error::Kind::Conflict,
                           tr("Someone else changed this seasonal window meanwhile. Reopen it and try again."));
    q.finish();
    auto stored = window(w.subscriptionId);
    if (!stored)
        return stored.error();
    if (!*stored)
        return Error::make(Error::Kind::NotFound, tr("The seasonal window is gone."));
    return **stored;
}

Status SeasonalRepository::removeWindow(const QString &subscriptionId, qint64 expectedVersion)
{
    if (Status s = ensureSchema(); !s)
        return s;
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("DELETE FROM seasonal_windows WHERE subscription_id = ? AND version = ?"));
    q.addBindValue(subscriptionId);
    q.addBindValue(expectedVersion);
    if (!q.exec())
        return dbError(tr("The seasonal window could not be removed."), q.lastError());
    if (q.numRowsAffected() != 1)
        return Error::make(Error::Kind::Conflict,
                           tr("Someone else changed this seasonal window meanwhile. Reopen it and try again."));
    return {};
}

Result<bool> SeasonalRepository::claimRun(const SeasonalRun &run)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("INSERT INTO seasonal_runs (subscription_id, window_year, action, at, actor, "
                             "outbox_entry_id, result) VALUES (?, ?, ?, ?, ?, 0, 'claimed') "
                             "ON CONFLICT (subscription_id, window_year, action) DO NOTHING"));
    q.addBindValue(text(run.subscriptionId));
    q.addBindValue(run.windowYear);
    q.addBindValue(run.action);
    q.addBindValue(run.at.isValid() ? run.at.toSecsSinceEpoch() : QDateTime::currentSecsSinceEpoch());
    q.addBindValue(text(run.actor));
    if (!q.exec())
        return dbError(tr("The seasonal schedule could not be recorded."), q.lastError());
    return q.numRowsAffected() == 1;
}

Result<bool> SeasonalRepository::reclaimStaleRun(const SeasonalRun &run, const QDateTime &staleBefore)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("UPDATE seasonal_runs SET at = ?, actor = ? WHERE subscription_id = ? AND window_year = ? "
                             "AND action = ? AND result = 'claimed' AND outbox_entry_id = 0 AND at <= ?"));
    q.addBindValue(run.at.isValid() ? run.at.toSecsSinceEpoch() : QDateTime::currentSecsSinceEpoch());
    q.addBindValue(text(run.actor));
    q.addBindValue(text(run.subscriptionId));
    q.addBindValue(run.windowYear);
    q.addBindValue(run.action);
    q.addBindValue(staleBefore.toSecsSinceEpoch());
    if (!q.exec())
        return dbError(tr("The seasonal schedule could not be recorded."), q.lastError());
    return q.numRowsAffected() == 1;
}

Status SeasonalRepository::updateRun(const SeasonalRun &run)
{
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("UPDATE seasonal_runs SET outbox_entry_id = ?, result = ? WHERE subscription_id = ? "
                             "AND window_year = ? AND action = ?"));
    q.addBindValue(run.outboxEntryId);
    q.addBindValue(text(run.result));
    q.addBindValue(text(run.subscriptionId));
    q.addBindValue(run.windowYear);
    q.addBindValue(run.action);
    if (!q.exec())
        return dbError(tr("The seasonal schedule could not be recorded."), q.lastError());
    return {};
}

Status SeasonalRepository::releaseRun(const QString &subscriptionId, int windowYear, const QString &action)
{
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("DELETE FROM seasonal_runs WHERE subscription_id = ? AND window_year = ? AND action = ? "
                             "AND outbox_entry_id = 0"));
    q.addBindValue(subscriptionId);
    q.addBindValue(windowYear);
    q.addBindValue(action);
    if (!q.exec())
        return dbError(tr("The seasonal schedule could not be recorded."), q.lastError());
    return {};
}

Result<QList<SeasonalRun>> SeasonalRepository::runs(const QString &subscriptionId)
{
    if (Status s = ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    q.prepare(QStringLiteral("SELECT subscription_id, window_year, action, at, actor, outbox_entry_id, result FROM "
                             "seasonal_runs %1 ORDER BY window_year, subscription_id, action")
                  .arg(subscriptionId.isEmpty() ? QString() : QStringLiteral("WHERE subscription_id = ?")));
    if (!subscriptionId.isEmpty())
        q.addBindValue(subscriptionId);
    if (!q.exec())
        return dbError(tr("The seasonal schedule could not be read."), q.lastError());
    QList<SeasonalRun> out;
    while (q.next()) {
        SeasonalRun r;
        r.subscriptionId = q.value(0).toString();
        r.windowYear = q.value(1).toInt();
        r.action = q.value(2).toString();
        r.at = QDateTime::fromSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
        r.actor = q.value(4).toString();
        r.outboxEntryId = q.value(5).toLongLong();
        r.result = q.value(6).toString();
        out << r;
    }
    return out;
}

} // namespace Billing
