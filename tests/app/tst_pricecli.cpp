#include "tests/testsupport.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

// `billing-console price list|quote`: the real executable, its cache filled by `sync` from the sandbox.
namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};
} // namespace

class tst_PriceCli final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_data;

    Run console(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BILLING_CONSOLE_STRIPE_KEY"), Billing::Test::sandboxKey());
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(BC_CONSOLE_EXE), QStringList{QStringLiteral("--data-dir"), m_data.path(), QStringLiteral("--workspace"),
                                                           QStringLiteral("price"), QStringLiteral("--base-url"),
                                                           Billing::Test::sandboxUrl()}
                                                    + args);
        if (!p.waitForFinished(240000))
            p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!Billing::Test::sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
        const Run synced = console({QStringLiteral("sync")});
        QVERIFY2(synced.exitCode == 0, qPrintable(synced.err));
    }

    void quotesAGraduatedPriceExactly()
    {
        const Run listed = console({QStringLiteral("price"), QStringLiteral("list"), QStringLiteral("--currency"), QStringLiteral("usd")});
        QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
        // The demo's one graduated price: Enterprise seats in USD, monthly.
        const QRegularExpression graduated(QStringLiteral("^(price_\\S+)\\s+Enterprise\\s+tiered graduated"),
                                           QRegularExpression::MultilineOption);
        const QString id = graduated.match(listed.out).captured(1);
        QVERIFY2(!id.isEmpty(), qPrintable(listed.out));
        QVERIFY(listed.out.contains(QStringLiteral("active prices.")));

        // 60 seats, hand-checked: 10 x 15.00 + 99.00 flat = 249.00; 40 x 12.00 = 480.00;
        // 10 x 9.00 = 90.00; total 819.00 USD.
        const QString csv = m_data.filePath(QStringLiteral("quote.csv"));
        const Run quoted = console({QStringLiteral("price"), QStringLiteral("quote"), id, QStringLiteral("--quantity"),
                                    QStringLiteral("60"), QStringLiteral("--customer"), QStringLiteral("Acme"),
                                    QStringLiteral("-o"), csv});
        QVERIFY2(quoted.exitCode == 0, qPrintable(quoted.err));
        QVERIFY2(quoted.out.contains(QStringLiteral("249.00 USD")), qPrintable(quoted.out));
        QVERIFY2(quoted.out.contains(QStringLiteral("480.00 USD")), qPrintable(quoted.out));
        QVERIFY2(quoted.out.contains(QStringLiteral("90.00 USD")), qPrintable(quoted.out));
        QVERIFY2(quoted.out.contains(QStringLiteral("819.00 USD  (81900 minor units)")), qPrintable(quoted.out));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("819.00,81900,USD"));
    }

    void badInputIsNamed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown price") << QStringList{"quote", "price_nope", "--quantity", "1"} << 1 << "no price price_nope";
        QTest::newRow("negative quantity") << QStringList{"quote", "price_nope", "--quantity", "-3"} << 2 << "whole number";
        QTest::newRow("decimal quantity") << QStringList{"quote", "price_nope", "--quantity", "1.5"} << 2 << "whole number";
        QTest::newRow("unknown currency") << QStringList{"list", "--currency", "xyz"} << 2 << "XYZ is not a currency";
        QTest::newRow("unknown subcommand") << QStringList{"explode"} << 2 << "Unknown price command";
    }

    void badInputIsNamed()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const Run r = console(QStringList{QStringLiteral("price")} + args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(tst_PriceCli)
#include "tst_pricecli.moc"
