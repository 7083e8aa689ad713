#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/sync/syncservice.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace Billing;

namespace {

Result<QJsonObject> call(StripeClient &client, const QString &method, const QString &path, const FormParams &params = {})
{
    std::optional<Result<QJsonObject>> out;
    QEventLoop loop;
    client.request(method, path, params, {}, &loop, [&](Result<QJsonObject> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    if (!out)
        loop.exec();
    if (!out)
        return Error::make(Error::Kind::Timeout, QStringLiteral("test gave up waiting"));
    return *out;
}

} // namespace

class tst_SyncService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void connectionModeFollowsKeyAndBaseUrl_data();
    void connectionModeFollowsKeyAndBaseUrl();
    void fullSyncMatchesSandboxCounts();
    void wrongKeyLeavesSyncedCacheUntouched();
    void unreachableApiIsOffline();
    void refreshAppliesExactlyTheChangedRows();
    void cancelKeepsWholePages();
    void destroyingTheServiceMidSyncIsSafe();
    void lastSyncedPerTypeFollowsCompletedSyncs();
    void refreshAfterSandboxMutationsMatchesSandbox();
    void fullSyncBringsDefaultPaymentMethodsCouponsAndPromotionCodes();
    void refreshAppliesCouponAndPromotionCodeEvents();

private:
    StripeConfig config() const;
    QJsonObject sandboxObjects();
    qint64 cacheCount(const QString &table);
    QString meta(const char *key);
    QJsonObject sandboxSend(const QByteArray &method, const QString &path, const QByteArray &form = {});

    QTemporaryDir m_dir;
    std::unique_ptr<AsyncLocalCache> m_cache;
    int m_cacheNo = 0;
};

void tst_SyncService::initTestCase()
{
    QVERIFY2(!Test::sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through ctest (sandbox fixture)");
    QVERIFY(m_dir.isValid());
}

void tst_SyncService::init()
{
    m_cache = std::make_unique<AsyncLocalCache>(QStringLiteral("sync-test-%1").arg(++m_cacheNo));
    const auto opened = m_cache->openBlocking(m_dir.filePath(QStringLiteral("cache-%1.sqlite").arg(m_cacheNo)));
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().detail));
}

void tst_SyncService::cleanup() { m_cache.reset(); }

StripeConfig tst_SyncService::config() const
{
    StripeConfig c;
    c.baseUrl = QUrl(Test::sandboxUrl());
    c.apiKey = Test::sandboxKey();
    c.initialRetryDelayMs = 50;
    return c;
}

QJsonObject tst_SyncService::sandboxObjects()
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + QStringLiteral("/__sandbox/stats")));
    req.setRawHeader("Authorization", "Bearer " + Test::sandboxKey().toUtf8());
    QNetworkReply *reply = nam.get(req);
    QSignalSpy done(reply, &QNetworkReply::finished);
    done.wait(10000);
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("objects")).toObject();
}

qint64 tst_SyncService::cacheCount(const QString &table)
{
    return m_cache->thread().runBlocking([table](LocalCache &c) -> qint64 {
        QSqlQuery q(c.database());
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    });
}

// Straight to the sandbox (writes the console's registry does not carry, such as coupon creation).
QJsonObject tst_SyncService::sandboxSend(const QByteArray &method, const QString &path, const QByteArray &form)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + Test::sandboxKey().toUtf8());
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, form);
    QSignalSpy done(reply, &QNetworkReply::finished);
    done.wait(10000);
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object();
}

QString tst_SyncService::meta(const char *key)
{
    return m_cache->thread().runBlocking([key](LocalCache &c) { return c.meta(QString::fromLatin1(key)).valueOr(QString()); });
}

