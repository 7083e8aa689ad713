#include "services/fx/fxconverter.h"
#include "services/fx/fxraterepository.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QFile>
#include <QSqlQuery>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

namespace {

Actor finance() { return {1, QStringLiteral("fin@example.com"), QStringLiteral("Fin"), StaffRole::Finance}; }
Actor support() { return {2, QStringLiteral("sup@example.com"), QStringLiteral("Sup"), StaffRole::Support}; }

FxRate row(const char *base, const char *quote, QDate date, const char *rate, const char *source = "test")
{
    FxRate r;
    r.base = QLatin1String(base);
    r.quote = QLatin1String(quote);
    r.date = date;
    r.rate = QLatin1String(rate);
    r.source = QLatin1String(source);
    return r;
}

Currency cur(const QString &code) { return *Currency::fromCode(code); }

qint64 count(BillingDatabase &db, const QString &sql)
{
    QSqlQuery q(db.database());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

} // namespace

class tst_FxRates final : public QObject
{
    Q_OBJECT

private:
    BillingDbFixture m_db;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_db.tempPath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(content);
        return path;
    }

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void importSavesEveryRowAndAudits_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void importSavesEveryRowAndAudits()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        FxRateRepository repo(db);
        const QString path = writeFile(QStringLiteral("rates-%1.csv").arg(backend),
                                       "date,base,quote,rate,source\n"
                                       "2026-01-01,EUR,USD,1.10,ECB\n"
                                       "2026-02-01,eur,usd,1.2000,ECB\n"
                                       "\n"
                                       "2026-03-01,EUR,USD,1.05,\n"
                                       "2026-02-01,USD,JPY,151.37,\"Bank, desk\"\n");
        const Result<FxSaveReport> report = repo.importCsv(path, finance());
        BC_VERIFY_OK(report);
        QCOMPARE(report->rows, 4);
        QCOMPARE(report->inserted, 4);
        QCOMPARE(report->replaced, 0);
        const Result<QList<FxRate>> rates = repo.rates();
        BC_VERIFY_OK(rates);
        QCOMPARE(rates->size(), 4);
        // ordered by base, quote, date; codes upper case; the rate canonical ("1.2000" -> "1.2")
        QCOMPARE(rates->at(1).base, QStringLiteral("EUR"));
        QCOMPARE(rates->at(1).date, QDate(2026, 2, 1));
        QCOMPARE(rates->at(1).rate, QStringLiteral("1.2"));
        QCOMPARE(rates->at(1).enteredBy, QStringLiteral("fin@example.com"));
        QCOMPARE(rates->at(2).source, QStringLiteral("rates-%1.csv").arg(backend)); // empty source -> file name
        QCOMPARE(rates->at(3).source, QStringLiteral("Bank, desk"));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE operation = 'fx.import' AND actor = 'fin@example.com'")), 1);

        // The rates read back convert with the right dated row: 100.00 EUR on 2026-02-15 uses the
        // 2026-02-01 rate 1.2 -> 120.00 USD.
        const FxConverter fx(*rates);
        const Result<FxConversion> c = fx.convert(Money(10000, cur(QStringLiteral("EUR"))), cur(QStringLiteral("USD")),
                                                  QDate(2026, 2, 15), Rounding::HalfUp);
        BC_VERIFY_OK(c);
        QCOMPARE(c->to.minor(), qint64(12000));
        QCOMPARE(c->applied.row.date, QDate(2026, 2, 1));

