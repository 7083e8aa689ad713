#include "services/stripe/stripeparser.h"
#include "tests/services/stripe/fixturesupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Billing;

// Edits applied to an official fixture before parsing: {"path.to.field": value}; a JSON value of
// the string "<delete>" removes the field.
static QJsonObject edited(QJsonObject object, const QString &path, const QJsonValue &value)
{
    const int dot = path.indexOf(QLatin1Char('.'));
    if (dot < 0) {
        if (value == QJsonValue(QStringLiteral("<delete>")))
            object.remove(path);
        else
            object.insert(path, value);
        return object;
    }
    const QString head = path.left(dot);
    object.insert(head, edited(object.value(head).toObject(), path.mid(dot + 1), value));
    return object;
}

static QString parseError(const QString &type, const QJsonObject &json)
{
    auto detail = [](const auto &r) { return r.ok() ? QString() : r.error().detail; };
    auto kindOk = [](const auto &r) { return r.ok() || r.error().kind == Error::Kind::InvalidResponse; };
    if (type == QLatin1String("customer")) { auto r = StripeParser::customer(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("price")) { auto r = StripeParser::price(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("product")) { auto r = StripeParser::product(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("subscription")) { auto r = StripeParser::subscription(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("invoice")) { auto r = StripeParser::invoice(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("invoice_payment")) { auto r = StripeParser::paymentAttempt(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("event")) { auto r = StripeParser::event(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("payment_method")) { auto r = StripeParser::paymentMethod(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("coupon")) { auto r = StripeParser::coupon(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    if (type == QLatin1String("promotion_code")) { auto r = StripeParser::promotionCode(json); return kindOk(r) ? detail(r) : QStringLiteral("wrong kind"); }
    return QStringLiteral("unknown type");
}

class tst_StripeParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rejectsBadFields_data();
    void rejectsBadFields();
    void keepsDecimalStringsExactly();
    void readsTieredPrice();
    void readsBillingPeriodFromItemsAndPauseAndTrial();
    void joinsInvoicePaymentWithIntentError();
    void rejectsIntentOfAnotherPayment();
    void acceptsExpandedReferences();
    void keepsCountsInRange();
    void keepsPercentOffExactly_data();
    void keepsPercentOffExactly();
    void readsAmountOffCouponWithCurrencyOptions();
    void readsPromotionCodeWithExpandedCoupon();
    void readsPaymentMethodCardAndBankAccount();
    void readsCustomerAddressCountryAndState();

private:
    QJsonObject m_fixtures;
};

void tst_StripeParser::initTestCase()
{
    m_fixtures = Test::stripeFixtures();
    QVERIFY2(!m_fixtures.isEmpty(), "fixtures3.json not found under BC_SHARED_DIR");
}

void tst_StripeParser::rejectsBadFields_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("field"); // what the error must name

    QTest::newRow("invoice amount as fraction") << "invoice" << "amount_due" << QJsonValue(1000.5) << "invoice.amount_due";
    QTest::newRow("invoice amount as string") << "invoice" << "total" << QJsonValue("1000") << "invoice.total";
    QTest::newRow("invoice without id") << "invoice" << "id" << QJsonValue("<delete>") << "invoice.id";
    QTest::newRow("invoice without currency") << "invoice" << "currency" << QJsonValue("<delete>") << "invoice.currency";
    QTest::newRow("invoice of another type") << "invoice" << "object" << QJsonValue("charge") << "invoice.object";
    QTest::newRow("invoice paid_at fraction") << "invoice" << "status_transitions.paid_at" << QJsonValue(17.25) << "invoice.status_transitions.paid_at";
    QTest::newRow("customer balance fraction") << "customer" << "balance" << QJsonValue(-0.5) << "customer.balance";
    QTest::newRow("customer without id") << "customer" << "id" << QJsonValue("<delete>") << "customer.id";
    QTest::newRow("customer id not a string") << "customer" << "id" << QJsonValue(42) << "customer.id";
    QTest::newRow("price without currency") << "price" << "currency" << QJsonValue("<delete>") << "price.currency";
    QTest::newRow("price unit_amount fraction") << "price" << "unit_amount" << QJsonValue(19.99) << "price.unit_amount";
    QTest::newRow("price decimal not a decimal") << "price" << "unit_amount_decimal" << QJsonValue("1e3") << "price.unit_amount_decimal";
    QTest::newRow("price decimal as number") << "price" << "unit_amount_decimal" << QJsonValue(0.0015) << "price.unit_amount_decimal";
    QTest::newRow("product of another type") << "product" << "object" << QJsonValue("price") << "product.object";
    QTest::newRow("subscription without customer") << "subscription" << "customer" << QJsonValue("<delete>") << "subscription.customer";
    QTest::newRow("subscription pause resumes_at text") << "subscription" << "pause_collection" << QJsonValue(QJsonObject{{"behavior", "void"}, {"resumes_at", "soon"}}) << "subscription.pause_collection.resumes_at";
    QTest::newRow("invoice_payment without currency") << "invoice_payment" << "currency" << QJsonValue("<delete>") << "invoice_payment.currency";
    QTest::newRow("invoice_payment amount fraction") << "invoice_payment" << "amount_requested" << QJsonValue(3.5) << "invoice_payment.amount_requested";
    QTest::newRow("event without data.object") << "event" << "data" << QJsonValue(QJsonObject()) << "event.data.object";
    // Counts kept in an int: out of range is an error, never a wrapped value (fuzzing found
    // "interval_count":4294967297 read as 1).
    QTest::newRow("price interval_count beyond int") << "price" << "recurring.interval_count" << QJsonValue(4294967297.0) << "price.recurring.interval_count";
    QTest::newRow("price interval_count negative") << "price" << "recurring.interval_count" << QJsonValue(-1) << "price.recurring.interval_count";
    QTest::newRow("price trial_period_days beyond int") << "price" << "recurring.trial_period_days" << QJsonValue(2147483648.0) << "price.recurring.trial_period_days";
    QTest::newRow("invoice attempt_count beyond int") << "invoice" << "attempt_count" << QJsonValue(4294967297.0) << "invoice.attempt_count";
    QTest::newRow("invoice attempt_count negative") << "invoice" << "attempt_count" << QJsonValue(-4294967295.0) << "invoice.attempt_count";
    QTest::newRow("coupon percent_off three decimals") << "coupon" << "percent_off" << QJsonValue(33.333) << "coupon.percent_off";
    QTest::newRow("coupon percent_off zero") << "coupon" << "percent_off" << QJsonValue(0) << "coupon.percent_off";
    QTest::newRow("coupon percent_off above 100") << "coupon" << "percent_off" << QJsonValue(100.01) << "coupon.percent_off";
    QTest::newRow("coupon percent_off as string") << "coupon" << "percent_off" << QJsonValue("25.5") << "coupon.percent_off";
    QTest::newRow("coupon amount_off fraction") << "coupon" << "amount_off" << QJsonValue(1.5) << "coupon.amount_off";
    QTest::newRow("coupon max_redemptions beyond int") << "coupon" << "max_redemptions" << QJsonValue(4294967297.0) << "coupon.max_redemptions";
    QTest::newRow("coupon without duration") << "coupon" << "duration" << QJsonValue("<delete>") << "coupon.duration";
    QTest::newRow("coupon currency option fraction") << "coupon" << "currency_options" << QJsonValue(QJsonObject{{"eur", QJsonObject{{"amount_off", 2.5}}}}) << "coupon.currency_options.eur.amount_off";
    QTest::newRow("promotion_code without code") << "promotion_code" << "code" << QJsonValue("<delete>") << "promotion_code.code";
    QTest::newRow("promotion_code minimum_amount fraction") << "promotion_code" << "restrictions.minimum_amount" << QJsonValue(10.5) << "promotion_code.restrictions.minimum_amount";
    QTest::newRow("promotion_code minimum_amount without currency") << "promotion_code" << "restrictions.minimum_amount" << QJsonValue(1000) << "promotion_code.restrictions.minimum_amount_currency";
    QTest::newRow("promotion_code times_redeemed beyond int") << "promotion_code" << "times_redeemed" << QJsonValue(4294967296.0) << "promotion_code.times_redeemed";
    QTest::newRow("payment_method without type") << "payment_method" << "type" << QJsonValue("<delete>") << "payment_method.type";
    QTest::newRow("payment_method exp_month 13") << "payment_method" << "card.exp_month" << QJsonValue(13) << "payment_method.card.exp_month";
    QTest::newRow("payment_method exp_year beyond int") << "payment_method" << "card.exp_year" << QJsonValue(4294969326.0) << "payment_method.card.exp_year";
    QTest::newRow("payment_method of another type") << "payment_method" << "object" << QJsonValue("card") << "payment_method.object";
}

void tst_StripeParser::rejectsBadFields()
{
    QFETCH(QString, type);
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);
    QFETCH(QString, field);
    const QJsonObject original = m_fixtures.value(type).toObject();
    QVERIFY(!original.isEmpty());
    QCOMPARE(parseError(type, original), QString()); // the untouched fixture parses
    const QString detail = parseError(type, edited(original, path, value));
    QVERIFY2(!detail.isEmpty(), "the edited object was accepted");
    QVERIFY2(detail.startsWith(field + QLatin1Char(':')), qPrintable(detail));
}

void tst_StripeParser::keepsDecimalStringsExactly()
{
    QJsonObject json = m_fixtures.value(QLatin1String("price")).toObject();
    json.insert(QStringLiteral("unit_amount"), QJsonValue::Null);
    json.insert(QStringLiteral("unit_amount_decimal"), QStringLiteral("0.123456789012"));
    const auto p = StripeParser::price(json);
    QVERIFY(p.ok());
    QCOMPARE(p->unitAmountDecimal, QStringLiteral("0.123456789012"));
    QVERIFY(!p->unitAmount.has_value());
}

void tst_StripeParser::readsTieredPrice()
{
    QJsonObject json = m_fixtures.value(QLatin1String("price")).toObject();
    json.insert(QStringLiteral("billing_scheme"), QStringLiteral("tiered"));
    json.insert(QStringLiteral("tiers_mode"), QStringLiteral("graduated"));
    json.insert(QStringLiteral("unit_amount"), QJsonValue::Null);
    json.insert(QStringLiteral("unit_amount_decimal"), QJsonValue::Null);
    json.insert(QStringLiteral("tiers"),
                QJsonArray{QJsonObject{{"up_to", 1000}, {"unit_amount", QJsonValue::Null}, {"unit_amount_decimal", "0.15"},
                                       {"flat_amount", 500}, {"flat_amount_decimal", "500"}},
                           QJsonObject{{"up_to", QJsonValue::Null}, {"unit_amount", 10}, {"unit_amount_decimal", "10"},
                                       {"flat_amount", QJsonValue::Null}, {"flat_amount_decimal", QJsonValue::Null}}});
    const auto p = StripeParser::price(json);
    QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error().detail));
    QCOMPARE(p->tiers.size(), 2);
    QCOMPARE(p->tiers[0].upTo, std::optional<qint64>(1000));
    QCOMPARE(p->tiers[0].unitAmountDecimal, QStringLiteral("0.15"));
    QCOMPARE(p->tiers[0].flatAmount, std::optional<qint64>(500));
    QVERIFY(!p->tiers[1].upTo.has_value());
    QCOMPARE(p->tiers[1].unitAmount, std::optional<qint64>(10));
    QCOMPARE(p->tiersMode, QStringLiteral("graduated"));
}

void tst_StripeParser::readsBillingPeriodFromItemsAndPauseAndTrial()
{
    QJsonObject json = m_fixtures.value(QLatin1String("subscription")).toObject();
    json.insert(QStringLiteral("pause_collection"), QJsonObject{{"behavior", "keep_as_draft"}, {"resumes_at", 1800000000}});
    json.insert(QStringLiteral("trial_start"), 1700000000);
    json.insert(QStringLiteral("trial_end"), 1701209600);
    json.insert(QStringLiteral("cancellation_details"), QJsonObject{{"feedback", "too_expensive"}, {"reason", "cancellation_requested"}});
    const auto s = StripeParser::subscription(json);
    QVERIFY(s.ok());
    const QJsonObject item = json.value(QLatin1String("items")).toObject().value(QLatin1String("data")).toArray().first().toObject();
    QCOMPARE(s->items.size(), 1);
    QCOMPARE(s->items[0].currentPeriodEnd.toSecsSinceEpoch(), item.value(QLatin1String("current_period_end")).toInteger());
    QCOMPARE(s->currentPeriodEnd(), s->items[0].currentPeriodEnd);
    QCOMPARE(s->pauseBehavior, QStringLiteral("keep_as_draft"));
    QCOMPARE(s->pauseResumesAt.toSecsSinceEpoch(), 1800000000);
    QCOMPARE(s->trialEnd.toSecsSinceEpoch(), 1701209600);
    QCOMPARE(s->trialEnd.timeSpec(), Qt::UTC);
    QCOMPARE(s->cancellationFeedback, QStringLiteral("too_expensive"));
}

void tst_StripeParser::joinsInvoicePaymentWithIntentError()
{
    QJsonObject payment = m_fixtures.value(QLatin1String("invoice_payment")).toObject();
    payment.insert(QStringLiteral("currency"), QStringLiteral("jpy"));
    payment.insert(QStringLiteral("payment"), QJsonObject{{"type", "payment_intent"}, {"payment_intent", "pi_1"}});
    QJsonObject intent = m_fixtures.value(QLatin1String("payment_intent")).toObject();
    intent.insert(QStringLiteral("id"), QStringLiteral("pi_1"));
    intent.insert(QStringLiteral("last_payment_error"),
                  QJsonObject{{"type", "card_error"}, {"code", "card_declined"}, {"decline_code", "insufficient_funds"},
                              {"message", "Your card has insufficient funds."}});
    const auto a = StripeParser::paymentAttempt(payment, intent);
    QVERIFY2(a.ok(), qPrintable(a.ok() ? QString() : a.error().detail));
    QCOMPARE(a->paymentIntentId, QStringLiteral("pi_1"));
    QCOMPARE(a->failureCode, QStringLiteral("card_declined"));
    QCOMPARE(a->declineCode, QStringLiteral("insufficient_funds"));
    QCOMPARE(a->failureMessage, QStringLiteral("Your card has insufficient funds."));
    QCOMPARE(a->intentStatus, intent.value(QLatin1String("status")).toString());
    // amount_paid is null in the fixture: the attempt's amount is what was requested.
    QCOMPARE(a->amountMinor, payment.value(QLatin1String("amount_requested")).toInteger());
    QCOMPARE(a->currency, QStringLiteral("jpy"));
}

void tst_StripeParser::rejectsIntentOfAnotherPayment()
{
    QJsonObject payment = m_fixtures.value(QLatin1String("invoice_payment")).toObject();
    payment.insert(QStringLiteral("payment"), QJsonObject{{"type", "payment_intent"}, {"payment_intent", "pi_1"}});
    QJsonObject intent = m_fixtures.value(QLatin1String("payment_intent")).toObject();
    intent.insert(QStringLiteral("id"), QStringLiteral("pi_other"));
    const auto a = StripeParser::paymentAttempt(payment, intent);
    QVERIFY(!a.ok());
    QCOMPARE(a.error().kind, Error::Kind::InvalidResponse);
}

void tst_StripeParser::acceptsExpandedReferences()
{
    QJsonObject json = m_fixtures.value(QLatin1String("invoice")).toObject();
    const QJsonObject customer = m_fixtures.value(QLatin1String("customer")).toObject();
    json.insert(QStringLiteral("customer"), customer);
    const auto inv = StripeParser::invoice(json);
    QVERIFY(inv.ok());
    QCOMPARE(inv->customerId, customer.value(QLatin1String("id")).toString());
}

void tst_StripeParser::keepsCountsInRange()
{
    // The largest values an int holds still arrive unchanged.
    QJsonObject price = edited(m_fixtures.value(QLatin1String("price")).toObject(), QStringLiteral("recurring.interval_count"), 2147483647.0);
    const auto p = StripeParser::price(price);
    QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(p.error().detail));
    QCOMPARE(p->intervalCount, 2147483647);
    const auto inv = StripeParser::invoice(edited(m_fixtures.value(QLatin1String("invoice")).toObject(), QStringLiteral("attempt_count"), 4));
    QVERIFY(inv.ok());
    QCOMPARE(inv->attemptCount, 4);
    // From JSON text, as the network delivers it.
    QByteArray text = QJsonDocument(m_fixtures.value(QLatin1String("price")).toObject()).toJson(QJsonDocument::Compact);
    const QByteArray count = "\"interval_count\":";
    const int at = text.indexOf(count);
    QVERIFY(at > 0);
    const int end = text.indexOf(',', at);
    text.replace(at, end - at, QByteArray(count + "4294967297"));
    const auto wrapped = StripeParser::price(QJsonDocument::fromJson(text).object());
    QVERIFY(!wrapped.ok());
    QCOMPARE(wrapped.error().kind, Error::Kind::InvalidResponse);
    QVERIFY2(wrapped.error().detail.startsWith(QLatin1String("price.recurring.interval_count:")), qPrintable(wrapped.error().detail));
}

void tst_StripeParser::keepsPercentOffExactly_data()
{
    QTest::addColumn<QByteArray>("json"); // percent_off as JSON text
    QTest::addColumn<QString>("expected");
    QTest::newRow("fixture's 25.5") << QByteArray("25.5") << QStringLiteral("25.5");
    QTest::newRow("33.33 (not exact as a double)") << QByteArray("33.33") << QStringLiteral("33.33");
    QTest::newRow("0.01") << QByteArray("0.01") << QStringLiteral("0.01");
    QTest::newRow("whole number") << QByteArray("15") << QStringLiteral("15");
    QTest::newRow("100") << QByteArray("100") << QStringLiteral("100");
    QTest::newRow("trailing zero") << QByteArray("10.10") << QStringLiteral("10.1");
    QTest::newRow("99.99") << QByteArray("99.99") << QStringLiteral("99.99");
    QTest::newRow("exponent") << QByteArray("1.25e1") << QStringLiteral("12.5");
    QTest::newRow("0.29 (28.999.. x 100)") << QByteArray("0.29") << QStringLiteral("0.29");
}

void tst_StripeParser::keepsPercentOffExactly()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QByteArray text = QJsonDocument(m_fixtures.value(QLatin1String("coupon")).toObject()).toJson(QJsonDocument::Compact);
    const QByteArray key = "\"percent_off\":";
    const int at = text.indexOf(key);
    QVERIFY(at > 0);
    int end = at + key.size();
    while (end < text.size() && text.at(end) != ',' && text.at(end) != '}')
        ++end;
    text.replace(at, end - at, QByteArray(key + json));
    const auto c = StripeParser::coupon(QJsonDocument::fromJson(text).object());
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error().detail));
    QCOMPARE(c->percentOff, expected);
    QVERIFY(!c->amountOff.has_value());
}

void tst_StripeParser::readsAmountOffCouponWithCurrencyOptions()
{
    QJsonObject json = m_fixtures.value(QLatin1String("coupon")).toObject();
    json.insert(QStringLiteral("percent_off"), QJsonValue::Null);
    json.insert(QStringLiteral("amount_off"), 500);
    json.insert(QStringLiteral("currency"), QStringLiteral("USD"));
    json.insert(QStringLiteral("currency_options"), QJsonObject{{"eur", QJsonObject{{"amount_off", 450}}}, {"jpy", QJsonObject{{"amount_off", 700}}}});
    json.insert(QStringLiteral("max_redemptions"), 10);
    json.insert(QStringLiteral("times_redeemed"), 3);
    const auto c = StripeParser::coupon(json);
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error().detail));
    QCOMPARE(c->amountOff, std::optional<qint64>(500));
    QCOMPARE(c->currency, QStringLiteral("usd"));
    QVERIFY(c->percentOff.isEmpty());
    QCOMPARE(c->currencyOptionsAmountOff.value(QStringLiteral("eur")), 450);
    QCOMPARE(c->currencyOptionsAmountOff.value(QStringLiteral("jpy")), 700);
    QCOMPARE(c->maxRedemptions, std::optional<int>(10));
    QCOMPARE(c->timesRedeemed, 3);
    // amount_off needs its currency; neither amount is no coupon at all.
    json.remove(QStringLiteral("currency"));
    QVERIFY(StripeParser::coupon(json).error().detail.startsWith(QLatin1String("coupon.currency:")));
    json.insert(QStringLiteral("amount_off"), QJsonValue::Null);
    QVERIFY(StripeParser::coupon(json).error().detail.startsWith(QLatin1String("coupon.percent_off:")));
}

