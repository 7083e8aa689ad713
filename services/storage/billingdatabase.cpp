#include "services/storage/billingdatabase.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QDeadlineTimer>
#include <QThread>
#include <QTimer>
#include <QVariant>

#include <spdlog/spdlog.h>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::BillingDatabase", text);
}

void logTo(spdlog::level::level_enum level, const QString &message)
{
    const std::string text = message.toStdString();
    if (auto logger = spdlog::get("db"))
        logger->log(level, "billing database: {}", text);
    else
        spdlog::log(level, "billing database: {}", text);
}

Error logged(Error e)
{
    logTo(spdlog::level::err, e.detail);
    return e;
}

// Database errors are logged here, once, where they arise (the driver text never reaches the UI).
Error dbError(const QString &userText, const QSqlError &sqlError)
{
    Error e = Error::make(Error::Kind::Database, userText,
                          userText + QStringLiteral(" [") + sqlError.text() + QLatin1Char(']'));
    logTo(spdlog::level::err, e.detail);
    return e;
}

Error validation(const QString &userText)
{
    return Error::make(Error::Kind::Validation, userText);
}

qint64 toSecs(const QDateTime &dt)
{
    return dt.toSecsSinceEpoch();
}

QDateTime fromSecs(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

qint64 nowSecs()
{
    return QDateTime::currentSecsSinceEpoch();
}

bool isIdentifier(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[a-z_][a-z0-9_]{0,62}$"));
    return re.match(name).hasMatch();
}

// A query on the named connection that reports its own errors as Database errors.
class Sql final
{
public:
    Sql(const QString &connection, const QString &sql)
        : m_query(QSqlDatabase::database(connection, false))
    {
        m_ok = m_query.prepare(sql);
        m_sql = sql;
    }
    Sql &bind(const QVariant &value)
    {
        // A null QString would go in as SQL NULL; text columns here are NOT NULL ('' = none).
        if (value.metaType() == QMetaType::fromType<QString>() && value.toString().isNull())
            m_query.addBindValue(QStringLiteral(""));
        else
            m_query.addBindValue(value);
        return *this;
    }
    bool exec()
    {
        if (!m_ok)
            return false;
        m_ok = m_query.exec();
        return m_ok;
    }
    QSqlQuery &query() { return m_query; }
    QSqlError lastError() const { return m_query.lastError(); }
    Error error(const QString &userText) const
    {
        Error e = dbError(userText, m_query.lastError());
        e.detail += QStringLiteral(" SQL: ") + m_sql.simplified();
        return e;
    }

private:
    QSqlQuery m_query;
    QString m_sql;
    bool m_ok = false;
};

// Migration v -> the statements that bring the schema from v-1 to v.
QList<QStringList> migrations(const BillingDbDialect &d)
{
    QStringList v1 = {
        QStringLiteral("CREATE TABLE workspace_settings ("
                       " key TEXT PRIMARY KEY,"
                       " value TEXT NOT NULL,"
                       " version BIGINT NOT NULL)"),
        QStringLiteral(
            "CREATE TABLE staff ("
            " id %1,"
            " display_name TEXT NOT NULL,"
            " email TEXT NOT NULL,"
            " role TEXT NOT NULL CHECK (role IN ('admin', 'finance', 'support', 'read_only')),"
            " active %2 NOT NULL,"
            " version BIGINT NOT NULL,"
            " updated_at BIGINT NOT NULL,"
            " updated_by TEXT NOT NULL)")
            .arg(d.identityPrimaryKey(), d.boolean()),
        QStringLiteral("CREATE UNIQUE INDEX staff_email ON staff (lower(email))"),
        QStringLiteral("CREATE TABLE audit_log ("
                       " id %1,"
                       " at BIGINT NOT NULL,"
                       " actor TEXT NOT NULL,"
                       " operation TEXT NOT NULL,"
                       " target_type TEXT NOT NULL,"
                       " target_id TEXT NOT NULL,"
                       " params %2 NOT NULL,"
                       " before_summary TEXT NOT NULL,"
                       " after_summary TEXT NOT NULL,"
                       " idempotency_key TEXT NOT NULL,"
                       " result TEXT NOT NULL)")
            .arg(d.identityPrimaryKey(), d.json()),
        QStringLiteral("CREATE INDEX audit_log_at ON audit_log (at)"),
        QStringLiteral("CREATE INDEX audit_log_target ON audit_log (target_type, target_id)"),
        QStringLiteral("CREATE INDEX audit_log_actor ON audit_log (actor)"),
        QStringLiteral("CREATE TABLE usage_events ("
                       " id TEXT PRIMARY KEY,"
                       " customer_id TEXT NOT NULL,"
                       " meter TEXT NOT NULL,"
                       " quantity BIGINT NOT NULL CHECK (quantity >= 0),"
                       " occurred_at BIGINT NOT NULL)"),
        QStringLiteral("CREATE INDEX usage_events_occurred ON usage_events (occurred_at)"),
        QStringLiteral("CREATE TABLE usage_rollups ("
                       " granularity TEXT NOT NULL CHECK (granularity IN ('hour', 'day', 'month')),"
                       " bucket_start BIGINT NOT NULL,"
                       " customer_id TEXT NOT NULL,"
                       " meter TEXT NOT NULL,"
                       " quantity BIGINT NOT NULL,"
                       " PRIMARY KEY (granularity, bucket_start, customer_id, meter))"),
        QStringLiteral("CREATE INDEX usage_rollups_customer ON usage_rollups (granularity, "
                       "customer_id, bucket_start)"),
        QStringLiteral("CREATE TABLE dunning_state ("
                       " invoice_id TEXT PRIMARY KEY,"
                       " stage TEXT NOT NULL,"
                       " owner TEXT NOT NULL,"
                       " note TEXT NOT NULL,"
                       " version BIGINT NOT NULL,"
                       " updated_at BIGINT NOT NULL,"
                       " updated_by TEXT NOT NULL)"),
    };
    v1 += d.auditAppendOnlyTriggers();
    // v2: usage rollups carry their source (the product's metering or a Stripe meter), part of the
    // key so a meter both record is never summed into one row; the Stripe meters a sync has seen.
    const QStringList v2 = {
        QStringLiteral("CREATE TABLE usage_rollups_v2 ("
                       " granularity TEXT NOT NULL CHECK (granularity IN ('hour', 'day', 'month')),"
                       " bucket_start BIGINT NOT NULL,"
                       " customer_id TEXT NOT NULL,"
                       " meter TEXT NOT NULL,"
                       " source TEXT NOT NULL DEFAULT 'product' CHECK (source IN ('product', 'stripe')),"
                       " quantity BIGINT NOT NULL,"
                       " PRIMARY KEY (granularity, bucket_start, customer_id, meter, source))"),
        QStringLiteral("INSERT INTO usage_rollups_v2 (granularity, bucket_start, customer_id, meter, "
                       "source, quantity) SELECT granularity, bucket_start, customer_id, meter, "
                       "'product', quantity FROM usage_rollups"),
        QStringLiteral("DROP TABLE usage_rollups"),
        QStringLiteral("ALTER TABLE usage_rollups_v2 RENAME TO usage_rollups"),
        QStringLiteral("CREATE INDEX usage_rollups_customer ON usage_rollups (granularity, "
                       "customer_id, bucket_start)"),
        QStringLiteral("CREATE TABLE usage_meters ("
                       " id TEXT PRIMARY KEY,"
                       " meter TEXT NOT NULL,"
                       " display_name TEXT NOT NULL,"
                       " source TEXT NOT NULL,"
                       " status TEXT NOT NULL,"
                       " last_seen_at BIGINT NOT NULL,"
                       " missing_since BIGINT)"),
    };
    // v3: the audit rows of one outbox write are looked up by its idempotency key (the Outbox and
    // Audit panes, OperationRunner::reconcile).
    const QStringList v3 = {
        QStringLiteral("CREATE INDEX audit_log_idempotency ON audit_log (idempotency_key)"),
    };
    return {v1, v2, v3};
}

StaffMember staffFromQuery(const QSqlQuery &q)
{
    StaffMember m;
    m.id = q.value(0).toLongLong();
    m.displayName = q.value(1).toString();
    m.email = q.value(2).toString();
    m.role = staffRoleFromName(q.value(3).toString()).value_or(StaffRole::ReadOnly);
    m.active = q.value(4).toBool();
    m.version = q.value(5).toLongLong();
    m.updatedAt = fromSecs(q.value(6).toLongLong());
    m.updatedBy = q.value(7).toString();
    return m;
}

const QString StaffColumns =
    QStringLiteral("id, display_name, email, role, active, version, updated_at, updated_by");

QString staffSummary(const StaffMember &m)
{
    return QStringLiteral("%1 <%2> role=%3 active=%4")
        .arg(m.displayName, m.email, staffRoleName(m.role),
             m.active ? QStringLiteral("yes") : QStringLiteral("no"));
}

QString jsonEscape(const QString &s)
{
    QString out;
    for (QChar c : s) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\') + QString(c);
        else if (c.unicode() < 0x20)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

Status validateStaff(const StaffMember &m)
{
    if (m.displayName.trimmed().isEmpty())
        return validation(tr("A staff member needs a name."));
    static const QRegularExpression email(QStringLiteral("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"));
    if (!email.match(m.email.trimmed()).hasMatch())
        return validation(tr("\"%1\" is not an email address.").arg(m.email));
    return {};
}

// Why an event cannot be recorded, or empty when it can.
QString usageProblem(const UsageEvent &e, qint64 latestAllowed)
{
    if (e.id.trimmed().isEmpty())
        return tr("the id is empty");
    if (e.customerId.trimmed().isEmpty())
        return tr("the customer is empty");
    if (e.meter.trimmed().isEmpty())
        return tr("the meter is empty");
    if (e.quantity < 0)
        return tr("quantity %1 is negative").arg(e.quantity);
    if (!e.occurredAt.isValid())
        return tr("the time is missing or invalid");
    if (toSecs(e.occurredAt) > latestAllowed)
        return tr("the time %1 is more than one day in the future")
            .arg(e.occurredAt.toUTC().toString(Qt::ISODate));
    return {};
}

// RFC 4180 records (quoted fields may hold commas, quotes and newlines) with the line each starts
// on.
struct CsvRecord
{
    int line = 0;
    QStringList fields;
};

Result<QList<CsvRecord>> parseCsv(const QString &text)
{
    QList<CsvRecord> records;
    CsvRecord current;
    QString field;
    bool inQuotes = false;
    bool fieldQuoted = false;
    int line = 1;
    current.line = 1;
    auto endRecord = [&] {
        current.fields << field;
        field.clear();
        fieldQuoted = false;
        const bool blank = current.fields.size() == 1 && current.fields.first().trimmed().isEmpty();
        if (!blank)
            records << current;
        current = CsvRecord{};
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inQuotes) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                if (c == QLatin1Char('\n'))
                    ++line;
                field += c;
            }
            continue;
        }
        if (c == QLatin1Char('"') && field.trimmed().isEmpty() && !fieldQuoted) {
            inQuotes = true;
            fieldQuoted = true;
            field.clear();
        } else if (c == QLatin1Char(',')) {
            current.fields << field;
            field.clear();
            fieldQuoted = false;
        } else if (c == QLatin1Char('\n')) {
            endRecord();
            ++line;
            current.line = line;
        } else if (c != QLatin1Char('\r')) {
            field += c;
        }
    }
    if (inQuotes)
        return validation(tr("Line %1: a quoted field is not closed.").arg(current.line));
    if (!field.isEmpty() || !current.fields.isEmpty())
        endRecord();
    return records;
}