void tst_SyncService::lastSyncedPerTypeFollowsCompletedSyncs()
{
    const auto lastSynced = [this](const QString &type) {
        return m_cache->thread().runBlocking([type](LocalCache &c) { return c.lastSynced(type).valueOr(QDateTime()); });
    };
    for (const QString &type : SyncService::syncedObjectTypes())
        QVERIFY2(!lastSynced(type).isValid(), qPrintable(type)); // a new cache: never synced

    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    QVERIFY(sync.runFullSyncBlocking().ok());
    const QDateTime after = QDateTime::currentDateTimeUtc().addSecs(1);
    QVERIFY(SyncService::syncedObjectTypes().contains(QStringLiteral("customer")));
    for (const QString &type : SyncService::syncedObjectTypes()) {
        const QDateTime at = lastSynced(type);
        QVERIFY2(at.isValid() && at >= before && at <= after, qPrintable(type + QLatin1Char(' ') + at.toString(Qt::ISODate)));
    }
    QTest::qWait(1100); // timestamps have whole seconds
    const auto refresh = sync.runRefreshBlocking();
    QVERIFY(refresh.ok());
    QVERIFY(!refresh->full);
    QVERIFY(lastSynced(QStringLiteral("invoice")) > after.addSecs(-1));
}

void tst_SyncService::refreshAfterSandboxMutationsMatchesSandbox()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    QVERIFY(sync.runFullSyncBlocking().ok());

    // 200 changes as Stripe's dashboard or billing engine would make them, each with its event.
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + QStringLiteral("/__sandbox/mutate")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.post(req, QByteArrayLiteral("{\"count\":200,\"seed\":7,\"details\":true}"));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(60000));
    reply->deleteLater();
    const QJsonObject mutated = QJsonDocument::fromJson(reply->readAll()).object();
    QVERIFY2(mutated.value(QLatin1String("applied")).toInteger() > 0, qPrintable(reply->errorString()));

    const auto refresh = sync.runRefreshBlocking();
    QVERIFY2(refresh.ok(), qPrintable(refresh.ok() ? QString() : refresh.error().detail));
    QVERIFY(!refresh->full);
    QVERIFY(refresh->events >= mutated.value(QLatin1String("applied")).toInteger());
    // Deleted customers are gone from the cache; every updated one carries Stripe's values now.
    int deleted = 0, updated = 0;
    QSet<QString> deletedIds;
    for (const QJsonValue &v : mutated.value(QLatin1String("changed")).toArray()) {
        if (v.toObject().value(QLatin1String("type")).toString() == QLatin1String("customer.deleted"))
            deletedIds.insert(v.toObject().value(QLatin1String("id")).toString());
    }
    for (const QJsonValue &v : mutated.value(QLatin1String("changed")).toArray()) {
        const QJsonObject change = v.toObject();
        const QString id = change.value(QLatin1String("id")).toString();
        if (change.value(QLatin1String("type")).toString() == QLatin1String("customer.deleted")) {
            const auto cached = m_cache->thread().runBlocking([id](LocalCache &c) { return c.customer(id); });
            QVERIFY2(!cached.ok() && cached.error().kind == Error::Kind::NotFound, qPrintable(id));
            ++deleted;
            continue;
        }
        if (change.value(QLatin1String("type")).toString() != QLatin1String("customer.updated") || deletedIds.contains(id))
            continue;
        ++updated;
        const auto fresh = call(client, QStringLiteral("GET"), QStringLiteral("/v1/customers/") + id);
        QVERIFY(fresh.ok());
        const auto cached = m_cache->thread().runBlocking([id](LocalCache &c) { return c.customer(id); });
        QVERIFY2(cached.ok(), qPrintable(id));
        QCOMPARE(cached->name, fresh->value(QLatin1String("name")).toString());
        QCOMPARE(cached->email, fresh->value(QLatin1String("email")).toString());
    }
    QVERIFY(updated > 0);
    QVERIFY(deleted > 0);
}

