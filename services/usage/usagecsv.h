#pragma once

#include "services/domain/result.h"
#include "services/storage/usage.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Billing {

// The numbers behind a usage chart, as the pane holds them.
struct UsageTable
{
    UsageGranularity granularity = UsageGranularity::Day;
    QString customerId;            // empty = all customers
    QStringList series;            // column names (usageSeriesKey, with " · tier" when split by tier)
    QList<QDateTime> buckets;      // UTC, ascending
    QList<QList<qint64>> values;   // [bucket][series]
    QStringList flags;             // per bucket: why it is flagged, empty = fine
};

// Writes the table as CSV through CsvWriter (RFC 4180, formula defusing, atomic rename), one row
// per bucket and series: bucket_start (ISO 8601 UTC), granularity, customer, series, quantity,
// flag. Errors: as CsvWriter (Database for the file system, Validation for a ragged table).
Status writeUsageCsv(const QString &path, const UsageTable &table);

} // namespace Billing