std::atomic<int> s_connectionCounter{0};

} // namespace

// ---- settings and names ----------------------------------------------------------------------

BillingDbSettings BillingDbSettings::sqlite(const QString &path)
{
    BillingDbSettings s;
    s.backend = Backend::Sqlite;
    s.sqlitePath = path;
    return s;
}

BillingDbSettings BillingDbSettings::postgres(const QString &host, int port,
                                              const QString &database, const QString &user,
                                              const QString &password)
{
    BillingDbSettings s;
    s.backend = Backend::Postgres;
    s.host = host;
    s.port = port;
    s.database = database;
    s.user = user;
    s.password = password;
    return s;
}

QString BillingDbSettings::describe() const
{
    if (backend == Backend::Sqlite)
        return QStringLiteral("SQLite file %1").arg(QDir::toNativeSeparators(sqlitePath));
    QString text = QStringLiteral("PostgreSQL %1@%2:%3/%4").arg(user, host).arg(port).arg(database);
    if (!schema.isEmpty())
        text += QStringLiteral(" (schema %1)").arg(schema);
    return text;
}

QString staffRoleName(StaffRole role)
{
    switch (role) {
    case StaffRole::Admin:
        return QStringLiteral("admin");
    case StaffRole::Finance:
        return QStringLiteral("finance");
    case StaffRole::Support:
        return QStringLiteral("support");
    case StaffRole::ReadOnly:
        return QStringLiteral("read_only");
    }
    return QStringLiteral("read_only");
}

std::optional<StaffRole> staffRoleFromName(const QString &name)
{
    for (StaffRole r :
         {StaffRole::Admin, StaffRole::Finance, StaffRole::Support, StaffRole::ReadOnly}) {
        if (staffRoleName(r) == name)
            return r;
    }
    return std::nullopt;
}

QString BillingDatabase::granularityName(UsageGranularity granularity)
{
    switch (granularity) {
    case UsageGranularity::Hour:
        return QStringLiteral("hour");
    case UsageGranularity::Day:
        return QStringLiteral("day");
    case UsageGranularity::Month:
        return QStringLiteral("month");
    }
    return QStringLiteral("day");
}

QDateTime BillingDatabase::bucketStart(const QDateTime &at, UsageGranularity granularity)
{
    const QDateTime utc = at.toUTC();
    switch (granularity) {
    case UsageGranularity::Hour: {
        const qint64 s = utc.toSecsSinceEpoch();
        const qint64 floor = s >= 0 ? s / 3600 : (s - 3599) / 3600;
        return fromSecs(floor * 3600);
    }
    case UsageGranularity::Day:
        return QDateTime(utc.date(), QTime(0, 0), Qt::UTC);
    case UsageGranularity::Month:
        return QDateTime(QDate(utc.date().year(), utc.date().month(), 1), QTime(0, 0), Qt::UTC);
    }
    return utc;
}

// ---- connection and schema ---------------------------------------------------------------------

BillingDatabase::BillingDatabase(QString connectionName)
    : m_connectionName(connectionName + QLatin1Char('-') + QString::number(++s_connectionCounter))
{
}

BillingDatabase::~BillingDatabase()
{
    close();
}

bool BillingDatabase::isOpen() const
{
    return m_open;
}

QSqlDatabase BillingDatabase::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Status BillingDatabase::notOpen() const
{
    return Error::make(Error::Kind::Database, tr("The billing database is not open."));
}

Status BillingDatabase::exec(const QString &sql) const
{
    QSqlQuery q(database());
    if (!q.exec(sql))
        return dbError(tr("A billing database statement failed."), q.lastError());
    return {};
}

Status BillingDatabase::begin(bool write) const
{
    return exec(write ? m_dialect.beginWrite() : m_dialect.beginRead());
}

Status BillingDatabase::commit() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("COMMIT"))) {
        const Error e =
            dbError(tr("The billing database could not save the change."), q.lastError());
        rollback();
        return e;
    }
    return {};
}

void BillingDatabase::rollback() const
{
    QSqlQuery q(database());
    q.exec(QStringLiteral("ROLLBACK"));
}

