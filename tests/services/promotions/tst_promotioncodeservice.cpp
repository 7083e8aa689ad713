// PromotionCodeService against the Stripe sandbox: the request (this API version's promotion
// parameter), creation, every restriction refused before anything is sent, and redemption counts.

#include "promotionstack.h"
#include "services/promotions/promotionstats.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Billing;
using namespace Billing::Test;

namespace {

QString unique(const QString &prefix) { return prefix + QUuid::createUuid().toString(QUuid::Id128).left(10).toUpper(); }

QString makeCoupon(const QString &form)
{
    const QString id = unique(QStringLiteral("C"));
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"), (QStringLiteral("id=") + id + QLatin1Char('&') + form).toUtf8());
    return id;
}

QJsonObject makeCode(const QString &coupon, const QString &code, const QString &extra = {})
{
    QString form = QStringLiteral("promotion[type]=coupon&promotion[coupon]=%1&code=%2").arg(coupon, code);
    if (!extra.isEmpty())
        form += QLatin1Char('&') + extra;
    return promoSandboxCall("POST", QStringLiteral("/v1/promotion_codes"), form.toUtf8());
}

QString customerOf(const QString &sub)
{
    return promoSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + sub).value(QLatin1String("customer")).toString();
}

qint64 recurringOf(const QString &sub)
{
    qint64 sum = 0;
    const QJsonObject s = promoSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + sub);
    for (const QJsonValue &v : s.value(QLatin1String("items")).toObject().value(QLatin1String("data")).toArray())
        sum += v.toObject().value(QLatin1String("price")).toObject().value(QLatin1String("unit_amount")).toInteger()
            * v.toObject().value(QLatin1String("quantity")).toInteger();
    return sum;
}

} // namespace

