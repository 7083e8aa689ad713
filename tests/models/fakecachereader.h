#pragma once

#include "services/storage/cachereader.h"
#include "services/storage/usage.h"

#include <QHash>

namespace Billing::Test {

// CacheReader over in-memory vectors for model and ui tests. Honors every query field the models
// send (search, filters, sort key and order, keyset cursor, limit) and answers asynchronously
// (next event loop turn, on the context object), like the real AsyncLocalCache.
// Cursor convention: sortValue is the row's value of the sort key as QString, qint64 or QDateTime
// (invalid QDateTime = NULL, which sorts after every date, as services/storage/cachecursor.h says); ties broken by id in the same order.
class FakeCacheReader final : public CacheReader
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeCacheReader)
public:
    explicit FakeCacheReader(QObject *parent = nullptr);

    void customers(const CustomerQuery &query, QObject *context, Handler<QList<Customer>> handler) override;
    void subscriptions(const SubscriptionQuery &query, QObject *context, Handler<QList<SubscriptionRow>> handler) override;
    void invoices(const InvoiceQuery &query, QObject *context, Handler<QList<InvoiceRow>> handler) override;
    void invoiceLines(const QString &invoiceId, QObject *context, Handler<QList<InvoiceLine>> handler) override;
    void paymentAttempts(const QString &invoiceId, QObject *context, Handler<QList<PaymentAttempt>> handler) override;
    void remainingTotals(const InvoiceQuery &query, QObject *context, Handler<QList<QPair<QString, qint64>>> handler) override;
    void counts(QObject *context, Handler<CacheCounts> handler) override;

    // Test data; setters do not emit changed (call notifyChanged()).
    QList<Customer> customerRows;
    QList<SubscriptionRow> subscriptionRows;
    QList<InvoiceRow> invoiceRows;
    QHash<QString, QList<PaymentAttempt>> attempts; // by invoice id
    void notifyChanged(const QString &objectType) { Q_EMIT changed(objectType, {}); }

    // Requests received, per method name ("customers", ...), to check the fetch guard.
    QHash<QString, int> requestCount;
    QString failNext; // when set, the next list request fails with this user message

    // Pure query evaluation (no paging), shared with assertions in tests.
    QList<Customer> matchingCustomers(const CustomerQuery &q) const;
    QList<SubscriptionRow> matchingSubscriptions(const SubscriptionQuery &q) const;
    QList<InvoiceRow> matchingInvoices(const InvoiceQuery &q) const;
};

// UsageReader over in-memory events, rolled up per (bucket, meter) like the billing database.
class FakeUsageReader final : public UsageReader
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeUsageReader)
public:
    using UsageReader::UsageReader;

    void series(const UsageSeriesQuery &query, QObject *context,
                std::function<void(Result<QList<UsagePoint>>)> handler) override;
    void meters(QObject *context, std::function<void(Result<QStringList>)> handler) override;

    QList<UsageEvent> events;
    QStringList meterNames;
    void notifyChanged() { Q_EMIT usageChanged(); }

    static QDateTime bucketOf(const QDateTime &utc, UsageGranularity granularity);
};

} // namespace Billing::Test
