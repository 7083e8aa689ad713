#pragma once

#include "services/storage/billingdatabase.h"
#include "services/storage/dbthread.h"
#include "services/storage/usage.h"

#include <functional>
#include <memory>

#include <QObject>

namespace Billing {

// The billing database on a worker thread of its own (DbThread<BillingDatabase>), for the GUI.
// Implements UsageReader for the usage chart. Other reads and writes go through thread().
//
// usageChanged() is emitted (on this object's thread) after usage was recorded through this
// object, and when another console recorded usage: on PostgreSQL through LISTEN billing_usage
// on the worker's connection (recordUsageEvents NOTIFYs in its transaction), on SQLite by polling
// PRAGMA data_version every pollIntervalMs (0 = no polling).
// Handlers run on `context`'s thread while `context` lives; context must live on this object's
// thread.
class AsyncBillingDatabase final : public UsageReader
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AsyncBillingDatabase)
public:
    explicit AsyncBillingDatabase(BillingDbSettings settings, int pollIntervalMs = 0,
                                  QObject *parent = nullptr);
    ~AsyncBillingDatabase() override;

    // Connects and migrates on the worker, then starts watching for other consoles' usage.
    void open(QObject *context, std::function<void(Result<BillingDatabase::OpenReport>)> handler);
    // The same, waiting: for the command line and tests only, never on the GUI thread.
    Result<BillingDatabase::OpenReport> openBlocking();

    void series(const UsageSeriesQuery &query, QObject *context,
                std::function<void(Result<QList<UsagePoint>>)> handler) override;
    void meters(QObject *context, std::function<void(Result<QStringList>)> handler) override;

    // Writes that change usage, so that usageChanged() follows them.
    void recordUsageEvents(const QList<UsageEvent> &events, QObject *context,
                           std::function<void(Result<int>)> handler);
    void importUsageCsv(const QString &filePath, QObject *context,
                        std::function<void(Result<UsageImportReport>)> handler);
    // Stripe summaries, window after window, each its own transaction
    // (BillingDatabase::replaceUsageSummaries): one Status per window, in order; a refused window
    // leaves nothing behind and does not stop the others. usageChanged() follows when any stored.
    void replaceUsageSummaries(const QList<UsageSummaryWindow> &windows, QObject *context,
                               std::function<void(QList<Status>)> handler);
    void meterInfos(QObject *context,
                    std::function<void(Result<QList<UsageMeterInfo>>)> handler) override;

    // Every other call: thread().run(context, [](BillingDatabase &db) { ... }, handler).
    DbThread<BillingDatabase> &thread() { return *m_thread; }
    const BillingDbSettings &settings() const { return m_settings; }

private:
    Result<BillingDatabase::OpenReport> openOnWorker(BillingDatabase &db);
    void foreignUsageOnWorker(const QDateTime &from); // from: earliest changed time, or null

    BillingDbSettings m_settings;
    int m_pollIntervalMs = 0;
    std::unique_ptr<DbThread<BillingDatabase>> m_thread;
};

} // namespace Billing
