// The implied cost of usage with budget caps (UsageCostCalculator + UsageCaps): usage beyond a
// customer's monthly cap of a meter is kept, counted as capped and left out of the price; the cap
// is used up in time order through the calendar month, also by usage before the range; Stripe
// meter usage is never capped (Stripe bills it). Expected values are worked out by hand.
#include "services/usage/usagecost.h"

#include <QTest>

using namespace Billing;

namespace {

QDateTime utc(int y, int m, int d, int h = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, 0), Qt::UTC);
}

UsagePoint point(const QString &customer, const QDateTime &at, qint64 quantity, const QString &source = UsageSourceProduct)
{
    UsagePoint p;
    p.customerId = customer;
    p.meter = QStringLiteral("api_calls");
    p.source = source;
    p.bucketStart = at;
    p.quantity = quantity;
    return p;
}

Price perUnit(qint64 minor, const QString &currency = QStringLiteral("usd"))
{
    Price p;
    p.id = QStringLiteral("price_calls_") + currency;
    p.currency = currency;
    p.type = QStringLiteral("recurring");
    p.billingScheme = QStringLiteral("per_unit");
    p.unitAmount = minor;
    p.usageType = QStringLiteral("metered");
    p.interval = QStringLiteral("month");
    p.intervalCount = 1;
    p.active = true;
    return p;
}

} // namespace

class tst_UsageCost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void capsLeaveOverCapUsageUnbilled_data()
    {
        QTest::addColumn<QList<qint64>>("quantities"); // one per day from Nov 1 (product source)
        QTest::addColumn<qint64>("cap");               // -1 = no cap
        QTest::addColumn<int>("countFromDay");         // 0 = count everything, else the range starts that day
        QTest::addColumn<qint64>("billable");
        QTest::addColumn<qint64>("capped");

        QTest::newRow("no cap") << QList<qint64>{400, 400, 400} << qint64(-1) << 0 << qint64(1200) << qint64(0);
        QTest::newRow("under the cap") << QList<qint64>{100, 200} << qint64(1000) << 0 << qint64(300) << qint64(0);
        QTest::newRow("exactly at the cap") << QList<qint64>{600, 400} << qint64(1000) << 0 << qint64(1000) << qint64(0);
        // 400 + 400 = 800, the third day's 400: 200 within, 200 over.
        QTest::newRow("crosses mid-bucket") << QList<qint64>{400, 400, 400} << qint64(1000) << 0 << qint64(1000) << qint64(200);
        QTest::newRow("all over after the cap") << QList<qint64>{1000, 50, 70} << qint64(1000) << 0 << qint64(1000) << qint64(120);
        // Range from day 3: days 1-2 (900) used the cap up to 100; day 3's 400 = 100 billable + 300 capped.
        QTest::newRow("earlier usage in the month uses the cap") << QList<qint64>{500, 400, 400} << qint64(1000) << 3
                                                                 << qint64(100) << qint64(300);
        QTest::newRow("zero cap: nothing billable") << QList<qint64>{5, 5} << qint64(0) << 0 << qint64(0) << qint64(10);
    }
    void capsLeaveOverCapUsageUnbilled()
    {
        QFETCH(QList<qint64>, quantities);
        QFETCH(qint64, cap);
        QFETCH(int, countFromDay);
        QFETCH(qint64, billable);
        QFETCH(qint64, capped);

        const QString customer = QStringLiteral("cus_cap");
        QList<UsagePoint> points;
        // Given newest first: the cap must still be used up in time order.
        for (int i = int(quantities.size()) - 1; i >= 0; --i)
            points << point(customer, utc(2026, 11, 1 + i), quantities.at(i));
        UsagePriceBook book;
        book.setDefault(QStringLiteral("api_calls"), perUnit(3));
        UsageCaps caps;
        if (cap >= 0)
            caps.setCap(customer, QStringLiteral("api_calls"), cap);
        const QDateTime countFrom = countFromDay > 0 ? utc(2026, 11, countFromDay) : QDateTime();

        const UsageCost cost = UsageCostCalculator::compute(points, book, caps, countFrom);
        QVERIFY(cost.problems.isEmpty());
        QCOMPARE(cost.lines.size(), 1);
        QCOMPARE(cost.lines.first().quantity, billable);
        QCOMPARE(cost.lines.first().cappedQuantity, capped);
        QCOMPARE(cost.lines.first().amount.minor(), billable * 3);
        QCOMPARE(cost.total.value(QStringLiteral("USD")), billable * 3);
        QCOMPARE(cost.cappedUnits, capped);
        QCOMPARE(cost.cappedBySeries.value(QStringLiteral("api_calls")), capped);
        QCOMPARE(cost.cappedCustomers, capped > 0 ? QStringList{customer} : QStringList{});
    }

    void capsApplyPerCustomerAndMonthAndNotToStripeMeters()
    {
        UsagePriceBook book;
        book.setDefault(QStringLiteral("api_calls"), perUnit(1));
        UsageCaps caps;
        caps.setCap(QStringLiteral("cus_a"), QStringLiteral("api_calls"), 100);
        caps.setCap(QStringLiteral("cus_a"), QStringLiteral("api_calls"), 150); // the lowest cap wins
        const QList<UsagePoint> points{
            point(QStringLiteral("cus_a"), utc(2026, 10, 30), 130),                    // October: 100 + 30 over
            point(QStringLiteral("cus_a"), utc(2026, 11, 2), 90),                     // November starts afresh
            point(QStringLiteral("cus_b"), utc(2026, 11, 2), 500),                    // no cap
            point(QStringLiteral("cus_a"), utc(2026, 11, 3), 400, UsageSourceStripe), // Stripe bills it
        };
        const UsageCost cost = UsageCostCalculator::compute(points, book, caps);
        QCOMPARE(cost.cappedUnits, qint64(30));
        QCOMPARE(cost.cappedCustomers, QStringList{QStringLiteral("cus_a")});
        // 100 (Oct) + 90 (Nov) + 500 (cus_b) + 400 (Stripe meter) at 1 cent.
        QCOMPARE(cost.total.first(), qint64(100 + 90 + 500 + 400));
        QCOMPARE(cost.cappedBySeries.value(QStringLiteral("api_calls")), qint64(30));
        QVERIFY(!cost.cappedBySeries.contains(usageSeriesKey(QStringLiteral("api_calls"), UsageSourceStripe)));
    }

    void usageOnlyBeforeTheRangeIsNotCounted()
    {
        UsagePriceBook book;
        book.setDefault(QStringLiteral("api_calls"), perUnit(1));
        UsageCaps caps;
        caps.setCap(QStringLiteral("cus_a"), QStringLiteral("api_calls"), 10);
        // Read from the month start for the cap; the range starts on Nov 20 and has no usage.
        const UsageCost cost = UsageCostCalculator::compute({point(QStringLiteral("cus_a"), utc(2026, 11, 2), 50)}, book,
                                                            caps, utc(2026, 11, 20));
        QVERIFY(cost.lines.isEmpty());
        QVERIFY(cost.total.isEmpty());
        QCOMPARE(cost.cappedUnits, qint64(0));
    }
};

QTEST_GUILESS_MAIN(tst_UsageCost)
#include "tst_usagecost.moc"
