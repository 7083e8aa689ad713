#pragma once

// The real service stack an invoice action goes through (Stripe client -> outbox -> operation
// runner -> billing database + cache -> InvoiceActionService), on files in one folder, against
// the sandbox. Shared by the invoices service tests and the invoices UI tests.

#include "services/access/accesspolicy.h"
#include "services/invoices/invoiceactionservice.h"
#include "services/invoices/portalsessionservice.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
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

#include <functional>
#include <memory>
#include <optional>

namespace Billing::Test {

inline StripeConfig invoiceSandboxConfig()
{
    StripeConfig c;
    c.baseUrl = QUrl(sandboxUrl());
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

inline Actor invoiceFinanceActor()
{
    return Actor{1, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), StaffRole::Finance};
}

inline Actor invoiceSupportActor()
{
    return Actor{2, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), StaffRole::Support};
}

struct InvoiceStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    std::unique_ptr<InvoiceActionService> actions;
    std::unique_ptr<PortalSessionService> portal;
    QString error; // set when opening failed

    InvoiceStack(const QString &dir, const Actor &actor, const AccessPolicy &policy = {})
    {
        client = std::make_unique<StripeClient>(invoiceSandboxConfig());
        billingDb = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir + QStringLiteral("/billing.sqlite")));
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-invoices-%1").arg(quintptr(this)));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache.sqlite")); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), policy, actor);
        actions = std::make_unique<InvoiceActionService>(client.get(), runner.get(), cache.get());
        portal = std::make_unique<PortalSessionService>(client.get(), billingDb.get());
        portal->setActor(actor.tag());
        outbox->start();
    }
    ~InvoiceStack()
    {
        portal.reset();
        actions.reset();
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    template <typename T>
    static Result<T> wait(const std::function<void(QObject *, std::function<void(Result<T>)>)> &call, int timeoutMs = 30000)
    {
        std::optional<Result<T>> out;
        QObject ctx;
        call(&ctx, [&](Result<T> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs))
            return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
        return *out;
    }

    Result<OutboxEntry> submit(const InvoiceActionRequest &req)
    {
        return wait<OutboxEntry>([&](QObject *ctx, std::function<void(Result<OutboxEntry>)> h) {
            actions->submit(req, ctx, std::move(h));
        });
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

    QList<AuditEntry> audit(const QString &targetId)
    {
        AuditQuery q;
        q.targetId = targetId;
        Result<QList<AuditEntry>> r = billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        return r ? r.value() : QList<AuditEntry>{};
    }

    // The cached invoice (after the runner upserted Stripe's answer).
    std::optional<Invoice> cachedInvoice(const QString &id)
    {
        Result<std::optional<Invoice>> r = cache->thread().runBlocking([id](LocalCache &c) -> Result<std::optional<Invoice>> {
            InvoiceQuery q;
            q.search = id;
            q.statuses = {};
            Result<QList<InvoiceRow>> rows = c.invoices(q);
            if (!rows)
                return rows.error();
            for (const InvoiceRow &row : rows.value()) {
                if (row.invoice.id == id)
                    return std::optional<Invoice>(row.invoice);
            }
            return std::optional<Invoice>();
        });
        return r ? r.value() : std::nullopt;
    }
};

// The sandbox's own records, over plain HTTP (not through the code under test).
inline QJsonObject invoiceSandboxCall(const QByteArray &method, const QString &path, const QByteArray &formBody = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    if (!formBody.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, formBody.startsWith('{') ? QByteArrayLiteral("application/json")
                                                                                   : QByteArrayLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, formBody);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

inline QJsonObject sandboxInvoice(const QString &id)
{
    return invoiceSandboxCall("GET", QStringLiteral("/v1/invoices/") + id);
}

// How many writes the sandbox applied under an idempotency key.
inline int invoiceAppliedWithKey(const QString &key)
{
    const QJsonArray data = invoiceSandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    int n = 0;
    for (const QJsonValue &v : data)
        n += v.toObject().value(QLatin1String("idempotency_key")).toString() == key ? 1 : 0;
    return n;
}

// A demo invoice in `status` matching `accept`, handed out once per process (tests in one run
// share the sandbox). Only invoices that no other test counts: send_invoice ones and drafts.
inline QString freshInvoice(const QString &status, const std::function<bool(const QJsonObject &)> &accept)
{
    static QSet<QString> used;
    QString after;
    for (int page = 0; page < 30; ++page) {
        QString path = QStringLiteral("/v1/invoices?limit=100&status=") + status;
        if (!after.isEmpty())
            path += QStringLiteral("&starting_after=") + after;
        const QJsonObject list = invoiceSandboxCall("GET", path);
        const QJsonArray data = list.value(QLatin1String("data")).toArray();
        for (const QJsonValue &v : data) {
            const QJsonObject inv = v.toObject();
            after = inv.value(QLatin1String("id")).toString();
            if (used.contains(after) || !accept(inv))
                continue;
            used.insert(after);
            return after;
        }
        if (!list.value(QLatin1String("has_more")).toBool())
            break;
    }
    return {};
}

inline bool isSendInvoice(const QJsonObject &inv)
{
    return inv.value(QLatin1String("collection_method")).toString() == QLatin1String("send_invoice");
}

inline bool hasRemaining(const QJsonObject &inv)
{
    return inv.value(QLatin1String("amount_remaining")).toInteger() > 0;
}

} // namespace Billing::Test
