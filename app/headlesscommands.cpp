#include "app/headlesscommands.h"

#include "app/commandoutput.h"

#include "app/budgetscommand.h"
#include "app/commandactor.h"
#include "app/installmentscommand.h"
#include "app/dunningcommand.h"
#include "app/exportcommand.h"
#include "app/fxcommand.h"
#include "app/pricecommand.h"
#include "app/workspacesession.h"
#include "app/referralcommand.h"
#include "services/lifecycle/seasonalscheduler.h"
#include "services/domain/currency.h"
#include "services/domain/money.h"
#include "services/operations/operationrunner.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonObject>
#include <QTextStream>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("HeadlessCommands", text); }

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
    case CommandLine::Command::RefundCreate: return refundCreate(commandLine);
    case CommandLine::Command::CustomerUpdate: return customerUpdate(commandLine);
    case CommandLine::Command::OutboxRun:
        if (!commandLine.staffEmail.isEmpty() && !resolveActor(commandLine.staffEmail))
            return Failed;
        return outboxRun();
    case CommandLine::Command::StaffSeedDemo: return staffSeedDemo();
    case CommandLine::Command::StaffList: return staffList();
    case CommandLine::Command::SeasonalRun: return seasonalRun(commandLine);
    case CommandLine::Command::Export: return runExportCommand(m_session, commandLine.exportArgs);
    case CommandLine::Command::Budgets:
        return runBudgetsCommand(m_session, commandLine.exportArgs, commandLine.staffEmail);
    case CommandLine::Command::Installments:
        return runInstallmentsCommand(m_session, commandLine.exportArgs, commandLine.staffEmail);
    case CommandLine::Command::Dunning:
        return runDunningCommand(m_session, commandLine.exportArgs, commandLine.staffEmail);
    case CommandLine::Command::Fx:
        return runFxCommand(m_session, commandLine.exportArgs, commandLine.staffEmail);
    case CommandLine::Command::Price: return runPriceCommand(m_session, commandLine.exportArgs);
    case CommandLine::Command::Referrals:
        return runReferralCommand(m_session, commandLine.exportArgs, commandLine.staffEmail);
    case CommandLine::Command::OutboxList: return outboxList(commandLine.outboxState);
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

