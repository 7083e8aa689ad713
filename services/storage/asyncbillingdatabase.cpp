#include "services/storage/asyncbillingdatabase.h"

#include <QPointer>

namespace Billing {

AsyncBillingDatabase::AsyncBillingDatabase(BillingDbSettings settings, int pollIntervalMs,
                                           QObject *parent)
    : UsageReader(parent), m_settings(std::move(settings)), m_pollIntervalMs(pollIntervalMs),
      m_thread(std::make_unique<DbThread<BillingDatabase>>(
          [] { return std::make_unique<BillingDatabase>(QStringLiteral("bc-billing-async")); }))
{
}

AsyncBillingDatabase::~AsyncBillingDatabase()
{
    // Close on the worker first (the connection and its timer belong to that thread), then join
    // it before this object goes, so no watcher callback can reach a dead object.
    m_thread->runBlocking([](BillingDatabase &db) { db.close(); });
    m_thread.reset();
}

Result<BillingDatabase::OpenReport> AsyncBillingDatabase::openOnWorker(BillingDatabase &db)
{
    Result<BillingDatabase::OpenReport> report = db.open(m_settings);
    if (!report)
        return report;
    // Runs on the worker; `this` outlives the worker (see the destructor).
    if (Status s = db.watchUsage(m_pollIntervalMs,
                                  [this, &db] { foreignUsageOnWorker(db.foreignUsageFrom()); }); !s)
        return s.error();
    return report;
}

void AsyncBillingDatabase::foreignUsageOnWorker(const QDateTime &from)
{
    QMetaObject::invokeMethod(
        this,
        [this, from] {
            if (from.isValid())
                Q_EMIT usageChangedFrom(from);
            Q_EMIT usageChanged();
        },
        Qt::QueuedConnection);
}

void AsyncBillingDatabase::open(QObject *context,
                                std::function<void(Result<BillingDatabase::OpenReport>)> handler)
{
    m_thread->run(
        context, [this](BillingDatabase &db) { return openOnWorker(db); }, std::move(handler));
}

Result<BillingDatabase::OpenReport> AsyncBillingDatabase::openBlocking()
{
    return m_thread->runBlocking([this](BillingDatabase &db) { return openOnWorker(db); });
}

void AsyncBillingDatabase::series(const UsageSeriesQuery &query, QObject *context,
                                  std::function<void(Result<QList<UsagePoint>>)> handler)
{
    m_thread->run(
        context, [query](BillingDatabase &db) { return db.usageSeries(query); },
        std::move(handler));
}

void AsyncBillingDatabase::meters(QObject *context,
                                  std::function<void(Result<QStringList>)> handler)
{
    m_thread->run(
        context, [](BillingDatabase &db) { return db.usageMeters(); }, std::move(handler));
}

void AsyncBillingDatabase::recordUsageEvents(const QList<UsageEvent> &events, QObject *context,
                                             std::function<void(Result<int>)> handler)
{
    // Done runs with `this` as context, so the signal goes out even if the caller is gone.
    QDateTime earliest;
    for (const UsageEvent &e : events) {
        if (e.occurredAt.isValid() && (!earliest.isValid() || e.occurredAt < earliest))
            earliest = e.occurredAt.toUTC();
    }
    m_thread->run(
        this, [events](BillingDatabase &db) { return db.recordUsageEvents(events); },
        [this, earliest, guard = QPointer<QObject>(context), hasContext = context != nullptr,
         handler = std::move(handler)](Result<int> result) {
            if (result.ok() && *result > 0) {
                if (earliest.isValid())
                    Q_EMIT usageChangedFrom(earliest);
                Q_EMIT usageChanged();
            }
            if (handler && (!hasContext || guard))
                handler(std::move(result));
        });
}

void AsyncBillingDatabase::importUsageCsv(const QString &filePath, QObject *context,
                                          std::function<void(Result<UsageImportReport>)> handler)
{
    m_thread->run(
        this, [filePath](BillingDatabase &db) { return db.importUsageCsv(filePath); },
        [this, guard = QPointer<QObject>(context), hasContext = context != nullptr,
         handler = std::move(handler)](Result<UsageImportReport> result) {
            if (result.ok() && result->inserted > 0)
                Q_EMIT usageChanged();
            if (handler && (!hasContext || guard))
                handler(std::move(result));
        });
}

void AsyncBillingDatabase::replaceUsageSummaries(const QList<UsageSummaryWindow> &windows,
                                                 QObject *context,
                                                 std::function<void(QList<Status>)> handler)
{
    m_thread->run(
        this,
        [windows](BillingDatabase &db) {
            QList<Status> out;
            for (const UsageSummaryWindow &w : windows) {
                const Result<int> r = db.replaceUsageSummaries(w);
                out << (r ? Status() : Status(r.error()));
            }
            return out;
        },
        [this, windows, guard = QPointer<QObject>(context), hasContext = context != nullptr,
         handler = std::move(handler)](QList<Status> result) {
            QDateTime earliest;
            for (qsizetype i = 0; i < result.size() && i < windows.size(); ++i) {
                if (result.at(i).ok() &&
                    (!earliest.isValid() || windows.at(i).from < earliest))
                    earliest = windows.at(i).from.toUTC();
            }
            if (earliest.isValid()) {
                Q_EMIT usageChangedFrom(earliest);
                Q_EMIT usageChanged();
            }
            if (handler && (!hasContext || guard))
                handler(std::move(result));
        });
}

void AsyncBillingDatabase::meterInfos(QObject *context,
                                      std::function<void(Result<QList<UsageMeterInfo>>)> handler)
{
    m_thread->run(
        context, [](BillingDatabase &db) { return db.usageMeterInfos(); }, std::move(handler));
}

} // namespace Billing
