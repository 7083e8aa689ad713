#include "models/usageseriesmodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"

#include <QAbstractItemModelTester>
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
        QSignalSpy reloaded(&model, &UsageSeriesModel::reloaded);
        m_usage->notifyChanged();
        QVERIFY(reloaded.wait());
        QCOMPARE(model.total(0), expected + 1000);
    }

private:
    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
    std::unique_ptr<FakeUsageReader> m_usage;
};

QTEST_GUILESS_MAIN(tst_UsageSeriesModel)
#include "tst_usageseriesmodel.moc"
