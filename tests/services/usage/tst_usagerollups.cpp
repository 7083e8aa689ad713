// Rollups from Stripe meter summaries (source "stripe") beside the product's own usage events, on
// SQLite and PostgreSQL: replacing a window never double-counts, coarser rollups follow the finer
// ones, bad summaries write nothing, meters that disappear are flagged.
#include "services/storage/billingdatabase.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QTest>

#include <map>

using namespace Billing;
using namespace Billing::Test;

namespace {

UsagePoint bucket(const QDateTime &at, qint64 quantity)
{
    UsagePoint p;
    p.bucketStart = at;
    p.quantity = quantity;
    p.source = UsageSourceStripe;
    return p;
}

UsageSummaryWindow hourWindow(const QDateTime &from, const QDateTime &to, QList<UsagePoint> buckets)
{
    UsageSummaryWindow w;
    w.customerId = QStringLiteral("cus_A");
    w.meter = QStringLiteral("api_calls");
    w.window = UsageGranularity::Hour;
    w.from = from;
    w.to = to;
    w.buckets = std::move(buckets);
    return w;
}

// (bucket secs, series key) -> quantity
std::map<std::pair<qint64, QString>, qint64> series(BillingDatabase &db, UsageGranularity g, const QString &source = {})
{
    UsageSeriesQuery q;
    q.granularity = g;
    q.from = utc(2020, 1, 1);
    q.to = utc(2030, 1, 1);
    q.source = source;
    std::map<std::pair<qint64, QString>, qint64> out;
    const auto points = db.usageSeries(q);
    if (points.ok()) {
        for (const UsagePoint &p : points.value())
            out[{p.bucketStart.toSecsSinceEpoch(), usageSeriesKey(p.meter, p.source)}] += p.quantity;
    }
    return out;
}

qint64 total(const std::map<std::pair<qint64, QString>, qint64> &m, const QString &key)
{
    qint64 sum = 0;
    for (const auto &[k, v] : m)
        sum += k.second == key ? v : 0;
    return sum;
}

} // namespace

