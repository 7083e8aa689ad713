#include "services/outbox/outboxstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>
#include <QVariant>

#include <spdlog/spdlog.h>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::OutboxStore", text); }

void logDb(const QString &message, bool error = true)
{
    auto log = spdlog::get("db");
    if (!log)
        log = spdlog::default_logger();
    if (error)
        log->error("outbox: {}", message.toStdString());
    else
        log->warn("outbox: {}", message.toStdString());
}

Error dbError(const QString &userMessage, const QString &detail)
{
    logDb(detail);
    return Error::make(Error::Kind::Database, userMessage, detail);
}

Error queryError(const QSqlQuery &q)
{
    return dbError(tr("The outbox of money operations could not be read or written; nothing was sent."),
                   QStringLiteral("%1 [%2]").arg(q.lastError().text(), q.lastQuery()));
}

Error notOpen()
{
    return Error::make(Error::Kind::Database, tr("The outbox of money operations is not open."),
                       QStringLiteral("outbox used before open()"));
}

qint64 ms(const QDateTime &t) { return t.isValid() ? t.toMSecsSinceEpoch() : 0; }

QVariant msOrNull(const QDateTime &t)
{
    return t.isValid() ? QVariant(t.toMSecsSinceEpoch()) : QVariant(QMetaType(QMetaType::LongLong));
}

QDateTime fromMs(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

QString jsonText(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

QJsonObject jsonObject(const QString &text)
{
    return text.isEmpty() ? QJsonObject() : QJsonDocument::fromJson(text.toUtf8()).object();
}

const char *const Columns = "id, operation, method, path, params, idempotency_key, actor, state, attempts, "
                            "error_kind, error_http_status, error_request_id, error_message, result_object_id, "
                            "result, created_at, updated_at, next_attempt_at, client_op_id";

OutboxEntry readEntry(const QSqlQuery &q)
{
    OutboxEntry e;
    e.id = q.value(0).toLongLong();
    e.operation = q.value(1).toString();
    e.method = q.value(2).toString();
    e.path = q.value(3).toString();
    e.params = jsonObject(q.value(4).toString());
    e.idempotencyKey = q.value(5).toString();
    e.actor = q.value(6).toString();
    e.state = outboxStateFromName(q.value(7).toString()).value_or(OutboxState::NeedsAttention);
    e.attempts = q.value(8).toInt();
    e.errorKind = q.value(9).toString();
    e.errorHttpStatus = q.value(10).toInt();
    e.errorRequestId = q.value(11).toString();
    e.errorMessage = q.value(12).toString();
    e.resultObjectId = q.value(13).toString();
    e.result = jsonObject(q.value(14).toString());
    e.createdAt = fromMs(q.value(15));
    e.updatedAt = fromMs(q.value(16));
    e.nextAttemptAt = fromMs(q.value(17));
    e.clientOpId = q.value(18).toString();
    return e;
}

// SQLite's primary result codes that mean the bytes are not a usable database.
bool isDamage(const QSqlError &error)
{
    const int code = error.nativeErrorCode().toInt();
    const int primary = code & 0xff;
    return primary == 11 /* SQLITE_CORRUPT */ || primary == 26 /* SQLITE_NOTADB */;
}

// RAII transaction: BEGIN IMMEDIATE, rolled back unless committed.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db) : m_db(std::move(db)) {}
    ~Transaction()
    {
        if (m_open)
            QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    }
    Status begin()
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
            return queryError(q);
        m_open = true;
        return {};
    }
    Status commit()
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("COMMIT")))
            return queryError(q);
        m_open = false;
        return {};
    }

private:
    QSqlDatabase m_db;
    bool m_open = false;
};

} // namespace

