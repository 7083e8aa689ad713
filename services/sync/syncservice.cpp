#include "services/sync/syncservice.h"

#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"
#include "services/stripe/ratelimiter.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QMutex>
#include <QPointer>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <vector>

namespace Billing {

namespace {

std::shared_ptr<spdlog::logger> syncLog()
{
    auto log = spdlog::get("sync");
    return log ? log : spdlog::default_logger();
}

// Cache table per Stripe object type, for dropping rows Stripe no longer has.
const QList<QPair<QString, QString>> &cachedTypes()
{
    static const QList<QPair<QString, QString>> types{
        {QStringLiteral("product"), QStringLiteral("products")},
        {QStringLiteral("price"), QStringLiteral("prices")},
        {QStringLiteral("customer"), QStringLiteral("customers")},
        {QStringLiteral("subscription"), QStringLiteral("subscriptions")},
        {QStringLiteral("invoice"), QStringLiteral("invoices")},
        {QStringLiteral("invoice_payment"), QStringLiteral("payment_attempts")},
        {QStringLiteral("payment_method"), QStringLiteral("payment_methods")},
        {QStringLiteral("coupon"), QStringLiteral("coupons")},
        {QStringLiteral("promotion_code"), QStringLiteral("promotion_codes")},
    };
    return types;
}

template <typename T, typename Parse>
Result<QList<T>> parseAll(const QJsonArray &page, Parse parse)
{
    QList<T> out;
    out.reserve(page.size());
    for (const QJsonValue &v : page) {
        auto r = parse(v.toObject());
        if (!r.ok())
            return r.error();
        out << std::move(r.value());
    }
    return out;
}

// The payment methods expanded into a customer page (invoice_settings.default_payment_method).
QJsonArray expandedDefaultPaymentMethods(const QJsonArray &customers)
{
    QJsonArray out;
    for (const QJsonValue &v : customers) {
        const QJsonValue pm = v.toObject().value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method"));
        if (pm.isObject())
            out.append(pm);
    }
    return out;
}

// A payment_intent.* event for intents the cache already joined into attempts: the attempt rows
// keep their invoice payment part, the intent part comes from the event. Runs on the DbThread.
Result<QStringList> applyIntentToAttempts(LocalCache &cache, const QJsonObject &intent)
{
    const QString intentId = intent.value(QLatin1String("id")).toString();
    QSqlQuery q(cache.database());
    q.prepare(QStringLiteral("SELECT id, invoice_id, status, amount, currency, created FROM payment_attempts WHERE payment_intent_id = ?"));
    q.addBindValue(intentId);
    if (intentId.isEmpty() || !q.exec())
        return intentId.isEmpty() ? Result<QStringList>(QStringList())
                                  : Result<QStringList>(Error::make(Error::Kind::Database, SyncService::tr("The local cache could not be read."),
                                                                    q.lastError().text()));
    QList<QJsonObject> payments;
    while (q.next()) {
        QJsonObject payment{{"object", "invoice_payment"},
                            {"id", q.value(0).toString()},
                            {"invoice", q.value(1).toString()},
                            {"status", q.value(2).toString()},
                            {"amount_requested", q.value(3).toLongLong()},
                            {"currency", q.value(4).toString()},
                            {"payment", QJsonObject{{"type", "payment_intent"}, {"payment_intent", intentId}}}};
        if (!q.value(5).isNull())
            payment.insert(QStringLiteral("created"), q.value(5).toLongLong());
        payments << payment;
    }
    q.finish();
    QList<PaymentAttempt> attempts;
    QStringList ids;
    for (const QJsonObject &payment : payments) {
        auto a = StripeParser::paymentAttempt(payment, intent);
        if (!a.ok())
            return a.error();
        ids << a->id;
        attempts << a.value();
    }
    if (!attempts.isEmpty()) {
        const Status s = cache.upsertPaymentAttempts(attempts);
        if (!s.ok())
            return s.error();
    }
    return ids;
}

// One page parsed into domain objects, ready for one write transaction.
struct ParsedPage
{
    QList<Product> products;
    QList<Price> prices;
    QList<Customer> customers;
    QList<PaymentMethod> paymentMethods;
    QList<PaymentAttempt> attempts;
    QList<Coupon> coupons;
    QList<PromotionCode> promotionCodes;
    QList<Subscription> subscriptions;
    QList<Invoice> invoices;

