#include "services/paymentmethods/paymentmethodservice.h"
#include "tests/services/paymentmethods/paymentstack.h"

#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// Payment methods through the whole stack (PaymentMethodService -> OperationRunner -> outbox ->
// Stripe sandbox), checked against the sandbox's own records.
class tst_PaymentMethodService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void listsCardsBankAccountsDefaultsAndSubscriptionsIntoTheCache();
    void listReadsEveryPage();
    void setCustomerDefaultGoesThroughTheOutboxAndIsAudited();
    void setSubscriptionDefault();
    void detachOfTheOnlyMethodOnAnActiveSubscriptionWarnsFirst();
    void detachOfAnUnusedMethodNeedsNoWarning();
    void readOnlyStaffIsRefusedAndNothingIsSent();
    void checkoutSetupLinkIsASetupModeSession();
    void labelsInPlainWords_data();
    void labelsInPlainWords();
};

void tst_PaymentMethodService::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
}

void tst_PaymentMethodService::listsCardsBankAccountsDefaultsAndSubscriptionsIntoTheCache()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QJsonObject customer = demoCustomerWithSubscription();
    const QString cus = customer.value(QLatin1String("id")).toString();
    QVERIFY(!cus.isEmpty());
    const QString bank = attach(QStringLiteral("pm_usBankAccount_success"), cus);
    QVERIFY(bank.startsWith(QLatin1String("pm_")));

    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY2(view.ok(), qPrintable(view.ok() ? QString() : view.error().detail));
    // Every method the sandbox lists, with its details.
    const QJsonArray listed = stripeList(QStringLiteral("/v1/customers/%1/payment_methods?limit=100").arg(cus));
    QCOMPARE(view->methods.size(), listed.size());
    QVERIFY(listed.size() >= 2);
    for (const QJsonValue &v : listed) {
        const QJsonObject pm = v.toObject();
        const PaymentMethod *m = view->method(pm.value(QLatin1String("id")).toString());
        QVERIFY(m);
        QCOMPARE(m->type, pm.value(QLatin1String("type")).toString());
        if (m->type == QLatin1String("card")) {
            const QJsonObject card = pm.value(QLatin1String("card")).toObject();
            QCOMPARE(m->brand, card.value(QLatin1String("brand")).toString());
            QCOMPARE(m->last4, card.value(QLatin1String("last4")).toString());
            QCOMPARE(m->expMonth, card.value(QLatin1String("exp_month")).toInt());
            QCOMPARE(m->expYear, card.value(QLatin1String("exp_year")).toInt());
        }
    }
    const PaymentMethod *b = view->method(bank);
    QVERIFY(b);
    QCOMPARE(b->type, QStringLiteral("us_bank_account"));
    QCOMPARE(b->bankName, QStringLiteral("STRIPE TEST BANK"));
    QCOMPARE(b->last4, QStringLiteral("6789"));
    QCOMPARE(paymentMethodLabel(*b), QStringLiteral("STRIPE TEST BANK \u2022\u2022\u2022\u2022 6789 (bank account)"));
    // Defaults: the customer's and the subscription's.
    QCOMPARE(view->defaultPaymentMethod,
             customer.value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).toString());
    const QJsonArray subs = stripeList(QStringLiteral("/v1/subscriptions?customer=") + cus);
    QCOMPARE(view->subscriptions.size(), subs.size());
    QCOMPARE(view->subscriptions.first().id, subs.first().toObject().value(QLatin1String("id")).toString());
    // The subscription's own default_payment_method if it has one, else the customer's.
    const QString subDefault = subs.first().toObject().value(QLatin1String("default_payment_method")).toString();
    QCOMPARE(view->subscriptions.first().defaultPaymentMethod, subDefault);
    QCOMPARE(view->effectiveMethodOf(view->subscriptions.first()), subDefault.isEmpty() ? view->defaultPaymentMethod : subDefault);

    // The cache now holds exactly these methods.
    Result<QList<PaymentMethod>> cached = waitFor<QList<PaymentMethod>>(
        [&](QObject *ctx, auto done) { stack.methods->cached(cus, ctx, done); });
    QVERIFY(cached.ok());
    QSet<QString> ids;
    for (const PaymentMethod &m : *cached)
        ids.insert(m.id);
    QCOMPARE(ids.size(), int(listed.size()));
    QVERIFY(ids.contains(bank));
}

