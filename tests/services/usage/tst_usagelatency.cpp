// INSERT-to-chart latency: another connection (another console) records usage through
// BillingDatabase::recordUsageEvents; the open console's UsageSeriesModel (what the chart draws)
// shows the new point. PostgreSQL pushes it (LISTEN/NOTIFY); SQLite is polled at a chosen interval.
// Prints min / median / max per backend; asserts every sample under one second.
#include "models/usageseriesmodel.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/billingdatabase.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace Billing;
using namespace Billing::Test;

class tst_UsageLatency final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }

    void insertToChart_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<int>("pollMs");
        QTest::newRow("postgres LISTEN/NOTIFY") << QStringLiteral("postgres") << 0;
        QTest::newRow("sqlite polled every 250 ms") << QStringLiteral("sqlite") << 250;
    }
    void insertToChart()
    {
        QFETCH(QString, backend);
        QFETCH(int, pollMs);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        const QDateTime day0 = BillingDatabase::bucketStart(QDateTime::currentDateTimeUtc(), UsageGranularity::Day);

        // The other console: its own connection, on this thread.
        BillingDatabase writer(QStringLiteral("latency-writer"));
        BC_VERIFY_OK(writer.open(settings));
        BC_VERIFY_OK(writer.recordUsageEvents({UsageEvent{QStringLiteral("seed"), QStringLiteral("cus_1"), QStringLiteral("api_calls"), 1, day0.addSecs(60)}}));

        // This console: the async database (watching) and the model behind the chart.
        AsyncBillingDatabase console(settings, pollMs);
        BC_VERIFY_OK(console.openBlocking());
        UsageSeriesModel model(&console);
        model.setGranularity(UsageGranularity::Hour);
        model.setRange(day0, day0.addDays(2));
        QTRY_VERIFY(!model.isLoading() && model.rowCount() == 1);
        QSignalSpy resets(&model, &QAbstractItemModel::modelAboutToBeReset);

        QList<qint64> samples;
        const int rounds = 15;
        qint64 expected = 1;
        for (int i = 0; i < rounds; ++i) {
            const qint64 quantity = 10 + i;
            // Each round a new hour bucket (appended) or the same one again (updated in place).
            const QDateTime at = day0.addSecs(3600 * (1 + i / 2) + 60 + i);
            QElapsedTimer clock;
            clock.start();
            BC_VERIFY_OK(writer.recordUsageEvents({UsageEvent{QStringLiteral("ev-%1").arg(i), QStringLiteral("cus_2"), QStringLiteral("api_calls"), quantity, at}}));
            expected += quantity;
            const bool seen = QTest::qWaitFor([&] { return model.total(0) == expected; }, 3000);
            const qint64 ms = clock.elapsed();
            QVERIFY2(seen, qPrintable(QStringLiteral("round %1: the point did not arrive (total %2, expected %3)").arg(i).arg(model.total(0)).arg(expected)));
            samples << ms;
            QTest::qWait(20); // let the answer's trailing signals settle
        }
        QCOMPARE(resets.count(), 0); // in place, never a full reload
        std::sort(samples.begin(), samples.end());
        const qint64 median = samples.at(samples.size() / 2);
        qInfo("INSERT-to-chart latency, %s: min %lld ms, median %lld ms, max %lld ms over %d inserts",
              qPrintable(QString::fromLatin1(QTest::currentDataTag())), samples.first(), median, samples.last(), rounds);
        QVERIFY2(samples.last() < 1000, qPrintable(QStringLiteral("slowest %1 ms").arg(samples.last())));
        writer.close();
    }

private:
    BillingDbFixture m_fixture;
};

QTEST_GUILESS_MAIN(tst_UsageLatency)
#include "tst_usagelatency.moc"
