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

QTEST_GUILESS_MAIN(tst_StripeParser)
#include "tst_stripeparser.moc"
