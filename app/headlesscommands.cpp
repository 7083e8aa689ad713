#include "app/headlesscommands.h"

#include "app/workspacesession.h"

#include <QCoreApplication>
#include <QTextStream>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("HeadlessCommands", text); }

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

int fail(const Error &error)
{
    err() << tr("error: %1").arg(error.userMessage) << Qt::endl;
    return HeadlessCommands::Failed;
}

} // namespace

int HeadlessCommands::run(const CommandLine &commandLine)
{
    switch (commandLine.command) {
    case CommandLine::Command::Sync: return sync(commandLine.fullSync);
    case CommandLine::Command::Status: return status();
    case CommandLine::Command::UsageImport: return importUsage(commandLine.usageFile);
    default: break;
    }
    err() << CommandLine::usage();
    return BadArguments;
}

bool HeadlessCommands::openCache()
{
    Result<LocalCache::OpenReport> opened = m_session.cache().openBlocking(m_session.settings().cachePath);
    if (!opened) {
        fail(opened.error());
        return false;
    }
    if (opened->rebuilt)
        err() << tr("note: %1").arg(opened->reason) << Qt::endl;
    return true;
}

int HeadlessCommands::sync(bool full)
{
    if (!openCache())
        return Failed;
    Result<Secret> key = m_session.loadStripeKeyBlocking();
    if (!key)
        return fail(key.error());
    out() << tr("Stripe key from %1; API at %2")
                 .arg(SecretStore::sourceName(key->source), m_session.settings().stripeApiBase.toString())
          << Qt::endl;

    SyncService &sync = m_session.sync();
    QObject::connect(&sync, &SyncControl::progress, &sync, [](const QString &stage, qint64 done, qint64 total) {
        if (total > 0)
            out() << tr("  %1: %2 of %3").arg(stage).arg(done).arg(total) << Qt::endl;
        else
            out() << tr("  %1: %2").arg(stage).arg(done) << Qt::endl;
    });
    Result<SyncSummary> summary = full ? sync.runFullSyncBlocking() : sync.runRefreshBlocking();
    if (!summary)
        return fail(summary.error());
    out() << (summary->full ? tr("Full sync done in %1 ms.") : tr("Refresh done in %1 ms.")).arg(summary->durationMs)
          << Qt::endl;
    for (auto it = summary->upserted.cbegin(); it != summary->upserted.cend(); ++it)
        out() << tr("  %1: %2 written").arg(it.key()).arg(it.value()) << Qt::endl;
    for (auto it = summary->removed.cbegin(); it != summary->removed.cend(); ++it)
        out() << tr("  %1: %2 removed").arg(it.key()).arg(it.value()) << Qt::endl;
    if (!summary->full)
        out() << tr("  events applied: %1").arg(summary->events) << Qt::endl;
    return Ok;
}

int HeadlessCommands::status()
{
    if (!openCache())
        return Failed;
    auto counts = m_session.cache().thread().runBlocking([](LocalCache &cache) { return cache.counts(); });
    if (!counts)
        return fail(counts.error());
    auto lastSync = m_session.cache().thread().runBlocking(
        [](LocalCache &cache) { return cache.meta(QString::fromLatin1(SyncService::MetaLastSync)); });
    out() << tr("Workspace:      %1").arg(m_session.settings().name) << Qt::endl
          << tr("Stripe API:     %1").arg(m_session.settings().stripeApiBase.toString()) << Qt::endl
          << tr("Cache:          %1").arg(m_session.settings().cachePath) << Qt::endl
          << tr("Billing DB:     %1").arg(billingDbSettingsFor(m_session.settings()).describe()) << Qt::endl
          << tr("Last sync:      %1").arg(lastSync && !lastSync->isEmpty() ? *lastSync : tr("never")) << Qt::endl
          << tr("Customers:      %1").arg(counts->customers) << Qt::endl
          << tr("Subscriptions:  %1").arg(counts->subscriptions) << Qt::endl
          << tr("Invoices:       %1").arg(counts->invoices) << Qt::endl
          << tr("Failed payments: %1").arg(counts->failedInvoices) << Qt::endl;
    return Ok;
}

int HeadlessCommands::importUsage(const QString &file)
{
    AsyncBillingDatabase &db = m_session.billingDatabase();
    Result<BillingDatabase::OpenReport> opened = db.openBlocking();
    if (!opened)
        return fail(opened.error());
    Result<UsageImportReport> report =
        db.thread().runBlocking([file](BillingDatabase &billing) { return billing.importUsageCsv(file); });
    if (!report)
        return fail(report.error());
    out() << tr("Usage import: %1 rows, %2 new events, %3 already recorded.")
                 .arg(report->rows)
                 .arg(report->inserted)
                 .arg(report->duplicates)
          << Qt::endl;
    return Ok;
}

} // namespace Billing
