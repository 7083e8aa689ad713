// The usage dashboard on a real billing database (SQLite file) with the demo usage: views (per
// meter, stacked, stacked by tier, hourly/monthly, numbers), hover values, PNG/CSV export, the
// implied cost through PriceCalculator, flags for bad data, and live refresh without a reload.
// Screenshots of each state go to screenshotDir() (looked at).
#include "models/usageseriesmodel.h"
#include "services/storage/asyncbillingdatabase.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/testsupport.h"
#include "ui/charts/usagechartview.h"
#include "ui/usagepage.h"

#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Billing;
using namespace Billing::Test;

namespace {

Price usd(const QString &id, const QList<PriceTier> &tiers, const QString &mode)
{
    Price p;
    p.id = id;
    p.currency = QStringLiteral("usd");
    p.type = QStringLiteral("recurring");
    p.usageType = QStringLiteral("metered");
    p.interval = QStringLiteral("month");
    p.intervalCount = 1;
    p.billingScheme = QStringLiteral("tiered");
    p.tiersMode = mode;
    p.tiers = tiers;
    return p;
}

PriceTier tier(std::optional<qint64> upTo, qint64 unit, qint64 flat = 0)
{
    PriceTier t;
    t.upTo = upTo;
    t.unitAmount = unit;
    t.flatAmount = flat;
    return t;
}

} // namespace

