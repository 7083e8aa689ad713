#include "services/storage/asynclocalcache.h"

namespace Billing {

AsyncLocalCache::AsyncLocalCache(const QString &connectionName, QObject *parent)
    : CacheReader(parent)
    , m_thread([connectionName] { return std::make_unique<LocalCache>(connectionName); })
{
}

AsyncLocalCache::~AsyncLocalCache() = default;

void AsyncLocalCache::open(const QString &filePath, QObject *context, Handler<LocalCache::OpenReport> handler)
{
    m_thread.run(
        context, [filePath](LocalCache &cache) { return cache.open(filePath); }, std::move(handler));
}

Result<LocalCache::OpenReport> AsyncLocalCache::openBlocking(const QString &filePath)
{
    return m_thread.runBlocking([filePath](LocalCache &cache) { return cache.open(filePath); });
}

void AsyncLocalCache::customers(const CustomerQuery &query, QObject *context, Handler<QList<Customer>> handler)
{
    m_thread.run(
        context, [query](LocalCache &cache) { return cache.customers(query); }, std::move(handler));
}

void AsyncLocalCache::subscriptions(const SubscriptionQuery &query, QObject *context,
                                    Handler<QList<SubscriptionRow>> handler)
{
    m_thread.run(
        context, [query](LocalCache &cache) { return cache.subscriptions(query); }, std::move(handler));
}

void AsyncLocalCache::invoices(const InvoiceQuery &query, QObject *context, Handler<QList<InvoiceRow>> handler)
{
    m_thread.run(
        context, [query](LocalCache &cache) { return cache.invoices(query); }, std::move(handler));
}

void AsyncLocalCache::invoiceLines(const QString &invoiceId, QObject *context, Handler<QList<InvoiceLine>> handler)
{
    m_thread.run(
        context, [invoiceId](LocalCache &cache) { return cache.invoiceLines(invoiceId); }, std::move(handler));
}

void AsyncLocalCache::paymentAttempts(const QString &invoiceId, QObject *context,
                                      Handler<QList<PaymentAttempt>> handler)
{
    m_thread.run(
        context, [invoiceId](LocalCache &cache) { return cache.paymentAttempts(invoiceId); }, std::move(handler));
}

void AsyncLocalCache::remainingTotals(const InvoiceQuery &query, QObject *context,
                                      Handler<QList<QPair<QString, qint64>>> handler)
{
    m_thread.run(
        context, [query](LocalCache &cache) { return cache.remainingTotals(query); }, std::move(handler));
}

void AsyncLocalCache::counts(QObject *context, Handler<CacheCounts> handler)
{
    m_thread.run(
        context, [](LocalCache &cache) { return cache.counts(); }, std::move(handler));
}

void AsyncLocalCache::paymentMethods(const QString &customerId, QObject *context,
                                     Handler<QList<PaymentMethod>> handler)
{
    m_thread.run(
        context, [customerId](LocalCache &cache) { return cache.paymentMethods(customerId); }, std::move(handler));
}

void AsyncLocalCache::expiringCards(QDate from, QDate to, QObject *context, Handler<QList<PaymentMethod>> handler)
{
    m_thread.run(
        context, [from, to](LocalCache &cache) { return cache.expiringCards(from, to); }, std::move(handler));
}

void AsyncLocalCache::coupons(QObject *context, Handler<QList<Coupon>> handler)
{
    m_thread.run(
        context, [](LocalCache &cache) { return cache.coupons(); }, std::move(handler));
}

void AsyncLocalCache::promotionCodes(const QString &couponId, QObject *context,
                                     Handler<QList<PromotionCode>> handler)
{
    m_thread.run(
        context, [couponId](LocalCache &cache) { return cache.promotionCodes(couponId); }, std::move(handler));
}

void AsyncLocalCache::notifyChanged(const QString &objectType, const QStringList &ids)
{
    Q_EMIT changed(objectType, ids);
}

} // namespace Billing
