#include "services/storage/cachecursor.h"
#include "services/storage/cachesql.h"
#include "services/storage/localcache.h"

#include <QRandomGenerator>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>

using namespace Billing;

namespace {

template <typename T>
QString errorText(const Result<T> &r)
{
    return r.ok() ? QString() : r.error().detail;
}

QDateTime ts(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

constexpr qint64 Base = 1700000000; // 2023-11-14

// A sort value as the specification defines it: text (binary or ASCII case-insensitive) or an
// integer; absent dates are the largest integer, so they sort after every date.
struct Key
{
    bool isText = false;
    bool noCase = false;
    QString s;
    qint64 n = 0;
};

Key textKey(const QString &s, bool noCase = false) { return Key{true, noCase, s, 0}; }
Key intKey(qint64 n) { return Key{false, false, {}, n}; }
Key timeKey(const QDateTime &d) { return intKey(d.isValid() ? d.toSecsSinceEpoch() : std::numeric_limits<qint64>::max()); }

int compareKeys(const Key &a, const Key &b)
{
    if (a.isText) {
        const QString x = a.noCase ? a.s.toLower() : a.s;
        const QString y = b.noCase ? b.s.toLower() : b.s;
        return x < y ? -1 : (y < x ? 1 : 0);
    }
    return a.n < b.n ? -1 : (b.n < a.n ? 1 : 0);
}

Key customerKey(const Customer &c, CustomerQuery::SortKey k)
{
    using K = CustomerQuery::SortKey;
    switch (k) {
    case K::Name: return textKey(c.name, true);
    case K::Email: return textKey(c.email, true);
    case K::Created: return timeKey(c.created);
    case K::Balance: return intKey(c.balanceMinor);
    case K::Currency: return textKey(c.currency);
    case K::Id: return textKey(c.id);
    }
    return {};
}

Key subscriptionKey(const SubscriptionRow &r, SubscriptionQuery::SortKey k)
{
    using K = SubscriptionQuery::SortKey;
    switch (k) {
    case K::Customer: return textKey(r.customerName, true);
    case K::Status: return textKey(r.subscription.status);
    case K::Plan: return textKey(r.planName, true);
    case K::Amount: return intKey(r.amountMinor);
    case K::PeriodEnd: return timeKey(r.subscription.currentPeriodEnd());
    case K::Created: return timeKey(r.subscription.created);
    case K::TrialEnd: return timeKey(r.subscription.trialEnd);
    case K::Id: return textKey(r.subscription.id);
    }
    return {};
}

Key invoiceKey(const InvoiceRow &r, InvoiceQuery::SortKey k)
{
    using K = InvoiceQuery::SortKey;
    const Invoice &i = r.invoice;
    switch (k) {
    case K::Number: return textKey(i.number, true);
    case K::Customer: return textKey(r.customerName, true);
    case K::Status: return textKey(i.status);
    case K::Total: return intKey(i.totalMinor);
    case K::AmountDue: return intKey(i.amountDueMinor);
    case K::AmountRemaining: return intKey(i.amountRemainingMinor);
    case K::Created: return timeKey(i.created);
    case K::DueDate: return timeKey(i.dueDate);
    case K::Attempts: return intKey(i.attemptCount);
    case K::NextAttempt: return timeKey(i.nextPaymentAttempt);
    case K::Id: return textKey(i.id);
    }
    return {};
}

// Checks that `ids` (in walk order) is sorted by (key, id) in the given order.
template <typename Row, typename KeyFn, typename IdFn>
void verifyOrder(const QList<Row> &rows, KeyFn keyOf, IdFn idOf, SortOrder order)
{
    for (qsizetype n = 1; n < rows.size(); ++n) {
        int c = compareKeys(keyOf(rows.at(n - 1)), keyOf(rows.at(n)));
        if (c == 0)
            c = idOf(rows.at(n - 1)) < idOf(rows.at(n)) ? -1 : 1;
        if (order == SortOrder::Descending)
            c = -c;
        QVERIFY2(c < 0, qPrintable(QStringLiteral("rows %1 and %2 out of order: %3, %4")
                                       .arg(n - 1)
                                       .arg(n)
                                       .arg(idOf(rows.at(n - 1)), idOf(rows.at(n)))));
    }
}

const QStringList Names{QStringLiteral("Acme"), QStringLiteral("acme"), QStringLiteral("ACME Corp"),
                        QStringLiteral("Beta"), QStringLiteral(""), QStringLiteral("Gamma Ltd"),
                        QStringLiteral("delta"), QStringLiteral("Delta"), QStringLiteral("Zulu"),
                        QStringLiteral("Omega")};

QList<Customer> generateCustomers(int count, quint32 seed)
{
    QRandomGenerator rng(seed);
    QList<Customer> out;
    for (int n = 0; n < count; ++n) {
        Customer c;
        c.id = QStringLiteral("cus_%1").arg(rng.bounded(1000000), 7, 10, QLatin1Char('0')) + QString::number(n);
        c.name = Names.at(rng.bounded(Names.size()));
        c.email = rng.bounded(4) == 0 ? QString() : QStringLiteral("user%1@example.com").arg(rng.bounded(30));
        c.currency = QStringList{QStringLiteral("usd"), QStringLiteral("eur"), QStringLiteral("jpy"), QString()}
                         .at(rng.bounded(4));
        c.balanceMinor = (qint64(rng.bounded(7)) - 3) * 1000;
        c.delinquent = rng.bounded(5) == 0;
        if (rng.bounded(5) != 0)
            c.created = ts(Base + qint64(rng.bounded(50)) * 86400);
        out << c;
    }
    return out;
}

struct Catalog
{
    QList<Product> products;
    QList<Price> prices;
};

Catalog catalog()
{
    Catalog c;
    const auto product = [](const char *id, const char *name) {
        Product p;
        p.id = QLatin1String(id);
        p.name = QLatin1String(name);
        return p;
    };
    c.products = {product("prod_basic", "Basic"), product("prod_pro", "Pro"), product("prod_seat", "Seats")};
    const auto price = [](const char *id, const char *product, const char *nickname, qint64 amount,
                          const char *currency, const char *interval) {
        Price p;
        p.id = QLatin1String(id);
        p.productId = QLatin1String(product);
        p.nickname = QLatin1String(nickname);
        p.unitAmount = amount;
        p.currency = QLatin1String(currency);
        p.type = QStringLiteral("recurring");
        p.billingScheme = QStringLiteral("per_unit");
        p.interval = QLatin1String(interval);
        p.intervalCount = 1;
        return p;
    };
    c.prices = {price("price_basic_m", "prod_basic", "Monthly", 900, "usd", "month"),
                price("price_pro_m", "prod_pro", "", 4900, "usd", "month"),
                price("price_pro_y", "prod_pro", "Yearly", 49000, "eur", "year"),
                price("price_seat", "prod_seat", "Per seat", 1000, "jpy", "month")};
    return c;
}

const QStringList SubStatuses{QStringLiteral("active"), QStringLiteral("trialing"), QStringLiteral("past_due"),
                              QStringLiteral("canceled")};

QList<Subscription> generateSubscriptions(int count, const QList<Customer> &customers, quint32 seed)
{
    QRandomGenerator rng(seed);
    const QStringList priceIds{QStringLiteral("price_basic_m"), QStringLiteral("price_pro_m"),
                               QStringLiteral("price_pro_y"), QStringLiteral("price_seat")};
    QList<Subscription> out;
    for (int n = 0; n < count; ++n) {
        Subscription s;
        s.id = QStringLiteral("sub_%1_%2").arg(rng.bounded(1000)).arg(n);
        s.customerId = rng.bounded(8) == 0 ? QStringLiteral("cus_unknown") : customers.at(rng.bounded(customers.size())).id;
        s.status = SubStatuses.at(rng.bounded(SubStatuses.size()));
        s.currency = QStringLiteral("usd");
        if (rng.bounded(6) != 0)
            s.created = ts(Base + qint64(rng.bounded(20)) * 86400);
        if (s.status == QLatin1String("trialing") && rng.bounded(3) != 0)
            s.trialEnd = ts(Base + qint64(rng.bounded(10)) * 86400);
        const int items = rng.bounded(3); // 0, 1 or 2 items
        for (int k = 0; k < items; ++k) {
            SubscriptionItem item;
            item.id = QStringLiteral("si_%1_%2").arg(n).arg(k);
            item.priceId = priceIds.at(rng.bounded(priceIds.size()));
            item.quantity = 1 + rng.bounded(3);
            item.currentPeriodStart = ts(Base);
            item.currentPeriodEnd = ts(Base + qint64(rng.bounded(5)) * 86400);
            s.items << item;
        }
        out << s;
    }
    return out;
}

const QStringList InvStatuses{QStringLiteral("draft"), QStringLiteral("open"), QStringLiteral("paid"),
                              QStringLiteral("void"), QStringLiteral("uncollectible")};

QList<Invoice> generateInvoices(int count, const QList<Customer> &customers, quint32 seed)
{
    QRandomGenerator rng(seed);
    QList<Invoice> out;
    for (int n = 0; n < count; ++n) {
        Invoice i;
        i.id = QStringLiteral("in_%1_%2").arg(rng.bounded(1000)).arg(n);
        i.customerId = rng.bounded(10) == 0 ? QStringLiteral("cus_unknown") : customers.at(rng.bounded(customers.size())).id;
        i.status = InvStatuses.at(rng.bounded(InvStatuses.size()));
        i.number = i.status == QLatin1String("draft") ? QString() : QStringLiteral("INV-%1").arg(rng.bounded(60));
        i.currency = QStringList{QStringLiteral("usd"), QStringLiteral("eur"), QStringLiteral("jpy")}.at(rng.bounded(3));
        i.totalMinor = qint64(rng.bounded(10)) * 500;
        i.subtotalMinor = i.totalMinor;
        i.amountDueMinor = i.totalMinor;
        i.amountRemainingMinor = i.status == QLatin1String("open") ? i.totalMinor : 0;
        i.amountPaidMinor = i.totalMinor - i.amountRemainingMinor;
        i.attemptCount = rng.bounded(4);
        i.attempted = i.attemptCount > 0;
        if (rng.bounded(8) != 0)
            i.created = ts(Base + qint64(rng.bounded(40)) * 86400);
        if (rng.bounded(2) == 0)
            i.dueDate = ts(Base + qint64(rng.bounded(40)) * 86400);
        if (rng.bounded(3) == 0)
            i.nextPaymentAttempt = ts(Base + qint64(rng.bounded(10)) * 3600);
        out << i;
    }
    return out;
}

Customer customer(const char *id, const char *name, const char *email = "", const char *description = "",
                  const char *phone = "")
{
    Customer c;
    c.id = QString::fromUtf8(id);
    c.name = QString::fromUtf8(name);
    c.email = QString::fromUtf8(email);
    c.description = QString::fromUtf8(description);
    c.phone = QString::fromUtf8(phone);
    c.currency = QStringLiteral("usd");
    c.created = ts(Base);
    return c;
}

QStringList customerIds(const QList<Customer> &list)
{
    QStringList ids;
    for (const Customer &c : list)
        ids << c.id;
    ids.sort();
    return ids;
}

} // namespace

class tst_LocalCache final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_serial = 0;

