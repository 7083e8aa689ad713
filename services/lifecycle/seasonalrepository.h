#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// A yearly pause window of one subscription: collection is paused every year from
// (startMonth, startDay) 00:00 UTC until the end of (endMonth, endDay) UTC. An end before the start
// crosses the new year (Dec 1 - Feb 28). Feb 29 as an end means the last day of February.
// The window of "year Y" is the one that starts in Y.
struct SeasonalWindow
{
    QString subscriptionId;
    QString customerId;
    int startMonth = 12;
    int startDay = 1;
    int endMonth = 2;
    int endDay = 28;
    QString behavior = QStringLiteral("keep_as_draft"); // pause_collection.behavior
    bool active = true;
    qint64 version = 0; // optimistic concurrency: 0 = not stored yet
    QDateTime updatedAt;
    QString updatedBy;

    // Validation error in plain words when a date does not exist or the behaviour is unknown.
    Status validate() const;
    bool crossesYearEnd() const { return endMonth < startMonth || (endMonth == startMonth && endDay < startDay); }
    // [start, end) of the window that starts in `year`, UTC.
    QDateTime startIn(int year) const;
    QDateTime endAfterStartIn(int year) const;
    // "Every Dec 1 to Feb 28 (keep_as_draft)" in the locale-free short form, for the detail panel.
    QString describe() const;
};

// A scheduler action that was claimed (exactly once per subscription, window year and action).
struct SeasonalRun
{
    QString subscriptionId;
    int windowYear = 0;
    QString action; // "pause" | "resume"
    QDateTime at;
    QString actor;
    qint64 outboxEntryId = 0;
    QString result; // "claimed", "queued", "error: ..."
};

// Seasonal windows and scheduler runs in the billing database, through the BillingDatabase's
// connection (database(), dialect()); tables made by ensureSchema() (CREATE IF NOT EXISTS under the
// migration lock). Runs have the unique key (subscription_id, window_year, action): claimRun()
// succeeds for one caller only, whichever console or scheduler instance asks.
// Threading: the BillingDatabase's thread. Errors: Database, Validation, Conflict (stale version),
// NotFound.
class SeasonalRepository final
{
public:
    explicit SeasonalRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();
    Result<std::optional<SeasonalWindow>> window(const QString &subscriptionId);
    Result<QList<SeasonalWindow>> windows(bool activeOnly = true);
    // Inserts (version 0) or updates (the stored version, else Conflict); returns the stored row.
    Result<SeasonalWindow> setWindow(const SeasonalWindow &window, const QString &actor);
    Status removeWindow(const QString &subscriptionId, qint64 expectedVersion);

    // true when this caller claimed the action; false when it was claimed before.
    Result<bool> claimRun(const SeasonalRun &run);
    // Takes over a claim left "claimed" (never queued: its console stopped between the claim and
    // the outbox) whose time is at or before staleBefore; true when this caller now holds it (its
    // at/actor become run's).
    Result<bool> reclaimStaleRun(const SeasonalRun &run, const QDateTime &staleBefore);
    Status updateRun(const SeasonalRun &run);
    // Drops a claim whose operation could not be queued, so a later run tries again.
    Status releaseRun(const QString &subscriptionId, int windowYear, const QString &action);
    Result<QList<SeasonalRun>> runs(const QString &subscriptionId = {});

private:
    BillingDatabase &m_db;
};

} // namespace Billing
