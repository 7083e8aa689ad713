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

inline QString sandboxId(const QJsonObject &o)
{
    return o.value(QLatin1String("id")).toString();
}

// A one-off invoice of 12.50 USD made for the calling test, for a new customer of its own, and
// brought to `status` (draft, open, uncollectible or paid) through the sandbox's Stripe API.
// Tests in one run share the sandbox, so none may rely on a demo invoice another test could
// have finalized or paid first. A charge_automatically invoice's customer has a Visa card as
// its default; a paid one was charged to it.
inline QString newInvoice(const QString &status, const QString &collection = QStringLiteral("send_invoice"))
{
    const QString customer = sandboxId(invoiceSandboxCall("POST", QStringLiteral("/v1/customers"),
                                                          "name=Invoice%20test&email=invoice-test%40example.com"));
    if (customer.isEmpty())
        return {};
    const bool automatic = collection == QLatin1String("charge_automatically");
    if (automatic) {
        const QString pm = sandboxId(invoiceSandboxCall("POST", QStringLiteral("/v1/payment_methods/pm_card_visa/attach"),
                                                        "customer=" + customer.toUtf8()));
        invoiceSandboxCall("POST", QStringLiteral("/v1/customers/") + customer,
                           "invoice_settings[default_payment_method]=" + pm.toUtf8());
    }
    invoiceSandboxCall("POST", QStringLiteral("/v1/invoiceitems"),
                       "customer=" + customer.toUtf8() + "&amount=1250&currency=usd&description=Consulting");
    QByteArray body = "customer=" + customer.toUtf8() + "&collection_method=" + collection.toUtf8()
                      + "&pending_invoice_items_behavior=include";
    if (!automatic)
        body += "&days_until_due=30";
    const QString id = sandboxId(invoiceSandboxCall("POST", QStringLiteral("/v1/invoices"), body));
    if (id.isEmpty())
        return {};
    const QString base = QStringLiteral("/v1/invoices/") + id;
    if (status != QLatin1String("draft"))
        invoiceSandboxCall("POST", base + QStringLiteral("/finalize"));
    if (status == QLatin1String("uncollectible"))
        invoiceSandboxCall("POST", base + QStringLiteral("/mark_uncollectible"));
    if (status == QLatin1String("paid"))
        invoiceSandboxCall("POST", base + QStringLiteral("/pay"), automatic ? QByteArray() : QByteArrayLiteral("paid_out_of_band=true"));
    return sandboxInvoice(id).value(QLatin1String("status")).toString() == status ? id : QString();
}

} // namespace Billing::Test
