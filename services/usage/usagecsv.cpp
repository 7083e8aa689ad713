#include "services/usage/usagecsv.h"

#include "services/reports/csvwriter.h"
#include "services/storage/billingdatabase.h"

#include <QCoreApplication>

namespace Billing {

Status writeUsageCsv(const QString &path, const UsageTable &table)
{
    if (table.values.size() != table.buckets.size())
        return Error::make(Error::Kind::Validation,
                           QCoreApplication::translate("Billing::UsageCsv", "The usage table is incomplete."));
    CsvWriter writer({{QStringLiteral("bucket_start"), ColumnType::Date},
                      {QStringLiteral("granularity"), ColumnType::Text},
                      {QStringLiteral("customer"), ColumnType::Text},
                      {QStringLiteral("series"), ColumnType::Text},
                      {QStringLiteral("quantity"), ColumnType::Integer},
                      {QStringLiteral("flag"), ColumnType::Text}});
    if (Status s = writer.open(path); !s)
        return s;
    const QString granularity = BillingDatabase::granularityName(table.granularity);
    for (qsizetype r = 0; r < table.buckets.size(); ++r) {
        for (qsizetype c = 0; c < table.series.size(); ++c) {
            const ReportRow row{ReportValue::date(table.buckets.at(r)), ReportValue::text(granularity),
                                ReportValue::text(table.customerId.isEmpty() ? QStringLiteral("all") : table.customerId),
                                ReportValue::text(table.series.at(c)),
                                ReportValue::integer(table.values.at(r).value(c)), ReportValue::text(table.flags.value(r))};
            if (Status s = writer.writeRow(row); !s)
                return s;
        }
    }
    return writer.commit();
}

} // namespace Billing
