#include "models/analyticstablemodel.h"
#include "services/analytics/analyticsservice.h"
#include "services/storage/asynclocalcache.h"
#include "tests/services/analytics/analyticsdemodata.h"
#include "tests/testsupport.h"
#include "ui/analyticspage.h"
#include "ui/charts/analyticschartview.h"
#include "ui/charts/forecastchartview.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace Billing;
using namespace Billing::Test;

class tst_AnalyticsPage final : public QObject
{
    Q_OBJECT

private:
    AnalyticsDemo m_demo;
    QTemporaryDir m_tmp;

    AnalyticsSnapshot snapshot(const QString &reporting)
    {
        AnalyticsService::Request request;
        request.metrics.firstMonth = m_demo.now.date().addMonths(-35);
        request.metrics.lastMonth = m_demo.now.date();
        request.metrics.reportingCurrency = reporting;
        request.metrics.now = m_demo.now;
        // Monthly API calls: a trend with a year-end peak, as the billing database's month rollups give them.
        QList<UsagePoint> usage;
        for (int i = 0; i < 36; ++i) {
            const QDate m = QDate(request.metrics.firstMonth.year(), request.metrics.firstMonth.month(), 1).addMonths(i);
            UsagePoint p;
            p.bucketStart = QDateTime(m, QTime(0, 0), Qt::UTC);
            p.meter = QStringLiteral("api_calls");
            p.quantity = 100000 + 4000 * i + (m.month() == 12 ? 30000 : 0) + (i * i * 7919 + 13 * i) % 5000; // irregular noise
            usage << p;
        }
        const Result<AnalyticsSnapshot> s = AnalyticsService::computeNow(m_demo.input, m_demo.rates, usage, request);
        if (!s)
            qWarning() << s.error().userMessage;
        return s.valueOr(AnalyticsSnapshot{});
    }

    static void shoot(QWidget &w, const QString &name)
    {
        QTest::qWait(200); // let the charts lay out their axes and legends
        QVERIFY(w.grab().save(screenshotDir() + QStringLiteral("/analytics-%1.png").arg(name)));
    }

    static QList<QByteArray> csvLines(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return f.readAll().split('\n');
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        m_demo = analyticsDemo(QDate(2026, 11, 1), 36);
        QVERIFY(m_demo.input.subscriptions.size() > 100);
    }

    void showsCardsChartsAndConvertedView()
    {
        AnalyticsPage page(nullptr);
        page.resize(1400, 860);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        const AnalyticsSnapshot s = snapshot(QStringLiteral("USD"));
        QVERIFY(!s.report.months.isEmpty());
        QSignalSpy computed(&page, &AnalyticsPage::computed);
        page.showSnapshot(s);
        QCOMPARE(computed.count(), 1);
        // converted view first, one row per month
        QCOMPARE(page.view(), QStringLiteral("converted"));
        QCOMPARE(page.metricsModel()->rowCount(), 36);
        const MonthMetrics last = s.report.converted.last();
        QVERIFY(last.complete);
        // the MRR card shows the last month's exact converted MRR, formatted by locale
        QCOMPARE(page.cardText(QStringLiteral("mrr")), Money(last.mrrMinor, *Currency::fromCode(u"USD")).toLocaleString(page.locale()));
        QVERIFY(page.cardText(QStringLiteral("nrr")).contains(u'%'));
        // MRR stacked by currency: three areas (EUR, JPY, USD), 24 points each
        QCOMPARE(page.mrrChart()->seriesCount(), 3);
        QCOMPARE(page.mrrChart()->pointCount(), 108);
        QCOMPARE(page.churnChart()->seriesCount(), 3);
        // the stacked shares add up to the converted total within one minor unit per currency
        qint64 shares = 0;
        for (const QList<qint64> &v : s.report.convertedMrrByCurrency)
            shares += v.last();
        QVERIFY(std::abs(shares - last.mrrMinor) <= 3);
        shoot(page, QStringLiteral("overview"));

        page.tabs()->setCurrentIndex(1);
        QTest::qWait(50);
        shoot(page, QStringLiteral("table"));

        // A per-currency view through the picker, as the user does it.
        auto *view = page.findChild<QComboBox *>(QStringLiteral("analyticsView"));
        QVERIFY(view);
        view->setFocus();
        const int eur = view->findData(QStringLiteral("EUR"));
        QVERIFY(eur > 0);
        while (view->currentIndex() < eur)
            QTest::keyClick(view, Qt::Key_Down);
        QCOMPARE(page.view(), QStringLiteral("EUR"));
        QVERIFY(page.cardText(QStringLiteral("mrr")).contains(QChar(0x20ac)));
        QCOMPARE(page.metricsModel()->rows().last().currency, QStringLiteral("EUR"));
        QCOMPARE(page.mrrChart()->seriesCount(), 1);
    }