Result<BillingDatabase::OpenReport> BillingDatabase::open(const BillingDbSettings &settings)
{
    close();
    m_settings = settings;
    m_dialect = BillingDbDialect(settings.backend);
    const bool pg = m_dialect.isPostgres();

    if (pg && !settings.schema.isEmpty() && !isIdentifier(settings.schema))
        return validation(tr("\"%1\" is not a valid schema name (lower-case letters, digits, _).")
                              .arg(settings.schema));

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            pg ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), m_connectionName);
        if (!db.isValid()) {
            QSqlDatabase::removeDatabase(m_connectionName);
            return logged(Error::make(
                Error::Kind::Database,
                tr("The %1 driver for Qt is not installed.")
                    .arg(pg ? QStringLiteral("PostgreSQL") : QStringLiteral("SQLite"))));
        }
        if (pg) {
            db.setHostName(settings.host);
            db.setPort(settings.port);
            db.setDatabaseName(settings.database);
            db.setUserName(settings.user);
            db.setPassword(settings.password);
            db.setConnectOptions(
                QStringLiteral("connect_timeout=%1;sslmode=%2;application_name=billing-console")
                    .arg(qMax(1, settings.connectTimeoutSeconds))
                    .arg(settings.sslMode.isEmpty() ? QStringLiteral("prefer") : settings.sslMode));
        } else {
            if (settings.sqlitePath.isEmpty()) {
                QSqlDatabase::removeDatabase(m_connectionName);
                return validation(tr("No file was given for the billing database."));
            }
            const QFileInfo info(settings.sqlitePath);
            QDir().mkpath(info.absolutePath());
            db.setDatabaseName(settings.sqlitePath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1")
                                     .arg(qMax(1, settings.connectTimeoutSeconds) * 2000));
        }
        if (!db.open()) {
            QString reason = db.lastError().databaseText().trimmed();
            if (reason.isEmpty())
                reason = db.lastError().driverText().trimmed();
            reason = reason.section(QLatin1Char('\n'), 0, 0).trimmed();
            const QSqlError sqlError = db.lastError();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connectionName);
            const QString where = pg ? QStringLiteral("%1:%2").arg(settings.host).arg(settings.port)
                                     : QDir::toNativeSeparators(settings.sqlitePath);
            return dbError(
                tr("Could not open the billing database at %1 (%2). Check that it is reachable "
                   "and the connection settings are right.")
                    .arg(where, reason),
                sqlError);
        }
    }
    m_open = true;

    if (pg) {
        // Quiet "already exists, skipping" notices from IF NOT EXISTS; a failure here is harmless.
        (void)exec(QStringLiteral("SET client_min_messages TO warning"));
        if (!settings.schema.isEmpty()) {
            // Takes effect even before the schema exists; the migration creates it under the lock.
            if (Status s = exec(QStringLiteral("SET search_path TO \"%1\"").arg(settings.schema));
                !s) {
                close();
                return s.error();
            }
        }
    } else {
        for (const char *pragma :
             {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
            Status s = exec(QString::fromLatin1(pragma));
            // Switching a new file to WAL needs it to itself for a moment, and SQLite answers
            // "locked" at once (no busy handler) while another console opens it at the same time.
            QDeadlineTimer patience(qMax(1, settings.connectTimeoutSeconds) * 2000);
            while (!s && s.error().detail.contains(QLatin1String("locked")) && !patience.hasExpired()) {
                QThread::msleep(20);
                s = exec(QString::fromLatin1(pragma));
            }
            if (!s) {
                close();
                return logged(Error::make(Error::Kind::Database,
                                          tr("%1 is not a usable SQLite database.")
                                              .arg(QDir::toNativeSeparators(settings.sqlitePath)),
                                          s.error().detail));
            }
        }
    }

    OpenReport report;
    if (Status s = migrate(report); !s) {
        close();
        return s.error();
    }
    logTo(spdlog::level::info, QStringLiteral("opened %1, schema %2, %3 migration(s) applied")
                                   .arg(settings.describe())
                                   .arg(report.schemaVersion)
                                   .arg(report.migrationsApplied));
    return report;
}

Status BillingDatabase::migrate(OpenReport &report)
{
    const QString failed = tr("The billing database schema could not be created or upgraded.");
    auto fail = [&](const QSqlQuery &q) {
        const Error e = dbError(failed, q.lastError());
        rollback();
        return e;
    };
    if (Status s = begin(true); !s)
        return Error::make(Error::Kind::Database, failed, s.error().detail);
    QSqlQuery q(database());
    for (const QString &sql : m_dialect.migrationLock()) {
        if (!q.exec(sql))
            return fail(q);
    }
    if (m_dialect.isPostgres() && !m_settings.schema.isEmpty()) {
        if (!q.exec(QStringLiteral("CREATE SCHEMA IF NOT EXISTS \"%1\"").arg(m_settings.schema)))
            return fail(q);
    }
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                               "PRIMARY KEY, applied_at BIGINT NOT NULL)")))
        return fail(q);
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !q.next())
        return fail(q);
    const int current = q.value(0).toInt();
    q.finish();
    if (current > SchemaVersion) {
        rollback();
        return logged(
            Error::make(Error::Kind::Database, tr("The billing database was created by a newer "
                                                  "version of Billing Console (schema %1, this "
                                                  "version knows %2). Update this console.")
                                                   .arg(current)
                                                   .arg(SchemaVersion)));
    }
    const QList<QStringList> all = migrations(m_dialect);
    for (int v = current + 1; v <= SchemaVersion; ++v) {
        for (const QString &sql : all.at(v - 1)) {
            if (!q.exec(sql))
                return fail(q);
        }
        q.prepare(
            QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
        q.addBindValue(v);
        q.addBindValue(nowSecs());
        if (!q.exec())
            return fail(q);
        ++report.migrationsApplied;
    }
    // Indexes that only speed reads up, created when missing on every open (IF NOT EXISTS on
    // SQLite and PostgreSQL), so they need no schema version of their own:
    //  usage_rollups_series: the usage chart over all customers (usageSeries without a customer)
    //  reads (granularity, bucket_start range) and groups by (bucket_start, meter, source). The
    //  primary key's order has customer_id before meter, so that read fetched every row from the
    //  table and sorted the groups in a temporary B-tree (a month of hours at 10M events: 2.5 s);
    //  this index is in group order and covers quantity: an index-only range scan (about 0.1 s).
    const QStringList readIndexes = {
        QStringLiteral("CREATE INDEX IF NOT EXISTS usage_rollups_series ON usage_rollups "
                       "(granularity, bucket_start, meter, source, quantity)"),
    };
    for (const QString &sql : readIndexes) {
        if (!q.exec(sql))
            return fail(q);
    }
    q.finish();
    if (Status s = commit(); !s)
        return s;
    report.schemaVersion = SchemaVersion;
    return {};
}

void BillingDatabase::close()
{
    stopWatching();
    if (!QSqlDatabase::contains(m_connectionName)) {
        m_open = false;
        return;
    }
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    m_open = false;
    m_lastUsageRowid = -1;
    m_foreignUsagePending = false;
}

// ---- workspace settings ------------------------------------------------------------------------

Result<WorkspaceSetting> BillingDatabase::setting(const QString &key) const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName,
          QStringLiteral("SELECT key, value, version FROM workspace_settings WHERE key = ?"));
    q.bind(key);
    if (!q.exec())
        return q.error(tr("Could not read a workspace setting."));
    if (!q.query().next())
        return Error::make(Error::Kind::NotFound,
                           tr("The workspace setting \"%1\" is not set.").arg(key));
    return WorkspaceSetting{q.query().value(0).toString(), q.query().value(1).toString(),
                            q.query().value(2).toLongLong()};
}

Result<QList<WorkspaceSetting>> BillingDatabase::settingsList() const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName,
          QStringLiteral("SELECT key, value, version FROM workspace_settings ORDER BY key"));
    if (!q.exec())
        return q.error(tr("Could not read the workspace settings."));
    QList<WorkspaceSetting> out;
    while (q.query().next())
        out << WorkspaceSetting{q.query().value(0).toString(), q.query().value(1).toString(),
                                q.query().value(2).toLongLong()};
    return out;
}

