// Cross-check: every row of the pricing table is created as a real price in the Stripe sandbox
// (POST /v1/prices with tiers, tiers_mode, transform_quantity, unit_amount_decimal,
// currency_options), read back through StripeParser, and invoiced (POST /v1/invoiceitems with
// pricing[price] and quantity). The sandbox computes the amount on its own (tests/stripe-sandbox/
// routes/catalog.js); PriceCalculator must agree with it line by line, and both with the table.

#include "services/pricing/pricecalculator.h"
#include "services/stripe/stripeparser.h"
#include "tests/services/pricing/pricetestsupport.h"
#include "tests/services/pricing/stripecall.h"

#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_StripePricing final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sandboxAndCalculatorAgree_data();
    void sandboxAndCalculatorAgree();
    void currencyOptionsChargeTheirOwnAmounts();
    void customerCurrencyIsFixedOnceInvoiced();
    void sandboxRejectsWhatTheCalculatorRejects_data();
    void sandboxRejectsWhatTheCalculatorRejects();

private:
    static FormValue tiersForm(const QList<PriceTier> &tiers);
    static FormParams priceParams(const Price &p, const QString &productId);
    QString customerFor(const QString &currency);

    std::unique_ptr<StripeClient> m_client;
    QString m_productId;
};

FormValue tst_StripePricing::tiersForm(const QList<PriceTier> &tiers)
{
    FormValue list = FormValue::array();
    for (const PriceTier &t : tiers) {
        FormValue o = FormValue::object();
        o.insert(QStringLiteral("up_to"), t.upTo ? FormValue(*t.upTo) : FormValue("inf"));
        if (t.unitAmount)
            o.insert(QStringLiteral("unit_amount"), FormValue(*t.unitAmount));
        if (!t.unitAmountDecimal.isEmpty())
            o.insert(QStringLiteral("unit_amount_decimal"), FormValue(t.unitAmountDecimal));
        if (t.flatAmount)
            o.insert(QStringLiteral("flat_amount"), FormValue(*t.flatAmount));
        if (!t.flatAmountDecimal.isEmpty())
            o.insert(QStringLiteral("flat_amount_decimal"), FormValue(t.flatAmountDecimal));
        list.append(o);
    }
    return list;
}

FormParams tst_StripePricing::priceParams(const Price &p, const QString &productId)
{
    FormParams params = FormValue::object();
    params.insert(QStringLiteral("currency"), p.currency);
    params.insert(QStringLiteral("product"), productId);
    if (p.isTiered()) {
        params.insert(QStringLiteral("billing_scheme"), "tiered");
        params.insert(QStringLiteral("tiers_mode"), p.tiersMode);
        params.insert(QStringLiteral("tiers"), tiersForm(p.tiers));
    } else {
        if (p.unitAmount)
            params.insert(QStringLiteral("unit_amount"), FormValue(*p.unitAmount));
        else
            params.insert(QStringLiteral("unit_amount_decimal"), p.unitAmountDecimal);
        if (p.transformQuantity.isSet())
            params.insert(QStringLiteral("transform_quantity"),
                          FormValue::object({{QStringLiteral("divide_by"), FormValue(p.transformQuantity.divideBy)},
                                             {QStringLiteral("round"), p.transformQuantity.round}}));
    }
    return params;
}

QString tst_StripePricing::customerFor(const QString &currency)
{
    // One fresh customer per charge: a customer's currency is fixed by the first invoice item.
    const auto c = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/customers"),
                              FormValue::object({{QStringLiteral("name"), QStringLiteral("Pricing %1").arg(currency)},
                                                 {QStringLiteral("email"), QStringLiteral("pricing@example.com")}}));
    return c.ok() ? c->value(QLatin1String("id")).toString() : QString();
}

void tst_StripePricing::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set (SANDBOX fixture)");
    m_client = std::make_unique<StripeClient>(pricingSandboxConfig());
    const auto product = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/products"),
                                    FormValue::object({{QStringLiteral("name"), "Pricing cross-check"}}));
    QVERIFY2(product.ok(), qPrintable(product.ok() ? QString() : product.error().detail));
    const auto parsed = StripeParser::product(*product);
    QVERIFY(parsed.ok());
    m_productId = parsed->id;
    QVERIFY(m_productId.startsWith(QLatin1String("prod_")));
}

