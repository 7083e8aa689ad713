#include "services/storage/asyncbillingdatabase.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

namespace {

QList<UsageEvent> someUsage(const QString &prefix, int n, qint64 quantity)
{
    QList<UsageEvent> out;
    const QDateTime at = QDateTime::currentDateTimeUtc().addSecs(-3600);
    for (int i = 0; i < n; ++i)
        out << UsageEvent{prefix + QString::number(i), QStringLiteral("cus_live"),
                          QStringLiteral("api_calls"), quantity, at};
    return out;
}

} // namespace

class tst_AsyncBillingDatabase final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }

    void readerServesSeriesAndMeters_data() { backendRows(); }
    void readerServesSeriesAndMeters();
    void otherConsoleWriteEmitsUsageChanged_data();
    void otherConsoleWriteEmitsUsageChanged();
    void openFailureIsReportedNotFatal();

private:
    void backendRows()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    BillingDbFixture m_fixture;
};

void tst_AsyncBillingDatabase::readerServesSeriesAndMeters()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    AsyncBillingDatabase db(settings);
    UsageReader *reader = &db; // what the usage chart sees
    QSignalSpy changed(reader, &UsageReader::usageChanged);

    bool opened = false;
    db.open(this, [&](Result<BillingDatabase::OpenReport> r) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().detail));
        opened = true;
    });
    QTRY_VERIFY(opened);

    std::optional<Result<int>> recorded;
    db.recordUsageEvents(someUsage(QStringLiteral("r"), 3, 4), this,
                         [&](Result<int> r) { recorded = r; });
    QTRY_VERIFY(recorded.has_value());
    BC_VERIFY_OK(*recorded);
    QCOMPARE(**recorded, 3);
    QCOMPARE(changed.count(), 1);

    std::optional<Result<QList<UsagePoint>>> series;
    UsageSeriesQuery q;
    q.granularity = UsageGranularity::Day;
    q.from = QDateTime::currentDateTimeUtc().addDays(-3);
    q.to = QDateTime::currentDateTimeUtc().addDays(1);
    reader->series(q, this, [&](Result<QList<UsagePoint>> r) { series = r; });
    QTRY_VERIFY(series.has_value());
    BC_VERIFY_OK(*series);
    qint64 total = 0;
    for (const UsagePoint &p : series->value())
        total += p.quantity;
    QCOMPARE(total, 12);

    std::optional<Result<QStringList>> meters;
    reader->meters(this, [&](Result<QStringList> r) { meters = r; });
    QTRY_VERIFY(meters.has_value());
    BC_VERIFY_OK(*meters);
    QCOMPARE(meters->value(), QStringList{QStringLiteral("api_calls")});

    // Recording only duplicates changes nothing, so no signal.
    recorded.reset();
    db.recordUsageEvents(someUsage(QStringLiteral("r"), 3, 4), this,
                         [&](Result<int> r) { recorded = r; });
    QTRY_VERIFY(recorded.has_value());
    QCOMPARE(**recorded, 0);
    QCOMPARE(changed.count(), 1);

    // Other writes go through thread().
    const auto staff = db.thread().runBlocking([](BillingDatabase &d) {
        return d.addStaff(StaffMember{0,
                                      QStringLiteral("Ann"),
                                      QStringLiteral("ann@example.com"),
                                      StaffRole::Admin,
                                      true,
                                      0,
                                      {},
                                      {}},
                          QStringLiteral("system"));
    });
    BC_VERIFY_OK(staff);
}

void tst_AsyncBillingDatabase::otherConsoleWriteEmitsUsageChanged_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>(
        "viaAsync"); // the writer is another AsyncBillingDatabase, or a plain connection
    QTest::newRow("postgres/listen-notify, async writer") << QStringLiteral("postgres") << true;
    QTest::newRow("postgres/listen-notify, raw writer") << QStringLiteral("postgres") << false;
    QTest::newRow("sqlite/polling, async writer") << QStringLiteral("sqlite") << true;
    QTest::newRow("sqlite/polling, raw writer") << QStringLiteral("sqlite") << false;
}