OutboxStore::OutboxStore()
    : m_connection(QStringLiteral("outbox-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

OutboxStore::~OutboxStore() { close(); }

void OutboxStore::close()
{
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool OutboxStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

Status OutboxStore::exec(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(sql))
        return queryError(q);
    return {};
}

Result<OutboxStore::OpenReport> OutboxStore::open(const QString &path)
{
    close();
    m_path = path;
    OpenReport report;
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return dbError(tr("The folder for the outbox could not be created: %1").arg(info.absolutePath()),
                       QStringLiteral("mkpath %1 failed").arg(info.absolutePath()));
    const QStringList aside = QDir(info.absolutePath())
                                  .entryList({info.fileName() + QStringLiteral(".damaged-*")}, QDir::Files, QDir::Name);
    for (const QString &name : aside) {
        if (!name.endsWith(QLatin1String("-wal")))
            report.setAside << info.absoluteDir().filePath(name);
    }

    QString problem;
    bool damaged = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        if (!db.open()) {
            problem = db.lastError().text();
            damaged = isDamage(db.lastError());
        } else {
            QSqlQuery q(db);
            const auto step = [&](const QString &sql) {
                if (!problem.isEmpty())
                    return false;
                if (!q.exec(sql)) {
                    problem = QStringLiteral("%1: %2").arg(sql, q.lastError().text());
                    damaged = isDamage(q.lastError());
                    return false;
                }
                return true;
            };
            step(QStringLiteral("PRAGMA busy_timeout=10000"));
            if (step(QStringLiteral("PRAGMA quick_check")) && q.next() && q.value(0).toString() != QLatin1String("ok")) {
                problem = QStringLiteral("quick_check: %1").arg(q.value(0).toString());
                damaged = true;
            }
            int version = -1;
            if (step(QStringLiteral("PRAGMA user_version")) && q.next())
                version = q.value(0).toInt();
            if (problem.isEmpty() && version > SchemaVersion) {
                problem = QStringLiteral("schema version %1 is newer than this console (%2)").arg(version).arg(SchemaVersion);
            }
            step(QStringLiteral("PRAGMA journal_mode=WAL"));
            step(QStringLiteral("PRAGMA synchronous=FULL"));
            if (problem.isEmpty() && version == 0) {
                // A file that is not ours (tables but no version) is damage, not a blank outbox.
                if (step(QStringLiteral("SELECT count(*) FROM sqlite_master")) && q.next() && q.value(0).toInt() > 0) {
                    problem = QStringLiteral("file has tables but no outbox schema version");
                    damaged = true;
                }
                step(QStringLiteral("BEGIN IMMEDIATE"));
                step(QStringLiteral(
                    "CREATE TABLE IF NOT EXISTS outbox ("
                    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                    " operation TEXT NOT NULL,"
                    " method TEXT NOT NULL CHECK (method IN ('POST','DELETE')),"
                    " path TEXT NOT NULL,"
                    " params TEXT NOT NULL,"
                    " idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),"
                    " actor TEXT NOT NULL,"
                    " state TEXT NOT NULL CHECK (state IN ('pending','in_flight','succeeded','failed','needs_attention')),"
                    " attempts INTEGER NOT NULL DEFAULT 0,"
                    " error_kind TEXT, error_http_status INTEGER, error_request_id TEXT, error_message TEXT,"
                    " result_object_id TEXT, result TEXT,"
                    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, next_attempt_at INTEGER,"
                    " client_op_id TEXT UNIQUE)"));
                step(QStringLiteral("CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, id)"));
                step(QStringLiteral("PRAGMA user_version=%1").arg(SchemaVersion));
                if (!step(QStringLiteral("COMMIT")))
                    QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
            } else if (problem.isEmpty()) {
                if (step(QStringLiteral("SELECT %1 FROM outbox LIMIT 1").arg(QLatin1String(Columns))))
                    q.finish();
                else if (!damaged)
                    damaged = true; // version says ours, but the table is not there: damaged
            }
        }
    }
    if (problem.isEmpty())
        return report;

    close();
    if (!damaged) {
        return dbError(tr("The outbox of money operations (%1) could not be opened: %2").arg(path, problem),
                       QStringLiteral("open %1: %2").arg(path, problem));
    }
    // Damaged: keep every byte for a person to look at, under a new name; never rebuild silently.
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    const QString target = path + QStringLiteral(".damaged-") + stamp;
    const bool moved = QFile::rename(path, target);
    if (QFile::exists(path + QStringLiteral("-wal")))
        QFile::rename(path + QStringLiteral("-wal"), target + QStringLiteral("-wal"));
    QFile::remove(path + QStringLiteral("-shm"));
    if (!moved) {
        return dbError(tr("The outbox of money operations (%1) is damaged and could not be moved aside. "
                          "Nothing was sent. Move the file away by hand, then check its operations in Stripe.")
                           .arg(path),
                       QStringLiteral("damaged outbox %1 (%2); rename to %3 failed").arg(path, problem, target));
    }
    return dbError(tr("The outbox of money operations was damaged. It was moved aside to %1 and nothing in it was "
                      "sent. Its pending operations need attention: check them in Stripe before doing them again. "
                      "A new, empty outbox is started on the next run.")
                       .arg(target),
                   QStringLiteral("damaged outbox %1 (%2) moved to %3").arg(path, problem, target));
}

Result<OutboxEntry> OutboxStore::enqueue(const OutboxOperation &op, const QDateTime &now)
{
    if (!isOpen())
        return notOpen();
    if (op.operation.isEmpty() || op.path.isEmpty()
        || (op.method != QLatin1String("POST") && op.method != QLatin1String("DELETE")))
        return Error::make(Error::Kind::Validation, tr("The operation is incomplete and was not queued."),
                           QStringLiteral("bad outbox operation '%1' %2 %3").arg(op.operation, op.method, op.path));
    if (op.clientOpId.size() > 255)
        return Error::make(Error::Kind::Validation, tr("The operation id is too long (at most 255 characters)."));

    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    Transaction tx(db);
    if (Status st = tx.begin(); !st)
        return st.error();
    QSqlQuery q(db);
    if (!op.clientOpId.isEmpty()) {
        q.prepare(QStringLiteral("SELECT %1 FROM outbox WHERE client_op_id = ?").arg(QLatin1String(Columns)));
        q.addBindValue(op.clientOpId);
        if (!q.exec())
            return queryError(q);
        if (q.next()) {
            OutboxEntry existing = readEntry(q);
            if (existing.operation != op.operation || existing.method != op.method || existing.path != op.path
                || existing.params != op.params) {
                return Error::make(Error::Kind::Conflict,
                                   tr("The operation id %1 was already used for a different operation (%2 %3). "
                                      "Use a new operation id.")
                                       .arg(op.clientOpId, existing.operation, existing.path),
                                   QStringLiteral("client_op_id %1 reused with other values").arg(op.clientOpId));
            }
            return existing;
        }
    }
    // The key is made once, here, and committed with the row before anything is sent.
    const QString key = QUuid::createUuid().toString(QUuid::WithoutBraces);
    q.prepare(QStringLiteral("INSERT INTO outbox (operation, method, path, params, idempotency_key, actor, state, "
                             "attempts, created_at, updated_at, client_op_id) VALUES (?,?,?,?,?,?,'pending',0,?,?,?)"));
    q.addBindValue(op.operation);
    q.addBindValue(op.method);
    q.addBindValue(op.path);
    q.addBindValue(jsonText(op.params));
    q.addBindValue(key);
    q.addBindValue(op.actor);
    q.addBindValue(ms(now));
    q.addBindValue(ms(now));
    q.addBindValue(op.clientOpId.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(op.clientOpId));
    if (!q.exec())
        return queryError(q);
    const qint64 id = q.lastInsertId().toLongLong();
    if (Status st = tx.commit(); !st)
        return st.error();
    return entry(id);
}

Result<OutboxStore::Claim> OutboxStore::claimNext(const QDateTime &now, const ClaimFilter &filter)
{
    if (!isOpen())
        return notOpen();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    Claim claim;
    qint64 after = filter.afterId;
    for (;;) {
        Transaction tx(db);
        if (Status st = tx.begin(); !st)
            return st.error();
        QSqlQuery q(db);
        QString sql = QStringLiteral("SELECT %1 FROM outbox WHERE state IN ('pending','in_flight') AND id > ?")
                          .arg(QLatin1String(Columns));
        if (filter.onlyId)
            sql += QStringLiteral(" AND id = ?");
        if (!filter.ignoreBackoff)
            sql += QStringLiteral(" AND (next_attempt_at IS NULL OR next_attempt_at <= ?)");
        sql += QStringLiteral(" ORDER BY id LIMIT 1");
        q.prepare(sql);
        q.addBindValue(after);
        if (filter.onlyId)
            q.addBindValue(filter.onlyId);
        if (!filter.ignoreBackoff)
            q.addBindValue(ms(now));
        if (!q.exec())
            return queryError(q);
        if (!q.next())
            return claim;
        OutboxEntry e = readEntry(q);
        q.finish();
        after = e.id;
        const bool keyMayHaveExpired = e.attempts > 0 && ms(now) - ms(e.createdAt) > KeyLifetimeMs;
        QSqlQuery u(db);
        if (keyMayHaveExpired) {
            u.prepare(QStringLiteral("UPDATE outbox SET state='needs_attention', error_kind='expired_key', "
                                     "error_http_status=0, error_request_id='', error_message=?, updated_at=?, "
                                     "next_attempt_at=NULL WHERE id=?"));
            u.addBindValue(tr("This operation was sent more than 24 hours ago without a confirmation, and Stripe "
                              "keeps idempotency keys for 24 hours only, so sending it again could apply it twice. "
                              "Check in Stripe whether it was applied."));
            u.addBindValue(ms(now));
            u.addBindValue(e.id);
            if (!u.exec())
                return queryError(u);
            if (Status st = tx.commit(); !st)
                return st.error();
            claim.changed << e.id;
            continue;
        }
        u.prepare(QStringLiteral("UPDATE outbox SET state='in_flight', attempts=attempts+1, updated_at=?, "
                                 "next_attempt_at=NULL WHERE id=?"));
        u.addBindValue(ms(now));
        u.addBindValue(e.id);
        if (!u.exec())
            return queryError(u);
        if (Status st = tx.commit(); !st)
            return st.error();
        Result<OutboxEntry> updated = entry(e.id);
        if (!updated)
            return updated.error();
        claim.entry = *updated;
        return claim;
    }
}

Result<OutboxEntry> OutboxStore::transition(qint64 id, OutboxState to, const Error *error, const QJsonObject *result,
                                            const QDateTime &nextAttempt, const QDateTime &now)
{
    if (!isOpen())
        return notOpen();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    Transaction tx(db);
    if (Status st = tx.begin(); !st)
        return st.error();
    QSqlQuery q(db);
    // A confirmed entry stays confirmed; the other moves only leave an open entry.
    q.prepare(to == OutboxState::Succeeded
                  ? QStringLiteral("UPDATE outbox SET state=?, updated_at=?, next_attempt_at=?, error_kind=?, "
                                   "error_http_status=?, error_request_id=?, error_message=?, result_object_id=?, "
                                   "result=? WHERE id=? AND state <> 'succeeded'")
                  : QStringLiteral("UPDATE outbox SET state=?, updated_at=?, next_attempt_at=?, error_kind=?, "
                                   "error_http_status=?, error_request_id=?, error_message=?, result_object_id=?, "
                                   "result=? WHERE id=? AND state IN ('pending','in_flight')"));
    q.addBindValue(outboxStateName(to));
    q.addBindValue(ms(now));
    q.addBindValue(msOrNull(nextAttempt));
    q.addBindValue(error ? Error::kindName(error->kind) : QString());
    q.addBindValue(error ? error->httpStatus : 0);
    q.addBindValue(error ? error->requestId : QString());
    q.addBindValue(error ? error->userMessage : QString());
    q.addBindValue(result ? result->value(QLatin1String("id")).toString() : QString());
    q.addBindValue(result ? jsonText(*result) : QString());
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q);
    if (Status st = tx.commit(); !st)
        return st.error();
    return entry(id);
}