    QString newPath() { return m_dir.filePath(QStringLiteral("cache-%1.sqlite").arg(++m_serial)); }

    // A cache over a fresh file with the generated data set (shared by the pagination tests).
    std::unique_ptr<LocalCache> m_big;
    QList<Customer> m_customers;
    QList<Subscription> m_subscriptions;
    QList<Invoice> m_invoices;

    std::unique_ptr<LocalCache> openNew()
    {
        auto cache = std::make_unique<LocalCache>(QStringLiteral("tst-%1").arg(m_serial + 1));
        const auto report = cache->open(newPath());
        if (!report.ok())
            qWarning() << report.error().detail;
        return report.ok() ? std::move(cache) : nullptr;
    }

    QStringList queryPlan(LocalCache &cache, const CacheSql::Statement &statement)
    {
        QSqlQuery q(cache.database());
        if (!q.prepare(QStringLiteral("EXPLAIN QUERY PLAN ") + statement.sql)) {
            qWarning() << q.lastError().text();
            return {};
        }
        for (int n = 0; n < statement.binds.size(); ++n)
            q.bindValue(n, statement.binds.at(n));
        if (!q.exec()) {
            qWarning() << q.lastError().text();
            return {};
        }
        QStringList plan;
        while (q.next())
            plan << q.value(3).toString();
        return plan;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_big = openNew();
        QVERIFY(m_big);
        m_customers = generateCustomers(300, 7);
        m_subscriptions = generateSubscriptions(250, m_customers, 11);
        m_invoices = generateInvoices(400, m_customers, 13);
        const Catalog cat = catalog();
        QVERIFY(m_big->upsertProducts(cat.products).ok());
        QVERIFY(m_big->upsertPrices(cat.prices).ok());
        QVERIFY(m_big->upsertCustomers(m_customers).ok());
        QVERIFY(m_big->upsertSubscriptions(m_subscriptions).ok());
        QVERIFY(m_big->upsertInvoices(m_invoices).ok());
    }

