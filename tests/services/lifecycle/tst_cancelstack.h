#pragma once

// The real stack the lifecycle services write through (Stripe client -> outbox -> operation runner
// -> billing database + cache), on files in one folder (or a PostgreSQL schema), against the
// sandbox. Shared by tst_cancellationservice, tst_pauseservice and tst_seasonalscheduler.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxentry.h"
#include "services/outbox/outboxservice.h"
#include "services/stripe/formencoder.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QTimer>
#include <QUuid>

#include <memory>
#include <optional>

namespace Billing::Test {

inline Actor actorWith(StaffRole role)
{
    return Actor{7, QStringLiteral("agent-%1@example.com").arg(staffRoleName(role)), QStringLiteral("Agent"), role};
}

struct LifecycleStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    QString error;

    LifecycleStack(const QString &dir, const BillingDbSettings &db, const Actor &actor, const QString &tag = {})
    {
        StripeConfig c;
        c.baseUrl = QUrl(sandboxUrl());
        c.apiKey = sandboxKey();
        c.maxRetries = 1;
        c.initialRetryDelayMs = 100;
        c.timeoutMs = 10000;
        client = std::make_unique<StripeClient>(c);
        billingDb = std::make_unique<AsyncBillingDatabase>(db);
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-lifecycle-%1").arg(quintptr(this)));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache%1.sqlite").arg(tag)); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox%1.sqlite").arg(tag), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), AccessPolicy{}, actor);
        outbox->start();
    }
    ~LifecycleStack()
    {
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    std::optional<OutboxEntry> settled(qint64 id, int timeoutMs = 30000)
    {
        std::optional<OutboxEntry> e; // empty when it did not settle in time
        (void)QTest::qWaitFor(
            [&] {
                Result<OutboxEntry> r = outbox->entryBlocking(id);
                if (r && !r->isOpen())
                    e = r.value();
                return e.has_value();
            },
            timeoutMs);
        return e;
    }

    QList<AuditEntry> audit(const QString &targetId)
    {
        AuditQuery q;
        q.targetId = targetId;
        auto r = billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        return r ? r.value() : QList<AuditEntry>{};
    }

    int outboxCount()
    {
        auto r = outbox->entriesBlocking(std::nullopt, 0);
        return r ? int(r->size()) : -1;
    }
};

// Waits for a (Result<T>) handler.
template <typename T, typename Call>
Result<T> waitFor(Call call, int timeoutMs = 30000)
{
    std::optional<Result<T>> out;
    QObject ctx;
    call(&ctx, [&](Result<T> r) { out.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs))
        return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
    return *out;
}

// The sandbox's own records, over plain HTTP (not through the code under test).
inline QJsonObject sandboxCall(const QByteArray &method, const QString &path, const QJsonObject &body = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    QByteArray data;
    if (!body.isEmpty()) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
        data = encodeForm(formParamsFromJson(body));
    }
    QNetworkReply *reply = nam.sendCustomRequest(req, method, data);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

// An active, licensed, monthly price in the currency with a unit amount.
inline QJsonObject monthlyPrice(const QString &currency, bool dearest = true)
{
    const QJsonArray prices =
        sandboxCall("GET", QStringLiteral("/v1/prices?limit=100&currency=") + currency).value(QLatin1String("data")).toArray();
    QJsonObject best;
    for (const QJsonValue &v : prices) {
        const QJsonObject p = v.toObject();
        const QJsonObject rec = p.value(QLatin1String("recurring")).toObject();
        if (rec.value(QLatin1String("interval")).toString() != QLatin1String("month")
            || p.value(QLatin1String("unit_amount")).isNull() || !p.value(QLatin1String("active")).toBool())
            continue;
        const qint64 amount = p.value(QLatin1String("unit_amount")).toInteger();
        const qint64 bestAmount = best.value(QLatin1String("unit_amount")).toInteger();
        if (best.isEmpty() || (dearest ? amount > bestAmount : amount < bestAmount))
            best = p;
    }
    return best;
}

// A new customer with a new monthly subscription in the sandbox (raw JSON).
inline QJsonObject newSubscription(const QString &currency = QStringLiteral("usd"))
{
    const QJsonObject cus = sandboxCall("POST", QStringLiteral("/v1/customers"),
                                        {{QStringLiteral("name"), QStringLiteral("Lifecycle test")},
                                         {QStringLiteral("email"), QStringLiteral("lifecycle@example.com")}});
    const QJsonObject price = monthlyPrice(currency);
    return sandboxCall("POST", QStringLiteral("/v1/subscriptions"),
                       {{QStringLiteral("customer"), cus.value(QLatin1String("id"))},
                        {QStringLiteral("default_payment_method"), QStringLiteral("pm_card_visa")},
                        {QStringLiteral("items"),
                         QJsonArray{QJsonObject{{QStringLiteral("price"), price.value(QLatin1String("id"))}}}}});
}

inline QJsonObject sandboxSubscription(const QString &id)
{
    return sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + id);
}

// The cache row the dialogs and services work from, built from Stripe's JSON.
inline SubscriptionRow rowFrom(const QJsonObject &json)
{
    SubscriptionRow row;
    if (auto s = StripeParser::subscription(json))
        row.subscription = *s;
    const QJsonObject item = json.value(QLatin1String("items")).toObject().value(QLatin1String("data")).toArray().first().toObject();
    const QJsonObject price = item.value(QLatin1String("price")).toObject();
    row.amountMinor = price.value(QLatin1String("unit_amount")).toInteger() * qMax<qint64>(1, item.value(QLatin1String("quantity")).toInteger());
    row.interval = price.value(QLatin1String("recurring")).toObject().value(QLatin1String("interval")).toString();
    row.intervalCount = price.value(QLatin1String("recurring")).toObject().value(QLatin1String("interval_count")).toInt(1);
    row.planName = price.value(QLatin1String("nickname")).toString();
    return row;
}

inline QDateTime secs(const QJsonValue &v) { return QDateTime::fromSecsSinceEpoch(v.toInteger(), Qt::UTC); }

inline QString newSession() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

} // namespace Billing::Test
