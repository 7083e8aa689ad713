#pragma once

// The real service stack behind payment methods, customer credit and referrals (Stripe client ->
// outbox -> operation runner -> billing database + cache -> the services), on files in one folder
// (or a PostgreSQL billing database), against the sandbox. Shared by tst_paymentmethodservice,
// tst_customercredit, tst_referralprogram, tst_syncpaymentevents and tst_customerspage.
// Destroying it mid-operation is what a crash looks like to the next stack on the same folder.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/paymentmethods/paymentmethodservice.h"
#include "services/promotions/customercreditservice.h"
#include "services/promotions/referralprogram.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <memory>
#include <optional>

namespace Billing::Test {

inline StripeConfig paymentSandboxConfig()
{
    StripeConfig c;
    c.baseUrl = QUrl(sandboxUrl());
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

inline Actor staff(StaffRole role)
{
    switch (role) {
    case StaffRole::Admin: return Actor{1, QStringLiteral("ada@example.com"), QStringLiteral("Ada Admin"), role};
    case StaffRole::Finance: return Actor{2, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), role};
    case StaffRole::Support: return Actor{3, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), role};
    case StaffRole::ReadOnly: break;
    }
    return Actor{4, QStringLiteral("rita@example.com"), QStringLiteral("Rita Readonly"), StaffRole::ReadOnly};
}

// Support may credit up to 50.00 USD / 5,000 JPY.
inline AccessPolicy creditLimits()
{
    AccessPolicy::Limits l;
    l.supportCreditMinor.insert(QStringLiteral("usd"), 5000);
    l.supportCreditMinor.insert(QStringLiteral("eur"), 5000);
    l.supportCreditMinor.insert(QStringLiteral("jpy"), 5000);
    return AccessPolicy(l);
}

template <typename T>
Result<T> waitFor(std::function<void(QObject *, std::function<void(Result<T>)>)> call, int timeoutMs = 30000)
{
    std::optional<Result<T>> out;
    QObject ctx;
    call(&ctx, [&](Result<T> r) { out.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs))
        return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
    return *out;
}

struct PaymentStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    std::unique_ptr<PaymentMethodService> methods;
    std::unique_ptr<CustomerCreditService> credits;
    std::unique_ptr<ReferralProgram> referrals;
    QString error; // set when opening failed

    PaymentStack(const QString &dir, const Actor &actor, const AccessPolicy &policy = creditLimits(),
                 std::optional<BillingDbSettings> db = std::nullopt, bool startOutbox = true)
    {
        client = std::make_unique<StripeClient>(paymentSandboxConfig());
        billingDb = std::make_unique<AsyncBillingDatabase>(db ? *db : BillingDbSettings::sqlite(dir + QStringLiteral("/billing.sqlite")));
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-pm-%1").arg(quintptr(this)));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache.sqlite")); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), policy, actor);
        methods = std::make_unique<PaymentMethodService>(client.get(), runner.get(), cache.get());
        credits = std::make_unique<CustomerCreditService>(client.get(), runner.get());
        referrals = std::make_unique<ReferralProgram>(billingDb.get(), client.get(), credits.get());
        if (startOutbox)
            outbox->start();
    }
    ~PaymentStack()
    {
        referrals.reset();
        credits.reset();
        methods.reset();
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    Result<PaymentMethodsView> load(const QString &customerId)
    {
        return waitFor<PaymentMethodsView>([&](QObject *ctx, auto done) { methods->load(customerId, ctx, done); });
    }
    Result<CreditLedger> ledger(const QString &customerId)
    {
        return waitFor<CreditLedger>([&](QObject *ctx, auto done) { credits->load(customerId, ctx, done); });
    }

    // Waits until the entry left the queue (Succeeded, Failed, NeedsAttention).
    std::optional<OutboxEntry> settled(qint64 id, int timeoutMs = 30000)
    {
        std::optional<OutboxEntry> e;
        (void)QTest::qWaitFor([&] {
            Result<OutboxEntry> r = outbox->entryBlocking(id);
            if (r && !r->isOpen())
                e = r.value();
            return e.has_value();
        }, timeoutMs);
        // Let the runner put the answer into the cache and audit it.
        QTest::qWait(200);
        return e;
    }

    int outboxCount()
    {
        Result<QList<OutboxEntry>> all = outbox->entriesBlocking(std::nullopt, 0);
        return all ? int(all->size()) : -1;
    }

    QList<AuditEntry> audit(const QString &targetId)
    {
        AuditQuery q;
        q.targetId = targetId;
        Result<QList<AuditEntry>> r = billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        return r ? r.value() : QList<AuditEntry>{};
    }
};

