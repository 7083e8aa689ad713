// The billing-console executable end to end, as a scheduler or a newcomer runs it: real process,
// real sandbox over loopback, real SQLite files in a temporary data folder.
#include "tests/testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QImage>
#include <QSet>
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

class tst_ConsoleCli : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_data;

    Run console(const QStringList &args, const QString &key = Test::sandboxKey(), const QString &baseUrl = Test::sandboxUrl(),
                const std::function<void(QProcessEnvironment &)> &adjust = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BILLING_CONSOLE_STRIPE_KEY"), key);
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS")); // no keychain: the key comes from the environment
        if (adjust)
            adjust(env);
        p.setProcessEnvironment(env);
        QStringList full{QStringLiteral("--data-dir"), m_data.path(), QStringLiteral("--workspace"), QStringLiteral("cli")};
        if (!baseUrl.isEmpty())
            full << QStringLiteral("--base-url") << baseUrl;
        full << args;
        p.start(QStringLiteral(BC_CONSOLE_EXE), full);
        if (!p.waitForFinished(240000))
            p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    static QString sandboxFirstId(const QString &path, const QString &prefix)
    {
        QProcess curl;
        curl.start(QStringLiteral("curl"), {QStringLiteral("-sf"), QStringLiteral("-u"), Test::sandboxKey() + QLatin1Char(':'),
                                            Test::sandboxUrl() + path});
        curl.waitForFinished(30000);
        const QRegularExpression id(QStringLiteral("\"id\":\\s*\"(%1[^\"]+)\"").arg(prefix));
        return id.match(QString::fromUtf8(curl.readAllStandardOutput())).captured(1);
    }

    static QString sandboxSucceededPaymentIntent()
    {
        QProcess curl;
        curl.start(QStringLiteral("curl"), {QStringLiteral("-sf"), QStringLiteral("-u"), Test::sandboxKey() + QLatin1Char(':'),
                                            Test::sandboxUrl() + QStringLiteral("/v1/payment_intents?limit=100")});
        curl.waitForFinished(30000);
        const QJsonObject page = QJsonDocument::fromJson(curl.readAllStandardOutput()).object();
        for (const QJsonValue &v : page.value(QLatin1String("data")).toArray()) {
            if (v.toObject().value(QLatin1String("status")).toString() == QLatin1String("succeeded"))
                return v.toObject().value(QLatin1String("id")).toString();
        }
        return {};
    }

    static qint64 statusCount(const Run &status, const QString &label)
    {
        const QRegularExpression re(QStringLiteral("^%1:\\s+(\\d+)$").arg(label), QRegularExpression::MultilineOption);
        const auto m = re.match(status.out);
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    }

    // Customers the sandbox holds, counted through its own API (not through the console).
    static qint64 sandboxCustomerCount()
    {
        QProcess curl;
        qint64 count = 0;
        QString after;
        for (;;) {
            QString url = Test::sandboxUrl() + QStringLiteral("/v1/customers?limit=100");
            if (!after.isEmpty())
                url += QStringLiteral("&starting_after=") + after;
            curl.start(QStringLiteral("curl"), {QStringLiteral("-sf"), QStringLiteral("-u"), Test::sandboxKey() + QLatin1Char(':'), url});
            curl.waitForFinished(30000);
            const QByteArray body = curl.readAllStandardOutput();
            const QRegularExpression ids(QStringLiteral("\"id\":\\s*\"(cus_[^\"]+)\""));
            auto it = ids.globalMatch(QString::fromUtf8(body));
            while (it.hasNext()) {
                after = it.next().captured(1);
                ++count;
            }
            if (!body.contains("\"has_more\": true") && !body.contains("\"has_more\":true"))
                return count;
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_data.isValid());
        QVERIFY2(!Test::sandboxUrl().isEmpty(), "run through ctest: the sandbox fixture sets BC_SANDBOX_URL");
    }

    void fullSyncFillsTheCacheWithWhatStripeHas()
    {
        const Run sync = console({QStringLiteral("sync"), QStringLiteral("--full")});
        QVERIFY2(sync.exitCode == 0, qPrintable(sync.err));
        QVERIFY(sync.out.contains(QStringLiteral("Full sync done")));
        const Run status = console({QStringLiteral("status")});
        QCOMPARE(status.exitCode, 0);
        QCOMPARE(statusCount(status, QStringLiteral("Customers")), sandboxCustomerCount());
        QVERIFY(statusCount(status, QStringLiteral("Invoices")) > 1000);
        QVERIFY(statusCount(status, QStringLiteral("Failed payments")) > 0);
    }

    void wrongKeyFailsClearlyAndKeepsTheCache()
    {
        const qint64 before = statusCount(console({QStringLiteral("status")}), QStringLiteral("Customers"));
        QVERIFY(before > 0);
        const Run sync = console({QStringLiteral("sync"), QStringLiteral("--full")}, QStringLiteral("sk_test_wrong_key_0000"));
        QCOMPARE(sync.exitCode, 1);
        QVERIFY2(sync.err.contains(QStringLiteral("API key"), Qt::CaseInsensitive), qPrintable(sync.err));
        QVERIFY2(!sync.err.contains(QStringLiteral("sk_test_wrong_key_0000")), "the key itself is never printed");
        QCOMPARE(statusCount(console({QStringLiteral("status")}), QStringLiteral("Customers")), before);
    }

    void unreachableStripeFailsClearly()
    {
        const Run sync = console({QStringLiteral("sync")}, Test::sandboxKey(), QStringLiteral("http://127.0.0.1:1"));
        QCOMPARE(sync.exitCode, 1);
        const QRegularExpression errorLine(QStringLiteral("^error: .*(reach|connect).*$"),
                                           QRegularExpression::MultilineOption | QRegularExpression::CaseInsensitiveOption);
        QVERIFY2(errorLine.match(sync.err).hasMatch(), qPrintable(sync.err));
    }

    void exportWritesTheFilteredInvoicesAsCsv()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("eur.csv"));
        const Run run = console({QStringLiteral("export"), QStringLiteral("invoices"), QStringLiteral("--currency"),
                                 QStringLiteral("EUR"), QStringLiteral("-o"), file});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QFile csv(file);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        QVERIFY(lines.size() > 10);
        QVERIFY(lines.first().contains("currency"));
        int currencyColumn = lines.first().trimmed().split(',').indexOf("currency");
        QVERIFY(currencyColumn >= 0);
        for (int i = 1; i < lines.size(); ++i) {
            if (lines.at(i).trimmed().isEmpty())
                continue;
            QCOMPARE(lines.at(i).trimmed().split(',').value(currencyColumn), QByteArray("EUR"));
        }
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).size() == 1); // no partial file left beside it
    }

    void exportRejectsBadArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown report") << QStringList{"export", "nosuch", "-o", "x.csv"};
        QTest::newRow("missing output") << QStringList{"export", "invoices"};
        QTest::newRow("bad date") << QStringList{"export", "invoices", "--from", "2026-13-01", "-o", "x.csv"};
        QTest::newRow("to before from") << QStringList{"export", "invoices", "--from", "2026-06-01", "--to", "2026-01-01", "-o", "x.csv"};
    }
    void exportRejectsBadArguments()
    {
        QFETCH(QStringList, args);
        const Run run = console(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(!run.err.trimmed().isEmpty(), "a clear message on stderr");
    }

    void usageImportRecordsEventsOnceAndRejectsBadFiles()
    {
        QTemporaryDir dir;
        const QString good = dir.filePath(QStringLiteral("good.csv"));
        QFile f(good);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,customer_id,meter,quantity,occurred_at\n"
                "ev_1,cus_a,api_calls,120,2026-10-01T10:00:00Z\n"
                "ev_2,cus_a,api_calls,30,2026-10-01T11:30:00Z\n");
        f.close();
        Run first = console({QStringLiteral("usage"), QStringLiteral("import"), good});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY2(first.out.contains(QStringLiteral("2 new events")), qPrintable(first.out));
        Run again = console({QStringLiteral("usage"), QStringLiteral("import"), good});
        QVERIFY(again.out.contains(QStringLiteral("0 new events, 2 already recorded")));

        const QString bad = dir.filePath(QStringLiteral("bad.csv"));
        QFile b(bad);
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write("id,customer_id,meter,quantity,occurred_at\n"
                "ev_3,cus_a,api_calls,5,2026-10-02T10:00:00Z\n"
                "ev_4,cus_a,api_calls,-7,2026-10-02T11:00:00Z\n");
        b.close();
        Run rejected = console({QStringLiteral("usage"), QStringLiteral("import"), bad});
        QCOMPARE(rejected.exitCode, 1);
        QVERIFY2(rejected.err.contains(QStringLiteral("3")), qPrintable(rejected.err)); // names the line
        // All or nothing: ev_3 was not recorded either.
        Run retry = console({QStringLiteral("usage"), QStringLiteral("import"), good});
        QVERIFY(retry.out.contains(QStringLiteral("0 new events")));
    }

    void staffSeedDemoAndList()
    {
        const Run seeded = console({QStringLiteral("staff"), QStringLiteral("seed-demo")});
        QCOMPARE(seeded.exitCode, 0);
        QVERIFY2(seeded.out.contains(QStringLiteral("Demo staff ready")), qPrintable(seeded.out + seeded.err));
        // idempotent: a second seeding adds nobody
        QCOMPARE(console({QStringLiteral("staff"), QStringLiteral("seed-demo")}).exitCode, 0);
        const Run list = console({QStringLiteral("staff"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        for (const char *role : {"admin", "finance", "support", "read_only"}) {
            const QRegularExpression line(QStringLiteral("^\\S+@demo\\.example\\t%1\\tactive\\t").arg(QLatin1String(role)),
                                          QRegularExpression::MultilineOption);
            int matches = 0;
            for (auto it = line.globalMatch(list.out); it.hasNext(); it.next())
                ++matches;
            QVERIFY2(matches == 1, qPrintable(QStringLiteral("%1: %2 lines in\n%3").arg(QLatin1String(role)).arg(matches).arg(list.out)));
        }
    }

    void unknownStaffIsRefusedClearly()
    {
        const Run run = console({QStringLiteral("--staff"), QStringLiteral("nobody@demo.example"), QStringLiteral("refund"),
                                 QStringLiteral("create"), QStringLiteral("--payment-intent"), QStringLiteral("pi_123456"),
                                 QStringLiteral("--amount"), QStringLiteral("1.00"), QStringLiteral("--currency"), QStringLiteral("USD")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("no active staff profile nobody@demo.example")), qPrintable(run.err));
        QVERIFY(!run.out.contains(QStringLiteral("Queued")));
    }

    void readOnlyStaffCannotRefund()
    {
        QCOMPARE(console({QStringLiteral("staff"), QStringLiteral("seed-demo")}).exitCode, 0);
        const QString pi = sandboxSucceededPaymentIntent();
        QVERIFY(!pi.isEmpty());
        const QStringList refund{QStringLiteral("refund"), QStringLiteral("create"), QStringLiteral("--payment-intent"), pi,
                                 QStringLiteral("--op-id"), QStringLiteral("readonly-refund-1")};
        const Run refused = console(QStringList{QStringLiteral("--staff"), QStringLiteral("readonly@demo.example")} + refund);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("read-only profile")), qPrintable(refused.err));
        // nothing reached the outbox, and the refusal is not a queued operation
        const Run list = console({QStringLiteral("outbox"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(!list.out.contains(QStringLiteral("readonly-refund-1")), qPrintable(list.out));
    }

    void customerUpdateActsAsTheNamedProfile()
    {
        QCOMPARE(console({QStringLiteral("staff"), QStringLiteral("seed-demo")}).exitCode, 0);
        const QString customer = sandboxFirstId(QStringLiteral("/v1/customers?limit=1"), QStringLiteral("cus_"));
        QVERIFY(!customer.isEmpty());
        const Run run = console({QStringLiteral("--staff"), QStringLiteral("support@demo.example"), QStringLiteral("customer"),
                                 QStringLiteral("update"), customer, QStringLiteral("--metadata"), QStringLiteral("cli_actor_test=1"),
                                 QStringLiteral("--op-id"), QStringLiteral("support-update-1")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        const Run list = console({QStringLiteral("outbox"), QStringLiteral("list")});
        const QRegularExpression line(QStringLiteral("^.*op_id=support-update-1.*$"), QRegularExpression::MultilineOption);
        const QString entry = line.match(list.out).captured(0);
        QVERIFY2(entry.contains(QStringLiteral("succeeded")), qPrintable(list.out));
    }

    void badArgumentsExitWithUsage()
    {
        const Run run = console({QStringLiteral("--no-such-option")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains(QStringLiteral("Unknown option --no-such-option")));
        QVERIFY(run.err.contains(QStringLiteral("Usage: billing-console")));
    }

    void withoutADisplayTheWindowSaysSo()
    {
        const Run run = console({}, Test::sandboxKey(), Test::sandboxUrl(), [](QProcessEnvironment &env) {
            env.remove(QStringLiteral("DISPLAY"));
            env.remove(QStringLiteral("WAYLAND_DISPLAY"));
            env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        });
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("no display")), qPrintable(run.err));
        QVERIFY(run.err.contains(QStringLiteral("--screenshot")));
    }

    void screenshotRendersEveryPaneWithContent()
    {
        const QString dir = Test::screenshotDir() + QStringLiteral("/cli");
        const Run run = console({QStringLiteral("--screenshot"), dir});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        for (const char *pane : {"customers", "subscriptions", "invoices", "usage", "dunning", "settings"}) {
            const QImage image(dir + QLatin1Char('/') + QLatin1String(pane) + QStringLiteral(".png"));
            QVERIFY2(!image.isNull(), pane);
            QVERIFY(image.width() >= 600 && image.height() >= 400);
            // Not a blank window: count distinct colours on a coarse grid.
            QSet<QRgb> colours;
            for (int y = 0; y < image.height(); y += 8)
                for (int x = 0; x < image.width(); x += 8)
                    colours.insert(image.pixel(x, y));
            QVERIFY2(colours.size() > 20, pane);
        }
    }
};

QTEST_GUILESS_MAIN(tst_ConsoleCli)
#include "tst_consolecli.moc"
