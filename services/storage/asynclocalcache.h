#pragma once

#include "services/storage/cachereader.h"
#include "services/storage/dbthread.h"
#include "services/storage/localcache.h"

#include <QString>
#include <QStringList>

namespace Billing {

// CacheReader over a LocalCache that lives on its own DbThread. Reads are queued in order on the
// worker; each handler runs on its context's thread, only while the context lives. Writers (sync)
// post jobs through thread() and then call notifyChanged() so every open pane reloads.
class AsyncLocalCache final : public CacheReader
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AsyncLocalCache)
public:
    // The LocalCache is created on the worker thread with this connection name; open() it next.
    explicit AsyncLocalCache(const QString &connectionName = QStringLiteral("bc-cache"), QObject *parent = nullptr);
    ~AsyncLocalCache() override;

    // Opens (creating, migrating or rebuilding) the cache file on the worker thread.
    void open(const QString &filePath, QObject *context, Handler<LocalCache::OpenReport> handler);
    // Same, waiting for the answer: command line, tests and benchmarks only, never the GUI thread.
    Result<LocalCache::OpenReport> openBlocking(const QString &filePath);

    void customers(const CustomerQuery &query, QObject *context, Handler<QList<Customer>> handler) override;
    void subscriptions(const SubscriptionQuery &query, QObject *context,
                       Handler<QList<SubscriptionRow>> handler) override;
    void invoices(const InvoiceQuery &query, QObject *context, Handler<QList<InvoiceRow>> handler) override;
    void invoiceLines(const QString &invoiceId, QObject *context, Handler<QList<InvoiceLine>> handler) override;
    void paymentAttempts(const QString &invoiceId, QObject *context, Handler<QList<PaymentAttempt>> handler) override;
    void remainingTotals(const InvoiceQuery &query, QObject *context,
                         Handler<QList<QPair<QString, qint64>>> handler) override;
    void counts(QObject *context, Handler<CacheCounts> handler) override;

    // Not part of CacheReader (the model fakes stay as they are): the newer cached objects.
    void paymentMethods(const QString &customerId, QObject *context, Handler<QList<PaymentMethod>> handler);
    void expiringCards(QDate from, QDate to, QObject *context, Handler<QList<PaymentMethod>> handler);
    void coupons(QObject *context, Handler<QList<Coupon>> handler);
    void promotionCodes(const QString &couponId, QObject *context, Handler<QList<PromotionCode>> handler);

    // The worker that owns the LocalCache, for writers: thread().run(ctx, [](LocalCache &c) {...}, done).
    DbThread<LocalCache> &thread() { return m_thread; }

    // Emits changed(objectType, ids). Safe from any thread (receivers get it queued on theirs).
    void notifyChanged(const QString &objectType, const QStringList &ids);

private:
    DbThread<LocalCache> m_thread;
};

} // namespace Billing