    void append(ParsedPage &&o)
    {
        products << std::move(o.products);
        prices << std::move(o.prices);
        customers << std::move(o.customers);
        paymentMethods << std::move(o.paymentMethods);
        attempts << std::move(o.attempts);
        coupons << std::move(o.coupons);
        promotionCodes << std::move(o.promotionCodes);
        subscriptions << std::move(o.subscriptions);
        invoices << std::move(o.invoices);
    }
};

// Parses one page of one object type. Pure: any thread (the full sync parses on the thread pool,
// so the DbThread only writes).
Result<ParsedPage> parsePage(const QString &type, const QJsonArray &page)
{
    ParsedPage out;
    const auto take = [](auto r, auto &into) -> Status {
        if (!r.ok())
            return r.error();
        into = std::move(r.value());
        return {};
    };
    Status s;
    if (type == QLatin1String("product")) {
        s = take(parseAll<Product>(page, StripeParser::product), out.products);
    } else if (type == QLatin1String("price")) {
        s = take(parseAll<Price>(page, StripeParser::price), out.prices);
    } else if (type == QLatin1String("customer")) {
        s = take(parseAll<Customer>(page, StripeParser::customer), out.customers);
        // The full sync lists customers with expand[]=data.invoice_settings.default_payment_method:
        // those payment methods come along at no extra request.
        const QJsonArray methods = expandedDefaultPaymentMethods(page);
        if (s.ok() && !methods.isEmpty())
            s = take(parseAll<PaymentMethod>(methods, StripeParser::paymentMethod), out.paymentMethods);
    } else if (type == QLatin1String("invoice_payment")) {
        // Listed with expand[]=data.payment.payment_intent: the intent's status and last error come
        // inside each invoice payment.
        s = take(parseAll<PaymentAttempt>(page, [](const QJsonObject &o) { return StripeParser::paymentAttempt(o); }),
                 out.attempts);
    } else if (type == QLatin1String("payment_method")) {
        s = take(parseAll<PaymentMethod>(page, StripeParser::paymentMethod), out.paymentMethods);
    } else if (type == QLatin1String("coupon")) {
        s = take(parseAll<Coupon>(page, StripeParser::coupon), out.coupons);
    } else if (type == QLatin1String("promotion_code")) {
        s = take(parseAll<PromotionCode>(page, StripeParser::promotionCode), out.promotionCodes);
    } else if (type == QLatin1String("subscription")) {
        s = take(parseAll<Subscription>(page, StripeParser::subscription), out.subscriptions);
    } else if (type == QLatin1String("invoice")) {
        s = take(parseAll<Invoice>(page, StripeParser::invoice), out.invoices);
    } else {
        return Error::make(Error::Kind::Validation, QStringLiteral("Unsupported object type"),
                           QStringLiteral("sync: no upsert for '%1'").arg(type));
    }
    if (!s.ok())
        return s.error();
    return out;
}

// Writes a parsed page, one transaction per non-empty kind. Runs on the DbThread.
Status writePage(LocalCache &cache, const ParsedPage &p)
{
    Status s;
    if (s.ok() && !p.products.isEmpty()) s = cache.upsertProducts(p.products);
    if (s.ok() && !p.prices.isEmpty()) s = cache.upsertPrices(p.prices);
    if (s.ok() && !p.customers.isEmpty()) s = cache.upsertCustomers(p.customers);
    if (s.ok() && !p.paymentMethods.isEmpty()) s = cache.upsertPaymentMethods(p.paymentMethods);
    if (s.ok() && !p.attempts.isEmpty()) s = cache.upsertPaymentAttempts(p.attempts);
    if (s.ok() && !p.coupons.isEmpty()) s = cache.upsertCoupons(p.coupons);
    if (s.ok() && !p.promotionCodes.isEmpty()) s = cache.upsertPromotionCodes(p.promotionCodes);
    if (s.ok() && !p.subscriptions.isEmpty()) s = cache.upsertSubscriptions(p.subscriptions);
    if (s.ok() && !p.invoices.isEmpty()) s = cache.upsertInvoices(p.invoices);
    return s;
}

// Parses one page of one object type and writes it. Runs on the DbThread.
Status upsertPage(LocalCache &cache, const QString &type, const QJsonArray &page)
{
    const auto parsed = parsePage(type, page);
    return parsed.ok() ? writePage(cache, parsed.value()) : Status(parsed.error());
}

QString stageName(const QString &type)
{
    if (type == QLatin1String("product")) return SyncService::tr("Products");
    if (type == QLatin1String("price")) return SyncService::tr("Prices");
    if (type == QLatin1String("customer")) return SyncService::tr("Customers");
    if (type == QLatin1String("subscription")) return SyncService::tr("Subscriptions");
    if (type == QLatin1String("invoice")) return SyncService::tr("Invoices");
    if (type == QLatin1String("payment_method")) return SyncService::tr("Payment methods");
    if (type == QLatin1String("coupon")) return SyncService::tr("Coupons");
    if (type == QLatin1String("promotion_code")) return SyncService::tr("Promotion codes");
    return SyncService::tr("Payments");
}

} // namespace

// One list the full sync walks.
struct ListJob
{
    QString type;       // Stripe object name
    QString path;       // GET list path
    FormParams params;  // fixed filters (subscriptions: status=all) and expand[]
    qint64 done = 0;    // objects received
    qint64 covered = 0; // seconds of `created` walked, for the density estimate
};

// A created range of one list, walked newest first with a starting_after cursor.
struct Partition
{
    int job = 0;
    qint64 lo = 0;  // created >= lo
    qint64 hi = 0;  // created < hi
    QString cursor; // starting_after
    qint64 top = -1; // created of the last object received; left to walk: [lo, top], or [lo, hi) when -1
    bool first = false; // the list's first request: no created filter, finds the newest
    bool inFlight = false;
    bool done = false;
    qint64 left() const { return (top >= 0 ? top + 1 : hi) - lo; }
};

struct SyncService::Run
{
    bool full = true;
    bool cancelled = false;
    std::optional<Error> error;
    QElapsedTimer clock;
    QHash<QString, QSet<QString>> seen;
    QHash<QString, QJsonObject> intents; // refresh: payment intents for invoice_payment events
    // Refresh: the invoice payments of intents whose payment_intent.* event came without an
    // invoice_payment.* event in the batch (a payment the cache has not seen yet).
    bool intentPaymentsFetched = false;
    QList<QJsonObject> intentPayments;
    // Events cursor: where a later refresh continues.
    bool cursorKnown = false;
    QString cursorId;
    qint64 cursorCreated = 0;
    QList<QJsonObject> events; // refresh: new events, newest first
    bool cursorFound = false;
    // Full sync: the partitioned walk.
    std::vector<ListJob> jobs;
    std::vector<Partition> parts;
    int partsInFlight = 0;
    int parsing = 0; // pages handed to the parse pool and not back yet
    qint64 requests = 0;
    std::function<void()> listsDone;
    // Debug-level timeline of the full sync (spdlog "sync" at debug): sampled once a second.
    struct Trace
    {
        std::atomic<qint64> writesQueued{0};
        std::atomic<qint64> writesDone{0};
        std::atomic<qint64> writeUs{0}; // DbThread time in page writes
        std::atomic<qint64> parseUs{0}; // pool time parsing pages
        std::atomic<qint64> batches{0}; // DbThread write jobs that found pages (one batch each)
        // Parsed pages waiting for the DbThread (filled on the service's thread, taken there).
        QMutex queueMutex;
        std::vector<std::shared_ptr<Result<ParsedPage>>> queue;
        qint64 handlerUs = 0;           // GUI thread time in onPartitionPage
        qint64 pages = 0;
        qint64 emptyPages = 0;
        qint64 lastSampleRequests = 0;
    };
    std::shared_ptr<Trace> trace = std::make_shared<Trace>();
    std::unique_ptr<QTimer> sampler;
};

QStringList SyncService::syncedObjectTypes()
{
    QStringList out;
    for (const auto &[type, table] : cachedTypes())
        out << type;
    return out;
}

SyncService::SyncService(StripeClient *client, AsyncLocalCache *cache, QObject *parent)
    : SyncControl(parent), m_client(client), m_cache(cache), m_parsePool(std::make_unique<QThreadPool>())
{
    m_parsePool->setMaxThreadCount(std::clamp(QThread::idealThreadCount(), 1, 2));
    m_parsePool->setObjectName(QStringLiteral("sync-parse"));
    m_connection.baseUrl = m_client->config().baseUrl.toString();
}

void SyncService::loadState()
{
    m_cache->thread().run(
        this, [](LocalCache &c) { return c.isOpen() ? c.meta(QString::fromLatin1(MetaLastSync)) : Result<QString>(QString()); },
        [this](Result<QString> r) {
            if (r.ok() && !r.value().isEmpty() && !m_running) {
                m_lastSynced = QDateTime::fromString(r.value(), Qt::ISODate);
                Q_EMIT connectionChanged(m_connection);
            }
        });
}

SyncService::~SyncService() = default;

bool SyncService::stopping() const { return !m_run || m_run->cancelled || m_run->error.has_value(); }

void SyncService::startFullSync()
{
    if (m_running)
        return;
    begin(true);
}

void SyncService::startRefresh()
{
    if (m_running)
        return;
    begin(false);
}

void SyncService::cancel()
{
    if (m_run)
        m_run->cancelled = true;
}

void SyncService::begin(bool full)
{
    m_running = true;
    m_run = std::make_shared<Run>();
    m_run->full = full;
    m_run->clock.start();
    m_summary = SyncSummary();
    m_summary.full = full;
    m_connection.baseUrl = m_client->config().baseUrl.toString();
    Q_EMIT started();
    syncLog()->info("{} sync started against {}", full ? "full" : "incremental", m_connection.baseUrl.toStdString());

    if (full) {
        fetchAccount([this] {
            fetchEventCursor([this] {
                syncListsPartitioned([this] {
                    removeStale([this] {
                        if (m_run)
                            syncLog()->info("cache writes and stale removal done at {} ms", m_run->clock.elapsed());
                        writeMetaAndFinish();
                    });
                });
            });
        });
        return;
    }

    // Refresh: read the cursor, then decide.
    auto run = m_run;
    m_cache->thread().run(
        this,
        [](LocalCache &c) -> Result<QStringList> {
            QStringList out;
            for (const char *key : {MetaEventCursorId, MetaEventCursorCreated, MetaLastFullSync}) {
                auto v = c.meta(QString::fromLatin1(key));
                if (!v.ok())
                    return v.error();
                out << v.value();
            }
            return out;
        },
        [this, run](Result<QStringList> r) {
            if (run != m_run)
                return;
            if (!r.ok()) {
                fail(r.error());
                return;
            }
            // Stripe keeps events for 30 days: a cursor older than that cannot be continued.
            const QDateTime lastFull = QDateTime::fromString(r.value().at(2), Qt::ISODate);
            const qint64 cursorCreated = r.value().at(1).toLongLong();
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            const bool tooOld = !lastFull.isValid()
                || (cursorCreated > 0 ? now - cursorCreated > 30 * 86400 : lastFull.secsTo(QDateTime::currentDateTimeUtc()) > 30 * 86400);
            if (tooOld || r.value().at(1).isEmpty()) {
                syncLog()->info("no usable events cursor (last full sync {}): doing a full sync",
                                lastFull.isValid() ? lastFull.toString(Qt::ISODate).toStdString() : std::string("never"));
                m_running = false;
                m_run.reset();
                begin(true);
                return;
            }
            run->cursorKnown = true;
            run->cursorId = r.value().at(0);
            run->cursorCreated = r.value().at(1).toLongLong();
            fetchAccount([this] { refreshFromEvents(); });
        });
}

void SyncService::fetchAccount(std::function<void()> next)
{
    auto run = m_run;
    Q_EMIT progress(tr("Connecting"), 0, 0);
    m_client->get(QStringLiteral("/v1/account"), {}, this, [this, run, next](Result<QJsonObject> r) {
        if (run != m_run)
            return;
        if (!r.ok()) {
            fail(r.error());
            return;
        }
        const auto account = StripeParser::account(r.value());
        if (!account.ok()) {
            fail(account.error());
            return;
        }
        ConnectionInfo info;
        switch (m_client->config().environment()) {
        case StripeConfig::Environment::Live: info.mode = ConnectionInfo::Mode::Live; break;
        case StripeConfig::Environment::Test: info.mode = ConnectionInfo::Mode::Test; break;
        case StripeConfig::Environment::Sandbox: info.mode = ConnectionInfo::Mode::Sandbox; break;
        }
        info.accountId = account->id;
        info.displayName = account->displayName;
        info.baseUrl = m_client->config().baseUrl.toString();
        m_connection = info;
        Q_EMIT connectionChanged(m_connection);
        if (stopping()) {
            finish(Status());
            return;
        }
        next();
    });
}

void SyncService::fetchEventCursor(std::function<void()> next)
{
    auto run = m_run;
    m_client->get(QStringLiteral("/v1/events"), FormValue::object({{"limit", 1}}), this,
                  [this, run, next](Result<QJsonObject> r) {
                      if (run != m_run)
                          return;
                      if (!r.ok()) {
                          fail(r.error());
                          return;
                      }
                      const QJsonArray data = r->value(QLatin1String("data")).toArray();
                      run->cursorKnown = true;
                      if (!data.isEmpty()) {
                          const auto e = StripeParser::event(data.first().toObject());
                          if (!e.ok()) {
                              fail(e.error());
                              return;
                          }
                          run->cursorId = e->id;
                          run->cursorCreated = e->created.toSecsSinceEpoch();
                      }
                      if (stopping()) {
                          finish(Status());
                          return;
                      }
                      next();
                  });
}

void SyncService::syncList(const QString &, const QString &path, const QString &objectType, std::function<void()> next)
{
    auto run = m_run;
    FormParams params = FormValue::object();
    if (objectType == QLatin1String("subscription"))
        params.insert(QStringLiteral("status"), "all");
    const QString stage = stageName(objectType);
    auto done = std::make_shared<qint64>(0);
    Q_EMIT progress(stage, 0, 0);
    m_client->listAll(
        path, params, this,
        [this, run, objectType, stage, done](const QJsonArray &page) {
            if (run != m_run || stopping())
                return false;
            QSet<QString> &seen = run->seen[objectType];
            for (const QJsonValue &v : page)
                seen.insert(v.toObject().value(QLatin1String("id")).toString());
            m_cache->thread().run(
                this, [objectType, page](LocalCache &c) { return upsertPage(c, objectType, page); },
                [run](Status s) {
                    if (!s.ok() && !run->error)
                        run->error = s.error();
                });
            *done += page.size();
            m_summary.upserted[objectType] += page.size();
            Q_EMIT progress(stage, *done, 0);
            return true;
        },
        [this, run, objectType, next](Status s) {
            if (run != m_run)
                return;
            if (!s.ok()) {
                fail(s.error());
                return;
            }
            // Tell the panes once the type's writes are through (jobs run in order).
            const QStringList ids(run->seen[objectType].cbegin(), run->seen[objectType].cend());
            AsyncLocalCache *cache = m_cache;
            m_cache->thread().run([cache, objectType, ids](LocalCache &) { cache->notifyChanged(objectType, ids); });
            if (stopping()) {
                finish(Status());
                return;
            }
            next();
        });
}

void SyncService::syncListsPartitioned(std::function<void()> next)
{
    auto run = m_run;
    const auto job = [](const char *type, const char *path, const char *expand = nullptr) {
        ListJob j;
        j.type = QString::fromLatin1(type);
        j.path = QString::fromLatin1(path);
        j.params = FormValue::object();
        if (expand)
            j.params.insert(QStringLiteral("expand"), FormValue::array({FormValue(expand)}));
        return j;
    };
    // Payment methods: GET /v1/payment_methods without `customer` lists Treasury payment methods,
    // not customers' cards, and the per-customer list would cost one request per customer. The
    // customer list brings each customer's default payment method expanded instead (no extra
    // request); other saved methods arrive through payment_method.* events.
    // Payment intents: expanded into their invoice payments instead of a list of their own.
    run->jobs = {job("product", "/v1/products"),
                 job("price", "/v1/prices"),
                 job("coupon", "/v1/coupons"),
                 job("promotion_code", "/v1/promotion_codes"),
                 job("customer", "/v1/customers", "data.invoice_settings.default_payment_method"),
                 job("subscription", "/v1/subscriptions"),
                 job("invoice", "/v1/invoices"),
                 job("invoice_payment", "/v1/invoice_payments", "data.payment.payment_intent")};
    for (ListJob &j : run->jobs) {
        if (j.type == QLatin1String("subscription"))
            j.params.insert(QStringLiteral("status"), "all");
        // Stripe leaves a price's tiers and currency_options out of lists unless expanded; without
        // them the cache would overwrite what the catalog knows with an incomplete price.
        if (j.type == QLatin1String("price"))
            j.params.insert(QStringLiteral("expand"),
                            FormValue::array({FormValue("data.tiers"), FormValue("data.currency_options")}));
    }
    run->parts.clear();
    for (int i = 0; i < int(run->jobs.size()); ++i) {
        Partition p;
        p.job = i;
        p.first = true;
        run->parts.push_back(p);
        Q_EMIT progress(stageName(run->jobs[size_t(i)].type), 0, 0);
    }
    run->listsDone = std::move(next);
    const auto log = syncLog();
    if (log->should_log(spdlog::level::debug)) {
        run->sampler = std::make_unique<QTimer>();
        run->sampler->setInterval(1000);
        Run *r = run.get();
        connect(run->sampler.get(), &QTimer::timeout, this, [this, r, log] {
            const auto &t = *r->trace;
            int open = 0;
            for (const Partition &p : r->parts)
                open += p.done ? 0 : 1;
            log->debug("sync t={}ms req/s={} walks={} open={} limiter inflight={} queued={} parsing={} writes pending={} parse={}ms write={}ms handler={}ms pages={} empty={}",
                       r->clock.elapsed(), r->requests - t.lastSampleRequests, r->partsInFlight, open,
                       m_client->rateLimiter().inFlight(), m_client->rateLimiter().queued(),
                       r->parsing, t.writesQueued.load() - t.writesDone.load(), t.parseUs.load() / 1000,
                       t.writeUs.load() / 1000, t.handlerUs / 1000, t.pages,
                       t.emptyPages);
            r->trace->lastSampleRequests = r->requests;
        });
        run->sampler->start();
    }
    pumpPartitions();
}

void SyncService::pumpPartitions()
{
    auto run = m_run;
    if (!run)
        return;
    if (stopping()) {
        if (run->partsInFlight == 0 && run->parsing == 0)
            finish(Status());
        return;
    }
    const int target = std::max(1, m_client->config().maxConcurrentRequests);
    const auto estimatedLeft = [&run](const Partition &p) {
        const ListJob &j = run->jobs[size_t(p.job)];
        const double density = (double(j.done) + 1.0) / (double(j.covered) + 1.0); // objects per second
        return double(p.left()) * density;
    };
    // Ready partitions, the lists' first pages first, then the most objects estimated left first:
    // the big lists (invoices, invoice payments) are walked from the start alongside the small
    // ones instead of after them, so their page writes spread over the whole walk instead of
    // piling up on the DbThread at its end, and every list ends at about the same time.
    std::vector<std::pair<double, int>> ready;
    for (int i = 0; i < int(run->parts.size()); ++i) {
        const Partition &p = run->parts[size_t(i)];
        if (!p.done && !p.inFlight)
            ready.emplace_back(p.first ? std::numeric_limits<double>::infinity() : estimatedLeft(p), i);
    }
    std::stable_sort(ready.begin(), ready.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    for (const auto &[left, i] : ready) {
        if (run->partsInFlight >= target)
            break;
        issuePartition(i);
    }
    // Fewer walks than the client can carry: cut the partition with the most objects estimated left
    // in two. The walker keeps the newer half (it walks downwards); a new one takes the older half.
    while (run->partsInFlight < target) {
        int best = -1;
        double bestLeft = 0;
        for (int i = 0; i < int(run->parts.size()); ++i) {
            const Partition &p = run->parts[size_t(i)];
            if (p.done || p.first || p.left() < 2)
                continue;
            const double left = estimatedLeft(p);
            if (left > bestLeft) {
                bestLeft = left;
                best = i;
            }
        }
        if (best < 0 || bestLeft < 100) // less than a page left anywhere: not worth a request
            break;
        Partition older;
        {
            Partition &p = run->parts[size_t(best)];
            const qint64 mid = p.lo + p.left() / 2;
            older.job = p.job;
            older.lo = p.lo;
            older.hi = mid;
            p.lo = mid;
        }
        run->parts.push_back(older);
        issuePartition(int(run->parts.size()) - 1);
    }
    if (run->partsInFlight == 0 && run->parsing == 0) {
        const bool allDone = std::all_of(run->parts.cbegin(), run->parts.cend(), [](const Partition &p) { return p.done; });
        if (allDone && run->listsDone) {
            run->sampler.reset();
            syncLog()->info("lists walked at {} ms: {} requests ({} pages without objects) over {} partitions; "
                            "writes pending {}, parse time {} ms, DbThread write time {} ms in {} batches, page handling {} ms",
                            run->clock.elapsed(), run->requests, run->trace->emptyPages, run->parts.size(),
                            run->trace->writesQueued.load() - run->trace->writesDone.load(), run->trace->parseUs.load() / 1000,
                            run->trace->writeUs.load() / 1000, run->trace->batches.load(),
                            run->trace->handlerUs / 1000);
            QStringList types;
            for (const ListJob &j : run->jobs)
                types << j.type;
            types << QStringLiteral("payment_method");
            for (const QString &type : types) {
                const QStringList ids(run->seen[type].cbegin(), run->seen[type].cend());
                AsyncLocalCache *cache = m_cache;
                m_cache->thread().run([cache, type, ids](LocalCache &) { cache->notifyChanged(type, ids); });
            }
            auto next = std::move(run->listsDone);
            run->listsDone = nullptr;
            next();
        }
    }
}

void SyncService::issuePartition(int index)
{
    auto run = m_run;
    Partition &p = run->parts[size_t(index)];
    const ListJob &j = run->jobs[size_t(p.job)];
    FormParams params = j.params;
    params.insert(QStringLiteral("limit"), 100);
    if (!p.first)
        params.insert(QStringLiteral("created"), FormValue::object({{"gte", p.lo}, {"lt", p.hi}}));
    if (!p.cursor.isEmpty())
        params.insert(QStringLiteral("starting_after"), p.cursor);
    p.inFlight = true;
    ++run->partsInFlight;
    ++run->requests;
    m_client->get(j.path, params, this, [this, run, index](Result<QJsonObject> r) {
        if (run != m_run)
            return;
        onPartitionPage(index, std::move(r));
    });
}

void SyncService::onPartitionPage(int index, Result<QJsonObject> result)
{
    auto run = m_run;
    QElapsedTimer handling;
    handling.start();
    struct Account
    {
        Run::Trace &t;
        QElapsedTimer &c;
        ~Account() { t.handlerUs += c.nsecsElapsed() / 1000; }
    } account{*run->trace, handling};
    {
        Partition &p = run->parts[size_t(index)];
        p.inFlight = false;
    }
    --run->partsInFlight;
    if (!result.ok()) {
        fail(result.error());
        return;
    }
    if (stopping()) {
        pumpPartitions();
        return;
    }
    const QJsonObject &list = result.value();
    const QJsonValue data = list.value(QLatin1String("data"));
    const int jobIndex = run->parts[size_t(index)].job;
    ListJob &job = run->jobs[size_t(jobIndex)];
    if (list.value(QLatin1String("object")).toString() != QLatin1String("list") || !data.isArray()) {
        fail(Error::make(Error::Kind::InvalidResponse, StripeClient::userMessageFor(Error::Kind::InvalidResponse),
                         QStringLiteral("GET %1 did not return a list object").arg(job.path)));
        return;
    }
    const QJsonArray items = data.toArray();
    const bool hasMore = list.value(QLatin1String("has_more")).toBool();
    Partition &p = run->parts[size_t(index)];
    QJsonArray page;
    bool below = false; // reached the range that was cut off while this page was under way
    qint64 lastCreated = -1;
    QString lastId;
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        const qint64 created = o.value(QLatin1String("created")).toInteger(-1);
        if (!p.first && created < p.lo) {
            below = true;
            break;
        }
        page.append(o);
        lastCreated = created;
        lastId = o.value(QLatin1String("id")).toString();
    }
    if (!page.isEmpty()) {
        const qint64 before = p.top >= 0 ? p.top : (p.first ? lastCreated : p.hi - 1);
        job.covered += std::max<qint64>(0, before - lastCreated);
        p.top = lastCreated;
        p.cursor = lastId;
        job.done += page.size();
        QSet<QString> &seen = run->seen[job.type];
        for (const QJsonValue &v : page)
            seen.insert(v.toObject().value(QLatin1String("id")).toString());
        if (job.type == QLatin1String("customer")) {
            const QJsonArray methods = expandedDefaultPaymentMethods(page);
            QSet<QString> &pms = run->seen[QStringLiteral("payment_method")];
            for (const QJsonValue &v : methods)
                pms.insert(v.toObject().value(QLatin1String("id")).toString());
            if (!methods.isEmpty())
                m_summary.upserted[QStringLiteral("payment_method")] += methods.size();
        }
        const QString type = job.type;
        auto trace = run->trace;
        ++trace->writesQueued;
        ++run->parsing;
        // Parsing (JSON -> domain objects) runs on the service's pool, so the DbThread only
        // writes; the write job is posted from this thread when the parse is back. The lists
        // count as walked only when no parse is pending, so removeStale is queued after them.
        QPointer<SyncService> self(this);
        m_parsePool->start([self, run, type, page, trace] {
            QElapsedTimer t;
            t.start();
            auto parsed = std::make_shared<Result<ParsedPage>>(parsePage(type, page));
            trace->parseUs += t.nsecsElapsed() / 1000;
            if (!self)
                return;
            QMetaObject::invokeMethod(self.data(), [self, run, parsed, trace] {
                if (!self)
                    return;
                --run->parsing;
                if (!parsed->ok()) {
                    ++trace->writesDone;
                    if (!run->error)
                        run->error = parsed->error();
                } else {
                    // Pages queue up here; each write job takes every page queued so far and
                    // writes them together (one transaction per kind), so when the DbThread
                    // falls behind it catches up in bigger batches instead of building a backlog.
                    // A batch holds whole pages only.
                    {
                        QMutexLocker lock(&trace->queueMutex);
                        trace->queue.push_back(parsed);
                    }
                    self->m_cache->thread().run(
                        self.data(),
                        [trace](LocalCache &c) {
                            std::vector<std::shared_ptr<Result<ParsedPage>>> batch;
                            {
                                QMutexLocker lock(&trace->queueMutex);
                                batch.swap(trace->queue);
                            }
                            if (batch.empty())
                                return Status();
                            QElapsedTimer w;
                            w.start();
                            ParsedPage merged = std::move(batch.front()->value());
                            for (size_t k = 1; k < batch.size(); ++k)
                                merged.append(std::move(batch[k]->value()));
                            Status s = writePage(c, merged);
                            trace->writeUs += w.nsecsElapsed() / 1000;
                            trace->writesDone += qint64(batch.size());
                            ++trace->batches;
                            return s;
                        },
                        [run](Status s) {
                            if (!s.ok() && !run->error)
                                run->error = s.error();
                        });
                }
                if (run == self->m_run && run->parsing == 0)
                    self->pumpPartitions();
            });
        });
        m_summary.upserted[type] += page.size();
        Q_EMIT progress(stageName(job.type), job.done, 0);
    }
    ++run->trace->pages;
    if (page.isEmpty())
        ++run->trace->emptyPages;
    const bool exhausted = below || !hasMore || page.isEmpty() || lastCreated < 0;
    if (p.first) {
        p.first = false;
        if (exhausted) {
            p.done = true;
        } else {
            // The first page gave the newest objects and how densely they lie: this walker goes
            // on below them over about 16 pages' worth of time, and the time further down is cut
            // into ranges that double in length; the last one reaches back to 1970.
            const qint64 top = lastCreated;
            const qint64 newest = page.first().toObject().value(QLatin1String("created")).toInteger(top);
            const qint64 width = std::max<qint64>(3600, 16 * (newest - top));
            p.hi = top + 1;
            p.lo = std::max<qint64>(0, top - width);
            qint64 upper = p.lo;
            for (int k = 1; upper > 0; ++k) {
                const qint64 lower = k >= 12 ? 0 : std::max<qint64>(0, top - (width << k));
                Partition older;
                older.job = jobIndex;
                older.lo = lower;
                older.hi = upper;
                run->parts.push_back(older); // invalidates p
                upper = lower;
            }
        }
    } else if (exhausted) {
        p.done = true;
    }
    pumpPartitions();
}

void SyncService::removeStale(std::function<void()> next)
{
    auto run = m_run;
    if (stopping()) {
        finish(Status());
        return;
    }
    const QHash<QString, QSet<QString>> seen = run->seen;
    using Removed = QMap<QString, QStringList>;
    m_cache->thread().run(
        this,
        [seen](LocalCache &c) -> Result<Removed> {
            Removed removed;
            for (const auto &[type, table] : cachedTypes()) {
                QSqlQuery q(c.database());
                if (!q.exec(QStringLiteral("SELECT id FROM ") + table))
                    return Error::make(Error::Kind::Database, SyncService::tr("The local cache could not be read."),
                                       q.lastError().text());
                QStringList stale;
                const QSet<QString> &kept = seen[type];
                while (q.next()) {
                    const QString id = q.value(0).toString();
                    if (!kept.contains(id))
                        stale << id;
                }
                q.finish();
                for (const QString &id : stale) {
                    const Status s = c.remove(type, id);
                    if (!s.ok())
                        return s.error();
                }
                if (!stale.isEmpty())
                    removed.insert(type, stale);
            }
            return removed;
        },
        [this, run, next](Result<Removed> r) {
            if (run != m_run)
                return;
            if (!r.ok()) {
                fail(r.error());
                return;
            }
            for (auto it = r.value().cbegin(); it != r.value().cend(); ++it) {
                m_summary.removed[it.key()] = it.value().size();
                m_cache->notifyChanged(it.key(), it.value());
            }
            next();
        });
}

void SyncService::refreshFromEvents()
{
    auto run = m_run;
    const QString stage = tr("Changes");
    Q_EMIT progress(stage, 0, 0);
    FormParams params = FormValue::object();
    if (run->cursorCreated > 0)
        params.insert(QStringLiteral("created"), FormValue::object({{"gte", run->cursorCreated}}));
    m_client->listAll(
        QStringLiteral("/v1/events"), params, this,
        [this, run, stage](const QJsonArray &page) {
            if (run != m_run || stopping())
                return false;
            for (const QJsonValue &v : page) {
                const QJsonObject e = v.toObject();
                if (!run->cursorId.isEmpty() && e.value(QLatin1String("id")).toString() == run->cursorId) {
                    run->cursorFound = true;
                    return false;
                }
                run->events << e;
            }
            Q_EMIT progress(stage, run->events.size(), 0);
            return true;
        },
        [this, run](Status s) {
            if (run != m_run)
                return;
            if (!s.ok()) {
                fail(s.error());
                return;
            }
            if (stopping()) {
                finish(Status());
                return;
            }
            if (!run->cursorId.isEmpty() && !run->cursorFound) {
                syncLog()->info("events cursor {} is gone: doing a full sync", run->cursorId.toStdString());
                m_running = false;
                m_run.reset();
                begin(true);
                return;
            }
            QList<QJsonObject> events = run->events;
            std::reverse(events.begin(), events.end()); // oldest first
            applyEvents(std::move(events));
        });
}

void SyncService::applyEvents(QList<QJsonObject> events)
{
    auto run = m_run;
    // Invoice payments need their PaymentIntent for the failure details. payment_intent.* events in
    // the same batch bring the newest state (events are oldest first: later ones win); the rest
    // are fetched, all at once (the client's limiter paces them).
    for (const QJsonObject &e : events) {
        const QJsonObject obj = e.value(QLatin1String("data")).toObject().value(QLatin1String("object")).toObject();
        if (obj.value(QLatin1String("object")).toString() == QLatin1String("payment_intent"))
            run->intents.insert(obj.value(QLatin1String("id")).toString(), obj);
    }
    QStringList missing;
    for (const QJsonObject &e : events) {
        const QJsonObject obj = e.value(QLatin1String("data")).toObject().value(QLatin1String("object")).toObject();
        if (obj.value(QLatin1String("object")).toString() == QLatin1String("invoice_payment")) {
            const QString pi = StripeParser::paymentIntentIdOf(obj);
            if (!pi.isEmpty() && !run->intents.contains(pi) && !missing.contains(pi))
                missing << pi;
        }
    }
    if (!missing.isEmpty()) {
        auto left = std::make_shared<int>(int(missing.size()));
        for (const QString &id : missing) {
            m_client->get(QStringLiteral("/v1/payment_intents/") + id, {}, this, [this, run, id, events, left](Result<QJsonObject> r) {
                if (run != m_run || stopping())
                    return;
                if (!r.ok()) {
                    fail(r.error());
                    return;
                }
                run->intents.insert(id, r.value());
                if (--*left == 0)
                    applyEvents(events);
            });
        }
        return;
    }

    // A payment_intent.* event only updates the attempts the cache already has for the intent; a
    // new payment (a retry, "pay now", a first invoice) has no row to update, and Stripe's
    // invoice_payment.* event for it need not be in this batch. Fetch the intent's invoice
    // payments (GET /v1/invoice_payments?payment[payment_intent]=...), once per refresh.
    if (!run->intentPaymentsFetched) {
        run->intentPaymentsFetched = true;
        QSet<QString> named; // intents an invoice_payment event in the batch brings
        QStringList unseen;
        for (const QJsonObject &e : events) {
            const QJsonObject obj = e.value(QLatin1String("data")).toObject().value(QLatin1String("object")).toObject();
            if (obj.value(QLatin1String("object")).toString() == QLatin1String("invoice_payment"))
                named.insert(StripeParser::paymentIntentIdOf(obj));
        }
        for (const QJsonObject &e : events) {
            const QJsonObject obj = e.value(QLatin1String("data")).toObject().value(QLatin1String("object")).toObject();
            const QString id = obj.value(QLatin1String("id")).toString();
            if (obj.value(QLatin1String("object")).toString() == QLatin1String("payment_intent") && !id.isEmpty()
                && !named.contains(id) && !unseen.contains(id))
                unseen << id;
        }
        if (!unseen.isEmpty()) {
            auto left = std::make_shared<int>(int(unseen.size()));
            for (const QString &id : unseen) {
                const FormParams params = FormValue::object(
                    {{QStringLiteral("payment"), FormValue::object({{QStringLiteral("type"), QStringLiteral("payment_intent")},
                                                                    {QStringLiteral("payment_intent"), id}})},
                     {QStringLiteral("limit"), 100}});
                m_client->get(QStringLiteral("/v1/invoice_payments"), params, this, [this, run, events, left](Result<QJsonObject> r) {
                    if (run != m_run || stopping())
                        return;
                    if (!r.ok()) {
                        fail(r.error());
                        return;
                    }
                    for (const QJsonValue &v : r->value(QLatin1String("data")).toArray())
                        run->intentPayments << v.toObject();
                    if (--*left == 0)
                        applyEvents(events);
                });
            }
            return;
        }
    }

    struct Applied
    {
        QMap<QString, QStringList> upserted;
        QMap<QString, QStringList> removed;
    };
    const QHash<QString, QJsonObject> intents = run->intents;
    const QList<QJsonObject> intentPayments = run->intentPayments;
    if (!events.isEmpty()) {
        const auto newest = StripeParser::event(events.last());
        if (newest.ok()) {
            run->cursorId = newest->id;
            run->cursorCreated = newest->created.toSecsSinceEpoch();
        }
    }
    m_summary.events = events.size();
    m_cache->thread().run(
        this,
        [events, intents, intentPayments](LocalCache &c) -> Result<Applied> {
            Applied applied;
            // New payments of intents with events (see above), joined with the newest intent.
            for (const QJsonObject &payment : intentPayments) {
                const auto a = StripeParser::paymentAttempt(payment, intents.value(StripeParser::paymentIntentIdOf(payment)));
                if (!a.ok())
                    return a.error();
                if (Status s = c.upsertPaymentAttempts({a.value()}); !s.ok())
                    return s.error();
                applied.upserted[QStringLiteral("invoice_payment")] << a->id;
            }
            for (const QJsonObject &json : events) {
                const auto e = StripeParser::event(json);
                if (!e.ok())
                    return e.error();
                const QString type = e->objectType == QLatin1String("plan") ? QStringLiteral("price") : e->objectType;
                const QString id = e->object.value(QLatin1String("id")).toString();
                // "<type>.deleted" removes the object (coupon.deleted, customer.deleted, ...);
                // customer.subscription.deleted is a cancellation and keeps the (canceled)
                // subscription. A detached payment method no longer belongs to a customer.
                if (e->type == type + QStringLiteral(".deleted") || e->object.value(QLatin1String("deleted")).toBool()
                    || e->type == QLatin1String("payment_method.detached")) {
                    const Status s = c.remove(type, id);
                    if (!s.ok())
                        return s.error();
                    applied.removed[type] << id;
                    continue;
                }
                Status s;
                if (type == QLatin1String("invoice_payment")) {
                    const auto a = StripeParser::paymentAttempt(e->object, intents.value(StripeParser::paymentIntentIdOf(e->object)));
                    s = a.ok() ? c.upsertPaymentAttempts({a.value()}) : Status(a.error());
                } else if (type == QLatin1String("payment_intent")) {
                    // The intent half of the attempts joined with it (attempts not cached yet
                    // come with their invoice_payment.* event).
                    const auto ids = applyIntentToAttempts(c, e->object);
                    if (!ids.ok())
                        return ids.error();
                    if (!ids->isEmpty())
                        applied.upserted[QStringLiteral("invoice_payment")] << ids.value();
                    continue;
                } else if (type == QLatin1String("product") || type == QLatin1String("price") || type == QLatin1String("customer")
                           || type == QLatin1String("subscription") || type == QLatin1String("invoice")
                           || type == QLatin1String("payment_method") || type == QLatin1String("coupon")
                           || type == QLatin1String("promotion_code")) {
                    if (e->objectType == QLatin1String("plan"))
                        continue; // legacy plan events are mirrored by price events
                    s = upsertPage(c, type, QJsonArray{e->object});
                } else {
                    continue; // not kept in the cache
                }
                if (!s.ok())
                    return s.error();
                applied.upserted[type] << id;
            }
            return applied;
        },
        [this, run](Result<Applied> r) {
            if (run != m_run)
                return;
            if (!r.ok()) {
                fail(r.error());
                return;
            }
            for (auto it = r->upserted.cbegin(); it != r->upserted.cend(); ++it) {
                m_summary.upserted[it.key()] += it.value().size();
                m_cache->notifyChanged(it.key(), it.value());
            }
            for (auto it = r->removed.cbegin(); it != r->removed.cend(); ++it) {
                m_summary.removed[it.key()] += it.value().size();
                m_cache->notifyChanged(it.key(), it.value());
            }
            writeMetaAndFinish();
        });
}

void SyncService::writeMetaAndFinish()
{
    auto run = m_run;
    if (stopping()) {
        finish(Status());
        return;
    }
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    const bool full = run->full;
    const QString cursorId = run->cursorId;
    const QString cursorCreated = QString::number(run->cursorCreated);
    const QString accountId = m_connection.accountId;
    m_cache->thread().run(
        this,
        [=](LocalCache &c) -> Status {
            QList<QPair<QString, QString>> values{{QString::fromLatin1(MetaLastSync), now},
                                                  {QString::fromLatin1(MetaEventCursorId), cursorId},
                                                  {QString::fromLatin1(MetaEventCursorCreated), cursorCreated},
                                                  {QString::fromLatin1(MetaAccountId), accountId}};
            if (full)
                values << qMakePair(QString::fromLatin1(MetaLastFullSync), now);
            for (const auto &[key, value] : values) {
                const Status s = c.setMeta(key, value);
                if (!s.ok())
                    return s;
            }
            // A completed full sync or refresh brings every cached type up to date.
            return c.setLastSynced(syncedObjectTypes(), QDateTime::fromString(now, Qt::ISODate));
        },
        [this, run, now](Status s) {
            if (run != m_run)
                return;
            if (!s.ok()) {
                fail(s.error());
                return;
            }
            if (run->error) { // a page write failed earlier
                fail(*run->error);
                return;
            }
            m_lastSynced = QDateTime::fromString(now, Qt::ISODate);
            finish(Status());
        });
}

void SyncService::fail(const Error &error)
{
    if (m_run && !m_run->error)
        m_run->error = error;
    const bool unreachable = error.kind == Error::Kind::Unauthorized || error.kind == Error::Kind::Network
        || error.kind == Error::Kind::Timeout;
    if (unreachable) {
        m_connection.mode = ConnectionInfo::Mode::Offline;
        m_connection.lastError = error.userMessage;
        Q_EMIT connectionChanged(m_connection);
    }
    finish(error);
}

void SyncService::finish(const Status &outcome)
{
    if (!m_running)
        return;
    Status result = outcome;
    if (result.ok() && m_run && m_run->error)
        result = *m_run->error;
    if (result.ok() && m_run && m_run->cancelled)
        result = Error::make(Error::Kind::Cancelled, tr("Synchronisation was cancelled. The cache keeps what was fetched."));
    if (m_run)
        m_summary.durationMs = m_run->clock.elapsed();
    m_running = false;
    m_run.reset();
    const auto log = syncLog();
    if (result.ok()) {
        qint64 total = 0;
        for (qint64 n : m_summary.upserted)
            total += n;
        log->info("{} sync finished in {} ms: {} objects written, {} events", m_summary.full ? "full" : "incremental",
                  m_summary.durationMs, total, m_summary.events);
        if (m_connection.mode != ConnectionInfo::Mode::Offline && !m_connection.lastError.isEmpty()) {
            m_connection.lastError.clear();
            Q_EMIT connectionChanged(m_connection);
        }
    } else {
        log->error("sync failed ({}): {} request_id={}", Error::kindName(result.error().kind).toStdString(),
                   result.error().detail.toStdString(), result.error().requestId.toStdString());
    }
    Q_EMIT finished(result);
}

Result<SyncSummary> SyncService::runFullSyncBlocking()
{
    std::optional<Status> outcome;
    QEventLoop loop;
    auto c = connect(this, &SyncControl::finished, &loop, [&](const Status &s) {
        outcome = s;
        loop.quit();
    });
    startFullSync();
    if (!outcome && m_running)
        loop.exec();
    disconnect(c);
    if (!outcome)
        return Error::make(Error::Kind::Conflict, tr("A synchronisation is already running."));
    if (!outcome->ok())
        return outcome->error();
    return m_summary;
}

Result<SyncSummary> SyncService::runRefreshBlocking()
{
    std::optional<Status> outcome;
    QEventLoop loop;
    auto c = connect(this, &SyncControl::finished, &loop, [&](const Status &s) {
        outcome = s;
        loop.quit();
    });
    startRefresh();
    if (!outcome && m_running)
        loop.exec();
    disconnect(c);
    if (!outcome)
        return Error::make(Error::Kind::Conflict, tr("A synchronisation is already running."));
    if (!outcome->ok())
        return outcome->error();
    return m_summary;
}

} // namespace Billing
