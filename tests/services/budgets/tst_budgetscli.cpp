// `billing-console budgets ...` end to end, as a scheduled job runs it: the real executable, a
// temporary data folder (SQLite billing database and cache), the sandbox for the Stripe key check.
#include "tests/testsupport.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class tst_BudgetsCli : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_data;

    Run console(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BILLING_CONSOLE_STRIPE_KEY"), Test::sandboxKey());
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(BC_CONSOLE_EXE), QStringList{QStringLiteral("--data-dir"), m_data.path(),
                                                            QStringLiteral("--workspace"), QStringLiteral("budgets"),
                                                            QStringLiteral("--base-url"), Test::sandboxUrl()}
                                                    + args);
        if (!p.waitForFinished(240000))
            p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    static int countLines(const QString &text, const QString &pattern)
    {
        const QRegularExpression re(pattern, QRegularExpression::MultilineOption);
        int n = 0;
        for (auto it = re.globalMatch(text); it.hasNext(); it.next())
            ++n;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_data.isValid());
        QVERIFY2(!Test::sandboxUrl().isEmpty(), "run through ctest: the sandbox fixture sets BC_SANDBOX_URL");
    }

    void badBudgetsAreRefusedWithAClearMessage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("zero budget") << QStringList{QStringLiteral("--limit"), QStringLiteral("0"), QStringLiteral("--meter"),
                                                    QStringLiteral("api_calls")}
                                     << QStringLiteral("zero");
        QTest::newRow("negative money") << QStringList{QStringLiteral("--limit"), QStringLiteral("-5.00"),
                                                       QStringLiteral("--currency"), QStringLiteral("usd")}
                                        << QStringLiteral("negative");
        QTest::newRow("thresholds out of order")
            << QStringList{QStringLiteral("--limit"), QStringLiteral("100"), QStringLiteral("--meter"),
                           QStringLiteral("api_calls"), QStringLiteral("--thresholds"), QStringLiteral("80,50,100")}
            << QStringLiteral("go up");
        QTest::newRow("threshold too high")
            << QStringList{QStringLiteral("--limit"), QStringLiteral("100"), QStringLiteral("--meter"),
                           QStringLiteral("api_calls"), QStringLiteral("--thresholds"), QStringLiteral("50,100,900")}
            << QStringLiteral("out of bounds");
        QTest::newRow("unknown action") << QStringList{QStringLiteral("--limit"), QStringLiteral("100"), QStringLiteral("--meter"),
                                                       QStringLiteral("api_calls"), QStringLiteral("--action"),
                                                       QStringLiteral("explode")}
                                        << QStringLiteral("notify, flag, pause or cap");
        QTest::newRow("no limit") << QStringList{QStringLiteral("--meter"), QStringLiteral("api_calls")}
                                  << QStringLiteral("--limit");
    }
    void badBudgetsAreRefusedWithAClearMessage()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, messagePart);
        const Run r = console(QStringList{QStringLiteral("budgets"), QStringLiteral("set"), QStringLiteral("cus_cli_bad")} + args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(messagePart), qPrintable(r.err));
        const Run listed = console({QStringLiteral("budgets"), QStringLiteral("list")});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY2(!listed.out.contains(QStringLiteral("cus_cli_bad")), qPrintable(listed.out));
    }

    void evaluateAlertsOnceAndAgainNothing()
    {
        // 850 api calls in October 2026 for one customer, evaluated as a run on 31 October would
        // (--at), so the month's run rate does not depend on today's date.
        const QDateTime at(QDate(2026, 10, 5), QTime(9, 30), Qt::UTC);
        const QStringList evaluateArgs{QStringLiteral("budgets"), QStringLiteral("evaluate"), QStringLiteral("--at"),
                                       QStringLiteral("2026-10-31T12:00:00Z")};
        const QString csv = m_data.filePath(QStringLiteral("usage.csv"));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,customer_id,meter,quantity,occurred_at\n");
        f.write(QStringLiteral("cli_u1,cus_cli_1,api_calls,600,%1\n").arg(at.toString(Qt::ISODate)).toUtf8());
        f.write(QStringLiteral("cli_u2,cus_cli_1,api_calls,250,%1\n").arg(at.toString(Qt::ISODate)).toUtf8());
        f.write(QStringLiteral("cli_u3,cus_cli_2,api_calls,10,%1\n").arg(at.toString(Qt::ISODate)).toUtf8());
        f.close();
        Run r = console({QStringLiteral("usage"), QStringLiteral("import"), csv});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        r = console({QStringLiteral("budgets"), QStringLiteral("set"), QStringLiteral("cus_cli_1"), QStringLiteral("--limit"),
                     QStringLiteral("1000"), QStringLiteral("--meter"), QStringLiteral("api_calls")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("50%, 80%, 100%")), qPrintable(r.out));
        r = console({QStringLiteral("budgets"), QStringLiteral("set"), QStringLiteral("cus_cli_2"), QStringLiteral("--limit"),
                     QStringLiteral("1000"), QStringLiteral("--meter"), QStringLiteral("api_calls"),
                     QStringLiteral("--action"), QStringLiteral("flag")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        const Run first = console(evaluateArgs);
        QVERIFY2(first.exitCode == 0, qPrintable(first.err + first.out));
        QCOMPARE(countLines(first.out, QStringLiteral("^New alert \\d+\\s+cus_cli_1 .* 50% reached: 850 api_calls of 1000 api_calls")), 1);
        QCOMPARE(countLines(first.out, QStringLiteral("^New alert \\d+\\s+cus_cli_1 .* 80% reached")), 1);
        QCOMPARE(countLines(first.out, QStringLiteral("^New alert")), 2);
        QVERIFY2(first.out.contains(QStringLiteral("2 budget(s), 2 new alert(s)")), qPrintable(first.out));
        QCOMPARE(countLines(first.out, QStringLiteral("^Flagged:")), 0);

        // The scheduler runs it again: nothing new.
        const Run second = console(evaluateArgs);
        QVERIFY2(second.exitCode == 0, qPrintable(second.err));
        QCOMPARE(countLines(second.out, QStringLiteral("^New alert")), 0);
        QVERIFY2(second.out.contains(QStringLiteral("0 new alert(s)")), qPrintable(second.out));

        const Run alerts = console({QStringLiteral("budgets"), QStringLiteral("alerts")});
        QCOMPARE(alerts.exitCode, 0);
        QCOMPARE(countLines(alerts.out, QStringLiteral("^alert \\d+")), 2);

        const Run list = console({QStringLiteral("budgets"), QStringLiteral("list"), QStringLiteral("--at"),
                                  QStringLiteral("2026-10-31T12:00:00Z")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains(QStringLiteral("850 api_calls / 1000 api_calls a month (85.0%)")), qPrintable(list.out));
        QVERIFY2(list.out.contains(QStringLiteral("10 api_calls / 1000 api_calls a month (1.0%)  at limit: flag")),
                 qPrintable(list.out));

        // Usage crosses the limit for the flagged budget's customer: one alert per threshold, once.
        QFile more(csv);
        QVERIFY(more.open(QIODevice::WriteOnly));
        more.write("id,customer_id,meter,quantity,occurred_at\n");
        more.write(QStringLiteral("cli_u4,cus_cli_2,api_calls,1000,%1\n").arg(at.toString(Qt::ISODate)).toUtf8());
        more.close();
        QCOMPARE(console({QStringLiteral("usage"), QStringLiteral("import"), csv}).exitCode, 0);
        const Run third = console(evaluateArgs);
        QVERIFY2(third.exitCode == 0, qPrintable(third.err));
        QCOMPARE(countLines(third.out, QStringLiteral("^New alert \\d+\\s+cus_cli_2 ")), 3);
        QCOMPARE(countLines(third.out, QStringLiteral("100% reached: 1010 api_calls of 1000 api_calls \\[account flagged\\]")), 1);
        QCOMPARE(countLines(third.out, QStringLiteral("^Flagged: cus_cli_2 \\(budget \\d+\\) is at or over its limit")), 1);
        const Run fourth = console(evaluateArgs);
        QCOMPARE(countLines(fourth.out, QStringLiteral("^New alert")), 0);
        QCOMPARE(countLines(fourth.out, QStringLiteral("^Flagged: cus_cli_2 ")), 1); // still flagged, no new alert

        // A capped budget: what is over the cap is reported as kept and not billed.
        QFile capped(csv);
        QVERIFY(capped.open(QIODevice::WriteOnly));
        capped.write("id,customer_id,meter,quantity,occurred_at\n");
        capped.write(QStringLiteral("cli_u5,cus_cli_3,api_calls,150,%1\n").arg(at.toString(Qt::ISODate)).toUtf8());
        capped.close();
        QCOMPARE(console({QStringLiteral("usage"), QStringLiteral("import"), csv}).exitCode, 0);
        r = console({QStringLiteral("budgets"), QStringLiteral("set"), QStringLiteral("cus_cli_3"), QStringLiteral("--limit"),
                     QStringLiteral("100"), QStringLiteral("--meter"), QStringLiteral("api_calls"),
                     QStringLiteral("--action"), QStringLiteral("cap")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Run fifth = console(evaluateArgs);
        QVERIFY2(fifth.exitCode == 0, qPrintable(fifth.err));
        QCOMPARE(countLines(fifth.out, QStringLiteral("^Capped: cus_cli_3 \\(budget \\d+\\): 100 unit\\(s\\) billable, 50 over the cap")), 1);
    }

    void badArguments()
    {
        QCOMPARE(console({QStringLiteral("budgets")}).exitCode, 2);
        QCOMPARE(console({QStringLiteral("budgets"), QStringLiteral("explode")}).exitCode, 2);
        const Run at = console({QStringLiteral("budgets"), QStringLiteral("evaluate"), QStringLiteral("--at"),
                                QStringLiteral("yesterday")});
        QCOMPARE(at.exitCode, 2);
        QVERIFY(at.err.contains(QStringLiteral("ISO 8601")));
        const Run help = console({QStringLiteral("budgets"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(QStringLiteral("budgets evaluate")));
    }
};

QTEST_GUILESS_MAIN(tst_BudgetsCli)
#include "tst_budgetscli.moc"