void tst_PaymentMethodService::listReadsEveryPage()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = newCustomer(QStringLiteral("Many Cards Ltd"));
    QVERIFY(!cus.isEmpty());
    QSet<QString> attached;
    for (int i = 0; i < 103; ++i)
        attached.insert(attach(QStringLiteral("pm_card_visa"), cus));
    QCOMPARE(attached.size(), 103);
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    QCOMPARE(view->methods.size(), 103);
    QSet<QString> got;
    for (const PaymentMethod &m : view->methods)
        got.insert(m.id);
    QCOMPARE(got, attached);
    QVERIFY(view->subscriptions.isEmpty());
    QVERIFY(view->detachWarning(*attached.cbegin()).isEmpty());
}

void tst_PaymentMethodService::setCustomerDefaultGoesThroughTheOutboxAndIsAudited()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    const QString second = attach(QStringLiteral("pm_card_mastercard"), cus);
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    QVERIFY(view->defaultPaymentMethod != second);

    QSignalSpy done(stack.methods.get(), &PaymentMethodService::operationDone);
    const QString opId = PaymentMethodService::newSessionOpId(cus);
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->setCustomerDefault(*view, second, opId, ctx, cb);
    });
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    // The same dialog session again: the same entry.
    Result<OutboxEntry> again = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->setCustomerDefault(*view, second, opId, ctx, cb);
    });
    QVERIFY(again.ok());
    QCOMPARE(again->id, e->id);
    const auto settled = stack.settled(e->id);
    QVERIFY(settled);
    QCOMPARE(settled->state, OutboxState::Succeeded);
    QTRY_VERIFY(!done.isEmpty());
    QCOMPARE(done.last().at(1).toString(), cus);

    const QJsonObject after = stripeCall("GET", QStringLiteral("/v1/customers/") + cus);
    QCOMPARE(after.value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).toString(),
             second);
    QCOMPARE(appliedCount(e->idempotencyKey), 1);
    // The cache's customer follows.
    Result<Customer> cached = stack.cache->thread().runBlocking([cus](LocalCache &c) { return c.customer(cus); });
    QVERIFY(cached.ok());
    QCOMPARE(cached->defaultPaymentMethod, second);
    // Audited: requested + result, by the support agent.
    const QList<AuditEntry> audit = stack.audit(cus);
    QVERIFY(audit.size() >= 2);
    QCOMPARE(audit.first().actor, staff(StaffRole::Support).tag());
    QCOMPARE(audit.first().operation, QString::fromLatin1(PaymentMethodService::SetCustomerDefaultOp));

    // Already the default: refused in plain words, nothing queued.
    Result<PaymentMethodsView> now = stack.load(cus);
    const int before = stack.outboxCount();
    Result<OutboxEntry> same = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->setCustomerDefault(*now, second, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY(!same.ok());
    QCOMPARE(same.error().kind, Error::Kind::Validation);
    QCOMPARE(stack.outboxCount(), before);
}

void tst_PaymentMethodService::setSubscriptionDefault()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Finance));
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    const QString backup = attach(QStringLiteral("pm_card_amex"), cus);
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    const QString sub = view->subscriptions.first().id;
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->setSubscriptionDefault(*view, sub, backup, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    QCOMPARE(e->path, QStringLiteral("/v1/subscriptions/") + sub);
    QCOMPARE(stack.settled(e->id)->state, OutboxState::Succeeded);
    QCOMPARE(stripeCall("GET", QStringLiteral("/v1/subscriptions/") + sub).value(QLatin1String("default_payment_method")).toString(),
             backup);
    Result<PaymentMethodsView> reloaded = stack.load(cus);
    QCOMPARE(reloaded->subscriptionsUsing(backup), QStringList{sub});
    QCOMPARE(reloaded->effectiveMethodOf(reloaded->subscriptions.first()), backup);
    // The backup now carries an active subscription: detaching it warns.
    QVERIFY(!reloaded->detachWarning(backup).isEmpty());
    // A method of another customer is refused before anything is queued.
    Result<OutboxOperation> foreign = PaymentMethodService::setSubscriptionDefaultOperation(*reloaded, sub, QStringLiteral("pm_not_theirs"));
    QVERIFY(!foreign.ok());
    QCOMPARE(foreign.error().kind, Error::Kind::Validation);
}

