#pragma once

#include "services/domain/catalog.h"
#include "services/domain/result.h"
#include "services/storage/cachequeries.h"

#include <QObject>

#include <functional>

namespace Billing {

// Asynchronous read access to the local cache, the interface the models depend on.
// Every call returns at once; the handler runs later on `context`'s thread, only while `context`
// lives. Implemented over LocalCache on a DbThread (AsyncLocalCache); fakes in model tests.
class CacheReader : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~CacheReader() override = default;

    template <typename T>
    using Handler = std::function<void(Result<T>)>;

    virtual void customers(const CustomerQuery &query, QObject *context, Handler<QList<Customer>> handler) = 0;
    virtual void subscriptions(const SubscriptionQuery &query, QObject *context, Handler<QList<SubscriptionRow>> handler) = 0;
    virtual void invoices(const InvoiceQuery &query, QObject *context, Handler<QList<InvoiceRow>> handler) = 0;
    virtual void invoiceLines(const QString &invoiceId, QObject *context, Handler<QList<InvoiceLine>> handler) = 0;
    virtual void paymentAttempts(const QString &invoiceId, QObject *context, Handler<QList<PaymentAttempt>> handler) = 0;
    virtual void remainingTotals(const InvoiceQuery &query, QObject *context, Handler<QList<QPair<QString, qint64>>> handler) = 0;
    virtual void counts(QObject *context, Handler<CacheCounts> handler) = 0;

Q_SIGNALS:
    // Rows of this Stripe object type ("customer", "subscription", "invoice", ...) changed;
    // ids empty = many or unknown (reload).
    void changed(const QString &objectType, const QStringList &ids);
};

} // namespace Billing