void tst_StripePricing::sandboxAndCalculatorAgree_data()
{
    QTest::addColumn<int>("row");
    for (int i = 0; i < chargeCases().size(); ++i)
        QTest::newRow(chargeCases().at(i).name) << i;
}

void tst_StripePricing::sandboxAndCalculatorAgree()
{
    QFETCH(int, row);
    const ChargeCase &c = chargeCases().at(row);
    const Price local = priceFromText(QString::fromLatin1(c.currency), QString::fromLatin1(c.scheme),
                                      QString::fromLatin1(c.unit), QString::fromLatin1(c.tiers));

    const auto created = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/prices"),
                                    priceParams(local, m_productId), {QStringLiteral("tiers")});
    QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().detail));
    // The price as Stripe describes it, through the console's parser.
    const auto price = StripeParser::price(*created);
    QVERIFY2(price.ok(), qPrintable(price.ok() ? QString() : price.error().detail));
    QCOMPARE(price->tiers.size(), local.tiers.size());
    QCOMPARE(price->transformQuantity.divideBy, local.transformQuantity.divideBy);
    QCOMPARE(price->transformQuantity.round, local.transformQuantity.round);

    const auto ours = PriceCalculator::charge(*price, c.quantity);
    QVERIFY2(ours.ok(), qPrintable(ours.ok() ? QString() : ours.error().userMessage));

    const QString customer = customerFor(QString::fromLatin1(c.currency));
    QVERIFY(!customer.isEmpty());
    const auto item = stripeCall(
        *m_client, QStringLiteral("POST"), QStringLiteral("/v1/invoiceitems"),
        FormValue::object({{QStringLiteral("customer"), customer},
                           {QStringLiteral("pricing"), FormValue::object({{QStringLiteral("price"), price->id}})},
                           {QStringLiteral("quantity"), FormValue(c.quantity)}}));
    QVERIFY2(item.ok(), qPrintable(item.ok() ? QString() : item.error().detail));
    const qint64 sandboxAmount = item->value(QLatin1String("amount")).toInteger();
    const QString sandboxLines =
        item->value(QLatin1String("metadata")).toObject().value(QLatin1String("sandbox_line_amounts")).toString();

    QStringList ourLines;
    for (const PriceChargeLine &l : ours->lines)
        ourLines << QString::number(l.amountMinor);
    QCOMPARE(ours->total.minor(), sandboxAmount);
    QCOMPARE(ourLines.join(QLatin1Char(',')), sandboxLines);
    QCOMPARE(sandboxAmount, c.total); // and both match the amount worked out by hand
    QCOMPARE(item->value(QLatin1String("currency")).toString(), QString::fromLatin1(c.currency));
}

void tst_StripePricing::currencyOptionsChargeTheirOwnAmounts()
{
    // One graduated price in USD with EUR, JPY and KWD options, each with its own tiers.
    FormParams params = FormValue::object();
    params.insert(QStringLiteral("currency"), "usd");
    params.insert(QStringLiteral("product"), m_productId);
    params.insert(QStringLiteral("billing_scheme"), "tiered");
    params.insert(QStringLiteral("tiers_mode"), "graduated");
    params.insert(QStringLiteral("tiers"), tiersForm(tiersFromText(QStringLiteral("10:100;inf:0.5"))));
    FormValue options = FormValue::object();
    options.insert(QStringLiteral("eur"), FormValue::object({{QStringLiteral("tiers"), tiersForm(tiersFromText(QStringLiteral("10:90;inf:0.45")))}}));
    options.insert(QStringLiteral("jpy"), FormValue::object({{QStringLiteral("tiers"), tiersForm(tiersFromText(QStringLiteral("10:15;inf:0.75")))}}));
    options.insert(QStringLiteral("kwd"), FormValue::object({{QStringLiteral("tiers"), tiersForm(tiersFromText(QStringLiteral("10:310;inf:1.55")))}}));
    params.insert(QStringLiteral("currency_options"), options);
    const auto created = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/prices"), params,
                                    {QStringLiteral("tiers"), QStringLiteral("currency_options")});
    QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().detail));
    const auto price = StripeParser::price(*created);
    QVERIFY2(price.ok(), qPrintable(price.ok() ? QString() : price.error().detail));
    QVERIFY(price->currencyOptions.contains(QStringLiteral("eur")));
    QCOMPARE(price->currencyOptions.value(QStringLiteral("kwd")).tiers.size(), 2);

    struct Expect { const char *currency; qint64 total; };
    // 13 units: 10 in tier 1, 3 in tier 2 (3 x 0.5 = 1.5 -> 2; 3 x 0.45 = 1.35 -> 1; 3 x 0.75 =
    // 2.25 -> 2; 3 x 1.55 = 4.65 -> 5).
    const Expect expected[] = {{"usd", 1000 + 2}, {"eur", 900 + 1}, {"jpy", 150 + 2}, {"kwd", 3100 + 5}};
    for (const Expect &e : expected) {
        const QString code = QString::fromLatin1(e.currency);
        const auto inCurrency = PriceCalculator::inCurrency(*price, code);
        QVERIFY(inCurrency.ok());
        const auto ours = PriceCalculator::charge(*inCurrency, 13);
        QVERIFY(ours.ok());
        const auto item = stripeCall(
            *m_client, QStringLiteral("POST"), QStringLiteral("/v1/invoiceitems"),
            FormValue::object({{QStringLiteral("customer"), customerFor(code)},
                               {QStringLiteral("currency"), code},
                               {QStringLiteral("pricing"), FormValue::object({{QStringLiteral("price"), price->id}})},
                               {QStringLiteral("quantity"), FormValue(qint64(13))}}));
        QVERIFY2(item.ok(), qPrintable(item.ok() ? QString() : item.error().detail));
        QCOMPARE(item->value(QLatin1String("amount")).toInteger(), ours->total.minor());
        QCOMPARE(ours->total.minor(), e.total);
        QCOMPARE(ours->total.currency().stripeCode(), code);
    }
}