void tst_PaymentMethodService::detachOfTheOnlyMethodOnAnActiveSubscriptionWarnsFirst()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QJsonObject customer = demoCustomerWithSubscription(1);
    const QString cus = customer.value(QLatin1String("id")).toString();
    QVERIFY2(!cus.isEmpty(), "no demo customer with one card and one active USD subscription");
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    QCOMPARE(view->methods.size(), 1);
    const QString only = view->methods.first().id;
    const QString warning = view->detachWarning(only);
    QVERIFY(warning.contains(QLatin1String("only payment method")));
    QVERIFY(warning.contains(view->subscriptions.first().id));

    // Not accepted: refused with the warning, nothing queued, nothing sent.
    const int before = stack.outboxCount();
    Result<OutboxEntry> refused = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->detach(*view, only, false, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Validation);
    QCOMPARE(refused.error().userMessage, warning);
    QCOMPARE(stack.outboxCount(), before);
    QCOMPARE(stripeCall("GET", QStringLiteral("/v1/payment_methods/") + only).value(QLatin1String("customer")).toString(), cus);

    // Accepted: detached at Stripe, gone from the cache, the customer's default cleared by Stripe.
    QSignalSpy done(stack.methods.get(), &PaymentMethodService::operationDone);
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->detach(*view, only, true, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    QCOMPARE(stack.settled(e->id)->state, OutboxState::Succeeded);
    QTRY_VERIFY(!done.isEmpty());
    QVERIFY(stripeCall("GET", QStringLiteral("/v1/payment_methods/") + only).value(QLatin1String("customer")).isNull());
    Result<QList<PaymentMethod>> cached = waitFor<QList<PaymentMethod>>(
        [&](QObject *ctx, auto cb) { stack.methods->cached(cus, ctx, cb); });
    QVERIFY(cached.ok());
    QVERIFY(cached->isEmpty());
    QVERIFY(stripeCall("GET", QStringLiteral("/v1/customers/") + cus)
                .value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).isNull());
    // The audit row carries the accepted warning.
    bool found = false;
    for (const AuditEntry &a : stack.audit(cus))
        found = found || (a.operation == QLatin1String(PaymentMethodService::DetachOp) && a.afterSummary.contains(QLatin1String("warning accepted")));
    QVERIFY(found);
}

void tst_PaymentMethodService::detachOfAnUnusedMethodNeedsNoWarning()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    const QString spare = attach(QStringLiteral("pm_card_discover"), cus);
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    QVERIFY(view->detachWarning(spare).isEmpty());
    // The default that the active subscription falls back to does warn.
    QVERIFY(!view->detachWarning(view->defaultPaymentMethod).isEmpty());
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->detach(*view, spare, false, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY(e.ok());
    QCOMPARE(stack.settled(e->id)->state, OutboxState::Succeeded);
    const QJsonArray left = stripeList(QStringLiteral("/v1/customers/%1/payment_methods").arg(cus));
    for (const QJsonValue &v : left)
        QVERIFY(v.toObject().value(QLatin1String("id")).toString() != spare);
}

void tst_PaymentMethodService::readOnlyStaffIsRefusedAndNothingIsSent()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::ReadOnly));
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    const QString extra = attach(QStringLiteral("pm_card_visa"), cus);
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) {
        stack.methods->setCustomerDefault(*view, extra, PaymentMethodService::newSessionOpId(cus), ctx, cb);
    });
    QVERIFY(!e.ok());
    QCOMPARE(e.error().kind, Error::Kind::Unauthorized);
    QCOMPARE(stack.outboxCount(), 0);
    QVERIFY(stripeCall("GET", QStringLiteral("/v1/customers/") + cus)
                .value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).toString()
            != extra);
    // The refusal is audited.
    QVERIFY(!stack.audit(cus).isEmpty());
    QVERIFY(stack.audit(cus).first().result.startsWith(QLatin1String("refused")));
}

