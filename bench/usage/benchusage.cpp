// bc-bench-usage: usage chart query and render times on a big SQLite billing database.
//   --db FILE        the database (default /tmp/bc-bench-usage/billing.db); generated when missing
//   --events N       events to generate (default 10,000,000)
//   --customers N    customers (default 500), 3 meters, one year of usage ending at the last full hour
//   --batch N        events per recordUsageEvents call = per transaction (default 100,000)
//   --runs N         timed runs per case (default 5; median and max reported)
//   --regen          delete and generate again
// Everything goes through the product's code: BillingDatabase::recordUsageEvents (events + hour/day/
// month rollups), AsyncBillingDatabase, UsageSeriesModel, UsageChartView (Qt Charts, offscreen).
#include "models/usageseriesmodel.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/billingdatabase.h"
#include "ui/charts/usagechartview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace Billing;

namespace {

struct Stat
{
    QList<double> ms;
    double median() const
    {
        QList<double> s = ms;
        std::sort(s.begin(), s.end());
        return s.isEmpty() ? 0 : s.at(s.size() / 2);
    }
    double max() const { return ms.isEmpty() ? 0 : *std::max_element(ms.cbegin(), ms.cend()); }
};

bool waitFor(const std::function<bool()> &done, int timeoutMs = 600000)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

QDateTime endOfData()
{
    return BillingDatabase::bucketStart(QDateTime::currentDateTimeUtc(), UsageGranularity::Hour);
}

// Set-based generation straight into the billing database's tables, one transaction per batch of
// events (recursive CTE, deterministic arithmetic "randomness"), then the hour/day/month rollups
// with GROUP BY: the same rows recordUsageEvents would write (tst_billingdatabase checks that
// rollups equal raw sums), at a speed that makes 10M events a matter of minutes, not hours.
int generate(const QString &path, qint64 events, int customers, int batch)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    BillingDatabase db(QStringLiteral("bench-gen"));
    if (auto r = db.open(BillingDbSettings::sqlite(path)); !r) {
        std::fprintf(stderr, "open: %s\n", qPrintable(r.error().detail));
        return 1;
    }
    const qint64 end = endOfData().toSecsSinceEpoch();
    const qint64 span = 365LL * 86400;
    const qint64 start = end - span;
    QSqlQuery q(db.database());
    auto run = [&](const QString &sql) {
        if (!q.exec(sql)) {
            std::fprintf(stderr, "SQL failed: %s\n%s\n", qPrintable(q.lastError().text()), qPrintable(sql));
            return false;
        }
        return true;
    };
    run(QStringLiteral("PRAGMA synchronous = NORMAL"));
    run(QStringLiteral("PRAGMA cache_size = -262144")); // 256 MiB
    QElapsedTimer t;
    t.start();
    for (qint64 lo = 0; lo < events; lo += batch) {
        const qint64 hi = qMin(events, lo + batch);
        if (!run(QStringLiteral("BEGIN")) ||
            !run(QStringLiteral(
                     "INSERT INTO usage_events (id, customer_id, meter, quantity, occurred_at) "
                     "WITH RECURSIVE s(k) AS (SELECT %1 UNION ALL SELECT k + 1 FROM s WHERE k + 1 < %2) "
                     "SELECT 'ev' || substr('0000000000' || k, -10), 'cus_bench' || substr('0000' || ((k * 2654435761) % %3), -4), "
                     "CASE WHEN (k * 40503) % 100 < 80 THEN 'api_calls' WHEN (k * 7) % 2 = 0 THEN 'storage_gb' ELSE 'seats_active' END, "
                     "1 + (k * 69069) % 50, %4 + (k * %5) / %6 FROM s")
                     .arg(lo).arg(hi).arg(customers).arg(start).arg(span).arg(events)) ||
            !run(QStringLiteral("COMMIT")))
            return 1;
        std::printf("  %lld / %lld events, %.0f events/s\n", hi, events, hi / (t.elapsed() / 1000.0));
        std::fflush(stdout);
    }
    const double insertSecs = t.elapsed() / 1000.0;
    QElapsedTimer r;
    r.start();
    if (!run(QStringLiteral("BEGIN")) ||
        !run(QStringLiteral("INSERT INTO usage_rollups (granularity, bucket_start, customer_id, meter, source, quantity) "
                            "SELECT 'hour', occurred_at - occurred_at % 3600, customer_id, meter, 'product', SUM(quantity) "
                            "FROM usage_events GROUP BY 2, 3, 4")) ||
        !run(QStringLiteral("INSERT INTO usage_rollups (granularity, bucket_start, customer_id, meter, source, quantity) "
                            "SELECT 'day', bucket_start - bucket_start % 86400, customer_id, meter, 'product', SUM(quantity) "
                            "FROM usage_rollups WHERE granularity = 'hour' GROUP BY 2, 3, 4")) ||
        !run(QStringLiteral("INSERT INTO usage_rollups (granularity, bucket_start, customer_id, meter, source, quantity) "
                            "SELECT 'month', CAST(strftime('%s', bucket_start, 'unixepoch', 'start of month') AS INTEGER), "
                            "customer_id, meter, 'product', SUM(quantity) FROM usage_rollups WHERE granularity = 'day' GROUP BY 2, 3, 4")) ||
        !run(QStringLiteral("COMMIT")))
        return 1;
    q.finish();
    run(QStringLiteral("ANALYZE"));
    run(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::printf("generated %lld events in %.1f s (%.0f events/s), rollups in %.1f s\n", events, insertSecs,
                events / insertSecs, r.elapsed() / 1000.0);
    db.close();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    qputenv("QT_LOGGING_RULES", "qt.qpa.*=false");
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &msg) {
        if (type != QtDebugMsg && type != QtInfoMsg && !msg.contains(QStringLiteral("propagateSizeHints")))
            std::fprintf(stderr, "%s\n", qPrintable(msg));
    });
    QApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({QStringLiteral("db"), QStringLiteral("database file"), QStringLiteral("file"), QStringLiteral("/tmp/bc-bench-usage/billing.db")});
    p.addOption({QStringLiteral("events"), QStringLiteral("events"), QStringLiteral("n"), QStringLiteral("10000000")});
    p.addOption({QStringLiteral("customers"), QStringLiteral("customers"), QStringLiteral("n"), QStringLiteral("500")});
    p.addOption({QStringLiteral("batch"), QStringLiteral("events per transaction"), QStringLiteral("n"), QStringLiteral("100000")});
    p.addOption({QStringLiteral("runs"), QStringLiteral("runs per case"), QStringLiteral("n"), QStringLiteral("5")});
    p.addOption({QStringLiteral("regen"), QStringLiteral("generate again")});
    p.process(app);
    const QString path = p.value(QStringLiteral("db"));
    const int runs = p.value(QStringLiteral("runs")).toInt();
    if (p.isSet(QStringLiteral("regen")))
        QFile::remove(path);
    if (!QFileInfo::exists(path)) {
        std::printf("generating %s\n", qPrintable(path));
        if (int rc = generate(path, p.value(QStringLiteral("events")).toLongLong(), p.value(QStringLiteral("customers")).toInt(),
                              p.value(QStringLiteral("batch")).toInt()))
            return rc;
    }

    AsyncBillingDatabase db(BillingDbSettings::sqlite(path), 0);
    if (auto r = db.openBlocking(); !r) {
        std::fprintf(stderr, "open: %s\n", qPrintable(r.error().detail));
        return 1;
    }
    const qint64 count = *db.thread().runBlocking([](BillingDatabase &d) { return d.usageEventCount(); });
    const qint64 rollups = db.thread().runBlocking([](BillingDatabase &d) -> qint64 {
        QSqlQuery q(d.database());
        return q.exec(QStringLiteral("SELECT COUNT(*) FROM usage_rollups")) && q.next() ? q.value(0).toLongLong() : -1;
    });
    std::printf("database %s: %lld events, %lld rollup rows, %.0f MiB\n", qPrintable(path), count, rollups,
                QFileInfo(path).size() / 1048576.0);

    // The newest data: the range ends there, like the Usage pane.
    QDateTime end = db.thread().runBlocking([](BillingDatabase &d) -> QDateTime {
        QSqlQuery q(d.database());
        if (q.exec(QStringLiteral("SELECT MAX(bucket_start) FROM usage_rollups WHERE granularity = 'hour'")) && q.next())
            return QDateTime::fromSecsSinceEpoch(q.value(0).toLongLong() + 3600, Qt::UTC);
        return {};
    });

    UsageSeriesModel model(&db);
    UsageChartView chart(&model);
    chart.resize(1200, 700);
    chart.show();
    bool reset = false, reloaded = false;
    QObject::connect(&model, &QAbstractItemModel::modelReset, [&] { reset = true; });
    QObject::connect(&model, &UsageSeriesModel::reloaded, [&] { reloaded = true; });

    struct Range { const char *name; int days; };
    const Range ranges[] = {{"day", 1}, {"month", 30}, {"year", 365}, {"all", 0}};
    const UsageGranularity grains[] = {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month};
    std::printf("\n| range | granularity | buckets | points | query + model (median / max ms) | of which SQL (ms) | chart build (ms) | paint (ms) | total (ms) |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Range &r : ranges) {
        for (UsageGranularity g : grains) {
            Stat query, build, paint, total, sql;
            int buckets = 0, points = 0;
            for (int run = 0; run < runs; ++run) {
                const QDateTime from = r.days ? end.addDays(-r.days) : QDateTime::fromSecsSinceEpoch(0, Qt::UTC);
                // Move away first, so every run is a real reload.
                reloaded = false;
                model.setGranularity(g);
                model.setRange(from.addSecs(-3600 * (run + 1)), end);
                waitFor([&] { return reloaded; }); // that reload done: the timed one starts on an idle worker
                QElapsedTimer t;
                qint64 tReset = -1, tReloaded = -1;
                auto c1 = QObject::connect(&model, &QAbstractItemModel::modelReset, [&] { tReset = t.nsecsElapsed(); });
                auto c2 = QObject::connect(&model, &UsageSeriesModel::reloaded, [&] { tReloaded = t.nsecsElapsed(); });
                t.start();
                model.setRange(from, end);
                waitFor([&] { return tReloaded >= 0; });
                QObject::disconnect(c1);
                QObject::disconnect(c2);
                const double q = tReset / 1e6;
                const double b = (tReloaded - tReset) / 1e6; // the chart's rebuild runs on reloaded()
                QElapsedTimer pt;
                pt.start();
                const QPixmap image = chart.grab(); // layout + paint of every chart
                const double pm = pt.nsecsElapsed() / 1e6;
                {
                    UsageSeriesQuery sq = model.query();
                    QElapsedTimer st;
                    st.start();
                    const auto pts = db.thread().runBlocking([sq](BillingDatabase &d) { return d.usageSeries(sq); });
                    sql.ms << st.nsecsElapsed() / 1e6;
                }
                query.ms << q;
                build.ms << b;
                paint.ms << pm;
                total.ms << q + b + pm;
                buckets = model.rowCount();
                points = chart.pointCount();
                Q_UNUSED(image);
            }
            std::printf("| %s | %s | %d | %d | %.1f / %.1f | %.1f | %.1f | %.1f | %.1f |\n", r.name,
                        qPrintable(BillingDatabase::granularityName(g)), buckets, points, query.median(), query.max(),
                        sql.median(), build.median(), paint.median(), total.median());
            std::fflush(stdout);
        }
    }

    // Refresh: 1,000 new events in the newest hour, recorded through this console (as a metering
    // import would) while the pane shows the last 30 days by day, then the last 7 days by hour.
    std::printf("\n| pane | 1,000 events: record (ms) | chart updated after record (median / max ms) | rows touched | full rebuilds |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    struct Pane { const char *name; int days; UsageGranularity g; };
    const Pane panes[] = {{"last 30 days, daily", 30, UsageGranularity::Day}, {"last 7 days, hourly", 7, UsageGranularity::Hour}};
    int batchNo = 0;
    // Ids unique to this process: a rerun on the kept database must insert new events (a repeated
    // id is a duplicate, stored once, and would change nothing).
    const QString runTag = QString::number(QDateTime::currentMSecsSinceEpoch(), 36);
    for (const Pane &pane : panes) {
        model.setGranularity(pane.g);
        model.setRange(end.addDays(-pane.days), end.addDays(1));
        reset = reloaded = false;
        model.reload();
        waitFor([&] { return reloaded; });
        Stat record, visible;
        int touched = 0;
        const int rebuildsBefore = chart.rebuildCount();
        for (int run = 0; run < runs; ++run) {
            QList<UsageEvent> events;
            for (int i = 0; i < 1000; ++i) {
                UsageEvent e;
                e.id = QStringLiteral("refresh-%1-%2-%3").arg(runTag).arg(batchNo).arg(i);
                e.customerId = QStringLiteral("cus_bench%1").arg(i % 500, 4, 10, QLatin1Char('0'));
                e.meter = i % 5 == 0 ? QStringLiteral("storage_gb") : QStringLiteral("api_calls");
                e.quantity = 1 + i % 7;
                e.occurredAt = end.addSecs(-3600 + (i * 3599) / 1000);
                events << e;
            }
            ++batchNo;
            bool recorded = false, refreshed = false, updated = false;
            int first = -1, last = -1;
            auto c1 = QObject::connect(&model, &UsageSeriesModel::refreshed, [&](int f, int l) { refreshed = true; first = f; last = l; });
            auto c2 = QObject::connect(&chart, &UsageChartView::pointsUpdated, [&] { updated = true; });
            QElapsedTimer t;
            t.start();
            double recordMs = 0;
            db.recordUsageEvents(events, &chart, [&](Result<int> r) {
                recorded = r.ok();
                recordMs = t.nsecsElapsed() / 1e6;
            });
            waitFor([&] { return recorded && refreshed && updated; });
            const double all = t.nsecsElapsed() / 1e6;
            QObject::disconnect(c1);
            QObject::disconnect(c2);
            record.ms << recordMs;
            visible.ms << all - recordMs;
            touched = last - first + 1;
        }
        std::printf("| %s | %.1f | %.1f / %.1f | %d | %d |\n", pane.name, record.median(), visible.median(), visible.max(), touched,
                    chart.rebuildCount() - rebuildsBefore);
    }
    return 0;
}
