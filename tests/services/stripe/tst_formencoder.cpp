#include "services/stripe/formencoder.h"

#include <QTest>

using namespace Billing;

// Expected strings follow Stripe's documented form encoding (nested keys in brackets, arrays with
// indices, as the official Node SDK sends them); tst_stripecontract also checks the encoder against
// the SDK's own stringifier.
class tst_FormEncoder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void encodes_data();
    void encodes();
    void insertReplacesInPlaceAndKeepsOrder();
};

void tst_FormEncoder::encodes_data()
{
    QTest::addColumn<FormParams>("params");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("plain") << FormValue::object({{"email", "jane@example.com"}})
                           << QByteArray("email=jane%40example.com");
    QTest::newRow("space is %20, not +") << FormValue::object({{"name", "Jane Doe"}}) << QByteArray("name=Jane%20Doe");
    QTest::newRow("reserved characters") << FormValue::object({{"description", "a+b&c=d/e?f#g%h"}})
                                         << QByteArray("description=a%2Bb%26c%3Dd%2Fe%3Ff%23g%25h");
    QTest::newRow("sub-delims that encodeURIComponent keeps are encoded like qs")
        << FormValue::object({{"q", "!*'()"}}) << QByteArray("q=%21%2A%27%28%29");
    QTest::newRow("unreserved stay") << FormValue::object({{"q", "AZaz09-._~"}}) << QByteArray("q=AZaz09-._~");
    QTest::newRow("utf-8") << FormValue::object({{"name", QString::fromUtf8("Zoë 東京")}})
                           << QByteArray("name=Zo%C3%AB%20%E6%9D%B1%E4%BA%AC");
    QTest::newRow("nested object") << FormValue::object({{"address", FormValue::object({{"line1", "1 Main St"}, {"country", "US"}})}})
                                   << QByteArray("address[line1]=1%20Main%20St&address[country]=US");
    QTest::newRow("metadata keys with spaces")
        << FormValue::object({{"metadata", FormValue::object({{"order id", "6735"}})}})
        << QByteArray("metadata[order%20id]=6735");
    QTest::newRow("array of objects")
        << FormValue::object({{"items", FormValue::array({FormValue::object({{"price", "price_1"}, {"quantity", 2}}),
                                                           FormValue::object({{"price", "price_2"}})})}})
        << QByteArray("items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2");
    QTest::newRow("expand is indexed") << FormValue::object({{"expand", FormValue::array({"customer", "data.invoice"})}})
                                       << QByteArray("expand[0]=customer&expand[1]=data.invoice");
    QTest::newRow("deep") << FormValue::object({{"a", FormValue::object({{"b", FormValue::array({FormValue::object({{"c", "d"}})})}})}})
                          << QByteArray("a[b][0][c]=d");
    QTest::newRow("null clears") << FormValue::object({{"description", FormValue()}}) << QByteArray("description=");
    QTest::newRow("booleans and integers")
        << FormValue::object({{"cancel_at_period_end", true}, {"trial_period_days", 14}, {"amount", qint64(-9007199254740993LL)}})
        << QByteArray("cancel_at_period_end=true&trial_period_days=14&amount=-9007199254740993");
    QTest::newRow("empty containers send nothing")
        << FormValue::object({{"metadata", FormValue::object()}, {"items", FormValue::array()}, {"name", "x"}})
        << QByteArray("name=x");
    QTest::newRow("brackets in values stay readable") << FormValue::object({{"q", "[x]"}}) << QByteArray("q=[x]");
    QTest::newRow("order kept") << FormValue::object({{"z", "1"}, {"a", "2"}, {"m", "3"}}) << QByteArray("z=1&a=2&m=3");
    QTest::newRow("no params") << FormValue() << QByteArray();
}

void tst_FormEncoder::encodes()
{
    QFETCH(FormParams, params);
    QFETCH(QByteArray, expected);
    QCOMPARE(encodeForm(params), expected);
}

void tst_FormEncoder::insertReplacesInPlaceAndKeepsOrder()
{
    FormParams p;
    p.insert(QStringLiteral("limit"), 10).insert(QStringLiteral("customer"), "cus_1");
    p.insert(QStringLiteral("limit"), 100);
    QCOMPARE(p.keys(), QStringList({QStringLiteral("limit"), QStringLiteral("customer")}));
    QCOMPARE(encodeForm(p), QByteArray("limit=100&customer=cus_1"));
    QVERIFY(p.find(QStringLiteral("missing")) == nullptr);
    QCOMPARE(p.find(QStringLiteral("customer"))->scalar(), QStringLiteral("cus_1"));
}

QTEST_GUILESS_MAIN(tst_FormEncoder)
#include "tst_formencoder.moc"