void tst_StripeParser::readsPromotionCodeWithExpandedCoupon()
{
    QJsonObject json = m_fixtures.value(QLatin1String("promotion_code")).toObject();
    const QJsonObject coupon = m_fixtures.value(QLatin1String("coupon")).toObject();
    json.insert(QStringLiteral("promotion"), QJsonObject{{"type", "coupon"}, {"coupon", coupon}});
    json.insert(QStringLiteral("customer"), QStringLiteral("cus_123"));
    json.insert(QStringLiteral("restrictions"), QJsonObject{{"first_time_transaction", true}, {"minimum_amount", 2000}, {"minimum_amount_currency", "EUR"}});
    const auto p = StripeParser::promotionCode(json);
    QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(p.error().detail));
    QCOMPARE(p->couponId, coupon.value(QLatin1String("id")).toString());
    QCOMPARE(p->code, json.value(QLatin1String("code")).toString());
    QCOMPARE(p->customerId, QStringLiteral("cus_123"));
    QVERIFY(p->firstTimeTransaction);
    QCOMPARE(p->minimumAmount, std::optional<qint64>(2000));
    QCOMPARE(p->minimumAmountCurrency, QStringLiteral("eur"));
    QCOMPARE(p->active, json.value(QLatin1String("active")).toBool());
    QCOMPARE(p->expiresAt.toSecsSinceEpoch(), json.value(QLatin1String("expires_at")).toInteger());
}

