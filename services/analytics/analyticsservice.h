#pragma once

#include "services/analytics/forecaster.h"
#include "services/analytics/metricscalculator.h"
#include "services/domain/result.h"
#include "services/fx/fxconverter.h"
#include "services/storage/usage.h"

#include <QDate>
#include <QObject>
#include <QPointer>

#include <functional>

namespace Billing {

class AsyncLocalCache;
class AsyncBillingDatabase;

// One forecast series: the history it was fitted on and the forecast, for a currency (revenue, in
// minor units) or for usage (units). Labels are the months.
struct SeriesForecast
{
    QString label;          // "Revenue USD", "Revenue USD - cus_123", "Usage api_calls"
    QString currency;       // empty for usage
    QList<QDate> months;    // history months
    QList<double> history;  // minor units (revenue) or units (usage)
    Result<Forecast> forecast = Error::make(Error::Kind::Validation, QString());
};

// Everything the analytics pane shows, computed off the GUI thread.
struct AnalyticsSnapshot
{
    AnalyticsReport report;
    QList<FxRate> rates;              // the FX table as read
    QList<SeriesForecast> revenueForecasts; // total per currency (and converted), most recent months
    QList<SeriesForecast> usageForecasts;   // per meter, all customers (billing database rollups)
    QList<UsagePoint> usage;                // monthly usage per meter over the report's months
    QDateTime computedAt;
};

// Loads subscriptions (with items), prices and invoices from the local cache and the FX-rate table
// from the billing database, on their worker threads, then computes the metrics and the revenue
// forecasts with QtConcurrent (never on the GUI thread), and hands the result back on the caller's
// thread. Emits changed() when the cache reports new subscriptions, invoices or prices, so an open
// pane can refresh. The billing database may be null (no FX table: no converted view).
class AnalyticsService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnalyticsService)

public:
    AnalyticsService(AsyncLocalCache &cache, AsyncBillingDatabase *billingDb, QObject *parent = nullptr);

    struct Request
    {
        MetricsOptions metrics;
        ForecastOptions forecast;
    };
    using Handler = std::function<void(Result<AnalyticsSnapshot>)>;
    // Runs `handler` on context's thread while context lives.
    void compute(const Request &request, QObject *context, Handler handler);

    // The same work, synchronously, for tests and the command line (never the GUI thread).
    static Result<AnalyticsSnapshot> computeNow(const AnalyticsInput &input, const QList<FxRate> &rates,
                                                const QList<UsagePoint> &usage, const Request &request);
    // Reads the metric inputs from a cache (worker thread of the cache).
    static Result<AnalyticsInput> loadInput(class LocalCache &cache);
    // Writes table rows (the first is the header) as one CSV file through CsvWriter (atomic, formula
    // cells defused). Errors: Validation for no rows, Database when the file system refuses.
    static Status writeCsv(const QString &path, const QList<QStringList> &rows);
    // A revenue forecast for one customer (their paid invoices per month), from a computed snapshot.
    static SeriesForecast customerForecast(const AnalyticsSnapshot &snapshot, const QString &customerId,
                                           const ForecastOptions &options);

Q_SIGNALS:
    void changed();

private:
    AsyncLocalCache &m_cache;
    QPointer<AsyncBillingDatabase> m_billingDb;
};

} // namespace Billing
