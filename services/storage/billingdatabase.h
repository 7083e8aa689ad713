#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdbdialect.h"
#include "services/storage/usage.h"

#include <functional>
#include <memory>
#include <optional>

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSqlDatabase>
#include <QString>

class QTimer;

namespace Billing {

// Where the billing database lives. SQLite (a file, the default) or PostgreSQL (a team's shared
// server). The password is never logged (describe() leaves it out).
struct BillingDbSettings
{
    using Backend = BillingDbDialect::Backend;

    Backend backend = Backend::Sqlite;
    QString sqlitePath; // SQLite: the file; created with its folder if missing
    QString host = QStringLiteral("127.0.0.1"); // PostgreSQL
    int port = 5432;
    QString database;
    QString user;
    QString password;
    QString sslMode =
        QStringLiteral("prefer"); // disable | allow | prefer | require | verify-ca | verify-full
    QString schema;               // PostgreSQL schema for the tables; empty = the default (public)
    int connectTimeoutSeconds = 5;

    static BillingDbSettings sqlite(const QString &path);
    static BillingDbSettings postgres(const QString &host, int port, const QString &database,
                                      const QString &user, const QString &password = {});
    // "SQLite file /x/billing.db" or "PostgreSQL billing@127.0.0.1:5432/billing": for logs and the
    // UI.
    QString describe() const;
};

enum class StaffRole { Admin, Finance, Support, ReadOnly };
QString staffRoleName(StaffRole role); // "admin", "finance", "support", "read_only"
std::optional<StaffRole> staffRoleFromName(const QString &name);

struct WorkspaceSetting
{
    QString key;
    QString value;
    qint64 version = 0; // 1 after the first write, +1 on each change
};

struct StaffMember
{
    qint64 id = 0; // assigned by addStaff
    QString displayName;
    QString email; // unique (case as given)
    StaffRole role = StaffRole::ReadOnly;
    bool active = true;
    qint64 version = 0;  // optimistic concurrency: pass back what you read
    QDateTime updatedAt; // UTC, seconds
    QString updatedBy;
};

// One row of the append-only audit log.
struct AuditEntry
{
    qint64 id = 0;      // assigned by appendAudit
    QDateTime at;       // UTC; appendAudit fills "now" when invalid
    QString actor;      // staff email or "system"
    QString operation;  // "staff.update", "refund.create", ...
    QString targetType; // "staff", "invoice", ...
    QString targetId;
    QString paramsJson = QStringLiteral("{}"); // a JSON object, compact
    QString beforeSummary;
    QString afterSummary;
    QString idempotencyKey; // the Stripe idempotency key of the write, when there was one
    QString result;         // "ok", "error: ...", "pending"
};

// Newest first, keyset-paged on id.
struct AuditQuery
{
    QString actor;       // empty = any
    QString targetType;  // empty = any
    QString targetId;    // empty = any
    QString operation;   // empty = any
    QString idempotencyKey; // empty = any: the rows of one outbox write (requested + result)
    QDateTime from;      // inclusive; invalid = no bound
    QDateTime to;        // exclusive; invalid = no bound
    qint64 beforeId = 0; // > 0: only rows with id < beforeId (next page)
    int limit = 100;
};

// Where an unpaid invoice stands in the dunning process (the product's own state, beside Stripe's).
struct DunningState
{
    QString invoiceId; // in_...
    QString stage; // "new", "reminded", "escalated", "paused", "closed" (free text to the database)
    QString owner; // staff email, empty = unassigned
    QString note;
    qint64 version = 0; // optimistic concurrency: 0 = not stored yet
    QDateTime updatedAt;
    QString updatedBy;
};

struct UsageImportReport
{
    int rows = 0;       // data rows read
    int inserted = 0;   // new events
    int duplicates = 0; // ids already recorded (or repeated in the file)
};

// The product's own records (workspace settings, staff, audit log, usage events and rollups,
// dunning state) over SQLite or PostgreSQL.
//
// Threading: synchronous; an instance belongs to the thread that opened it (normally a
// DbThread worker; AsyncBillingDatabase wraps it). Several instances, in this process or in
// other consoles, may share one database: records that staff edit carry a version, and a write
// with a stale version fails with Kind::Conflict instead of overwriting.
// Errors: Kind::Database (SQL failure, refused connection) with a plain userMessage and the
// driver text in detail; Kind::Validation for bad input (nothing written); Kind::Conflict for
// stale versions; Kind::NotFound for missing rows. Each write call is one transaction.
class BillingDatabase final
{
public:
    struct OpenReport
    {
        int schemaVersion = 0;
        int migrationsApplied = 0; // 0 when the schema was already current
    };

    static constexpr int SchemaVersion = 3; // 2: usage_rollups.source, usage_meters; 3: audit index

    explicit BillingDatabase(QString connectionName = QStringLiteral("bc-billing"));
    ~BillingDatabase();
    BillingDatabase(const BillingDatabase &) = delete;
    BillingDatabase &operator=(const BillingDatabase &) = delete;

    // Connects, then creates or migrates the schema inside one transaction that holds a lock
    // (PostgreSQL advisory lock / SQLite write lock), so consoles starting together are safe.
    Result<OpenReport> open(const BillingDbSettings &settings);
    void close();
    bool isOpen() const;
    const BillingDbSettings &settings() const { return m_settings; }
    const BillingDbDialect &dialect() const { return m_dialect; }

    // Workspace settings. expectedVersion is the version read (0 = the key must not exist yet).
    // Returns the new version. Each change is audited as `actor`.
    Result<WorkspaceSetting> setting(const QString &key) const; // NotFound when absent
    Result<QList<WorkspaceSetting>> settingsList() const;
    Result<qint64> setSetting(const QString &key, const QString &value, qint64 expectedVersion,
                              const QString &actor);

