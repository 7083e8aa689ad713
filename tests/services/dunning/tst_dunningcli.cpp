// The real `billing-console dunning run` executable (what a scheduler runs) as a second process on
// one workspace (billing database, cache, outbox files) against the sandbox: run twice, then with a
// later --at killed with SIGKILL in the middle of its run and restarted. Every (invoice, step) is
// decided once, every owner notification written once, every Stripe write reaches Stripe once.
// The failed invoices are the test's own: new customers, one-off invoices, paid with Stripe's
// declining test card.

#include "dunningstack.h"

#include <QDir>
#include <QElapsedTimer>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace Billing;
using namespace Billing::Test;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// The summary line's counts: "Dunning run: N failed invoices, D decisions (A already taken earlier), R resumed, Q Stripe writes queued, ..."
struct Summary
{
    int invoices = -1, decided = -1, alreadyDone = -1, resumed = -1, queued = -1;
};

Summary summaryOf(const QString &out)
{
    static const QRegularExpression re(QStringLiteral(
        "Dunning run: (\\d+) failed invoices, (\\d+) decisions \\((\\d+) already taken earlier\\), (\\d+) resumed, (\\d+) Stripe writes queued"));
    Summary s;
    const QRegularExpressionMatch m = re.match(out);
    if (m.hasMatch()) {
        s.invoices = m.captured(1).toInt();
        s.decided = m.captured(2).toInt();
        s.alreadyDone = m.captured(3).toInt();
        s.resumed = m.captured(4).toInt();
        s.queued = m.captured(5).toInt();
    }
    return s;
}

} // namespace