class tst_UsageRollups final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }

    void resyncReplacesAndDerivesDaysAndMonths_data() { backendRows(); }
    void resyncReplacesAndDerivesDaysAndMonths()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        const QString key = usageSeriesKey(QStringLiteral("api_calls"), UsageSourceStripe);
        QCOMPARE(key, QStringLiteral("api_calls (Stripe)"));

        // 30 Sep 22:00 .. 1 Oct 02:00: four hours over a month boundary.
        const QDateTime from = utc(2025, 9, 30, 22), to = utc(2025, 10, 1, 2);
        const auto first = db.replaceUsageSummaries(hourWindow(from, to, {bucket(utc(2025, 9, 30, 22), 10), bucket(utc(2025, 9, 30, 23), 5), bucket(utc(2025, 10, 1, 1), 7)}));
        BC_VERIFY_OK(first);
        QCOMPARE(*first, 3);
        auto hours = series(db, UsageGranularity::Hour);
        QCOMPARE(hours.size(), size_t(3));
        QCOMPARE((hours[{utc(2025, 9, 30, 23).toSecsSinceEpoch(), key}]), qint64(5));
        auto days = series(db, UsageGranularity::Day);
        QCOMPARE((days[{utc(2025, 9, 30).toSecsSinceEpoch(), key}]), qint64(15));
        QCOMPARE((days[{utc(2025, 10, 1).toSecsSinceEpoch(), key}]), qint64(7));
        auto months = series(db, UsageGranularity::Month);
        QCOMPARE((months[{utc(2025, 9, 1).toSecsSinceEpoch(), key}]), qint64(15));
        QCOMPARE((months[{utc(2025, 10, 1).toSecsSinceEpoch(), key}]), qint64(7));

        // The same window again, with Stripe's later numbers: replaced, not added.
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(from, to, {bucket(utc(2025, 9, 30, 22), 12), bucket(utc(2025, 10, 1, 0), 1), bucket(utc(2025, 10, 1, 1), 7)})));
        hours = series(db, UsageGranularity::Hour);
        QCOMPARE(total(hours, key), qint64(20));
        QCOMPARE(hours.count({utc(2025, 9, 30, 23).toSecsSinceEpoch(), key}), size_t(0)); // gone in Stripe: gone here
        days = series(db, UsageGranularity::Day);
        QCOMPARE((days[{utc(2025, 9, 30).toSecsSinceEpoch(), key}]), qint64(12));
        QCOMPARE((days[{utc(2025, 10, 1).toSecsSinceEpoch(), key}]), qint64(8));
        months = series(db, UsageGranularity::Month);
        QCOMPARE(total(months, key), qint64(20));

        // A later, adjacent window adds to the same day and month without touching the first.
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(to, utc(2025, 10, 1, 4), {bucket(utc(2025, 10, 1, 3), 30)})));
        days = series(db, UsageGranularity::Day);
        QCOMPARE((days[{utc(2025, 10, 1).toSecsSinceEpoch(), key}]), qint64(38));
        months = series(db, UsageGranularity::Month);
        QCOMPARE((months[{utc(2025, 10, 1).toSecsSinceEpoch(), key}]), qint64(38));
        QCOMPARE((months[{utc(2025, 9, 1).toSecsSinceEpoch(), key}]), qint64(12));
    }

    void dayWindowDropsStaleHoursAndKeepsOtherCustomers_data() { backendRows(); }
    void dayWindowDropsStaleHoursAndKeepsOtherCustomers()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        const QString key = usageSeriesKey(QStringLiteral("api_calls"), UsageSourceStripe);
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(utc(2025, 3, 2), utc(2025, 3, 3), {bucket(utc(2025, 3, 2, 5), 4)})));
        UsageSummaryWindow other = hourWindow(utc(2025, 3, 2), utc(2025, 3, 3), {bucket(utc(2025, 3, 2, 6), 100)});
        other.customerId = QStringLiteral("cus_B");
        BC_VERIFY_OK(db.replaceUsageSummaries(other));

        UsageSummaryWindow day;
        day.customerId = QStringLiteral("cus_A");
        day.meter = QStringLiteral("api_calls");
        day.window = UsageGranularity::Day;
        day.from = utc(2025, 3, 1);
        day.to = utc(2025, 3, 4);
        day.buckets = {bucket(utc(2025, 3, 1), 3), bucket(utc(2025, 3, 2), 9)};
        BC_VERIFY_OK(db.replaceUsageSummaries(day));
        const auto hours = series(db, UsageGranularity::Hour);
        QCOMPARE(total(hours, key), qint64(100)); // cus_A's hour is gone, cus_B's stays
        const auto days = series(db, UsageGranularity::Day);
        QCOMPARE((days.at({utc(2025, 3, 2).toSecsSinceEpoch(), key})), qint64(109));
        QCOMPARE(total(series(db, UsageGranularity::Month), key), qint64(112));
    }

    void stripeAndProductSourcesStaySeparate_data() { backendRows(); }
    void stripeAndProductSourcesStaySeparate()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        BC_VERIFY_OK(db.recordUsageEvents({UsageEvent{QStringLiteral("e1"), QStringLiteral("cus_A"), QStringLiteral("api_calls"), 50, utc(2025, 3, 2, 5, 30)}}));
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(utc(2025, 3, 2), utc(2025, 3, 3), {bucket(utc(2025, 3, 2, 5), 4)})));
        // The Stripe re-sync of the same hour never touches the product's row.
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(utc(2025, 3, 2), utc(2025, 3, 3), {})));
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(utc(2025, 3, 2), utc(2025, 3, 3), {bucket(utc(2025, 3, 2, 5), 6)})));
        for (UsageGranularity g : {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month}) {
            const auto all = series(db, g);
            QCOMPARE(total(all, QStringLiteral("api_calls")), qint64(50));
            QCOMPARE(total(all, QStringLiteral("api_calls (Stripe)")), qint64(6));
            QCOMPARE(total(series(db, g, UsageSourceProduct), QStringLiteral("api_calls (Stripe)")), qint64(0));
            QCOMPARE(total(series(db, g, UsageSourceStripe), QStringLiteral("api_calls")), qint64(0));
        }
        const auto meters = db.usageMeters();
        BC_VERIFY_OK(meters);
        QCOMPARE(*meters, (QStringList{QStringLiteral("api_calls"), QStringLiteral("api_calls (Stripe)")}));
        // byCustomer splits per customer and keeps the sum
        UsageSeriesQuery q;
        q.granularity = UsageGranularity::Day;
        q.from = utc(2025, 3, 1);
        q.to = utc(2025, 4, 1);
        q.byCustomer = true;
        const auto per = db.usageSeries(q);
        BC_VERIFY_OK(per);
        QCOMPARE(per->size(), 2);
        for (const UsagePoint &p : *per)
            QCOMPARE(p.customerId, QStringLiteral("cus_A"));
    }

    void badSummariesWriteNothing_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("mentions");
        const QStringList names = {QStringLiteral("negative"), QStringLiteral("outside"), QStringLiteral("misaligned bucket"),
                                   QStringLiteral("misaligned window"), QStringLiteral("future"), QStringLiteral("duplicate")};
        const QStringList words = {QStringLiteral("negative"), QStringLiteral("outside"), QStringLiteral("outside"),
                                   QStringLiteral("aligned"), QStringLiteral("future"), QStringLiteral("two summaries")};
        for (const QString &b : BillingDbFixture::backends())
            for (int i = 0; i < names.size(); ++i)
                QTest::newRow(qPrintable(b + QLatin1Char(' ') + names.at(i))) << b << i << words.at(i);
    }
    void badSummariesWriteNothing()
    {
        QFETCH(QString, backend);
        QFETCH(int, kind);
        QFETCH(QString, mentions);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        const QDateTime from = utc(2025, 5, 1), to = utc(2025, 5, 1, 3);
        BC_VERIFY_OK(db.replaceUsageSummaries(hourWindow(from, to, {bucket(utc(2025, 5, 1, 1), 40)})));
        UsageSummaryWindow w = hourWindow(from, to, {bucket(utc(2025, 5, 1, 0), 1)});
        const QDateTime future = QDateTime::currentDateTimeUtc().addDays(3);
        switch (kind) {
        case 0: w.buckets << bucket(utc(2025, 5, 1, 2), -5); break;
        case 1: w.buckets << bucket(utc(2025, 5, 1, 3), 5); break;
        case 2: w.buckets << bucket(utc(2025, 5, 1, 2, 30), 5); break;
        case 3: w.to = utc(2025, 5, 1, 3, 15); break;
        case 4: {
            const QDateTime h = BillingDatabase::bucketStart(future, UsageGranularity::Hour);
            w.to = h.addSecs(3600);
            w.buckets << bucket(h, 5);
            break;
        }
        case 5: w.buckets << bucket(utc(2025, 5, 1, 0), 2); break;
        }
        const auto r = db.replaceUsageSummaries(w);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY2(r.error().userMessage.contains(mentions), qPrintable(r.error().userMessage));
        QVERIFY(r.error().userMessage.contains(QStringLiteral("Nothing was stored")));
        const QString key = usageSeriesKey(QStringLiteral("api_calls"), UsageSourceStripe);
        for (UsageGranularity g : {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month})
            QCOMPARE(total(series(db, g), key), qint64(40));
    }

    void meterThatDisappearsIsMarkedMissing_data() { backendRows(); }
    void meterThatDisappearsIsMarkedMissing()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_fixture, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        auto info = [](const QString &id, const QString &meter, const QString &status) {
            UsageMeterInfo m;
            m.id = id;
            m.meter = meter;
            m.displayName = meter;
            m.status = status;
            return m;
        };
        const QDateTime t1 = utc(2025, 6, 1), t2 = utc(2025, 6, 2), t3 = utc(2025, 6, 3);
        BC_VERIFY_OK(db.recordUsageMeters({info(QStringLiteral("mtr_a"), QStringLiteral("api_calls"), QStringLiteral("active")),
                                           info(QStringLiteral("mtr_b"), QStringLiteral("storage_gb"), QStringLiteral("active"))},
                                          UsageSourceStripe, t1));
        BC_VERIFY_OK(db.recordUsageMeters({info(QStringLiteral("mtr_a"), QStringLiteral("api_calls"), QStringLiteral("inactive"))}, UsageSourceStripe, t2));
        BC_VERIFY_OK(db.recordUsageMeters({info(QStringLiteral("mtr_a"), QStringLiteral("api_calls"), QStringLiteral("inactive"))}, UsageSourceStripe, t3));
        auto infos = db.usageMeterInfos();
        BC_VERIFY_OK(infos);
        QCOMPARE(infos->size(), 2);
        QCOMPARE(infos->at(0).meter, QStringLiteral("api_calls"));
        QCOMPARE(infos->at(0).status, QStringLiteral("inactive"));
        QCOMPARE(infos->at(0).missingSince, t2); // the first time it was seen inactive
        QCOMPARE(infos->at(1).status, QStringLiteral("missing"));
        QCOMPARE(infos->at(1).missingSince, t2);
        QCOMPARE(infos->at(1).lastSeenAt, t1);
        // Back in Stripe: flag cleared.
        BC_VERIFY_OK(db.recordUsageMeters({info(QStringLiteral("mtr_b"), QStringLiteral("storage_gb"), QStringLiteral("active"))}, UsageSourceStripe, t3));
        infos = db.usageMeterInfos();
        QCOMPARE(infos->at(1).status, QStringLiteral("active"));
        QVERIFY(!infos->at(1).missingSince.isValid());
        QCOMPARE(infos->at(0).status, QStringLiteral("missing"));
    }

private:
    void backendRows()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    BillingDbFixture m_fixture;
};

QTEST_GUILESS_MAIN(tst_UsageRollups)
#include "tst_usagerollups.moc"
