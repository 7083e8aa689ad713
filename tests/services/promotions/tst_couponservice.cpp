// CouponService against the Stripe sandbox: validation, the request it becomes, creation through
// the outbox, the role check, the currency rule (refused with nothing sent) and redemption counts.

#include "promotionstack.h"
#include "services/promotions/promotionstats.h"
#include "services/stripe/stripeparser.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Billing;
using namespace Billing::Test;

namespace {

Money money(qint64 minor, const char *code) { return Money(minor, *Currency::fromCode(QString::fromLatin1(code))); }

QString uniqueId(const QString &prefix)
{
    return prefix + QUuid::createUuid().toString(QUuid::Id128).left(10).toUpper();
}

// A coupon made straight in the sandbox (not through the code under test).
QJsonObject sandboxCoupon(const QByteArray &form)
{
    return promoSandboxCall("POST", QStringLiteral("/v1/coupons"), form);
}

} // namespace

class tst_CouponService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set");
    }

    void validate_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("percent");
        QTest::addColumn<qint64>("amountMinor");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("optionCurrency");
        QTest::addColumn<QString>("duration");
        QTest::addColumn<int>("months");
        QTest::addColumn<int>("redeemByDays");
        QTest::addColumn<QString>("error"); // empty = valid; else a word the message contains

        QTest::newRow("percent once") << "Spring" << "25" << qint64(0) << "" << "" << "once" << 0 << 0 << "";
        QTest::newRow("percent two decimals") << "Half" << "12.55" << qint64(0) << "" << "" << "forever" << 0 << 0 << "";
        QTest::newRow("percent 100") << "Free" << "100" << qint64(0) << "" << "" << "once" << 0 << 0 << "";
        QTest::newRow("amount with options") << "Ten off" << "" << qint64(1000) << "USD" << "EUR" << "repeating" << 3 << 30 << "";
        QTest::newRow("KWD in steps of 0.010") << "KWD" << "" << qint64(1250) << "KWD" << "" << "once" << 0 << 0 << "";
        QTest::newRow("no name") << "" << "10" << qint64(0) << "" << "" << "once" << 0 << 0 << "name";
        QTest::newRow("name of 41 characters") << QString(41, QLatin1Char('x')) << "10" << qint64(0) << "" << "" << "once" << 0 << 0
                                              << "40";
        QTest::newRow("neither percent nor amount") << "X" << "" << qint64(0) << "" << "" << "once" << 0 << 0 << "either";
        QTest::newRow("three decimals") << "X" << "12.345" << qint64(0) << "" << "" << "once" << 0 << 0 << "two decimals";
        QTest::newRow("zero percent") << "X" << "0" << qint64(0) << "" << "" << "once" << 0 << 0 << "more than 0";
        QTest::newRow("over 100") << "X" << "100.01" << qint64(0) << "" << "" << "once" << 0 << 0 << "at most 100";
        QTest::newRow("negative amount") << "X" << "" << qint64(-5) << "USD" << "" << "once" << 0 << 0 << "more than zero";
        QTest::newRow("KWD not in steps") << "X" << "" << qint64(1255) << "KWD" << "" << "once" << 0 << 0 << "steps";
        QTest::newRow("option in same currency") << "X" << "" << qint64(1000) << "USD" << "USD" << "once" << 0 << 0 << "twice";
        QTest::newRow("repeating without months") << "X" << "10" << qint64(0) << "" << "" << "repeating" << 0 << 0 << "months";
        QTest::newRow("unknown duration") << "X" << "10" << qint64(0) << "" << "" << "weekly" << 0 << 0 << "duration";
        QTest::newRow("redeem by in the past") << "X" << "10" << qint64(0) << "" << "" << "once" << 0 << -1 << "future";
    }

    void validate()
    {
        QFETCH(QString, name);
        QFETCH(QString, percent);
        QFETCH(qint64, amountMinor);
        QFETCH(QString, currency);
        QFETCH(QString, optionCurrency);
        QFETCH(QString, duration);
        QFETCH(int, months);
        QFETCH(int, redeemByDays);
        QFETCH(QString, error);
        CouponDraft d;
        d.name = name;
        d.percentOff = percent;
        if (!currency.isEmpty())
            d.amountOff = Money(amountMinor, *Currency::fromCode(currency));
        if (!optionCurrency.isEmpty())
            d.currencyOptions << Money(900, *Currency::fromCode(optionCurrency));
        d.duration = duration;
        d.durationInMonths = months;
        if (redeemByDays != 0)
            d.redeemBy = QDateTime::currentDateTimeUtc().addDays(redeemByDays);
        const Status st = CouponService::validate(d);
        if (error.isEmpty()) {
            QVERIFY2(st.ok(), qPrintable(st ? QString() : st.error().userMessage));
        } else {
            QVERIFY(!st.ok());
            QCOMPARE(st.error().kind, Error::Kind::Validation);
            QVERIFY2(st.error().userMessage.contains(error, Qt::CaseInsensitive), qPrintable(st.error().userMessage));
        }
    }

    void operationCarriesExactAmountsAndCurrencyOptions()
    {
        CouponDraft d;
        d.name = QStringLiteral("Launch");
        d.amountOff = money(1999, "USD");
        d.currencyOptions << money(1800, "EUR") << money(3000, "JPY");
        d.duration = QStringLiteral("repeating");
        d.durationInMonths = 6;
        d.maxRedemptions = 50;
        const OutboxOperation op = CouponService::operationFor(d);
        QCOMPARE(op.path, QStringLiteral("/v1/coupons"));
        QCOMPARE(op.params.value(QLatin1String("amount_off")).toInteger(), 1999);
        QCOMPARE(op.params.value(QLatin1String("currency")).toString(), QStringLiteral("usd"));
        const QJsonObject options = op.params.value(QLatin1String("currency_options")).toObject();
        QCOMPARE(options.value(QLatin1String("eur")).toObject().value(QLatin1String("amount_off")).toInteger(), 1800);
        QCOMPARE(options.value(QLatin1String("jpy")).toObject().value(QLatin1String("amount_off")).toInteger(), 3000);
        QCOMPARE(op.params.value(QLatin1String("duration_in_months")).toInt(), 6);
        QCOMPARE(op.params.value(QLatin1String("max_redemptions")).toInt(), 50);
        QVERIFY(!op.params.contains(QLatin1String("percent_off")));
        // Percent stays the exact decimal text (never a double).
        CouponDraft p;
        p.name = QStringLiteral("P");
        p.percentOff = QStringLiteral("33.33");
        QCOMPARE(CouponService::operationFor(p).params.value(QLatin1String("percent_off")).toString(), QStringLiteral("33.33"));
    }

    void createsCouponsInStripeThroughTheOutbox()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        CouponDraft d;
        d.id = uniqueId(QStringLiteral("LAUNCH"));
        d.name = QStringLiteral("Launch 12.5%");
        d.percentOff = QStringLiteral("12.5");
        d.duration = QStringLiteral("repeating");
        d.durationInMonths = 3;
        d.maxRedemptions = 20;
        d.redeemBy = QDateTime::currentDateTimeUtc().addDays(60);
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.coupons->create(d, c, h); });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        const std::optional<OutboxEntry> done = stack.settled(q->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        const QJsonObject c = promoSandboxCall("GET", QStringLiteral("/v1/coupons/") + d.id);
        QCOMPARE(c.value(QLatin1String("name")).toString(), d.name);
        QCOMPARE(c.value(QLatin1String("percent_off")).toDouble(), 12.5);
        QCOMPARE(c.value(QLatin1String("duration")).toString(), QStringLiteral("repeating"));
        QCOMPARE(c.value(QLatin1String("duration_in_months")).toInt(), 3);
        QCOMPARE(c.value(QLatin1String("max_redemptions")).toInt(), 20);
        QCOMPARE(c.value(QLatin1String("redeem_by")).toInteger(), d.redeemBy.toSecsSinceEpoch());

        // Amount off with an amount per further currency.
        CouponDraft a;
        a.id = uniqueId(QStringLiteral("TENOFF"));
        a.name = QStringLiteral("10 off");
        a.amountOff = money(1000, "USD");
        a.currencyOptions << money(900, "EUR") << money(1500, "JPY");
        a.duration = QStringLiteral("forever");
        a.clientOpId = QStringLiteral("coupon-dialog:") + a.id;
        q = stack.queue([&](QObject *c, auto h) { stack.coupons->create(a, c, h); });
        QVERIFY(q);
        QCOMPARE(stack.settled(q->id)->state, OutboxState::Succeeded);
        Result<Coupon> back = stack.read<Coupon>([&](QObject *c, auto h) { stack.coupons->fetch(a.id, c, h); });
        QVERIFY(back);
        QCOMPARE(back->amountOff.value_or(0), 1000);
        QCOMPARE(back->currency, QStringLiteral("usd"));
        QCOMPARE(back->currencyOptionsAmountOff.value(QStringLiteral("eur")), 900);
        QCOMPARE(back->currencyOptionsAmountOff.value(QStringLiteral("jpy")), 1500);
        QVERIFY(CouponService::supportsCurrency(*back, *Currency::fromCode(u"EUR")));
        QVERIFY(!CouponService::supportsCurrency(*back, *Currency::fromCode(u"GBP")));

        // The same dialog session submitted twice: one entry, one coupon.
        const int applied = promoAppliedCount();
        Result<OutboxEntry> again = stack.queue([&](QObject *c, auto h) { stack.coupons->create(a, c, h); });
        QVERIFY(again);
        QCOMPARE(again->id, q->id);
        QTest::qWait(300);
        QCOMPARE(promoAppliedCount(), applied);
    }

    void supportRoleMayNotCreateCoupons()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoSupport());
        CouponDraft d;
        d.name = QStringLiteral("Sneaky");
        d.percentOff = QStringLiteral("90");
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.coupons->create(d, c, h); });
        QVERIFY(!q);
        QCOMPARE(q.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(stack.outboxSize(), 0);
    }

    void couponInAnotherCurrencyIsRefusedWithNothingSent()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        const QString id = uniqueId(QStringLiteral("USDONLY"));
        const QJsonObject made = sandboxCoupon(QStringLiteral("id=%1&name=USD%20only&amount_off=500&currency=usd&duration=once").arg(id).toUtf8());
        QCOMPARE(made.value(QLatin1String("id")).toString(), id);
        const QString sub = freshSubscription(QStringLiteral("eur"));
        QVERIFY(!sub.isEmpty());
        const int applied = promoAppliedCount();
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.coupons->applyToSubscription(sub, id, {}, c, h); });
        QVERIFY(!q);
        QCOMPARE(q.error().kind, Error::Kind::Validation);
        QVERIFY2(q.error().userMessage.contains(QLatin1String("USD")) && q.error().userMessage.contains(QLatin1String("EUR")),
                 qPrintable(q.error().userMessage));
        QCOMPARE(stack.outboxSize(), 0);
        QCOMPARE(promoAppliedCount(), applied);
        QCOMPARE(promoSandboxCall("GET", QStringLiteral("/v1/coupons/") + id).value(QLatin1String("times_redeemed")).toInt(), 0);
    }

    void applyingCountsRedemptionsUpToTheMaximum()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        const QString id = uniqueId(QStringLiteral("TWICE"));
        // An amount-off USD coupon with a EUR option, at most two redemptions.
        sandboxCoupon(QStringLiteral("id=%1&name=Twice&amount_off=300&currency=usd&currency_options[eur][amount_off]=250"
                                     "&duration=forever&max_redemptions=2").arg(id).toUtf8());
        const QStringList subs{freshSubscription(QStringLiteral("usd")), freshSubscription(QStringLiteral("eur")),
                               freshSubscription(QStringLiteral("usd"))};
        for (const QString &s : subs)
            QVERIFY(!s.isEmpty());
        for (int i = 0; i < 2; ++i) {
            Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.coupons->applyToSubscription(subs[i], id, {}, c, h); });
            QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
            const auto done = stack.settled(q->id);
            QVERIFY(done);
            QCOMPARE(done->state, OutboxState::Succeeded);
            const QJsonArray discounts = promoSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subs[i]).value(QLatin1String("discounts")).toArray();
            QCOMPARE(discounts.size(), 1);
        }
        // The third is refused before anything is sent: the coupon is used up.
        const int applied = promoAppliedCount();
        Result<OutboxEntry> third = stack.queue([&](QObject *c, auto h) { stack.coupons->applyToSubscription(subs[2], id, {}, c, h); });
        QVERIFY(!third);
        QVERIFY2(third.error().userMessage.contains(QLatin1String("maximum")), qPrintable(third.error().userMessage));
        QCOMPARE(promoAppliedCount(), applied);

        // Statistics as Stripe counts them.
        Result<QList<Coupon>> coupons = stack.read<QList<Coupon>>([&](QObject *c, auto h) { stack.coupons->list(c, h); });
        QVERIFY(coupons);
        const RedemptionSummary summary = summarizeRedemptions(*coupons, {});
        bool found = false;
        for (const RedemptionStat &s : summary.rows) {
            if (s.id != id)
                continue;
            found = true;
            QCOMPARE(s.timesRedeemed, 2);
            QCOMPARE(s.maxRedemptions.value_or(-1), 2);
            QCOMPARE(s.remaining().value_or(-1), 0);
            QVERIFY(!s.redeemable);
        }
        QVERIFY(found);
    }

    void summaryCountsCouponsAndCodes()
    {
        Coupon a;
        a.id = QStringLiteral("A");
        a.name = QStringLiteral("Alpha");
        a.timesRedeemed = 3;
        a.maxRedemptions = 10;
        Coupon b;
        b.id = QStringLiteral("B");
        b.name = QStringLiteral("beta");
        b.timesRedeemed = 5;
        b.maxRedemptions = 5;
        PromotionCode p1;
        p1.id = QStringLiteral("promo_1");
        p1.code = QStringLiteral("ZED");
        p1.couponId = QStringLiteral("A");
        p1.timesRedeemed = 2;
        PromotionCode p2 = p1;
        p2.id = QStringLiteral("promo_2");
        p2.code = QStringLiteral("ALPHA1");
        p2.timesRedeemed = 1;
        p2.maxRedemptions = 1;
        const RedemptionSummary s = summarizeRedemptions({b, a}, {p1, p2});
        QCOMPARE(s.rows.size(), 4);
        QCOMPARE(s.rows[0].id, QStringLiteral("A"));
        QCOMPARE(s.rows[1].label, QStringLiteral("ALPHA1"));
        QCOMPARE(s.rows[2].label, QStringLiteral("ZED"));
        QCOMPARE(s.rows[3].id, QStringLiteral("B"));
        QCOMPARE(s.couponRedemptions, 8);
        QCOMPARE(s.codeRedemptions, 3);
        QCOMPARE(s.exhausted, 2); // B and ALPHA1
        QVERIFY(!s.rows[2].remaining().has_value());
    }
};

QTEST_GUILESS_MAIN(tst_CouponService)
#include "tst_couponservice.moc"