Result<OutboxEntry> OutboxStore::markSucceeded(qint64 id, const QJsonObject &result, const QDateTime &now)
{
    return transition(id, OutboxState::Succeeded, nullptr, &result, {}, now);
}

Result<OutboxEntry> OutboxStore::markFailed(qint64 id, const Error &error, const QDateTime &now)
{
    return transition(id, OutboxState::Failed, &error, nullptr, {}, now);
}

Result<OutboxEntry> OutboxStore::markNeedsAttention(qint64 id, const Error &error, const QDateTime &now)
{
    return transition(id, OutboxState::NeedsAttention, &error, nullptr, {}, now);
}

Result<OutboxEntry> OutboxStore::markPending(qint64 id, const Error &error, const QDateTime &nextAttempt,
                                             const QDateTime &now)
{
    return transition(id, OutboxState::Pending, &error, nullptr, nextAttempt, now);
}

Result<int> OutboxStore::clearBackoff(const QDateTime &now)
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("UPDATE outbox SET next_attempt_at=NULL, updated_at=? WHERE state='pending' AND "
                             "next_attempt_at IS NOT NULL"));
    q.addBindValue(ms(now));
    if (!q.exec())
        return queryError(q);
    return q.numRowsAffected();
}

Result<OutboxEntry> OutboxStore::entry(qint64 id)
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT %1 FROM outbox WHERE id = ?").arg(QLatin1String(Columns)));
    q.addBindValue(id);
    if (!q.exec())
        return queryError(q);
    if (!q.next())
        return Error::make(Error::Kind::NotFound, tr("The outbox has no operation %1.").arg(id));
    return readEntry(q);
}

