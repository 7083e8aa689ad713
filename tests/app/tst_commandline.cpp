#include "app/commandline.h"

#include <QTest>

using namespace Billing;

class tst_CommandLine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void acceptsValidCommandLines_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("command");
        QTest::addColumn<QString>("workspace");
        QTest::addColumn<bool>("full");

        using C = CommandLine::Command;
        QTest::newRow("no arguments opens the window") << QStringList{} << int(C::Gui) << "default" << false;
        QTest::newRow("workspace") << QStringList{"--workspace", "acme-eu"} << int(C::Gui) << "acme-eu" << false;
        QTest::newRow("screenshot") << QStringList{"--screenshot", "/tmp/x"} << int(C::Screenshot) << "default" << false;
        QTest::newRow("sync") << QStringList{"sync"} << int(C::Sync) << "default" << false;
        QTest::newRow("full sync, options after") << QStringList{"sync", "--full", "--workspace", "w"} << int(C::Sync) << "w" << true;
        QTest::newRow("status") << QStringList{"--base-url", "http://127.0.0.1:1", "status"} << int(C::Status) << "default" << false;
        QTest::newRow("usage import") << QStringList{"usage", "import", "u.csv"} << int(C::UsageImport) << "default" << false;
        QTest::newRow("help") << QStringList{"--help"} << int(C::Help) << "default" << false;
        QTest::newRow("export keeps its own options") << QStringList{"export", "invoices", "--from", "2026-01-01", "--workspace", "w", "-o", "f.csv"} << int(C::Export) << "w" << false;
        QTest::newRow("staff seed-demo") << QStringList{"--workspace", "demo", "staff", "seed-demo"} << int(C::StaffSeedDemo) << "demo" << false;
        QTest::newRow("staff list") << QStringList{"staff", "list"} << int(C::StaffList) << "default" << false;
        QTest::newRow("seasonal run") << QStringList{"seasonal", "run", "--staff", "a@b.example"} << int(C::SeasonalRun) << "default" << false;
        QTest::newRow("window as a profile") << QStringList{"--staff", "a@b.example"} << int(C::Gui) << "default" << false;
        QTest::newRow("workspace named like a command") << QStringList{"--workspace", "fx", "fx", "list"} << int(C::Fx) << "fx" << false;
        QTest::newRow("budgets keeps its own options") << QStringList{"--data-dir", "budgets", "budgets", "set", "--amount", "10"} << int(C::Budgets) << "default" << false;
        QTest::newRow("screenshot as a profile") << QStringList{"--screenshot", "/tmp/x", "--staff", "a@b.example"} << int(C::Screenshot) << "default" << false;
    }
    void acceptsValidCommandLines()
    {
        QFETCH(QStringList, args);
        QFETCH(int, command);
        QFETCH(QString, workspace);
        QFETCH(bool, full);
        args.prepend(QStringLiteral("billing-console"));
        Result<CommandLine> parsed = CommandLine::parse(args);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().userMessage));
        QCOMPARE(int(parsed->command), command);
        QCOMPARE(parsed->workspace, workspace);
        QCOMPARE(parsed->fullSync, full);
        if (parsed->command == CommandLine::Command::Export)
            QCOMPARE(parsed->exportArgs, (QStringList{"invoices", "--from", "2026-01-01", "-o", "f.csv"}));
        if (parsed->command == CommandLine::Command::Fx)
            QCOMPARE(parsed->exportArgs, QStringList{"list"});
        if (parsed->command == CommandLine::Command::Budgets)
            QCOMPARE(parsed->exportArgs, (QStringList{"set", "--amount", "10"}));
    }

    void rejectsBadCommandLinesWithAReason_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "Unknown option --frobnicate";
        QTest::newRow("unknown command") << QStringList{"explode"} << "Unknown command explode";
        QTest::newRow("option without value") << QStringList{"--workspace"} << "--workspace needs a value";
        QTest::newRow("option followed by option") << QStringList{"--base-url", "--full"} << "--base-url needs a value";
        QTest::newRow("bad workspace name") << QStringList{"--workspace", "../etc"} << "workspace name";
        QTest::newRow("usage without import") << QStringList{"usage", "u.csv"} << "usage import FILE.csv";
        QTest::newRow("usage import without file") << QStringList{"usage", "import"} << "usage import FILE.csv";
        QTest::newRow("full without sync") << QStringList{"status", "--full"} << "--full goes with the sync command";
        QTest::newRow("extra argument") << QStringList{"status", "now"} << "Unexpected argument now";
        QTest::newRow("screenshot with command") << QStringList{"--screenshot", "d", "sync"} << "cannot be combined";
        QTest::newRow("staff without subcommand") << QStringList{"staff"} << "staff seed-demo, or staff list";
        QTest::newRow("staff unknown subcommand") << QStringList{"staff", "fire"} << "staff seed-demo, or staff list";
        QTest::newRow("seasonal without run") << QStringList{"seasonal"} << "seasonal run";
        QTest::newRow("staff without email") << QStringList{"--staff"} << "--staff needs a value";
        QTest::newRow("staff with a read command") << QStringList{"--staff", "a@b.example", "status"} << "--staff goes with";
    }
    void rejectsBadCommandLinesWithAReason()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, messagePart);
        args.prepend(QStringLiteral("billing-console"));
        Result<CommandLine> parsed = CommandLine::parse(args);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, Error::Kind::Validation);
        QVERIFY2(parsed.error().userMessage.contains(messagePart), qPrintable(parsed.error().userMessage));
    }
};

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
