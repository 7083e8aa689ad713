#include "services/analytics/analyticsservice.h"

#include "services/fx/fxraterepository.h"
#include "services/platform/logging.h"
#include "services/reports/csvwriter.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace Billing {

namespace {

struct DbInputs
{
    QList<FxRate> rates;
    QList<UsagePoint> usage;
    QStringList warnings;
};

// Months before a series' first value (before the first customer, the meter's first event) are not
// history: fitting them would read a launch as explosive growth.
void trimLeadingZeros(SeriesForecast &s)
{
    qsizetype first = 0;
    while (first < s.history.size() && s.history.at(first) == 0)
        ++first;
    s.history = s.history.mid(first);
    s.months = s.months.mid(first);
}

} // namespace

AnalyticsService::AnalyticsService(AsyncLocalCache &cache, AsyncBillingDatabase *billingDb, QObject *parent)
    : QObject(parent), m_cache(cache), m_billingDb(billingDb)
{
    connect(&m_cache, &CacheReader::changed, this, [this](const QString &type, const QStringList &) {
        if (type.isEmpty() || type == QLatin1String("subscription") || type == QLatin1String("invoice")
            || type == QLatin1String("price"))
            Q_EMIT changed();
    });
}

Result<AnalyticsInput> AnalyticsService::loadInput(LocalCache &cache)
{
    AnalyticsInput in;
    SubscriptionQuery sq;
    sq.sortKey = SubscriptionQuery::SortKey::Id;
    sq.order = SortOrder::Ascending;
    sq.limit = 1000;
    for (;;) {
        Result<QList<SubscriptionRow>> page = cache.subscriptions(sq);
        if (!page)
            return page.error();
        for (const SubscriptionRow &r : *page)
            in.subscriptions << r.subscription;
        if (page->size() < sq.limit)
            break;
        sq.after = PageCursor{QVariant(), page->last().subscription.id};
    }
    Result<QList<Price>> prices = cache.prices();
    if (!prices)
        return prices.error();
    for (const Price &p : *prices)
        in.prices.insert(p.id, p);
    InvoiceQuery iq;
    iq.sortKey = InvoiceQuery::SortKey::Id;
    iq.order = SortOrder::Ascending;
    iq.limit = 1000;
    for (;;) {
        Result<QList<InvoiceRow>> page = cache.invoices(iq);
        if (!page)
            return page.error();
        for (const InvoiceRow &r : *page)
            in.invoices << r.invoice;
        if (page->size() < iq.limit)
            break;
        iq.after = PageCursor{QVariant(), page->last().invoice.id};
    }
    return in;
}

Result<AnalyticsSnapshot> AnalyticsService::computeNow(const AnalyticsInput &input, const QList<FxRate> &rates,
                                                       const QList<UsagePoint> &usage, const Request &request)
{
    const FxConverter fx(rates);
    Result<AnalyticsReport> report = MetricsCalculator::compute(input, fx, request.metrics);
    if (!report)
        return report.error();
    AnalyticsSnapshot snap;
    snap.report = std::move(report.value());
    snap.rates = rates;
    snap.usage = usage;
    snap.computedAt = QDateTime::currentDateTimeUtc();
    const AnalyticsReport &r = snap.report;
    auto addRevenue = [&](const QString &label, const QString &currency, const QList<MonthMetrics> &rows) {
        SeriesForecast s;
        s.label = label;
        s.currency = currency;
        for (const MonthMetrics &m : rows) {
            if (!m.complete) { // a month without rates: start the history after it
                s.months.clear();
                s.history.clear();
                continue;
            }
            s.months << m.month;
            s.history << double(m.revenueMinor);
        }
        trimLeadingZeros(s);
        s.forecast = forecast(s.history, request.forecast);
        snap.revenueForecasts << s;
    };
    if (!r.reportingCurrency.isEmpty())
        addRevenue(tr("Revenue, all currencies in %1").arg(r.reportingCurrency), r.reportingCurrency, r.converted);
    for (auto it = r.perCurrency.cbegin(); it != r.perCurrency.cend(); ++it)
        addRevenue(tr("Revenue %1").arg(it.key()), it.key(), it.value());

    // Usage per meter and month.
    QMap<QString, QList<double>> perMeter;
    for (const UsagePoint &p : usage) {
        const QDate m(p.bucketStart.date().year(), p.bucketStart.date().month(), 1);
        const qsizetype idx = r.months.indexOf(m);
        if (idx < 0)
            continue;
        QList<double> &series = perMeter[usageSeriesKey(p.meter, p.source)];
        if (series.isEmpty())
            series = QList<double>(r.months.size(), 0.0);
        series[idx] += double(p.quantity);
    }
    for (auto it = perMeter.cbegin(); it != perMeter.cend(); ++it) {
        SeriesForecast s;
        s.label = tr("Usage %1").arg(it.key());
        s.months = r.months;
        s.history = it.value();
        trimLeadingZeros(s);
        s.forecast = forecast(s.history, request.forecast);
        snap.usageForecasts << s;
    }
    return snap;
}