void tst_StripePricing::customerCurrencyIsFixedOnceInvoiced()
{
    FormParams params = priceParams(priceFromText(QStringLiteral("usd"), QStringLiteral("per_unit"), QStringLiteral("500"), {}), m_productId);
    params.insert(QStringLiteral("currency_options"),
                  FormValue::object({{QStringLiteral("eur"), FormValue::object({{QStringLiteral("unit_amount"), FormValue(qint64(450))}})}}));
    const auto created = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/prices"), params);
    QVERIFY(created.ok());
    const QString priceId = created->value(QLatin1String("id")).toString();
    const QString customer = customerFor(QStringLiteral("eur"));
    auto invoiceItem = [&](const QString &currency) {
        return stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/invoiceitems"),
                          FormValue::object({{QStringLiteral("customer"), customer},
                                             {QStringLiteral("currency"), currency},
                                             {QStringLiteral("pricing"), FormValue::object({{QStringLiteral("price"), priceId}})},
                                             {QStringLiteral("quantity"), FormValue(qint64(2))}}));
    };
    const auto first = invoiceItem(QStringLiteral("eur"));
    QVERIFY(first.ok());
    QCOMPARE(first->value(QLatin1String("amount")).toInteger(), 900);
    const auto customerNow = stripeCall(*m_client, QStringLiteral("GET"), QStringLiteral("/v1/customers/") + customer, FormValue());
    QVERIFY(customerNow.ok());
    QCOMPARE(customerNow->value(QLatin1String("currency")).toString(), QStringLiteral("eur"));
    const auto second = invoiceItem(QStringLiteral("usd"));
    QVERIFY(!second.ok());
    QCOMPARE(second.error().kind, Error::Kind::Validation);
}

void tst_StripePricing::sandboxRejectsWhatTheCalculatorRejects_data()
{
    QTest::addColumn<QString>("tiers");
    QTest::newRow("no final inf tier") << "5:100;10:50";
    QTest::newRow("overlap") << "5:100;5:90;inf:50";
    QTest::newRow("unsorted") << "10:100;5:90;inf:50";
    QTest::newRow("inf in the middle") << "5:100;inf:90;10:50";
}

void tst_StripePricing::sandboxRejectsWhatTheCalculatorRejects()
{
    QFETCH(QString, tiers);
    const Price local = priceFromText(QStringLiteral("usd"), QStringLiteral("volume"), {}, tiers);
    QVERIFY(!PriceCalculator::validateTiers(local.tiers).ok());
    const auto created = stripeCall(*m_client, QStringLiteral("POST"), QStringLiteral("/v1/prices"), priceParams(local, m_productId));
    QVERIFY(!created.ok());
    QCOMPARE(created.error().httpStatus, 400);
}

QTEST_GUILESS_MAIN(tst_StripePricing)
#include "tst_stripepricing.moc"
