#include "services/pricing/pricecalculator.h"
#include "tests/services/pricing/pricetestsupport.h"

#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_PriceCalculator final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chargesWhatStripeInvoices_data();
    void chargesWhatStripeInvoices();
    void tieredPriceChargesNothingForZeroUnits();
    void graduatedLinesNameTheirTiers();
    void rejectsBadTierTables_data();
    void rejectsBadTierTables();
    void tierRowsFindGapsAndOverlaps_data();
    void tierRowsFindGapsAndOverlaps();
    void rejectsBadInput_data();
    void rejectsBadInput();
    void chargesInACurrencyOption();
    void minorDecimalToMajor_data();
    void minorDecimalToMajor();
    void overflowIsAnErrorNotAWrap();
};

void tst_PriceCalculator::chargesWhatStripeInvoices_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("unit");
    QTest::addColumn<QString>("tiers");
    QTest::addColumn<qint64>("quantity");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<QString>("lines");
    for (const ChargeCase &c : chargeCases())
        QTest::newRow(c.name) << QString::fromLatin1(c.currency) << QString::fromLatin1(c.scheme)
                              << QString::fromLatin1(c.unit) << QString::fromLatin1(c.tiers) << c.quantity << c.total
                              << QString::fromLatin1(c.lines);
}

void tst_PriceCalculator::chargesWhatStripeInvoices()
{
    QFETCH(QString, currency);
    QFETCH(QString, scheme);
    QFETCH(QString, unit);
    QFETCH(QString, tiers);
    QFETCH(qint64, quantity);
    QFETCH(qint64, total);
    QFETCH(QString, lines);

    const Price price = priceFromText(currency, scheme, unit, tiers);
    const auto charge = PriceCalculator::charge(price, quantity);
    QVERIFY2(charge.ok(), qPrintable(charge.ok() ? QString() : charge.error().userMessage));
    QCOMPARE(charge->total.minor(), total);
    QCOMPARE(charge->total.currency().stripeCode(), currency);
    QStringList amounts;
    qint64 sum = 0;
    for (const PriceChargeLine &l : charge->lines) {
        amounts << QString::number(l.amountMinor);
        sum += l.amountMinor;
        QVERIFY(!l.description.isEmpty());
    }
    QCOMPARE(amounts.join(QLatin1Char(',')), lines);
    QCOMPARE(sum, total);
}

void tst_PriceCalculator::tieredPriceChargesNothingForZeroUnits()
{
    for (const char *mode : {"graduated", "volume"}) {
        const Price p = priceFromText(QStringLiteral("usd"), QString::fromLatin1(mode), {},
                                      QStringLiteral("10:100:5000;inf:50"));
        const auto c = PriceCalculator::charge(p, 0);
        QVERIFY(c.ok());
        QCOMPARE(c->total.minor(), 0);
        QVERIFY(c->lines.isEmpty());
    }
}

void tst_PriceCalculator::graduatedLinesNameTheirTiers()
{
    const Price p = priceFromText(QStringLiteral("usd"), QStringLiteral("graduated"), {},
                                  QStringLiteral("1000:0.15;inf:0.1"));
    const auto c = PriceCalculator::charge(p, 1500);
    QVERIFY(c.ok());
    QCOMPARE(c->lines.size(), 2);
    QCOMPARE(c->lines[0].tierIndex, 0);
    QCOMPARE(c->lines[0].quantity, 1000);
    QCOMPARE(c->lines[0].unitAmountDecimal, QStringLiteral("0.15"));
    QCOMPARE(c->lines[0].amountMinor, 150);
    QVERIFY2(c->lines[0].description.contains(QStringLiteral("1-1000")), qPrintable(c->lines[0].description));
    QVERIFY2(c->lines[0].description.contains(QStringLiteral("0.0015 USD")), qPrintable(c->lines[0].description));
    QCOMPARE(c->lines[1].tierIndex, 1);
    QCOMPARE(c->lines[1].quantity, 500);
    QCOMPARE(c->lines[1].amountMinor, 50);
    QVERIFY2(c->lines[1].description.contains(QStringLiteral("1001 and above")), qPrintable(c->lines[1].description));
}