class tst_UsagePage final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_now = QDateTime::currentDateTimeUtc();
        m_cache = std::make_unique<FakeCacheReader>();
        FakeUsageReader demo;
        fillDemoData(*m_cache, &demo, m_now);
        m_events = demo.events;
        m_db = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(m_dir->filePath(QStringLiteral("billing.db"))));
        QVERIFY(m_db->openBlocking().ok());
        const auto recorded = m_db->thread().runBlocking([events = m_events](BillingDatabase &db) { return db.recordUsageEvents(events); });
        QVERIFY2(recorded.ok(), recorded.ok() ? "" : qPrintable(recorded.error().detail));
        QHash<QString, QString> tiers;
        const QStringList names = {QStringLiteral("Starter"), QStringLiteral("Team"), QStringLiteral("Enterprise")};
        for (int i = 0; i < m_cache->customerRows.size(); ++i)
            tiers.insert(m_cache->customerRows.at(i).id, names.at(i % 3));
        m_page = std::make_unique<UsagePage>(m_db.get(), m_cache.get());
        m_page->setCustomerTiers(tiers);
        m_page->setLiveDescription(QStringLiteral("polled every 2 s"));
        m_page->resize(1400, 900);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        m_page->ensureLoaded();
        QTRY_VERIFY(m_page->isReady());
    }

    void cleanup()
    {
        m_page.reset();
        m_db.reset();
        m_dir.reset();
    }

    void dashboardViews()
    {
        UsageSeriesModel *model = m_page->series();
        QCOMPARE(model->meters().size(), 3);
        QCOMPARE(model->rowCount(), 30);
        QCOMPARE(m_page->chart()->chartCount(), 3);
        QVERIFY(!m_page->flagsBanner()->isVisible());
        shot(QStringLiteral("per-meter-daily"));

        m_page->viewCombo()->setCurrentIndex(1); // stacked by meter
        QTRY_COMPARE(m_page->chart()->chartCount(), 1);
        QCOMPARE(m_page->chart()->seriesCount(), 3);
        // The top of the stack is the bucket's sum over the meters.
        const int row = 10;
        qint64 sum = 0;
        for (int m = 0; m < 3; ++m)
            sum += model->quantity(row, m);
        QCOMPARE(qint64(m_page->chart()->plottedValue(row, 2)), sum);
        shot(QStringLiteral("stacked-by-meter"));

        m_page->viewCombo()->setCurrentIndex(2); // stacked by customer tier
        QTRY_VERIFY(!model->isLoading() && model->breakdown() == UsageSeriesModel::Breakdown::Tier && model->meters().size() == 9);
        QTRY_COMPARE(m_page->chart()->chartCount(), 3);
        QCOMPARE(m_page->chart()->seriesCount(), 9);
        QCOMPARE(model->seriesGroup(0), QStringLiteral("Enterprise"));
        shot(QStringLiteral("stacked-by-tier"));

        m_page->viewCombo()->setCurrentIndex(0);
        m_page->granularityCombo()->setCurrentIndex(0); // hourly
        m_page->rangeCombo()->setCurrentIndex(0);       // 7 days
        QTRY_VERIFY(m_page->isReady() && model->query().granularity == UsageGranularity::Hour && model->rowCount() > 7);
        shot(QStringLiteral("hourly-7-days"));

        m_page->granularityCombo()->setCurrentIndex(2); // monthly
        m_page->rangeCombo()->setCurrentIndex(4);       // 12 months
        QTRY_VERIFY(m_page->isReady() && model->query().granularity == UsageGranularity::Month && model->rowCount() >= 2);
        shot(QStringLiteral("monthly-12-months"));

        QTest::mouseClick(m_page->dataButton(), Qt::LeftButton);
        QTRY_VERIFY(m_page->dataTable()->isVisible());
        shot(QStringLiteral("numbers"));
    }

    void hoverShowsExactValues()
    {
        UsageSeriesModel *model = m_page->series();
        const int row = 5;
        m_page->chart()->hoverRow(0, row);
        const QString text = m_page->chart()->lastHoverText();
        QVERIFY(text.contains(model->bucketLabel(row)));
        QVERIFY2(text.contains(QLocale().toString(model->quantity(row, 0))), qPrintable(text));
        QVERIFY(text.contains(model->meters().at(0)));
        m_page->viewCombo()->setCurrentIndex(1);
        QTRY_COMPARE(m_page->chart()->chartCount(), 1);
        const QString stacked = m_page->chart()->hoverText(0, row);
        qint64 sum = 0;
        for (int m = 0; m < 3; ++m) {
            sum += model->quantity(row, m);
            QVERIFY(stacked.contains(QStringLiteral("%1: %2").arg(model->meters().at(m), QLocale().toString(model->quantity(row, m)))));
        }
        QVERIFY2(stacked.contains(QStringLiteral("Total: %1").arg(QLocale().toString(sum))), qPrintable(stacked));
    }

    void exportsPngAndCsv()
    {
        const QString png = m_dir->filePath(QStringLiteral("usage.png"));
        const QString csv = m_dir->filePath(QStringLiteral("usage.csv"));
        QString error;
        QVERIFY2(m_page->exportPng(png, &error), qPrintable(error));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), m_page->chart()->size() * m_page->chart()->devicePixelRatioF());
        QSignalSpy exported(m_page.get(), &UsagePage::csvExported);
        m_page->exportCsv(csv); // written on a worker: the signal follows
        QTRY_COMPARE(exported.size(), 1);
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines.first().trimmed(), QByteArray("bucket_start,granularity,customer,series,quantity,flag"));
        UsageSeriesModel *model = m_page->series();
        QCOMPARE(lines.size() - 2, model->rowCount() * int(model->meters().size())); // header, trailing empty
        // The file's quantities add up to the pane's totals.
        QMap<QByteArray, qint64> sums;
        for (int i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> f = lines.at(i).trimmed().split(',');
            if (f.size() == 6)
                sums[f.at(3)] += f.at(4).toLongLong();
        }
        for (int m = 0; m < model->meters().size(); ++m)
            QCOMPARE(sums.value(model->meters().at(m).toUtf8()), model->total(m));
        m_page->exportCsv(m_dir->filePath(QStringLiteral("no/such/folder/x.csv")));
        QTRY_COMPARE(exported.size(), 2);
        QVERIFY(!exported.last().at(0).toBool());
        QVERIFY(!exported.last().at(1).toString().isEmpty());
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("no/such/folder/x.csv"))));
    }

    void impliedCostUsesEachMonthsTotalThroughThePrice()
    {
        // One customer, hand-checked: 1,500 API calls in one month under a graduated price
        // (first 1,000 at 2 ¢ + a 1.00 flat fee, the rest at 1 ¢) = 20.00 + 1.00 + 5.00 = 26.00;
        // 30 GB of storage under a volume price (up to 10 at 50 ¢, above at 40 ¢) = 12.00.
        const QDateTime month(QDate(m_now.date().year(), m_now.date().month(), 1), QTime(0, 0), Qt::UTC);
        const QString customer = QStringLiteral("cus_costcheck");
        QList<UsageEvent> events = {
            UsageEvent{QStringLiteral("c1"), customer, QStringLiteral("api_calls"), 900, month.addSecs(3600)},
            UsageEvent{QStringLiteral("c2"), customer, QStringLiteral("api_calls"), 600, month.addSecs(7200)},
            UsageEvent{QStringLiteral("c3"), customer, QStringLiteral("storage_gb_hours"), 30, month.addSecs(7200)},
        };
        QVERIFY(m_db->thread().runBlocking([events](BillingDatabase &db) { return db.recordUsageEvents(events); }).ok());
        UsagePriceBook book;
        book.setForCustomer(customer, QStringLiteral("api_calls"),
                            usd(QStringLiteral("price_api"), {tier(1000, 2, 100), tier(std::nullopt, 1)}, QStringLiteral("graduated")));
        book.setForCustomer(customer, QStringLiteral("storage_gb_hours"),
                            usd(QStringLiteral("price_gb"), {tier(10, 50), tier(std::nullopt, 40)}, QStringLiteral("volume")));
        m_page->customerCombo()->addItem(customer, customer);
        m_page->customerCombo()->setCurrentIndex(m_page->customerCombo()->count() - 1);
        m_page->granularityCombo()->setCurrentIndex(2);
        QSignalSpy costs(m_page.get(), &UsagePage::costUpdated);
        m_page->setPriceBook(book);
        QTRY_VERIFY(m_page->isReady() && m_page->isCostReady() && m_page->cost().total.value(QStringLiteral("USD")) > 0);
        QCOMPARE(m_page->cost().bySeries.value(QStringLiteral("api_calls")).value(QStringLiteral("USD")), 2600);
        QCOMPARE(m_page->cost().bySeries.value(QStringLiteral("storage_gb_hours")).value(QStringLiteral("USD")), 1200);
        QCOMPARE(m_page->cost().total.value(QStringLiteral("USD")), 3800);
        QVERIFY(m_page->cost().unpriced.isEmpty() || !m_page->cost().unpriced.contains(QStringLiteral("api_calls")));
        QVERIFY2(m_page->costLabel()->text().contains(QStringLiteral("38.00")), qPrintable(m_page->costLabel()->text()));
        shot(QStringLiteral("implied-cost"));
    }

    void badDataIsFlaggedWithAClearMessage()
    {
        // All customers by day again (the previous test chose one customer by month), so the two
        // bad events are in view and in two different periods.
        m_page->customerCombo()->setCurrentIndex(0);
        m_page->granularityCombo()->setCurrentIndex(1);
        QTRY_VERIFY(m_page->isReady());
        const QDateTime soon = m_now.addSecs(6 * 3600);
        QList<UsageEvent> events = {
            UsageEvent{QStringLiteral("future1"), m_cache->customerRows.at(0).id, QStringLiteral("api_calls"), 5, soon},
            UsageEvent{QStringLiteral("huge1"), m_cache->customerRows.at(1).id, QStringLiteral("emails_sent"), 3'000'000'000'000, m_now.addDays(-3)},
        };
        std::optional<Result<int>> done;
        m_db->recordUsageEvents(events, this, [&](Result<int> r) { done = r; });
        QTRY_VERIFY(done.has_value() && m_page->isReady());
        QTRY_VERIFY(m_page->flagsBanner()->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(m_page->series()->flaggedRows(), 2, 20000);
        QVERIFY2(m_page->flagsBanner()->text().contains(QStringLiteral("2 periods flagged")), qPrintable(m_page->flagsBanner()->text()));
        // A negative event is refused with a message naming it; nothing is written.
        std::optional<Result<int>> refused;
        m_db->recordUsageEvents({UsageEvent{QStringLiteral("neg"), m_cache->customerRows.at(0).id, QStringLiteral("api_calls"), -4, m_now}},
                                this, [&](Result<int> r) { refused = r; });
        QTRY_VERIFY(refused.has_value());
        QVERIFY(!refused->ok());
        QVERIFY(refused->error().userMessage.contains(QStringLiteral("negative")));
        // A Stripe meter that disappeared.
        UsageMeterInfo gone;
        gone.id = QStringLiteral("mtr_gone");
        gone.meter = QStringLiteral("legacy_exports");
        gone.displayName = QStringLiteral("Legacy exports");
        gone.status = QStringLiteral("active");
        QVERIFY(m_db->thread().runBlocking([gone](BillingDatabase &db) {
                        if (Status s = db.recordUsageMeters({gone}, UsageSourceStripe, QDateTime::currentDateTimeUtc().addDays(-3)); !s)
                            return s;
                        return db.recordUsageMeters({}, UsageSourceStripe, QDateTime::currentDateTimeUtc().addDays(-1));
                    }).ok());
        m_db->recordUsageEvents({UsageEvent{QStringLiteral("poke"), m_cache->customerRows.at(0).id, QStringLiteral("api_calls"), 1, m_now.addSecs(-60)}}, this, {});
        QTRY_VERIFY(m_page->flagsBanner()->text().contains(QStringLiteral("legacy_exports")));
        shot(QStringLiteral("flags"));
    }

    void liveUsageMovesPointsWithoutRebuilding()
    {
        UsageSeriesModel *model = m_page->series();
        const int rebuilds = m_page->chart()->rebuildCount();
        const int last = model->rowCount() - 1;
        const qint64 before = model->quantity(last, 0);
        QSignalSpy points(m_page->chart(), &UsageChartView::pointsUpdated);
        // Into the newest bucket shown (the range ends at the newest usage).
        m_db->recordUsageEvents({UsageEvent{QStringLiteral("live1"), m_cache->customerRows.at(0).id, model->meters().at(0), 777,
                                            model->bucketStart(last).addSecs(60)}},
                                this, {});
        QTRY_COMPARE(model->quantity(last, 0), before + 777);
        QTRY_VERIFY(points.count() >= 1);
        QCOMPARE(qint64(m_page->chart()->plottedValue(last, 0)), before + 777);
        QCOMPARE(m_page->chart()->rebuildCount(), rebuilds);
        QVERIFY(m_page->liveLabel()->text().contains(QStringLiteral("updated")));
        shot(QStringLiteral("live-update"));
    }

    void cappedUsageIsFlaggedAndNotPriced()
    {
        // The cost test's customer with a budget cap of 1,000 API calls a month: of 1,500 calls,
        // 1,000 are billable (first 1,000 at 2 ¢ + the 1.00 flat fee = 21.00) and 500 are kept
        // but flagged as capped; storage (not capped) stays 12.00: 33.00 in all.
        const QDateTime month(QDate(m_now.date().year(), m_now.date().month(), 1), QTime(0, 0), Qt::UTC);
        const QString customer = QStringLiteral("cus_capcheck");
        QList<UsageEvent> events = {
            UsageEvent{QStringLiteral("k1"), customer, QStringLiteral("api_calls"), 900, month.addSecs(3600)},
            UsageEvent{QStringLiteral("k2"), customer, QStringLiteral("api_calls"), 600, month.addSecs(7200)},
            UsageEvent{QStringLiteral("k3"), customer, QStringLiteral("storage_gb_hours"), 30, month.addSecs(7200)},
        };
        QVERIFY(m_db->thread().runBlocking([events](BillingDatabase &db) { return db.recordUsageEvents(events); }).ok());
        UsagePriceBook book;
        book.setForCustomer(customer, QStringLiteral("api_calls"),
                            usd(QStringLiteral("price_api"), {tier(1000, 2, 100), tier(std::nullopt, 1)}, QStringLiteral("graduated")));
        book.setForCustomer(customer, QStringLiteral("storage_gb_hours"),
                            usd(QStringLiteral("price_gb"), {tier(10, 50), tier(std::nullopt, 40)}, QStringLiteral("volume")));
        UsageCaps caps;
        caps.setCap(customer, QStringLiteral("api_calls"), 1000);
        m_page->customerCombo()->addItem(customer, customer);
        m_page->customerCombo()->setCurrentIndex(m_page->customerCombo()->count() - 1);
        m_page->granularityCombo()->setCurrentIndex(2);
        m_page->setUsageCaps(caps);
        m_page->setPriceBook(book);
        QTRY_VERIFY(m_page->isReady() && m_page->isCostReady() && m_page->cost().cappedUnits > 0);
        QCOMPARE(m_page->cost().cappedUnits, qint64(500));
        QCOMPARE(m_page->cost().cappedCustomers, QStringList{customer});
        QCOMPARE(m_page->cost().bySeries.value(QStringLiteral("api_calls")).value(QStringLiteral("USD")), 2100);
        QCOMPARE(m_page->cost().total.value(QStringLiteral("USD")), 3300);
        // The numbers view keeps every unit: capped usage is flagged, not hidden.
        qint64 calls = 0;
        const int callsColumn = int(m_page->series()->meters().indexOf(QStringLiteral("api_calls")));
        for (int r = 0; r < m_page->series()->rowCount(); ++r)
            calls += m_page->series()->quantity(r, callsColumn);
        QCOMPARE(calls, qint64(1500));
        const QString label = m_page->costLabel()->text();
        QVERIFY2(label.contains(QStringLiteral("33.00")) && label.contains(QStringLiteral("Capped")) && label.contains(QStringLiteral("500")),
                 qPrintable(label));
        shot(QStringLiteral("capped-cost"));
    }

    void longHourlyRangeIsDecimatedForTheChartOnly()
    {
        // 1,500 hours of api_calls for one customer, with one spike: more buckets than the chart
        // draws, so it draws each group's extremes; the numbers keep every hour.
        const QString customer = QStringLiteral("cus_hours");
        QVERIFY(m_page->dataEnd().isValid());
        const QDateTime last = m_page->dataEnd().addSecs(-3600); // the newest hour of the range
        QList<UsageEvent> events;
        const int spikeAgo = 700;
        for (int h = 0; h < 1500; ++h)
            events << UsageEvent{QStringLiteral("h%1").arg(h), customer, QStringLiteral("api_calls"),
                                 h == spikeAgo ? 50000 : 10 + (h * 7) % 23, last.addSecs(-3600LL * h)};
        QVERIFY(m_db->thread().runBlocking([events](BillingDatabase &db) { return db.recordUsageEvents(events); }).ok());
        m_page->customerCombo()->addItem(customer, customer);
        m_page->customerCombo()->setCurrentIndex(m_page->customerCombo()->count() - 1);
        m_page->viewCombo()->setCurrentIndex(0);
        m_page->granularityCombo()->setCurrentIndex(0); // hourly
        m_page->rangeCombo()->setCurrentIndex(4);       // 12 months
        UsageSeriesModel *model = m_page->series();
        QTRY_VERIFY2(m_page->isReady() && model->query().granularity == UsageGranularity::Hour && model->rowCount() >= 1500,
                     qPrintable(QStringLiteral("%1 rows, customer %2, %3 - %4").arg(model->rowCount()).arg(model->query().customerId, model->query().from.toString(Qt::ISODate), model->query().to.toString(Qt::ISODate))));
        UsageChartView *chart = m_page->chart();
        QVERIFY(chart->isDecimated());
        const int meters = int(model->meters().size());
        QVERIFY2(chart->pointCount() <= meters * 1001, qPrintable(QString::number(chart->pointCount())));
        QVERIFY(chart->pointCount() < meters * model->rowCount());
        // The spike is drawn with its exact value; the data view has every hour.
        const int column = int(model->meters().indexOf(QStringLiteral("api_calls")));
        int spikeRow = -1;
        for (int r = 0; r < model->rowCount(); ++r) {
            if (model->bucketStart(r) == last.addSecs(-3600LL * spikeAgo))
                spikeRow = r;
        }
        QVERIFY(spikeRow >= 0);
        QCOMPARE(model->quantity(spikeRow, column), qint64(50000));
        QCOMPARE(qint64(chart->plottedValue(spikeRow, column)), qint64(50000));
        QVERIFY(chart->hoverText(column, spikeRow).contains(QLocale().toString(50000)));
        QCOMPARE(m_page->dataTable()->model()->rowCount(), model->rowCount());
        shot(QStringLiteral("hourly-12-months-decimated"));
    }

private:
    void shot(const QString &name)
    {
        QTest::qWait(150); // let the charts lay out
        QVERIFY(m_page->grab().save(screenshotDir() + QStringLiteral("/usagepage-%1.png").arg(name)));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeCacheReader> m_cache;
    std::unique_ptr<AsyncBillingDatabase> m_db;
    std::unique_ptr<UsagePage> m_page;
    QList<UsageEvent> m_events;
    QDateTime m_now;
};

QTEST_MAIN(tst_UsagePage)
#include "tst_usagepage.moc"