// The sandbox over plain HTTP (not through the code under test). Form bodies as Stripe takes them.
inline QJsonObject stripeCall(const QByteArray &method, const QString &path, const QList<QPair<QString, QString>> &form = {},
                              bool json = false, const QByteArray &jsonBody = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    QByteArray body;
    if (json) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        body = jsonBody;
    } else if (!form.isEmpty()) {
        QUrlQuery q;
        for (const auto &kv : form)
            q.addQueryItem(kv.first, QString::fromUtf8(QUrl::toPercentEncoding(kv.second)));
        body = q.query(QUrl::FullyEncoded).toUtf8();
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    }
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

// How many writes the sandbox applied with this idempotency key (replays excluded).
inline int appliedCount(const QString &key)
{
    const QJsonArray data = stripeCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    int n = 0;
    for (const QJsonValue &v : data)
        n += v.toObject().value(QLatin1String("idempotency_key")).toString() == key ? 1 : 0;
    return n;
}

inline QJsonArray stripeList(const QString &path)
{
    return stripeCall("GET", path).value(QLatin1String("data")).toArray();
}

inline QString newCustomer(const QString &name, const QString &email = {})
{
    QList<QPair<QString, QString>> form{{QStringLiteral("name"), name}};
    if (!email.isEmpty())
        form << qMakePair(QStringLiteral("email"), email);
    return stripeCall("POST", QStringLiteral("/v1/customers"), form).value(QLatin1String("id")).toString();
}

inline QString attach(const QString &token, const QString &customerId)
{
    return stripeCall("POST", QStringLiteral("/v1/payment_methods/%1/attach").arg(token),
                      {{QStringLiteral("customer"), customerId}})
        .value(QLatin1String("id"))
        .toString();
}

// A demo customer with a default payment method and exactly one active USD subscription that charges
// it, and `cards` cards (-1: any number), handed out once per process.
inline QJsonObject demoCustomerWithSubscription(int cards = -1)
{
    static QSet<QString> used;
    QString after;
    for (int page = 0; page < 10; ++page) {
        QString path = QStringLiteral("/v1/subscriptions?status=active&limit=100");
        if (!after.isEmpty())
            path += QStringLiteral("&starting_after=") + after;
        const QJsonObject list = stripeCall("GET", path);
        for (const QJsonValue &v : list.value(QLatin1String("data")).toArray()) {
            const QJsonObject sub = v.toObject();
            after = sub.value(QLatin1String("id")).toString();
            const QString cus = sub.value(QLatin1String("customer")).toString();
            // The demo shape: the subscription charges the customer's default (no default of its own).
            if (used.contains(cus) || sub.value(QLatin1String("currency")).toString() != QLatin1String("usd")
                || !sub.value(QLatin1String("default_payment_method")).toString().isEmpty())
                continue;
            if (stripeList(QStringLiteral("/v1/subscriptions?customer=") + cus).size() != 1)
                continue;
            const QJsonArray pms = stripeList(QStringLiteral("/v1/customers/%1/payment_methods").arg(cus));
            if (cards >= 0 && pms.size() != cards)
                continue;
            const QJsonObject customer = stripeCall("GET", QStringLiteral("/v1/customers/") + cus);
            if (customer.value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).toString().isEmpty())
                continue;
            used.insert(cus);
            return customer;
        }
        if (!list.value(QLatin1String("has_more")).toBool())
            break;
    }
    return {};
}

} // namespace Billing::Test