void tst_AsyncBillingDatabase::otherConsoleWriteEmitsUsageChanged()
{
    QFETCH(QString, backend);
    QFETCH(bool, viaAsync);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    constexpr int PollMs = 50; // used by SQLite only

    AsyncBillingDatabase writer(settings, PollMs);
    AsyncBillingDatabase watcher(settings, PollMs);
    BC_VERIFY_OK(writer.openBlocking());
    BC_VERIFY_OK(watcher.openBlocking());
    QSignalSpy writerSpy(&writer, &UsageReader::usageChanged);
    QSignalSpy watcherSpy(&watcher, &UsageReader::usageChanged);

    QElapsedTimer latency;
    QList<qint64> latencies;
    // Timestamped when the signal arrives (QTRY only looks every 50 ms).
    connect(&watcher, &UsageReader::usageChanged, this,
            [&] { latencies << latency.nsecsElapsed() / 1000; });
    for (int round = 0; round < 3; ++round) {
        const QList<UsageEvent> events = someUsage(QStringLiteral("round%1_").arg(round), 2, 1);
        latency.start();
        if (viaAsync) {
            writer.recordUsageEvents(events, this,
                                     [](Result<int> r) { QVERIFY(r.ok() && *r == 2); });
        } else {
            BillingDatabase raw;
            BC_VERIFY_OK(raw.open(settings));
            const auto n = raw.recordUsageEvents(events);
            BC_VERIFY_OK(n);
            QCOMPARE(*n, 2);
        }
        QTRY_COMPARE_WITH_TIMEOUT(watcherSpy.count(), round + 1, 2000);
        // A poller announces "new usage" once per look, so let the writer's own poll see this
        // round before the next write (else two rounds fall into one look and are one signal).
        if (!viaAsync)
            QTRY_COMPARE_WITH_TIMEOUT(writerSpy.count(), round + 1, 2000);
    }
    QCOMPARE(latencies.size(), 3);
    qInfo("%s: another console's usage write reached this console after %.1f / %.1f / %.1f ms "
          "(from the write call to usageChanged)",
          qPrintable(backend), latencies[0] / 1000.0, latencies[1] / 1000.0, latencies[2] / 1000.0);

    // Each write is announced once per console: the async writer from its own recordUsageEvents
    // (never again through its own NOTIFY or poll); with a raw writer it is one more watcher.
    QTest::qWait(4 * PollMs + 200);
    QCOMPARE(writerSpy.count(), 3);
    QCOMPARE(watcherSpy.count(), 3);
}

void tst_AsyncBillingDatabase::openFailureIsReportedNotFatal()
{
    BillingDbSettings settings = BillingDbSettings::postgres(
        QStringLiteral("127.0.0.1"), 1, QStringLiteral("billing"), QStringLiteral("billing"));
    settings.connectTimeoutSeconds = 2;
    AsyncBillingDatabase db(settings);
    std::optional<Result<BillingDatabase::OpenReport>> opened;
    db.open(this, [&](Result<BillingDatabase::OpenReport> r) { opened = r; });
    QTRY_VERIFY_WITH_TIMEOUT(opened.has_value(), 10000);
    QVERIFY(!opened->ok());
    QCOMPARE(opened->error().kind, Error::Kind::Database);

    std::optional<Result<QStringList>> meters;
    db.meters(this, [&](Result<QStringList> r) { meters = r; });
    QTRY_VERIFY(meters.has_value());
    QVERIFY(!meters->ok());
    QCOMPARE(meters->error().kind, Error::Kind::Database);
}

QTEST_GUILESS_MAIN(tst_AsyncBillingDatabase)
#include "tst_asyncbillingdatabase.moc"
