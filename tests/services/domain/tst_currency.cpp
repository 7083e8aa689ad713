#include <QTest>

#include "services/domain/currency.h"

using namespace Billing;

class tst_Currency : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Expected values are Stripe's rules (https://docs.stripe.com/currencies), not the table
    // itself.
    void exponentMatchesStripe_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("exponent");
        QTest::addColumn<int>("step");
        QTest::newRow("USD") << "USD" << 2 << 1;
        QTest::newRow("EUR") << "EUR" << 2 << 1;
        QTest::newRow("GBP") << "GBP" << 2 << 1;
        QTest::newRow("INR") << "INR" << 2 << 1;
        QTest::newRow("BRL") << "BRL" << 2 << 1;
        QTest::newRow("CHF") << "CHF" << 2 << 1;
        QTest::newRow("CAD") << "CAD" << 2 << 1;
        QTest::newRow("MXN") << "MXN" << 2 << 1;
        QTest::newRow("HUF two-decimal for charges") << "HUF" << 2 << 1;
        QTest::newRow("TWD two-decimal for charges") << "TWD" << 2 << 1;
        QTest::newRow("JPY") << "JPY" << 0 << 1;
        QTest::newRow("KRW") << "KRW" << 0 << 1;
        QTest::newRow("VND") << "VND" << 0 << 1;
        QTest::newRow("CLP") << "CLP" << 0 << 1;
        QTest::newRow("UGX") << "UGX" << 0 << 1;
        QTest::newRow("XOF") << "XOF" << 0 << 1;
        QTest::newRow("KWD") << "KWD" << 3 << 10;
        QTest::newRow("BHD") << "BHD" << 3 << 10;
        QTest::newRow("JOD") << "JOD" << 3 << 10;
        QTest::newRow("OMR") << "OMR" << 3 << 10;
        QTest::newRow("TND") << "TND" << 3 << 10;
        QTest::newRow("ISK two-decimal, whole units only") << "ISK" << 2 << 100;
    }
    void exponentMatchesStripe()
    {
        QFETCH(QString, code);
        QFETCH(int, exponent);
        QFETCH(int, step);
        const auto c = Currency::fromCode(code);
        QVERIFY(c.has_value());
        QCOMPARE(c->exponent(), exponent);
        QCOMPARE(c->stripeAmountStep(), step);
        QCOMPARE(c->isZeroDecimal(), exponent == 0);
    }

    void allSixteenZeroDecimalCurrencies()
    {
        const QStringList zero = {
            QStringLiteral("BIF"), QStringLiteral("CLP"), QStringLiteral("DJF"),
            QStringLiteral("GNF"), QStringLiteral("JPY"), QStringLiteral("KMF"),
            QStringLiteral("KRW"), QStringLiteral("MGA"), QStringLiteral("PYG"),
            QStringLiteral("RWF"), QStringLiteral("UGX"), QStringLiteral("VND"),
            QStringLiteral("VUV"), QStringLiteral("XAF"), QStringLiteral("XOF"),
            QStringLiteral("XPF")};
        int zeroCount = 0;
        for (const QString &code : Currency::supportedCodes()) {
            const auto c = Currency::fromCode(code);
            QVERIFY2(c.has_value(), qPrintable(code));
            if (c->isZeroDecimal()) {
                ++zeroCount;
                QVERIFY2(zero.contains(code), qPrintable(code));
            }
        }
        QCOMPARE(zeroCount, zero.size());
        QVERIFY(Currency::supportedCodes().size() > 100);
    }

    void codeIsCaseInsensitive()
    {
        const auto lower = Currency::fromCode(u"usd");
        const auto upper = Currency::fromCode(u"USD");
        QVERIFY(lower && upper);
        QCOMPARE(*lower, *upper);
        QCOMPARE(lower->code(), QStringLiteral("USD"));
        QCOMPARE(lower->stripeCode(), QStringLiteral("usd"));
    }

    void unknownCodesAreRejected_data()
    {
        QTest::addColumn<QString>("code");
        QTest::newRow("empty") << "";
        QTest::newRow("two letters") << "US";
        QTest::newRow("four letters") << "USDX";
        QTest::newRow("unknown") << "ZZZ";
        QTest::newRow("digits") << "840";
        QTest::newRow("space") << "US ";
    }
    void unknownCodesAreRejected()
    {
        QFETCH(QString, code);
        QVERIFY(!Currency::fromCode(code).has_value());
    }

    void defaultCurrencyIsInvalid()
    {
        Currency c;
        QVERIFY(!c.isValid());
        QVERIFY(c != *Currency::fromCode(u"USD"));
    }
};

QTEST_GUILESS_MAIN(tst_Currency)
#include "tst_currency.moc"