void tst_StripeParser::readsPaymentMethodCardAndBankAccount()
{
    const QJsonObject card = m_fixtures.value(QLatin1String("payment_method")).toObject();
    const auto c = StripeParser::paymentMethod(card);
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error().detail));
    const QJsonObject details = card.value(QLatin1String("card")).toObject();
    QCOMPARE(c->type, QStringLiteral("card"));
    QCOMPARE(c->brand, details.value(QLatin1String("brand")).toString());
    QCOMPARE(c->last4, details.value(QLatin1String("last4")).toString());
    QCOMPARE(c->expMonth, details.value(QLatin1String("exp_month")).toInt());
    QCOMPARE(c->expYear, details.value(QLatin1String("exp_year")).toInt());
    QCOMPARE(c->funding, details.value(QLatin1String("funding")).toString());
    QVERIFY(c->customerId.isEmpty()); // the fixture is detached

    QJsonObject bank = card;
    bank.remove(QStringLiteral("card"));
    bank.insert(QStringLiteral("type"), QStringLiteral("us_bank_account"));
    bank.insert(QStringLiteral("customer"), QJsonObject{{"id", "cus_9"}, {"object", "customer"}});
    bank.insert(QStringLiteral("us_bank_account"), QJsonObject{{"bank_name", "STRIPE TEST BANK"}, {"last4", "6789"}, {"account_type", "checking"}});
    const auto b = StripeParser::paymentMethod(bank);
    QVERIFY2(b.ok(), b.ok() ? "" : qPrintable(b.error().detail));
    QCOMPARE(b->customerId, QStringLiteral("cus_9"));
    QCOMPARE(b->bankName, QStringLiteral("STRIPE TEST BANK"));
    QCOMPARE(b->last4, QStringLiteral("6789"));
    QVERIFY(b->brand.isEmpty());
    QCOMPARE(b->expMonth, 0);
}

// The fixture customer has no address; the state is kept as written (for the customer's time zone).
void tst_StripeParser::readsCustomerAddressCountryAndState()
{
    QJsonObject json = m_fixtures.value(QLatin1String("customer")).toObject();
    const auto bare = StripeParser::customer(json);
    QVERIFY2(bare.ok(), bare.ok() ? "" : qPrintable(bare.error().detail));
    QVERIFY(bare->country.isEmpty());
    QVERIFY(bare->region.isEmpty());
    json.insert(QStringLiteral("address"), QJsonObject{{"line1", "1 Main St"}, {"city", "Seattle"}, {"country", "US"},
                                                       {"state", "Washington"}, {"postal_code", "98101"}});
    const auto c = StripeParser::customer(json);
    QVERIFY2(c.ok(), c.ok() ? "" : qPrintable(c.error().detail));
    QCOMPARE(c->country, QStringLiteral("US"));
    QCOMPARE(c->region, QStringLiteral("Washington"));
}

QTEST_GUILESS_MAIN(tst_StripeParser)
#include "tst_stripeparser.moc"
