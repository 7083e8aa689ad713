#include "services/dunning/recoverysimulator.h"

#include <QTest>

using namespace Billing;

class tst_RecoverySimulator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameSeedSamePopulation()
    {
        SimulationConfig c;
        c.population = 500;
        const RecoverySimulator a(c), b(c);
        QCOMPARE(a.cases().size(), 500);
        for (int i = 0; i < 500; ++i) {
            QCOMPARE(a.cases().at(i).code, b.cases().at(i).code);
            QCOMPARE(a.cases().at(i).amountMinor, b.cases().at(i).amountMinor);
            QCOMPARE(a.cases().at(i).failedAt, b.cases().at(i).failedAt);
        }
        c.seed = 7;
        const RecoverySimulator other(c);
        int differ = 0;
        for (int i = 0; i < 500; ++i)
            differ += other.cases().at(i).code != a.cases().at(i).code ? 1 : 0;
        QVERIFY(differ > 100);
    }

    // The mix follows the published shares (insufficient funds 38%, expired or cancelled cards 24%,
    // bank blocks 17%, technical 21%), within sampling noise for 20,000 cases.
    void declineMixFollowsPublishedShares_data()
    {
        QTest::addColumn<QStringList>("codes");
        QTest::addColumn<double>("share");
        QTest::newRow("insufficient funds 38%") << QStringList{QStringLiteral("insufficient_funds")} << 0.38;
        QTest::newRow("expired or cancelled 24%")
            << QStringList{QStringLiteral("expired_card"), QStringLiteral("incorrect_number"), QStringLiteral("lost_card"),
                           QStringLiteral("stolen_card"), QStringLiteral("pickup_card")}
            << 0.24;
        QTest::newRow("bank blocks 17%") << QStringList{QStringLiteral("do_not_honor"), QStringLiteral("generic_decline"),
                                                        QStringLiteral("fraudulent")}
                                         << 0.17;
        QTest::newRow("technical 21%") << QStringList{QStringLiteral("processing_error"), QStringLiteral("try_again_later"),
                                                      QStringLiteral("issuer_not_available"), QStringLiteral("card_velocity_exceeded")}
                                       << 0.21;
    }
    void declineMixFollowsPublishedShares()
    {
        QFETCH(QStringList, codes);
        QFETCH(double, share);
        const RecoverySimulator sim;
        int n = 0;
        for (const SimulatedCase &c : sim.cases())
            n += codes.contains(c.code) ? 1 : 0;
        const double got = double(n) / sim.cases().size();
        QVERIFY2(qAbs(got - share) < 0.015, qPrintable(QString::number(got)));
    }

    void insufficientFundsOnlyAfterPayDays()
    {
        const RecoverySimulator sim;
        const SimulatedCase *c = nullptr;
        for (const SimulatedCase &x : sim.cases()) {
            if (x.code == QLatin1String("insufficient_funds") && !x.churnAt.isValid()) {
                c = &x;
                break;
            }
        }
        QVERIFY(c);
        // Never funded on the 8th-12th (no pay day within 3 days before).
        for (int d = 8; d <= 12; ++d)
            QVERIFY(!sim.funded(*c, QDateTime(QDate(2026, 2, d), QTime(12, 0), c->zone)));
        QVERIFY(sim.successProbability(*c, QDateTime(QDate(2026, 2, 10), QTime(12, 0), c->zone), 0, false) < 0.1);
        QCOMPARE(sim.successProbability(*c, QDateTime(QDate(2026, 2, 10), QTime(12, 0), c->zone), 0, true), 0.85);
    }

    void hardDeclinesNeverSucceedOnTheSameCard()
    {
        const RecoverySimulator sim;
        for (const SimulatedCase &c : sim.cases()) {
            if (DeclineCodes::lookup(c.code).cls == DeclineClass::Soft)
                continue;
            QCOMPARE(sim.successProbability(c, c.failedAt.addDays(2), 0, false), 0.0);
        }
    }

    // The bar: smart beats the fixed schedule and Stripe's default on recovered amount, with
    // no more retries than Stripe's default.
    void smartBeatsBothBaselines()
    {
        const RecoverySimulator sim;
        const PolicyOutcome fixed = sim.run(FixedSchedulePolicy());
        const PolicyOutcome stripe = sim.run(StripeDefaultPolicy());
        const PolicyOutcome smart = sim.run(SmartRetryPolicy());
        QCOMPARE(fixed.failures, 20000);
        QCOMPARE(smart.failedMinor, stripe.failedMinor);
        QVERIFY(smart.recoveredMinor > stripe.recoveredMinor);
        QVERIFY(smart.recoveredMinor > fixed.recoveredMinor);
        QVERIFY(smart.retries <= stripe.retries);
        // Sanity: no policy recovers more than what failed; recovered counts add up by code.
        for (const PolicyOutcome &o : {fixed, stripe, smart}) {
            QVERIFY(o.recoveredMinor <= o.failedMinor);
            int sum = 0;
            for (int v : o.recoveredByCode)
                sum += v;
            QCOMPARE(sum, o.recovered);
            int byRetry = 0;
            for (int v : o.recoveredByRetry)
                byRetry += v;
            QCOMPARE(byRetry, o.recovered);
        }
        // The fixed schedule never goes past 3 retries; Stripe's never past 8.
        QVERIFY(fixed.recoveredByRetry.lastKey() <= 3);
        QVERIFY(stripe.recoveredByRetry.lastKey() <= 8);
        // Stripe never retries a stolen card without a new payment method, so whatever it recovers
        // there came after the customer attached one.
        QVERIFY(smart.recoveredByCode.value(QStringLiteral("stolen_card")) > 0);
    }
};

QTEST_GUILESS_MAIN(tst_RecoverySimulator)
#include "tst_recoverysimulator.moc"