        // Importing the same pair and day again replaces it (and says so).
        const QString again = writeFile(QStringLiteral("again-%1.csv").arg(backend),
                                        "base,quote,date,rate\nEUR,USD,2026-03-01,1.06\nGBP,USD,2026-03-01,1.27\n");
        const Result<FxSaveReport> second = repo.importCsv(again, finance());
        BC_VERIFY_OK(second);
        QCOMPARE(second->inserted, 1);
        QCOMPARE(second->replaced, 1);
        QCOMPARE(repo.rates()->size(), 5);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE operation = 'fx.import'")), 2);
    }

    void badFileSavesNothing_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<QString>("message"); // a part of the user message
        const QByteArray head = "date,base,quote,rate\n2026-01-01,EUR,USD,1.10\n";
        for (const QString &b : BillingDbFixture::backends()) {
            QTest::newRow(qPrintable(b + QStringLiteral(" zero rate"))) << b << head + "2026-01-02,EUR,USD,0\n" << "Line 3: The rate is zero";
            QTest::newRow(qPrintable(b + QStringLiteral(" zero with decimals"))) << b << head + "2026-01-02,EUR,USD,0.000\n" << "Line 3: The rate is zero";
            QTest::newRow(qPrintable(b + QStringLiteral(" negative rate"))) << b << head + "2026-01-02,EUR,USD,-1.1\n" << "Line 3: The rate -1.1 is negative";
            QTest::newRow(qPrintable(b + QStringLiteral(" unknown currency"))) << b << head + "2026-01-02,EUR,XYZ,1.1\n" << "Line 3: \"XYZ\" is not a currency code";
            QTest::newRow(qPrintable(b + QStringLiteral(" same currency"))) << b << head + "2026-01-02,EUR,EUR,1\n" << "Line 3: The base and quote currency are both EUR";
            QTest::newRow(qPrintable(b + QStringLiteral(" bad date"))) << b << head + "31/01/2026,EUR,USD,1.1\n" << "Line 3: \"31/01/2026\" is not a date";
            QTest::newRow(qPrintable(b + QStringLiteral(" twice"))) << b << head + "2026-01-01,EUR,USD,1.2\n" << "Line 3: EUR to USD on 2026-01-01 is already on line 2";
            QTest::newRow(qPrintable(b + QStringLiteral(" exponent"))) << b << head + "2026-01-02,EUR,USD,1e3\n" << "Line 3: \"1e3\" is not a rate";
            QTest::newRow(qPrintable(b + QStringLiteral(" missing column"))) << b << QByteArray("date,base,rate\n2026-01-01,EUR,1.1\n") << "no \"quote\" column";
            QTest::newRow(qPrintable(b + QStringLiteral(" short row"))) << b << head + "2026-01-02,EUR,USD\n" << "Line 3: expected 4 fields, found 3";
        }
    }
    void badFileSavesNothing()
    {
        QFETCH(QString, backend);
        QFETCH(QByteArray, csv);
        QFETCH(QString, message);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        FxRateRepository repo(db);
        const Result<FxSaveReport> r = repo.importCsv(writeFile(QStringLiteral("bad.csv"), csv), finance());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY2(r.error().userMessage.contains(message), qPrintable(r.error().userMessage));
        // nothing saved, nothing audited: not even the good first row
        QCOMPARE(repo.rates()->size(), 0);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE operation LIKE 'fx.%'")), 0);
    }

    void onlyFinanceAndAdminManageRates_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void onlyFinanceAndAdminManageRates()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        FxRateRepository repo(db);
        const Result<FxSaveReport> refused = repo.save({row("EUR", "USD", QDate(2026, 1, 1), "1.1")}, support());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(repo.rates()->size(), 0);
        Actor admin = finance();
        admin.role = StaffRole::Admin;
        const Result<FxSaveReport> saved = repo.save({row("EUR", "USD", QDate(2026, 1, 1), "1.1")}, admin);
        BC_VERIFY_OK(saved);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE operation = 'fx.set'")), 1);
        // a zero rate entered in the dialog: refused, nothing saved
        const Result<FxSaveReport> zero = repo.save({row("GBP", "USD", QDate(2026, 1, 1), "0")}, admin);
        QVERIFY(!zero.ok());
        QCOMPARE(zero.error().kind, Error::Kind::Validation);
        QCOMPARE(repo.rates()->size(), 1);
    }

    void rateParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("numerator");
        QTest::addColumn<qint64>("denominator");
        QTest::newRow("1.0842") << "1.0842" << true << qint64(5421) << qint64(5000); // 10842/10000 reduced
        QTest::newRow("151.37") << "151.37" << true << qint64(15137) << qint64(100);
        QTest::newRow("integer") << "3" << true << qint64(3) << qint64(1);
        QTest::newRow("12 decimals") << "0.000000000001" << true << qint64(1) << qint64(1000000000000);
        QTest::newRow("13 decimals") << "0.0000000000001" << false << qint64(0) << qint64(0);
        QTest::newRow("zero") << "0" << false << qint64(0) << qint64(0);
        QTest::newRow("zero point zero") << "0.00" << false << qint64(0) << qint64(0);
        QTest::newRow("negative") << "-1.5" << false << qint64(0) << qint64(0);
        QTest::newRow("empty") << "" << false << qint64(0) << qint64(0);
        QTest::newRow("exponent") << "1e3" << false << qint64(0) << qint64(0);
        QTest::newRow("two dots") << "1.2.3" << false << qint64(0) << qint64(0);
        QTest::newRow("comma") << "1,5" << false << qint64(0) << qint64(0);
        QTest::newRow("trailing dot") << "1." << false << qint64(0) << qint64(0);
    }
    void rateParsing()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(qint64, numerator);
        QFETCH(qint64, denominator);
        const Result<ExactRate> r = ExactRate::parse(text);
        QCOMPARE(r.ok(), ok);
        if (ok) {
            QCOMPARE(r->numerator, numerator);
            QCOMPARE(r->denominator, denominator);
            QCOMPARE(ExactRate::parse(r->toString())->numerator, numerator); // round trip
        } else {
            QVERIFY(!r.error().userMessage.isEmpty());
        }
    }

    void conversionPicksTheDatedRate_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QDate>("on");
        QTest::addColumn<qint64>("amount");
        QTest::addColumn<qint64>("expected");
        QTest::addColumn<QDate>("rateDate");
        QTest::addColumn<bool>("inverted");
        // EUR/USD 1.10 from Jan 1, 1.20 from Feb 1, 1.05 from Mar 1.
        QTest::newRow("on the day") << "EUR" << "USD" << QDate(2026, 2, 1) << qint64(10000) << qint64(12000) << QDate(2026, 2, 1) << false;
        QTest::newRow("day before a change") << "EUR" << "USD" << QDate(2026, 1, 31) << qint64(10000) << qint64(11000) << QDate(2026, 1, 1) << false;
        QTest::newRow("mid month") << "EUR" << "USD" << QDate(2026, 2, 15) << qint64(10000) << qint64(12000) << QDate(2026, 2, 1) << false;
        QTest::newRow("after the last") << "EUR" << "USD" << QDate(2026, 12, 31) << qint64(10000) << qint64(10500) << QDate(2026, 3, 1) << false;
        // only EUR/USD exists: 120.00 USD / 1.2 = 100.00 EUR
        QTest::newRow("inverse") << "USD" << "EUR" << QDate(2026, 2, 15) << qint64(12000) << qint64(10000) << QDate(2026, 2, 1) << true;
        // a newer USD/EUR row (0.95 on Feb 18) beats the older EUR/USD row: 120.00 * 0.95 = 114.00
        QTest::newRow("newer inverse row wins") << "USD" << "EUR" << QDate(2026, 2, 20) << qint64(12000) << qint64(11400) << QDate(2026, 2, 18) << false;
        QTest::newRow("same currency") << "EUR" << "EUR" << QDate(2020, 1, 1) << qint64(777) << qint64(777) << QDate() << false;
    }
    void conversionPicksTheDatedRate()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QDate, on);
        QFETCH(qint64, amount);
        QFETCH(qint64, expected);
        QFETCH(QDate, rateDate);
        QFETCH(bool, inverted);
        const FxConverter fx({row("EUR", "USD", QDate(2026, 3, 1), "1.05"), row("EUR", "USD", QDate(2026, 1, 1), "1.10"),
                              row("EUR", "USD", QDate(2026, 2, 1), "1.20"), row("USD", "EUR", QDate(2026, 2, 18), "0.95")});
        const Result<FxConversion> c = fx.convert(Money(amount, cur(from)), cur(to), on, Rounding::HalfUp);
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().userMessage));
        QCOMPARE(c->to.minor(), expected);
        QCOMPARE(c->to.currency().code(), to);
        QCOMPARE(c->applied.row.date, rateDate);
        QCOMPARE(c->applied.inverted, inverted);
        QCOMPARE(c->requestedDate, on);
        if (rateDate.isValid())
            QVERIFY(c->applied.describe().contains(rateDate.toString(Qt::ISODate)));
    }

    void noRateIsAClearError()
    {
        const FxConverter fx({row("EUR", "USD", QDate(2026, 1, 1), "1.10")});
        const Result<FxConversion> before = fx.convert(Money(100, cur(QStringLiteral("EUR"))), cur(QStringLiteral("USD")),
                                                       QDate(2025, 12, 31), Rounding::HalfUp);
        QVERIFY(!before.ok());
        QCOMPARE(before.error().kind, Error::Kind::NotFound);
        QVERIFY(before.error().userMessage.contains(QStringLiteral("No EUR to USD rate on or before 2025-12-31")));
        // no chaining through a third currency
        QVERIFY(!fx.convert(Money(100, cur(QStringLiteral("GBP"))), cur(QStringLiteral("EUR")), QDate(2026, 2, 1), Rounding::HalfUp).ok());
    }

    void roundingOnceWithExponents_data()
    {
        QTest::addColumn<QString>("from");
        QTest::addColumn<qint64>("amount");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("rate"); // 1 from = rate to
        QTest::addColumn<int>("rounding");
        QTest::addColumn<qint64>("expected");
        // 10.00 USD * 151.37 = 1513.70 JPY; JPY has no minor unit: 1514 (half up) / 1513 (down)
        QTest::newRow("USD->JPY half up") << "USD" << qint64(1000) << "JPY" << "151.37" << int(Rounding::HalfUp) << qint64(1514);
        QTest::newRow("USD->JPY down") << "USD" << qint64(1000) << "JPY" << "151.37" << int(Rounding::Down) << qint64(1513);
        // 1234 JPY * 0.006606 = 8.151804 USD = 815.1804 cents: 815 half up, 816 ceiling
        QTest::newRow("JPY->USD half up") << "JPY" << qint64(1234) << "USD" << "0.006606" << int(Rounding::HalfUp) << qint64(815);
        QTest::newRow("JPY->USD ceiling") << "JPY" << qint64(1234) << "USD" << "0.006606" << int(Rounding::Ceiling) << qint64(816);
        // 33.33 USD * 0.3071 = 10.235643 KWD = 10235.643 fils: 10236 half up, 10235 down
        QTest::newRow("USD->KWD half up") << "USD" << qint64(3333) << "KWD" << "0.3071" << int(Rounding::HalfUp) << qint64(10236);
        QTest::newRow("USD->KWD down") << "USD" << qint64(3333) << "KWD" << "0.3071" << int(Rounding::Down) << qint64(10235);
        // 1.234 KWD * 492.5 = 607.745 JPY: 608 half up and half even (not a tie), 607 floor
        QTest::newRow("KWD->JPY half even") << "KWD" << qint64(1234) << "JPY" << "492.5" << int(Rounding::HalfEven) << qint64(608);
        QTest::newRow("KWD->JPY floor") << "KWD" << qint64(1234) << "JPY" << "492.5" << int(Rounding::Floor) << qint64(607);
        // ties: 0.05 EUR * 1.5 = 7.5 cents, 0.03 EUR * 1.5 = 4.5 cents
        QTest::newRow("tie 7.5 half even") << "EUR" << qint64(5) << "USD" << "1.5" << int(Rounding::HalfEven) << qint64(8);
        QTest::newRow("tie 4.5 half even") << "EUR" << qint64(3) << "USD" << "1.5" << int(Rounding::HalfEven) << qint64(4);
        QTest::newRow("tie 4.5 half up") << "EUR" << qint64(3) << "USD" << "1.5" << int(Rounding::HalfUp) << qint64(5);
        // a refund: -4.5 cents
        QTest::newRow("negative half up") << "EUR" << qint64(-3) << "USD" << "1.5" << int(Rounding::HalfUp) << qint64(-5);
        QTest::newRow("negative half even") << "EUR" << qint64(-3) << "USD" << "1.5" << int(Rounding::HalfEven) << qint64(-4);
        QTest::newRow("negative floor") << "EUR" << qint64(-3) << "USD" << "1.5" << int(Rounding::Floor) << qint64(-5);
        QTest::newRow("negative ceiling") << "EUR" << qint64(-3) << "USD" << "1.5" << int(Rounding::Ceiling) << qint64(-4);
        // KWD -> BHD (both 3 decimals): 1.000 KWD * 1.2265 = 1.2265 BHD = 1226.5 fils -> 1226 half even
        QTest::newRow("KWD->BHD half even") << "KWD" << qint64(1000) << "BHD" << "1.2265" << int(Rounding::HalfEven) << qint64(1226);
        // JPY -> KRW (both 0): 1000 JPY * 9.1234 = 9123.4 KRW -> 9123
        QTest::newRow("JPY->KRW half up") << "JPY" << qint64(1000) << "KRW" << "9.1234" << int(Rounding::HalfUp) << qint64(9123);
    }
    void roundingOnceWithExponents()
    {
        QFETCH(QString, from);
        QFETCH(qint64, amount);
        QFETCH(QString, to);
        QFETCH(QString, rate);
        QFETCH(int, rounding);
        QFETCH(qint64, expected);
        FxRate r;
        r.base = from;
        r.quote = to;
        r.date = QDate(2026, 1, 1);
        r.rate = rate;
        const FxConverter fx({r});
        const Result<FxConversion> c = fx.convert(Money(amount, cur(from)), cur(to), QDate(2026, 6, 1), Rounding(rounding));
        QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().userMessage));
        QCOMPARE(c->to.minor(), expected);
    }
};

QTEST_GUILESS_MAIN(tst_FxRates)
#include "tst_fxrates.moc"
