#include "services/analytics/metricscalculator.h"

#include <QtTest>

using namespace Billing;

namespace {

QDateTime at(int y, int m, int d) { return QDateTime(QDate(y, m, d), QTime(0, 0), Qt::UTC); }

Price price(const char *id, const char *currency, const char *interval, int count, std::optional<qint64> unit)
{
    Price p;
    p.id = QLatin1String(id);
    p.currency = QLatin1String(currency);
    p.type = QStringLiteral("recurring");
    p.billingScheme = QStringLiteral("per_unit");
    p.interval = QLatin1String(interval);
    p.intervalCount = count;
    p.usageType = QStringLiteral("licensed");
    p.unitAmount = unit;
    return p;
}

Subscription sub(const char *id, const char *customer, const char *currency, QDateTime start,
                 QList<QPair<const char *, qint64>> items, QDateTime ended = {})
{
    Subscription s;
    s.id = QLatin1String(id);
    s.customerId = QLatin1String(customer);
    s.currency = QLatin1String(currency);
    s.status = ended.isValid() ? QStringLiteral("canceled") : QStringLiteral("active");
    s.created = start;
    s.startDate = start;
    s.endedAt = ended;
    s.canceledAt = ended;
    for (const auto &[priceId, quantity] : items) {
        SubscriptionItem item;
        item.id = QStringLiteral("si_") + s.id;
        item.priceId = QLatin1String(priceId);
        item.quantity = quantity;
        s.items << item;
    }
    return s;
}

Invoice paid(const char *id, const char *customer, const char *currency, qint64 amount, QDateTime paidAt,
             const char *status = "paid")
{
    Invoice i;
    i.id = QLatin1String(id);
    i.customerId = QLatin1String(customer);
    i.currency = QLatin1String(currency);
    i.status = QLatin1String(status);
    i.amountPaidMinor = QLatin1String(status) == QLatin1String("paid") ? amount : 0;
    i.totalMinor = amount;
    i.paidAt = QLatin1String(status) == QLatin1String("paid") ? paidAt : QDateTime();
    i.created = paidAt;
    return i;
}

FxRate rate(const char *base, const char *quote, QDate date, const char *r)
{
    FxRate x;
    x.base = QLatin1String(base);
    x.quote = QLatin1String(quote);
    x.date = date;
    x.rate = QLatin1String(r);
    x.source = QStringLiteral("test");
    return x;
}

// The handmade dataset. Monthly amounts (minor units):
//   p_month_usd 10.00/month; p_year_usd 120.00/year = 1000/month; p_week_usd 7.00/week = 700*52/12
//   = 3033 1/3 per month; p_q_eur 30.00 every 3 months = 1000/month; p_jpy 5000 JPY/month;
//   p_tier_usd graduated (first 10 at 100, then 50): 15 units = 1000 + 250 = 1250/month; p_meter metered.
// Customers:
//   a (USD): sub A 2 x p_month_usd = 2000 from 2025-12-10; sub H from 2026-03-03: metered item (left out)
//            + 15 x p_tier_usd = 1250  -> a = 2000 until March, 3250 at the end of March
//   b (USD): 1 x p_year_usd = 1000 from 2025-11-01, ended 2026-02-20      -> churns in February
//   c (USD): 1 x p_week_usd = 3033 1/3 from 2026-01-05                      -> new in January
//   d (USD): 1 x p_month_usd = 1000, trial 2026-01-10 .. 2026-02-10, still active -> pays from February
//   e (USD): 1 x p_month_usd, trial 2026-02-01 .. 2026-03-01, ended at the trial end -> never pays
//   f (EUR): sub F 1 x p_q_eur = 1000 from 2025-10-01; sub K 1 x p_q_eur from 2025-12-01, ended 2026-03-10
//   g (EUR): 2 x p_q_eur = 2000 from 2026-02-15
//   i (JPY): incomplete_expired: ignored everywhere
//   j (JPY): 3 x p_jpy = 15000 from 2026-01-20, ended 2026-03-05
// Paid invoices: a 2000 USD 2026-01-12 and 2026-02-12; f 1000 EUR 2026-03-02; j 15000 JPY 2026-03-20;
//   an open USD invoice of 999 (not revenue).
// Rates: EUR/USD 1.10 from 2026-01-01 and 1.20 from 2026-03-01; USD/JPY 150 from 2025-12-01.
// now = 2026-04-15; months January to March 2026; rounding half up.
AnalyticsInput dataset()
{
    AnalyticsInput in;
    for (const Price &p : {price("p_month_usd", "usd", "month", 1, 1000), price("p_year_usd", "usd", "year", 1, 12000),
                           price("p_week_usd", "usd", "week", 1, 700), price("p_q_eur", "eur", "month", 3, 3000),
                           price("p_jpy", "jpy", "month", 1, 5000)})
        in.prices.insert(p.id, p);
    Price tier = price("p_tier_usd", "usd", "month", 1, std::nullopt);
    tier.billingScheme = QStringLiteral("tiered");
    tier.tiersMode = QStringLiteral("graduated");
    tier.tiers = {PriceTier{10, 100, {}, {}, {}}, PriceTier{std::nullopt, 50, {}, {}, {}}};
    in.prices.insert(tier.id, tier);
    Price meter = price("p_meter", "usd", "month", 1, 2);
    meter.usageType = QStringLiteral("metered");
    in.prices.insert(meter.id, meter);

    in.subscriptions << sub("A", "a", "usd", at(2025, 12, 10), {{"p_month_usd", 2}})
                     << sub("H", "a", "usd", at(2026, 3, 3), {{"p_meter", 1}, {"p_tier_usd", 15}})
                     << sub("B", "b", "usd", at(2025, 11, 1), {{"p_year_usd", 1}}, at(2026, 2, 20))
                     << sub("C", "c", "usd", at(2026, 1, 5), {{"p_week_usd", 1}});
    Subscription d = sub("D", "d", "usd", at(2026, 1, 10), {{"p_month_usd", 1}});
    d.trialStart = at(2026, 1, 10);
    d.trialEnd = at(2026, 2, 10);
    Subscription e = sub("E", "e", "usd", at(2026, 2, 1), {{"p_month_usd", 1}}, at(2026, 3, 1));
    e.trialStart = at(2026, 2, 1);
    e.trialEnd = at(2026, 3, 1);
    Subscription i = sub("I", "i", "jpy", at(2026, 1, 3), {{"p_jpy", 1}});
    i.status = QStringLiteral("incomplete_expired");
    in.subscriptions << d << e << i
                     << sub("F", "f", "eur", at(2025, 10, 1), {{"p_q_eur", 1}})
                     << sub("K", "f", "eur", at(2025, 12, 1), {{"p_q_eur", 1}}, at(2026, 3, 10))
                     << sub("G", "g", "eur", at(2026, 2, 15), {{"p_q_eur", 2}})
                     << sub("J", "j", "jpy", at(2026, 1, 20), {{"p_jpy", 3}}, at(2026, 3, 5));
    in.invoices << paid("in1", "a", "usd", 2000, at(2026, 1, 12)) << paid("in2", "a", "usd", 2000, at(2026, 2, 12))
                << paid("in3", "a", "usd", 999, at(2026, 2, 15), "open") << paid("in4", "f", "eur", 1000, at(2026, 3, 2))
                << paid("in5", "j", "jpy", 15000, at(2026, 3, 20));
    return in;
}

MetricsOptions options(const QString &reporting = QStringLiteral("USD"))
{
    MetricsOptions o;
    o.firstMonth = QDate(2026, 1, 1);
    o.lastMonth = QDate(2026, 3, 1);
    o.reportingCurrency = reporting;
    o.rounding = Rounding::HalfUp;
    o.now = at(2026, 4, 15);
    return o;
}

FxConverter rates()
{
    return FxConverter({rate("EUR", "USD", QDate(2026, 1, 1), "1.10"), rate("EUR", "USD", QDate(2026, 3, 1), "1.20"),
                        rate("USD", "JPY", QDate(2025, 12, 1), "150")});
}

bool near(std::optional<double> v, double expected) { return v && std::abs(*v - expected) < 1e-9; }

} // namespace