    void cohortHeatMap()
    {
        AnalyticsPage page(nullptr);
        page.resize(1400, 860);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.showSnapshot(snapshot(QStringLiteral("USD")));
        page.tabs()->setCurrentIndex(2);
        QTest::qWait(50);
        AnalyticsCohortModel *m = page.cohortModel();
        QCOMPARE(m->rowCount(), 36);
        QCOMPARE(m->columnCount(), 2 + 36);
        // M0 of the first cohort is shaded; the newest cohort has only its M0
        QVERIFY(m->data(m->index(0, 2), Qt::BackgroundRole).isValid());
        QVERIFY(!m->data(m->index(35, 3), Qt::DisplayRole).isValid());
        QVERIFY(m->data(m->index(0, 2), Qt::DisplayRole).toString().endsWith(u'%'));
        shoot(page, QStringLiteral("cohorts"));
    }

    void forecastWithBandAndMape()
    {
        AnalyticsPage page(nullptr);
        page.resize(1400, 860);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.showSnapshot(snapshot(QStringLiteral("USD")));
        page.tabs()->setCurrentIndex(3);
        // converted revenue, USD, EUR, JPY, and the top customers
        QVERIFY(page.forecastSeriesCount() >= 4);
        page.setForecastSeries(0);
        QTest::qWait(50);
        QCOMPARE(page.forecastChart()->forecastPointCount(), 3);
        QVERIFY(page.forecastChart()->hasBand());
        QVERIFY2(page.forecastSummary().contains(QStringLiteral("Backtest MAPE")), qPrintable(page.forecastSummary()));
        QVERIFY(page.forecastSummary().contains(QStringLiteral("Holt")));
        shoot(page, QStringLiteral("forecast"));
        // usage forecast: units, not money
        int usageIndex = -1;
        for (int i = 0; i < page.forecastSeriesCount(); ++i)
            if (page.findChild<QComboBox *>(QStringLiteral("forecastSeries"))->itemText(i) == QStringLiteral("Usage api_calls"))
                usageIndex = i;
        QVERIFY(usageIndex >= 0);
        page.setForecastSeries(usageIndex);
        QTest::qWait(50);
        QCOMPARE(page.forecastChart()->forecastPointCount(), 3);
        QVERIFY(page.forecastSummary().contains(QStringLiteral("Backtest MAPE")));
        QVERIFY(!page.forecastSummary().contains(QStringLiteral("minor unit")));
        // 36 months hold three seasons: the seasonal model, with a band of real width
        QVERIFY2(page.forecastSummary().contains(QStringLiteral("Holt-Winters")), qPrintable(page.forecastSummary()));
        const SeriesForecast &u = page.snapshot().usageForecasts.first();
        QVERIFY(u.forecast.ok());
        QVERIFY(u.forecast->points.first().upper - u.forecast->points.first().lower > 1000.0);
        shoot(page, QStringLiteral("forecast-usage"));
        // a customer's own forecast
        page.setForecastSeries(page.forecastSeriesCount() - 1);
        QTest::qWait(50);
        QVERIFY(page.forecastSummary().contains(QStringLiteral("cus_demo")));
        shoot(page, QStringLiteral("forecast-customer"));
    }

    void ratesUsedAndMissingRates()
    {
        AnalyticsPage page(nullptr);
        page.resize(1400, 860);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        const AnalyticsSnapshot usd = snapshot(QStringLiteral("USD"));
        page.showSnapshot(usd);
        page.tabs()->setCurrentIndex(4);
        QTest::qWait(50);
        QVERIFY(!usd.report.ratesUsed.isEmpty());
        QVERIFY(page.ratesSummary().contains(QStringLiteral("%1 rates used").arg(usd.report.ratesUsed.size())));
        shoot(page, QStringLiteral("rates"));

        // GBP: no rate at all. Every converted month is incomplete, the cards say "-", the pane says why.
        const AnalyticsSnapshot gbp = snapshot(QStringLiteral("GBP"));
        page.setReportingCurrency(QStringLiteral("GBP")); // no service here: the picker only shows it
        page.showSnapshot(gbp);
        QCOMPARE(page.view(), QStringLiteral("converted"));
        QCOMPARE(page.cardText(QStringLiteral("mrr")), QStringLiteral("\u2013"));
        QVERIFY(page.ratesSummary().contains(QStringLiteral("to GBP rate on or before")));
        QVERIFY(!page.metricsModel()->rows().first().complete);
        page.tabs()->setCurrentIndex(0);
        QTest::qWait(50);
        shoot(page, QStringLiteral("missing-rates"));
    }