class tst_PromotionCodeService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set"); }

    void validate_data()
    {
        QTest::addColumn<QString>("coupon");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("customer");
        QTest::addColumn<qint64>("minimum");
        QTest::addColumn<int>("expiresInDays");
        QTest::addColumn<int>("max");
        QTest::addColumn<QString>("error");
        QTest::newRow("plain") << "C1" << "SPRING25" << "" << qint64(0) << 0 << 0 << "";
        QTest::newRow("generated code") << "C1" << "" << "" << qint64(0) << 0 << 0 << "";
        QTest::newRow("all restrictions") << "C1" << "VIP" << "cus_123" << qint64(10000) << 30 << 5 << "";
        QTest::newRow("no coupon") << "" << "X" << "" << qint64(0) << 0 << 0 << "coupon";
        QTest::newRow("space in code") << "C1" << "SPRING 25" << "" << qint64(0) << 0 << 0 << "letters and digits";
        QTest::newRow("bad customer") << "C1" << "X" << "bob" << qint64(0) << 0 << 0 << "customer";
        QTest::newRow("zero minimum") << "C1" << "X" << "" << qint64(-1) << 0 << 0 << "minimum";
        QTest::newRow("expired") << "C1" << "X" << "" << qint64(0) << -1 << 0 << "future";
        QTest::newRow("zero max") << "C1" << "X" << "" << qint64(0) << 0 << -1 << "1 or more";
    }

    void validate()
    {
        QFETCH(QString, coupon);
        QFETCH(QString, code);
        QFETCH(QString, customer);
        QFETCH(qint64, minimum);
        QFETCH(int, expiresInDays);
        QFETCH(int, max);
        QFETCH(QString, error);
        PromotionCodeDraft d;
        d.couponId = coupon;
        d.code = code;
        d.customerId = customer;
        if (minimum > 0)
            d.minimumAmount = Money(minimum, *Currency::fromCode(u"USD"));
        else if (minimum < 0)
            d.minimumAmount = Money(0, *Currency::fromCode(u"USD"));
        if (expiresInDays)
            d.expiresAt = QDateTime::currentDateTimeUtc().addDays(expiresInDays);
        if (max > 0)
            d.maxRedemptions = max;
        else if (max < 0)
            d.maxRedemptions = 0;
        const Status st = PromotionCodeService::validate(d);
        if (error.isEmpty()) {
            QVERIFY2(st.ok(), qPrintable(st ? QString() : st.error().userMessage));
        } else {
            QVERIFY(!st.ok());
            QVERIFY2(st.error().userMessage.contains(error, Qt::CaseInsensitive), qPrintable(st.error().userMessage));
        }
    }

    void requestUsesThePromotionParameter()
    {
        PromotionCodeDraft d;
        d.couponId = QStringLiteral("SPRING");
        d.code = QStringLiteral("SPRING25");
        d.firstTimeTransaction = true;
        d.minimumAmount = Money(5000, *Currency::fromCode(u"EUR"));
        d.maxRedemptions = 3;
        const OutboxOperation op = PromotionCodeService::operationFor(d);
        QCOMPARE(op.path, QStringLiteral("/v1/promotion_codes"));
        const QJsonObject promotion = op.params.value(QLatin1String("promotion")).toObject();
        QCOMPARE(promotion.value(QLatin1String("type")).toString(), QStringLiteral("coupon"));
        QCOMPARE(promotion.value(QLatin1String("coupon")).toString(), QStringLiteral("SPRING"));
        QVERIFY(!op.params.contains(QLatin1String("coupon"))); // the old top-level parameter is gone
        const QJsonObject r = op.params.value(QLatin1String("restrictions")).toObject();
        QCOMPARE(r.value(QLatin1String("first_time_transaction")).toBool(), true);
        QCOMPARE(r.value(QLatin1String("minimum_amount")).toInteger(), 5000);
        QCOMPARE(r.value(QLatin1String("minimum_amount_currency")).toString(), QStringLiteral("eur"));
    }

    void createsCodeInStripe()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString coupon = makeCoupon(QStringLiteral("name=Spring&percent_off=20&duration=once"));
        PromotionCodeDraft d;
        d.couponId = coupon;
        d.code = unique(QStringLiteral("SPRING"));
        d.minimumAmount = Money(2500, *Currency::fromCode(u"USD"));
        d.firstTimeTransaction = true;
        d.maxRedemptions = 7;
        d.expiresAt = QDateTime::currentDateTimeUtc().addDays(10);
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.codes->create(d, c, h); });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        const auto done = stack.settled(q->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        Result<QList<PromotionCode>> codes = stack.read<QList<PromotionCode>>([&](QObject *c, auto h) { stack.codes->list(coupon, c, h); });
        QVERIFY(codes);
        QCOMPARE(codes->size(), 1);
        const PromotionCode &p = codes->first();
        QCOMPARE(p.code, d.code);
        QCOMPARE(p.couponId, coupon);
        QVERIFY(p.firstTimeTransaction);
        QCOMPARE(p.minimumAmount.value_or(0), 2500);
        QCOMPARE(p.minimumAmountCurrency.toLower(), QStringLiteral("usd"));
        QCOMPARE(p.maxRedemptions.value_or(0), 7);
        QCOMPARE(p.expiresAt.toSecsSinceEpoch(), d.expiresAt.toSecsSinceEpoch());
    }

    void restrictionsAreEnforcedBeforeAnythingIsSent_data()
    {
        QTest::addColumn<QString>("case_");
        QTest::addColumn<QString>("expected");
        QTest::newRow("another customer's code") << "customer" << "another customer";
        QTest::newRow("first-time code, customer has paid") << "first_time" << "first-time";
        QTest::newRow("minimum above the subscription") << "minimum" << "at least";
        QTest::newRow("minimum in another currency") << "minimum_currency" << "EUR";
        QTest::newRow("inactive code") << "inactive" << "not active";
        QTest::newRow("coupon in another currency") << "coupon_currency" << "USD";
        QTest::newRow("unknown code") << "unknown" << "no promotion code";
    }

    void restrictionsAreEnforcedBeforeAnythingIsSent()
    {
        QFETCH(QString, case_);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        const QString sub = freshSubscription(QStringLiteral("usd"), case_ == QLatin1String("first_time") ? QStringLiteral("paid") : QString());
        QVERIFY(!sub.isEmpty());
        const QString percent = makeCoupon(QStringLiteral("name=Ten&percent_off=10&duration=once"));
        const QString code = unique(QStringLiteral("R"));
        if (case_ == QLatin1String("customer")) {
            const QString other = freshSubscription(QStringLiteral("eur"));
            makeCode(percent, code, QStringLiteral("customer=") + customerOf(other));
        } else if (case_ == QLatin1String("first_time")) {
            makeCode(percent, code, QStringLiteral("restrictions[first_time_transaction]=true"));
        } else if (case_ == QLatin1String("minimum")) {
            makeCode(percent, code, QStringLiteral("restrictions[minimum_amount]=%1&restrictions[minimum_amount_currency]=usd").arg(recurringOf(sub) + 1));
        } else if (case_ == QLatin1String("minimum_currency")) {
            makeCode(percent, code, QStringLiteral("restrictions[minimum_amount]=100&restrictions[minimum_amount_currency]=eur"));
        } else if (case_ == QLatin1String("inactive")) {
            const QString id = makeCode(percent, code).value(QLatin1String("id")).toString();
            promoSandboxCall("POST", QStringLiteral("/v1/promotion_codes/") + id, "active=false");
        } else if (case_ == QLatin1String("coupon_currency")) {
            const QString jpyCoupon = makeCoupon(QStringLiteral("name=Yen&amount_off=500&currency=jpy&duration=once"));
            const QString eurSub = freshSubscription(QStringLiteral("eur"));
            makeCode(jpyCoupon, code);
            const int applied = promoAppliedCount();
            Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.codes->applyToSubscription(eurSub, code, {}, c, h); });
            QVERIFY(!q);
            QVERIFY2(q.error().userMessage.contains(QLatin1String("JPY")) && q.error().userMessage.contains(QLatin1String("EUR")),
                     qPrintable(q.error().userMessage));
            QCOMPARE(promoAppliedCount(), applied);
            QCOMPARE(stack.outboxSize(), 0);
            return;
        }
        const int applied = promoAppliedCount();
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.codes->applyToSubscription(sub, code, {}, c, h); });
        QVERIFY(!q);
        QCOMPARE(q.error().kind, Error::Kind::Validation);
        QVERIFY2(q.error().userMessage.contains(expected, Qt::CaseInsensitive), qPrintable(q.error().userMessage));
        QCOMPARE(promoAppliedCount(), applied);
        QCOMPARE(stack.outboxSize(), 0);
    }

    void redemptionsAreCountedAndTheMaximumHolds()
    {
        QTemporaryDir dir;
        PromotionStack stack(dir.path(), promoFinance());
        const QString coupon = makeCoupon(QStringLiteral("name=Once%20code&percent_off=15&duration=forever"));
        const QString code = unique(QStringLiteral("ONCE"));
        const QString sub1 = freshSubscription(QStringLiteral("usd"));
        const QString sub2 = freshSubscription(QStringLiteral("usd"));
        // Minimum met exactly: the subscription's own amount.
        const QString promoId = makeCode(coupon, code, QStringLiteral("max_redemptions=1&restrictions[minimum_amount]=%1&restrictions[minimum_amount_currency]=usd")
                                                           .arg(recurringOf(sub1)))
                                    .value(QLatin1String("id"))
                                    .toString();
        QVERIFY(!promoId.isEmpty());
        Result<OutboxEntry> q = stack.queue([&](QObject *c, auto h) { stack.codes->applyToSubscription(sub1, code, {}, c, h); });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        QCOMPARE(q->params.value(QLatin1String("discounts")).toArray().first().toObject().value(QLatin1String("promotion_code")).toString(), promoId);
        QCOMPARE(stack.settled(q->id)->state, OutboxState::Succeeded);
        QCOMPARE(promoSandboxCall("GET", QStringLiteral("/v1/promotion_codes/") + promoId).value(QLatin1String("times_redeemed")).toInt(), 1);
        QCOMPARE(promoSandboxCall("GET", QStringLiteral("/v1/coupons/") + coupon).value(QLatin1String("times_redeemed")).toInt(), 1);

        // Used up: refused for the next subscription, nothing sent.
        const int applied = promoAppliedCount();
        Result<OutboxEntry> second = stack.queue([&](QObject *c, auto h) { stack.codes->applyToSubscription(sub2, promoId, {}, c, h); });
        QVERIFY(!second);
        QVERIFY2(second.error().userMessage.contains(QLatin1String("maximum")), qPrintable(second.error().userMessage));
        QCOMPARE(promoAppliedCount(), applied);

        // Statistics per coupon and code.
        Result<QList<Coupon>> coupons = stack.read<QList<Coupon>>([&](QObject *c, auto h) { stack.coupons->list(c, h); });
        Result<QList<PromotionCode>> codes = stack.read<QList<PromotionCode>>([&](QObject *c, auto h) { stack.codes->list(coupon, c, h); });
        QVERIFY(coupons && codes);
        const RedemptionSummary s = summarizeRedemptions(*coupons, *codes);
        int seen = 0;
        for (const RedemptionStat &r : s.rows) {
            if (r.id == promoId) {
                ++seen;
                QCOMPARE(r.timesRedeemed, 1);
                QCOMPARE(r.remaining().value_or(-1), 0);
                QVERIFY(!r.redeemable);
            } else if (r.id == coupon) {
                ++seen;
                QCOMPARE(r.timesRedeemed, 1);
                QVERIFY(!r.remaining().has_value());
            }
        }
        QCOMPARE(seen, 2);
    }
};

QTEST_GUILESS_MAIN(tst_PromotionCodeService)
#include "tst_promotioncodeservice.moc"
