#pragma once

#include "services/domain/result.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace Billing {

// One metered event, as the product's own metering (or a Stripe meter) reports it.
struct UsageEvent
{
    QString id;         // unique per source, e.g. the metering system's event id; dedup key
    QString customerId; // cus_...
    QString meter;      // event name of the meter ("api_calls", "storage_gb_hours", ...)
    qint64 quantity = 0;
    QDateTime occurredAt; // UTC
};

enum class UsageGranularity { Hour, Day, Month };

// Where a rollup row came from: the product's own metering (recordUsageEvents, CSV import) or a
// Stripe billing meter's event summaries (services/usage MeterSyncService).
inline const QString UsageSourceProduct = QStringLiteral("product");
inline const QString UsageSourceStripe = QStringLiteral("stripe");

struct UsageSeriesQuery
{
    QString customerId; // empty = all customers
    UsageGranularity granularity = UsageGranularity::Day;
    QDateTime from; // inclusive, UTC
    QDateTime to;   // exclusive, UTC
    QString source; // empty = both sources, else UsageSourceProduct or UsageSourceStripe
    bool byCustomer = false; // true: one point per (bucket, meter, source, customer)
};

// One bucket of a rollup: the sum of quantity for (bucketStart, meter, source[, customer]).
struct UsagePoint
{
    QDateTime bucketStart; // UTC
    QString meter;
    qint64 quantity = 0;
    QString source = UsageSourceProduct;
    QString customerId; // set when the query asked for byCustomer
};

// The name a chart shows for a meter of a source: the meter itself for the product's metering,
// "meter (Stripe)" for a Stripe meter (a meter both sources record is never silently summed).
inline QString usageSeriesKey(const QString &meter, const QString &source)
{
    return source == UsageSourceStripe ? meter + QStringLiteral(" (Stripe)") : meter;
}

// A meter as last seen by a sync of its source (Stripe meters only for now).
struct UsageMeterInfo
{
    QString id;          // Stripe meter id (mtr_...)
    QString meter;       // event_name: the rollups' meter
    QString displayName;
    QString source = UsageSourceStripe;
    QString status;      // "active", "inactive" (deactivated in Stripe), "missing" (gone from Stripe)
    QDateTime lastSeenAt;   // UTC, the last sync that listed it
    QDateTime missingSince; // UTC, first sync that did not list it (or saw it inactive); null otherwise
};

// Stripe event summaries of one meter for one customer over [from, to), aligned to the window
// (hour or UTC day). They replace whatever an earlier sync stored for that window.
struct UsageSummaryWindow
{
    QString customerId;
    QString meter; // event_name
    UsageGranularity window = UsageGranularity::Hour; // Hour or Day
    QDateTime from; // inclusive, UTC, aligned to window
    QDateTime to;   // exclusive, UTC, aligned to window
    QList<UsagePoint> buckets; // bucketStart (aligned, inside [from, to)) and quantity (>= 0)
};

// Asynchronous read access to usage rollups, the interface the usage chart depends on.
// Handlers run on `context`'s thread while it lives.
class UsageReader : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~UsageReader() override = default;

    virtual void series(const UsageSeriesQuery &query, QObject *context,
                        std::function<void(Result<QList<UsagePoint>>)> handler) = 0;
    virtual void meters(QObject *context, std::function<void(Result<QStringList>)> handler) = 0;

    // The meters a sync has seen (with their status), for flags on meters that disappeared.
    // Default: none known.
    virtual void meterInfos(QObject *context, std::function<void(Result<QList<UsageMeterInfo>>)> handler)
    {
        Q_UNUSED(context);
        if (handler)
            handler(QList<UsageMeterInfo>{});
    }

Q_SIGNALS:
    // Emitted just before usageChanged() when the earliest changed time is known (UTC): only
    // buckets from there on can have changed.
    void usageChangedFrom(const QDateTime &earliestUtc);
    void usageChanged(); // new events were recorded (by this console or, with PostgreSQL, another)
};

} // namespace Billing