void tst_SyncService::connectionModeFollowsKeyAndBaseUrl_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("environment");
    QTest::newRow("live secret key") << "sk_live_abc" << "https://api.stripe.com" << int(StripeConfig::Environment::Live);
    QTest::newRow("live restricted key") << "rk_live_abc" << "https://api.stripe.com" << int(StripeConfig::Environment::Live);
    QTest::newRow("live key elsewhere is still live") << "sk_live_abc" << "http://127.0.0.1:1" << int(StripeConfig::Environment::Live);
    QTest::newRow("test key at stripe") << "sk_test_abc" << "https://api.stripe.com" << int(StripeConfig::Environment::Test);
    QTest::newRow("restricted test key at stripe") << "rk_test_abc" << "https://API.stripe.com/" << int(StripeConfig::Environment::Test);
    QTest::newRow("test key elsewhere") << "sk_test_abc" << "http://127.0.0.1:12180" << int(StripeConfig::Environment::Sandbox);
}

void tst_SyncService::connectionModeFollowsKeyAndBaseUrl()
{
    QFETCH(QString, key);
    QFETCH(QString, url);
    QFETCH(int, environment);
    StripeConfig c;
    c.apiKey = key;
    c.baseUrl = QUrl(url);
    QCOMPARE(int(c.environment()), environment);
}

void tst_SyncService::fullSyncMatchesSandboxCounts()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    QSignalSpy changed(m_cache.get(), &CacheReader::changed);
    QSignalSpy progress(&sync, &SyncControl::progress);
    const QJsonObject expected = sandboxObjects();
    QVERIFY(expected.value(QLatin1String("invoices")).toInteger() > 1000);

    const auto summary = sync.runFullSyncBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QCOMPARE(cacheCount(QStringLiteral("customers")), expected.value(QLatin1String("customers")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("products")), expected.value(QLatin1String("products")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("prices")), expected.value(QLatin1String("prices")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("subscriptions")), expected.value(QLatin1String("subscriptions")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("invoices")), expected.value(QLatin1String("invoices")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("payment_attempts")), expected.value(QLatin1String("invoice_payments")).toInteger());
    // Failed payments arrived joined with their intent's error.
    const qint64 declined = m_cache->thread().runBlocking([](LocalCache &c) -> qint64 {
        QSqlQuery q(c.database());
        q.exec(QStringLiteral("SELECT COUNT(*) FROM payment_attempts WHERE decline_code <> '' OR failure_code <> ''"));
        return q.next() ? q.value(0).toLongLong() : -1;
    });
    QVERIFY(declined > 0);

    QCOMPARE(sync.connection().mode, ConnectionInfo::Mode::Sandbox);
    QVERIFY(sync.connection().accountId.startsWith(QLatin1String("acct_")));
    QVERIFY(sync.lastSyncedAt().isValid());
    QVERIFY(!meta(SyncService::MetaLastFullSync).isEmpty());
    QVERIFY(!meta(SyncService::MetaEventCursorCreated).isEmpty());
    QVERIFY(progress.count() >= 18); // at least one signal per invoice page
    QTRY_VERIFY(changed.count() >= 6);
    QStringList types;
    for (const auto &args : changed)
        types << args.at(0).toString();
    for (const char *t : {"product", "price", "customer", "subscription", "invoice", "invoice_payment"})
        QVERIFY2(types.contains(QString::fromLatin1(t)), t);
}

void tst_SyncService::wrongKeyLeavesSyncedCacheUntouched()
{
    {
        StripeClient client(config());
        SyncService sync(&client, m_cache.get());
        QVERIFY(sync.runFullSyncBlocking().ok());
    }
    const qint64 customers = cacheCount(QStringLiteral("customers"));
    const qint64 invoices = cacheCount(QStringLiteral("invoices"));
    const QString lastFull = meta(SyncService::MetaLastFullSync);

    StripeConfig bad = config();
    bad.apiKey = QStringLiteral("sk_test_not_the_right_key");
    StripeClient client(bad);
    SyncService sync(&client, m_cache.get());
    QSignalSpy finished(&sync, &SyncControl::finished);
    const auto r = sync.runFullSyncBlocking();
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(sync.connection().mode, ConnectionInfo::Mode::Offline);
    QVERIFY(!sync.connection().lastError.isEmpty());
    QVERIFY(!sync.connection().lastError.contains(QLatin1String("sk_test_not_the_right_key")));
    QCOMPARE(cacheCount(QStringLiteral("customers")), customers);
    QCOMPARE(cacheCount(QStringLiteral("invoices")), invoices);
    QCOMPARE(meta(SyncService::MetaLastFullSync), lastFull);
}

