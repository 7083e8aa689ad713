#include "services/reports/reportsource.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/sync/syncservice.h"
#include "tests/services/paymentmethods/paymentstack.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// Issue 3, payment methods and payments: payment_method.attached / .updated / .detached and
// payment_intent.* events reach the cache through SyncService's incremental refresh (the sandbox's
// routes produce the events, as Stripe would). The expiring-cards report reads what sync stored.
class tst_SyncPaymentEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void attachedUpdatedDetachedFollowTheCustomer();
    void paymentIntentEventsRefreshTheInvoicesAttempts();
    void expiringCardsReportListsWhatSyncStored();

private:
    StripeConfig config() const
    {
        StripeConfig c = paymentSandboxConfig();
        c.maxRetries = 2;
        return c;
    }
    QList<PaymentMethod> cached(const QString &customerId)
    {
        Result<QList<PaymentMethod>> r = m_cache->thread().runBlocking([customerId](LocalCache &c) { return c.paymentMethods(customerId); });
        return r ? *r : QList<PaymentMethod>{};
    }
    static const PaymentMethod *find(const QList<PaymentMethod> &list, const QString &id)
    {
        for (const PaymentMethod &m : list)
            if (m.id == id)
                return &m;
        return nullptr;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<StripeClient> m_client;
    std::unique_ptr<AsyncLocalCache> m_cache;
    std::unique_ptr<SyncService> m_sync;
};

void tst_SyncPaymentEvents::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_client = std::make_unique<StripeClient>(config());
    m_cache = std::make_unique<AsyncLocalCache>(QStringLiteral("sync-payment-events"));
    QVERIFY(m_cache->openBlocking(m_dir.filePath(QStringLiteral("cache.sqlite"))).ok());
    m_sync = std::make_unique<SyncService>(m_client.get(), m_cache.get());
    const auto full = m_sync->runFullSyncBlocking();
    QVERIFY2(full.ok(), qPrintable(full.ok() ? QString() : full.error().detail));
}

void tst_SyncPaymentEvents::attachedUpdatedDetachedFollowTheCustomer()
{
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    QVERIFY(!cus.isEmpty());
    const int before = int(cached(cus).size());

    // attached: a card and a bank account appear under the customer.
    const QString card = attach(QStringLiteral("pm_card_mastercard"), cus);
    const QString bank = attach(QStringLiteral("pm_usBankAccount_success"), cus);
    auto summary = m_sync->runRefreshBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QVERIFY(!summary->full);
    QCOMPARE(summary->upserted.value(QStringLiteral("payment_method")), 2);
    QList<PaymentMethod> now = cached(cus);
    QCOMPARE(now.size(), before + 2);
    QVERIFY(find(now, card));
    QCOMPARE(find(now, card)->brand, QStringLiteral("mastercard"));
    QCOMPARE(find(now, card)->customerId, cus);
    QVERIFY(find(now, bank));
    QCOMPARE(find(now, bank)->type, QStringLiteral("us_bank_account"));
    QCOMPARE(find(now, bank)->bankName, QStringLiteral("STRIPE TEST BANK"));

    // updated: a new expiry.
    const QJsonObject updated = stripeCall("POST", QStringLiteral("/v1/payment_methods/") + card,
                                           {{QStringLiteral("card[exp_month]"), QStringLiteral("2")},
                                            {QStringLiteral("card[exp_year]"), QStringLiteral("2031")}});
    QCOMPARE(updated.value(QLatin1String("card")).toObject().value(QLatin1String("exp_year")).toInt(), 2031);
    summary = m_sync->runRefreshBlocking();
    QVERIFY(summary.ok());
    QCOMPARE(summary->upserted.value(QStringLiteral("payment_method")), 1);
    now = cached(cus);
    QCOMPARE(find(now, card)->expMonth, 2);
    QCOMPARE(find(now, card)->expYear, 2031);

    // detached: gone from the cache (and from the customer).
    stripeCall("POST", QStringLiteral("/v1/payment_methods/%1/detach").arg(card));
    summary = m_sync->runRefreshBlocking();
    QVERIFY(summary.ok());
    QCOMPARE(summary->removed.value(QStringLiteral("payment_method")), 1);
    now = cached(cus);
    QVERIFY(!find(now, card));
    QVERIFY(find(now, bank));
    QCOMPARE(now.size(), before + 1);
}