class tst_Metrics final : public QObject
{
    Q_OBJECT

private:
    AnalyticsReport m_report;

private Q_SLOTS:
    void initTestCase()
    {
        const Result<AnalyticsReport> r = MetricsCalculator::compute(dataset(), rates(), options());
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().userMessage));
        m_report = *r;
    }

    void monthsAndCurrencies()
    {
        QCOMPARE(m_report.months, (QList<QDate>{QDate(2026, 1, 1), QDate(2026, 2, 1), QDate(2026, 3, 1)}));
        QCOMPARE(m_report.currencies, (QStringList{QStringLiteral("EUR"), QStringLiteral("JPY"), QStringLiteral("USD")}));
        QCOMPARE(m_report.skippedItems, 1); // the metered item of H
    }

    void usdJanuary()
    {
        // Start (end of December): a 2000 + b 1000 = 3000 from 2 customers. End of January: a 2000,
        // b 1000, c 3033 1/3 (d is still in trial) = 6033 1/3 -> 6033. ARR = 12 x 6033 1/3 = 72400 exactly.
        // ARPA = 6033 1/3 / 3 = 2011.11 -> 2011. New: c (3033 1/3 -> 3033). Nothing lost: NRR 3000/3000 = 1.
        const MonthMetrics m = m_report.perCurrency.value(QStringLiteral("USD")).at(0);
        QCOMPARE(m.mrrMinor, qint64(6033));
        QCOMPARE(m.arrMinor, qint64(72400));
        QCOMPARE(m.activeCustomers, 3);
        QCOMPARE(m.arpaMinor, qint64(2011));
        QCOMPARE(m.startCustomers, 2);
        QCOMPARE(m.startMrrMinor, qint64(3000));
        QCOMPARE(m.newCustomers, 1);
        QCOMPARE(m.newMrrMinor, qint64(3033));
        QVERIFY(near(m.logoChurn, 0.0));
        QVERIFY(near(m.revenueChurn, 0.0));
        QVERIFY(near(m.netRevenueRetention, 1.0));
        QCOMPARE(m.trialsEnded, 0);
        QVERIFY(!m.trialConversion);
        QCOMPARE(m.revenueMinor, qint64(2000));
    }

    void usdFebruary()
    {
        // Start = January's end: 6033 1/3 from a, b, c. End: a 2000, c 3033 1/3, d 1000 (trial ended
        // Feb 10) = 6033 1/3. b churned (1000): logo churn 1/3; revenue churn 1000 / 6033 1/3 = 3000/18100;
        // NRR = (2000 + 3033 1/3) / 6033 1/3 = 15100/18100. d's trial ended and it stayed: 1 of 1.
        // Revenue: a's invoice of 2000 (the open 999 is not revenue).
        const MonthMetrics m = m_report.perCurrency.value(QStringLiteral("USD")).at(1);
        QCOMPARE(m.mrrMinor, qint64(6033));
        QCOMPARE(m.startMrrMinor, qint64(6033));
        QCOMPARE(m.startCustomers, 3);
        QCOMPARE(m.churnedCustomers, 1);
        QCOMPARE(m.churnedMrrMinor, qint64(1000));
        QCOMPARE(m.newCustomers, 1);
        QCOMPARE(m.newMrrMinor, qint64(1000));
        QVERIFY(near(m.logoChurn, 1.0 / 3.0));
        QVERIFY(near(m.revenueChurn, 3000.0 / 18100.0));
        QVERIFY(near(m.netRevenueRetention, 15100.0 / 18100.0));
        QCOMPARE(m.trialsEnded, 1);
        QCOMPARE(m.trialsConverted, 1);
        QVERIFY(near(m.trialConversion, 1.0));
        QCOMPARE(m.revenueMinor, qint64(2000));
    }

    void usdMarch()
    {
        // a adds H (1250 of tiers; the metered item counts nothing): end = 3250 + 3033 1/3 + 1000 =
        // 7283 1/3 -> 7283; ARR 87400; ARPA 7283 1/3 / 3 = 2427.78 -> 2428. Expansion 1250; NRR =
        // 7283 1/3 / 6033 1/3 = 21850/18100. e's trial ended on March 1 and it ended with it: 0 of 1.
        const MonthMetrics m = m_report.perCurrency.value(QStringLiteral("USD")).at(2);
        QCOMPARE(m.mrrMinor, qint64(7283));
        QCOMPARE(m.arrMinor, qint64(87400));
        QCOMPARE(m.arpaMinor, qint64(2428));
        QCOMPARE(m.expansionMinor, qint64(1250));
        QCOMPARE(m.contractionMinor, qint64(0));
        QCOMPARE(m.churnedCustomers, 0);
        QVERIFY(near(m.netRevenueRetention, 21850.0 / 18100.0));
        QVERIFY(near(m.revenueChurn, 0.0));
        QCOMPARE(m.trialsEnded, 1);
        QCOMPARE(m.trialsConverted, 0);
        QVERIFY(near(m.trialConversion, 0.0));
        QCOMPARE(m.revenueMinor, qint64(0));
    }

    void eurContraction()
    {
        // February: f 2000 (F + K) -> f 2000, g 2000 new: MRR 4000, NRR 2000/2000 = 1.
        // March: K ended: f 1000, g 2000 = 3000; contraction 1000 of a 4000 start: revenue churn 0.25,
        // NRR 3000/4000 = 0.75, no logo lost. ARPA 3000/2 = 1500, ARR 36000. Revenue: f's 1000.
        const QList<MonthMetrics> eur = m_report.perCurrency.value(QStringLiteral("EUR"));
        QCOMPARE(eur.at(1).mrrMinor, qint64(4000));
        QVERIFY(near(eur.at(1).netRevenueRetention, 1.0));
        const MonthMetrics &m = eur.at(2);
        QCOMPARE(m.mrrMinor, qint64(3000));
        QCOMPARE(m.arrMinor, qint64(36000));
        QCOMPARE(m.arpaMinor, qint64(1500));
        QCOMPARE(m.contractionMinor, qint64(1000));
        QVERIFY(near(m.revenueChurn, 0.25));
        QVERIFY(near(m.netRevenueRetention, 0.75));
        QVERIFY(near(m.logoChurn, 0.0));
        QCOMPARE(m.revenueMinor, qint64(1000));
    }

    void jpyZeroDecimalAndNoStart()
    {
        // j: 3 x 5000 = 15000 JPY from January 20; nobody at the start of January (ratios undefined);
        // ended March 5: March logo churn 1/1, revenue churn 1, NRR 0, MRR 0. i never counts.
        const QList<MonthMetrics> jpy = m_report.perCurrency.value(QStringLiteral("JPY"));
        QCOMPARE(jpy.at(0).mrrMinor, qint64(15000));
        QCOMPARE(jpy.at(0).activeCustomers, 1);
        QVERIFY(!jpy.at(0).logoChurn);
        QVERIFY(!jpy.at(0).netRevenueRetention);
        QCOMPARE(jpy.at(2).mrrMinor, qint64(0));
        QVERIFY(near(jpy.at(2).logoChurn, 1.0));
        QVERIFY(near(jpy.at(2).revenueChurn, 1.0));
        QVERIFY(near(jpy.at(2).netRevenueRetention, 0.0));
        QCOMPARE(jpy.at(2).revenueMinor, qint64(15000));
    }

    void convertedView()
    {
        QCOMPARE(m_report.reportingCurrency, QStringLiteral("USD"));
        QCOMPARE(m_report.converted.size(), 3);
        // January's start (Dec 31) holds f's EUR, and there is no EUR/USD rate before 2026-01-01.
        QVERIFY(!m_report.converted.at(0).complete);
        QVERIFY2(m_report.converted.at(0).note.contains(QStringLiteral("No EUR to USD rate on or before 2025-12-31")),
                 qPrintable(m_report.converted.at(0).note));
        QVERIFY(m_report.warnings.join(u'\n').contains(QStringLiteral("2025-12-31")));
        // February at 1.10 and 1/150: USD 6033 1/3 + f 2000 EUR -> 2200 + g 2000 -> 2200 + j 15000 JPY
        // -> 15000 * 100 / 150 = 10000 cents: 20433 1/3 -> 20433.
        const MonthMetrics feb = m_report.converted.at(1);
        QVERIFY(feb.complete);
        QCOMPARE(feb.mrrMinor, qint64(20433));
        QCOMPARE(feb.activeCustomers, 6);
        // March: end at 1.20: USD 7283 1/3 + f 1200 + g 2400 = 10883 1/3 -> 10883 (j left);
        // ARR 12 x 10883 1/3 = 130600; ARPA 10883 1/3 / 5 = 2176.67 -> 2177.
        // Start (February's values) 20433 1/3; churned j 10000; contraction f 2200 -> 1200 = 1000;
        // expansion a 1250 + g 2200 -> 2400 = 200: 1450. NRR = 10883 1/3 / 20433 1/3 = 32650/61300;
        // revenue churn = (10000 + 1000) / 20433 1/3 = 33000/61300; logo churn 1/6.
        // Revenue: f 1000 EUR -> 1200 + j 15000 JPY -> 10000 = 11200 cents.
        const MonthMetrics mar = m_report.converted.at(2);
        QVERIFY(mar.complete);
        QCOMPARE(mar.currency, QStringLiteral("USD"));
        QCOMPARE(mar.mrrMinor, qint64(10883));
        QCOMPARE(mar.arrMinor, qint64(130600));
        QCOMPARE(mar.arpaMinor, qint64(2177));
        QCOMPARE(mar.startMrrMinor, qint64(20433));
        QCOMPARE(mar.churnedMrrMinor, qint64(10000));
        QCOMPARE(mar.contractionMinor, qint64(1000));
        QCOMPARE(mar.expansionMinor, qint64(1450));
        QVERIFY(near(mar.netRevenueRetention, 32650.0 / 61300.0));
        QVERIFY(near(mar.revenueChurn, 33000.0 / 61300.0));
        QVERIFY(near(mar.logoChurn, 1.0 / 6.0));
        QCOMPARE(mar.revenueMinor, qint64(11200));
        // Which rates: EUR/USD of Jan 1 and Mar 1, and USD/JPY of Dec 1 read inverted.
        QCOMPARE(m_report.ratesUsed.size(), 3);
        QCOMPARE(m_report.ratesUsed.at(0).row.date, QDate(2026, 1, 1));
        QCOMPARE(m_report.ratesUsed.at(1).row.date, QDate(2026, 3, 1));
        QCOMPARE(m_report.ratesUsed.at(2).from, QStringLiteral("JPY"));
        QVERIFY(m_report.ratesUsed.at(2).inverted);
    }

    void cohortRetention()
    {
        // Signups: January {c, d, j}, February {e, g}; a, b, f signed up before January.
        // January cohort live at the ends of Jan, Feb, Mar: 3 (d in trial counts), 3, 2 (j ended Mar 5).
        // February cohort: e ended on March 1 00:00, exactly the end of February: 1 of 2, then 1 of 2.
        QCOMPARE(m_report.cohorts.size(), 2);
        const CohortRow jan = m_report.cohorts.at(0);
        QCOMPARE(jan.cohort, QDate(2026, 1, 1));
        QCOMPARE(jan.size, 3);
        QCOMPARE(jan.retained, (QList<int>{3, 3, 2}));
        QVERIFY(std::abs(jan.retention.at(2) - 2.0 / 3.0) < 1e-12);
        const CohortRow feb = m_report.cohorts.at(1);
        QCOMPARE(feb.size, 2);
        QCOMPARE(feb.retained, (QList<int>{1, 1}));
    }

    void customerRevenueSeries()
    {
        QCOMPARE(m_report.customerRevenue.value(QStringLiteral("a")).value(QStringLiteral("USD")),
                 (QList<qint64>{2000, 2000, 0}));
        QCOMPARE(m_report.customerRevenue.value(QStringLiteral("j")).value(QStringLiteral("JPY")),
                 (QList<qint64>{0, 0, 15000}));
    }

    void monthlyNormalisation_data()
    {
        QTest::addColumn<QString>("interval");
        QTest::addColumn<int>("count");
        QTest::addColumn<qint64>("unit");
        QTest::addColumn<qint64>("quantity");
        QTest::addColumn<int>("rounding");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("month") << "month" << 1 << qint64(1000) << qint64(1) << int(Rounding::HalfUp) << qint64(1000);
        QTest::newRow("year /12") << "year" << 1 << qint64(12000) << qint64(1) << int(Rounding::HalfUp) << qint64(1000);
        QTest::newRow("2 years /24") << "year" << 2 << qint64(24000) << qint64(1) << int(Rounding::HalfUp) << qint64(1000);
        QTest::newRow("quarter") << "month" << 3 << qint64(3000) << qint64(2) << int(Rounding::HalfUp) << qint64(2000);
        // 7.00 a week * 52 / 12 = 3033.33
        QTest::newRow("week *52/12") << "week" << 1 << qint64(700) << qint64(1) << int(Rounding::HalfUp) << qint64(3033);
        QTest::newRow("week ceiling") << "week" << 1 << qint64(700) << qint64(1) << int(Rounding::Ceiling) << qint64(3034);
        // 1.00 a day * 365 / 12 = 3041.67
        QTest::newRow("day *365/12") << "day" << 1 << qint64(100) << qint64(1) << int(Rounding::HalfUp) << qint64(3042);
        QTest::newRow("day down") << "day" << 1 << qint64(100) << qint64(1) << int(Rounding::Down) << qint64(3041);
        // 1 JPY a year / 12 = 0.083 -> 0 (JPY has no minor unit: the amount stays in whole yen)
        QTest::newRow("jpy yearly tiny") << "year" << 1 << qint64(1) << qint64(1) << int(Rounding::HalfUp) << qint64(0);
        // 1.50 a year * 1 / 12 = 12.5 cents: half up 13, half even 12
        QTest::newRow("tie half up") << "year" << 1 << qint64(150) << qint64(1) << int(Rounding::HalfUp) << qint64(13);
        QTest::newRow("tie half even") << "year" << 1 << qint64(150) << qint64(1) << int(Rounding::HalfEven) << qint64(12);
    }
    void monthlyNormalisation()
    {
        QFETCH(QString, interval);
        QFETCH(int, count);
        QFETCH(qint64, unit);
        QFETCH(qint64, quantity);
        QFETCH(int, rounding);
        QFETCH(qint64, expected);
        Price p = price("p", "usd", "month", count, unit);
        p.interval = interval;
        const auto m = MetricsCalculator::monthlyAmount(p, quantity);
        QVERIFY(m.has_value());
        QCOMPARE(MetricsCalculator::round(*m, Rounding(rounding)), expected);
    }

    void tiersDecimalsAndMetered()
    {
        Price volume = price("v", "usd", "month", 1, std::nullopt);
        volume.billingScheme = QStringLiteral("tiered");
        volume.tiersMode = QStringLiteral("volume");
        volume.tiers = {PriceTier{10, 100, {}, {}, {}}, PriceTier{std::nullopt, 80, {}, 500, {}}};
        // 15 units fall in the second tier: 15 x 80 + 500 flat = 1700; 10 units: 10 x 100 = 1000
        QCOMPARE(MetricsCalculator::round(*MetricsCalculator::monthlyAmount(volume, 15), Rounding::HalfUp), qint64(1700));
        QCOMPARE(MetricsCalculator::round(*MetricsCalculator::monthlyAmount(volume, 10), Rounding::HalfUp), qint64(1000));
        // unit_amount_decimal 0.5 cents x 3 = 1.5 cents: half even 2, down 1
        Price dec = price("d", "usd", "month", 1, std::nullopt);
        dec.unitAmountDecimal = QStringLiteral("0.5");
        QCOMPARE(MetricsCalculator::round(*MetricsCalculator::monthlyAmount(dec, 3), Rounding::HalfEven), qint64(2));
        QCOMPARE(MetricsCalculator::round(*MetricsCalculator::monthlyAmount(dec, 3), Rounding::Down), qint64(1));
        Price metered = price("m", "usd", "month", 1, 5);
        metered.usageType = QStringLiteral("metered");
        QVERIFY(!MetricsCalculator::monthlyAmount(metered, 1));
        Price once = price("o", "usd", "month", 1, 5);
        once.type = QStringLiteral("one_time");
        QVERIFY(!MetricsCalculator::monthlyAmount(once, 1));
    }

    void badOptionsAreRefused()
    {
        MetricsOptions o = options(QStringLiteral("XYZ"));
        QCOMPARE(MetricsCalculator::compute(dataset(), rates(), o).error().kind, Error::Kind::Validation);
        o = options();
        o.firstMonth = QDate(2026, 4, 1);
        o.lastMonth = QDate(2026, 1, 1);
        QVERIFY(!MetricsCalculator::compute(dataset(), rates(), o).ok());
    }
};

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