void tst_SyncService::unreachableApiIsOffline()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    StripeConfig c = config();
    c.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
    probe.close();
    c.maxRetries = 1;
    StripeClient client(c);
    SyncService sync(&client, m_cache.get());
    const auto r = sync.runFullSyncBlocking();
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Network);
    QCOMPARE(sync.connection().mode, ConnectionInfo::Mode::Offline);
    QCOMPARE(cacheCount(QStringLiteral("customers")), 0);
}

void tst_SyncService::refreshAppliesExactlyTheChangedRows()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    QVERIFY(sync.runFullSyncBlocking().ok());

    // Two customers to change, one to watch stay as it is.
    CustomerQuery q;
    q.sortKey = CustomerQuery::SortKey::Id;
    q.limit = 3;
    const auto some = m_cache->thread().runBlocking([q](LocalCache &c) { return c.customers(q); });
    QVERIFY(some.ok());
    QCOMPARE(some->size(), 3);
    const Customer toUpdate = some->at(0);
    const Customer toDelete = some->at(1);
    const Customer untouched = some->at(2);
    const qint64 before = cacheCount(QStringLiteral("customers"));

    const QString newName = QStringLiteral("Renamed %1").arg(QDateTime::currentMSecsSinceEpoch());
    QVERIFY(call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers/") + toUpdate.id,
                 FormValue::object({{"name", newName}}))
                .ok());
    QVERIFY(call(client, QStringLiteral("DELETE"), QStringLiteral("/v1/customers/") + toDelete.id).ok());

    const auto summary = sync.runRefreshBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QVERIFY(!summary->full);
    QVERIFY(summary->events >= 2);
    QCOMPARE(summary->removed.value(QStringLiteral("customer")), 1);

    const auto updated = m_cache->thread().runBlocking([id = toUpdate.id](LocalCache &c) { return c.customer(id); });
    QVERIFY(updated.ok());
    QCOMPARE(updated->name, newName);
    const auto deleted = m_cache->thread().runBlocking([id = toDelete.id](LocalCache &c) { return c.customer(id); });
    QVERIFY(!deleted.ok());
    const auto same = m_cache->thread().runBlocking([id = untouched.id](LocalCache &c) { return c.customer(id); });
    QVERIFY(same.ok());
    QCOMPARE(same->name, untouched.name);
    QCOMPARE(cacheCount(QStringLiteral("customers")), before - 1);

    // A second refresh with nothing new applies nothing.
    const auto again = sync.runRefreshBlocking();
    QVERIFY(again.ok());
    QCOMPARE(again->events, 0);
}

void tst_SyncService::cancelKeepsWholePages()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    connect(&sync, &SyncControl::progress, &sync, [&sync](const QString &stage, qint64 done, qint64) {
        if (stage == SyncService::tr("Invoices") && done >= 300)
            sync.cancel();
    });
    const auto r = sync.runFullSyncBlocking();
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Cancelled);
    QVERIFY(!sync.isRunning());
    const qint64 invoices = cacheCount(QStringLiteral("invoices"));
    QVERIFY(invoices >= 300);
    // Whole pages only: every page received was written in full (partitions end in short pages,
    // so the count is not a multiple of 100; it is exactly what arrived).
    QCOMPARE(invoices, sync.lastSummary().upserted.value(QStringLiteral("invoice")));
    QVERIFY(invoices < sandboxObjects().value(QLatin1String("invoices")).toInteger());
    QVERIFY(meta(SyncService::MetaLastFullSync).isEmpty()); // not a completed sync
}