Result<qint64> BillingDatabase::setSetting(const QString &key, const QString &value,
                                           qint64 expectedVersion, const QString &actor)
{
    if (!m_open)
        return notOpen().error();
    if (key.trimmed().isEmpty())
        return validation(tr("A workspace setting needs a name."));
    const QString failed = tr("Could not save the workspace setting \"%1\".").arg(key);
    if (Status s = begin(true); !s)
        return s.error();

    QString before;
    {
        Sql read(m_connectionName,
                 QStringLiteral("SELECT value, version FROM workspace_settings WHERE key = ?"));
        read.bind(key);
        if (!read.exec()) {
            rollback();
            return read.error(failed);
        }
        if (read.query().next())
            before = read.query().value(0).toString();
    }
    const auto conflict = [&] {
        rollback();
        return Error::make(Error::Kind::Conflict, tr("Someone else changed the workspace setting "
                                                     "\"%1\" meanwhile. Reload it and try again.")
                                                      .arg(key));
    };
    if (expectedVersion == 0) {
        Sql ins(
            m_connectionName,
            QStringLiteral("INSERT INTO workspace_settings (key, value, version) VALUES (?, ?, 1) "
                           "ON CONFLICT (key) DO NOTHING"));
        ins.bind(key).bind(value);
        if (!ins.exec()) {
            rollback();
            return ins.error(failed);
        }
        if (ins.query().numRowsAffected() != 1)
            return conflict();
    } else {
        Sql upd(m_connectionName,
                QStringLiteral("UPDATE workspace_settings SET value = ?, version = version + 1 "
                               "WHERE key = ? AND version = ?"));
        upd.bind(value).bind(key).bind(expectedVersion);
        if (!upd.exec()) {
            rollback();
            return upd.error(failed);
        }
        if (upd.query().numRowsAffected() != 1)
            return conflict();
    }
    const qint64 newVersion = expectedVersion + 1;
    AuditEntry audit;
    audit.actor = actor;
    audit.operation = QStringLiteral("settings.set");
    audit.targetType = QStringLiteral("workspace_setting");
    audit.targetId = key;
    audit.paramsJson = QStringLiteral("{\"version\":%1}").arg(newVersion);
    audit.beforeSummary = before;
    audit.afterSummary = value;
    audit.result = QStringLiteral("ok");
    if (Status s = insertAudit(audit); !s) {
        rollback();
        return s.error();
    }
    if (Status s = commit(); !s)
        return s.error();
    return newVersion;
}

// ---- staff -------------------------------------------------------------------------------------

Result<QList<StaffMember>> BillingDatabase::staff(bool includeInactive) const
{
    if (!m_open)
        return notOpen().error();
    QString sql = QStringLiteral("SELECT %1 FROM staff").arg(StaffColumns);
    if (!includeInactive)
        sql += QStringLiteral(" WHERE active = ?");
    sql += QStringLiteral(" ORDER BY lower(display_name), id");
    Sql q(m_connectionName, sql);
    if (!includeInactive)
        q.bind(true);
    if (!q.exec())
        return q.error(tr("Could not read the staff list."));
    QList<StaffMember> out;
    while (q.query().next())
        out << staffFromQuery(q.query());
    return out;
}

Result<StaffMember> BillingDatabase::findStaff(qint64 id) const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName, QStringLiteral("SELECT %1 FROM staff WHERE id = ?").arg(StaffColumns));
    q.bind(id);
    if (!q.exec())
        return q.error(tr("Could not read a staff member."));
    if (!q.query().next())
        return Error::make(Error::Kind::NotFound, tr("No staff member has the id %1.").arg(id));
    return staffFromQuery(q.query());
}

Result<StaffMember> BillingDatabase::findStaffByEmail(const QString &email) const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName,
          QStringLiteral("SELECT %1 FROM staff WHERE lower(email) = lower(?)").arg(StaffColumns));
    q.bind(email.trimmed());
    if (!q.exec())
        return q.error(tr("Could not read a staff member."));
    if (!q.query().next())
        return Error::make(Error::Kind::NotFound,
                           tr("No staff member has the email %1.").arg(email));
    return staffFromQuery(q.query());
}

Result<StaffMember> BillingDatabase::addStaff(const StaffMember &member, const QString &actor)
{
    if (!m_open)
        return notOpen().error();
    if (Status s = validateStaff(member); !s)
        return s.error();
    const QString failed = tr("Could not add the staff member %1.").arg(member.email);
    if (Status s = begin(true); !s)
        return s.error();
    {
        Sql dup(m_connectionName,
                QStringLiteral("SELECT id FROM staff WHERE lower(email) = lower(?)"));
        dup.bind(member.email.trimmed());
        if (!dup.exec()) {
            rollback();
            return dup.error(failed);
        }
        if (dup.query().next()) {
            rollback();
            return Error::make(
                Error::Kind::Conflict,
                tr("A staff member with the email %1 already exists.").arg(member.email));
        }
    }
    StaffMember stored = member;
    stored.email = member.email.trimmed();
    stored.displayName = member.displayName.trimmed();
    stored.version = 1;
    stored.updatedAt = fromSecs(nowSecs());
    stored.updatedBy = actor;
    Sql ins(m_connectionName, QStringLiteral("INSERT INTO staff (display_name, email, role, "
                                             "active, version, updated_at, updated_by) "
                                             "VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id"));
    ins.bind(stored.displayName)
        .bind(stored.email)
        .bind(staffRoleName(stored.role))
        .bind(stored.active)
        .bind(toSecs(stored.updatedAt))
        .bind(actor);
    if (!ins.exec() || !ins.query().next()) {
        const Error e = ins.error(failed);
        rollback();
        return e;
    }
    stored.id = ins.query().value(0).toLongLong();
    ins.query().finish();

    AuditEntry audit;
    audit.actor = actor;
    audit.operation = QStringLiteral("staff.add");
    audit.targetType = QStringLiteral("staff");
    audit.targetId = QString::number(stored.id);
    audit.paramsJson = QStringLiteral("{\"email\":\"%1\",\"role\":\"%2\"}")
                           .arg(jsonEscape(stored.email), staffRoleName(stored.role));
    audit.afterSummary = staffSummary(stored);
    audit.result = QStringLiteral("ok");
    if (Status s = insertAudit(audit); !s) {
        rollback();
        return s.error();
    }
    if (Status s = commit(); !s)
        return s.error();
    return stored;
}

Result<StaffMember> BillingDatabase::updateStaff(const StaffMember &member, const QString &actor)
{
    if (!m_open)
        return notOpen().error();
    if (Status s = validateStaff(member); !s)
        return s.error();
    const QString failed = tr("Could not save the staff member %1.").arg(member.email);
    if (Status s = begin(true); !s)
        return s.error();
    StaffMember current;
    {
        Sql read(m_connectionName,
                 QStringLiteral("SELECT %1 FROM staff WHERE id = ?").arg(StaffColumns));
        read.bind(member.id);
        if (!read.exec()) {
            rollback();
            return read.error(failed);
        }
        if (!read.query().next()) {
            rollback();
            return Error::make(Error::Kind::NotFound,
                               tr("No staff member has the id %1.").arg(member.id));
        }
        current = staffFromQuery(read.query());
    }
    const auto conflict = [&](const StaffMember &now) {
        rollback();
        return Error::make(Error::Kind::Conflict,
                           tr("%1 changed this staff member meanwhile (%2). Reload and try again.")
                               .arg(now.updatedBy.isEmpty() ? tr("Someone else") : now.updatedBy,
                                    now.updatedAt.toString(Qt::ISODate)));
    };
    if (current.version != member.version)
        return conflict(current);

    StaffMember stored = member;
    stored.email = member.email.trimmed();
    stored.displayName = member.displayName.trimmed();
    stored.version = member.version + 1;
    stored.updatedAt = fromSecs(nowSecs());
    stored.updatedBy = actor;
    Sql upd(m_connectionName,
            QStringLiteral("UPDATE staff SET display_name = ?, email = ?, role = ?, active = ?, "
                           "version = version + 1, updated_at = ?, updated_by = ? "
                           "WHERE id = ? AND version = ?"));
    upd.bind(stored.displayName)
        .bind(stored.email)
        .bind(staffRoleName(stored.role))
        .bind(stored.active)
        .bind(toSecs(stored.updatedAt))
        .bind(actor)
        .bind(member.id)
        .bind(member.version);
    if (!upd.exec()) {
        const Error e = upd.error(failed);
        rollback();
        return e;
    }
    // The version guard in WHERE is what decides between two consoles writing at once: on
    // PostgreSQL the second UPDATE waits for the first's row lock, then matches nothing.
    if (upd.query().numRowsAffected() != 1)
        return conflict(current);

    AuditEntry audit;
    audit.actor = actor;
    audit.operation = QStringLiteral("staff.update");
    audit.targetType = QStringLiteral("staff");
    audit.targetId = QString::number(stored.id);
    audit.paramsJson = QStringLiteral("{\"version\":%1}").arg(stored.version);
    audit.beforeSummary = staffSummary(current);
    audit.afterSummary = staffSummary(stored);
    audit.result = QStringLiteral("ok");
    if (Status s = insertAudit(audit); !s) {
        rollback();
        return s.error();
    }
    if (Status s = commit(); !s)
        return s.error();
    return stored;
}

