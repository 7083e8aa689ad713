#pragma once

// The real service stack a refund goes through (Stripe client -> outbox -> operation runner ->
// billing database + cache -> RefundService), on files in one folder, against the sandbox.
// Shared by tst_refundservice and tst_refunddialog. Destroying it mid-operation is what a crash
// looks like to the next stack opened on the same folder.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/refunds/refundservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

namespace Billing::Test {

inline StripeConfig sandboxConfig(const QUrl &url = QUrl(sandboxUrl()))
{
    StripeConfig c;
    c.baseUrl = url;
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

inline QUrl closedPortUrl()
{
    QTcpServer probe; // take a free port, then close it: nothing listens there
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

inline Actor financeActor()
{
    return Actor{1, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), StaffRole::Finance};
}

inline Actor supportActor()
{
    return Actor{2, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), StaffRole::Support};
}

struct RefundStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    std::unique_ptr<RefundService> service;
    QString error; // set when opening failed

    RefundStack(const QString &dir, const Actor &actor, const AccessPolicy &policy = {})
    {
        client = std::make_unique<StripeClient>(sandboxConfig());
        billingDb = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir + QStringLiteral("/billing.sqlite")));
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-refunds-%1").arg(quintptr(this)));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache.sqlite")); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), policy, actor);
        service = std::make_unique<RefundService>(client.get(), outbox.get(), runner.get(), cache.get());
        outbox->start();
    }
    ~RefundStack()
    {
        service.reset();
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    Result<RefundContext> load(const QString &invoiceId)
    {
        std::optional<Result<RefundContext>> out;
        QObject ctx;
        service->load(invoiceId, &ctx, [&](Result<RefundContext> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            return Error::make(Error::Kind::Timeout, QStringLiteral("load timed out"));
        return *out;
    }

    Result<OutboxEntry> submit(const RefundContext &c, const RefundRequest &req)
    {
        std::optional<Result<OutboxEntry>> out;
        QObject ctx;
        service->submit(c, req, &ctx, [&](Result<OutboxEntry> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
            return Error::make(Error::Kind::Timeout, QStringLiteral("submit timed out"));
        return *out;
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
        return e;
    }

    QList<AuditEntry> audit(const QString &invoiceId)
    {
        AuditQuery q;
        q.targetId = invoiceId;
        Result<QList<AuditEntry>> r = billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        return r ? r.value() : QList<AuditEntry>{};
    }
};

// The sandbox's own records, over plain HTTP (not through the code under test).
inline QJsonObject sandboxCall(const QByteArray &method, const QString &path, const QByteArray &body = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, body.startsWith('{') ? QByteArrayLiteral("application/json")
                                                                              : QByteArrayLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

// Refunds Stripe holds for a payment intent.
inline QJsonArray sandboxRefunds(const QString &paymentIntent)
{
    return sandboxCall("GET", QStringLiteral("/v1/refunds?limit=100&payment_intent=") + paymentIntent)
        .value(QLatin1String("data"))
        .toArray();
}

inline int appliedWithKey(const QString &key)
{
    const QJsonArray data = sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    int n = 0;
    for (const QJsonValue &v : data)
        n += v.toObject().value(QLatin1String("idempotency_key")).toString() == key ? 1 : 0;
    return n;
}

// A paid invoice with an unrefunded card payment, made for the calling test: a new customer with
// a Visa card, one invoice item of max(minPaid, 12000) minor units, finalized and charged. Tests
// in one run share the sandbox (the outbox fault test refunds demo payments at the same time), so
// none may take a demo payment.
inline QString freshPaidInvoice(const QString &currency, qint64 minPaid = 3000)
{
    const auto id = [](const QJsonObject &o) { return o.value(QLatin1String("id")).toString(); };
    const QString customer = id(sandboxCall("POST", QStringLiteral("/v1/customers"), "name=Refund%20test&email=refund-test%40example.com"));
    if (customer.isEmpty())
        return {};
    const QString card = id(sandboxCall("POST", QStringLiteral("/v1/payment_methods/pm_card_visa/attach"), "customer=" + customer.toUtf8()));
    sandboxCall("POST", QStringLiteral("/v1/customers/") + customer, "invoice_settings[default_payment_method]=" + card.toUtf8());
    sandboxCall("POST", QStringLiteral("/v1/invoiceitems"),
                "customer=" + customer.toUtf8() + "&currency=" + currency.toUtf8() + "&description=Annual%20licence&amount="
                    + QByteArray::number(qMax<qint64>(minPaid, 12000)));
    const QString invoice = id(sandboxCall("POST", QStringLiteral("/v1/invoices"),
                                           "customer=" + customer.toUtf8() + "&pending_invoice_items_behavior=include"));
    if (invoice.isEmpty())
        return {};
    sandboxCall("POST", QStringLiteral("/v1/invoices/%1/finalize").arg(invoice));
    const QJsonObject paid = sandboxCall("POST", QStringLiteral("/v1/invoices/%1/pay").arg(invoice));
    return paid.value(QLatin1String("status")).toString() == QLatin1String("paid") ? invoice : QString();
}

} // namespace Billing::Test