// Pages are parsed on the service's pool and written on the DbThread: destroying the service
// while pages are in flight, being parsed or queued for writing must neither crash nor leave the
// cache unusable; a new service then completes a full sync that matches the sandbox.
void tst_SyncService::destroyingTheServiceMidSyncIsSafe()
{
    StripeClient client(config());
    auto sync = std::make_unique<SyncService>(&client, m_cache.get());
    QEventLoop loop;
    connect(sync.get(), &SyncControl::progress, &loop, [&loop](const QString &stage, qint64 done, qint64) {
        if (stage == SyncService::tr("Invoices") && done >= 300)
            loop.quit();
    });
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    sync->startFullSync();
    loop.exec();
    QVERIFY(sync->isRunning());
    sync.reset();
    QCoreApplication::processEvents(); // answers for the destroyed service arrive and are dropped
    QTest::qWait(500);
    // Pages still being parsed when the service went are dropped, never half written: the cache
    // is readable and holds part of the invoices at most.
    const QJsonObject expected = sandboxObjects();
    const qint64 partial = cacheCount(QStringLiteral("invoices"));
    QVERIFY(partial >= 0);
    QVERIFY(partial < expected.value(QLatin1String("invoices")).toInteger());
    QVERIFY(meta(SyncService::MetaLastFullSync).isEmpty()); // not a completed sync

    SyncService again(&client, m_cache.get());
    const auto summary = again.runFullSyncBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QCOMPARE(cacheCount(QStringLiteral("invoices")), expected.value(QLatin1String("invoices")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("payment_attempts")), expected.value(QLatin1String("invoice_payments")).toInteger());
}

void tst_SyncService::fullSyncBringsDefaultPaymentMethodsCouponsAndPromotionCodes()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    const QJsonObject expected = sandboxObjects();
    const auto summary = sync.runFullSyncBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QCOMPARE(cacheCount(QStringLiteral("coupons")), expected.value(QLatin1String("coupons")).toInteger());
    QCOMPARE(cacheCount(QStringLiteral("promotion_codes")), expected.value(QLatin1String("promotion_codes")).toInteger());

    // Every customer's default payment method, as the sandbox names them, and nothing else.
    QSet<QString> defaults;
    std::optional<Status> listed;
    QEventLoop loop;
    client.listAll(QStringLiteral("/v1/customers"), {}, &loop,
                   [&](const QJsonArray &page) {
                       for (const QJsonValue &v : page) {
                           const QString pm = v.toObject().value(QLatin1String("invoice_settings")).toObject()
                                                  .value(QLatin1String("default_payment_method")).toString();
                           if (!pm.isEmpty())
                               defaults.insert(pm);
                       }
                       return true;
                   },
                   [&](Status s) {
                       listed = s;
                       loop.quit();
                   });
    if (!listed)
        loop.exec();
    QVERIFY(listed && listed->ok());
    QVERIFY(defaults.size() > 100);
    QCOMPARE(cacheCount(QStringLiteral("payment_methods")), qint64(defaults.size()));
    QCOMPARE(summary->upserted.value(QStringLiteral("payment_method")), qint64(defaults.size()));

    // One of them, field by field against the sandbox's own answer.
    const QString someId = *defaults.cbegin();
    const auto pm = call(client, QStringLiteral("GET"), QStringLiteral("/v1/payment_methods/") + someId);
    QVERIFY(pm.ok());
    const QJsonObject card = pm->value(QLatin1String("card")).toObject();
    const auto row = m_cache->thread().runBlocking([customer = pm->value(QLatin1String("customer")).toString(), someId](LocalCache &c) {
        const auto all = c.paymentMethods(customer);
        PaymentMethod found;
        if (all.ok())
            for (const PaymentMethod &m : all.value())
                if (m.id == someId)
                    found = m;
        return found;
    });
    QCOMPARE(row.id, someId);
    QCOMPARE(row.last4, card.value(QLatin1String("last4")).toString());
    QCOMPARE(row.brand, card.value(QLatin1String("brand")).toString());
    QCOMPARE(row.expYear, card.value(QLatin1String("exp_year")).toInt());

    // Coupons keep percent_off as the decimal the sandbox sent.
    const auto coupons = m_cache->thread().runBlocking([](LocalCache &c) { return c.coupons(); });
    QVERIFY(coupons.ok());
    const auto listedCoupons = call(client, QStringLiteral("GET"), QStringLiteral("/v1/coupons"), FormValue::object({{"limit", 100}}));
    QVERIFY(listedCoupons.ok());
    for (const QJsonValue &v : listedCoupons->value(QLatin1String("data")).toArray()) {
        const QJsonObject json = v.toObject();
        const auto it = std::find_if(coupons->cbegin(), coupons->cend(),
                                     [&](const Coupon &c) { return c.id == json.value(QLatin1String("id")).toString(); });
        QVERIFY(it != coupons->cend());
        if (json.value(QLatin1String("percent_off")).isDouble())
            QCOMPARE(it->percentOff.toDouble(), json.value(QLatin1String("percent_off")).toDouble());
        else
            QCOMPARE(it->amountOff.value_or(-1), json.value(QLatin1String("amount_off")).toInteger());
    }
}