    // Staff. addStaff returns the stored row (id, version 1). updateStaff writes every field of
    // `member` if member.version is still the stored version, else Conflict; returns the new row.
    // Both append an audit row in the same transaction.
    Result<QList<StaffMember>> staff(bool includeInactive = true) const;
    Result<StaffMember> findStaff(qint64 id) const;                   // NotFound when absent
    Result<StaffMember> findStaffByEmail(const QString &email) const; // NotFound when absent
    Result<StaffMember> addStaff(const StaffMember &member, const QString &actor);
    Result<StaffMember> updateStaff(const StaffMember &member, const QString &actor);

    // Dunning state per invoice. setDunningState inserts (state.version 0) or updates
    // (state.version = the stored version, else Conflict); returns the stored row. Audited.
    Result<DunningState> dunningState(const QString &invoiceId) const; // NotFound when absent
    Result<DunningState> setDunningState(const DunningState &state, const QString &actor);

    // Audit log: append and read only; the database itself refuses UPDATE and DELETE.
    Result<qint64> appendAudit(const AuditEntry &entry);
    Result<QList<AuditEntry>> audit(const AuditQuery &query) const;

    // Usage. recordUsageEvents stores new events (an id already stored, or repeated in the batch,
    // is ignored) and adds them to the hour/day/month rollups in the same transaction; returns how
    // many were new. The whole batch is validated first (Validation error naming the row; nothing
    // written): quantity >= 0, occurredAt valid and at most one day in the future, ids, customer
    // and meter not empty. On PostgreSQL it also NOTIFYs billing_usage in that transaction.
    Result<int> recordUsageEvents(const QList<UsageEvent> &events);
    // Sums from the rollups for buckets starting in [query.from, query.to), ordered by bucket,
    // meter, source (and customer with query.byCustomer). Never scans raw events.
    Result<QList<UsagePoint>> usageSeries(const UsageSeriesQuery &query) const;
    // Every meter with rollups, as usageSeriesKey(meter, source), sorted.
    Result<QStringList> usageMeters() const;
    // Stripe meter summaries (source "stripe") for one customer and meter: in one transaction the
    // window's rows are replaced (never added to: a re-sync does not double-count), then the
    // coarser rollups are derived again from the finer ones for the days and months the window
    // touches (hour window: days from hours, months from days; day window: hour rows of the
    // window dropped, months from days). Validation error, nothing written: window not hour/day,
    // bounds not aligned, a bucket outside the window or misaligned, a negative quantity, a bucket
    // more than one day in the future. Returns the number of buckets stored.
    Result<int> replaceUsageSummaries(const UsageSummaryWindow &window);
    // The Stripe meters a sync listed: upserted (status as given, lastSeenAt = at); meters of that
    // source stored before and not in `seen` become "missing" (missingSince kept from the first
    // time). One transaction.
    Status recordUsageMeters(const QList<UsageMeterInfo> &seen, const QString &source, const QDateTime &at);
    Result<QList<UsageMeterInfo>> usageMeterInfos() const;
    Result<qint64> usageEventCount() const;
    // Imports a CSV file with the header id,customer_id,meter,quantity,occurred_at (any column
    // order; occurred_at ISO 8601 with a zone, or unix seconds). All or nothing: a bad row fails
    // with a Validation error naming its line.
    Result<UsageImportReport> importUsageCsv(const QString &filePath);

    // Start of the bucket that `at` falls in (UTC): the rollup key.
    static QDateTime bucketStart(const QDateTime &at, UsageGranularity granularity);
    static QString granularityName(UsageGranularity granularity); // "hour", "day", "month"

    // Change watching, for AsyncBillingDatabase. onForeignUsage runs on this object's thread when
    // another connection (another console) recorded usage. PostgreSQL: LISTEN billing_usage on
    // this connection (pollIntervalMs ignored). SQLite: a timer every pollIntervalMs checks
    // PRAGMA data_version and the newest usage rowid (0 = no watching).
    Status watchUsage(int pollIntervalMs, std::function<void()> onForeignUsage);
    void stopWatching();
    // SQLite: true when another connection added usage events since the last check.
    Result<bool> pollForeignUsage();
    // The earliest occurred_at among the usage another connection recorded, as known when
    // onForeignUsage last ran (SQLite: from the new rows; PostgreSQL: the NOTIFY payload); null
    // when unknown.
    QDateTime foreignUsageFrom() const { return m_foreignUsageFrom; }

    // The raw connection, for tests and diagnostics only.
    QSqlDatabase database() const;

private:
    Status migrate(OpenReport &report);
    Status exec(const QString &sql) const;
    Status begin(bool write) const;
    Status commit() const;
    void rollback() const;
    Status notOpen() const;
    Status insertAudit(const AuditEntry &entry, qint64 *id = nullptr) const;
    Result<int> insertUsage(const QList<UsageEvent> &events);
    Result<qint64> maxUsageRowid() const;

    QString m_connectionName;
    BillingDbSettings m_settings;
    BillingDbDialect m_dialect;
    bool m_open = false;
    std::unique_ptr<QTimer> m_pollTimer;
    std::function<void()> m_onForeignUsage;
    QMetaObject::Connection m_notifyConnection;
    qint64 m_lastUsageRowid = -1;
    bool m_foreignUsagePending = false;
    qint64 m_foreignPendingFrom = -1; // earliest occurred_at behind m_foreignUsagePending, -1 unknown
    QDateTime m_foreignUsageFrom;
};

} // namespace Billing
