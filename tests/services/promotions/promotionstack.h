#pragma once
// One console's promotion services over a temporary folder, against the Stripe sandbox, and raw
// sandbox calls that bypass the code under test. Shared by tst_couponservice,
// tst_promotioncodeservice and the Promotions pane test.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/promotions/couponservice.h"
#include "services/promotions/promotioncodeservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

namespace Billing::Test {

inline QJsonObject promoSandboxCall(const QByteArray &method, const QString &path, const QByteArray &formBody = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    if (!formBody.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, formBody);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

inline int promoAppliedCount()
{
    return promoSandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("count")).toInt();
}

// Active subscriptions in `currency` with no discount, each handed out once per process.
// customerFilter: "paid" = customers with a paid invoice, "" = any.
inline QString freshSubscription(const QString &currency, const QString &customerFilter = {})
{
    static QSet<QString> used;
    QString after;
    for (int page = 0; page < 10; ++page) {
        QString path = QStringLiteral("/v1/subscriptions?status=active&limit=100");
        if (!after.isEmpty())
            path += QStringLiteral("&starting_after=") + after;
        const QJsonObject list = promoSandboxCall("GET", path);
        for (const QJsonValue &v : list.value(QLatin1String("data")).toArray()) {
            const QJsonObject s = v.toObject();
            after = s.value(QLatin1String("id")).toString();
            if (used.contains(after) || s.value(QLatin1String("currency")).toString() != currency
                || !s.value(QLatin1String("discounts")).toArray().isEmpty() || !s.value(QLatin1String("schedule")).isNull()
                || !s.value(QLatin1String("pause_collection")).isNull() || s.value(QLatin1String("cancel_at_period_end")).toBool())
                continue;
            if (customerFilter == QLatin1String("paid")) {
                const QJsonArray paid = promoSandboxCall("GET", QStringLiteral("/v1/invoices?status=paid&limit=1&customer=")
                                                                    + s.value(QLatin1String("customer")).toString())
                                            .value(QLatin1String("data"))
                                            .toArray();
                if (paid.isEmpty())
                    continue;
            }
            used.insert(after);
            return after;
        }
        if (!list.value(QLatin1String("has_more")).toBool())
            break;
    }
    return {};
}

inline Actor promoFinance()
{
    return Actor{1, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), StaffRole::Finance};
}
inline Actor promoSupport()
{
    return Actor{2, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), StaffRole::Support};
}

struct PromotionStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    std::unique_ptr<CouponService> coupons;
    std::unique_ptr<PromotionCodeService> codes;
    QString error;

    PromotionStack(const QString &dir, const Actor &actor)
    {
        StripeConfig c;
        c.baseUrl = QUrl(sandboxUrl());
        c.apiKey = sandboxKey();
        c.maxRetries = 1;
        c.initialRetryDelayMs = 100;
        c.timeoutMs = 10000;
        client = std::make_unique<StripeClient>(c);
        billingDb = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir + QStringLiteral("/billing.sqlite")));
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-promo-%1").arg(quintptr(this)));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache.sqlite")); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), AccessPolicy{}, actor);
        coupons = std::make_unique<CouponService>(client.get(), runner.get(), cache.get());
        codes = std::make_unique<PromotionCodeService>(client.get(), runner.get(), coupons.get());
        outbox->start();
    }
    ~PromotionStack()
    {
        codes.reset();
        coupons.reset();
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    template <typename Call>
    Result<OutboxEntry> queue(Call call)
    {
        std::optional<Result<OutboxEntry>> out;
        QObject ctx;
        call(&ctx, [&](Result<OutboxEntry> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
        return *out;
    }

    std::optional<OutboxEntry> settled(qint64 id, int timeoutMs = 30000)
    {
        std::optional<OutboxEntry> e;
        (void)QTest::qWaitFor([&] {
            Result<OutboxEntry> r = outbox->entryBlocking(id);
            if (r && !r->isOpen())
                e = r.value();
            return e.has_value();
        }, timeoutMs);
        return e;
    }

    int outboxSize()
    {
        auto r = outbox->entriesBlocking(std::nullopt);
        return r ? int(r->size()) : -1;
    }

    template <typename T, typename Call>
    Result<T> read(Call call)
    {
        std::optional<Result<T>> out;
        QObject ctx;
        call(&ctx, [&](Result<T> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
        return *out;
    }
};

} // namespace Billing::Test