void tst_SyncService::refreshAppliesCouponAndPromotionCodeEvents()
{
    StripeClient client(config());
    SyncService sync(&client, m_cache.get());
    QVERIFY(sync.runFullSyncBlocking().ok());
    const qint64 couponsBefore = cacheCount(QStringLiteral("coupons"));

    const QString suffix = QString::number(QDateTime::currentMSecsSinceEpoch());
    const QJsonObject coupon = sandboxSend("POST", QStringLiteral("/v1/coupons"),
                                           "percent_off=33.33&duration=once&name=Sync%20test%20" + suffix.toLatin1());
    const QString couponId = coupon.value(QLatin1String("id")).toString();
    QVERIFY2(!couponId.isEmpty(), QJsonDocument(coupon).toJson().constData());
    const QJsonObject promo = sandboxSend("POST", QStringLiteral("/v1/promotion_codes"),
                                          "promotion[type]=coupon&promotion[coupon]=" + couponId.toLatin1() + "&code=SYNC" + suffix.toLatin1());
    const QString promoId = promo.value(QLatin1String("id")).toString();
    QVERIFY2(!promoId.isEmpty(), QJsonDocument(promo).toJson().constData());
    // A coupon that existed at the full sync goes away.
    const auto listed = call(client, QStringLiteral("GET"), QStringLiteral("/v1/coupons"), FormValue::object({{"limit", 100}}));
    QVERIFY(listed.ok());
    QString doomed;
    for (const QJsonValue &v : listed->value(QLatin1String("data")).toArray())
        if (v.toObject().value(QLatin1String("id")).toString() != couponId)
            doomed = v.toObject().value(QLatin1String("id")).toString();
    QVERIFY(!doomed.isEmpty());
    QVERIFY(!sandboxSend("DELETE", QStringLiteral("/v1/coupons/") + doomed).value(QLatin1String("deleted")).isUndefined());

    const auto summary = sync.runRefreshBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QVERIFY(!summary->full);
    QCOMPARE(summary->upserted.value(QStringLiteral("coupon")), 1);
    QCOMPARE(summary->upserted.value(QStringLiteral("promotion_code")), 1);
    QCOMPARE(summary->removed.value(QStringLiteral("coupon")), 1);
    QCOMPARE(cacheCount(QStringLiteral("coupons")), couponsBefore); // one added, one deleted

    const auto coupons = m_cache->thread().runBlocking([](LocalCache &c) { return c.coupons(); });
    QVERIFY(coupons.ok());
    const auto it = std::find_if(coupons->cbegin(), coupons->cend(), [&](const Coupon &c) { return c.id == couponId; });
    QVERIFY(it != coupons->cend());
    QCOMPARE(it->percentOff, QStringLiteral("33.33"));
    QVERIFY(std::none_of(coupons->cbegin(), coupons->cend(), [&](const Coupon &c) { return c.id == doomed; }));
    const auto codes = m_cache->thread().runBlocking([couponId](LocalCache &c) { return c.promotionCodes(couponId); });
    QVERIFY(codes.ok());
    QCOMPARE(codes->size(), 1);
    QCOMPARE(codes->first().id, promoId);
    QCOMPARE(codes->first().code, QStringLiteral("SYNC") + suffix);
}

QTEST_GUILESS_MAIN(tst_SyncService)
#include "tst_syncservice.moc"
