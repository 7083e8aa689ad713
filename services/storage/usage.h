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

struct UsageSeriesQuery
{
    QString customerId; // empty = all customers
    UsageGranularity granularity = UsageGranularity::Day;
    QDateTime from; // inclusive, UTC
    QDateTime to;   // exclusive, UTC
};

// One bucket of a rollup: the sum of quantity for (bucketStart, meter).
struct UsagePoint
{
    QDateTime bucketStart; // UTC
    QString meter;
    qint64 quantity = 0;
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

Q_SIGNALS:
    void usageChanged(); // new events were recorded (by this console or, with PostgreSQL, another)
};

} // namespace Billing
