#include "services/stripe/formencoder.h"
#include "services/stripe/stripeconfig.h"
#include "services/stripe/stripeendpoints.h"
#include "services/stripe/stripeparser.h"
#include "tests/services/stripe/fixturesupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace Billing;

// The console against Stripe's own definitions: (a) the official example object of every resource
// the console reads parses into the domain types; (b) every endpoint and parameter in the
// console's registry exists in the pinned official Node SDK (stripe 23.1.0, tests/contract), the
// pinned Stripe-Version is the SDK's, and the form encoder matches the SDK's stringifier.
class tst_StripeContract : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void officialFixturesParse_data();
    void officialFixturesParse();
    void fixtureValuesArriveInDomainTypes();
    void pinnedApiVersionIsTheSdks();
    void registryEndpointsExistInSdk_data();
    void registryEndpointsExistInSdk();
    void encoderMatchesSdkStringifier_data();
    void encoderMatchesSdkStringifier();

private:
    QByteArray runNode(const QStringList &args, const QByteArray &stdinData = {});

    QJsonObject m_fixtures;
    QString m_contractDir;
    QString m_node;
    QJsonObject m_sdk;
};

QByteArray tst_StripeContract::runNode(const QStringList &args, const QByteArray &stdinData)
{
    QProcess p;
    p.setWorkingDirectory(m_contractDir);
    p.start(m_node, args);
    if (!p.waitForStarted(10000))
        return {};
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    p.waitForFinished(120000);
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning().noquote() << "node failed:" << QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    return p.readAllStandardOutput();
}

void tst_StripeContract::initTestCase()
{
    m_fixtures = Test::stripeFixtures();
    QVERIFY2(!m_fixtures.isEmpty(), "fixtures3.json not found under BC_SHARED_DIR");

    m_contractDir = Test::sourceDir() + QStringLiteral("/tests/contract");
    m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
    QVERIFY2(!m_node.isEmpty(), "node is needed to read the pinned Stripe SDK");
    if (!QFileInfo::exists(m_contractDir + QStringLiteral("/node_modules/stripe/package.json"))) {
        QProcess npm;
        npm.setProcessChannelMode(QProcess::ForwardedChannels);
        npm.start(QStandardPaths::findExecutable(QStringLiteral("npm")),
                  {QStringLiteral("ci"), QStringLiteral("--ignore-scripts"), QStringLiteral("--no-audit"),
                   QStringLiteral("--no-fund"), QStringLiteral("--prefix"), m_contractDir});
        QVERIFY2(npm.waitForFinished(480000) && npm.exitCode() == 0, "npm ci in tests/contract failed");
    }
    const QByteArray out = runNode({QStringLiteral("extract-endpoints.js")});
    m_sdk = QJsonDocument::fromJson(out).object();
    QVERIFY2(m_sdk.value(QLatin1String("endpoints")).toArray().size() > 100, "extract-endpoints.js gave no endpoints");
}

void tst_StripeContract::officialFixturesParse_data()
{
    QTest::addColumn<QString>("resource");
    for (const char *r : {"customer", "product", "price", "subscription", "subscription_item", "invoice", "line_item",
                          "invoice_payment", "payment_intent", "account", "event", "payment_method", "coupon",
                          "promotion_code"})
        QTest::newRow(r) << QString::fromLatin1(r);
}

