#pragma once

#include "services/domain/result.h"
#include "services/storage/usage.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;
class StripeClient;

struct MeterSyncRequest
{
    QStringList customerIds; // the customers whose summaries are fetched (Stripe needs one per call)
    QDateTime from;          // UTC; rounded down to the window
    QDateTime to;            // UTC, exclusive; rounded up to the window
    UsageGranularity window = UsageGranularity::Hour; // value_grouping_window: Hour or Day
};

// Something a sync could not store, in plain words. Nothing of that window was written.
struct MeterSyncProblem
{
    QString meter;      // event name (or the meter id when the meter itself is the problem)
    QString customerId; // empty for meter-level problems
    QString message;
};

struct MeterSyncReport
{
    int meters = 0;        // listed by Stripe
    QStringList inactive;  // event names of meters Stripe lists as deactivated
    QStringList missing;   // event names of meters an earlier sync saw and Stripe no longer lists
    int windows = 0;       // (meter, customer) windows replaced
    int buckets = 0;       // summaries stored
    int requests = 0;      // summary list calls (pages included)
    QList<MeterSyncProblem> problems;
};

// Brings Stripe billing meters into the billing database's usage rollups (source "stripe"):
// GET /v1/billing/meters, then per meter and customer GET /v1/billing/meters/{id}/event_summaries
// with value_grouping_window hour or day over the request's window. Each (meter, customer) window
// replaces what an earlier sync stored there (BillingDatabase::replaceUsageSummaries), so a re-sync
// never double-counts. Meters that an earlier sync saw and Stripe no longer lists are marked
// "missing" (their history stays, flagged).
//
// Bad data is refused per window and reported, never stored: a negative, fractional or absurd
// (above MaxBucketQuantity) aggregated_value, a summary outside the window or in the future.
// A failing list call (unknown customer, network) is a problem of its window; the meter list
// failing fails the whole sync.
//
// Threading: GUI thread (or any thread with an event loop); the handler runs on `context`'s
// thread while it lives. Requests go through StripeClient's rate limiter.
class MeterSyncService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MeterSyncService)
public:
    static constexpr qint64 MaxBucketQuantity = 1'000'000'000'000; // one hour or day of one meter

    MeterSyncService(StripeClient *stripe, AsyncBillingDatabase *db, QObject *parent = nullptr);

    void sync(const MeterSyncRequest &request, QObject *context,
              std::function<void(Result<MeterSyncReport>)> handler);
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void progress(int done, int total); // (meter, customer) windows fetched
    void finished(const Billing::MeterSyncReport &report);

private:
    StripeClient *m_stripe;
    AsyncBillingDatabase *m_db;
    bool m_running = false;
};

} // namespace Billing