// ---- dunning state -----------------------------------------------------------------------------

Result<DunningState> BillingDatabase::dunningState(const QString &invoiceId) const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName,
          QStringLiteral("SELECT invoice_id, stage, owner, note, version, updated_at, updated_by "
                         "FROM dunning_state WHERE invoice_id = ?"));
    q.bind(invoiceId);
    if (!q.exec())
        return q.error(tr("Could not read the dunning state."));
    if (!q.query().next())
        return Error::make(Error::Kind::NotFound,
                           tr("Invoice %1 has no dunning state.").arg(invoiceId));
    const QSqlQuery &r = q.query();
    return DunningState{r.value(0).toString(),   r.value(1).toString(),
                        r.value(2).toString(),   r.value(3).toString(),
                        r.value(4).toLongLong(), fromSecs(r.value(5).toLongLong()),
                        r.value(6).toString()};
}

Result<DunningState> BillingDatabase::setDunningState(const DunningState &state,
                                                      const QString &actor)
{
    if (!m_open)
        return notOpen().error();
    if (state.invoiceId.trimmed().isEmpty() || state.stage.trimmed().isEmpty())
        return validation(tr("A dunning state needs an invoice and a stage."));
    const QString failed =
        tr("Could not save the dunning state of invoice %1.").arg(state.invoiceId);
    if (Status s = begin(true); !s)
        return s.error();
    DunningState stored = state;
    stored.version = state.version + 1;
    stored.updatedAt = fromSecs(nowSecs());
    stored.updatedBy = actor;
    Sql w(m_connectionName,
          state.version == 0
              ? QStringLiteral("INSERT INTO dunning_state (stage, owner, note, updated_at, "
                               "updated_by, invoice_id, version) "
                               "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (invoice_id) DO NOTHING")
              : QStringLiteral(
                    "UPDATE dunning_state SET stage = ?, owner = ?, note = ?, updated_at = ?, "
                    "updated_by = ?, version = version + 1 WHERE invoice_id = ? AND version = ?"));
    w.bind(stored.stage)
        .bind(stored.owner)
        .bind(stored.note)
        .bind(toSecs(stored.updatedAt))
        .bind(actor)
        .bind(stored.invoiceId);
    if (state.version != 0)
        w.bind(state.version);
    if (!w.exec()) {
        const Error e = w.error(failed);
        rollback();
        return e;
    }
    if (w.query().numRowsAffected() != 1) {
        rollback();
        return Error::make(Error::Kind::Conflict, tr("Someone else changed the dunning state of "
                                                     "invoice %1 meanwhile. Reload and try again.")
                                                      .arg(state.invoiceId));
    }
    AuditEntry audit;
    audit.actor = actor;
    audit.operation = QStringLiteral("dunning.set_state");
    audit.targetType = QStringLiteral("invoice");
    audit.targetId = stored.invoiceId;
    audit.paramsJson = QStringLiteral("{\"stage\":\"%1\",\"owner\":\"%2\",\"version\":%3}")
                           .arg(jsonEscape(stored.stage), jsonEscape(stored.owner))
                           .arg(stored.version);
    audit.afterSummary = stored.stage;
    audit.result = QStringLiteral("ok");
    if (Status s = insertAudit(audit); !s) {
        rollback();
        return s.error();
    }
    if (Status s = commit(); !s)
        return s.error();
    return stored;
}

// ---- audit log ---------------------------------------------------------------------------------