void tst_PaymentMethodService::checkoutSetupLinkIsASetupModeSession()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = demoCustomerWithSubscription().value(QLatin1String("id")).toString();
    Result<PaymentMethodsView> view = stack.load(cus);
    QVERIFY(view.ok());
    QCOMPARE(view->currency, QStringLiteral("usd"));
    Result<SetupLink> link = waitFor<SetupLink>([&](QObject *ctx, auto cb) {
        stack.methods->createSetupLink(*view, {}, PaymentMethodService::defaultReturnUrl(), {}, ctx, cb);
    });
    QVERIFY2(link.ok(), qPrintable(link.ok() ? QString() : link.error().detail));
    QVERIFY(link->sessionId.startsWith(QLatin1String("cs_")));
    QVERIFY(link->url.isValid());
    QVERIFY(link->url.toString().contains(link->sessionId));
    QVERIFY(link->expiresAt > QDateTime::currentDateTimeUtc());
    const QJsonObject session = stripeCall("GET", QStringLiteral("/v1/checkout/sessions/") + link->sessionId);
    QCOMPARE(session.value(QLatin1String("mode")).toString(), QStringLiteral("setup"));
    QCOMPARE(session.value(QLatin1String("customer")).toString(), cus);
    QCOMPARE(session.value(QLatin1String("currency")).toString(), QStringLiteral("usd"));
    QCOMPARE(session.value(QLatin1String("status")).toString(), QStringLiteral("open"));
    const QJsonArray types = session.value(QLatin1String("payment_method_types")).toArray();
    QVERIFY(types.contains(QStringLiteral("card")));
    QVERIFY(types.contains(QStringLiteral("us_bank_account")));
    // Not an https return page: refused before anything is queued.
    const int before = stack.outboxCount();
    Result<SetupLink> bad = waitFor<SetupLink>([&](QObject *ctx, auto cb) {
        stack.methods->createSetupLink(*view, {}, QUrl(QStringLiteral("ftp://example.com")), {}, ctx, cb);
    });
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().kind, Error::Kind::Validation);
    QCOMPARE(stack.outboxCount(), before);
}

void tst_PaymentMethodService::labelsInPlainWords_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("brand");
    QTest::addColumn<QString>("bank");
    QTest::addColumn<int>("month");
    QTest::addColumn<int>("year");
    QTest::addColumn<QString>("label");
    const QString dots = QStringLiteral("\u2022\u2022\u2022\u2022 1234");
    QTest::newRow("visa") << "card" << "visa" << "" << 4 << 2027 << QStringLiteral("Visa %1, expires 04/2027").arg(dots);
    QTest::newRow("amex") << "card" << "amex" << "" << 12 << 2030 << QStringLiteral("American Express %1, expires 12/2030").arg(dots);
    QTest::newRow("no expiry") << "card" << "jcb" << "" << 0 << 0 << QStringLiteral("JCB %1").arg(dots);
    QTest::newRow("bank") << "us_bank_account" << "" << "Chase" << 0 << 0 << QStringLiteral("Chase %1 (bank account)").arg(dots);
    QTest::newRow("sepa") << "sepa_debit" << "" << "" << 0 << 0 << QStringLiteral("SEPA Direct Debit %1").arg(dots);
}

void tst_PaymentMethodService::labelsInPlainWords()
{
    QFETCH(QString, type);
    QFETCH(QString, brand);
    QFETCH(QString, bank);
    QFETCH(int, month);
    QFETCH(int, year);
    QFETCH(QString, label);
    PaymentMethod m;
    m.type = type;
    m.brand = brand;
    m.bankName = bank;
    m.last4 = QStringLiteral("1234");
    m.expMonth = month;
    m.expYear = year;
    QCOMPARE(paymentMethodLabel(m), label);
}

QTEST_GUILESS_MAIN(tst_PaymentMethodService)
#include "tst_paymentmethodservice.moc"
