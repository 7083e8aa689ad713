#include "services/invoices/portalsessionservice.h"
#include "tests/services/invoices/invoicestack.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// Customer portal sessions against the sandbox: the link works, the flow is what was asked, the
// audit row exists and never holds the link.
class tst_PortalSessionService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void validation_data();
    void validation();
    void createsSessionPerFlow_data();
    void createsSessionPerFlow();
    void returnUrlFromWorkspaceSetting();
    void unknownCustomerIsReported();

private:
    Result<PortalSession> create(InvoiceStack &stack, const PortalSessionRequest &req)
    {
        return InvoiceStack::wait<PortalSession>([&](QObject *ctx, std::function<void(Result<PortalSession>)> h) {
            stack.portal->create(req, ctx, std::move(h));
        });
    }
    QTemporaryDir m_dir;
    QString m_customer;
    QString m_subscription;
};

void tst_PortalSessionService::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    const QJsonArray subs = invoiceSandboxCall("GET", QStringLiteral("/v1/subscriptions?status=active&limit=1"))
                                .value(QLatin1String("data")).toArray();
    QVERIFY(!subs.isEmpty());
    m_subscription = subs.first().toObject().value(QLatin1String("id")).toString();
    m_customer = subs.first().toObject().value(QLatin1String("customer")).toString();
    QVERIFY(m_customer.startsWith(QLatin1String("cus_")));
}

void tst_PortalSessionService::validation_data()
{
    QTest::addColumn<QString>("customer");
    QTest::addColumn<int>("flow");
    QTest::addColumn<QString>("subscription");
    QTest::addColumn<QString>("returnUrl");
    QTest::addColumn<bool>("valid");
    QTest::newRow("home") << "cus_1" << int(PortalFlow::Home) << "" << "" << true;
    QTest::newRow("no customer") << "" << int(PortalFlow::Home) << "" << "" << false;
    QTest::newRow("not a customer id") << "sub_1" << int(PortalFlow::Home) << "" << "" << false;
    QTest::newRow("cancel without subscription") << "cus_1" << int(PortalFlow::SubscriptionCancel) << "" << "" << false;
    QTest::newRow("cancel with subscription") << "cus_1" << int(PortalFlow::SubscriptionCancel) << "sub_1" << "" << true;
    QTest::newRow("bad return url") << "cus_1" << int(PortalFlow::Home) << "" << "javascript:alert(1)" << false;
    QTest::newRow("good return url") << "cus_1" << int(PortalFlow::PaymentMethodUpdate) << "" << "https://shop.example/acct" << true;
}

void tst_PortalSessionService::validation()
{
    QFETCH(QString, customer);
    QFETCH(int, flow);
    QFETCH(QString, subscription);
    QFETCH(QString, returnUrl);
    QFETCH(bool, valid);
    PortalSessionRequest r{customer, PortalFlow(flow), subscription, returnUrl, {}};
    const Status st = PortalSessionService::validate(r);
    QCOMPARE(st.ok(), valid);
    if (!valid)
        QCOMPARE(st.error().kind, Error::Kind::Validation);
}

void tst_PortalSessionService::createsSessionPerFlow_data()
{
    QTest::addColumn<int>("flow");
    QTest::addColumn<QString>("flowType");
    QTest::newRow("home") << int(PortalFlow::Home) << QString();
    QTest::newRow("payment method") << int(PortalFlow::PaymentMethodUpdate) << "payment_method_update";
    QTest::newRow("cancel") << int(PortalFlow::SubscriptionCancel) << "subscription_cancel";
}

void tst_PortalSessionService::createsSessionPerFlow()
{
    QFETCH(int, flow);
    QFETCH(QString, flowType);
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const int auditBefore = stack.audit(m_customer).size();
    PortalSessionRequest req;
    req.customerId = m_customer;
    req.flow = PortalFlow(flow);
    req.subscriptionId = m_subscription;
    Result<PortalSession> s = create(stack, req);
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().detail));
    QVERIFY(s->id.startsWith(QLatin1String("bps_")));
    QCOMPARE(s->customerId, m_customer);
    QCOMPARE(s->returnUrl.toString(), QString::fromLatin1(PortalSessionService::kDefaultReturnUrl));

    // The link opens the sandbox's hosted portal page without the API key.
    QNetworkAccessManager nam;
    QNetworkReply *reply = nam.get(QNetworkRequest(s->url));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QString page = QString::fromUtf8(reply->readAll());
    if (req.flow == PortalFlow::SubscriptionCancel)
        QVERIFY2(page.contains(m_subscription), qPrintable(page));
    else if (req.flow == PortalFlow::PaymentMethodUpdate)
        QVERIFY2(page.contains(QStringLiteral("payment method")), qPrintable(page));
    delete reply;

    // One audit row, with the flow, without the link.
    QList<AuditEntry> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = stack.audit(m_customer)).size() == auditBefore + 1, 10000);
    const AuditEntry &row = rows.first(); // newest first
    QCOMPARE(row.operation, QStringLiteral("portal_session.create"));
    QCOMPARE(row.actor, QStringLiteral("fin@example.com"));
    QCOMPARE(row.result, QStringLiteral("ok"));
    QVERIFY(row.paramsJson.contains(s->id));
    QVERIFY(row.paramsJson.contains(flow == int(PortalFlow::Home) ? QStringLiteral("home") : flowType));
    QVERIFY2(!row.paramsJson.contains(s->url.path()) && !row.afterSummary.contains(s->url.path()), "the link is a secret");
}

void tst_PortalSessionService::returnUrlFromWorkspaceSetting()
{
    QTemporaryDir dir;
    InvoiceStack stack(dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString url = QStringLiteral("https://billing.acme.example/account?from=portal");
    Result<qint64> set = stack.billingDb->thread().runBlocking([url](BillingDatabase &db) {
        return db.setSetting(QString::fromLatin1(PortalSessionService::kReturnUrlSetting), url, 0, QStringLiteral("test"));
    });
    QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().detail));
    std::optional<Status> loaded;
    QObject ctx;
    stack.portal->loadReturnUrl(&ctx, [&](Status st) { loaded = st; });
    QTRY_VERIFY(loaded.has_value());
    QVERIFY(loaded->ok());
    QCOMPARE(stack.portal->returnUrl(), url);
    PortalSessionRequest req;
    req.customerId = m_customer;
    Result<PortalSession> s = create(stack, req);
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().detail));
    QCOMPARE(s->returnUrl.toString(), url);
    QVERIFY(!stack.portal->setReturnUrl(QStringLiteral("ftp://x")).ok());
}

void tst_PortalSessionService::unknownCustomerIsReported()
{
    QTemporaryDir dir;
    InvoiceStack stack(dir.path(), invoiceFinanceActor());
    PortalSessionRequest req;
    req.customerId = QStringLiteral("cus_doesnotexist00");
    Result<PortalSession> s = create(stack, req);
    QVERIFY(!s.ok());
    QCOMPARE(s.error().kind, Error::Kind::NotFound);
    QVERIFY(!s.error().userMessage.isEmpty());
    QCOMPARE(stack.audit(req.customerId).size(), 0);
}

QTEST_GUILESS_MAIN(tst_PortalSessionService)
#include "tst_portalsessionservice.moc"