Status BillingDatabase::insertAudit(const AuditEntry &entry, qint64 *id) const
{
    const QDateTime at = entry.at.isValid() ? entry.at : fromSecs(nowSecs());
    Sql q(m_connectionName,
          QStringLiteral(
              "INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, "
              "before_summary, after_summary, idempotency_key, result) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.bind(toSecs(at))
        .bind(entry.actor)
        .bind(entry.operation)
        .bind(entry.targetType)
        .bind(entry.targetId)
        .bind(entry.paramsJson.isEmpty() ? QStringLiteral("{}") : entry.paramsJson)
        .bind(entry.beforeSummary)
        .bind(entry.afterSummary)
        .bind(entry.idempotencyKey)
        .bind(entry.result);
    if (!q.exec() || !q.query().next())
        return q.error(tr("Could not write to the audit log."));
    if (id)
        *id = q.query().value(0).toLongLong();
    q.query().finish();
    return {};
}

Result<qint64> BillingDatabase::appendAudit(const AuditEntry &entry)
{
    if (!m_open)
        return notOpen().error();
    if (entry.actor.isEmpty() || entry.operation.isEmpty())
        return validation(tr("An audit entry needs an actor and an operation."));
    if (Status s = begin(true); !s)
        return s.error();
    qint64 id = 0;
    if (Status s = insertAudit(entry, &id); !s) {
        rollback();
        return s.error();
    }
    if (Status s = commit(); !s)
        return s.error();
    return id;
}

Result<QList<AuditEntry>> BillingDatabase::audit(const AuditQuery &query) const
{
    if (!m_open)
        return notOpen().error();
    QStringList where;
    QVariantList binds;
    const auto add = [&](const QString &cond, const QVariant &v) {
        where << cond;
        binds << v;
    };
    if (!query.actor.isEmpty())
        add(QStringLiteral("actor = ?"), query.actor);
    if (!query.targetType.isEmpty())
        add(QStringLiteral("target_type = ?"), query.targetType);
    if (!query.targetId.isEmpty())
        add(QStringLiteral("target_id = ?"), query.targetId);
    if (!query.operation.isEmpty())
        add(QStringLiteral("operation = ?"), query.operation);
    if (!query.idempotencyKey.isEmpty())
        add(QStringLiteral("idempotency_key = ?"), query.idempotencyKey);
    if (query.from.isValid())
        add(QStringLiteral("at >= ?"), toSecs(query.from));
    if (query.to.isValid())
        add(QStringLiteral("at < ?"), toSecs(query.to));
    if (query.beforeId > 0)
        add(QStringLiteral("id < ?"), query.beforeId);
    QString sql = QStringLiteral(
        "SELECT id, at, actor, operation, target_type, target_id, params, before_summary, "
        "after_summary, idempotency_key, result FROM audit_log");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY id DESC LIMIT %1").arg(qBound(1, query.limit, 10000));
    Sql q(m_connectionName, sql);
    for (const QVariant &v : std::as_const(binds))
        q.bind(v);
    if (!q.exec())
        return q.error(tr("Could not read the audit log."));
    QList<AuditEntry> out;
    while (q.query().next()) {
        const QSqlQuery &r = q.query();
        AuditEntry e;
        e.id = r.value(0).toLongLong();
        e.at = fromSecs(r.value(1).toLongLong());
        e.actor = r.value(2).toString();
        e.operation = r.value(3).toString();
        e.targetType = r.value(4).toString();
        e.targetId = r.value(5).toString();
        e.paramsJson = r.value(6).toString();
        e.beforeSummary = r.value(7).toString();
        e.afterSummary = r.value(8).toString();
        e.idempotencyKey = r.value(9).toString();
        e.result = r.value(10).toString();
        out << e;
    }
    return out;
}

// ---- usage -------------------------------------------------------------------------------------

Result<int> BillingDatabase::recordUsageEvents(const QList<UsageEvent> &events)
{
    if (!m_open)
        return notOpen().error();
    const qint64 latest = nowSecs() + 86400;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString problem = usageProblem(events.at(i), latest);
        if (!problem.isEmpty())
            return validation(tr("Usage event %1 (id \"%2\"): %3. Nothing was recorded.")
                                  .arg(i + 1)
                                  .arg(events.at(i).id, problem));
    }
    return insertUsage(events);
}

Result<int> BillingDatabase::insertUsage(const QList<UsageEvent> &events)
{
    if (events.isEmpty())
        return 0;
    const QString failed = tr("Could not record usage events.");
    if (Status s = begin(true); !s)
        return s.error();
    if (!m_dialect.isPostgres() && m_lastUsageRowid >= 0) {
        // Another connection may have written since our last look: keep that news for the poll.
        const Result<qint64> before = maxUsageRowid();
        if (before.ok() && *before != m_lastUsageRowid) {
            m_foreignUsagePending = true;
            Sql early(m_connectionName,
                      QStringLiteral("SELECT MIN(occurred_at) FROM usage_events WHERE rowid > ?"));
            early.bind(m_lastUsageRowid);
            if (early.exec() && early.query().next() && !early.query().value(0).isNull()) {
                const qint64 from = early.query().value(0).toLongLong();
                m_foreignPendingFrom =
                    m_foreignPendingFrom < 0 ? from : qMin(m_foreignPendingFrom, from);
            }
        }
    }
    Sql ins(
        m_connectionName,
        QStringLiteral("INSERT INTO usage_events (id, customer_id, meter, quantity, occurred_at) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"));
    Sql roll(
        m_connectionName,
        QStringLiteral(
            "INSERT INTO usage_rollups (granularity, bucket_start, customer_id, meter, source, "
            "quantity) VALUES (?, ?, ?, ?, 'product', ?) ON CONFLICT (granularity, bucket_start, "
            "customer_id, meter, source) "
            "DO UPDATE SET quantity = usage_rollups.quantity + excluded.quantity"));
    int inserted = 0;
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (const UsageEvent &e : events) {
        const qint64 at = toSecs(e.occurredAt);
        ins.bind(e.id).bind(e.customerId).bind(e.meter).bind(e.quantity).bind(at);
        if (!ins.exec()) {
            const Error err = ins.error(failed);
            rollback();
            return err;
        }
        if (ins.query().numRowsAffected() != 1)
            continue; // already recorded: its quantity is in the rollups already
        ++inserted;
        earliest = qMin(earliest, at);
        for (UsageGranularity g :
             {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month}) {
            roll.bind(granularityName(g))
                .bind(toSecs(bucketStart(e.occurredAt, g)))
                .bind(e.customerId)
                .bind(e.meter)
                .bind(e.quantity);
            if (!roll.exec()) {
                const Error err = roll.error(failed);
                rollback();
                return err;
            }
        }
    }
    if (inserted > 0 && m_dialect.isPostgres()) {
        // Payload "<schema>|<earliest occurred_at>": watchers of other schemas ignore it, the
        // others refresh only the buckets from there on.
        if (Status s = exec(m_dialect.notifyUsage(
                QStringLiteral("%1|%2").arg(m_settings.schema).arg(earliest)));
            !s) {
            rollback();
            return s.error();
        }
    }
    // Read our own high-water mark inside the write transaction: after the commit another
    // connection's rows could already be in it and would then never be announced.
    std::optional<qint64> ownMark;
    if (!m_dialect.isPostgres() && m_lastUsageRowid >= 0) {
        if (const Result<qint64> after = maxUsageRowid(); after.ok())
            ownMark = *after;
    }
    if (Status s = commit(); !s)
        return s.error();
    if (ownMark)
        m_lastUsageRowid = *ownMark;
    return inserted;
}

Result<QList<UsagePoint>> BillingDatabase::usageSeries(const UsageSeriesQuery &query) const
{
    if (!m_open)
        return notOpen().error();
    const QString groups = query.byCustomer ? QStringLiteral("bucket_start, meter, source, customer_id")
                                            : QStringLiteral("bucket_start, meter, source");
    QString sql = QStringLiteral("SELECT %1, SUM(quantity) FROM usage_rollups WHERE granularity = ?")
                      .arg(groups);
    QVariantList binds{granularityName(query.granularity)};
    if (!query.source.isEmpty()) {
        sql += QStringLiteral(" AND source = ?");
        binds << query.source;
    }
    if (query.from.isValid()) {
        sql += QStringLiteral(" AND bucket_start >= ?");
        binds << toSecs(query.from);
    }
    if (query.to.isValid()) {
        sql += QStringLiteral(" AND bucket_start < ?");
        binds << toSecs(query.to);
    }
    if (!query.customerId.isEmpty()) {
        sql += QStringLiteral(" AND customer_id = ?");
        binds << query.customerId;
    }
    sql += QStringLiteral(" GROUP BY %1 ORDER BY %1").arg(groups);
    Sql q(m_connectionName, sql);
    q.query().setForwardOnly(true); // read once, in order: no row cache on the driver side
    for (const QVariant &v : std::as_const(binds))
        q.bind(v);
    if (!q.exec())
        return q.error(tr("Could not read usage."));
    QList<UsagePoint> out;
    const int quantityColumn = query.byCustomer ? 4 : 3;
    while (q.query().next()) {
        UsagePoint p;
        p.bucketStart = fromSecs(q.query().value(0).toLongLong());
        p.meter = q.query().value(1).toString();
        p.source = q.query().value(2).toString();
        p.quantity = q.query().value(quantityColumn).toLongLong();
        if (query.byCustomer)
            p.customerId = q.query().value(3).toString();
        out << p;
    }
    return out;
}

Result<QStringList> BillingDatabase::usageMeters() const
{
    if (!m_open)
        return notOpen().error();
    Sql q(
        m_connectionName,
        QStringLiteral(
            "SELECT DISTINCT meter, source FROM usage_rollups WHERE granularity = 'month'"));
    if (!q.exec())
        return q.error(tr("Could not read the usage meters."));
    QStringList out;
    while (q.query().next())
        out << usageSeriesKey(q.query().value(0).toString(), q.query().value(1).toString());
    std::sort(out.begin(), out.end());
    return out;
}

Result<int> BillingDatabase::replaceUsageSummaries(const UsageSummaryWindow &w)
{
    if (!m_open)
        return notOpen().error();
    const bool hourly = w.window == UsageGranularity::Hour;
    const qint64 step = hourly ? 3600 : 86400;
    const QString what = tr("Stripe usage of %1 for %2").arg(w.meter, w.customerId);
    if (w.window != UsageGranularity::Hour && w.window != UsageGranularity::Day)
        return validation(tr("%1: summaries must be hourly or daily. Nothing was stored.").arg(what));
    if (w.customerId.trimmed().isEmpty() || w.meter.trimmed().isEmpty())
        return validation(tr("Stripe usage needs a customer and a meter. Nothing was stored."));
    if (!w.from.isValid() || !w.to.isValid() || w.from >= w.to || toSecs(w.from) % step != 0 ||
        toSecs(w.to) % step != 0)
        return validation(tr("%1: the window %2 – %3 is not aligned to whole %4s. Nothing was stored.")
                              .arg(what, w.from.toUTC().toString(Qt::ISODate),
                                   w.to.toUTC().toString(Qt::ISODate),
                                   hourly ? tr("hour") : tr("day")));
    const qint64 from = toSecs(w.from), to = toSecs(w.to);
    const qint64 latest = nowSecs() + 86400;
    std::map<qint64, qint64> buckets;
    for (const UsagePoint &p : w.buckets) {
        const qint64 at = toSecs(p.bucketStart);
        const QString when = p.bucketStart.toUTC().toString(Qt::ISODate);
        if (!p.bucketStart.isValid() || at < from || at >= to || at % step != 0)
            return validation(tr("%1: the summary at %2 lies outside the window or off its grid. "
                                 "Nothing was stored.").arg(what, when));
        if (p.quantity < 0)
            return validation(tr("%1: the summary at %2 is negative (%3). Nothing was stored.")
                                  .arg(what, when).arg(p.quantity));
        if (at > latest)
            return validation(tr("%1: the summary at %2 is in the future. Nothing was stored.")
                                  .arg(what, when));
        if (buckets.count(at))
            return validation(tr("%1: two summaries for %2. Nothing was stored.").arg(what, when));
        buckets[at] = p.quantity;
    }

    const QString failed = tr("Could not store the Stripe usage.");
    if (Status s = begin(true); !s)
        return s.error();
    auto fail = [&](const Sql &q) {
        const Error e = q.error(failed);
        rollback();
        return e;
    };
    const QString g = granularityName(w.window);
    Sql del(m_connectionName,
            QStringLiteral("DELETE FROM usage_rollups WHERE source = 'stripe' AND customer_id = ? "
                           "AND meter = ? AND granularity = ? AND bucket_start >= ? AND bucket_start < ?"));
    Sql ins(m_connectionName,
            QStringLiteral("INSERT INTO usage_rollups (granularity, bucket_start, customer_id, meter, "
                           "source, quantity) VALUES (?, ?, ?, ?, 'stripe', ?)"));
    auto replace = [&](const QString &granularity, qint64 lo, qint64 hi,
                       const std::map<qint64, qint64> &rows) -> std::optional<Error> {
        del.bind(w.customerId).bind(w.meter).bind(granularity).bind(lo).bind(hi);
        if (!del.exec())
            return fail(del);
        for (const auto &[at, quantity] : rows) {
            ins.bind(granularity).bind(at).bind(w.customerId).bind(w.meter).bind(quantity);
            if (!ins.exec())
                return fail(ins);
        }
        return std::nullopt;
    };
    if (auto e = replace(g, from, to, buckets))
        return *e;
    if (!hourly) {
        // Hourly detail of an earlier hourly sync would disagree with the new days.
        if (auto e = replace(granularityName(UsageGranularity::Hour), from, to, {}))
            return *e;
    }
    auto sumInto = [&](UsageGranularity fine, UsageGranularity coarse, qint64 lo,
                       qint64 hi) -> std::optional<Error> {
        Sql read(m_connectionName,
                 QStringLiteral("SELECT bucket_start, quantity FROM usage_rollups WHERE source = "
                                "'stripe' AND customer_id = ? AND meter = ? AND granularity = ? "
                                "AND bucket_start >= ? AND bucket_start < ?"));
        read.bind(w.customerId).bind(w.meter).bind(granularityName(fine)).bind(lo).bind(hi);
        if (!read.exec())
            return fail(read);
        std::map<qint64, qint64> sums;
        while (read.query().next())
            sums[toSecs(bucketStart(fromSecs(read.query().value(0).toLongLong()), coarse))] +=
                read.query().value(1).toLongLong();
        return replace(granularityName(coarse), lo, hi, sums);
    };
    const QDateTime dayLo = bucketStart(w.from, UsageGranularity::Day);
    QDateTime dayHi = bucketStart(w.to, UsageGranularity::Day);
    if (dayHi < w.to)
        dayHi = dayHi.addDays(1);
    if (hourly) {
        if (auto e = sumInto(UsageGranularity::Hour, UsageGranularity::Day, toSecs(dayLo), toSecs(dayHi)))
            return *e;
    }
    const QDateTime monthLo = bucketStart(dayLo, UsageGranularity::Month);
    QDateTime monthHi = bucketStart(dayHi, UsageGranularity::Month);
    if (monthHi < dayHi)
        monthHi = monthHi.addMonths(1);
    if (auto e = sumInto(UsageGranularity::Day, UsageGranularity::Month, toSecs(monthLo), toSecs(monthHi)))
        return *e;
    if (Status s = commit(); !s)
        return s.error();
    return int(buckets.size());
}

Status BillingDatabase::recordUsageMeters(const QList<UsageMeterInfo> &seen, const QString &source,
                                          const QDateTime &at)
{
    if (!m_open)
        return notOpen();
    for (const UsageMeterInfo &m : seen) {
        if (m.id.trimmed().isEmpty() || m.meter.trimmed().isEmpty())
            return validation(tr("A meter from %1 has no id or event name. Nothing was stored.").arg(source));
    }
    const QString failed = tr("Could not store the meters.");
    if (Status s = begin(true); !s)
        return s;
    Sql up(m_connectionName,
           QStringLiteral("INSERT INTO usage_meters (id, meter, display_name, source, status, "
                          "last_seen_at, missing_since) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) "
                          "DO UPDATE SET meter = excluded.meter, display_name = excluded.display_name, "
                          "source = excluded.source, status = excluded.status, last_seen_at = "
                          "excluded.last_seen_at, missing_since = CASE WHEN excluded.status = "
                          "'active' THEN NULL ELSE COALESCE(usage_meters.missing_since, "
                          "excluded.missing_since) END"));
    QStringList ids;
    for (const UsageMeterInfo &m : seen) {
        const bool active = m.status == QLatin1String("active");
        up.bind(m.id).bind(m.meter).bind(m.displayName).bind(source).bind(m.status).bind(toSecs(at));
        up.bind(active ? QVariant() : QVariant(toSecs(at)));
        if (!up.exec()) {
            const Error e = up.error(failed);
            rollback();
            return e;
        }
        ids << m.id;
    }
    QString sql = QStringLiteral("UPDATE usage_meters SET status = 'missing', missing_since = "
                                 "COALESCE(missing_since, ?) WHERE source = ?");
    if (!ids.isEmpty())
        sql += QStringLiteral(" AND id NOT IN (%1)").arg(QStringList(ids.size(), QStringLiteral("?")).join(QLatin1Char(',')));
    Sql gone(m_connectionName, sql);
    gone.bind(toSecs(at)).bind(source);
    for (const QString &id : std::as_const(ids))
        gone.bind(id);
    if (!gone.exec()) {
        const Error e = gone.error(failed);
        rollback();
        return e;
    }
    return commit();
}

Result<QList<UsageMeterInfo>> BillingDatabase::usageMeterInfos() const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName,
          QStringLiteral("SELECT id, meter, display_name, source, status, last_seen_at, missing_since "
                         "FROM usage_meters ORDER BY meter, id"));
    if (!q.exec())
        return q.error(tr("Could not read the meters."));
    QList<UsageMeterInfo> out;
    while (q.query().next()) {
        UsageMeterInfo m;
        m.id = q.query().value(0).toString();
        m.meter = q.query().value(1).toString();
        m.displayName = q.query().value(2).toString();
        m.source = q.query().value(3).toString();
        m.status = q.query().value(4).toString();
        m.lastSeenAt = fromSecs(q.query().value(5).toLongLong());
        if (!q.query().value(6).isNull())
            m.missingSince = fromSecs(q.query().value(6).toLongLong());
        out << m;
    }
    return out;
}