void tst_StripeContract::officialFixturesParse()
{
    QFETCH(QString, resource);
    const QJsonObject json = m_fixtures.value(resource).toObject();
    QVERIFY2(!json.isEmpty(), "no official fixture for this resource");
    QString problem;
    auto check = [&problem](const auto &r) {
        if (!r.ok())
            problem = r.error().detail;
    };
    if (resource == QLatin1String("customer")) check(StripeParser::customer(json));
    else if (resource == QLatin1String("product")) check(StripeParser::product(json));
    else if (resource == QLatin1String("price")) check(StripeParser::price(json));
    else if (resource == QLatin1String("subscription")) check(StripeParser::subscription(json));
    else if (resource == QLatin1String("subscription_item")) check(StripeParser::subscriptionItem(json));
    else if (resource == QLatin1String("invoice")) check(StripeParser::invoice(json));
    else if (resource == QLatin1String("line_item")) check(StripeParser::invoiceLine(json));
    else if (resource == QLatin1String("invoice_payment")) check(StripeParser::paymentAttempt(json));
    else if (resource == QLatin1String("payment_intent")) {
        // Read through the join: an invoice_payment pointing at this intent.
        QJsonObject payment = m_fixtures.value(QLatin1String("invoice_payment")).toObject();
        payment.insert(QStringLiteral("payment"),
                       QJsonObject{{"type", "payment_intent"}, {"payment_intent", json.value(QLatin1String("id"))}});
        check(StripeParser::paymentAttempt(payment, json));
    } else if (resource == QLatin1String("account")) check(StripeParser::account(json));
    else if (resource == QLatin1String("event")) check(StripeParser::event(json));
    else if (resource == QLatin1String("payment_method")) check(StripeParser::paymentMethod(json));
    else if (resource == QLatin1String("coupon")) check(StripeParser::coupon(json));
    else if (resource == QLatin1String("promotion_code")) check(StripeParser::promotionCode(json));
    else QFAIL("resource without a parser");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void tst_StripeContract::fixtureValuesArriveInDomainTypes()
{
    const QJsonObject inv = m_fixtures.value(QLatin1String("invoice")).toObject();
    const auto invoice = StripeParser::invoice(inv);
    QVERIFY(invoice.ok());
    QCOMPARE(invoice->id, inv.value(QLatin1String("id")).toString());
    QCOMPARE(invoice->amountDueMinor, inv.value(QLatin1String("amount_due")).toInteger());
    QCOMPARE(invoice->amountRemainingMinor, inv.value(QLatin1String("amount_remaining")).toInteger());
    QCOMPARE(invoice->created.toSecsSinceEpoch(), inv.value(QLatin1String("created")).toInteger());
    QCOMPARE(invoice->lines.size(), inv.value(QLatin1String("lines")).toObject().value(QLatin1String("data")).toArray().size());
    QCOMPARE(invoice->subscriptionId, inv.value(QLatin1String("parent")).toObject().value(QLatin1String("subscription_details"))
                                          .toObject().value(QLatin1String("subscription")).toString());

    const QJsonObject price = m_fixtures.value(QLatin1String("price")).toObject();
    const auto p = StripeParser::price(price);
    QVERIFY(p.ok());
    QCOMPARE(p->unitAmountDecimal, price.value(QLatin1String("unit_amount_decimal")).toString());
    QCOMPARE(p->interval, price.value(QLatin1String("recurring")).toObject().value(QLatin1String("interval")).toString());

    const QJsonObject coupon = m_fixtures.value(QLatin1String("coupon")).toObject();
    const auto c = StripeParser::coupon(coupon);
    QVERIFY(c.ok());
    // percent_off: the decimal Stripe sent, written back from the JSON number without a double's noise.
    QCOMPARE(c->percentOff.toDouble(), coupon.value(QLatin1String("percent_off")).toDouble());
    QCOMPARE(c->duration, coupon.value(QLatin1String("duration")).toString());
    QCOMPARE(c->redeemBy.toSecsSinceEpoch(), coupon.value(QLatin1String("redeem_by")).toInteger());

    const QJsonObject promo = m_fixtures.value(QLatin1String("promotion_code")).toObject();
    const auto pc = StripeParser::promotionCode(promo);
    QVERIFY(pc.ok());
    QCOMPARE(pc->code, promo.value(QLatin1String("code")).toString());
    QCOMPARE(pc->active, promo.value(QLatin1String("active")).toBool());

    const QJsonObject pm = m_fixtures.value(QLatin1String("payment_method")).toObject();
    const auto m = StripeParser::paymentMethod(pm);
    QVERIFY(m.ok());
    QCOMPARE(m->last4, pm.value(QLatin1String("card")).toObject().value(QLatin1String("last4")).toString());
    QCOMPARE(m->expYear, pm.value(QLatin1String("card")).toObject().value(QLatin1String("exp_year")).toInt());

    const QJsonObject account = m_fixtures.value(QLatin1String("account")).toObject();
    const auto a = StripeParser::account(account);
    QVERIFY(a.ok());
    QCOMPARE(a->id, account.value(QLatin1String("id")).toString());
}

void tst_StripeContract::pinnedApiVersionIsTheSdks()
{
    QCOMPARE(m_sdk.value(QLatin1String("sdkVersion")).toString(), QString::fromLatin1(StripeConfig::SdkVersionCheckedAgainst));
    QCOMPARE(QString::fromLatin1(StripeConfig::ApiVersion), m_sdk.value(QLatin1String("apiVersion")).toString());
}

void tst_StripeContract::registryEndpointsExistInSdk_data()
{
    QTest::addColumn<int>("index");
    const auto &all = StripeEndpoints::all();
    for (int i = 0; i < all.size(); ++i)
        QTest::newRow(qPrintable(all[i].method + QLatin1Char(' ') + all[i].pathTemplate)) << i;
}

void tst_StripeContract::registryEndpointsExistInSdk()
{
    QFETCH(int, index);
    const StripeEndpoint &e = StripeEndpoints::all().at(index);
    QJsonObject found;
    for (const QJsonValue &v : m_sdk.value(QLatin1String("endpoints")).toArray()) {
        const QJsonObject sdk = v.toObject();
        if (sdk.value(QLatin1String("method")).toString() == e.method
            && sdk.value(QLatin1String("path")).toString() == e.pathTemplate) {
            found = sdk;
            break;
        }
    }
    QVERIFY2(!found.isEmpty(), "the SDK has no such endpoint");
    QStringList sdkParams;
    for (const QJsonValue &p : found.value(QLatin1String("params")).toArray())
        sdkParams << p.toString();
    for (const QString &param : e.params)
        QVERIFY2(sdkParams.contains(param),
                 qPrintable(QStringLiteral("'%1' is not in %2").arg(param, found.value(QLatin1String("paramsType")).toString())));
}

void tst_StripeContract::encoderMatchesSdkStringifier_data()
{
    QTest::addColumn<FormParams>("params");
    QTest::addColumn<QByteArray>("json"); // the same params as the SDK gets them (keys in the same order)

    QTest::newRow("customer create")
        << FormValue::object({{"name", "Zoë O'Neil (test)"},
                              {"address", FormValue::object({{"line1", "1 Main St, Apt #4"}, {"country", "US"}})},
                              {"metadata", FormValue::object({{"crm id", "a&b=c"}, {"tier", "gold*"}})},
                              {"preferred_locales", FormValue::array({"en", "fr-CA"})}})
        << QByteArray(R"J({"name":"Zoë O'Neil (test)","address":{"line1":"1 Main St, Apt #4","country":"US"},)J"
                      R"J("metadata":{"crm id":"a&b=c","tier":"gold*"},"preferred_locales":["en","fr-CA"]})J");
    QTest::newRow("subscription update")
        << FormValue::object({{"items", FormValue::array({FormValue::object({{"id", "si_1"}, {"price", "price_2"}, {"quantity", 3}}),
                                                           FormValue::object({{"price", "price_3"}, {"deleted", true}})})},
                              {"proration_behavior", "create_prorations"},
                              {"description", FormValue()},
                              {"expand", FormValue::array({"latest_invoice.payment_intent"})}})
        << QByteArray(R"J({"items":[{"id":"si_1","price":"price_2","quantity":3},{"price":"price_3","deleted":true}],)J"
                      R"J("proration_behavior":"create_prorations","description":null,"expand":["latest_invoice.payment_intent"]})J");
    QTest::newRow("characters") << FormValue::object({{"q", "~-._ !*'()[]{}|\\^`\"<>?/:@$,;+=%&#\t\n€"}})
                                << QByteArray(R"J({"q":"~-._ !*'()[]{}|\\^`\"<>?/:@$,;+=%&#\t\n€"})J");
}

void tst_StripeContract::encoderMatchesSdkStringifier()
{
    QFETCH(FormParams, params);
    QFETCH(QByteArray, json);
    const QByteArray script =
        "const u=require('./node_modules/stripe/cjs/utils.js');let s='';process.stdin.on('data',d=>s+=d);"
        "process.stdin.on('end',()=>process.stdout.write(u.queryStringifyRequestData(JSON.parse(s))));";
    const QByteArray sdk = runNode({QStringLiteral("-e"), QString::fromLatin1(script)}, json);
    QVERIFY(!sdk.isEmpty());
    QCOMPARE(encodeForm(params), sdk);
}

QTEST_GUILESS_MAIN(tst_StripeContract)
#include "tst_stripecontract.moc"