    void cleanupTestCase() { m_big.reset(); }

    void newFileIsCreatedWithWalForeignKeysAndFts5()
    {
        LocalCache cache(QStringLiteral("tst-new"));
        const QString path = newPath();
        const auto report = cache.open(path);
        QVERIFY2(report.ok(), qPrintable(errorText(report)));
        QVERIFY(report->created);
        QVERIFY(!report->rebuilt);
        QCOMPARE(report->schemaVersion, LocalCache::SchemaVersion);
        QVERIFY(cache.isOpen());

        QSqlQuery q(cache.database());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(q.exec(QStringLiteral("PRAGMA foreign_keys")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), LocalCache::SchemaVersion);
        QVERIFY(q.exec(QStringLiteral("SELECT sqlite_compileoption_used('ENABLE_FTS5')")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'customers_fts'")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }

    void reopeningKeepsDataAndDoesNotRebuild()
    {
        const QString path = newPath();
        {
            LocalCache cache(QStringLiteral("tst-reopen"));
            QVERIFY(cache.open(path).ok());
            QVERIFY(cache.upsertCustomers({customer("cus_keep", "Kept Ltd")}).ok());
            QVERIFY(cache.setMeta(QStringLiteral("events_cursor"), QStringLiteral("evt_123")).ok());
        }
        LocalCache cache(QStringLiteral("tst-reopen"));
        const auto report = cache.open(path);
        QVERIFY(report.ok());
        QVERIFY(!report->created);
        QVERIFY(!report->rebuilt);
        QVERIFY(report->reason.isEmpty());
        QCOMPARE(cache.customer(QStringLiteral("cus_keep"))->name, QStringLiteral("Kept Ltd"));
        QCOMPARE(*cache.meta(QStringLiteral("events_cursor")), QStringLiteral("evt_123"));
        QCOMPARE(*cache.meta(QStringLiteral("absent")), QString());
    }

    void twoCachesWithTheSameConnectionNameDoNotInterfere()
    {
        LocalCache a(QStringLiteral("tst-same"));
        LocalCache b(QStringLiteral("tst-same"));
        QVERIFY(a.open(newPath()).ok());
        QVERIFY(b.open(newPath()).ok());
        QVERIFY(a.upsertCustomers({customer("cus_a", "A")}).ok());
        QCOMPARE(a.counts()->customers, 1);
        QCOMPARE(b.counts()->customers, 0);
    }

    void callsBeforeOpenFailWithDatabaseError()
    {
        LocalCache cache(QStringLiteral("tst-closed"));
        const auto rows = cache.customers({});
        QVERIFY(!rows.ok());
        QCOMPARE(rows.error().kind, Error::Kind::Database);
        QVERIFY(!rows.error().userMessage.isEmpty());
        QVERIFY(!cache.upsertCustomers({customer("cus_x", "X")}).ok());
    }

    void customerRoundTripsEveryField()
    {
        auto cache = openNew();
        QVERIFY(cache);
        Customer c = customer("cus_full", "Fully Filled", "full@example.com", "A description", "+1 555 0199");
        c.currency = QStringLiteral("USD");
        c.balanceMinor = -12345;
        c.delinquent = true;
        c.defaultPaymentMethod = QStringLiteral("pm_123");
        c.country = QStringLiteral("DE");
        c.livemode = true;
        c.metadata.insert(QStringLiteral("plan"), QStringLiteral("gold"));
        c.metadata.insert(QStringLiteral("ref"), QStringLiteral("x\"y"));
        Customer noDate = customer("cus_nodate", "No Date");
        noDate.created = QDateTime();
        QVERIFY(cache->upsertCustomers({c, noDate}).ok());

        const auto back = cache->customer(QStringLiteral("cus_full"));
        QVERIFY(back.ok());
        QCOMPARE(back->name, c.name);
        QCOMPARE(back->email, c.email);
        QCOMPARE(back->currency, QStringLiteral("usd")); // stored as Stripe writes it
        QCOMPARE(back->balanceMinor, -12345);
        QCOMPARE(back->delinquent, true);
        QCOMPARE(back->defaultPaymentMethod, c.defaultPaymentMethod);
        QCOMPARE(back->description, c.description);
        QCOMPARE(back->phone, c.phone);
        QCOMPARE(back->country, c.country);
        QCOMPARE(back->created, c.created);
        QCOMPARE(back->livemode, true);
        QCOMPARE(back->metadata, c.metadata);
        QVERIFY(!cache->customer(QStringLiteral("cus_nodate"))->created.isValid());

        const auto missing = cache->customer(QStringLiteral("cus_missing"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, Error::Kind::NotFound);
    }

    void catalogRoundTripsTiersAndDecimals()
    {
        auto cache = openNew();
        QVERIFY(cache);
        Price tiered;
        tiered.id = QStringLiteral("price_tiered");
        tiered.productId = QStringLiteral("prod_api");
        tiered.currency = QStringLiteral("usd");
        tiered.billingScheme = QStringLiteral("tiered");
        tiered.tiersMode = QStringLiteral("graduated");
        tiered.usageType = QStringLiteral("metered");
        tiered.trialPeriodDays = 14;
        PriceTier first;
        first.upTo = 1000;
        first.unitAmountDecimal = QStringLiteral("0.0015");
        first.flatAmount = 9007199254740993LL; // not representable as a double
        PriceTier rest;
        rest.unitAmount = 1;
        rest.unitAmountDecimal = QStringLiteral("1");
        tiered.tiers = {first, rest};
        Price decimal;
        decimal.id = QStringLiteral("price_decimal");
        decimal.unitAmountDecimal = QStringLiteral("12.345678901234");
        QVERIFY(cache->upsertPrices({tiered, decimal}).ok());
        Product p;
        p.id = QStringLiteral("prod_api");
        p.name = QStringLiteral("API calls");
        p.active = false;
        QVERIFY(cache->upsertProducts({p}).ok());

        const auto prices = cache->prices();
        QVERIFY(prices.ok());
        QCOMPARE(prices->size(), 2);
        const Price &d = prices->at(0).id == QLatin1String("price_decimal") ? prices->at(0) : prices->at(1);
        const Price &t = prices->at(0).id == QLatin1String("price_tiered") ? prices->at(0) : prices->at(1);
        QVERIFY(!d.unitAmount.has_value());
        QCOMPARE(d.unitAmountDecimal, QStringLiteral("12.345678901234"));
        QVERIFY(!d.trialPeriodDays.has_value());
        QCOMPARE(t.trialPeriodDays, std::optional<int>(14));
        QCOMPARE(t.tiers.size(), 2);
        QCOMPARE(t.tiers.at(0).upTo, std::optional<qint64>(1000));
        QCOMPARE(t.tiers.at(0).flatAmount, std::optional<qint64>(9007199254740993LL));
        QCOMPARE(t.tiers.at(0).unitAmountDecimal, QStringLiteral("0.0015"));
        QVERIFY(!t.tiers.at(1).upTo.has_value());
        QCOMPARE(t.tiers.at(1).unitAmount, std::optional<qint64>(1));
        const auto products = cache->products();
        QVERIFY(products.ok());
        QCOMPARE(products->size(), 1);
        QCOMPARE(products->first().active, false);
    }

    // ---- keyset pagination: every row exactly once, in order, for every key and order ----

    void customerPagination_data()
    {
        QTest::addColumn<int>("key");
        QTest::addColumn<int>("order");
        const char *names[] = {"name", "email", "created", "balance", "currency", "id"};
        for (int k = 0; k <= int(CustomerQuery::SortKey::Id); ++k) {
            QTest::addRow("%s asc", names[k]) << k << int(SortOrder::Ascending);
            QTest::addRow("%s desc", names[k]) << k << int(SortOrder::Descending);
        }
    }

    void customerPagination()
    {
        QFETCH(int, key);
        QFETCH(int, order);
        CustomerQuery q;
        q.sortKey = CustomerQuery::SortKey(key);
        q.order = SortOrder(order);
        q.limit = 37;
        QList<Customer> all;
        for (int page = 0; page < 100; ++page) {
            const auto rows = m_big->customers(q);
            QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
            all += *rows;
            if (rows->size() < q.limit)
                break;
            q.after = cacheCursor(rows->last(), q.sortKey);
        }
        QCOMPARE(all.size(), m_customers.size());
        QCOMPARE(customerIds(all), customerIds(m_customers));
        verifyOrder(all, [&](const Customer &c) { return customerKey(c, q.sortKey); },
                    [](const Customer &c) { return c.id; }, q.order);
    }

    void subscriptionPagination_data()
    {
        QTest::addColumn<int>("key");
        QTest::addColumn<int>("order");
        const char *names[] = {"customer", "status", "plan", "amount", "period end", "created", "trial end", "id"};
        for (int k = 0; k <= int(SubscriptionQuery::SortKey::Id); ++k) {
            QTest::addRow("%s asc", names[k]) << k << int(SortOrder::Ascending);
            QTest::addRow("%s desc", names[k]) << k << int(SortOrder::Descending);
        }
    }

    void subscriptionPagination()
    {
        QFETCH(int, key);
        QFETCH(int, order);
        SubscriptionQuery q;
        q.sortKey = SubscriptionQuery::SortKey(key);
        q.order = SortOrder(order);
        q.limit = 29;
        QList<SubscriptionRow> all;
        for (int page = 0; page < 100; ++page) {
            const auto rows = m_big->subscriptions(q);
            QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
            all += *rows;
            if (rows->size() < q.limit)
                break;
            q.after = cacheCursor(rows->last(), q.sortKey);
        }
        QCOMPARE(all.size(), m_subscriptions.size());
        QSet<QString> seen;
        for (const SubscriptionRow &r : all)
            seen.insert(r.subscription.id);
        QCOMPARE(seen.size(), m_subscriptions.size());
        verifyOrder(all, [&](const SubscriptionRow &r) { return subscriptionKey(r, q.sortKey); },
                    [](const SubscriptionRow &r) { return r.subscription.id; }, q.order);
    }

    void invoicePagination_data()
    {
        QTest::addColumn<int>("key");
        QTest::addColumn<int>("order");
        const char *names[] = {"number", "customer", "status", "total", "amount due", "amount remaining",
                               "created", "due date", "attempts", "next attempt", "id"};
        for (int k = 0; k <= int(InvoiceQuery::SortKey::Id); ++k) {
            QTest::addRow("%s asc", names[k]) << k << int(SortOrder::Ascending);
            QTest::addRow("%s desc", names[k]) << k << int(SortOrder::Descending);
        }
    }

    void invoicePagination()
    {
        QFETCH(int, key);
        QFETCH(int, order);
        InvoiceQuery q;
        q.sortKey = InvoiceQuery::SortKey(key);
        q.order = SortOrder(order);
        q.limit = 41;
        QList<InvoiceRow> all;
        for (int page = 0; page < 100; ++page) {
            const auto rows = m_big->invoices(q);
            QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
            all += *rows;
            if (rows->size() < q.limit)
                break;
            q.after = cacheCursor(rows->last(), q.sortKey);
        }
        QCOMPARE(all.size(), m_invoices.size());
        QSet<QString> seen;
        for (const InvoiceRow &r : all)
            seen.insert(r.invoice.id);
        QCOMPARE(seen.size(), m_invoices.size());
        verifyOrder(all, [&](const InvoiceRow &r) { return invoiceKey(r, q.sortKey); },
                    [](const InvoiceRow &r) { return r.invoice.id; }, q.order);
    }

    void paginationWithFilterWalksExactlyTheFilteredRows()
    {
        InvoiceQuery q;
        q.statuses = {QStringLiteral("open"), QStringLiteral("paid")};
        q.currency = QStringLiteral("USD");
        q.sortKey = InvoiceQuery::SortKey::Total;
        q.limit = 7;
        QSet<QString> got;
        int rows = 0;
        for (int page = 0; page < 200; ++page) {
            const auto r = m_big->invoices(q);
            QVERIFY(r.ok());
            for (const InvoiceRow &row : *r)
                got.insert(row.invoice.id);
            rows += r->size();
            if (r->size() < q.limit)
                break;
            q.after = cacheCursor(r->last(), q.sortKey);
        }
        QSet<QString> expected;
        for (const Invoice &i : m_invoices)
            if ((i.status == QLatin1String("open") || i.status == QLatin1String("paid")) && i.currency == QLatin1String("usd"))
                expected.insert(i.id);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(rows, expected.size());
        QCOMPARE(got, expected);
    }

    // ---- full-text search ----

    void customerSearch_data()
    {
        QTest::addColumn<QString>("search");
        QTest::addColumn<QStringList>("expected");
        const QStringList all{QStringLiteral("cus_A1"), QStringLiteral("cus_B2"), QStringLiteral("cus_C3"),
                              QStringLiteral("cus_D4")};
        QTest::newRow("prefix of a name") << QStringLiteral("acm") << QStringList{QStringLiteral("cus_A1"), QStringLiteral("cus_B2")};
        QTest::newRow("any case") << QStringLiteral("ACME") << QStringList{QStringLiteral("cus_A1"), QStringLiteral("cus_B2")};
        QTest::newRow("all words must match") << QStringLiteral("acme corp") << QStringList{QStringLiteral("cus_A1")};
        QTest::newRow("without diacritics") << QStringLiteral("zoe") << QStringList{QStringLiteral("cus_B2")};
        QTest::newRow("with diacritics") << QStringLiteral("Müller") << QStringList{QStringLiteral("cus_B2")};
        QTest::newRow("email") << QStringLiteral("billing@acme") << QStringList{QStringLiteral("cus_A1")};
        QTest::newRow("phone digits") << QStringLiteral("555 0100") << QStringList{QStringLiteral("cus_A1")};
        QTest::newRow("id") << QStringLiteral("cus_C3") << QStringList{QStringLiteral("cus_C3")};
        QTest::newRow("description") << QStringLiteral("rockets") << QStringList{QStringLiteral("cus_A1")};
        QTest::newRow("prefix is not infix") << QStringLiteral("andr") << QStringList{QStringLiteral("cus_C3")};
        QTest::newRow("operator-looking input") << QStringLiteral("AND(") << QStringList{QStringLiteral("cus_C3"), QStringLiteral("cus_D4")};
        QTest::newRow("lone quote is no filter") << QStringLiteral("\"") << all;
        QTest::newRow("star is no filter") << QStringLiteral("*") << all;
        QTest::newRow("unbalanced quote") << QStringLiteral("acme\"") << QStringList{QStringLiteral("cus_A1"), QStringLiteral("cus_B2")};
        QTest::newRow("NEAR syntax") << QStringLiteral("NEAR(acme") << QStringList{};
        QTest::newRow("column filter syntax") << QStringLiteral("name:acme") << QStringList{};
        QTest::newRow("sql injection") << QStringLiteral("'); DROP TABLE customers; --") << QStringList{};
        QTest::newRow("no match") << QStringLiteral("nothing") << QStringList{};
    }

    void customerSearch()
    {
        QFETCH(QString, search);
        QFETCH(QStringList, expected);
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_A1", "Acme Corporation", "billing@acme.example", "Rockets", "+1 555 0100"),
                                        customer("cus_B2", "Zoë Müller", "zoe@mueller.example", "Acme reseller"),
                                        customer("cus_C3", "Andrea Anderson", "andrea@example.org", "", "+44 20 7946 0000"),
                                        customer("cus_D4", "Beta Labs", "ops@beta.example", "AND( tricky \"quoted\"")})
                    .ok());
        CustomerQuery q;
        q.search = search;
        const auto rows = cache->customers(q);
        QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
        expected.sort();
        QCOMPARE(customerIds(*rows), expected);
        QCOMPARE(cache->counts()->customers, 4); // nothing was dropped by odd input
    }

    void searchFollowsUpsertsAndRemovals()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme Corporation"), customer("cus_2", "Zoë Müller")}).ok());
        CustomerQuery q;
        q.search = QStringLiteral("acme");
        QCOMPARE(cache->customers(q)->size(), 1);

        QVERIFY(cache->upsertCustomers({customer("cus_1", "Apex Industries")}).ok());
        QCOMPARE(cache->customers(q)->size(), 0);
        q.search = QStringLiteral("apex");
        QCOMPARE(customerIds(*cache->customers(q)), QStringList{QStringLiteral("cus_1")});

        QVERIFY(cache->remove(QStringLiteral("customer"), QStringLiteral("cus_2")).ok());
        q.search = QStringLiteral("zoe");
        QCOMPARE(cache->customers(q)->size(), 0);

        QSqlQuery check(cache->database());
        QVERIFY(check.exec(QStringLiteral("INSERT INTO customers_fts(customers_fts, rank) VALUES('integrity-check', 1)")));
    }

