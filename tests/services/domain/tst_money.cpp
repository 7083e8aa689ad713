#include <limits>

#include <QTest>

#include "services/domain/money.h"

using namespace Billing;

namespace {

constexpr qint64 kMax = std::numeric_limits<qint64>::max();
constexpr qint64 kMin = std::numeric_limits<qint64>::min();

Currency cur(const char *code)
{
    return *Currency::fromCode(QString::fromLatin1(code));
}

} // namespace

Q_DECLARE_METATYPE(Billing::Rounding)

class tst_Money : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decimalStringIsExact_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("expected");
        QTest::newRow("usd") << "USD" << qint64(123450) << "1234.50";
        QTest::newRow("usd cents") << "USD" << qint64(-5) << "-0.05";
        QTest::newRow("usd zero") << "USD" << qint64(0) << "0.00";
        QTest::newRow("jpy") << "JPY" << qint64(1500) << "1500";
        QTest::newRow("jpy negative") << "JPY" << qint64(-1) << "-1";
        QTest::newRow("kwd") << "KWD" << qint64(1250) << "1.250";
        QTest::newRow("bhd fils") << "BHD" << qint64(5) << "0.005";
        QTest::newRow("isk") << "ISK" << qint64(500) << "5.00";
        QTest::newRow("int64 max") << "USD" << kMax << "92233720368547758.07";
        QTest::newRow("int64 min") << "USD" << kMin << "-92233720368547758.08";
        QTest::newRow("int64 min jpy") << "JPY" << kMin << "-9223372036854775808";
    }
    void decimalStringIsExact()
    {
        QFETCH(QString, code);
        QFETCH(qint64, minor);
        QFETCH(QString, expected);
        QCOMPARE(Money(minor, *Currency::fromCode(code)).toDecimalString(), expected);
    }

    void parseAccepts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("locale");
        QTest::addColumn<bool>("allowNegative");
        QTest::addColumn<qint64>("minor");
        QTest::newRow("whole") << "12"
                               << "USD"
                               << "C" << false << qint64(1200);
        QTest::newRow("one decimal") << "12.3"
                                     << "USD"
                                     << "C" << false << qint64(1230);
        QTest::newRow("two decimals") << "12.34"
                                      << "USD"
                                      << "C" << false << qint64(1234);
        QTest::newRow("outer spaces") << "  12.34 "
                                      << "USD"
                                      << "C" << false << qint64(1234);
        QTest::newRow("cents") << "0.05"
                               << "USD"
                               << "C" << false << qint64(5);
        QTest::newRow("leading zeros") << "007.50"
                                       << "USD"
                                       << "C" << false << qint64(750);
        QTest::newRow("zero") << "0"
                              << "USD"
                              << "C" << false << qint64(0);
        QTest::newRow("plus sign") << "+5"
                                   << "USD"
                                   << "C" << false << qint64(500);
        QTest::newRow("negative allowed") << "-5.00"
                                          << "USD"
                                          << "C" << true << qint64(-500);
        QTest::newRow("minus zero") << "-0"
                                    << "USD"
                                    << "C" << false << qint64(0);
        QTest::newRow("en_US grouping") << "1,234.56"
                                        << "USD"
                                        << "en_US" << false << qint64(123456);
        QTest::newRow("en_US two groups") << "1,234,567.8"
                                          << "USD"
                                          << "en_US" << false << qint64(123456780);
        QTest::newRow("en_US ungrouped") << "1234.56"
                                         << "USD"
                                         << "en_US" << false << qint64(123456);
        QTest::newRow("de_DE grouping") << "1.234,56"
                                        << "EUR"
                                        << "de_DE" << false << qint64(123456);
        QTest::newRow("de_DE comma") << "1234,56"
                                     << "EUR"
                                     << "de_DE" << false << qint64(123456);
        QTest::newRow("de_DE C form") << "1234.5"
                                      << "EUR"
                                      << "de_DE" << false << qint64(123450);
        QTest::newRow("de_DE group beats C") << "1.234"
                                             << "EUR"
                                             << "de_DE" << false << qint64(123400);
        QTest::newRow("fr_FR typed space") << "1 234,56"
                                           << "EUR"
                                           << "fr_FR" << false << qint64(123456);
        QTest::newRow("fr_FR narrow nbsp") << QStringLiteral("1\u202f234,56") << "EUR"
                                           << "fr_FR" << false << qint64(123456);
        QTest::newRow("fr_FR nbsp") << QStringLiteral("1\u00a0234,56") << "EUR"
                                    << "fr_FR" << false << qint64(123456);
        QTest::newRow("jpy") << "1500"
                             << "JPY"
                             << "C" << false << qint64(1500);
        QTest::newRow("ja_JP grouped yen") << "1,500"
                                           << "JPY"
                                           << "ja_JP" << false << qint64(1500);
        QTest::newRow("krw") << "50000"
                             << "KRW"
                             << "C" << false << qint64(50000);
        QTest::newRow("kwd ends in 0") << "1.250"
                                       << "KWD"
                                       << "C" << false << qint64(1250);
        QTest::newRow("kwd two decimals") << "1.25"
                                          << "KWD"
                                          << "C" << false << qint64(1250);
        QTest::newRow("isk whole") << "5"
                                   << "ISK"
                                   << "C" << false << qint64(500);
        QTest::newRow("int64 max") << "92233720368547758.07"
                                   << "USD"
                                   << "C" << false << kMax;
        QTest::newRow("int64 min") << "-92233720368547758.08"
                                   << "USD"
                                   << "C" << true << kMin;
    }
    void parseAccepts()
    {
        QFETCH(QString, text);
        QFETCH(QString, code);
        QFETCH(QString, locale);
        QFETCH(bool, allowNegative);
        QFETCH(qint64, minor);
        Money::ParseOptions options;
        options.allowNegative = allowNegative;
        const auto currency = *Currency::fromCode(code);
        const auto r = Money::parse(text, currency, QLocale(locale), options);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().userMessage));
        QCOMPARE(r->minor(), minor);
        QCOMPARE(r->currency(), currency);
    }

    void parseRejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("locale");
        QTest::addColumn<bool>("allowNegative");
        QTest::newRow("too many decimals usd") << "1.234"
                                               << "USD"
                                               << "C" << true;
        QTest::newRow("too many decimals en_US") << "1.234"
                                                 << "USD"
                                                 << "en_US" << true;
        QTest::newRow("decimals for jpy") << "1.5"
                                          << "JPY"
                                          << "C" << true;
        QTest::newRow("zero decimals for jpy") << "1.0"
                                               << "JPY"
                                               << "C" << true;
        QTest::newRow("negative not allowed") << "-5"
                                              << "USD"
                                              << "C" << false;
        QTest::newRow("garbage") << "abc"
                                 << "USD"
                                 << "C" << true;
        QTest::newRow("exponent") << "1e3"
                                  << "USD"
                                  << "C" << true;
        QTest::newRow("space inside digits C") << "1 000"
                                               << "USD"
                                               << "C" << true;
        QTest::newRow("space inside digits en_US") << "12 34"
                                                   << "USD"
                                                   << "en_US" << true;
        QTest::newRow("empty") << ""
                               << "USD"
                               << "C" << true;
        QTest::newRow("blank") << "   "
                               << "USD"
                               << "C" << true;
        QTest::newRow("sign only") << "-"
                                   << "USD"
                                   << "C" << true;
        QTest::newRow("double sign") << "--5"
                                     << "USD"
                                     << "C" << true;
        QTest::newRow("overflow usd") << "92233720368547758.08"
                                      << "USD"
                                      << "C" << true;
        QTest::newRow("overflow jpy") << "99999999999999999999"
                                      << "JPY"
                                      << "C" << true;
        QTest::newRow("two decimal points") << "1.2.3"
                                            << "USD"
                                            << "C" << true;
        QTest::newRow("bad grouping short") << "1,23"
                                            << "USD"
                                            << "en_US" << true;
        QTest::newRow("bad grouping long") << "1,2345.00"
                                           << "USD"
                                           << "en_US" << true;
        QTest::newRow("grouping in C") << "1,234.00"
                                       << "USD"
                                       << "C" << true;
        QTest::newRow("no integer part") << ".5"
                                         << "USD"
                                         << "C" << true;
        QTest::newRow("no fraction digits") << "5."
                                            << "USD"
                                            << "C" << true;
        QTest::newRow("kwd not ending in 0") << "1.235"
                                             << "KWD"
                                             << "C" << true;
        QTest::newRow("kwd four decimals") << "1.2500"
                                           << "KWD"
                                           << "C" << true;
        QTest::newRow("isk fraction") << "5.50"
                                      << "ISK"
                                      << "C" << true;
        QTest::newRow("symbol") << "$5"
                                << "USD"
                                << "C" << true;
        QTest::newRow("trailing code") << "5 USD"
                                       << "USD"
                                       << "C" << true;
        QTest::newRow("hex") << "0x10"
                             << "USD"
                             << "C" << true;
        QTest::newRow("arabic digits in C") << QStringLiteral("\u0661\u0662") << "USD"
                                            << "C" << true;
        QTest::newRow("de_DE three decimals") << "1,234"
                                              << "EUR"
                                              << "de_DE" << true;
        QTest::newRow("sign after digits") << "5-"
                                           << "USD"
                                           << "C" << true;
    }
    void parseRejects()
    {
        QFETCH(QString, text);
        QFETCH(QString, code);
        QFETCH(QString, locale);
        QFETCH(bool, allowNegative);
        Money::ParseOptions options;
        options.allowNegative = allowNegative;
        const auto r = Money::parse(text, *Currency::fromCode(code), QLocale(locale), options);
        QVERIFY2(!r.ok(), qPrintable(r.ok() ? r->toDecimalString() : QString()));
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY(!r.error().userMessage.isEmpty());
    }

    void parseSaysWhy()
    {
        const auto decimals = Money::parse(u"1.234", cur("USD"));
        QVERIFY(!decimals.ok());
        QVERIFY2(decimals.error().userMessage.contains(QLatin1String("USD")) &&
                     decimals.error().userMessage.contains(QLatin1String("2")),
                 qPrintable(decimals.error().userMessage));
        const auto yen = Money::parse(u"1.5", cur("JPY"));
        QVERIFY(!yen.ok());
        QVERIFY(yen.error().userMessage.contains(QLatin1String("no decimal")));
        Money::ParseOptions noZero;
        noZero.allowZero = false;
        QVERIFY(!Money::parse(u"0.00", cur("USD"), QLocale::c(), noZero).ok());
        QVERIFY(Money::parse(u"0.01", cur("USD"), QLocale::c(), noZero).ok());
        Money::ParseOptions loose;
        loose.enforceStripeStep = false;
        QCOMPARE(Money::parse(u"1.235", cur("KWD"), QLocale::c(), loose)->minor(), qint64(1235));
        QVERIFY(!Money::parse(u"5", Currency(), QLocale::c(), loose).ok());
    }

    void arithmetic_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<qint64>("a");
        QTest::addColumn<qint64>("b");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("plus") << "plus" << qint64(1050) << qint64(250) << true << qint64(1300);
        QTest::newRow("plus negative")
            << "plus" << qint64(100) << qint64(-250) << true << qint64(-150);
        QTest::newRow("plus to max") << "plus" << kMax - 1 << qint64(1) << true << kMax;
        QTest::newRow("plus overflow") << "plus" << kMax << qint64(1) << false << qint64(0);
        QTest::newRow("plus underflow") << "plus" << kMin << qint64(-1) << false << qint64(0);
        QTest::newRow("minus") << "minus" << qint64(1000) << qint64(1) << true << qint64(999);
        QTest::newRow("minus to min") << "minus" << kMin + 1 << qint64(1) << true << kMin;
        QTest::newRow("minus overflow") << "minus" << kMin << qint64(1) << false << qint64(0);
        QTest::newRow("minus max from -2") << "minus" << qint64(-2) << kMax << false << qint64(0);
        QTest::newRow("times") << "times" << qint64(1999) << qint64(3) << true << qint64(5997);
        QTest::newRow("times negative")
            << "times" << qint64(1999) << qint64(-2) << true << qint64(-3998);
        QTest::newRow("times overflow")
            << "times" << kMax / 2 + 1 << qint64(2) << false << qint64(0);
        QTest::newRow("times min by -1") << "times" << kMin << qint64(-1) << false << qint64(0);
        QTest::newRow("negated") << "negated" << qint64(500) << qint64(0) << true << qint64(-500);
        QTest::newRow("negated max") << "negated" << kMax << qint64(0) << true << kMin + 1;
        QTest::newRow("negated min") << "negated" << kMin << qint64(0) << false << qint64(0);
    }
    void arithmetic()
    {
        QFETCH(QString, op);
        QFETCH(qint64, a);
        QFETCH(qint64, b);
        QFETCH(bool, ok);
        QFETCH(qint64, expected);
        const Money ma(a, cur("USD"));
        const Money mb(b, cur("USD"));
        const Result<Money> r = op == QLatin1String("plus")    ? ma.plus(mb)
                                : op == QLatin1String("minus") ? ma.minus(mb)
                                : op == QLatin1String("times") ? ma.times(b)
                                                               : ma.negated();
        QCOMPARE(r.ok(), ok);
        if (ok) {
            QCOMPARE(r->minor(), expected);
            QCOMPARE(r->currency(), cur("USD"));
        } else {
            QCOMPARE(r.error().kind, Error::Kind::Validation);
        }
    }

    void mixingCurrenciesIsAValidationError()
    {
        const Money usd(100, cur("USD"));
        const Money eur(100, cur("EUR"));
        for (const auto &r : {usd.plus(eur), usd.minus(eur), usd.plus(Money())}) {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().kind, Error::Kind::Validation);
            QVERIFY(!r.error().userMessage.isEmpty());
        }
        QVERIFY(usd != eur);
        QVERIFY(usd == Money(100, cur("usd")));
    }

    void scaledRounding_data()
    {
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<qint64>("num");
        QTest::addColumn<qint64>("den");
        QTest::addColumn<Billing::Rounding>("mode");
        QTest::addColumn<qint64>("expected");
        // Expected per mode: HalfUp, HalfEven, Down, Up, Floor, Ceiling.
        auto rows = [](const char *name, qint64 minor, qint64 num, qint64 den,
                       std::array<qint64, 6> e) {
            const std::array<std::pair<const char *, Rounding>, 6> modes = {
                {{"HalfUp", Rounding::HalfUp},
                 {"HalfEven", Rounding::HalfEven},
                 {"Down", Rounding::Down},
                 {"Up", Rounding::Up},
                 {"Floor", Rounding::Floor},
                 {"Ceiling", Rounding::Ceiling}}};
            for (size_t i = 0; i < modes.size(); ++i)
                QTest::addRow("%s %s", name, modes[i].first)
                    << minor << num << den << modes[i].second << e[i];
        };
        rows("2.5", 5, 1, 2, {3, 2, 2, 3, 2, 3});
        rows("-2.5", -5, 1, 2, {-3, -2, -2, -3, -3, -2});
        rows("3.5", 7, 1, 2, {4, 4, 3, 4, 3, 4});
        rows("-3.5", -7, 1, 2, {-4, -4, -3, -4, -4, -3});
        rows("3.33", 10, 1, 3, {3, 3, 3, 4, 3, 4});
        rows("-3.33", -10, 1, 3, {-3, -3, -3, -4, -4, -3});
        rows("6.67", 20, 1, 3, {7, 7, 6, 7, 6, 7});
        rows("-6.67", -20, 1, 3, {-7, -7, -6, -7, -7, -6});
        rows("negative denominator -2.5", 5, 1, -2, {-3, -2, -2, -3, -3, -2});
        rows("both negative 2.5", -5, -1, 2, {3, 2, 2, 3, 2, 3});
        rows("exact", 6, 1, 3, {2, 2, 2, 2, 2, 2});
        rows("zero", 0, 7, 3, {0, 0, 0, 0, 0, 0});
        rows("proration 17/30 of 20.00", 2000, 17, 30, {1133, 1133, 1133, 1134, 1133, 1134});
        rows("999.5 odd", 1999, 1, 2, {1000, 1000, 999, 1000, 999, 1000});
        rows("998.5 even", 1997, 1, 2, {999, 998, 998, 999, 998, 999});
        rows("tax 19% of 9.99", 999, 19, 100, {190, 190, 189, 190, 189, 190});
        rows("max times 3 over 3 exact", kMax, 3, 3, {kMax, kMax, kMax, kMax, kMax, kMax});
        rows("min times max over max", kMin, kMax, kMax, {kMin, kMin, kMin, kMin, kMin, kMin});
        rows("max over 2", kMax, 1, 2,
             {kMax / 2 + 1, kMax / 2 + 1, kMax / 2, kMax / 2 + 1, kMax / 2, kMax / 2 + 1});
    }
    void scaledRounding()
    {
        QFETCH(qint64, minor);
        QFETCH(qint64, num);
        QFETCH(qint64, den);
        QFETCH(Billing::Rounding, mode);
        QFETCH(qint64, expected);
        const auto r = Money(minor, cur("USD")).scaled(num, den, mode);
        QVERIFY(r.ok());
        QCOMPARE(r->minor(), expected);
    }

    void scaledRefusesOverflowAndZeroDenominator()
    {
        const Money max(kMax, cur("USD"));
        QVERIFY(!max.scaled(2, 1, Rounding::HalfUp).ok());
        QVERIFY(!Money(kMin, cur("USD")).scaled(-1, 1, Rounding::Down).ok());
        QVERIFY(!Money(kMin, cur("USD")).scaled(1, -1, Rounding::Down).ok());
        const auto zero = max.scaled(1, 0, Rounding::HalfUp);
        QVERIFY(!zero.ok());
        QCOMPARE(zero.error().kind, Error::Kind::Validation);
        // Rounding up the last step past INT64_MAX is an overflow too.
        QVERIFY(!Money(kMax, cur("USD")).scaled(kMax, kMax - 1, Rounding::Up).ok());
    }

    void roundTripThroughDecimalString_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<qint64>("minor");
        const char *codes[] = {"USD", "JPY", "KWD", "EUR", "ISK", "BHD", "KRW"};
        const qint64 values[] = {0,   1,         -1,         9,    10,   99,       100,
                                 101, 123456789, -987654321, kMax, kMin, kMax - 7, kMin + 3};
        for (const char *code : codes)
            for (qint64 v : values)
                QTest::addRow("%s %lld", code, static_cast<long long>(v))
                    << QString::fromLatin1(code) << v;
    }
    void roundTripThroughDecimalString()
    {
        QFETCH(QString, code);
        QFETCH(qint64, minor);
        const Money m(minor, *Currency::fromCode(code));
        Money::ParseOptions options;
        options.allowNegative = true;
        options.enforceStripeStep = false;
        const auto back = Money::parse(m.toDecimalString(), m.currency(), QLocale::c(), options);
        QVERIFY2(back.ok(), qPrintable(m.toDecimalString()));
        QCOMPARE(*back, m);
        // The same amount typed in a locale's own form parses back too.
        for (const char *name : {"en_US", "de_DE", "fr_FR", "ja_JP"}) {
            const QLocale locale(QString::fromLatin1(name));
            const QString shown = m.toLocaleString(locale);
            QVERIFY(!shown.isEmpty());
        }
    }

    // Expected strings are CLDR's currency formats as Qt renders them (Qt writes negative
    // en_US/ja_JP amounts in accounting form with parentheses). A currency that is not the locale's own
    // gets its unambiguous international symbol (US$ in Germany) or its ISO code, kept apart from the
    // digits by a no-break space as CLDR's currency spacing asks.
    void localeString_data()
    {
        QTest::addColumn<QString>("locale");
        QTest::addColumn<QString>("code");
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("expected");
        QTest::newRow("en_US usd") << "en_US"
                                   << "USD" << qint64(123456) << QStringLiteral("$1,234.56");
        QTest::newRow("en_US usd cents") << "en_US"
                                         << "USD" << qint64(5) << QStringLiteral("$0.05");
        QTest::newRow("en_US usd negative")
            << "en_US"
            << "USD" << qint64(-123456) << QStringLiteral("($1,234.56)");
        QTest::newRow("en_US eur") << "en_US"
                                   << "EUR" << qint64(100) << QStringLiteral("\u20ac1.00");
        QTest::newRow("en_US kwd")
            << "en_US"
            << "KWD" << qint64(1234500) << QStringLiteral("KWD\u00a01,234.500");
        QTest::newRow("en_US beyond double precision")
            << "en_US"
            << "USD" << qint64(9007199254740993) << QStringLiteral("$90,071,992,547,409.93");
        QTest::newRow("en_US int64 max")
            << "en_US"
            << "USD" << kMax << QStringLiteral("$92,233,720,368,547,758.07");
        QTest::newRow("de_DE eur")
            << "de_DE"
            << "EUR" << qint64(123456) << QStringLiteral("1.234,56\u00a0\u20ac");
        QTest::newRow("de_DE eur negative")
            << "de_DE"
            << "EUR" << qint64(-123456) << QStringLiteral("-1.234,56\u00a0\u20ac");
        QTest::newRow("de_DE usd") << "de_DE"
                                   << "USD" << qint64(1999) << QStringLiteral("19,99\u00a0US$");
        QTest::newRow("ja_JP jpy") << "ja_JP"
                                   << "JPY" << qint64(1234) << QStringLiteral("\uffe51,234");
        QTest::newRow("ja_JP jpy million")
            << "ja_JP"
            << "JPY" << qint64(1000000) << QStringLiteral("\uffe51,000,000");
        QTest::newRow("fr_FR eur")
            << "fr_FR"
            << "EUR" << qint64(123456) << QStringLiteral("1\u202f234,56\u00a0\u20ac");
        QTest::newRow("fr_FR eur small")
            << "fr_FR"
            << "EUR" << qint64(7) << QStringLiteral("0,07\u00a0\u20ac");
    }
    void localeString()
    {
        QFETCH(QString, locale);
        QFETCH(QString, code);
        QFETCH(qint64, minor);
        QFETCH(QString, expected);
        QCOMPARE(Money(minor, *Currency::fromCode(code)).toLocaleString(QLocale(locale)), expected);
    }

    void invalidMoneyStillFormats()
    {
        const Money none;
        QVERIFY(!none.isValid());
        QCOMPARE(none.toDecimalString(), QStringLiteral("0.00"));
        QVERIFY(!none.toLocaleString(QLocale(QStringLiteral("en_US"))).isEmpty());
    }

    // Cross-check against QLocale's own currency formatting where a double is still exact.
    void localeStringAgreesWithQLocale_data()
    {
        QTest::addColumn<QString>("locale");
        QTest::addColumn<qint64>("minor");
        for (const char *name : {"en_US", "de_DE", "fr_FR", "en_GB", "de_CH"})
            for (qint64 v : {qint64(0), qint64(1), qint64(99), qint64(100), qint64(123456),
                             qint64(-250), qint64(100000000)})
                QTest::addRow("%s %lld", name, static_cast<long long>(v))
                    << QString::fromLatin1(name) << v;
    }
    void localeStringAgreesWithQLocale()
    {
        QFETCH(QString, locale);
        QFETCH(qint64, minor);
        const QLocale l(locale);
        const auto currency = Currency::fromCode(l.currencySymbol(QLocale::CurrencyIsoCode));
        QVERIFY(currency && currency->exponent() == 2);
        const QString qtForm = l.toCurrencyString(double(minor) / 100.0, l.currencySymbol(), 2);
        QCOMPARE(Money(minor, *currency).toLocaleString(l), qtForm);
    }

    // The multi-currency table (issue 8): for each currency, Stripe's exponent and zero-decimal
    // rule (https://docs.stripe.com/currencies: zero-decimal list; three-decimal BHD/KWD amounts
    // must end in 0; ISK is sent with two decimals that must be 00; HUF and TWD are two-decimal
    // for charges; UGX is zero-decimal), a typed amount parsed to minor units, the exact machine
    // form, and the first amount with one decimal too many (refused with a reason).
    void stripeCurrencyTable_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("exponent");
        QTest::addColumn<QString>("typed");
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("machine");
        QTest::addColumn<QString>("tooPrecise");
        QTest::newRow("USD") << "USD" << 2 << "1234.5" << qint64(123450) << "1234.50" << "1234.505";
        QTest::newRow("EUR") << "EUR" << 2 << "0.99" << qint64(99) << "0.99" << "0.999";
        QTest::newRow("GBP") << "GBP" << 2 << "19" << qint64(1900) << "19.00" << "19.001";
        QTest::newRow("JPY zero-decimal") << "JPY" << 0 << "1500" << qint64(1500) << "1500" << "1500.5";
        QTest::newRow("KRW zero-decimal") << "KRW" << 0 << "50000" << qint64(50000) << "50000" << "50000.1";
        QTest::newRow("KWD three-decimal") << "KWD" << 3 << "1.25" << qint64(1250) << "1.250" << "1.2505";
        QTest::newRow("BHD three-decimal") << "BHD" << 3 << "0.5" << qint64(500) << "0.500" << "0.5001";
        QTest::newRow("INR") << "INR" << 2 << "123456.78" << qint64(12345678) << "123456.78" << "1.234";
        QTest::newRow("BRL") << "BRL" << 2 << "49.9" << qint64(4990) << "49.90" << "49.901";
        QTest::newRow("CHF") << "CHF" << 2 << "1000.05" << qint64(100005) << "1000.05" << "1000.055";
        QTest::newRow("HUF two-decimal for charges") << "HUF" << 2 << "5.50" << qint64(550) << "5.50" << "5.505";
        QTest::newRow("TWD two-decimal for charges") << "TWD" << 2 << "30.25" << qint64(3025) << "30.25" << "30.251";
        QTest::newRow("UGX zero-decimal") << "UGX" << 0 << "3700" << qint64(3700) << "3700" << "3700.5";
        QTest::newRow("ISK whole units sent as two decimals") << "ISK" << 2 << "5" << qint64(500) << "5.00" << "5.5";
    }
    void stripeCurrencyTable()
    {
        QFETCH(QString, code);
        QFETCH(int, exponent);
        QFETCH(QString, typed);
        QFETCH(qint64, minor);
        QFETCH(QString, machine);
        QFETCH(QString, tooPrecise);
        const auto currency = Currency::fromCode(code);
        QVERIFY(currency.has_value());
        QCOMPARE(currency->exponent(), exponent);
        QCOMPARE(currency->isZeroDecimal(), exponent == 0);
        const auto parsed = Money::parse(typed, *currency);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().userMessage));
        QCOMPARE(parsed->minor(), minor);
        QCOMPARE(parsed->toDecimalString(), machine);
        // The machine form parses back to the same amount.
        QCOMPARE(Money::parse(machine, *currency)->minor(), minor);
        const auto refused = Money::parse(tooPrecise, *currency);
        QVERIFY2(!refused.ok(), qPrintable(tooPrecise));
        QCOMPARE(refused.error().kind, Error::Kind::Validation);
        QVERIFY(!refused.error().userMessage.isEmpty());
    }

    // Formatting in each currency's home locale (CLDR patterns as Qt ships them).
    void homeLocaleFormatting_data()
    {
        QTest::addColumn<QString>("locale");
        QTest::addColumn<QString>("code");
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("expected");
        QTest::newRow("USD en_US") << "en_US" << "USD" << qint64(123456) << QStringLiteral("$1,234.56");
        QTest::newRow("EUR de_DE") << "de_DE" << "EUR" << qint64(123456) << QStringLiteral("1.234,56\u00a0\u20ac");
        QTest::newRow("GBP en_GB") << "en_GB" << "GBP" << qint64(123456) << QStringLiteral("\u00a31,234.56");
        QTest::newRow("JPY ja_JP") << "ja_JP" << "JPY" << qint64(123456) << QStringLiteral("\uffe5123,456");
        QTest::newRow("KRW ko_KR") << "ko_KR" << "KRW" << qint64(50000) << QStringLiteral("\u20a950,000");
        QTest::newRow("KWD en_US") << "en_US" << "KWD" << qint64(1234500) << QStringLiteral("KWD\u00a01,234.500");
        QTest::newRow("BHD en_US") << "en_US" << "BHD" << qint64(500) << QStringLiteral("BHD\u00a00.500");
        QTest::newRow("BRL pt_BR") << "pt_BR" << "BRL" << qint64(123456) << QStringLiteral("R$\u00a01.234,56");
        // Swiss grouping with the right single quote and a decimal point; Qt 6.4's CLDR data puts
        // the code after the number for de_CH (QLocale::toCurrencyString agrees: see
        // localeStringAgreesWithQLocale).
        QTest::newRow("CHF de_CH") << "de_CH" << "CHF" << qint64(123456) << QStringLiteral("1\u2019234.56\u00a0CHF");
    }
    void homeLocaleFormatting()
    {
        QFETCH(QString, locale);
        QFETCH(QString, code);
        QFETCH(qint64, minor);
        QFETCH(QString, expected);
        QCOMPARE(Money(minor, *Currency::fromCode(code)).toLocaleString(QLocale(locale)), expected);
    }
};

QTEST_GUILESS_MAIN(tst_Money)
#include "tst_money.moc"