Result<qint64> BillingDatabase::usageEventCount() const
{
    if (!m_open)
        return notOpen().error();
    Sql q(m_connectionName, QStringLiteral("SELECT COUNT(*) FROM usage_events"));
    if (!q.exec() || !q.query().next())
        return q.error(tr("Could not count usage events."));
    return q.query().value(0).toLongLong();
}

Result<UsageImportReport> BillingDatabase::importUsageCsv(const QString &filePath)
{
    if (!m_open)
        return notOpen().error();
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly))
        return validation(tr("Could not read %1: %2")
                              .arg(QDir::toNativeSeparators(filePath), file.errorString()));
    QString text = QString::fromUtf8(file.readAll());
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    const Result<QList<CsvRecord>> parsed = parseCsv(text);
    if (!parsed)
        return parsed.error();
    const QList<CsvRecord> &records = *parsed;
    if (records.isEmpty())
        return validation(
            tr("%1 is empty: expected the header id,customer_id,meter,quantity,occurred_at.")
                .arg(QDir::toNativeSeparators(filePath)));

    const QStringList required = {QStringLiteral("id"), QStringLiteral("customer_id"),
                                  QStringLiteral("meter"), QStringLiteral("quantity"),
                                  QStringLiteral("occurred_at")};
    QStringList header;
    for (const QString &h : records.first().fields)
        header << h.trimmed().toLower();
    QList<int> column;
    QStringList missing;
    for (const QString &name : required) {
        column << header.indexOf(name);
        if (column.last() < 0)
            missing << name;
    }
    if (!missing.isEmpty())
        return validation(tr("Line %1: the header must name id, customer_id, meter, quantity, "
                             "occurred_at; missing: %2.")
                              .arg(records.first().line)
                              .arg(missing.join(QStringLiteral(", "))));

    static const QRegularExpression integer(QStringLiteral("^-?[0-9]+$"));
    const qint64 latest = nowSecs() + 86400;
    QList<UsageEvent> events;
    events.reserve(records.size() - 1);
    for (qsizetype r = 1; r < records.size(); ++r) {
        const CsvRecord &rec = records.at(r);
        const auto lineError = [&](const QString &what) {
            return validation(tr("Line %1 of %2: %3. Nothing was imported.")
                                  .arg(rec.line)
                                  .arg(QFileInfo(filePath).fileName(), what));
        };
        if (rec.fields.size() != header.size())
            return lineError(
                tr("expected %1 fields, found %2").arg(header.size()).arg(rec.fields.size()));
        UsageEvent e;
        e.id = rec.fields.at(column[0]).trimmed();
        e.customerId = rec.fields.at(column[1]).trimmed();
        e.meter = rec.fields.at(column[2]).trimmed();
        const QString quantity = rec.fields.at(column[3]).trimmed();
        bool ok = false;
        e.quantity = integer.match(quantity).hasMatch() ? quantity.toLongLong(&ok) : 0;
        if (!ok)
            return lineError(tr("quantity \"%1\" is not a whole number").arg(quantity));
        const QString when = rec.fields.at(column[4]).trimmed();
        if (integer.match(when).hasMatch()) {
            e.occurredAt = fromSecs(when.toLongLong(&ok));
        } else {
            e.occurredAt = QDateTime::fromString(when, Qt::ISODate);
            if (!e.occurredAt.isValid())
                return lineError(
                    tr("occurred_at \"%1\" is not an ISO 8601 time or unix seconds").arg(when));
            if (e.occurredAt.timeSpec() == Qt::LocalTime)
                return lineError(
                    tr("occurred_at \"%1\" has no time zone (add Z for UTC)").arg(when));
            e.occurredAt = e.occurredAt.toUTC();
        }
        const QString problem = usageProblem(e, latest);
        if (!problem.isEmpty())
            return lineError(problem);
        events << e;
    }
    const Result<int> inserted = insertUsage(events);
    if (!inserted)
        return inserted.error();
    UsageImportReport report;
    report.rows = int(events.size());
    report.inserted = *inserted;
    report.duplicates = report.rows - report.inserted;
    return report;
}

