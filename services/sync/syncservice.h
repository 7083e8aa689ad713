#pragma once

#include "services/domain/result.h"
#include "services/sync/synccontrol.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QThreadPool;

namespace Billing {

class AsyncLocalCache;
class StripeClient;

// What one synchronisation did.
struct SyncSummary
{
    bool full = true;
    QMap<QString, qint64> upserted; // object type ("customer", "invoice", ...) -> rows written
    QMap<QString, qint64> removed;  // rows dropped because Stripe no longer has them
    qint64 events = 0;              // incremental: events applied
    qint64 durationMs = 0;
};

// Stripe -> local cache. Lives on the thread of the StripeClient (the GUI thread) and never blocks
// it: network calls are async, and every cache write runs as a job on the AsyncLocalCache's
// DbThread, whole pages per transaction (the full sync writes the pages queued so far together),
// so a cancelled or failed sync leaves whole pages only.
//
// Full sync: account -> events cursor -> every list (products, prices, coupons, promotion codes,
// customers with their default payment method expanded (invoice_settings.default_payment_method:
// the console's payment methods, at no extra request), subscriptions with status=all, invoices,
// invoice_payments with their payment intent expanded into PaymentAttempt) walked
// at once in created-range partitions: each list's first page gives its newest `created`; the time
// below it is cut into geometrically growing ranges (created[gte]/created[lt]), each walked with
// its own starting_after cursor, and whenever fewer than config().maxConcurrentRequests walks are
// under way the partition with the most objects estimated left is cut in two. The client's rate
// limiter paces all of it, so the sync runs at Stripe's request budget, not at its latency.
// Objects created during the walk are above the ranges; the events cursor, taken first, brings
// them in with the next refresh. Pages are upserted as they arrive (panes keep showing the old
// rows meanwhile; each page is parsed on a small thread pool and written on the DbThread). Ready
// partitions go out most objects estimated left first, so the big lists are walked from the start
// and their writes spread over the whole walk. Rows Stripe no longer has are removed only after
// every list completed. Refresh: /v1/events since the stored cursor (data.object upserts,
// *.deleted and payment_method.detached removals, payment_intent.* update the attempts joined with
// that intent); falls back to a full sync without a cursor or after 30 days.
// Errors: finished(error); a wrong key or an unreachable API also sets connection().mode Offline
// and lastError, and leaves the cache as it was.
class SyncService final : public SyncControl
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncService)
public:
    // Neither is owned; both must outlive the service.
    SyncService(StripeClient *client, AsyncLocalCache *cache, QObject *parent = nullptr);
    ~SyncService() override;

    // Reads the last sync time from the cache (after it was opened: jobs on the cache thread run in
    // order, so calling this right after AsyncLocalCache::open is fine); emits connectionChanged.
    void loadState();

    void startFullSync() override;
    void startRefresh() override;
    void cancel() override;
    bool isRunning() const override { return m_running; }
    QDateTime lastSyncedAt() const override { return m_lastSynced; }
    ConnectionInfo connection() const override { return m_connection; }

    // The summary of the last finished run (valid after finished()).
    SyncSummary lastSummary() const { return m_summary; }

    // For the command line and tests: runs a full sync (or a refresh) with a local event loop and
    // returns when it finished. Never from the GUI thread of a running UI.
    Result<SyncSummary> runFullSyncBlocking();
    Result<SyncSummary> runRefreshBlocking();

    // Meta keys in the cache.
    static constexpr const char *MetaLastFullSync = "last_full_sync";  // ISO 8601 UTC
    static constexpr const char *MetaLastSync = "last_sync";           // ISO 8601 UTC
    static constexpr const char *MetaEventCursorId = "events_cursor_id";
    static constexpr const char *MetaEventCursorCreated = "events_cursor_created"; // unix seconds
    static constexpr const char *MetaAccountId = "account_id";
    // Per object type: "last_synced:<type>" ISO 8601 UTC of the last full sync or refresh that
    // completed (LocalCache::lastSynced reads it).
    static constexpr const char *MetaLastSyncedPrefix = "last_synced:";
    // The object types a full sync fills, in Stripe's names.
    static QStringList syncedObjectTypes();

private:
    struct Run;
    void begin(bool full);
    void fetchAccount(std::function<void()> next);
    void fetchEventCursor(std::function<void()> next);
    void syncList(const QString &stage, const QString &path, const QString &objectType, std::function<void()> next);
    void syncListsPartitioned(std::function<void()> next);
    void pumpPartitions();
    void issuePartition(int index);
    void onPartitionPage(int index, Result<QJsonObject> result);
    void removeStale(std::function<void()> next);
    void refreshFromEvents();
    void applyEvents(QList<QJsonObject> events);
    void writeMetaAndFinish();
    void fail(const Error &error);
    void finish(const Status &outcome);
    bool stopping() const;

    StripeClient *m_client;
    AsyncLocalCache *m_cache;
    bool m_running = false;
    QDateTime m_lastSynced;
    ConnectionInfo m_connection;
    SyncSummary m_summary;
    std::shared_ptr<Run> m_run;
    // Full sync: pages are parsed here (JSON -> domain objects), off the GUI thread and the
    // DbThread, which then only writes. Waited for on destruction.
    std::unique_ptr<QThreadPool> m_parsePool;
};

} // namespace Billing