    void searchCombinesWithFiltersAndPaging()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QList<Customer> list;
        for (int n = 0; n < 30; ++n) {
            Customer c = customer(qPrintable(QStringLiteral("cus_%1").arg(n, 2, 10, QLatin1Char('0'))),
                                  n % 2 ? "Acme Branch" : "Other Inc");
            c.delinquent = n % 3 == 0;
            list << c;
        }
        QVERIFY(cache->upsertCustomers(list).ok());
        CustomerQuery q;
        q.search = QStringLiteral("acme");
        q.delinquent = true;
        q.limit = 2;
        QStringList got;
        for (int page = 0; page < 20; ++page) {
            const auto rows = cache->customers(q);
            QVERIFY(rows.ok());
            got += customerIds(*rows);
            if (rows->size() < q.limit)
                break;
            q.after = cacheCursor(rows->last(), q.sortKey);
        }
        QStringList expected;
        for (const Customer &c : list)
            if (c.delinquent && c.name.startsWith(QLatin1String("Acme")))
                expected << c.id;
        got.sort();
        QCOMPARE(got, expected);
    }

    // ---- filters ----

    void customerFilters()
    {
        CustomerQuery q;
        q.limit = 1000;
        q.delinquent = false;
        q.currency = QStringLiteral("EUR");
        const auto rows = m_big->customers(q);
        QVERIFY(rows.ok());
        QStringList expected;
        for (const Customer &c : m_customers)
            if (!c.delinquent && c.currency == QLatin1String("eur"))
                expected << c.id;
        expected.sort();
        QVERIFY(!expected.isEmpty());
        QCOMPARE(customerIds(*rows), expected);
    }

    void invoiceFilters_data()
    {
        QTest::addColumn<QString>("customerId");
        QTest::addColumn<QDate>("from");
        QTest::addColumn<QDate>("to");
        const QDate first = ts(Base).date();
        QTest::newRow("customer") << m_customers.at(3).id << QDate() << QDate();
        QTest::newRow("single day, inclusive") << QString() << first.addDays(5) << first.addDays(5);
        QTest::newRow("range") << QString() << first.addDays(10) << first.addDays(20);
        QTest::newRow("open start") << QString() << QDate() << first.addDays(3);
    }

    void invoiceFilters()
    {
        QFETCH(QString, customerId);
        QFETCH(QDate, from);
        QFETCH(QDate, to);
        InvoiceQuery q;
        q.limit = 1000;
        q.customerId = customerId;
        if (from.isValid())
            q.createdFrom = from;
        if (to.isValid())
            q.createdTo = to;
        const auto rows = m_big->invoices(q);
        QVERIFY(rows.ok());
        QSet<QString> got;
        for (const InvoiceRow &r : *rows)
            got.insert(r.invoice.id);
        QSet<QString> expected;
        for (const Invoice &i : m_invoices) {
            if (!customerId.isEmpty() && i.customerId != customerId)
                continue;
            const QDate day = i.created.isValid() ? i.created.toUTC().date() : QDate();
            if (from.isValid() && (!day.isValid() || day < from))
                continue;
            if (to.isValid() && (!day.isValid() || day > to))
                continue;
            expected.insert(i.id);
        }
        QVERIFY(!expected.isEmpty());
        QCOMPARE(got, expected);
    }

    void subscriptionFilters()
    {
        SubscriptionQuery q;
        q.limit = 1000;
        q.statuses = {QStringLiteral("trialing")};
        q.trialEndingBefore = ts(Base + 5 * 86400);
        const auto rows = m_big->subscriptions(q);
        QVERIFY(rows.ok());
        QSet<QString> got;
        for (const SubscriptionRow &r : *rows)
            got.insert(r.subscription.id);
        QSet<QString> expected;
        for (const Subscription &s : m_subscriptions)
            if (s.status == QLatin1String("trialing") && s.trialEnd.isValid() && s.trialEnd <= ts(Base + 5 * 86400))
                expected.insert(s.id);
        QVERIFY(!expected.isEmpty());
        QCOMPARE(got, expected);

        SubscriptionQuery byCustomer;
        byCustomer.limit = 1000;
        byCustomer.customerId = m_subscriptions.first().customerId;
        int expectedCount = 0;
        for (const Subscription &s : m_subscriptions)
            expectedCount += s.customerId == byCustomer.customerId;
        QCOMPARE(m_big->subscriptions(byCustomer)->size(), expectedCount);
    }

    void searchTextWithLikeWildcardsIsLiteral()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "100% Cotton"), customer("cus_2", "1000 Things")}).ok());
        Invoice a;
        a.id = QStringLiteral("in_a");
        a.customerId = QStringLiteral("cus_1");
        Invoice b = a;
        b.id = QStringLiteral("in_b");
        b.customerId = QStringLiteral("cus_2");
        QVERIFY(cache->upsertInvoices({a, b}).ok());
        InvoiceQuery q;
        q.search = QStringLiteral("100%");
        const auto rows = cache->invoices(q);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().invoice.id, QStringLiteral("in_a"));
    }

    // ---- joins, dunning, totals, counts ----

    void subscriptionRowJoinsCustomerPlanAndAmount()
    {
        auto cache = openNew();
        QVERIFY(cache);
        const Catalog cat = catalog();
        QVERIFY(cache->upsertProducts(cat.products).ok());
        QVERIFY(cache->upsertPrices(cat.prices).ok());
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme", "ops@acme.example")}).ok());
        Subscription s;
        s.id = QStringLiteral("sub_1");
        s.customerId = QStringLiteral("cus_1");
        s.status = QStringLiteral("active");
        SubscriptionItem base{QStringLiteral("si_1"), QStringLiteral("price_basic_m"), 2, ts(Base), ts(Base + 86400)};
        SubscriptionItem seats{QStringLiteral("si_2"), QStringLiteral("price_pro_m"), 3, ts(Base), ts(Base + 86400)};
        s.items = {base, seats};
        QVERIFY(cache->upsertSubscriptions({s}).ok());

        const auto rows = cache->subscriptions({});
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1);
        const SubscriptionRow &r = rows->first();
        QCOMPARE(r.customerName, QStringLiteral("Acme"));
        QCOMPARE(r.customerEmail, QStringLiteral("ops@acme.example"));
        QVERIFY(r.planName.contains(QLatin1String("Basic")));
        QVERIFY(r.planName.contains(QLatin1String("Monthly")));
        QCOMPARE(r.amountMinor, 2 * 900 + 3 * 4900);
        QCOMPARE(r.interval, QStringLiteral("month"));
        QCOMPARE(r.intervalCount, 1);
        QCOMPARE(r.subscription.items.size(), 2);
        QCOMPARE(r.subscription.items.at(1).priceId, QStringLiteral("price_pro_m"));
        QCOMPARE(r.subscription.currentPeriodEnd(), ts(Base + 86400));

        SubscriptionQuery byPlan;
        byPlan.search = QStringLiteral("basic");
        QCOMPARE(cache->subscriptions(byPlan)->size(), 1);
        byPlan.search = QStringLiteral("ops@acme");
        QCOMPARE(cache->subscriptions(byPlan)->size(), 1);
        byPlan.search = QStringLiteral("enterprise");
        QCOMPARE(cache->subscriptions(byPlan)->size(), 0);
    }

    void upsertReplacesItemsLinesAndCustomerCopies()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Old Name", "old@example.com")}).ok());
        Subscription s;
        s.id = QStringLiteral("sub_1");
        s.customerId = QStringLiteral("cus_1");
        s.items = {{QStringLiteral("si_1"), QStringLiteral("price_a"), 1, {}, {}},
                   {QStringLiteral("si_2"), QStringLiteral("price_b"), 1, {}, {}},
                   {QStringLiteral("si_3"), QStringLiteral("price_c"), 1, {}, {}}};
        QVERIFY(cache->upsertSubscriptions({s}).ok());
        QCOMPARE(cache->subscriptionItems(QStringLiteral("sub_1"))->size(), 3);
        s.items = {{QStringLiteral("si_4"), QStringLiteral("price_d"), 5, {}, {}}};
        QVERIFY(cache->upsertSubscriptions({s}).ok());
        const auto items = cache->subscriptionItems(QStringLiteral("sub_1"));
        QCOMPARE(items->size(), 1);
        QCOMPARE(items->first().id, QStringLiteral("si_4"));
        QCOMPARE(items->first().quantity, 5);

        Invoice inv;
        inv.id = QStringLiteral("in_1");
        inv.customerId = QStringLiteral("cus_1");
        InvoiceLine l1;
        l1.id = QStringLiteral("il_1");
        l1.amountMinor = 100;
        InvoiceLine l2 = l1;
        l2.id = QStringLiteral("il_2");
        l2.proration = true;
        inv.lines = {l1, l2};
        QVERIFY(cache->upsertInvoices({inv}).ok());
        QCOMPARE(cache->invoiceLines(QStringLiteral("in_1"))->size(), 2);
        InvoiceLine l3 = l1;
        l3.id = QStringLiteral("il_3");
        l3.description = QStringLiteral("Replaced");
        l3.periodStart = ts(Base);
        inv.lines = {l3};
        QVERIFY(cache->upsertInvoices({inv}).ok());
        const auto lines = cache->invoiceLines(QStringLiteral("in_1"));
        QCOMPARE(lines->size(), 1);
        QCOMPARE(lines->first().description, QStringLiteral("Replaced"));
        QCOMPARE(lines->first().periodStart, ts(Base));
        QCOMPARE(cache->counts()->invoices, 1);

        QCOMPARE(cache->invoices({})->first().customerName, QStringLiteral("Old Name"));
        QVERIFY(cache->upsertCustomers({customer("cus_1", "New Name", "new@example.com")}).ok());
        const auto rows = cache->invoices({});
        QCOMPARE(rows->first().customerName, QStringLiteral("New Name"));
        QCOMPARE(rows->first().customerEmail, QStringLiteral("new@example.com"));
        InvoiceQuery byName;
        byName.search = QStringLiteral("new name");
        QCOMPARE(cache->invoices(byName)->size(), 1);
        QCOMPARE(cache->subscriptions({})->first().customerName, QStringLiteral("New Name"));
    }

    void dunningRowsCarryTheLatestFailure()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme")}).ok());
        const auto invoice = [](const char *id, const char *status, int attempts, qint64 remaining, const char *currency) {
            Invoice i;
            i.id = QLatin1String(id);
            i.customerId = QStringLiteral("cus_1");
            i.status = QLatin1String(status);
            i.attemptCount = attempts;
            i.amountRemainingMinor = remaining;
            i.amountDueMinor = remaining;
            i.currency = QLatin1String(currency);
            i.created = ts(Base);
            return i;
        };
        QVERIFY(cache->upsertInvoices({invoice("in_failed", "open", 2, 5000, "usd"),
                                       invoice("in_failed_jpy", "open", 1, 700, "jpy"),
                                       invoice("in_not_tried", "open", 0, 900, "usd"),
                                       invoice("in_paid", "paid", 1, 0, "usd"),
                                       invoice("in_zero", "open", 3, 0, "usd")})
                    .ok());
        const auto attempt = [](const char *id, const char *invoice, qint64 at, const char *code, const char *decline) {
            PaymentAttempt a;
            a.id = QLatin1String(id);
            a.invoiceId = QLatin1String(invoice);
            a.created = ts(at);
            a.failureCode = QLatin1String(code);
            a.declineCode = QLatin1String(decline);
            a.failureMessage = QLatin1String(*code ? "Your card was declined." : "");
            return a;
        };
        QVERIFY(cache->upsertPaymentAttempts({attempt("inpay_1", "in_failed", Base + 10, "card_declined", "insufficient_funds"),
                                              attempt("inpay_2", "in_failed", Base + 20, "expired_card", ""),
                                              attempt("inpay_3", "in_failed_jpy", Base + 5, "card_declined", "do_not_honor")})
                    .ok());

        InvoiceQuery dunning;
        dunning.onlyFailedPayments = true;
        dunning.sortKey = InvoiceQuery::SortKey::Id;
        dunning.order = SortOrder::Ascending;
        const auto rows = cache->invoices(dunning);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 2);
        QCOMPARE(rows->at(0).invoice.id, QStringLiteral("in_failed"));
        QCOMPARE(rows->at(0).failureCode, QStringLiteral("expired_card")); // the later attempt
        QCOMPARE(rows->at(0).declineCode, QString());
        QCOMPARE(rows->at(0).failureMessage, QStringLiteral("Your card was declined."));
        QCOMPARE(rows->at(1).declineCode, QStringLiteral("do_not_honor"));

        QCOMPARE(cache->paymentAttempts(QStringLiteral("in_failed"))->size(), 2);
        const auto counts = cache->counts();
        QCOMPARE(counts->failedInvoices, 2);
        QCOMPARE(counts->invoices, 5);
        QCOMPARE(counts->customers, 1);

        const auto totals = cache->remainingTotals(dunning);
        QVERIFY(totals.ok());
        const QList<QPair<QString, qint64>> expected{{QStringLiteral("jpy"), 700}, {QStringLiteral("usd"), 5000}};
        QCOMPARE(*totals, expected);
        InvoiceQuery open;
        open.statuses = {QStringLiteral("open")};
        const QList<QPair<QString, qint64>> expectedOpen{{QStringLiteral("jpy"), 700}, {QStringLiteral("usd"), 5900}};
        QCOMPARE(*cache->remainingTotals(open), expectedOpen);
    }

    // ---- removal and transactions ----

    void removeDeletesRowsAndChildren()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme")}).ok());
        Subscription s;
        s.id = QStringLiteral("sub_1");
        s.items = {{QStringLiteral("si_1"), QStringLiteral("price_a"), 1, {}, {}}};
        QVERIFY(cache->upsertSubscriptions({s}).ok());
        Invoice i;
        i.id = QStringLiteral("in_1");
        InvoiceLine line;
        line.id = QStringLiteral("il_1");
        i.lines = {line};
        QVERIFY(cache->upsertInvoices({i}).ok());
        PaymentAttempt a;
        a.id = QStringLiteral("inpay_1");
        a.invoiceId = QStringLiteral("in_1");
        QVERIFY(cache->upsertPaymentAttempts({a}).ok());

        QVERIFY(cache->remove(QStringLiteral("subscription"), QStringLiteral("sub_1")).ok());
        QCOMPARE(cache->counts()->subscriptions, 0);
        QCOMPARE(cache->subscriptionItems(QStringLiteral("sub_1"))->size(), 0);
        QVERIFY(cache->remove(QStringLiteral("invoice"), QStringLiteral("in_1")).ok());
        QCOMPARE(cache->counts()->invoices, 0);
        QCOMPARE(cache->invoiceLines(QStringLiteral("in_1"))->size(), 0);
        QCOMPARE(cache->paymentAttempts(QStringLiteral("in_1"))->size(), 0);
        QVERIFY(cache->remove(QStringLiteral("customer"), QStringLiteral("cus_1")).ok());
        QCOMPARE(cache->customer(QStringLiteral("cus_1")).error().kind, Error::Kind::NotFound);
        QVERIFY(cache->remove(QStringLiteral("customer"), QStringLiteral("cus_absent")).ok());

        const Status unknown = cache->remove(QStringLiteral("spaceship"), QStringLiteral("x"));
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, Error::Kind::Validation);
    }

    void clearStripeDataKeepsMeta()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme")}).ok());
        QVERIFY(cache->setMeta(QStringLiteral("account"), QStringLiteral("acct_1")).ok());
        QVERIFY(cache->clearStripeData().ok());
        QCOMPARE(cache->counts()->customers, 0);
        CustomerQuery q;
        q.search = QStringLiteral("acme");
        QCOMPARE(cache->customers(q)->size(), 0);
        QCOMPARE(*cache->meta(QStringLiteral("account")), QStringLiteral("acct_1"));
    }

    void failingBatchWritesNothing()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_existing", "Before")}).ok());

        // The third row breaks a constraint (empty id): the rows before it and the update of the
        // existing row must be rolled back with it.
        const Status customers = cache->upsertCustomers(
            {customer("cus_new1", "New One"), customer("cus_existing", "After"), customer("", "Broken"),
             customer("cus_new2", "New Two")});
        QVERIFY(!customers.ok());
        QCOMPARE(customers.error().kind, Error::Kind::Database);
        QVERIFY(!customers.error().userMessage.isEmpty());
        QCOMPARE(cache->counts()->customers, 1);
        QCOMPARE(cache->customer(QStringLiteral("cus_existing"))->name, QStringLiteral("Before"));
        CustomerQuery search;
        search.search = QStringLiteral("new");
        QCOMPARE(cache->customers(search)->size(), 0);

        // A broken line in the second invoice: the first invoice and its lines are not written.
        Invoice good;
        good.id = QStringLiteral("in_good");
        InvoiceLine line;
        line.id = QStringLiteral("il_1");
        good.lines = {line};
        Invoice bad;
        bad.id = QStringLiteral("in_bad");
        InvoiceLine badLine;
        bad.lines = {line, badLine};
        QVERIFY(!cache->upsertInvoices({good, bad}).ok());
        QCOMPARE(cache->counts()->invoices, 0);
        QCOMPARE(cache->invoiceLines(QStringLiteral("in_good"))->size(), 0);

        // The connection is usable afterwards: no transaction left open.
        QVERIFY(cache->upsertInvoices({good}).ok());
        QCOMPARE(cache->counts()->invoices, 1);
    }

    // ---- query plans: page queries read an index, never sort the table ----

    void pageQueriesUseAnIndex_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("key");
        QTest::addColumn<bool>("withCursor");
        QTest::addColumn<QString>("index");
        QTest::newRow("invoices created desc, first page") << 0 << int(InvoiceQuery::SortKey::Created) << false << QStringLiteral("invoices_by_created");
        QTest::newRow("invoices created desc, next page") << 0 << int(InvoiceQuery::SortKey::Created) << true << QStringLiteral("invoices_by_created");
        QTest::newRow("invoices by customer, next page") << 0 << int(InvoiceQuery::SortKey::Customer) << true << QStringLiteral("invoices_by_customer_name");
        QTest::newRow("customers by name, first page") << 1 << int(CustomerQuery::SortKey::Name) << false << QStringLiteral("customers_by_name");
        QTest::newRow("customers by name, next page") << 1 << int(CustomerQuery::SortKey::Name) << true << QStringLiteral("customers_by_name");
        QTest::newRow("customers by created, next page") << 1 << int(CustomerQuery::SortKey::Created) << true << QStringLiteral("customers_by_created");
    }

    void pageQueriesUseAnIndex()
    {
        QFETCH(int, kind);
        QFETCH(int, key);
        QFETCH(bool, withCursor);
        QFETCH(QString, index);
        CacheSql::Statement statement;
        if (kind == 0) {
            InvoiceQuery q;
            q.sortKey = InvoiceQuery::SortKey(key);
            q.order = SortOrder::Descending;
            if (withCursor)
                q.after = cacheCursor(m_big->invoices(q)->last(), q.sortKey);
            statement = CacheSql::invoices(q);
        } else {
            CustomerQuery q;
            q.sortKey = CustomerQuery::SortKey(key);
            if (withCursor)
                q.after = cacheCursor(m_big->customers(q)->last(), q.sortKey);
            statement = CacheSql::customers(q);
        }
        const QStringList plan = queryPlan(*m_big, statement);
        QVERIFY(!plan.isEmpty());
        const QString text = plan.join(QLatin1Char('\n'));
        QVERIFY2(!text.contains(QLatin1String("TEMP B-TREE")), qPrintable(text));
        QVERIFY2(text.contains(index), qPrintable(text));
        if (withCursor) // the keyset bounds the index search instead of filtering a full scan
            QVERIFY2(text.contains(QLatin1String("SEARCH")), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(tst_LocalCache)
#include "tst_localcache.moc"