void tst_PriceCalculator::rejectsBadTierTables_data()
{
    QTest::addColumn<QString>("tiers");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("empty") << "" << "at least one tier";
    QTest::newRow("no final inf tier") << "5:100;10:50" << "open-ended";
    QTest::newRow("overlap: two tiers end at the same unit") << "5:100;5:90;inf:50" << "overlap";
    QTest::newRow("unsorted") << "10:100;5:90;inf:50" << "not sorted";
    QTest::newRow("inf in the middle") << "5:100;inf:90;10:50" << "not the last tier";
    QTest::newRow("tier ending at zero") << "0:100;inf:50" << "unit 1 or later";
    QTest::newRow("tier without any amount") << "5:;inf:50" << "neither a unit amount nor a flat amount";
    QTest::newRow("decimal with 13 places") << "5:0.0000000000001;inf:50" << "at most 12 decimals";
    QTest::newRow("negative decimal") << "5:-1.5;inf:50" << "at most 12 decimals";
}

void tst_PriceCalculator::rejectsBadTierTables()
{
    QFETCH(QString, tiers);
    QFETCH(QString, messagePart);
    const Status s = PriceCalculator::validateTiers(tiersFromText(tiers));
    QVERIFY(!s.ok());
    QCOMPARE(s.error().kind, Error::Kind::Validation);
    QVERIFY2(s.error().userMessage.contains(messagePart), qPrintable(s.error().userMessage));

    // The calculator refuses the same table instead of charging something.
    const Price p = priceFromText(QStringLiteral("usd"), QStringLiteral("graduated"), {}, tiers);
    const auto c = PriceCalculator::charge(p, 7);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().kind, Error::Kind::Validation);
}

void tst_PriceCalculator::tierRowsFindGapsAndOverlaps_data()
{
    QTest::addColumn<QString>("rows"); // first-last;first-last;first- (open)
    QTest::addColumn<QString>("messagePart"); // empty = valid
    QTest::addColumn<QString>("upTos");
    QTest::newRow("valid three rows") << "1-10;11-100;101-" << "" << "10,100,inf";
    QTest::newRow("valid single open row") << "1-" << "" << "inf";
    QTest::newRow("gap between rows") << "1-10;12-100;101-" << "Units 11-11 are in no tier" << "";
    QTest::newRow("wide gap") << "1-10;50-" << "Units 11-49 are in no tier" << "";
    QTest::newRow("overlap between rows") << "1-10;10-100;101-" << "overlap" << "";
    QTest::newRow("first row not at 1") << "2-10;11-" << "must start at unit 1" << "";
    QTest::newRow("last row closed") << "1-10;11-20" << "must be open-ended" << "";
    QTest::newRow("open row in the middle") << "1-;11-20" << "not the last tier" << "";
    QTest::newRow("row ends before it starts") << "1-10;11-5;6-" << "before it starts" << "";
}

void tst_PriceCalculator::tierRowsFindGapsAndOverlaps()
{
    QFETCH(QString, rows);
    QFETCH(QString, messagePart);
    QFETCH(QString, upTos);
    QList<PriceCalculator::TierRow> input;
    for (const QString &r : rows.split(QLatin1Char(';'))) {
        PriceCalculator::TierRow row;
        row.firstUnit = r.section(QLatin1Char('-'), 0, 0).toLongLong();
        const QString last = r.section(QLatin1Char('-'), 1, 1);
        if (!last.isEmpty())
            row.lastUnit = last.toLongLong();
        row.amounts.unitAmount = 100;
        input << row;
    }
    const auto tiers = PriceCalculator::tiersFromRows(input);
    if (messagePart.isEmpty()) {
        QVERIFY2(tiers.ok(), qPrintable(tiers.ok() ? QString() : tiers.error().userMessage));
        QStringList got;
        for (const PriceTier &t : *tiers)
            got << (t.upTo ? QString::number(*t.upTo) : QStringLiteral("inf"));
        QCOMPARE(got.join(QLatin1Char(',')), upTos);
    } else {
        QVERIFY(!tiers.ok());
        QCOMPARE(tiers.error().kind, Error::Kind::Validation);
        QVERIFY2(tiers.error().userMessage.contains(messagePart), qPrintable(tiers.error().userMessage));
    }
}