    void exportsEveryTable()
    {
        AnalyticsPage page(nullptr);
        const AnalyticsSnapshot s = snapshot(QStringLiteral("USD"));
        page.showSnapshot(s);
        QSignalSpy finished(&page, &AnalyticsPage::exportFinished);
        for (const QString &kind : AnalyticsPage::exportKinds()) {
            const QString path = m_tmp.filePath(kind + QStringLiteral(".csv"));
            QString error;
            const qsizetype before = finished.size();
            QVERIFY2(page.exportCsv(kind, path, &error), qPrintable(error));
            // written on a worker: the signal follows
            QTRY_COMPARE(finished.size(), before + 1);
            QCOMPARE(finished.last().at(0).toString(), kind);
            QVERIFY2(finished.last().at(1).toBool(), qPrintable(finished.last().at(2).toString()));
            const QList<QByteArray> lines = csvLines(path);
            QVERIFY2(lines.size() > 2, qPrintable(kind));
        }
        const QList<QByteArray> metrics = csvLines(m_tmp.filePath(QStringLiteral("metrics.csv")));
        QVERIFY(metrics.first().startsWith("month,currency,mrr,arr"));
        // converted rows + one block per currency: 36 x 4 data rows (+ header + trailing newline)
        QCOMPARE(metrics.size(), 1 + 36 * 4 + 1);
        // amounts are exact decimal strings in major units
        const MonthMetrics last = s.report.converted.last();
        QVERIFY(metrics.at(36).contains(QByteArray(QByteArray("USD (converted),") + Money(last.mrrMinor, *Currency::fromCode(u"USD")).toDecimalString().toUtf8())));
        const QList<QByteArray> rates = csvLines(m_tmp.filePath(QStringLiteral("rates.csv")));
        QVERIFY(rates.first().startsWith("from,to,base,quote,rate,rate_date"));
        QString error;
        QVERIFY(!page.exportCsv(QStringLiteral("nonsense"), m_tmp.filePath(QStringLiteral("x.csv")), &error));
        QVERIFY(!error.isEmpty());
        // a folder that does not exist: the failure comes back with the signal, no file
        const QString bad = m_tmp.filePath(QStringLiteral("missing/metrics.csv"));
        QVERIFY(page.exportCsv(QStringLiteral("metrics"), bad, &error));
        QTRY_COMPARE(finished.size(), AnalyticsPage::exportKinds().size() + 1);
        QVERIFY(!finished.last().at(1).toBool());
        QVERIFY(finished.last().at(2).toString().startsWith(QStringLiteral("Export failed")));
        QVERIFY(!QFile::exists(bad));
    }

    void computesFromARealCacheOffTheGuiThread()
    {
        // The real path: a SQLite local cache on its worker, AnalyticsService reading it and computing
        // with QtConcurrent, the page showing the result. Data anchored to the current month so the
        // page's own month range (ending today) covers it.
        const AnalyticsDemo demo = analyticsDemo(QDateTime::currentDateTimeUtc().date(), 12, 77);
        AsyncLocalCache cache(QStringLiteral("tst-analytics-cache"));
        QVERIFY(cache.openBlocking(m_tmp.filePath(QStringLiteral("cache.db"))).ok());
        const Status seeded = cache.thread().runBlocking([&demo](LocalCache &c) -> Status {
            if (Status s = c.upsertCustomers(demo.customers); !s)
                return s;
            if (Status s = c.upsertPrices(demo.input.prices.values()); !s)
                return s;
            if (Status s = c.upsertSubscriptions(demo.input.subscriptions); !s)
                return s;
            return c.upsertInvoices(demo.input.invoices);
        });
        QVERIFY2(seeded.ok(), qPrintable(seeded.ok() ? QString() : seeded.error().detail));
        AnalyticsService service(cache, nullptr);
        AnalyticsPage page(&service);
        QSignalSpy computed(&page, &AnalyticsPage::computed);
        page.setReportingCurrency(QString()); // per currency only (no billing database: no rates)
        QTRY_VERIFY_WITH_TIMEOUT(computed.count() >= 1, 15000);
        QCOMPARE(page.snapshot().report.months.size(), 36); // the page's default range
        // every subscription of the cache was read (the pages of 1000 and the invoices)
        int usdRevenue = 0;
        for (const MonthMetrics &m : page.snapshot().report.perCurrency.value(QStringLiteral("USD")))
            usdRevenue += int(m.revenueMinor > 0);
        QVERIFY(usdRevenue > 0);
        QVERIFY(page.view() == QStringLiteral("EUR") || page.view() == QStringLiteral("JPY") || page.view() == QStringLiteral("USD"));
        QVERIFY(page.cardText(QStringLiteral("mrr")) != QStringLiteral("\u2013"));
        // The same numbers as computing directly from the data
        AnalyticsService::Request r;
        r.metrics.firstMonth = page.snapshot().report.months.first();
        r.metrics.lastMonth = page.snapshot().report.months.last();
        const Result<AnalyticsSnapshot> direct = AnalyticsService::computeNow(demo.input, {}, {}, r);
        QVERIFY(direct.ok());
        QCOMPARE(page.snapshot().report.perCurrency.value(QStringLiteral("USD")).last().mrrMinor,
                 direct->report.perCurrency.value(QStringLiteral("USD")).last().mrrMinor);
    }
};

QTEST_MAIN(tst_AnalyticsPage)
#include "tst_analyticspage.moc"
