#include "app/dunningcommand.h"
#include "app/commandactor.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/dunning/dunningrunner.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTextStream>
#include <QTimer>

#include <optional>

namespace Billing {

namespace {


QString tr(const char *text) { return QCoreApplication::translate("Billing::DunningCommand", text); }

int fail(const Error &e)
{
    err() << tr("error: %1").arg(e.userMessage) << Qt::endl;
    return ExitFailed;
}

int bad(const QString &message)
{
    err() << tr("billing-console: %1").arg(message) << Qt::endl << dunningUsage();
    return ExitBadArguments;
}

template <typename T, typename Call>
Result<T> wait(Call call)
{
    QEventLoop loop;
    std::optional<Result<T>> result;
    call(&loop, [&](Result<T> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return *result;
}

} // namespace

QString dunningUsage()
{
    return tr("Usage:\n"
              "  billing-console dunning run [--at 2026-12-01T00:00:00Z] [--staff EMAIL]\n"
              "      run the dunning automation rules over the failed invoices (each step exactly once)\n"
              "  billing-console dunning rules\n"
              "      list the rules\n"
              "  billing-console dunning notifications\n"
              "      the latest owner notifications\n");
}

int runDunningCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail)
{
    if (args.isEmpty())
        return bad(tr("dunning needs a subcommand."));
    if (args.contains(QStringLiteral("--help"))) {
        out() << dunningUsage();
        return ExitOk;
    }
    const QString sub = args.first();
    QDateTime at = QDateTime::currentDateTimeUtc();
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--at") && i + 1 < args.size()) {
            at = QDateTime::fromString(args.at(++i), Qt::ISODate);
            if (!at.isValid())
                return bad(tr("--at needs an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z."));
            at = at.toUTC();
        } else {
            return bad(tr("Unexpected argument %1.").arg(a));
        }
    }
    if (sub != QLatin1String("run") && sub != QLatin1String("rules") && sub != QLatin1String("notifications"))
        return bad(tr("Unknown dunning command %1.").arg(sub));
    if (Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking(); !opened)
        return fail(opened.error());

    if (sub == QLatin1String("rules")) {
        Result<QList<DunningRule>> rules = session.billingDatabase().thread().runBlocking([](BillingDatabase &db) { return DunningRepository(db).rules(); });
        if (!rules)
            return fail(rules.error());
        for (const DunningRule &r : *rules)
            out() << tr("#%1 %2: %3 -> %4%5").arg(r.id).arg(r.name, dunningTriggerLabel(r.trigger, r.days), dunningActionLabel(r.action),
                                                  r.enabled ? QString() : tr(" (off)"))
                  << Qt::endl;
        if (rules->isEmpty())
            out() << tr("No dunning rules yet (add them in the console: Dunning > Rules).") << Qt::endl;
        return ExitOk;
    }
    if (sub == QLatin1String("notifications")) {
        Result<QList<DunningNotification>> notes =
            session.billingDatabase().thread().runBlocking([](BillingDatabase &db) { return DunningRepository(db).notifications(50); });
        if (!notes)
            return fail(notes.error());
        for (const DunningNotification &n : *notes)
            out() << n.at.toString(Qt::ISODate) << '\t' << (n.owner.isEmpty() ? tr("(team)") : n.owner) << '\t' << n.message << Qt::endl;
        return ExitOk;
    }

    if (!resolveCommandActor(session, staffEmail))
        return ExitFailed;
    if (Result<LocalCache::OpenReport> opened = session.cache().openBlocking(session.settings().cachePath); !opened)
        return fail(opened.error());
    if (Result<OutboxStore::OpenReport> opened = session.outbox().openBlocking(); !opened)
        return fail(opened.error());
    const bool online = session.loadStripeKeyBlocking().ok();
    if (online)
        session.outbox().start();
    DunningRunner runner(&session.cache(), &session.billingDatabase(), &session.runner());
    Result<DunningRunReport> report = wait<DunningRunReport>([&](QObject *c, auto h) { runner.run(at, c, h); });
    if (!report)
        return fail(report.error());
    for (const QString &m : report->messages)
        out() << m << Qt::endl;
    // Wait (at most a minute) for the queued writes to reach Stripe.
    int open = 0;
    QElapsedTimer timer;
    timer.start();
    do {
        open = 0;
        for (qint64 id : report->outboxEntries + report->earlierEntries) {
            Result<OutboxEntry> e = session.outbox().entryBlocking(id);
            open += e && e->isOpen() ? 1 : 0;
        }
        if (open == 0 || !online)
            break;
        QEventLoop loop;
        QTimer::singleShot(200, &loop, &QEventLoop::quit);
        loop.exec();
    } while (timer.elapsed() < 60000);
    // Record the outcome of every finished write on its run row now (also those an earlier, killed
    // run queued and Stripe answered while nothing listened), before the process ends.
    for (qint64 id : report->outboxEntries + report->earlierEntries) {
        Result<OutboxEntry> e = session.outbox().entryBlocking(id);
        if (!e || e->isOpen())
            continue;
        const OutboxEntry entry = e.value();
        (void)wait<bool>([&](QObject *c, auto h) {
            runner.recordOutcome(entry, c, [h](Status s) { h(s ? Result<bool>(true) : Result<bool>(s.error())); });
        });
    }
    out() << tr("Dunning run: %1 failed invoices, %2 decisions (%3 already taken earlier), %4 resumed, %5 Stripe writes queued, "
                "%6 owner notifications, %7 skipped, %8 refused, %9 recoveries counted (paid in Stripe).")
                 .arg(report->invoices)
                 .arg(report->decided)
                 .arg(report->alreadyDone)
                 .arg(report->resumed)
                 .arg(report->queued)
                 .arg(report->notified)
                 .arg(report->skipped)
                 .arg(report->failed)
                 .arg(report->recovered)
          << Qt::endl;
    if (open > 0) {
        err() << tr("%1 Stripe writes are still queued; the next run or `outbox run` sends them.").arg(open) << Qt::endl;
        return ExitPending;
    }
    return report->failed > 0 ? ExitFailed : ExitOk;
}

} // namespace Billing
