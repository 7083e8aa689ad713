// bc-generate-cache: builds a local cache file of realistic, deterministic Stripe-like data through
// LocalCache's own upserts (batches, one transaction each), for the benchmarks.
//
//   bc-generate-cache --customers 100000 --invoices 1000000 --out FILE [--seed N] [--batch 5000]
//
// Same arguments, same file contents: every value comes from one seeded generator (splitmix64,
// no std distributions, whose results differ between standard libraries).

#include "bench/benchdata.h"
#include "services/storage/localcache.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTextStream>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace Billing;

namespace {

struct Plan
{
    const char *name;
    const char *lookup;
    qint64 amount[BenchData::CurrencyCount]; // minor units per month, per currency
};

// Four tiers; amounts per currency in its own minor units (JPY has none, KWD has 3 decimals).
constexpr Plan Plans[] = {
    {"Starter", "starter", {900, 900, 800, 1200, 3000}},
    {"Team", "team", {2900, 2700, 2400, 3900, 9000}},
    {"Business", "business", {9900, 8900, 7900, 12900, 30000}},
    {"Enterprise", "enterprise", {49900, 45900, 39900, 64900, 150000}},
};
constexpr int PlanCount = int(std::size(Plans));

struct DeclineKind
{
    const char *failureCode;
    const char *declineCode;
    const char *message;
};

constexpr DeclineKind Declines[] = {
    {"card_declined", "insufficient_funds", "Your card has insufficient funds."},
    {"card_declined", "insufficient_funds", "Your card has insufficient funds."},
    {"card_declined", "insufficient_funds", "Your card has insufficient funds."},
    {"card_declined", "generic_decline", "Your card was declined."},
    {"card_declined", "generic_decline", "Your card was declined."},
    {"card_declined", "do_not_honor", "Your card was declined."},
    {"card_declined", "lost_card", "Your card was declined."},
    {"card_declined", "stolen_card", "Your card was declined."},
    {"card_declined", "card_velocity_exceeded", "Your card was declined for making repeated attempts too frequently."},
    {"expired_card", "expired_card", "Your card has expired."},
    {"incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."},
    {"processing_error", "", "An error occurred while processing your card. Try again in a little bit."},
};

// What the invoices need to know about their customer, kept compact for 100k+ customers.
struct CustomerInfo
{
    qint64 created = 0;
    quint8 currency = 0;
    qint8 plan = -1; // -1: no subscription
    quint8 quantity = 1;
    bool sendInvoice = false;
    int invoiceSeq = 0;
    QString id;
    QString prefix;
    QString subscriptionId;
};

QString moneyText(qint64 minor, int currency)
{
    const int exp = BenchData::Exponents[currency];
    QString digits = QString::number(minor);
    if (exp > 0) {
        while (digits.size() <= exp)
            digits.prepend(QLatin1Char('0'));
        digits.insert(digits.size() - exp, QLatin1Char('.'));
    }
    return QString::fromLatin1(BenchData::Symbols[currency]) + digits;
}

QDateTime at(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

void fail(const QString &what, const Error &error)
{
    std::fprintf(stderr, "bc-generate-cache: %s: %s (%s)\n", qPrintable(what), qPrintable(error.userMessage),
                 qPrintable(error.detail));
    std::exit(1);
}

class Generator
{
public:
    Generator(LocalCache &cache, quint64 seed, int batch) : m_cache(cache), m_rng(seed), m_batch(batch) {}

    void catalog();
    void customers(int count);
    void invoices(qint64 count);
    qint64 rowsWritten() const { return m_rows; }

private:
    Customer makeCustomer(int index, CustomerInfo &info);
    Subscription makeSubscription(int index, const CustomerInfo &info);
    Invoice makeInvoice(qint64 index, CustomerInfo &info, QList<PaymentAttempt> &attempts);
    int pickCustomer();
    void progress(const char *what, qint64 done, qint64 total, const QElapsedTimer &timer);

    LocalCache &m_cache;
    BenchData::Rng m_rng;
    int m_batch;
    qint64 m_rows = 0;
    std::vector<CustomerInfo> m_customers;
    QString m_priceIds[PlanCount][BenchData::CurrencyCount];
};

void Generator::catalog()
{
    QList<Product> products;
    QList<Price> prices;
    const qint64 created = BenchData::EpochStart - 86400 * 30;
    for (int p = 0; p < PlanCount; ++p) {
        Product product;
        product.id = BenchData::stripeId("prod", quint64(p), 14);
        product.name = QString::fromLatin1(Plans[p].name);
        product.description = QStringLiteral("%1 plan, billed monthly").arg(product.name);
        product.created = at(created);
        for (int c = 0; c < BenchData::CurrencyCount; ++c) {
            Price price;
            price.id = BenchData::stripeId("price", quint64(p * 16 + c), 24);
            price.productId = product.id;
            price.currency = QString::fromLatin1(BenchData::Currencies[c]);
            price.nickname = QStringLiteral("%1 monthly %2").arg(product.name, price.currency.toUpper());
            price.lookupKey = QStringLiteral("%1_monthly_%2").arg(QString::fromLatin1(Plans[p].lookup), price.currency);
            price.type = QStringLiteral("recurring");
            price.billingScheme = QStringLiteral("per_unit");
            price.unitAmount = Plans[p].amount[c];
            price.unitAmountDecimal = QString::number(Plans[p].amount[c]);
            price.interval = QStringLiteral("month");
            price.intervalCount = 1;
            price.usageType = QStringLiteral("licensed");
            if (p < 2)
                price.trialPeriodDays = 14;
            price.created = at(created);
            m_priceIds[p][c] = price.id;
            if (c == 0)
                product.defaultPrice = price.id;
            prices << price;
        }
        products << product;
    }
    if (Status s = m_cache.upsertProducts(products); !s.ok())
        fail(QStringLiteral("products"), s.error());
    if (Status s = m_cache.upsertPrices(prices); !s.ok())
        fail(QStringLiteral("prices"), s.error());
    m_rows += products.size() + prices.size();
}

Customer Generator::makeCustomer(int index, CustomerInfo &info)
{
    BenchData::Person person = BenchData::person(m_rng, index);
    Customer c;
    c.id = BenchData::stripeId("cus", quint64(index), 14);
    c.name = person.name;
    c.email = person.email;
    info.currency = quint8(BenchData::pickCurrency(m_rng));
    c.currency = QString::fromLatin1(BenchData::Currencies[info.currency]);
    c.country = BenchData::pickCountry(m_rng, info.currency);
    // Customers join over the three years, more of them recently.
    const qint64 span = BenchData::EpochEnd - BenchData::EpochStart;
    const double u = m_rng.unit();
    info.created = BenchData::EpochStart + qint64(double(span) * (1.0 - u * u) * 0.97);
    c.created = at(info.created);
    const int r = m_rng.below(100);
    if (r < 6)
        c.balanceMinor = -qint64(m_rng.below(50) + 1) * 100; // credit
    else if (r < 8)
        c.balanceMinor = qint64(m_rng.below(200) + 1) * 100;
    c.delinquent = m_rng.below(100) < 4;
    if (m_rng.below(100) < 85)
        c.defaultPaymentMethod = BenchData::stripeId("pm", quint64(index), 24);
    if (m_rng.below(100) < 60)
        c.phone = BenchData::phone(m_rng, info.currency);
    static const char *const descriptions[] = {"Enterprise account, NET 30", "Referred by partner program",
                                               "Migrated from legacy billing", "Annual review in Q3",
                                               "VIP support", "Education discount", "Nonprofit"};
    if (m_rng.below(100) < 25)
        c.description = QString::fromLatin1(descriptions[m_rng.below(int(std::size(descriptions)))]);
    if (m_rng.below(100) < 30)
        c.metadata.insert(QStringLiteral("crm_id"), QStringLiteral("CRM-%1").arg(100000 + index));
    info.id = c.id;
    info.prefix = BenchData::invoicePrefix(quint64(index));
    info.sendInvoice = m_rng.below(100) < 12;
    if (m_rng.below(100) < 78) {
        static const int planWeights[PlanCount] = {45, 35, 15, 5};
        int w = m_rng.below(100);
        int p = 0;
        while (p < PlanCount - 1 && w >= planWeights[p]) {
            w -= planWeights[p];
            ++p;
        }
        info.plan = qint8(p);
        info.quantity = quint8(p >= 1 ? 1 + m_rng.below(p == 3 ? 40 : 8) : 1);
        info.subscriptionId = BenchData::stripeId("sub", quint64(index), 24);
    }
    return c;
}

Subscription Generator::makeSubscription(int index, const CustomerInfo &info)
{
    Subscription s;
    s.id = info.subscriptionId;
    s.customerId = info.id;
    s.currency = QString::fromLatin1(BenchData::Currencies[info.currency]);
    s.collectionMethod = info.sendInvoice ? QStringLiteral("send_invoice") : QStringLiteral("charge_automatically");
    s.created = at(info.created + 60);
    s.startDate = s.created;
    const int r = m_rng.below(100);
    if (r < 72)
        s.status = QStringLiteral("active");
    else if (r < 78)
        s.status = QStringLiteral("past_due");
    else if (r < 82)
        s.status = QStringLiteral("trialing");
    else if (r < 96) {
        s.status = QStringLiteral("canceled");
        s.canceledAt = at(info.created + (BenchData::EpochEnd - info.created) / 2);
        s.endedAt = s.canceledAt;
        s.cancellationFeedback = m_rng.below(2) ? QStringLiteral("too_expensive") : QStringLiteral("switched_service");
    } else
        s.status = QStringLiteral("paused"), s.pauseBehavior = QStringLiteral("void");
    if (s.status == QStringLiteral("trialing")) {
        s.trialStart = at(BenchData::EpochEnd - 86400 * m_rng.below(14));
        s.trialEnd = at(s.trialStart.toSecsSinceEpoch() + 14 * 86400);
    }
    if (s.status == QStringLiteral("active"))
        s.cancelAtPeriodEnd = m_rng.below(100) < 5;
    SubscriptionItem item;
    item.id = BenchData::stripeId("si", quint64(index), 14);
    item.priceId = m_priceIds[info.plan][info.currency];
    item.quantity = info.quantity;
    const qint64 periodStart = BenchData::EpochEnd - 86400 * m_rng.below(30);
    item.currentPeriodStart = at(periodStart);
    item.currentPeriodEnd = at(periodStart + 30 * 86400);
    s.items << item;
    return s;
}

void Generator::progress(const char *what, qint64 done, qint64 total, const QElapsedTimer &timer)
{
    const double secs = timer.nsecsElapsed() / 1e9;
    std::fprintf(stderr, "\r  %s: %lld / %lld  (%.0f rows/s)   ", what, (long long)done, (long long)total,
                 secs > 0 ? double(done) / secs : 0.0);
    std::fflush(stderr);
}

void Generator::customers(int count)
{
    m_customers.resize(size_t(count));
    QElapsedTimer timer;
    timer.start();
    QList<Customer> batch;
    QList<Subscription> subs;
    qint64 subscriptionCount = 0;
    for (int i = 0; i < count; ++i) {
        batch << makeCustomer(i, m_customers[size_t(i)]);
        if (m_customers[size_t(i)].plan >= 0)
            subs << makeSubscription(i, m_customers[size_t(i)]);
        if (batch.size() >= m_batch || i + 1 == count) {
            if (Status s = m_cache.upsertCustomers(batch); !s.ok())
                fail(QStringLiteral("customers"), s.error());
            if (Status s = m_cache.upsertSubscriptions(subs); !s.ok())
                fail(QStringLiteral("subscriptions"), s.error());
            m_rows += batch.size() + subs.size();
            subscriptionCount += subs.size();
            batch.clear();
            subs.clear();
            progress("customers", i + 1, count, timer);
        }
    }
    const double secs = timer.nsecsElapsed() / 1e9;
    std::printf("\ncustomers: %d (+ %lld subscriptions) in %.1f s, %.0f customers/s\n", count,
                (long long)subscriptionCount, secs, count / secs);
}

int Generator::pickCustomer()
{
    // Skewed: a minority of customers owns most invoices (u^1.6 leans to low indices; the low
    // indices are spread over the join dates, so the skew is not tied to age).
    const double u = m_rng.unit();
    return int(double(m_customers.size()) * std::pow(u, 1.6)) % int(m_customers.size());
}

Invoice Generator::makeInvoice(qint64 index, CustomerInfo &info, QList<PaymentAttempt> &attempts)
{
    Invoice inv;
    inv.id = BenchData::stripeId("in", quint64(index), 24);
    inv.customerId = info.id;
    inv.subscriptionId = info.subscriptionId;
    const int cur = info.currency;
    inv.currency = QString::fromLatin1(BenchData::Currencies[cur]);
    inv.collectionMethod = info.sendInvoice ? QStringLiteral("send_invoice") : QStringLiteral("charge_automatically");
    const qint64 created = info.created + qint64(m_rng.unit() * double(BenchData::EpochEnd - info.created));
    inv.created = at(created);
    inv.periodStart = at(created - 30 * 86400);
    inv.periodEnd = inv.created;

    // Lines: the plan (or a one-off charge), sometimes usage or a proration.
    const int plan = info.plan >= 0 ? info.plan : m_rng.below(2);
    const qint64 unit = Plans[plan].amount[cur];
    const qint64 qty = info.plan >= 0 ? info.quantity : 1;
    InvoiceLine main;
    main.id = BenchData::stripeId("il", quint64(index) * 4, 24);
    main.description = QStringLiteral("%1 × %2 (at %3 / month)")
                           .arg(qty)
                           .arg(QString::fromLatin1(Plans[plan].name), moneyText(unit, cur));
    main.amountMinor = unit * qty;
    main.currency = inv.currency;
    main.quantity = qty;
    main.priceId = m_priceIds[plan][cur];
    main.periodStart = inv.periodStart;
    main.periodEnd = inv.periodEnd;
    inv.lines << main;
    inv.billingReason = info.plan >= 0 ? QStringLiteral("subscription_cycle") : QStringLiteral("manual");
    if (m_rng.below(100) < 20) {
        InvoiceLine extra;
        extra.id = BenchData::stripeId("il", quint64(index) * 4 + 1, 24);
        extra.currency = inv.currency;
        extra.periodStart = inv.periodStart;
        extra.periodEnd = inv.periodEnd;
        if (m_rng.below(3) == 0) {
            extra.description = QStringLiteral("Remaining time on %1 after upgrade").arg(QString::fromLatin1(Plans[plan].name));
            extra.amountMinor = unit * (1 + m_rng.below(20)) / 30;
            extra.quantity = 1;
            extra.proration = true;
            inv.billingReason = QStringLiteral("subscription_update");
        } else {
            extra.quantity = 1000 * (1 + m_rng.below(500));
            extra.description = QStringLiteral("Usage: %1 API calls").arg(extra.quantity);
            extra.amountMinor = extra.quantity * (cur == 3 ? 1 : cur == 4 ? 3 : 2) / 10;
        }
        inv.lines << extra;
    }
    for (const InvoiceLine &l : std::as_const(inv.lines))
        inv.subtotalMinor += l.amountMinor;
    inv.totalMinor = inv.subtotalMinor;
    inv.amountDueMinor = inv.totalMinor;

    const QString token = BenchData::stripeId("", quint64(index) ^ 0x5bd1e995ULL, 24).mid(1);
    inv.hostedInvoiceUrl = QStringLiteral("https://invoice.stripe.com/i/acct_1BenchAcct/test_") + token;
    inv.invoicePdf = QStringLiteral("https://pay.stripe.com/invoice/acct_1BenchAcct/test_") + token
        + QStringLiteral("/pdf");

    const int r = m_rng.below(1000);
    const auto failedAttempt = [&](int n, qint64 when) {
        const DeclineKind &d = Declines[m_rng.below(int(std::size(Declines)))];
        PaymentAttempt a;
        a.id = BenchData::stripeId("inpay", quint64(index) * 8 + quint64(n), 24);
        a.invoiceId = inv.id;
        a.paymentIntentId = BenchData::stripeId("pi", quint64(index), 24);
        a.status = QStringLiteral("open");
        a.intentStatus = QStringLiteral("requires_payment_method");
        a.failureCode = QString::fromLatin1(d.failureCode);
        a.declineCode = QString::fromLatin1(d.declineCode);
        a.failureMessage = QString::fromLatin1(d.message);
        a.amountMinor = inv.amountDueMinor;
        a.currency = inv.currency;
        a.created = at(when);
        attempts << a;
    };
    if (r < 10) {
        inv.status = QStringLiteral("draft");
        inv.amountRemainingMinor = inv.amountDueMinor;
    } else if (r < 35) {
        inv.status = QStringLiteral("void");
    } else if (r < 50) {
        inv.status = QStringLiteral("uncollectible");
        inv.attempted = true;
        inv.attemptCount = 4;
        inv.amountRemainingMinor = inv.amountDueMinor;
        for (int n = 0; n < 4; ++n)
            failedAttempt(n, created + 3600 + n * 3 * 86400);
    } else if (r < 95 && info.sendInvoice) {
        inv.status = QStringLiteral("open"); // sent, waiting for a bank transfer
        inv.dueDate = at(created + 30 * 86400);
        inv.amountRemainingMinor = inv.amountDueMinor;
    } else if (r < 95) {
        // The dunning queue: open, attempted, not paid; Smart Retries planned or exhausted.
        inv.status = QStringLiteral("open");
        inv.attempted = true;
        inv.attemptCount = 1 + m_rng.below(4);
        inv.amountRemainingMinor = inv.amountDueMinor;
        for (int n = 0; n < inv.attemptCount; ++n)
            failedAttempt(n, created + 3600 + n * 2 * 86400);
        if (inv.attemptCount < 4)
            inv.nextPaymentAttempt = at(created + 3600 + inv.attemptCount * 2 * 86400);
    } else {
        inv.status = QStringLiteral("paid");
        inv.attempted = true;
        inv.attemptCount = 1;
        if (m_rng.below(100) < 6) { // paid on a retry after a decline
            failedAttempt(0, created + 3600);
            inv.attemptCount = 2;
        }
        inv.amountPaidMinor = inv.amountDueMinor;
        inv.paidAt = at(created + 3600 + (inv.attemptCount - 1) * 2 * 86400);
        if (info.sendInvoice)
            inv.dueDate = at(created + 30 * 86400);
    }
    if (inv.status != QStringLiteral("draft"))
        inv.number = QStringLiteral("%1-%2").arg(info.prefix).arg(++info.invoiceSeq, 4, 10, QLatin1Char('0'));
    return inv;
}

void Generator::invoices(qint64 count)
{
    if (m_customers.empty() || count <= 0)
        return;
    QElapsedTimer timer;
    timer.start();
    QList<Invoice> batch;
    QList<PaymentAttempt> attempts;
    qint64 attemptCount = 0;
    for (qint64 i = 0; i < count; ++i) {
        batch << makeInvoice(i, m_customers[size_t(pickCustomer())], attempts);
        if (batch.size() >= m_batch || i + 1 == count) {
            if (Status s = m_cache.upsertInvoices(batch); !s.ok())
                fail(QStringLiteral("invoices"), s.error());
            if (Status s = m_cache.upsertPaymentAttempts(attempts); !s.ok())
                fail(QStringLiteral("payment attempts"), s.error());
            m_rows += batch.size() + attempts.size();
            attemptCount += attempts.size();
            batch.clear();
            attempts.clear();
            progress("invoices", i + 1, count, timer);
        }
    }
    const double secs = timer.nsecsElapsed() / 1e9;
    std::printf("\ninvoices: %lld (+ %lld payment attempts) in %.1f s, %.0f invoices/s\n", (long long)count,
                (long long)attemptCount, secs, double(count) / secs);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bc-generate-cache"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Builds a benchmark local cache through LocalCache's upserts."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("customers"), QStringLiteral("Number of customers."), QStringLiteral("n"),
                      QStringLiteral("100000")});
    parser.addOption({QStringLiteral("invoices"), QStringLiteral("Number of invoices."), QStringLiteral("n"),
                      QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("Cache file to write (replaced)."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("seed"), QStringLiteral("Random seed."), QStringLiteral("n"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("batch"), QStringLiteral("Rows per transaction."), QStringLiteral("n"),
                      QStringLiteral("5000")});
    parser.process(app);

    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
    const int customers = parser.value(QStringLiteral("customers")).toInt(&ok1);
    const qint64 invoices = parser.value(QStringLiteral("invoices")).toLongLong(&ok2);
    const quint64 seed = parser.value(QStringLiteral("seed")).toULongLong(&ok3);
    const int batch = parser.value(QStringLiteral("batch")).toInt(&ok4);
    const QString out = parser.value(QStringLiteral("out"));
    if (!ok1 || !ok2 || !ok3 || !ok4 || customers <= 0 || invoices < 0 || batch <= 0 || out.isEmpty()) {
        std::fprintf(stderr, "usage: bc-generate-cache --customers N --invoices N --out FILE [--seed N] [--batch N]\n");
        return 2;
    }
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(out + suffix);

    QElapsedTimer total;
    total.start();
    LocalCache cache(QStringLiteral("bc-generate"));
    const Result<LocalCache::OpenReport> opened = cache.open(out);
    if (!opened.ok())
        fail(QStringLiteral("open"), opened.error());

    std::printf("generating %d customers, %lld invoices (seed %llu, %d rows per transaction) into %s\n", customers,
                (long long)invoices, (unsigned long long)seed, batch, qPrintable(out));
    Generator gen(cache, seed, batch);
    gen.catalog();
    gen.customers(customers);
    gen.invoices(invoices);
    (void)cache.setMeta(QStringLiteral("account_id"), QStringLiteral("acct_1BenchAcct"));
    (void)cache.setMeta(QStringLiteral("benchmark_seed"), QString::number(seed));
    // Fold the WAL into the main file so its size is the cache's size.
    {
        QSqlQuery q(cache.database());
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    }
    cache.close();
    const double secs = total.nsecsElapsed() / 1e9;
    const qint64 bytes = QFileInfo(out).size();
    std::printf("total: %lld rows in %.1f s, %.0f rows/s; file %.1f MiB\n", (long long)gen.rowsWritten(), secs,
                double(gen.rowsWritten()) / secs, double(bytes) / (1024.0 * 1024.0));
    return 0;
}
