#pragma once

// The real stack a dunning step goes through (Stripe client -> outbox -> operation runner ->
// billing database + cache -> RecoveryService / DunningRunner), on files in one folder, against
// the sandbox. Destroying it and opening another on the same folder is a console restart.

#include "services/access/accesspolicy.h"
#include "services/dunning/dunningrunner.h"
#include "services/dunning/recoveryservice.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"
#include "services/stripe/stripeparser.h"
#include "services/stripe/stripeclient.h"
#include "services/sync/syncservice.h"
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

inline Actor dunningFinance() { return Actor{1, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), StaffRole::Finance}; }
inline Actor dunningSupport() { return Actor{2, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), StaffRole::Support}; }

// A form-encoded call to the sandbox, outside the code under test (what the customer or Stripe does).
inline QJsonObject sandboxForm(const QByteArray &method, const QString &path, const QList<QPair<QString, QString>> &form = {},
                               int *status = nullptr)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    QUrlQuery q;
    for (const auto &kv : form)
        q.addQueryItem(kv.first, QString::fromUtf8(QUrl::toPercentEncoding(kv.second)));
    const QByteArray body = q.toString(QUrl::FullyEncoded).toUtf8();
    if (method != "GET")
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = nam.sendCustomRequest(req, method, method == "GET" ? QByteArray() : body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

struct FailedInvoice
{
    QString invoiceId;
    QString customerId;
    QString subscriptionId;
    qint64 amountDue = 0;
    QString currency;
};

// A new customer whose default card declines with `declineCode` and a subscription whose first
// invoice therefore failed.
inline std::optional<FailedInvoice> makeFailedInvoice(const QString &name, const QString &declineCode)
{
    const QJsonObject cus = sandboxForm("POST", QStringLiteral("/v1/customers"),
                                        {{QStringLiteral("name"), name}, {QStringLiteral("email"), name.toLower().replace(QLatin1Char(' '), QLatin1Char('.')) + QStringLiteral("@example.com")}});
    const QString cusId = cus.value(QLatin1String("id")).toString();
    const QJsonObject pm = sandboxForm("POST", QStringLiteral("/v1/payment_methods/pm_card_visa/attach"), {{QStringLiteral("customer"), cusId}});
    const QString pmId = pm.value(QLatin1String("id")).toString();
    sandboxForm("POST", QStringLiteral("/v1/customers/") + cusId, {{QStringLiteral("invoice_settings[default_payment_method]"), pmId}});
    // The sandbox's helper (routes/dunning.js): this card now declines with `declineCode`.
    sandboxForm("POST", QStringLiteral("/v1/__dunning/cards/%1/decline").arg(pmId), {{QStringLiteral("decline_code"), declineCode}});
    const QJsonObject prices = sandboxForm("GET", QStringLiteral("/v1/prices?lookup_keys[]=team_monthly_usd"));
    const QJsonArray data = prices.value(QLatin1String("data")).toArray();
    if (cusId.isEmpty() || pmId.isEmpty() || data.isEmpty())
        return std::nullopt;
    const QJsonObject sub = sandboxForm("POST", QStringLiteral("/v1/subscriptions"),
                                        {{QStringLiteral("customer"), cusId},
                                         {QStringLiteral("items[0][price]"), data.first().toObject().value(QLatin1String("id")).toString()}});
    const QString invId = sub.value(QLatin1String("latest_invoice")).toString();
    if (invId.isEmpty())
        return std::nullopt;
    const QJsonObject inv = sandboxForm("GET", QStringLiteral("/v1/invoices/") + invId);
    FailedInvoice f;
    f.invoiceId = invId;
    f.customerId = cusId;
    f.subscriptionId = sub.value(QLatin1String("id")).toString();
    f.amountDue = inv.value(QLatin1String("amount_due")).toInteger();
    f.currency = inv.value(QLatin1String("currency")).toString();
    if (inv.value(QLatin1String("status")).toString() != QLatin1String("open") || inv.value(QLatin1String("attempt_count")).toInt() != 1)
        return std::nullopt;
    return f;
}

// A new customer and a one-off invoice (an invoice item of `amount` USD cents, `collection`
// "charge_automatically" or "send_invoice"), finalized and paid with one of Stripe's declining test
// cards (pm_card_chargeDeclinedInsufficientFunds, ...): open, one failed attempt.
inline std::optional<FailedInvoice> makeDeclinedOneOffInvoice(const QString &name, const QString &declineToken,
                                                              const QString &collection = QStringLiteral("charge_automatically"),
                                                              qint64 amount = 4200)
{
    const QJsonObject cus = sandboxForm("POST", QStringLiteral("/v1/customers"),
                                        {{QStringLiteral("name"), name},
                                         {QStringLiteral("email"), name.toLower().replace(QLatin1Char(' '), QLatin1Char('.')) + QStringLiteral("@example.com")}});
    const QString cusId = cus.value(QLatin1String("id")).toString();
    if (cusId.isEmpty())
        return std::nullopt;
    QList<QPair<QString, QString>> form{{QStringLiteral("customer"), cusId}, {QStringLiteral("collection_method"), collection},
                                        {QStringLiteral("currency"), QStringLiteral("usd")}};
    if (collection == QLatin1String("send_invoice"))
        form << qMakePair(QStringLiteral("days_until_due"), QStringLiteral("7"));
    const QJsonObject draft = sandboxForm("POST", QStringLiteral("/v1/invoices"), form);
    const QString invId = draft.value(QLatin1String("id")).toString();
    if (invId.isEmpty())
        return std::nullopt;
    sandboxForm("POST", QStringLiteral("/v1/invoiceitems"),
                {{QStringLiteral("customer"), cusId}, {QStringLiteral("invoice"), invId}, {QStringLiteral("amount"), QString::number(amount)},
                 {QStringLiteral("currency"), QStringLiteral("usd")}, {QStringLiteral("description"), QStringLiteral("Dunning test item")}});
    sandboxForm("POST", QStringLiteral("/v1/invoices/%1/finalize").arg(invId), {{QStringLiteral("auto_advance"), QStringLiteral("false")}});
    int status = 0;
    sandboxForm("POST", QStringLiteral("/v1/invoices/%1/pay").arg(invId), {{QStringLiteral("payment_method"), declineToken}}, &status);
    const QJsonObject inv = sandboxForm("GET", QStringLiteral("/v1/invoices/") + invId);
    if (status != 402 || inv.value(QLatin1String("status")).toString() != QLatin1String("open")
        || inv.value(QLatin1String("attempt_count")).toInt() != 1)
        return std::nullopt;
    FailedInvoice f;
    f.invoiceId = invId;
    f.customerId = cusId;
    f.amountDue = inv.value(QLatin1String("amount_due")).toInteger();
    f.currency = inv.value(QLatin1String("currency")).toString();
    return f;
}

// The customer fixes it: a working card, attached and made the default (what the portal's
// payment_method_update flow does).
inline QString attachWorkingCard(const QString &customerId)
{
    const QJsonObject pm = sandboxForm("POST", QStringLiteral("/v1/payment_methods/pm_card_visa/attach"), {{QStringLiteral("customer"), customerId}});
    const QString pmId = pm.value(QLatin1String("id")).toString();
    sandboxForm("POST", QStringLiteral("/v1/customers/") + customerId, {{QStringLiteral("invoice_settings[default_payment_method]"), pmId}});
    return pmId;
}

inline StripeConfig dunningSandboxConfig()
{
    StripeConfig c;
    c.baseUrl = QUrl(sandboxUrl());
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 15000;
    return c;
}

struct DunningStack
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<AsyncBillingDatabase> billingDb;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<OperationRunner> runner;
    std::unique_ptr<RecoveryService> recovery;
    std::unique_ptr<DunningRunner> dunning;
    QString error;

    // billingDbPath: several stacks may share one billing database (two consoles); each has its own
    // cache and outbox under `dir`.
    DunningStack(const QString &dir, const Actor &actor, const QString &billingDbPath = {})
    {
        static int counter = 0;
        ++counter;
        client = std::make_unique<StripeClient>(dunningSandboxConfig());
        billingDb = std::make_unique<AsyncBillingDatabase>(
            BillingDbSettings::sqlite(billingDbPath.isEmpty() ? dir + QStringLiteral("/billing.sqlite") : billingDbPath));
        if (auto r = billingDb->openBlocking(); !r)
            error = r.error().detail;
        cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-dunning-%1").arg(counter));
        if (auto r = cache->openBlocking(dir + QStringLiteral("/cache.sqlite")); !r)
            error = r.error().detail;
        outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), client.get());
        if (auto r = outbox->openBlocking(); !r)
            error = r.error().detail;
        runner = std::make_unique<OperationRunner>(outbox.get(), billingDb.get(), cache.get(), AccessPolicy{}, actor);
        recovery = std::make_unique<RecoveryService>(runner.get(), billingDb.get(), cache.get());
        dunning = std::make_unique<DunningRunner>(cache.get(), billingDb.get(), runner.get());
        outbox->start();
    }
    ~DunningStack()
    {
        dunning.reset();
        recovery.reset();
        runner.reset();
        outbox.reset();
        cache.reset();
        billingDb.reset();
        client.reset();
    }

    Status sync()
    {
        SyncService s(client.get(), cache.get());
        Result<SyncSummary> r = s.runFullSyncBlocking();
        if (!r)
            return r.error();
        return {};
    }

    // Incremental sync from Stripe's events (after a full sync), as View > Refresh does.
    Status refresh()
    {
        SyncService s(client.get(), cache.get());
        Result<SyncSummary> r = s.runRefreshBlocking();
        if (!r)
            return r.error();
        return {};
    }

    // Puts one invoice (with its customer and payment attempts) from the sandbox into this stack's
    // cache, as a sync would, without the demo data around it.
    Status load(const QString &invoiceId)
    {
        const QJsonObject invJson = sandboxForm("GET", QStringLiteral("/v1/invoices/") + invoiceId);
        Result<Invoice> inv = StripeParser::invoice(invJson);
        if (!inv)
            return inv.error();
        Result<Customer> cus = StripeParser::customer(sandboxForm("GET", QStringLiteral("/v1/customers/") + inv->customerId));
        if (!cus)
            return cus.error();
        QList<PaymentAttempt> attempts;
        const QJsonArray pays = sandboxForm("GET", QStringLiteral("/v1/invoice_payments?invoice=") + invoiceId).value(QLatin1String("data")).toArray();
        for (const QJsonValue &v : pays) {
            const QString pi = StripeParser::paymentIntentIdOf(v.toObject());
            Result<PaymentAttempt> a = StripeParser::paymentAttempt(v.toObject(), pi.isEmpty() ? QJsonObject() : sandboxForm("GET", QStringLiteral("/v1/payment_intents/") + pi));
            if (!a)
                return a.error();
            attempts << a.value();
        }
        const Invoice i = inv.value();
        const Customer c = cus.value();
        return cache->thread().runBlocking([i, c, attempts](LocalCache &lc) -> Status {
            if (Status s = lc.upsertCustomers({c}); !s)
                return s;
            if (Status s = lc.upsertInvoices({i}); !s)
                return s;
            return lc.upsertPaymentAttempts(attempts);
        });
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

    template <typename T, typename Call>
    Result<T> wait(Call call, int timeoutMs = 30000)
    {
        std::optional<Result<T>> out;
        QObject ctx;
        call(&ctx, [&](Result<T> r) { out.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs))
            return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
        return *out;
    }

    Result<DunningRunReport> runRules(const QDateTime &now)
    {
        return wait<DunningRunReport>([&](QObject *ctx, auto h) { dunning->run(now, ctx, h); }, 60000);
    }

    template <typename Job>
    auto db(Job job) { return billingDb->thread().runBlocking(job); }

    Result<QList<InvoiceRow>> failedInvoices()
    {
        InvoiceQuery q;
        q.onlyFailedPayments = true;
        q.limit = 10000;
        return wait<QList<InvoiceRow>>([&](QObject *ctx, auto h) { cache->invoices(q, ctx, h); });
    }

    std::optional<InvoiceRow> failedRow(const QString &invoiceId)
    {
        Result<QList<InvoiceRow>> rows = failedInvoices();
        if (!rows)
            return std::nullopt;
        for (const InvoiceRow &r : rows.value())
            if (r.invoice.id == invoiceId)
                return r;
        return std::nullopt;
    }
};

} // namespace Billing::Test
