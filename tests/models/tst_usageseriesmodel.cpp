#include "models/usageseriesmodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"

#include "services/storage/asyncbillingdatabase.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>

#include <memory>
#include <optional>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_UsageSeriesModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        m_cache = std::make_unique<FakeCacheReader>();
        m_usage = std::make_unique<FakeUsageReader>();
        fillDemoData(*m_cache, m_usage.get(), m_now);
    }

    void bucketsPerGranularity_data()
    {
        QTest::addColumn<UsageGranularity>("granularity");
        QTest::addColumn<int>("buckets");
        QTest::newRow("day") << UsageGranularity::Day << 60;
        QTest::newRow("hour (4 event times a day)") << UsageGranularity::Hour << 240;
        QTest::newRow("month") << UsageGranularity::Month << 3; // 16 Apr .. 14 Jun
    }

    void bucketsPerGranularity()
    {
        QFETCH(UsageGranularity, granularity);
        QFETCH(int, buckets);
        UsageSeriesModel model(m_usage.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QSignalSpy reloaded(&model, &UsageSeriesModel::reloaded);
        model.setRange(m_now.addDays(-61), m_now);
        model.setGranularity(granularity);
        QTRY_VERIFY(!model.isLoading() && reloaded.count() > 0);
        QCOMPARE(model.meters(), (QStringList{QStringLiteral("api_calls"), QStringLiteral("emails_sent"), QStringLiteral("storage_gb_hours")}));
        QCOMPARE(model.columnCount(), 4);
        QCOMPARE(model.rowCount(), buckets);
        // totals equal the sum of the raw events, whatever the bucket size
        for (int m = 0; m < model.meters().size(); ++m) {
            qint64 expected = 0;
            for (const UsageEvent &e : std::as_const(m_usage->events))
                expected += e.meter == model.meters().at(m) ? e.quantity : 0;
            QCOMPARE(model.total(m), expected);
        }
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, 0).data(UsageSeriesModel::RawRole).toDateTime() < model.index(r, 0).data(UsageSeriesModel::RawRole).toDateTime());
    }

    void customerFilterAndReloadOnUsageChanged()
    {
        UsageSeriesModel model(m_usage.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setRange(m_now.addDays(-61), m_now);
        QTRY_VERIFY(!model.isLoading());
        const qint64 all = model.total(0);
        const QString customer = m_cache->customerRows.first().id;
        model.setCustomerId(customer);
        QTRY_VERIFY(!model.isLoading() && model.total(0) < all);
        qint64 expected = 0;
        for (const UsageEvent &e : std::as_const(m_usage->events))
            expected += (e.customerId == customer && e.meter == QLatin1String("api_calls")) ? e.quantity : 0;
        QCOMPARE(model.total(0), expected);

        m_usage->events.append({QStringLiteral("ev_new"), customer, QStringLiteral("api_calls"), 1000, m_now.addSecs(-60)});
        QSignalSpy refreshed(&model, &UsageSeriesModel::refreshed);
        QSignalSpy reset(&model, &QAbstractItemModel::modelAboutToBeReset);
        m_usage->notifyChanged(); // no time given: the whole range is read again, merged in place
        QVERIFY(refreshed.wait());
        QCOMPARE(model.total(0), expected + 1000);
        QCOMPARE(reset.count(), 0);
    }

    // ---- against a real billing database (SQLite file) ---------------------------------------

    void newUsageUpdatesAndAppendsBucketsInPlace()
    {
        Db db;
        QVERIFY(db.ok);
        const QDateTime day0(QDate(2025, 3, 1), QTime(0, 0), Qt::UTC);
        QVERIFY(db.record({ev(QStringLiteral("a1"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 10, day0.addSecs(3600)),
                           ev(QStringLiteral("a2"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 20, day0.addDays(1).addSecs(3600))}));
        UsageSeriesModel model(db.async.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setRange(day0, day0.addDays(10));
        QTRY_VERIFY(!model.isLoading() && model.rowCount() == 2);
        QSignalSpy reset(&model, &QAbstractItemModel::modelAboutToBeReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy refreshed(&model, &UsageSeriesModel::refreshed);
        // One event in the second day's bucket, one in a new day, recorded through the async db.
        std::optional<Result<int>> done;
        db.async->recordUsageEvents({ev(QStringLiteral("a3"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 5, day0.addDays(1).addSecs(7200)),
                                     ev(QStringLiteral("a4"), QStringLiteral("cus_2"), QStringLiteral("api_calls"), 7, day0.addDays(3).addSecs(60))},
                                    this, [&](Result<int> r) { done = r; });
        QTRY_VERIFY(refreshed.count() >= 1);
        QVERIFY(done && done->ok() && **done == 2);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QVERIFY(changed.count() >= 1);
        // Only buckets from the earliest change were read: the first refresh starts at day 1.
        QCOMPARE(refreshed.first().at(0).toInt(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.quantity(0, 0), 10);
        QCOMPARE(model.quantity(1, 0), 25);
        QCOMPARE(model.quantity(2, 0), 7);
        QCOMPARE(model.bucketStart(2), day0.addDays(3));
        QCOMPARE(model.refreshCount(), 1);
    }

    void aNewMeterReloadsTheTable()
    {
        Db db;
        const QDateTime day0(QDate(2025, 3, 1), QTime(0, 0), Qt::UTC);
        QVERIFY(db.record({ev(QStringLiteral("a1"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 10, day0.addSecs(60))}));
        UsageSeriesModel model(db.async.get());
        model.setRange(day0, day0.addDays(10));
        QTRY_VERIFY(!model.isLoading() && model.rowCount() == 1);
        QSignalSpy reloaded(&model, &UsageSeriesModel::reloaded);
        db.async->recordUsageEvents({ev(QStringLiteral("b1"), QStringLiteral("cus_1"), QStringLiteral("emails"), 3, day0.addSecs(120))}, this, {});
        QTRY_COMPARE(reloaded.count(), 1);
        QCOMPARE(model.meters(), (QStringList{QStringLiteral("api_calls"), QStringLiteral("emails")}));
        QCOMPARE(model.quantity(0, 1), 3);
    }

    void tierBreakdownSplitsEachMeterByTheCustomersPlan()
    {
        Db db;
        const QDateTime day0(QDate(2025, 3, 1), QTime(0, 0), Qt::UTC);
        QVERIFY(db.record({ev(QStringLiteral("a1"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 10, day0.addSecs(60)),
                           ev(QStringLiteral("a2"), QStringLiteral("cus_2"), QStringLiteral("api_calls"), 20, day0.addSecs(60)),
                           ev(QStringLiteral("a3"), QStringLiteral("cus_3"), QStringLiteral("api_calls"), 40, day0.addSecs(60)),
                           ev(QStringLiteral("a4"), QStringLiteral("cus_9"), QStringLiteral("api_calls"), 1, day0.addSecs(60))}));
        UsageSeriesModel model(db.async.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setCustomerTiers({{QStringLiteral("cus_1"), QStringLiteral("Team")}, {QStringLiteral("cus_2"), QStringLiteral("Team")},
                                {QStringLiteral("cus_3"), QStringLiteral("Enterprise")}});
        model.setRange(day0, day0.addDays(2));
        model.setBreakdown(UsageSeriesModel::Breakdown::Tier);
        QTRY_VERIFY(!model.isLoading() && model.meters().size() == 3);
        QCOMPARE(model.meters(), (QStringList{QStringLiteral("api_calls · Enterprise"), QStringLiteral("api_calls · No plan"),
                                              QStringLiteral("api_calls · Team")}));
        QCOMPARE(model.quantity(0, 0), 40);
        QCOMPARE(model.quantity(0, 1), 1);
        QCOMPARE(model.quantity(0, 2), 30);
        QCOMPARE(model.seriesMeter(2), QStringLiteral("api_calls"));
        QCOMPARE(model.seriesGroup(2), QStringLiteral("Team"));
    }

    void futureAndImplausibleBucketsAreFlaggedNotDropped()
    {
        Db db;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime today(now.date(), QTime(0, 0), Qt::UTC);
        QVERIFY(db.record({ev(QStringLiteral("ok"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 10, today.addDays(-2).addSecs(60)),
                           ev(QStringLiteral("huge"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 5'000'000'000'000, today.addDays(-1).addSecs(60)),
                           ev(QStringLiteral("soon"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 3, now.addSecs(20 * 3600))}));
        UsageSeriesModel model(db.async.get());
        model.setGranularity(UsageGranularity::Hour);
        model.setRange(today.addDays(-3), today.addDays(3));
        QTRY_VERIFY(!model.isLoading() && model.rowCount() == 3);
        QCOMPARE(model.flaggedRows(), 2);
        QVERIFY(model.flag(0).isEmpty());
        QVERIFY2(model.flag(1).contains(QStringLiteral("Implausible")), qPrintable(model.flag(1)));
        QVERIFY2(model.flag(2).contains(QStringLiteral("future")), qPrintable(model.flag(2)));
        QCOMPARE(model.total(0), 5'000'000'000'013); // shown as stored, flagged, never dropped
        QCOMPARE(model.index(1, 0).data(UsageSeriesModel::FlagRole).toString(), model.flag(1));
        QVERIFY(model.index(1, 1).data(Qt::BackgroundRole).isValid());
        QVERIFY(!model.index(0, 1).data(Qt::BackgroundRole).isValid());
    }

    void meterGoneFromStripeCarriesANotice()
    {
        Db db;
        const QDateTime day0(QDate(2025, 3, 1), QTime(0, 0), Qt::UTC);
        UsageSummaryWindow w;
        w.customerId = QStringLiteral("cus_1");
        w.meter = QStringLiteral("storage_gb");
        w.window = UsageGranularity::Day;
        w.from = day0;
        w.to = day0.addDays(2);
        UsagePoint p;
        p.bucketStart = day0;
        p.quantity = 12;
        w.buckets << p;
        QVERIFY(db.async->thread().runBlocking([w](BillingDatabase &d) { return d.replaceUsageSummaries(w); }).ok());
        QVERIFY(db.record({ev(QStringLiteral("a1"), QStringLiteral("cus_1"), QStringLiteral("storage_gb"), 4, day0.addSecs(60))}));
        UsageSeriesModel model(db.async.get());
        model.setRange(day0, day0.addDays(2));
        QTRY_VERIFY(!model.isLoading() && model.meters().size() == 2);
        QCOMPARE(model.meters(), (QStringList{QStringLiteral("storage_gb"), QStringLiteral("storage_gb (Stripe)")}));
        QCOMPARE(model.quantity(0, 0), 4);
        QCOMPARE(model.quantity(0, 1), 12);
        UsageMeterInfo gone;
        gone.id = QStringLiteral("mtr_1");
        gone.meter = QStringLiteral("storage_gb");
        gone.status = QStringLiteral("missing");
        gone.missingSince = day0.addDays(1);
        QSignalSpy header(&model, &QAbstractItemModel::headerDataChanged);
        model.setMeterInfos({gone});
        QCOMPARE(header.count(), 1);
        QVERIFY(model.seriesNotice(0).isEmpty());
        QVERIFY(model.seriesNotice(1).contains(QStringLiteral("no longer in Stripe")));
        QVERIFY(model.headerData(FirstSeries + 1, Qt::Horizontal).toString().contains(QStringLiteral("⚠")));
        model.setSource(UsageSourceProduct);
        QTRY_VERIFY(!model.isLoading() && model.meters() == QStringList{QStringLiteral("storage_gb")});
    }

private:
    static constexpr int FirstSeries = UsageSeriesModel::FirstMeter;
    static UsageEvent ev(const QString &id, const QString &customer, const QString &meter, qint64 q, const QDateTime &at)
    {
        return UsageEvent{id, customer, meter, q, at};
    }
    struct Db
    {
        QTemporaryDir dir;
        std::unique_ptr<AsyncBillingDatabase> async;
        bool ok = false;
        Db()
        {
            async = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.db"))));
            ok = async->openBlocking().ok();
        }
        bool record(const QList<UsageEvent> &events)
        {
            return async->thread().runBlocking([events](BillingDatabase &d) { return d.recordUsageEvents(events); }).ok();
        }
    };

    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
    std::unique_ptr<FakeUsageReader> m_usage;
};

QTEST_GUILESS_MAIN(tst_UsageSeriesModel)
#include "tst_usageseriesmodel.moc"