class tst_DunningCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_data;
    QString m_workspace = QStringLiteral("dunning-cli");
    QList<FailedInvoice> m_sent;    // collection_method send_invoice: reminders are Stripe writes
    QList<FailedInvoice> m_charged; // charge_automatically: reminders are skipped (Stripe e-mails only sent invoices)
    QList<DunningRule> m_rules;     // notify on failure, reminder on failure, reminder a day after due

    QString workspaceDir() const { return m_data.filePath(m_workspace); }
    QString billingDbPath() const { return workspaceDir() + QStringLiteral("/billing.sqlite"); }

    QStringList consoleArgs(const QStringList &args) const
    {
        return QStringList{QStringLiteral("--data-dir"), m_data.path(), QStringLiteral("--workspace"), m_workspace,
                           QStringLiteral("--base-url"), sandboxUrl()}
             + args;
    }

    void prepare(QProcess &p) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BILLING_CONSOLE_STRIPE_KEY"), sandboxKey());
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS")); // no keychain: the key comes from the environment
        p.setProcessEnvironment(env);
    }

    Run console(const QStringList &args) const
    {
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(BC_CONSOLE_EXE), consoleArgs(args));
        if (!p.waitForFinished(180000))
            p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    QList<FailedInvoice> all() const { return m_sent + m_charged; }

    // Read straight from the billing database file, as another process would.
    struct DbView
    {
        QHash<QString, QString> runStates; // "invoice|step" -> state (the primary key makes one row each)
        QHash<QString, int> notifications; // invoice -> owner notifications written
        QString error;
    };
    DbView readBillingDb(const QString &connection) const
    {
        DbView v;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(billingDbPath());
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000;QSQLITE_OPEN_READONLY"));
            if (!db.open()) {
                v.error = db.lastError().text();
            } else {
                QSqlQuery q(db);
                if (q.exec(QStringLiteral("SELECT invoice_id, step_key, state FROM dunning_rule_runs"))) {
                    while (q.next())
                        v.runStates.insert(q.value(0).toString() + QLatin1Char('|') + q.value(1).toString(), q.value(2).toString());
                } else {
                    v.error = q.lastError().text();
                }
                if (q.exec(QStringLiteral("SELECT invoice_id FROM dunning_notifications"))) {
                    while (q.next())
                        ++v.notifications[q.value(0).toString()];
                }
                db.close();
            }
        }
        QSqlDatabase::removeDatabase(connection);
        return v;
    }

    // invoice.sent events in the sandbox per invoice of ours (each one a reminder Stripe e-mailed).
    QHash<QString, int> sentEvents() const
    {
        QSet<QString> mine;
        for (const FailedInvoice &f : all())
            mine << f.invoiceId;
        QHash<QString, int> out;
        QString after;
        for (int page = 0; page < 200; ++page) {
            QString path = QStringLiteral("/v1/events?type=invoice.sent&limit=100");
            if (!after.isEmpty())
                path += QStringLiteral("&starting_after=") + after;
            const QJsonObject list = sandboxForm("GET", path);
            const QJsonArray data = list.value(QLatin1String("data")).toArray();
            for (const QJsonValue &v : data) {
                after = v.toObject().value(QLatin1String("id")).toString();
                const QString inv = v.toObject().value(QLatin1String("data")).toObject().value(QLatin1String("object")).toObject()
                                        .value(QLatin1String("id")).toString();
                if (mine.contains(inv))
                    ++out[inv];
            }
            if (!list.value(QLatin1String("has_more")).toBool() || data.isEmpty())
                break;
        }
        return out;
    }

    QString key(const FailedInvoice &f, int rule, bool perAttempt) const
    {
        return f.invoiceId + QLatin1Char('|') + QStringLiteral("r%1").arg(m_rules.at(rule).id) + (perAttempt ? QStringLiteral(":a1") : QString());
    }

    // The due-plus-a-day rule fires for every invoice at this time (send_invoice: due in 7 days).
    static QString later() { return QDateTime::currentDateTimeUtc().addDays(10).toString(Qt::ISODate); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_data.isValid());
        QVERIFY2(!sandboxUrl().isEmpty(), "run through ctest: the sandbox fixture sets BC_SANDBOX_URL");
        for (int i = 0; i < 12; ++i) {
            const std::optional<FailedInvoice> f = makeDeclinedOneOffInvoice(QStringLiteral("Cli Sent %1").arg(i),
                                                                             QStringLiteral("pm_card_chargeDeclinedInsufficientFunds"),
                                                                             QStringLiteral("send_invoice"), 1500 + i);
            QVERIFY2(f, "a send_invoice one-off invoice declined by pm_card_chargeDeclinedInsufficientFunds");
            m_sent << *f;
        }
        for (int i = 0; i < 3; ++i) {
            const std::optional<FailedInvoice> f = makeDeclinedOneOffInvoice(QStringLiteral("Cli Charged %1").arg(i),
                                                                             QStringLiteral("pm_card_chargeDeclined"));
            QVERIFY2(f, "a charge_automatically one-off invoice declined by pm_card_chargeDeclined");
            m_charged << *f;
        }

        // The console makes the workspace; the test puts its invoices in the cache (as a sync would,
        // without the shared demo data) and the rules in the billing database.
        const Run rules = console({QStringLiteral("dunning"), QStringLiteral("rules")});
        QVERIFY2(rules.exitCode == 0, qPrintable(rules.err));
        QVERIFY(QFile::exists(billingDbPath()));
        DunningStack s(workspaceDir(), dunningFinance());
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        for (const FailedInvoice &f : all())
            QVERIFY(s.load(f.invoiceId).ok());
        DunningRule notify;
        notify.name = QStringLiteral("Tell the owner");
        notify.trigger = DunningTrigger::OnFailure;
        notify.action = DunningAction::NotifyOwner;
        DunningRule remind;
        remind.name = QStringLiteral("Remind at once");
        remind.trigger = DunningTrigger::OnFailure;
        remind.action = DunningAction::SendReminder;
        DunningRule remindLater;
        remindLater.name = QStringLiteral("Remind a day after due");
        remindLater.trigger = DunningTrigger::AfterDays;
        remindLater.days = 1;
        remindLater.action = DunningAction::SendReminder;
        for (const DunningRule &r : {notify, remind, remindLater}) {
            Result<DunningRule> saved = s.db([r](BillingDatabase &db) { return DunningRepository(db).saveRule(r, QStringLiteral("fin@example.com")); });
            QVERIFY(saved.ok());
            m_rules << saved.value();
        }
    }

    void secondRunOfTheCommandRepeatsNothing()
    {
        const int n = int(all().size());
        const Run first = console({QStringLiteral("dunning"), QStringLiteral("run")});
        QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));
        const Summary a = summaryOf(first.out);
        QCOMPARE(a.invoices, n);
        QCOMPARE(a.decided, 2 * n);     // notify + reminder for each
        QCOMPARE(a.queued, int(m_sent.size())); // reminders of send_invoice invoices only
        QCOMPARE(a.alreadyDone, 0);

        const Run second = console({QStringLiteral("dunning"), QStringLiteral("run")});
        QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
        const Summary b = summaryOf(second.out);
        QCOMPARE(b.invoices, n);
        QCOMPARE(b.decided, 0);
        QCOMPARE(b.alreadyDone, 2 * n);
        QCOMPARE(b.queued, 0);

        const DbView v = readBillingDb(QStringLiteral("after-two-runs"));
        QVERIFY2(v.error.isEmpty(), qPrintable(v.error));
        for (const FailedInvoice &f : m_sent) {
            QCOMPARE(v.runStates.value(key(f, 0, true)), QStringLiteral("done"));
            QCOMPARE(v.runStates.value(key(f, 1, true)), QStringLiteral("done"));
            QCOMPARE(v.notifications.value(f.invoiceId), 1);
        }
        for (const FailedInvoice &f : m_charged) {
            QCOMPARE(v.runStates.value(key(f, 0, true)), QStringLiteral("done"));
            QCOMPARE(v.runStates.value(key(f, 1, true)), QStringLiteral("skipped"));
            QCOMPARE(v.notifications.value(f.invoiceId), 1);
        }
        const QHash<QString, int> sent = sentEvents();
        for (const FailedInvoice &f : m_sent)
            QCOMPARE(sent.value(f.invoiceId), 1);
        for (const FailedInvoice &f : m_charged)
            QCOMPARE(sent.value(f.invoiceId), 0);
    }

    void killedMidRunThenRestartedDoesEachStepOnce()
    {
        const int n = int(all().size());
        const QString at = later();
        // Start the run that has the "a day after due" step to take for every invoice, and kill it
        // (SIGKILL: no cleanup) as soon as the billing database shows its first such decision.
        QProcess p;
        prepare(p);
        p.start(QStringLiteral(BC_CONSOLE_EXE), consoleArgs({QStringLiteral("dunning"), QStringLiteral("run"), QStringLiteral("--at"), at}));
        QVERIFY(p.waitForStarted(30000));
        int seenBeforeKill = 0;
        int doneBeforeKill = 0;
        QElapsedTimer clock;
        clock.start();
        while (p.state() == QProcess::Running && clock.elapsed() < 60000) {
            const DbView v = readBillingDb(QStringLiteral("poll"));
            int seen = 0, done = 0;
            for (const FailedInvoice &f : all()) {
                const QString st = v.runStates.value(key(f, 2, false));
                seen += st.isEmpty() ? 0 : 1;
                done += st == QLatin1String("done") || st == QLatin1String("skipped") ? 1 : 0;
            }
            if (seen > 0) {
                ::kill(pid_t(p.processId()), SIGKILL);
                seenBeforeKill = seen;
                doneBeforeKill = done;
                break;
            }
            QTest::qWait(1);
        }
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitStatus() == QProcess::CrashExit, "the run was killed before it ended");
        qInfo("killed after %d of %d decisions of the step were written (%d carried out)", seenBeforeKill, n, doneBeforeKill);
        QVERIFY2(doneBeforeKill < n, "the kill came after the run had done everything");

        // Restart: the rest is decided, the decided-but-unsent writes are resumed, nothing twice.
        const Run restart = console({QStringLiteral("dunning"), QStringLiteral("run"), QStringLiteral("--at"), at});
        QVERIFY2(restart.exitCode == 0, qPrintable(restart.out + restart.err));
        const Summary r = summaryOf(restart.out);
        QCOMPARE(r.invoices, n);
        QCOMPARE(r.alreadyDone + r.decided + r.resumed, 2 * n + n); // resumed: decided before the kill, never queued
        QVERIFY(r.decided <= n - seenBeforeKill);

        const Run again = console({QStringLiteral("dunning"), QStringLiteral("run"), QStringLiteral("--at"), at});
        QVERIFY2(again.exitCode == 0, qPrintable(again.out + again.err));
        const Summary g = summaryOf(again.out);
        QCOMPARE(g.decided, 0);
        QCOMPARE(g.resumed, 0);
        QCOMPARE(g.queued, 0);
        QCOMPARE(g.alreadyDone, 3 * n);

        const DbView v = readBillingDb(QStringLiteral("after-restart"));
        QVERIFY2(v.error.isEmpty(), qPrintable(v.error));
        for (const FailedInvoice &f : m_sent) {
            QCOMPARE(v.runStates.value(key(f, 2, false)), QStringLiteral("done"));
            QCOMPARE(v.notifications.value(f.invoiceId), 1);
        }
        for (const FailedInvoice &f : m_charged) {
            QCOMPARE(v.runStates.value(key(f, 2, false)), QStringLiteral("skipped"));
            QCOMPARE(v.notifications.value(f.invoiceId), 1);
        }
        // At Stripe: each send_invoice invoice e-mailed exactly twice (one per reminder step),
        // however the kill fell between decision, outbox and Stripe's answer.
        const QHash<QString, int> sent = sentEvents();
        for (const FailedInvoice &f : m_sent)
            QCOMPARE(sent.value(f.invoiceId), 2);
        for (const FailedInvoice &f : m_charged)
            QCOMPARE(sent.value(f.invoiceId), 0);
    }
};

QTEST_GUILESS_MAIN(tst_DunningCli)
#include "tst_dunningcli.moc"
