#include "services/dunning/declinecodes.h"
#include "services/dunning/retrypolicy.h"

#include <QTest>
#include <QTimeZone>

using namespace Billing;

class tst_RetryPolicy : public QObject
{
    Q_OBJECT

private:
    static QDateTime utc(int y, int m, int d, int h = 0, int min = 0)
    {
        return QDateTime(QDate(y, m, d), QTime(h, min), QTimeZone::utc());
    }
    static FailedPayment failure(const QString &code, const QDateTime &at, const QTimeZone &zone = QTimeZone::utc())
    {
        FailedPayment f;
        f.invoiceId = QStringLiteral("in_test");
        f.code = code;
        f.firstFailureAt = at;
        f.lastAttemptAt = at;
        f.zone = zone;
        return f;
    }

private Q_SLOTS:
    // Every decline code: does each policy retry the same card after the first failure?
    void firstRetryPerDeclineCode_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("smartRetries");
        QTest::addColumn<bool>("stripeRetries");
        QTest::addColumn<bool>("waitsForNewMethod");
        // Hard declines: never retried, by Stripe's default nor by the smart policy.
        for (const char *c : {"stolen_card", "lost_card", "fraudulent", "pickup_card", "do_not_try_again", "invalid_account",
                              "revocation_of_authorization", "revocation_of_all_authorizations", "stop_payment_order",
                              "merchant_blacklist", "restricted_card", "security_violation"})
            QTest::newRow(c) << QString::fromLatin1(c) << false << false << true;
        // The card as stored cannot work: the smart policy waits for a new one; Stripe retries.
        for (const char *c : {"expired_card", "incorrect_number", "incorrect_cvc", "incorrect_zip", "authentication_required",
                              "card_not_supported", "currency_not_supported", "call_issuer", "transaction_not_allowed",
                              "new_account_information_available"})
            QTest::newRow(c) << QString::fromLatin1(c) << false << true << true;
        // Soft declines: retried by both.
        for (const char *c : {"insufficient_funds", "do_not_honor", "generic_decline", "processing_error", "try_again_later",
                              "issuer_not_available", "card_velocity_exceeded", "withdrawal_count_limit_exceeded",
                              "reenter_transaction", "approve_with_id", "no_action_taken", "some_future_code"})
            QTest::newRow(c) << QString::fromLatin1(c) << true << true << false;
    }
    void firstRetryPerDeclineCode()
    {
        QFETCH(QString, code);
        QFETCH(bool, smartRetries);
        QFETCH(bool, stripeRetries);
        QFETCH(bool, waitsForNewMethod);
        const QDateTime failedAt = utc(2026, 3, 3, 14);
        const FailedPayment f = failure(code, failedAt);
        const RetryStep smart = SmartRetryPolicy().next(f, failedAt);
        QCOMPARE(smart.retry, smartRetries);
        QCOMPARE(smart.waitingForPaymentMethod, waitsForNewMethod);
        QVERIFY2(!smart.reason.isEmpty(), "every decision carries a reason");
        if (smart.retry) {
            QVERIFY(smart.at > failedAt);
            QVERIFY(smart.at < failedAt.addDays(14));
            QCOMPARE(smart.retryNumber, 1);
        }
        const RetryStep stripe = StripeDefaultPolicy().next(f, failedAt);
        QCOMPARE(stripe.retry, stripeRetries);
        const RetryStep fixed = FixedSchedulePolicy().next(f, failedAt);
        QVERIFY(fixed.retry); // the naive schedule retries everything
        QCOMPARE(fixed.at, failedAt.addDays(3));
    }

    void declineTableHasMeaningsAndClasses_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("cls");
        QTest::newRow("insufficient_funds") << QStringLiteral("insufficient_funds") << int(DeclineClass::Soft);
        QTest::newRow("stolen_card") << QStringLiteral("stolen_card") << int(DeclineClass::Hard);
        QTest::newRow("lost_card") << QStringLiteral("lost_card") << int(DeclineClass::Hard);
        QTest::newRow("fraudulent") << QStringLiteral("fraudulent") << int(DeclineClass::Hard);
        QTest::newRow("pickup_card") << QStringLiteral("pickup_card") << int(DeclineClass::Hard);
        QTest::newRow("expired_card") << QStringLiteral("expired_card") << int(DeclineClass::NeedsPaymentMethod);
        QTest::newRow("do_not_honor") << QStringLiteral("do_not_honor") << int(DeclineClass::Soft);
    }
    void declineTableHasMeaningsAndClasses()
    {
        QFETCH(QString, code);
        QFETCH(int, cls);
        const DeclineCodeInfo info = DeclineCodes::lookup(code);
        QVERIFY(DeclineCodes::isKnown(code));
        QCOMPARE(int(info.cls), cls);
        QVERIFY(!info.meaning.isEmpty());
        QVERIFY(!info.nextStep.isEmpty());
    }

    void everyTableRowIsComplete()
    {
        const QList<DeclineCodeInfo> all = DeclineCodes::all();
        QVERIFY(all.size() >= 35);
        QSet<QString> seen;
        for (const DeclineCodeInfo &i : all) {
            QVERIFY2(!seen.contains(i.code), qPrintable(i.code));
            seen.insert(i.code);
            QVERIFY2(!i.meaning.isEmpty() && !i.nextStep.isEmpty(), qPrintable(i.code));
            if (i.cls != DeclineClass::Soft)
                QCOMPARE(i.maxRetries, 0);
        }
    }

    void effectiveCodePrefersDeclineCode()
    {
        QCOMPARE(DeclineCodes::effectiveCode(QStringLiteral("insufficient_funds"), QStringLiteral("card_declined")),
                 QStringLiteral("insufficient_funds"));
        QCOMPARE(DeclineCodes::effectiveCode({}, QStringLiteral("expired_card")), QStringLiteral("expired_card"));
        QCOMPARE(DeclineCodes::effectiveCode({}, QStringLiteral("card_declined")), QStringLiteral("generic_decline"));
        QCOMPARE(DeclineCodes::effectiveCode({}, {}), QString());
    }

    // Insufficient funds goes to the next pay day (1st, 15th, last business day) at 06:00 in the
    // customer's zone. Calendars: 1 Mar 2026 is a Sunday, 31 Mar a Tuesday, 31 May a Sunday.
    void insufficientFundsOnPayDays_data()
    {
        QTest::addColumn<QDateTime>("failedAt");
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QDateTime>("expected");
        QTest::newRow("New York, 3 Mar -> Sun 15 Mar 06:00 EST") << utc(2026, 3, 3, 14) << QStringLiteral("America/New_York")
                                                                << utc(2026, 3, 15, 10); // EDT from 8 Mar: UTC-4
        QTest::newRow("Tokyo, 20 Mar -> Tue 31 Mar (last business day)") << utc(2026, 3, 20, 10) << QStringLiteral("Asia/Tokyo")
                                                                         << utc(2026, 3, 30, 21);
        QTest::newRow("UTC, 20 May -> Fri 29 May (31st is a Sunday)") << utc(2026, 5, 20, 9) << QStringLiteral("UTC")
                                                                      << utc(2026, 5, 29, 6);
        QTest::newRow("UTC, 29 May evening -> Mon 1 Jun (start of month)") << utc(2026, 5, 29, 20) << QStringLiteral("UTC")
                                                                           << utc(2026, 6, 1, 6);
    }
    void insufficientFundsOnPayDays()
    {
        QFETCH(QDateTime, failedAt);
        QFETCH(QString, zone);
        QFETCH(QDateTime, expected);
        const FailedPayment f = failure(QStringLiteral("insufficient_funds"), failedAt, QTimeZone(zone.toUtf8()));
        const RetryStep s = SmartRetryPolicy().next(f, failedAt);
        QVERIFY(s.retry);
        QCOMPARE(s.at, expected);
        QVERIFY2(s.reason.contains(QLatin1String("pay day")), qPrintable(s.reason));
        QVERIFY2(s.reason.contains(QLatin1String("06:00")), qPrintable(s.reason));
    }

    void payDayCalendar()
    {
        QCOMPARE(SmartRetryPolicy::lastBusinessDay(2026, 2), QDate(2026, 2, 27)); // 28 Feb is a Saturday
        QCOMPARE(SmartRetryPolicy::lastBusinessDay(2026, 3), QDate(2026, 3, 31));
        QCOMPARE(SmartRetryPolicy::nextPayDay(QDate(2026, 2, 27)), QDate(2026, 3, 1));
        QCOMPARE(SmartRetryPolicy::nextPayDay(QDate(2026, 3, 1)), QDate(2026, 3, 15));
    }

    void doNotHonorAtMostN_data()
    {
        QTest::addColumn<int>("cap");
        QTest::newRow("default 2") << 2;
        QTest::newRow("configured 1") << 1;
        QTest::newRow("configured 3") << 3;
    }
    void doNotHonorAtMostN()
    {
        QFETCH(int, cap);
        SmartRetrySettings settings;
        settings.doNotHonorMax = cap;
        const SmartRetryPolicy policy(settings);
        FailedPayment f = failure(QStringLiteral("do_not_honor"), utc(2026, 4, 7, 12));
        int retries = 0;
        QDateTime now = f.firstFailureAt;
        for (;;) {
            const RetryStep s = policy.next(f, now);
            if (!s.retry) {
                QVERIFY(s.reason.contains(QLatin1String("do_not_honor")));
                break;
            }
            QVERIFY(s.at >= now);
            ++retries;
            f.retriesMade++;
            f.retriesOfThisCard++;
            f.lastAttemptAt = s.at;
            now = s.at;
            QVERIFY(retries <= 10);
        }
        QCOMPARE(retries, cap);
    }

    void newPaymentMethodRetriesAtOnce()
    {
        const QDateTime failedAt = utc(2026, 4, 7, 12);
        FailedPayment f = failure(QStringLiteral("stolen_card"), failedAt);
        QVERIFY(!SmartRetryPolicy().next(f, failedAt).retry);
        const QDateTime attached = failedAt.addDays(2).addSecs(3 * 3600 + 17);
        f.paymentMethodChangedAt = attached;
        const RetryStep s = SmartRetryPolicy().next(f, attached.addSecs(5));
        QVERIFY(s.retry);
        QCOMPARE(s.at, attached.addSecs(5));
        QVERIFY(s.reason.contains(QLatin1String("New payment method")));
        // Stripe's schedule picks the new card up at its next slot (day 1.75 after the failure).
        const RetryStep stripe = StripeDefaultPolicy().next(f, attached);
        QVERIFY(stripe.retry);
        QCOMPARE(stripe.at, attached);
    }

    void scheduledRetriesAtTheCustomersMorning()
    {
        // generic_decline at 23:30 UTC on 7 Apr; customer in Los Angeles (PDT, UTC-7): first spaced
        // retry on day 1 = 8 Apr local... the failure is 16:30 on 7 Apr local, so day 1 = 8 Apr 06:00 PDT.
        const FailedPayment f = failure(QStringLiteral("generic_decline"), utc(2026, 4, 7, 23, 30), QTimeZone("America/Los_Angeles"));
        const RetryStep s = SmartRetryPolicy().next(f, f.firstFailureAt);
        QVERIFY(s.retry);
        // 8 Apr 06:00 PDT = 13:00 UTC, but the minimum gap is 20 h after 23:30 UTC -> 9 Apr 06:00 PDT.
        QCOMPARE(s.at, utc(2026, 4, 9, 13));
        QCOMPARE(s.at.toTimeZone(QTimeZone("America/Los_Angeles")).time(), QTime(6, 0));
    }

    void transientErrorsWithinHours()
    {
        const FailedPayment f = failure(QStringLiteral("processing_error"), utc(2026, 4, 7, 9));
        const RetryStep s = SmartRetryPolicy().next(f, f.firstFailureAt);
        QVERIFY(s.retry);
        QCOMPARE(s.at, utc(2026, 4, 7, 11));
    }

    void perPlanOverride()
    {
        SmartRetrySettings settings;
        settings.planOverrides.insert(QStringLiteral("price_enterprise"), {1, 30});
        const SmartRetryPolicy policy(settings);
        FailedPayment f = failure(QStringLiteral("generic_decline"), utc(2026, 4, 7, 9));
        f.planKey = QStringLiteral("price_enterprise");
        f.retriesMade = 1;
        f.retriesOfThisCard = 1;
        RetryStep s = policy.next(f, f.firstFailureAt.addDays(2));
        QVERIFY(!s.retry);
        QVERIFY(s.reason.contains(QLatin1String("1 retries used")));
        f.planKey = QStringLiteral("price_basic"); // no override: the general 6
        s = policy.next(f, f.firstFailureAt.addDays(2));
        QVERIFY(s.retry);
        // Window override: 30 days lets a retry happen on day 20; the general 14 does not.
        f.planKey = QStringLiteral("price_enterprise");
        f.retriesMade = 0;
        QVERIFY(policy.next(f, f.firstFailureAt.addDays(20)).retry);
        f.planKey.clear();
        QVERIFY(!policy.next(f, f.firstFailureAt.addDays(20)).retry);
    }

    void smartNeverExceedsItsBudget()
    {
        FailedPayment f = failure(QStringLiteral("insufficient_funds"), utc(2026, 1, 10, 8));
        const SmartRetryPolicy policy;
        QDateTime now = f.firstFailureAt;
        int n = 0;
        for (RetryStep s = policy.next(f, now); s.retry; s = policy.next(f, now)) {
            ++n;
            QCOMPARE(s.retryNumber, n);
            QVERIFY(s.at < f.firstFailureAt.addDays(14));
            f.retriesMade++;
            f.retriesOfThisCard++;
            f.lastAttemptAt = s.at;
            now = s.at;
        }
        QVERIFY(n >= 2);
        QVERIFY(n <= policy.maxRetries());
    }

    void stripeDefaultSpreadsEightTriesOverTwoWeeks()
    {
        FailedPayment f = failure(QStringLiteral("insufficient_funds"), utc(2026, 1, 10, 8));
        const StripeDefaultPolicy policy;
        QList<QDateTime> at;
        for (RetryStep s = policy.next(f, f.firstFailureAt); s.retry; s = policy.next(f, s.at)) {
            at << s.at;
            f.retriesMade++;
        }
        QCOMPARE(at.size(), 8);
        QCOMPARE(at.first(), utc(2026, 1, 12, 2)); // 42 hours later
        QCOMPARE(at.last(), utc(2026, 1, 24, 8));   // 14 days later
    }

    void fixedScheduleDays3_5_7()
    {
        FailedPayment f = failure(QStringLiteral("stolen_card"), utc(2026, 1, 10, 8));
        const FixedSchedulePolicy policy;
        QList<int> days;
        for (RetryStep s = policy.next(f, f.firstFailureAt); s.retry; s = policy.next(f, s.at)) {
            days << int(f.firstFailureAt.daysTo(s.at));
            f.retriesMade++;
        }
        QCOMPARE(days, (QList<int>{3, 5, 7}));
    }
};

QTEST_GUILESS_MAIN(tst_RetryPolicy)
#include "tst_retrypolicy.moc"
