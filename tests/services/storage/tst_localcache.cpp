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
    std::unique_ptr<LocalCache> m_analysed; // the same data after optimize(), for plan checks
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

    void cleanupTestCase()
    {
        m_analysed.reset();
        m_big.reset();
    }

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
        c.region = QStringLiteral("Bayern");
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
        QCOMPARE(back->region, c.region);
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

    // Subscription search is a LIKE over the row view: % and _ typed by the user are literal.
    void searchTextWithLikeWildcardsIsLiteral()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "100% Cotton"), customer("cus_2", "1000 Things")}).ok());
        Subscription a;
        a.id = QStringLiteral("sub_a");
        a.customerId = QStringLiteral("cus_1");
        Subscription b = a;
        b.id = QStringLiteral("sub_b");
        b.customerId = QStringLiteral("cus_2");
        QVERIFY(cache->upsertSubscriptions({a, b}).ok());
        SubscriptionQuery q;
        q.search = QStringLiteral("100%");
        const auto rows = cache->subscriptions(q);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().subscription.id, QStringLiteral("sub_a"));
    }

    // ---- invoice full-text search (FTS5 over number, id, customer name and email) ----

    void invoiceSearch_data()
    {
        QTest::addColumn<QString>("search");
        QTest::addColumn<QStringList>("expected");
        const QStringList all{QStringLiteral("in_1MtHbELkdIwHu7ix"), QStringLiteral("in_1MtHcQPzvL0aB3xY"),
                              QStringLiteral("in_1NqRsT9uvWxYz012"), QStringLiteral("in_1PdraftNoNumber0"),
                              QStringLiteral("in_1ZgoneCustomer00")};
        const QString acme1 = all.at(0), acme2 = all.at(1), zoe = all.at(2), draft = all.at(3), gone = all.at(4);
        QTest::newRow("customer name prefix") << QStringLiteral("acm") << QStringList{acme1, acme2};
        QTest::newRow("any case") << QStringLiteral("ACME corp") << QStringList{acme1, acme2};
        QTest::newRow("customer email") << QStringLiteral("billing@acme") << QStringList{acme1, acme2};
        QTest::newRow("whole invoice number") << QStringLiteral("F4E6D0C6-0001") << QStringList{acme1};
        QTest::newRow("number sequence part") << QStringLiteral("0001") << QStringList{acme1, zoe, gone};
        QTest::newRow("number prefix, lower case") << QStringLiteral("f4e6") << QStringList{acme1, acme2};
        QTest::newRow("invoice id") << QStringLiteral("in_1NqRsT9uvWxYz012") << QStringList{zoe};
        QTest::newRow("invoice id prefix") << QStringLiteral("in_1MtH") << QStringList{acme1, acme2};
        QTest::newRow("diacritics folded") << QStringLiteral("muller") << QStringList{zoe};
        QTest::newRow("with diacritics") << QStringLiteral("Zoë") << QStringList{zoe};
        QTest::newRow("draft without number, by customer") << QStringLiteral("andrea") << QStringList{draft};
        QTest::newRow("prefix is not infix") << QStringLiteral("ndrea") << QStringList{};
        QTest::newRow("words across columns") << QStringLiteral("acme 0002") << QStringList{acme2};
        QTest::newRow("customer no longer cached") << QStringLiteral("77AA") << QStringList{gone};
        QTest::newRow("lone quote is no filter") << QStringLiteral("\"") << all;
        QTest::newRow("percent is no filter") << QStringLiteral("%") << all;
        QTest::newRow("column filter syntax") << QStringLiteral("number:0001") << QStringList{};
        QTest::newRow("sql injection") << QStringLiteral("'); DROP TABLE invoices; --") << QStringList{};
        QTest::newRow("no match") << QStringLiteral("zzqxv") << QStringList{};
    }

    void invoiceSearch()
    {
        QFETCH(QString, search);
        QFETCH(QStringList, expected);
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_A1", "Acme Corporation", "billing@acme.example"),
                                        customer("cus_B2", "Zoë Müller", "zoe@mueller.example"),
                                        customer("cus_C3", "Andrea Anderson", "andrea@example.org")})
                    .ok());
        const auto invoice = [](const char *id, const char *number, const char *customerId) {
            Invoice i;
            i.id = QLatin1String(id);
            i.number = QLatin1String(number);
            i.customerId = QLatin1String(customerId);
            i.status = QStringLiteral("open");
            i.created = ts(Base);
            return i;
        };
        QVERIFY(cache->upsertInvoices({invoice("in_1MtHbELkdIwHu7ix", "F4E6D0C6-0001", "cus_A1"),
                                       invoice("in_1MtHcQPzvL0aB3xY", "F4E6D0C6-0002", "cus_A1"),
                                       invoice("in_1NqRsT9uvWxYz012", "9B1C2D3E-0001", "cus_B2"),
                                       invoice("in_1PdraftNoNumber0", "", "cus_C3"),
                                       invoice("in_1ZgoneCustomer00", "77AA-0001", "cus_gone")})
                    .ok());
        InvoiceQuery q;
        q.search = search;
        q.sortKey = InvoiceQuery::SortKey::Id;
        q.order = SortOrder::Ascending;
        const auto rows = cache->invoices(q);
        QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
        QStringList got;
        for (const InvoiceRow &r : *rows)
            got << r.invoice.id;
        expected.sort();
        QCOMPARE(got, expected);
        QCOMPARE(cache->counts()->invoices, 5); // nothing was dropped by odd input
    }

    void invoiceSearchFollowsUpsertsRenamesAndRemovals()
    {
        auto cache = openNew();
        QVERIFY(cache);
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Acme Corporation", "ap@acme.example"),
                                        customer("cus_2", "Beta Labs", "ops@beta.example")})
                    .ok());
        Invoice a;
        a.id = QStringLiteral("in_a");
        a.number = QStringLiteral("ABC-0001");
        a.customerId = QStringLiteral("cus_1");
        Invoice b = a;
        b.id = QStringLiteral("in_b");
        b.number = QStringLiteral("ABC-0002");
        Invoice c = a;
        c.id = QStringLiteral("in_c");
        c.number = QStringLiteral("XYZ-0001");
        c.customerId = QStringLiteral("cus_2");
        QVERIFY(cache->upsertInvoices({a, b, c}).ok());
        const auto found = [&](const char *text) {
            InvoiceQuery q;
            q.search = QLatin1String(text);
            q.sortKey = InvoiceQuery::SortKey::Id;
            q.order = SortOrder::Ascending;
            QStringList ids;
            for (const InvoiceRow &r : cache->invoices(q).valueOr({}))
                ids << r.invoice.id;
            return ids;
        };
        QCOMPARE(found("acme"), (QStringList{QStringLiteral("in_a"), QStringLiteral("in_b")}));

        // A customer rename (and a new email) re-indexes every invoice of that customer.
        QVERIFY(cache->upsertCustomers({customer("cus_1", "Apex Industries", "billing@apex.example")}).ok());
        QCOMPARE(found("acme"), QStringList{});
        QCOMPARE(found("apex"), (QStringList{QStringLiteral("in_a"), QStringLiteral("in_b")}));
        QCOMPARE(found("billing@apex"), (QStringList{QStringLiteral("in_a"), QStringLiteral("in_b")}));
        QCOMPARE(found("beta"), QStringList{QStringLiteral("in_c")});

        // An invoice that moves to another number or customer is found by the new values only.
        b.number = QStringLiteral("NEW-0009");
        b.customerId = QStringLiteral("cus_2");
        QVERIFY(cache->upsertInvoices({b}).ok());
        QCOMPARE(found("abc"), QStringList{QStringLiteral("in_a")});
        QCOMPARE(found("new 0009 beta"), QStringList{QStringLiteral("in_b")});
        // A status change (no searched column) keeps the search rows as they are.
        c.status = QStringLiteral("paid");
        QVERIFY(cache->upsertInvoices({c}).ok());
        QCOMPARE(found("xyz"), QStringList{QStringLiteral("in_c")});

        QVERIFY(cache->remove(QStringLiteral("invoice"), QStringLiteral("in_a")).ok());
        QCOMPARE(found("apex"), QStringList{});
        QSqlQuery check(cache->database());
        QVERIFY2(check.exec(QStringLiteral("INSERT INTO invoices_fts(invoices_fts, rank) VALUES('integrity-check', 1)")),
                 qPrintable(check.lastError().text()));
        QVERIFY(cache->clearStripeData().ok());
        QCOMPARE(found("xyz"), QStringList{});
        QVERIFY(check.exec(QStringLiteral("INSERT INTO invoices_fts(invoices_fts, rank) VALUES('integrity-check', 1)")));
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

    // ---- filtered pages: the plan is fixed by the SQL, with or without table statistics ----

    void filteredPagesUseTheIntendedIndex_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<bool>("analysed");
        QTest::addColumn<bool>("nextPage");
        QTest::addColumn<QString>("index");
        QTest::addColumn<bool>("sorts"); // a TEMP B-TREE is expected (search results are sorted)
        const struct { const char *shape; const char *index; bool sorts; } cases[] = {
            {"dunning queue by next attempt", "invoices_dunning", false},
            {"dunning queue by total", "invoices_by_total", false},
            {"status open by total", "invoices_by_total", false},
            {"statuses open, paid by created", "invoices_by_created", false},
            {"status open by status", "invoices_by_status", false},
            {"created range by created", "SEARCH i USING INDEX invoices_by_created", false},
            {"customer by created", "invoices_by_customer", false},
            {"search by created", "invoices_fts", true},
        };
        for (const auto &c : cases) {
            for (bool analysed : {false, true}) {
                for (bool next : {false, true}) {
                    QTest::addRow("%s, %s, %s", c.shape, analysed ? "analysed" : "no statistics",
                                  next ? "next page" : "first page")
                        << QString::fromLatin1(c.shape) << analysed << next << QString::fromLatin1(c.index) << c.sorts;
                }
            }
        }
    }

    void filteredPagesUseTheIntendedIndex()
    {
        QFETCH(QString, shape);
        QFETCH(bool, analysed);
        QFETCH(bool, nextPage);
        QFETCH(QString, index);
        QFETCH(bool, sorts);
        if (analysed && !m_analysed) {
            m_analysed = openNew();
            QVERIFY(m_analysed);
            QVERIFY(m_analysed->upsertCustomers(m_customers).ok());
            QVERIFY(m_analysed->upsertInvoices(m_invoices).ok());
            QVERIFY(m_analysed->optimize().ok());
            QSqlQuery stat(m_analysed->database());
            QVERIFY(stat.exec(QStringLiteral("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'invoices'")) && stat.next());
            QVERIFY(stat.value(0).toInt() > 0);
        }
        LocalCache &cache = analysed ? *m_analysed : *m_big;
        if (!analysed) { // the shared cache has never been analysed
            QSqlQuery stat(cache.database());
            QVERIFY(stat.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")) && stat.next());
            QCOMPARE(stat.value(0).toInt(), 0);
        }

        using K = InvoiceQuery::SortKey;
        InvoiceQuery q;
        q.limit = 20;
        if (shape.startsWith(QLatin1String("dunning"))) {
            q.onlyFailedPayments = true;
            q.sortKey = shape.endsWith(QLatin1String("next attempt")) ? K::NextAttempt : K::Total;
            q.order = SortOrder::Ascending;
        } else if (shape == QLatin1String("status open by total")) {
            q.statuses = {QStringLiteral("open")};
            q.sortKey = K::Total;
        } else if (shape.startsWith(QLatin1String("statuses"))) {
            q.statuses = {QStringLiteral("open"), QStringLiteral("paid")};
            q.sortKey = K::Created;
        } else if (shape == QLatin1String("status open by status")) {
            q.statuses = {QStringLiteral("open")};
            q.sortKey = K::Status;
        } else if (shape.startsWith(QLatin1String("created range"))) {
            q.createdFrom = ts(Base).date().addDays(10);
            q.createdTo = ts(Base).date().addDays(20);
        } else if (shape.startsWith(QLatin1String("customer"))) {
            q.customerId = m_customers.at(3).id;
            q.limit = 2;
        } else {
            q.search = QStringLiteral("acme");
        }
        const auto firstPage = cache.invoices(q);
        QVERIFY2(firstPage.ok(), qPrintable(errorText(firstPage)));
        QVERIFY2(!firstPage->isEmpty(), "the shape must select rows on the test data");
        if (nextPage)
            q.after = cacheCursor(firstPage->last(), q.sortKey);
        const QStringList plan = queryPlan(cache, CacheSql::invoices(q));
        QVERIFY(!plan.isEmpty());
        const QString text = plan.join(QLatin1Char('\n'));
        QVERIFY2(text.contains(index), qPrintable(text));
        if (!sorts)
            QVERIFY2(!text.contains(QLatin1String("TEMP B-TREE")), qPrintable(text));
        QVERIFY2(!text.contains(QLatin1String("SCAN i\n")) && !text.endsWith(QLatin1String("SCAN i")), qPrintable(text));
    }

    // The dunning queue served by its partial index holds exactly the failed invoices, in order,
    // page after page, like the generic plan would.
    void dunningQueueWalksEveryFailedInvoiceOnce()
    {
        InvoiceQuery q;
        q.onlyFailedPayments = true;
        q.sortKey = InvoiceQuery::SortKey::NextAttempt;
        q.order = SortOrder::Ascending;
        q.limit = 3;
        QList<InvoiceRow> all;
        for (int page = 0; page < 200; ++page) {
            const auto rows = m_big->invoices(q);
            QVERIFY(rows.ok());
            all += *rows;
            if (rows->size() < q.limit)
                break;
            q.after = cacheCursor(rows->last(), q.sortKey);
        }
        QSet<QString> expected;
        for (const Invoice &i : m_invoices)
            if (i.status == QLatin1String("open") && i.attemptCount > 0 && i.amountRemainingMinor > 0)
                expected.insert(i.id);
        QVERIFY(!expected.isEmpty());
        QSet<QString> got;
        for (const InvoiceRow &r : all)
            got.insert(r.invoice.id);
        QCOMPARE(all.size(), expected.size());
        QCOMPARE(got, expected);
        verifyOrder(all, [&](const InvoiceRow &r) { return invoiceKey(r, q.sortKey); },
                    [](const InvoiceRow &r) { return r.invoice.id; }, q.order);
    }

    void optimizeWritesStatisticsAndOpenRefreshesMissingOnes()
    {
        LocalCache closed(QStringLiteral("tst-optimize-closed"));
        QCOMPARE(closed.optimize().error().kind, Error::Kind::Database);

        const QString path = newPath();
        {
            LocalCache cache(QStringLiteral("tst-optimize"));
            const auto report = cache.open(path);
            QVERIFY(report.ok());
            QVERIFY(cache.upsertCustomers(m_customers).ok());
            QVERIFY(cache.upsertInvoices(m_invoices).ok());
            QVERIFY(cache.optimize().ok());
            QSqlQuery q(cache.database());
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'invoices'")) && q.next());
            QVERIFY(q.value(0).toInt() >= 10); // one row per invoice index
            QVERIFY(!cache.meta(QStringLiteral("analysed_rowids"))->isEmpty());
            // Statistics lost (an older version's file, a copy): the next open() puts them back.
            QVERIFY(q.exec(QStringLiteral("DROP TABLE sqlite_stat1")));
        }
        {
            LocalCache cache(QStringLiteral("tst-optimize"));
            QVERIFY(cache.open(path).ok());
            QSqlQuery q(cache.database());
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'invoices'")) && q.next());
            QVERIFY(q.value(0).toInt() >= 10);
        }
    }

    // ---- payment methods, coupons, promotion codes ----

    void paymentMethodsRoundTripPerCustomerNewestFirst()
    {
        auto cache = openNew();
        QVERIFY(cache);
        PaymentMethod card;
        card.id = QStringLiteral("pm_card_old");
        card.customerId = QStringLiteral("cus_1");
        card.type = QStringLiteral("card");
        card.brand = QStringLiteral("visa");
        card.last4 = QStringLiteral("4242");
        card.expMonth = 12;
        card.expYear = 2031;
        card.funding = QStringLiteral("credit");
        card.created = ts(Base);
        PaymentMethod bank;
        bank.id = QStringLiteral("pm_bank_new");
        bank.customerId = QStringLiteral("cus_1");
        bank.type = QStringLiteral("us_bank_account");
        bank.last4 = QStringLiteral("6789");
        bank.bankName = QStringLiteral("STRIPE TEST BANK");
        bank.created = ts(Base + 3600);
        PaymentMethod other = card;
        other.id = QStringLiteral("pm_other");
        other.customerId = QStringLiteral("cus_2");
        QVERIFY(cache->upsertPaymentMethods({card, bank, other}).ok());

        const auto mine = cache->paymentMethods(QStringLiteral("cus_1"));
        QVERIFY2(mine.ok(), qPrintable(errorText(mine)));
        QCOMPARE(mine->size(), 2);
        QCOMPARE(mine->at(0).id, bank.id);
        QCOMPARE(mine->at(0).bankName, bank.bankName);
        QCOMPARE(mine->at(0).last4, bank.last4);
        QCOMPARE(mine->at(0).expMonth, 0);
        const PaymentMethod &back = mine->at(1);
        QCOMPARE(back.id, card.id);
        QCOMPARE(back.type, card.type);
        QCOMPARE(back.brand, card.brand);
        QCOMPARE(back.last4, card.last4);
        QCOMPARE(back.expMonth, 12);
        QCOMPARE(back.expYear, 2031);
        QCOMPARE(back.funding, card.funding);
        QCOMPARE(back.created, card.created);

        // Detached: the upsert moves it off the customer.
        card.customerId.clear();
        QVERIFY(cache->upsertPaymentMethods({card}).ok());
        QCOMPARE(cache->paymentMethods(QStringLiteral("cus_1"))->size(), 1);
        QCOMPARE(cache->paymentMethods(QStringLiteral("cus_absent"))->size(), 0);
        QCOMPARE(cache->counts()->paymentMethods, 3);
    }

    void expiringCards_data()
    {
        QTest::addColumn<QDate>("from");
        QTest::addColumn<QDate>("to");
        QTest::addColumn<QStringList>("expected"); // in order: soonest expiry first
        QTest::newRow("reversed range") << QDate(2026, 3, 31) << QDate(2026, 3, 1) << QStringList{};
        QTest::newRow("one month") << QDate(2026, 3, 1) << QDate(2026, 3, 31)
                                   << QStringList{QStringLiteral("pm_mar26_a"), QStringLiteral("pm_mar26_b")};
        QTest::newRow("mid-month bounds include both months") << QDate(2026, 2, 15) << QDate(2026, 3, 2)
                                   << QStringList{QStringLiteral("pm_feb26"), QStringLiteral("pm_mar26_a"),
                                                  QStringLiteral("pm_mar26_b")};
        QTest::newRow("across the year end") << QDate(2025, 11, 1) << QDate(2026, 2, 28)
                                             << QStringList{QStringLiteral("pm_dec25"), QStringLiteral("pm_jan26"),
                                                            QStringLiteral("pm_feb26")};
        QTest::newRow("month 12 is not month 1 of the next year") << QDate(2025, 12, 1) << QDate(2025, 12, 31)
                                                                  << QStringList{QStringLiteral("pm_dec25")};
        QTest::newRow("nothing expires") << QDate(2027, 1, 1) << QDate(2027, 12, 31) << QStringList{};
        QTest::newRow("invalid range") << QDate() << QDate(2026, 12, 31) << QStringList{};
    }

    void expiringCards()
    {
        QFETCH(QDate, from);
        QFETCH(QDate, to);
        QFETCH(QStringList, expected);
        auto cache = openNew();
        QVERIFY(cache);
        const auto card = [](const char *id, const char *customer, int month, int year, const char *type = "card") {
            PaymentMethod p;
            p.id = QLatin1String(id);
            p.customerId = QLatin1String(customer);
            p.type = QLatin1String(type);
            p.expMonth = month;
            p.expYear = year;
            return p;
        };
        QVERIFY(cache->upsertPaymentMethods({card("pm_mar26_b", "cus_2", 3, 2026), card("pm_mar26_a", "cus_1", 3, 2026),
                                             card("pm_feb26", "cus_3", 2, 2026), card("pm_jan26", "cus_3", 1, 2026),
                                             card("pm_dec25", "cus_4", 12, 2025), card("pm_2028", "cus_5", 3, 2028),
                                             card("pm_detached", "", 3, 2026),
                                             card("pm_bank", "cus_6", 0, 0, "us_bank_account"),
                                             card("pm_sepa", "cus_7", 3, 2026, "sepa_debit")})
                    .ok());
        const auto rows = cache->expiringCards(from, to);
        QVERIFY2(rows.ok(), qPrintable(errorText(rows)));
        QStringList got;
        for (const PaymentMethod &p : *rows)
            got << p.id;
        QCOMPARE(got, expected);
    }

    void couponsRoundTripExactAmounts()
    {
        auto cache = openNew();
        QVERIFY(cache);
        Coupon percent;
        percent.id = QStringLiteral("SUMMER25");
        percent.name = QStringLiteral("summer sale");
        percent.percentOff = QStringLiteral("25.5");
        percent.duration = QStringLiteral("repeating");
        percent.durationInMonths = 3;
        percent.maxRedemptions = 100;
        percent.timesRedeemed = 7;
        percent.redeemBy = ts(Base + 86400);
        percent.created = ts(Base);
        Coupon amount;
        amount.id = QStringLiteral("co_amount");
        amount.name = QStringLiteral("Amount off");
        amount.amountOff = 500;
        amount.currency = QStringLiteral("USD");
        amount.currencyOptionsAmountOff = {{QStringLiteral("eur"), 450}, {QStringLiteral("jpy"), 9007199254740993LL}};
        amount.duration = QStringLiteral("once");
        amount.valid = false;
        QVERIFY(cache->upsertCoupons({percent, amount}).ok());

        const auto back = cache->coupons();
        QVERIFY2(back.ok(), qPrintable(errorText(back)));
        QCOMPARE(back->size(), 2);
        const Coupon &a = back->at(0); // by name, without case: "Amount off" < "summer sale"
        const Coupon &p = back->at(1);
        QCOMPARE(a.id, amount.id);
        QCOMPARE(a.amountOff, std::optional<qint64>(500));
        QCOMPARE(a.currency, QStringLiteral("usd"));
        QCOMPARE(a.currencyOptionsAmountOff, amount.currencyOptionsAmountOff);
        QCOMPARE(a.percentOff, QString());
        QCOMPARE(a.valid, false);
        QVERIFY(!a.durationInMonths.has_value());
        QVERIFY(!a.maxRedemptions.has_value());
        QVERIFY(!a.redeemBy.isValid());
        QCOMPARE(p.id, percent.id);
        QCOMPARE(p.percentOff, QStringLiteral("25.5"));
        QVERIFY(!p.amountOff.has_value());
        QCOMPARE(p.duration, QStringLiteral("repeating"));
        QCOMPARE(p.durationInMonths, std::optional<int>(3));
        QCOMPARE(p.maxRedemptions, std::optional<int>(100));
        QCOMPARE(p.timesRedeemed, 7);
        QCOMPARE(p.redeemBy, percent.redeemBy);
        QCOMPARE(p.valid, true);
        QCOMPARE(p.created, percent.created);

        percent.timesRedeemed = 8;
        QVERIFY(cache->upsertCoupons({percent}).ok());
        QCOMPARE(cache->coupons()->at(1).timesRedeemed, 8);
        QCOMPARE(cache->counts()->coupons, 2);
    }

    void promotionCodesByCouponAndCode()
    {
        auto cache = openNew();
        QVERIFY(cache);
        const auto code = [](const char *id, const char *text, const char *coupon) {
            PromotionCode p;
            p.id = QLatin1String(id);
            p.code = QLatin1String(text);
            p.couponId = QLatin1String(coupon);
            return p;
        };
        PromotionCode restricted = code("promo_3", "vip", "co_a");
        restricted.customerId = QStringLiteral("cus_1");
        restricted.active = false;
        restricted.maxRedemptions = 1;
        restricted.timesRedeemed = 1;
        restricted.expiresAt = ts(Base + 7 * 86400);
        restricted.firstTimeTransaction = true;
        restricted.minimumAmount = 2000;
        restricted.minimumAmountCurrency = QStringLiteral("EUR");
        restricted.created = ts(Base);
        QVERIFY(cache->upsertPromotionCodes({code("promo_1", "SPRING", "co_a"), code("promo_2", "autumn", "co_b"),
                                             restricted})
                    .ok());
        const auto ids = [](const QList<PromotionCode> &list) {
            QStringList out;
            for (const PromotionCode &p : list)
                out << p.id;
            return out;
        };
        QCOMPARE(ids(*cache->promotionCodes()),
                 (QStringList{QStringLiteral("promo_2"), QStringLiteral("promo_1"), QStringLiteral("promo_3")}));
        const auto ofA = cache->promotionCodes(QStringLiteral("co_a"));
        QVERIFY2(ofA.ok(), qPrintable(errorText(ofA)));
        QCOMPARE(ids(*ofA), (QStringList{QStringLiteral("promo_1"), QStringLiteral("promo_3")}));
        const PromotionCode &r = ofA->at(1);
        QCOMPARE(r.code, QStringLiteral("vip"));
        QCOMPARE(r.couponId, QStringLiteral("co_a"));
        QCOMPARE(r.customerId, QStringLiteral("cus_1"));
        QCOMPARE(r.active, false);
        QCOMPARE(r.maxRedemptions, std::optional<int>(1));
        QCOMPARE(r.timesRedeemed, 1);
        QCOMPARE(r.expiresAt, restricted.expiresAt);
        QCOMPARE(r.firstTimeTransaction, true);
        QCOMPARE(r.minimumAmount, std::optional<qint64>(2000));
        QCOMPARE(r.minimumAmountCurrency, QStringLiteral("eur"));
        QCOMPARE(r.created, restricted.created);
        QVERIFY(ofA->at(0).active);
        QVERIFY(!ofA->at(0).minimumAmount.has_value());
        QCOMPARE(cache->promotionCodes(QStringLiteral("co_none"))->size(), 0);
        QCOMPARE(cache->counts()->promotionCodes, 3);
    }

    void removeAndClearKnowTheNewTypes_data()
    {
        QTest::addColumn<QString>("objectType");
        QTest::newRow("payment method") << QStringLiteral("payment_method");
        QTest::newRow("coupon") << QStringLiteral("coupon");
        QTest::newRow("promotion code") << QStringLiteral("promotion_code");
    }

    void removeAndClearKnowTheNewTypes()
    {
        QFETCH(QString, objectType);
        auto cache = openNew();
        QVERIFY(cache);
        const auto fill = [&] {
            PaymentMethod pm;
            pm.id = QStringLiteral("pm_1");
            pm.customerId = QStringLiteral("cus_1");
            pm.type = QStringLiteral("card");
            PaymentMethod pm2 = pm;
            pm2.id = QStringLiteral("pm_2");
            Coupon c;
            c.id = QStringLiteral("co_1");
            Coupon c2 = c;
            c2.id = QStringLiteral("co_2");
            PromotionCode p;
            p.id = QStringLiteral("promo_1");
            p.couponId = QStringLiteral("co_1");
            PromotionCode p2 = p;
            p2.id = QStringLiteral("promo_2");
            return cache->upsertPaymentMethods({pm, pm2}).ok() && cache->upsertCoupons({c, c2}).ok()
                && cache->upsertPromotionCodes({p, p2}).ok();
        };
        QVERIFY(fill());
        const QString id = objectType == QLatin1String("payment_method") ? QStringLiteral("pm_1")
            : objectType == QLatin1String("coupon")                      ? QStringLiteral("co_1")
                                                                         : QStringLiteral("promo_1");
        QVERIFY(cache->remove(objectType, id).ok());
        QVERIFY(cache->remove(objectType, QStringLiteral("absent")).ok());
        const CacheCounts after = *cache->counts();
        QCOMPARE(after.paymentMethods, objectType == QLatin1String("payment_method") ? 1 : 2);
        QCOMPARE(after.coupons, objectType == QLatin1String("coupon") ? 1 : 2);
        QCOMPARE(after.promotionCodes, objectType == QLatin1String("promotion_code") ? 1 : 2);

        QVERIFY(cache->setMeta(QStringLiteral("account"), QStringLiteral("acct_1")).ok());
        QVERIFY(cache->clearStripeData().ok());
        const CacheCounts cleared = *cache->counts();
        QCOMPARE(cleared.paymentMethods, 0);
        QCOMPARE(cleared.coupons, 0);
        QCOMPARE(cleared.promotionCodes, 0);
        QCOMPARE(*cache->meta(QStringLiteral("account")), QStringLiteral("acct_1"));
        QVERIFY(fill()); // the same ids can be written again
    }

    void newTypesWriteAllOrNothing()
    {
        auto cache = openNew();
        QVERIFY(cache);
        PaymentMethod good;
        good.id = QStringLiteral("pm_good");
        PaymentMethod broken; // empty id breaks the CHECK
        QVERIFY(!cache->upsertPaymentMethods({good, broken}).ok());
        Coupon c;
        c.id = QStringLiteral("co_good");
        QVERIFY(!cache->upsertCoupons({c, Coupon{}}).ok());
        PromotionCode p;
        p.id = QStringLiteral("promo_good");
        QVERIFY(!cache->upsertPromotionCodes({p, PromotionCode{}}).ok());
        const CacheCounts counts = *cache->counts();
        QCOMPARE(counts.paymentMethods, 0);
        QCOMPARE(counts.coupons, 0);
        QCOMPARE(counts.promotionCodes, 0);
    }
};

QTEST_GUILESS_MAIN(tst_LocalCache)
#include "tst_localcache.moc"
