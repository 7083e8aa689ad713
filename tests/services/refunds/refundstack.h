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
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
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

// Paid demo invoices in a currency, with a payment nobody refunded yet, each handed out once per
// process (tests in one run share the sandbox).
inline QString freshPaidInvoice(const QString &currency, qint64 minPaid = 3000)
{
    static QSet<QString> used;
    QString after;
    for (int page = 0; page < 20; ++page) {
        QString path = QStringLiteral("/v1/invoices?status=paid&limit=100");
        if (!after.isEmpty())
            path += QStringLiteral("&starting_after=") + after;
        const QJsonObject list = sandboxCall("GET", path);
        const QJsonArray data = list.value(QLatin1String("data")).toArray();
        for (const QJsonValue &v : data) {
            const QJsonObject inv = v.toObject();
            after = inv.value(QLatin1String("id")).toString();
            if (used.contains(after) || inv.value(QLatin1String("currency")).toString() != currency
                || inv.value(QLatin1String("amount_paid")).toInteger() < minPaid
                || inv.value(QLatin1String("post_payment_credit_notes_amount")).toInteger() != 0)
                continue;
            const QJsonArray pays = sandboxCall("GET", QStringLiteral("/v1/invoice_payments?status=paid&invoice=") + after)
                                        .value(QLatin1String("data"))
                                        .toArray();
            if (pays.isEmpty())
                continue;
            const QJsonValue piv = pays.first().toObject().value(QLatin1String("payment")).toObject().value(QLatin1String("payment_intent"));
            const QString pi = piv.isObject() ? piv.toObject().value(QLatin1String("id")).toString() : piv.toString();
            if (pi.isEmpty() || !sandboxRefunds(pi).isEmpty())
                continue;
            used.insert(after);
            return after;
        }
        if (!list.value(QLatin1String("has_more")).toBool())
            break;
    }
    return {};
}

} // namespace Billing::Test