namespace Billing {

namespace {

QJsonObject metadataJson(const QList<QPair<QString, QString>> &metadata)
{
    QJsonObject m;
    for (const auto &[key, value] : metadata)
        m.insert(key, value);
    return m;
}

QString describe(const OutboxEntry &e)
{
    QString text = QStringLiteral("#%1 %2 %3 [%4]").arg(e.id).arg(e.operation, e.path, outboxStateName(e.state));
    if (!e.resultObjectId.isEmpty())
        text += QStringLiteral(" -> %1").arg(e.resultObjectId);
    return text;
}

} // namespace

bool HeadlessCommands::openOutbox()
{
    Result<OutboxStore::OpenReport> opened = m_session.outbox().openBlocking();
    if (!opened) {
        fail(opened.error());
        return false;
    }
    for (const QString &file : opened->setAside)
        err() << tr("attention: a damaged outbox was set aside at %1; check its operations in Stripe, then delete it.")
                     .arg(file)
              << Qt::endl;
    return true;
}

bool HeadlessCommands::loadKey()
{
    if (m_keyLoaded)
        return true;
    Result<Secret> key = m_session.loadStripeKeyBlocking();
    if (!key) {
        fail(key.error());
        return false;
    }
    m_keyLoaded = true;
    return true;
}

bool HeadlessCommands::openBillingDb()
{
    if (m_billingOpen)
        return true;
    Result<BillingDatabase::OpenReport> opened = m_session.billingDatabase().openBlocking();
    if (!opened) {
        fail(opened.error());
        return false;
    }
    m_billingOpen = true;
    return true;
}

bool HeadlessCommands::resolveActor(const QString &email)
{
    return openBillingDb() && resolveCommandActor(m_session, email);
}

int HeadlessCommands::staffSeedDemo()
{
    if (!openBillingDb())
        return Failed;
    auto seeded = m_session.billingDatabase().thread().runBlocking(
        [](BillingDatabase &db) { return StaffDirectory::seedDemoOn(db); });
    if (!seeded)
        return fail(seeded.error());
    for (const StaffMember &m : *seeded)
        out() << tr("%1\t%2\t%3").arg(m.email, staffRoleName(m.role), m.displayName) << Qt::endl;
    out() << QCoreApplication::translate("HeadlessCommands", "Demo staff ready: %n profile(s).", nullptr, int(seeded->size())) << Qt::endl;
    return Ok;
}

int HeadlessCommands::staffList()
{
    if (!openBillingDb())
        return Failed;
    auto staff = m_session.billingDatabase().thread().runBlocking([](BillingDatabase &db) { return db.staff(true); });
    if (!staff)
        return fail(staff.error());
    for (const StaffMember &m : *staff)
        out() << QStringLiteral("%1\t%2\t%3\t%4")
                     .arg(m.email, staffRoleName(m.role), m.active ? tr("active") : tr("inactive"), m.displayName)
              << Qt::endl;
    out() << QCoreApplication::translate("HeadlessCommands", "%n staff profile(s).", nullptr, int(staff->size())) << Qt::endl;
    return Ok;
}

int HeadlessCommands::seasonalRun(const CommandLine &cl)
{
    if (!openOutbox() || !resolveActor(cl.staffEmail))
        return Failed;
    Result<SchedulerRunReport> report = m_session.seasonalScheduler().runDue(QDateTime::currentDateTimeUtc());
    if (!report)
        return fail(report.error());
    for (const SeasonalAction &a : report->submitted)
        out() << tr("Queued: %1 %2 (window %3)").arg(a.action, a.subscriptionId).arg(a.windowYear) << Qt::endl;
    for (const SeasonalAction &a : report->alreadyDone)
        out() << tr("Already done: %1 %2 (window %3)").arg(a.action, a.subscriptionId).arg(a.windowYear) << Qt::endl;
    for (const auto &[a, why] : report->failed)
        err() << tr("Not queued: %1 %2 (window %3): %4").arg(a.action, a.subscriptionId).arg(a.windowYear).arg(why)
              << Qt::endl;
    int code = report->failed.isEmpty() ? Ok : Failed;
    if (!report->submitted.isEmpty()) {
        if (!loadKey())
            return Pending;
        Result<OutboxService::DrainReport> sent = m_session.outbox().drainBlocking();
        if (!sent)
            return fail(sent.error());
        reconcileBlocking();
        out() << tr("Seasonal run: %1 queued, %2 sent, %3 failed, %4 still pending.")
                     .arg(report->submitted.size())
                     .arg(sent->succeeded)
                     .arg(sent->failed + sent->needsAttention)
                     .arg(sent->stillPending)
              << Qt::endl;
        if (sent->failed + sent->needsAttention > 0)
            code = Failed;
        else if (sent->stillPending > 0 && code == Ok)
            code = Pending;
    } else {
        out() << tr("Seasonal run: nothing due.") << Qt::endl;
    }
    return code;
}

void HeadlessCommands::reconcileBlocking()
{
    QEventLoop loop;
    bool done = false;
    m_session.runner().reconcile(50, &loop, [&](Result<int>) {
        done = true;
        loop.quit();
    });
    if (!done)
        loop.exec();
}

int HeadlessCommands::submitAndSend(const OperationRequest &request)
{
    if (!request.outbox.clientOpId.isEmpty()) {
        Result<std::optional<OutboxEntry>> existing =
            m_session.outbox().entryByClientOpIdBlocking(request.outbox.clientOpId);
        if (!existing)
            return fail(existing.error());
        if (existing->has_value())
            return sendAndReport(**existing, true);
    }
    std::optional<Result<OutboxEntry>> queued;
    QEventLoop loop;
    m_session.runner().submit(request, &loop, [&](Result<OutboxEntry> entry) {
        queued.emplace(std::move(entry));
        loop.quit();
    });
    if (!queued)
        loop.exec();
    if (!queued->ok()) {
        const Error &e = queued->error();
        fail(e);
        return e.kind == Error::Kind::Conflict || e.kind == Error::Kind::Validation ? BadArguments : Failed;
    }
    return sendAndReport(queued->value(), false);
}

int HeadlessCommands::sendAndReport(OutboxEntry first, bool alreadyQueued)
{
    Result<OutboxEntry> entry = first;
    if (entry->isOpen()) {
        out() << tr("Queued %1 (idempotency key %2).").arg(describe(*entry), entry->idempotencyKey) << Qt::endl;
        if (!loadKey()) {
            err() << tr("The operation stays queued; `outbox run` sends it once a key is available.") << Qt::endl;
            return Pending;
        }
        Result<OutboxService::DrainReport> sent = m_session.outbox().drainBlocking(entry->id);
        if (!sent)
            return fail(sent.error());
        Result<OutboxEntry> now = m_session.outbox().entryBlocking(entry->id);
        if (!now)
            return fail(now.error());
        entry = now;
        reconcileBlocking();
    } else {
        if (alreadyQueued)
            out() << tr("Already in the outbox as %1; not sent again.").arg(describe(*entry)) << Qt::endl;
        reconcileBlocking();
    }
    switch (entry->state) {
    case OutboxState::Succeeded:
        out() << tr("Done: %1").arg(describe(*entry)) << Qt::endl;
        return Ok;
    case OutboxState::Failed:
        err() << tr("error: Stripe refused %1: %2 (HTTP %3, request %4)")
                     .arg(describe(*entry), entry->errorMessage)
                     .arg(entry->errorHttpStatus)
                     .arg(entry->errorRequestId)
              << Qt::endl;
        return Failed;
    case OutboxState::NeedsAttention:
        err() << tr("attention: %1 needs a person: %2").arg(describe(*entry), entry->errorMessage) << Qt::endl;
        return Failed;
    case OutboxState::Pending:
    case OutboxState::InFlight:
        err() << tr("Not sent yet: %1 (%2). It stays queued; run the same command again or `outbox run`.")
                     .arg(describe(*entry), entry->errorMessage)
              << Qt::endl;
        return Pending;
    }
    return Failed;
}

int HeadlessCommands::refundCreate(const CommandLine &cl)
{
    if (!openOutbox() || !resolveActor(cl.staffEmail))
        return Failed;
    openCache(); // Stripe's answer goes into the cache when it is there; the refund does not need it
    OutboxOperation op;
    op.operation = QStringLiteral("refund.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/refunds");
    op.params.insert(QStringLiteral("payment_intent"), cl.paymentIntent);
    if (cl.amountMinor > 0)
        op.params.insert(QStringLiteral("amount"), cl.amountMinor);
    if (!cl.reason.isEmpty())
        op.params.insert(QStringLiteral("reason"), cl.reason);
    if (!cl.metadata.isEmpty())
        op.params.insert(QStringLiteral("metadata"), metadataJson(cl.metadata));
    op.clientOpId = cl.opId;

    OperationRequest request;
    request.permission = Permission::Refund;
    request.outbox = op;
    request.targetType = QStringLiteral("payment_intent");
    request.targetId = cl.paymentIntent;

    // A re-run of an operation already in the outbox was checked the first time.
    if (!cl.opId.isEmpty()) {
        Result<std::optional<OutboxEntry>> existing = m_session.outbox().entryByClientOpIdBlocking(cl.opId);
        if (!existing)
            return fail(existing.error());
        if (existing->has_value())
            return sendAndReport(**existing, true);
    }
    // The role check needs the amount in the payment's currency, and an amount only means something
    // in that currency (Stripe takes minor units and would not notice 10.00 USD sent as 1000 JPY).
    if (!loadKey())
        return Failed;
    std::optional<Result<QJsonObject>> pi;
    QEventLoop loop;
    m_session.stripe().get(QStringLiteral("/v1/payment_intents/") + cl.paymentIntent, {}, &loop,
                           [&](Result<QJsonObject> r) {
                               pi.emplace(std::move(r));
                               loop.quit();
                           });
    if (!pi)
        loop.exec();
    if (!pi->ok()) {
        err() << tr("error: the payment intent could not be checked, so nothing was queued: %1")
                     .arg(pi->error().userMessage)
              << Qt::endl;
        return pi->error().kind == Error::Kind::NotFound ? BadArguments : Failed;
    }
    const QString currency = pi->value().value(QLatin1String("currency")).toString();
    if (cl.amountMinor > 0 && currency.compare(cl.currency, Qt::CaseInsensitive) != 0) {
        err() << tr("error: %1 is in %2, not %3; nothing was queued.")
                     .arg(cl.paymentIntent, currency.toUpper(), cl.currency)
              << Qt::endl;
        return BadArguments;
    }
    const std::optional<Currency> cur = Currency::fromCode(currency);
    if (!cur) {
        err() << tr("error: %1 is in %2, a currency this console does not know; nothing was queued.")
                     .arg(cl.paymentIntent, currency.toUpper())
              << Qt::endl;
        return Failed;
    }
    // Without --amount Stripe refunds what is left: at most what was received.
    const qint64 amount = cl.amountMinor > 0
        ? cl.amountMinor
        : pi->value().value(QLatin1String("amount_received")).toInteger();
    request.amount = Money(amount, *cur);
    request.intentSummary = cl.amountMinor > 0 ? tr("Refund %1 %2 of %3").arg(cl.amountMinor).arg(currency.toUpper(), cl.paymentIntent)
                                               : tr("Refund what is left of %1").arg(cl.paymentIntent);
    return submitAndSend(request);
}

int HeadlessCommands::customerUpdate(const CommandLine &cl)
{
    if (!openOutbox() || !resolveActor(cl.staffEmail))
        return Failed;
    openCache();
    OutboxOperation op;
    op.operation = QStringLiteral("customer.update");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/customers/") + cl.customerId;
    if (!cl.metadata.isEmpty())
        op.params.insert(QStringLiteral("metadata"), metadataJson(cl.metadata));
    if (!cl.email.isEmpty())
        op.params.insert(QStringLiteral("email"), cl.email);
    if (!cl.name.isEmpty())
        op.params.insert(QStringLiteral("name"), cl.name);
    op.clientOpId = cl.opId;
    OperationRequest request;
    request.permission = Permission::EditCustomer;
    request.outbox = op;
    request.targetType = QStringLiteral("customer");
    request.targetId = cl.customerId;
    request.intentSummary = tr("Update customer %1").arg(cl.customerId);
    return submitAndSend(request);
}

int HeadlessCommands::outboxRun()
{
    if (!openOutbox())
        return Failed;
    if (!loadKey())
        return Failed;
    Result<OutboxService::DrainReport> report = m_session.outbox().drainBlocking();
    if (!report)
        return fail(report.error());
    Result<QMap<OutboxState, int>> counts = m_session.outbox().countsBlocking();
    if (!counts)
        return fail(counts.error());
    const int open = counts->value(OutboxState::Pending) + counts->value(OutboxState::InFlight);
    out() << tr("Outbox run: %1 sent, %2 succeeded, %3 failed, %4 need attention, %5 still pending.")
                 .arg(report->attempted)
                 .arg(report->succeeded)
                 .arg(report->failed)
                 .arg(report->needsAttention)
                 .arg(open)
          << Qt::endl;
    out() << tr("Outbox totals: %1 succeeded, %2 failed, %3 need attention.")
                 .arg(counts->value(OutboxState::Succeeded))
                 .arg(counts->value(OutboxState::Failed))
                 .arg(counts->value(OutboxState::NeedsAttention))
          << Qt::endl;
    if (report->failed > 0 || report->needsAttention > 0)
        return Failed;
    return open > 0 ? Pending : Ok;
}

int HeadlessCommands::outboxList(const QString &state)
{
    if (!openOutbox())
        return Failed;
    const std::optional<OutboxState> filter = state.isEmpty() ? std::nullopt : outboxStateFromName(state);
    Result<QList<OutboxEntry>> entries = m_session.outbox().entriesBlocking(filter);
    if (!entries)
        return fail(entries.error());
    for (const OutboxEntry &e : *entries) {
        QString line = QStringLiteral("%1\t%2\t%3\t%4 %5\tattempts=%6\tcreated=%7\top_id=%8\tkey=%9")
                           .arg(e.id)
                           .arg(outboxStateName(e.state), e.operation, e.method, e.path)
                           .arg(e.attempts)
                           .arg(e.createdAt.toString(Qt::ISODate), e.clientOpId.isEmpty() ? QStringLiteral("-") : e.clientOpId,
                                e.idempotencyKey);
        if (!e.resultObjectId.isEmpty())
            line += QStringLiteral("\tresult=%1").arg(e.resultObjectId);
        if (!e.errorKind.isEmpty())
            line += QStringLiteral("\terror=%1 http=%2 request=%3: %4")
                        .arg(e.errorKind)
                        .arg(e.errorHttpStatus)
                        .arg(e.errorRequestId.isEmpty() ? QStringLiteral("-") : e.errorRequestId, e.errorMessage);
        out() << line << Qt::endl;
    }
    out() << QCoreApplication::translate("HeadlessCommands", "%n operation(s).", nullptr, int(entries->size()))
          << Qt::endl;
    return Ok;
}

} // namespace Billing