void tst_SyncPaymentEvents::paymentIntentEventsRefreshTheInvoicesAttempts()
{
    // A new customer subscribes with a card that is declined, then pays with a working one: each
    // payment is a new PaymentIntent with its payment_intent.* event (payment_failed, succeeded).
    QString price;
    for (const QJsonValue &v : stripeList(QStringLiteral("/v1/prices?currency=usd&type=recurring&active=true&limit=100"))) {
        const QJsonObject p = v.toObject();
        if (p.value(QLatin1String("unit_amount")).toInteger() > 0 && p.value(QLatin1String("recurring")).toObject().value(QLatin1String("usage_type")).toString() != QLatin1String("metered")) {
            price = p.value(QLatin1String("id")).toString();
            break;
        }
    }
    QVERIFY(!price.isEmpty());
    const QString cus = newCustomer(QStringLiteral("Payment Events Inc"), QStringLiteral("pay@example.com"));
    const QJsonObject sub = stripeCall("POST", QStringLiteral("/v1/subscriptions"),
                                       {{QStringLiteral("customer"), cus},
                                        {QStringLiteral("items[0][price]"), price},
                                        {QStringLiteral("payment_behavior"), QStringLiteral("allow_incomplete")},
                                        {QStringLiteral("default_payment_method"), QStringLiteral("pm_card_chargeDeclinedInsufficientFunds")}});
    const QString invoice = sub.value(QLatin1String("latest_invoice")).toString();
    QVERIFY2(!invoice.isEmpty(), qPrintable(QString::fromUtf8(QJsonDocument(sub).toJson(QJsonDocument::Compact))));

    auto attempts = [&] {
        Result<QList<PaymentAttempt>> r = m_cache->thread().runBlocking([invoice](LocalCache &c) { return c.paymentAttempts(invoice); });
        return r ? *r : QList<PaymentAttempt>{};
    };
    auto summary = m_sync->runRefreshBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QList<PaymentAttempt> now = attempts();
    QCOMPARE(now.size(), 1);
    QCOMPARE(now.first().intentStatus, QStringLiteral("requires_payment_method"));
    QCOMPARE(now.first().declineCode, QStringLiteral("insufficient_funds"));

    // Paid with a working card: a second intent, succeeded.
    const QJsonObject paid = stripeCall("POST", QStringLiteral("/v1/invoices/%1/pay").arg(invoice),
                                        {{QStringLiteral("payment_method"), QStringLiteral("pm_card_visa")}});
    QCOMPARE(paid.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
    summary = m_sync->runRefreshBlocking();
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : summary.error().detail));
    QVERIFY(summary->upserted.value(QStringLiteral("invoice_payment")) >= 1);
    now = attempts();
    QCOMPARE(now.size(), 2);
    QStringList statuses;
    for (const PaymentAttempt &a : now)
        statuses << a.intentStatus;
    statuses.sort();
    QCOMPARE(statuses, (QStringList{QStringLiteral("requires_payment_method"), QStringLiteral("succeeded")}));
    // The same intents as Stripe's invoice payments.
    const QJsonArray payments = stripeList(QStringLiteral("/v1/invoice_payments?limit=100&invoice=") + invoice);
    QCOMPARE(payments.size(), 2);
    Result<QList<InvoiceRow>> rows = m_cache->thread().runBlocking([invoice](LocalCache &c) {
        InvoiceQuery q;
        q.search = invoice;
        return c.invoices(q);
    });
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), 1);
    QCOMPARE(rows->first().invoice.status, QStringLiteral("paid"));
}

void tst_SyncPaymentEvents::expiringCardsReportListsWhatSyncStored()
{
    // A card moved into next month by an update event, read back through the report.
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    const QString card = attach(QStringLiteral("pm_card_visa"), cus);
    const QDate today = QDateTime::currentDateTimeUtc().date();
    const QDate next = today.addMonths(1);
    stripeCall("POST", QStringLiteral("/v1/payment_methods/") + card,
               {{QStringLiteral("card[exp_month]"), QString::number(next.month())},
                {QStringLiteral("card[exp_year]"), QString::number(next.year())}});
    QVERIFY(m_sync->runRefreshBlocking().ok());

    CacheReadConnection connection;
    QVERIFY(connection.open(m_dir.filePath(QStringLiteral("cache.sqlite"))).ok());
    QString readError; // the report's own failure, checked after each read
    auto ids = [&](std::optional<QDate> to) {
        ReportFilter filter;
        filter.from = today;
        filter.to = to;
        Result<std::unique_ptr<ReportSource>> report = makeReport(ReportKind::ExpiringCards, ReportInputs{connection.database(), {}}, filter);
        QStringList out;
        if (!report) {
            readError = report.error().detail;
            return out;
        }
        const Status read = (*report)->read([&](const ReportRow &row) {
            out << row.at(0).textValue();
            return true;
        });
        if (!read)
            readError = read.error().detail;
        return out;
    };
    const QStringList within60 = ids(today.addDays(60));
    QVERIFY2(readError.isEmpty(), qPrintable(readError));
    QVERIFY(within60.contains(card));
    // Exactly the cards LocalCache::expiringCards gives for the same months.
    Result<QList<PaymentMethod>> direct = m_cache->thread().runBlocking([today](LocalCache &c) { return c.expiringCards(today, today.addDays(60)); });
    QVERIFY(direct.ok());
    QCOMPARE(within60.size(), direct->size());
    for (const PaymentMethod &m : *direct)
        QVERIFY(within60.contains(m.id));
    // Before next month it is not listed (to = the last day of this month).
    const QDate endOfMonth = QDate(today.year(), today.month(), 1).addMonths(1).addDays(-1);
    QVERIFY(!ids(endOfMonth).contains(card));
    QVERIFY2(readError.isEmpty(), qPrintable(readError));
    QCOMPARE(reportKindFromName(u"expiring-cards"), std::optional<ReportKind>(ReportKind::ExpiringCards));
}

QTEST_GUILESS_MAIN(tst_SyncPaymentEvents)
#include "tst_syncpaymentevents.moc"
