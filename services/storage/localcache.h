#pragma once

#include "services/domain/catalog.h"
#include "services/domain/customer.h"
#include "services/domain/invoice.h"
#include "services/domain/paymentmethod.h"
#include "services/domain/promotion.h"
#include "services/domain/result.h"
#include "services/domain/subscription.h"
#include "services/storage/cachequeries.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace Billing {

// The local copy of Stripe data: one SQLite file (WAL, versioned migrations, FTS5 customer search).
// Synchronous: an instance belongs to the thread that opened it (normally the SqlWorker's thread;
// the GUI never calls it directly). Each write call is one transaction: all of it or nothing.
// Errors are Kind::Database with a plain userMessage.
class LocalCache final
{
public:
    // What open() found. A missing, too old or corrupt file is rebuilt empty; `rebuilt` and
    // `reason` say so, so the UI can tell the user a fresh sync will refill it.
    struct OpenReport
    {
        bool created = false;
        bool rebuilt = false;
        QString reason; // user text when rebuilt
        int schemaVersion = 0;
    };

    static constexpr int SchemaVersion = 5; // see cacheschema.cpp for the steps

    explicit LocalCache(QString connectionName = QStringLiteral("bc-cache"));
    ~LocalCache();
    LocalCache(const LocalCache &) = delete;
    LocalCache &operator=(const LocalCache &) = delete;

    Result<OpenReport> open(const QString &filePath);
    void close();
    bool isOpen() const;
    QString filePath() const { return m_path; }

    // Writes. Upserts replace the whole row (and a subscription's items, an invoice's lines).
    Status upsertCustomers(const QList<Customer> &customers);
    Status upsertProducts(const QList<Product> &products);
    Status upsertPrices(const QList<Price> &prices);
    Status upsertSubscriptions(const QList<Subscription> &subscriptions);
    Status upsertInvoices(const QList<Invoice> &invoices);
    Status upsertPaymentAttempts(const QList<PaymentAttempt> &attempts);
    Status upsertPaymentMethods(const QList<PaymentMethod> &paymentMethods);
    Status upsertCoupons(const QList<Coupon> &coupons);
    Status upsertPromotionCodes(const QList<PromotionCode> &promotionCodes);
    // Removes an object by id; `objectType` is Stripe's object name ("customer", "invoice", ...).
    Status remove(const QString &objectType, const QString &id);
    // Drops every Stripe row (keeps meta), for a full resync that must not leave stale rows.
    Status clearStripeData();

    // Refreshes the query planner's statistics (ANALYZE bounded by analysis_limit: about a second
    // on a million invoices, a few ms on small files). Page queries do not depend on them (their
    // plans are fixed by the SQL), but ad hoc queries and the totals do. Call it after large writes,
    // e.g. at the end of a full sync; open() calls it when the statistics are missing or the tables
    // have grown several times since. Blocks the calling (worker) thread.
    Status optimize();

    // Small key/value store: sync cursors, last sync time, account id.
    Status setMeta(const QString &key, const QString &value);
    Result<QString> meta(const QString &key) const; // empty string when absent
    // When objects of a type ("customer", "invoice", ...) last came from Stripe in a completed sync
    // (full or refresh): the meta key "last_synced:<type>" that SyncService writes, UTC. An invalid
    // QDateTime when never; panes show a stale-data indicator from it.
    Result<QDateTime> lastSynced(const QString &objectType) const;
    Status setLastSynced(const QStringList &objectTypes, const QDateTime &when);

    // Reads, keyset-paged.
    Result<QList<Customer>> customers(const CustomerQuery &query) const;
    Result<QList<SubscriptionRow>> subscriptions(const SubscriptionQuery &query) const;
    Result<QList<InvoiceRow>> invoices(const InvoiceQuery &query) const;
    Result<Customer> customer(const QString &id) const;
    Result<QList<SubscriptionItem>> subscriptionItems(const QString &subscriptionId) const;
    Result<QList<InvoiceLine>> invoiceLines(const QString &invoiceId) const;
    Result<QList<PaymentAttempt>> paymentAttempts(const QString &invoiceId) const;
    Result<QList<Product>> products() const;
    Result<QList<Price>> prices() const;
    // A customer's payment methods, newest first.
    Result<QList<PaymentMethod>> paymentMethods(const QString &customerId) const;
    // Cards (type "card", attached to a customer) whose expiry month lies in [from's month, to's
    // month], both inclusive (a card is valid through the end of its expiry month); soonest first.
    Result<QList<PaymentMethod>> expiringCards(QDate from, QDate to) const;
    // Every coupon, by name (case-insensitive), then id.
    Result<QList<Coupon>> coupons() const;
    // Promotion codes of one coupon, or of all coupons when couponId is empty; by code, then id.
    Result<QList<PromotionCode>> promotionCodes(const QString &couponId = {}) const;
    Result<CacheCounts> counts() const;

    // Per-currency sums of amount_remaining of the invoices a query selects (ignores paging).
    Result<QList<QPair<QString, qint64>>> remainingTotals(const InvoiceQuery &query) const;

    QSqlDatabase database() const;

private:
    bool statisticsStale() const;

    QString m_connectionName;
    QString m_path;
};

} // namespace Billing
