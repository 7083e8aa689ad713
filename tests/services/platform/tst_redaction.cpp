#include <QTest>

#include "services/platform/redaction.h"

using namespace Billing;

class tst_Redaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redact_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("live secret key") << "key=sk_live_" "51HxYzAbCdEfGh1234ab12"
                                         << "key=sk_live_****ab12";
        QTest::newRow("test secret key") << "using sk_test_4eC39HqLyjWDarjtT1zdp7dc now"
                                         << "using sk_test_****p7dc now";
        QTest::newRow("restricted live") << "rk_live_" "abcdefghijklmnop9876"
                                         << "rk_live_****9876";
        QTest::newRow("restricted test") << "(rk_test_ZZZZZZZZZZ0000)"
                                         << "(rk_test_****0000)";
        QTest::newRow("webhook secret") << "whsec_abcdefghij1234567890wxyz"
                                        << "whsec_****wxyz";
        QTest::newRow("underscored test key") << "sk_test_billingconsole_tests"
                                              << "sk_test_****ests";
        QTest::newRow("short secret fully masked") << "sk_test_abc"
                                                   << "sk_test_****";
        QTest::newRow("two keys") << "a sk_test_aaaaaaaaaaaa1111 b sk_live_" "bbbbbbbbbbbb2222"
                                  << "a sk_test_****1111 b sk_live_****2222";
        QTest::newRow("in json") << "{\"api_key\":\"sk_live_" "qwertyuiopasdf5678\"}"
                                 << R"({"api_key":"sk_live_****5678"})";
        QTest::newRow("publishable key untouched") << "pk_test_abcdefghijklmnop"
                                                   << "pk_test_abcdefghijklmnop";
        QTest::newRow("object ids untouched") << "cus_NffrFeUfNV2Hib in_1MtHbELkdIwHu7ixl4OzzPMv"
                                              << "cus_NffrFeUfNV2Hib in_1MtHbELkdIwHu7ixl4OzzPMv";
        QTest::newRow("authorization bearer header")
            << "Authorization: Bearer sk_test_abcdefghijkl9999"
            << "Authorization: Bearer ****";
        QTest::newRow("bearer opaque token") << "authorization: bearer eyJhbGciOi.J9.xyz-_="
                                             << "authorization: bearer ****";
        QTest::newRow("basic auth") << "Authorization: Basic c2tfdGVzdF94eXo6"
                                    << "Authorization: Basic ****";
        QTest::newRow("other auth scheme") << "Authorization: Token abc def\nnext line"
                                           << "Authorization: ****\nnext line";
        QTest::newRow("visa") << "card 4242424242424242 declined"
                              << "card ************4242 declined";
        QTest::newRow("visa spaced") << "4242 4242 4242 4242"
                                     << "**** **** **** 4242";
        QTest::newRow("mastercard dashed") << "5555-5555-5555-4444"
                                           << "****-****-****-4444";
        QTest::newRow("amex 15") << "378282246310005"
                                 << "***********0005";
        QTest::newRow("13 digit visa") << "4222222222222"
                                       << "*********2222";
        QTest::newRow("19 digit unionpay") << "6212345678901234569"
                                           << "***************4569";
        QTest::newRow("19 digits not luhn") << "6011000990139424000"
                                            << "6011000990139424000";
        QTest::newRow("card then digit") << "4242424242424242 7"
                                         << "************4242 7";
        QTest::newRow("not luhn") << "4242424242424241"
                                  << "4242424242424241";
        QTest::newRow("too short") << "424242424242"
                                   << "424242424242";
        QTest::newRow("too long") << "42424242424242424242424"
                                  << "42424242424242424242424";
        QTest::newRow("amounts untouched") << "amount=123456 currency=usd"
                                           << "amount=123456 currency=usd";
        QTest::newRow("plain text") << "nothing secret here"
                                    << "nothing secret here";
        QTest::newRow("empty") << ""
                               << "";
    }
    void redact()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(Redaction::redact(input), expected);
    }

    void luhn_data()
    {
        QTest::addColumn<QString>("digits");
        QTest::addColumn<bool>("valid");
        QTest::newRow("visa") << "4242424242424242" << true;
        QTest::newRow("visa off by one") << "4242424242424243" << false;
        QTest::newRow("amex") << "378282246310005" << true;
        QTest::newRow("discover") << "6011111111111117" << true;
        QTest::newRow("letters") << "42424242a2424242" << false;
        QTest::newRow("empty") << "" << false;
    }
    void luhn()
    {
        QFETCH(QString, digits);
        QFETCH(bool, valid);
        QCOMPARE(Redaction::luhnValid(digits), valid);
    }
};

QTEST_GUILESS_MAIN(tst_Redaction)
#include "tst_redaction.moc"
