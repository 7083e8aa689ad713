#include "models/formatting.h"

#include <QTest>

using namespace Billing;

class tst_Formatting : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void customerShowsWhatExists_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("email");
        QTest::addColumn<QString>("expected");
        QTest::newRow("both") << "Acme AG" << "billing@acme.example" << "Acme AG (billing@acme.example)";
        QTest::newRow("no email") << "Acme AG" << "" << "Acme AG";
        QTest::newRow("no name") << "" << "billing@acme.example" << "billing@acme.example";
        QTest::newRow("neither") << "" << "" << "";
    }
    void customerShowsWhatExists()
    {
        QFETCH(QString, name);
        QFETCH(QString, email);
        QFETCH(QString, expected);
        QCOMPARE(Format::customer(name, email), expected);
    }

    void moneyNeverGoesThroughADouble_data()
    {
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("expected");
        QTest::newRow("usd") << qint64(123456) << "usd" << "$1,234.56";
        QTest::newRow("jpy zero-decimal") << qint64(1500) << "jpy" << QString::fromUtf8("¥1,500");
        QTest::newRow("beyond double precision") << qint64(9007199254740993) << "usd" << "$90,071,992,547,409.93";
    }
    void moneyNeverGoesThroughADouble()
    {
        QFETCH(qint64, minor);
        QFETCH(QString, currency);
        QFETCH(QString, expected);
        QCOMPARE(Format::money(minor, currency, QLocale(QLocale::English, QLocale::UnitedStates)), expected);
    }
};

QTEST_GUILESS_MAIN(tst_Formatting)
#include "tst_formatting.moc"
