#pragma once
// Shared by tst_planchange* and tst_trial*: one console's services over a temporary folder,
// against the Stripe sandbox, and raw sandbox calls that bypass the code under test.

#include "services/access/staffdirectory.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <memory>
#include <optional>

namespace Billing::Test {

// The sandbox over plain HTTP (not through the code under test). body: form-encoded.
inline QJsonObject sandboxCall(const QByteArray &method, const QString &path, const QByteArray &body = {},
                               const QByteArray &contentType = "application/x-www-form-urlencoded")
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

inline int appliedCount()
{
    return sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("count")).toInt();
}

// Writes the sandbox applied since `seq` count (seq = appliedCount() before).
inline QJsonArray appliedSince(int count)
{
    const QJsonArray all = sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    QJsonArray out;
    // Previews (POST /v1/invoices/create_preview) write nothing: not counted.
    for (int i = count; i < all.size(); ++i) {
        if (all.at(i).toObject().value(QLatin1String("path")).toString() != QLatin1String("/v1/invoices/create_preview"))
            out.append(all.at(i));
    }
    return out;
}

inline QString priceByLookupKey(const QString &key)
{
    const QJsonArray data = sandboxCall("GET", QStringLiteral("/v1/prices?lookup_keys[]=") + key).value(QLatin1String("data")).toArray();
    return data.isEmpty() ? QString() : data.first().toObject().value(QLatin1String("id")).toString();
}

// A new subscription of a new customer with a working card, active (or trialing for trialDays),
// so no other test (they share the sandbox and run in parallel) has changed it: empty on failure.
inline QString newSubscription(const QString &priceId, int quantity = 1, int trialDays = 0)
{
    const QString customer = sandboxCall("POST", QStringLiteral("/v1/customers"), "name=Plan%20change%20test&email=plan-change%40example.com")
                                 .value(QLatin1String("id"))
                                 .toString();
    const QString card = sandboxCall("POST", QStringLiteral("/v1/payment_methods/pm_card_visa/attach"), "customer=" + customer.toUtf8())
                             .value(QLatin1String("id"))
                             .toString();
    sandboxCall("POST", QStringLiteral("/v1/customers/") + customer, "invoice_settings[default_payment_method]=" + card.toUtf8());
    QByteArray body = "customer=" + customer.toUtf8() + "&items[0][price]=" + priceId.toUtf8() + "&items[0][quantity]=" + QByteArray::number(quantity);
    if (trialDays > 0)
        body += "&trial_period_days=" + QByteArray::number(trialDays);
    const QJsonObject sub = sandboxCall("POST", QStringLiteral("/v1/subscriptions"), body);
    const QString expected = trialDays > 0 ? QStringLiteral("trialing") : QStringLiteral("active");
    return sub.value(QLatin1String("status")).toString() == expected ? sub.value(QLatin1String("id")).toString() : QString();
}

struct Console
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<AsyncBillingDatabase> billing;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OperationRunner> runner;

    // Empty on success, else what failed.
    QString start(const QString &staffEmail, const QString &baseUrl = {})
    {
        static int counter = 0;
        ++counter;
        dir = std::make_unique<QTemporaryDir>();
        StripeConfig config;
        config.baseUrl = QUrl(baseUrl.isEmpty() ? sandboxUrl() : baseUrl);
        config.apiKey = sandboxKey();
        config.maxRetries = 0;
        config.initialRetryDelayMs = 50;
        config.timeoutMs = 10000;
        client = std::make_unique<StripeClient>(config);
        outbox = std::make_unique<OutboxService>(dir->filePath(QStringLiteral("outbox.sqlite")), client.get());
        if (auto r = outbox->openBlocking(); !r)
            return r.error().detail;
        billing = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir->filePath(QStringLiteral("billing.db"))));
        if (auto r = billing->openBlocking(); !r)
            return r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("tst-lifecycle-cache-%1").arg(counter));
        if (auto r = cache->openBlocking(dir->filePath(QStringLiteral("cache.sqlite"))); !r)
            return r.error().detail;
        if (auto r = billing->thread().runBlocking([](BillingDatabase &db) { return StaffDirectory::seedDemoOn(db); }); !r)
            return r.error().detail;
        auto policy = billing->thread().runBlocking([](BillingDatabase &db) { return StaffDirectory::loadPolicyOn(db); });
        if (!policy)
            return policy.error().detail;
        auto member = billing->thread().runBlocking([staffEmail](BillingDatabase &db) { return db.findStaffByEmail(staffEmail); });
        if (!member)
            return member.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billing.get(), cache.get(), *policy, Actor::fromStaff(*member));
        outbox->start();
        return {};
    }

    QList<AuditEntry> audit(const QString &targetId)
    {
        AuditQuery q;
        q.targetId = targetId;
        q.limit = 1000;
        auto rows = billing->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        return rows ? *rows : QList<AuditEntry>{};
    }

    ~Console()
    {
        runner.reset();
        outbox.reset();
        cache.reset();
        billing.reset();
        client.reset();
    }
};

// Runs the event loop until `value` is set (or the timeout).
template <typename T>
bool waitFor(const std::optional<T> &value, int ms = 20000)
{
    QElapsedTimer t;
    t.start();
    while (!value && t.elapsed() < ms)
        QTest::qWait(10);
    return value.has_value();
}

} // namespace Billing::Test