SeriesForecast AnalyticsService::customerForecast(const AnalyticsSnapshot &snapshot, const QString &customerId,
                                                  const ForecastOptions &options)
{
    SeriesForecast s;
    const auto byCurrency = snapshot.report.customerRevenue.value(customerId);
    // The customer's currency with the most revenue (a customer's currency is fixed once invoiced).
    QString best;
    qint64 bestSum = -1;
    for (auto it = byCurrency.cbegin(); it != byCurrency.cend(); ++it) {
        qint64 sum = 0;
        for (qint64 v : it.value())
            sum += v;
        if (sum > bestSum) {
            bestSum = sum;
            best = it.key();
        }
    }
    s.label = tr("Revenue %1 - %2").arg(best, customerId);
    s.currency = best;
    s.months = snapshot.report.months;
    for (qint64 v : byCurrency.value(best))
        s.history << double(v);
    trimLeadingZeros(s);
    if (best.isEmpty())
        s.forecast = Error::make(Error::Kind::NotFound, tr("%1 has no paid invoices in these months.").arg(customerId));
    else
        s.forecast = forecast(s.history, options);
    return s;
}

Status AnalyticsService::writeCsv(const QString &path, const QList<QStringList> &rows)
{
    if (rows.isEmpty())
        return Error::make(Error::Kind::Validation, tr("There is nothing to export."));
    QList<ReportColumn> columns;
    for (const QString &name : rows.first())
        columns << ReportColumn{name, ColumnType::Text};
    CsvWriter writer(columns);
    if (Status s = writer.open(path); !s)
        return s;
    for (qsizetype i = 1; i < rows.size(); ++i) {
        ReportRow row;
        for (const QString &cell : rows.at(i))
            row << (cell.isEmpty() ? ReportValue() : ReportValue::text(cell));
        if (Status s = writer.writeRow(row); !s)
            return s;
    }
    return writer.commit();
}

void AnalyticsService::compute(const Request &request, QObject *context, Handler handler)
{
    QPointer<QObject> guard(context);
    QPointer<AsyncBillingDatabase> billingDb = m_billingDb;
    auto finish = [guard, handler, request](AnalyticsInput input, DbInputs db) {
        if (!guard)
            return;
        QtConcurrent::run([input = std::move(input), db, request]() -> Result<AnalyticsSnapshot> {
            Result<AnalyticsSnapshot> snap = computeNow(input, db.rates, db.usage, request);
            if (snap)
                snap->report.warnings = db.warnings + snap->report.warnings;
            return snap;
        }).then(guard.data(), [guard, handler](Result<AnalyticsSnapshot> snap) {
            if (guard)
                handler(std::move(snap));
        });
    };
    m_cache.thread().run(
        this, [](LocalCache &cache) { return loadInput(cache); },
        [this, guard, handler, finish, billingDb, request](Result<AnalyticsInput> input) {
            if (!guard)
                return;
            if (!input) {
                Logging::logger("app")->warn("analytics: cache read failed: {}", input.error().detail.toStdString());
                handler(input.error());
                return;
            }
            if (!billingDb) {
                DbInputs none;
                none.warnings << tr("No billing database: no FX rates, amounts are shown per currency only.");
                finish(std::move(input.value()), none);
                return;
            }
            UsageSeriesQuery uq;
            uq.granularity = UsageGranularity::Month;
            uq.from = QDateTime(QDate(request.metrics.firstMonth.year(), request.metrics.firstMonth.month(), 1),
                                QTime(0, 0), Qt::UTC);
            uq.to = QDateTime(QDate(request.metrics.lastMonth.year(), request.metrics.lastMonth.month(), 1).addMonths(1),
                              QTime(0, 0), Qt::UTC);
            billingDb->thread().run(
                this,
                [uq](BillingDatabase &db) {
                    DbInputs out;
                    FxRateRepository repo(db);
                    if (Result<QList<FxRate>> rates = repo.rates())
                        out.rates = *rates;
                    else
                        out.warnings << rates.error().userMessage;
                    if (Result<QList<UsagePoint>> usage = db.usageSeries(uq))
                        out.usage = *usage;
                    return out;
                },
                [finish, input](DbInputs db) mutable { finish(std::move(input.value()), std::move(db)); });
        });
}

} // namespace Billing