void tst_PriceCalculator::rejectsBadInput_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("unit");
    QTest::addColumn<qint64>("quantity");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("negative quantity") << "usd" << "per_unit" << "100" << qint64(-1) << "cannot be negative";
    QTest::newRow("unit decimal with 13 places") << "usd" << "per_unit" << "0.0000000000001" << qint64(1)
                                                 << "at most 12";
    QTest::newRow("unit decimal garbage") << "usd" << "per_unit" << "1.2.3" << qint64(1) << "at most 12";
    QTest::newRow("unknown currency") << "xxx" << "per_unit" << "100" << qint64(1) << "not supported";
    QTest::newRow("package rounding neither up nor down") << "usd" << "package:10:sideways" << "100" << qint64(1)
                                                          << "neither up nor down";
}

void tst_PriceCalculator::rejectsBadInput()
{
    QFETCH(QString, currency);
    QFETCH(QString, scheme);
    QFETCH(QString, unit);
    QFETCH(qint64, quantity);
    QFETCH(QString, messagePart);
    const auto c = PriceCalculator::charge(priceFromText(currency, scheme, unit, {}), quantity);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().kind, Error::Kind::Validation);
    QVERIFY2(c.error().userMessage.contains(messagePart), qPrintable(c.error().userMessage));
}

void tst_PriceCalculator::chargesInACurrencyOption()
{
    Price p = priceFromText(QStringLiteral("usd"), QStringLiteral("graduated"), {}, QStringLiteral("5:1000;inf:600"));
    PriceCurrencyOption jpy;
    jpy.tiers = tiersFromText(QStringLiteral("5:1500;inf:900"));
    p.currencyOptions.insert(QStringLiteral("jpy"), jpy);
    PriceCurrencyOption kwd;
    kwd.tiers = tiersFromText(QStringLiteral("5:3000;inf:1850"));
    p.currencyOptions.insert(QStringLiteral("kwd"), kwd);

    QCOMPARE(PriceCalculator::currencies(p), (QStringList{QStringLiteral("usd"), QStringLiteral("jpy"), QStringLiteral("kwd")}));

    const auto inJpy = PriceCalculator::inCurrency(p, QStringLiteral("JPY"));
    QVERIFY(inJpy.ok());
    const auto c = PriceCalculator::charge(*inJpy, 7);
    QVERIFY(c.ok());
    QCOMPARE(c->total, Money(5 * 1500 + 2 * 900, *Currency::fromCode(u"JPY")));

    const auto inKwd = PriceCalculator::inCurrency(p, QStringLiteral("kwd"));
    QVERIFY(inKwd.ok());
    QCOMPARE(PriceCalculator::charge(*inKwd, 6)->total.minor(), 5 * 3000 + 1850);

    const auto own = PriceCalculator::inCurrency(p, QStringLiteral("usd"));
    QVERIFY(own.ok());
    QCOMPARE(PriceCalculator::charge(*own, 6)->total.minor(), 5600);

    const auto missing = PriceCalculator::inCurrency(p, QStringLiteral("eur"));
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().kind, Error::Kind::NotFound);
    QVERIFY(missing.error().userMessage.contains(QStringLiteral("EUR")));
}

void tst_PriceCalculator::minorDecimalToMajor_data()
{
    QTest::addColumn<QString>("minor");
    QTest::addColumn<int>("exponent");
    QTest::addColumn<QString>("major");
    QTest::newRow("usd cents") << "1250" << 2 << "12.50";
    QTest::newRow("usd sub-cent") << "0.15" << 2 << "0.0015";
    QTest::newRow("usd one cent") << "1" << 2 << "0.01";
    QTest::newRow("jpy whole") << "150" << 0 << "150";
    QTest::newRow("jpy fraction") << "0.5" << 0 << "0.5";
    QTest::newRow("kwd fils") << "1250" << 3 << "1.250";
    QTest::newRow("kwd sub-fils") << "333.3" << 3 << "0.3333";
}

void tst_PriceCalculator::minorDecimalToMajor()
{
    QFETCH(QString, minor);
    QFETCH(int, exponent);
    QFETCH(QString, major);
    QCOMPARE(PriceCalculator::minorDecimalToMajor(minor, exponent), major);
}

void tst_PriceCalculator::overflowIsAnErrorNotAWrap()
{
    const Price p = priceFromText(QStringLiteral("usd"), QStringLiteral("per_unit"), QStringLiteral("999999999999"), {});
    const auto c = PriceCalculator::charge(p, std::numeric_limits<qint64>::max() / 2);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().kind, Error::Kind::Validation);
}

QTEST_GUILESS_MAIN(tst_PriceCalculator)
#include "tst_pricecalculator.moc"