// ---- watching other consoles -------------------------------------------------------------------

Result<qint64> BillingDatabase::maxUsageRowid() const
{
    Sql q(m_connectionName, QStringLiteral("SELECT COALESCE(MAX(rowid), 0) FROM usage_events"));
    if (!q.exec() || !q.query().next())
        return q.error(tr("Could not check for new usage."));
    return q.query().value(0).toLongLong();
}

Result<bool> BillingDatabase::pollForeignUsage()
{
    if (!m_open)
        return notOpen().error();
    if (m_dialect.isPostgres())
        return false;
    const Result<qint64> rowid = maxUsageRowid();
    if (!rowid)
        return rowid.error();
    // Usage events are append-only and our own inserts move m_lastUsageRowid as they commit (on
    // this same thread), so a different MAX(rowid) means another connection recorded usage. One
    // read, so no window between two reads can hide a write.
    const bool changed = m_foreignUsagePending || *rowid != m_lastUsageRowid;
    qint64 from = m_foreignUsagePending ? m_foreignPendingFrom : std::numeric_limits<qint64>::max();
    bool known = !m_foreignUsagePending || m_foreignPendingFrom >= 0;
    if (*rowid != m_lastUsageRowid) {
        // New rows only (rowid range): cheap however many events the table holds.
        Sql early(m_connectionName, QStringLiteral("SELECT MIN(occurred_at) FROM usage_events "
                                                   "WHERE rowid > ? AND rowid <= ?"));
        early.bind(m_lastUsageRowid).bind(*rowid);
        if (early.exec() && early.query().next() && !early.query().value(0).isNull())
            from = qMin(from, early.query().value(0).toLongLong());
        else
            known = false;
    }
    m_foreignUsageFrom = changed && known && from != std::numeric_limits<qint64>::max()
                             ? fromSecs(from)
                             : QDateTime();
    m_foreignUsagePending = false;
    m_foreignPendingFrom = -1;
    m_lastUsageRowid = *rowid;
    return changed;
}

Status BillingDatabase::watchUsage(int pollIntervalMs, std::function<void()> onForeignUsage)
{
    if (!m_open)
        return notOpen();
    stopWatching();
    m_onForeignUsage = std::move(onForeignUsage);
    if (m_dialect.isPostgres()) {
        QSqlDriver *driver = database().driver();
        const QString channel = QString::fromLatin1(BillingDbDialect::UsageChannel);
        if (!driver->subscribeToNotification(channel))
            return dbError(tr("Could not subscribe to usage changes from other consoles."),
                           driver->lastError());
        m_notifyConnection = QObject::connect(
            driver, &QSqlDriver::notification, driver,
            [this, channel](const QString &name, QSqlDriver::NotificationSource source,
                            const QVariant &payload) {
                // Our own NOTIFY comes back as SelfSource: the writer already knows.
                if (name != channel || source != QSqlDriver::OtherSource)
                    return;
                const QString text = payload.toString();
                const qsizetype bar = text.lastIndexOf(QLatin1Char('|'));
                if ((bar < 0 ? text : text.left(bar)) != m_settings.schema)
                    return;
                bool ok = false;
                const qint64 from = bar < 0 ? 0 : text.mid(bar + 1).toLongLong(&ok);
                m_foreignUsageFrom = ok ? fromSecs(from) : QDateTime();
                if (m_onForeignUsage)
                    m_onForeignUsage();
            });
        return {};
    }
    const Result<qint64> rowid = maxUsageRowid();
    if (!rowid)
        return rowid.error();
    m_lastUsageRowid = *rowid;
    m_foreignUsagePending = false;
    if (pollIntervalMs > 0) {
        m_pollTimer = std::make_unique<QTimer>();
        m_pollTimer->setInterval(pollIntervalMs);
        QObject::connect(m_pollTimer.get(), &QTimer::timeout, m_pollTimer.get(), [this] {
            const Result<bool> changed = pollForeignUsage();
            if (changed.ok() && *changed && m_onForeignUsage)
                m_onForeignUsage();
        });
        m_pollTimer->start();
    }
    return {};
}

void BillingDatabase::stopWatching()
{
    m_pollTimer.reset();
    if (m_open && m_dialect.isPostgres() && QSqlDatabase::contains(m_connectionName)) {
        QSqlDriver *driver = database().driver();
        if (driver) {
            QObject::disconnect(m_notifyConnection);
            const QString channel = QString::fromLatin1(BillingDbDialect::UsageChannel);
            if (driver->subscribedToNotifications().contains(channel))
                driver->unsubscribeFromNotification(channel);
        }
    }
    m_onForeignUsage = nullptr;
}

} // namespace Billing
