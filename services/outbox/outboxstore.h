#pragma once

#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Billing {

// The outbox file of a workspace (outbox.sqlite beside cache.sqlite, never inside the cache: a
// corrupt cache is rebuilt, the outbox must never be lost silently). SQLite with WAL and
// synchronous=FULL; every state change is one committed transaction. Several processes may share
// the file (the console and a CLI run): writes take the lock with BEGIN IMMEDIATE and wait up to
// 10 s for it.
//
// Synchronous and single-threaded: owned by a DbThread (OutboxService does that); every call on
// the thread that opened it. Errors: Error::Kind::Database (with the SQL error in detail),
// Validation for a bad operation, Conflict when a client_op_id is reused for another operation.
class OutboxStore final
{
public:
    static constexpr qint64 KeyLifetimeMs = 24LL * 3600 * 1000; // Stripe keeps keys >= 24 h
    static constexpr int SchemaVersion = 1;

    struct OpenReport
    {
        // Damaged outbox files moved aside earlier and still lying beside this one: their
        // operations need a person to check them against Stripe. Reported on every open until
        // someone deletes them.
        QStringList setAside;
    };

    OutboxStore();
    ~OutboxStore();
    OutboxStore(const OutboxStore &) = delete;
    OutboxStore &operator=(const OutboxStore &) = delete;

    // Opens or creates the file. A damaged file (not a database, failed integrity check, unknown
    // schema) is moved aside to "<path>.damaged-<UTC time>" with its -wal, never recreated in the
    // same call: the call fails with Error::Kind::Database whose userMessage names the moved
    // file. The next open starts a new, empty outbox and lists the moved file in setAside.
    Result<OpenReport> open(const QString &path);
    bool isOpen() const;
    QString path() const { return m_path; }

    // Writes the operation as Pending with a fresh UUID v4 idempotency key and commits. With a
    // clientOpId already in the outbox: the existing entry (whatever its state) when it is the same
    // operation, else Conflict.
    Result<OutboxEntry> enqueue(const OutboxOperation &op, const QDateTime &now);

    struct Claim
    {
        std::optional<OutboxEntry> entry; // now InFlight (attempts + 1), to be sent
        QList<qint64> changed;            // entries moved to NeedsAttention on the way
    };
    struct ClaimFilter
    {
        qint64 onlyId = 0;        // only this entry (0: any)
        qint64 afterId = 0;       // only ids above this (a drain pass walks the queue once)
        bool ignoreBackoff = false; // also pending entries whose next attempt is not yet due
    };
    // Takes the oldest sendable entry (Pending or InFlight) and marks it InFlight in one
    // transaction. Entries that reached Stripe before (attempts > 0) with a key older than
    // KeyLifetimeMs become NeedsAttention instead: resending could apply them twice.
    Result<Claim> claimNext(const QDateTime &now, const ClaimFilter &filter);

    Result<OutboxEntry> markSucceeded(qint64 id, const QJsonObject &result, const QDateTime &now);
    Result<OutboxEntry> markFailed(qint64 id, const Error &error, const QDateTime &now);
    Result<OutboxEntry> markNeedsAttention(qint64 id, const Error &error, const QDateTime &now);
    // Back to Pending after a transient failure, not to be sent before nextAttempt.
    Result<OutboxEntry> markPending(qint64 id, const Error &error, const QDateTime &nextAttempt, const QDateTime &now);
    // Clears the backoff of every pending entry (retry now). Returns how many.
    Result<int> clearBackoff(const QDateTime &now);

    Result<OutboxEntry> entry(qint64 id);
    Result<std::optional<OutboxEntry>> entryByClientOpId(const QString &clientOpId);
    // Newest first; state nullopt = all. limit <= 0: no limit.
    Result<QList<OutboxEntry>> entries(std::optional<OutboxState> state, int limit = 0);
    Result<QMap<OutboxState, int>> counts();
    // When the earliest pending entry is due (invalid when none is waiting).
    Result<QDateTime> nextDue();

private:
    Status exec(const QString &sql);
    Result<OutboxEntry> transition(qint64 id, OutboxState to, const Error *error, const QJsonObject *result,
                                   const QDateTime &nextAttempt, const QDateTime &now);
    void close();

    QString m_connection;
    QString m_path;
};

} // namespace Billing