Result<std::optional<OutboxEntry>> OutboxStore::entryByClientOpId(const QString &clientOpId)
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT %1 FROM outbox WHERE client_op_id = ?").arg(QLatin1String(Columns)));
    q.addBindValue(clientOpId);
    if (!q.exec())
        return queryError(q);
    if (!q.next())
        return std::optional<OutboxEntry>();
    return std::optional<OutboxEntry>(readEntry(q));
}

Result<QList<OutboxEntry>> OutboxStore::entries(std::optional<OutboxState> state, int limit)
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    QString sql = QStringLiteral("SELECT %1 FROM outbox").arg(QLatin1String(Columns));
    if (state)
        sql += QStringLiteral(" WHERE state = ?");
    sql += QStringLiteral(" ORDER BY id DESC");
    if (limit > 0)
        sql += QStringLiteral(" LIMIT %1").arg(limit);
    q.prepare(sql);
    if (state)
        q.addBindValue(outboxStateName(*state));
    if (!q.exec())
        return queryError(q);
    QList<OutboxEntry> out;
    while (q.next())
        out << readEntry(q);
    return out;
}

Result<QMap<OutboxState, int>> OutboxStore::counts()
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT state, count(*) FROM outbox GROUP BY state")))
        return queryError(q);
    QMap<OutboxState, int> out;
    while (q.next()) {
        if (auto s = outboxStateFromName(q.value(0).toString()))
            out[*s] = q.value(1).toInt();
    }
    return out;
}

Result<QDateTime> OutboxStore::nextDue()
{
    if (!isOpen())
        return notOpen();
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT min(coalesce(next_attempt_at, 0)) FROM outbox WHERE state IN ('pending','in_flight')")))
        return queryError(q);
    if (!q.next() || q.value(0).isNull())
        return QDateTime();
    return QDateTime::fromMSecsSinceEpoch(q.value(0).toLongLong(), Qt::UTC);
}

} // namespace Billing
