// Payment terms: Stripe's rules (Net days, at most 4 custom fields of 40/140 characters, ACH and
// bank-transfer options per currency), the customer defaults in the billing database on SQLite and
// PostgreSQL, and the invoices and subscriptions the console writes with them, against the sandbox.

#include "termsstack.h"
#include "tests/services/storage/billingdbtestsupport.h"
#include "services/terms/paymenttermsrepository.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

Q_DECLARE_METATYPE(Billing::PaymentTerms)

namespace {

Currency cur(const char *code) { return *Currency::fromCode(QString::fromLatin1(code)); }

PaymentTerms net(int days)
{
    PaymentTerms t;
    t.collection = PaymentTerms::Collection::SendInvoice;
    t.daysUntilDue = days;
    return t;
}

} // namespace

class tst_PaymentTerms final : public QObject
{
    Q_OBJECT

    BillingDbFixture m_db;

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void validate_data()
    {
        QTest::addColumn<PaymentTerms>("terms");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("error"); // empty = valid

        QTest::newRow("charge automatically") << PaymentTerms{} << "USD" << "";
        QTest::newRow("net 15") << net(15) << "USD" << "";
        QTest::newRow("net 60") << net(60) << "EUR" << "";
        QTest::newRow("due on receipt") << net(0) << "USD" << "";
        QTest::newRow("366 days") << net(366) << "USD" << "between 0 and 365";
        PaymentTerms po = net(30);
        po.poNumber = QStringLiteral("PO-2026-0042");
        po.extraFields = {{QStringLiteral("Cost centre"), QStringLiteral("R&D")}, {QStringLiteral("Project"), QStringLiteral("Atlas")},
                          {QStringLiteral("Contact"), QStringLiteral("ap@example.com")}};
        QTest::newRow("PO number and three more fields") << po << "USD" << "";
        PaymentTerms five = po;
        five.extraFields << InvoiceCustomField{QStringLiteral("Fifth"), QStringLiteral("x")};
        QTest::newRow("five custom fields") << five << "USD" << "at most 4";
        PaymentTerms longName = net(30);
        longName.extraFields = {{QString(41, QLatin1Char('n')), QStringLiteral("v")}};
        QTest::newRow("field name of 41") << longName << "USD" << "at most 40";
        PaymentTerms name40 = net(30);
        name40.extraFields = {{QString(40, QLatin1Char('n')), QString(140, QLatin1Char('v'))}};
        QTest::newRow("name 40, value 140") << name40 << "USD" << "";
        PaymentTerms longPo = net(30);
        longPo.poNumber = QString(141, QLatin1Char('7'));
        QTest::newRow("PO number of 141") << longPo << "USD" << "at most 140";
        PaymentTerms dup = net(30);
        dup.poNumber = QStringLiteral("1");
        dup.extraFields = {{QStringLiteral("po number"), QStringLiteral("2")}};
        QTest::newRow("PO number twice") << dup << "USD" << "twice";
        PaymentTerms ach = net(30);
        ach.paymentMethodTypes = {QStringLiteral("card"), QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")};
        QTest::newRow("ACH and wire in USD") << ach << "USD" << "";
        QTest::newRow("ACH in EUR") << ach << "EUR" << "only available for USD";
        PaymentTerms wireEur = net(30);
        wireEur.paymentMethodTypes = {QStringLiteral("customer_balance")};
        QTest::newRow("EUR wire without country") << wireEur << "EUR" << "country";
        wireEur.bankTransferCountry = QStringLiteral("DE");
        QTest::newRow("EUR wire to DE") << wireEur << "EUR" << "";
        QTest::newRow("wire in CHF") << wireEur << "CHF" << "not available for CHF";
        PaymentTerms wireAuto;
        wireAuto.paymentMethodTypes = {QStringLiteral("customer_balance")};
        QTest::newRow("wire charged automatically") << wireAuto << "USD" << "Send invoice";
        PaymentTerms unknown = net(30);
        unknown.paymentMethodTypes = {QStringLiteral("bitcoin")};
        QTest::newRow("unknown type") << unknown << "USD" << "bitcoin";
    }

    void validate()
    {
        QFETCH(PaymentTerms, terms);
        QFETCH(QString, currency);
        QFETCH(QString, error);
        const Status st = terms.validate(*Currency::fromCode(currency));
        if (error.isEmpty()) {
            QVERIFY2(st.ok(), qPrintable(st ? QString() : st.error().userMessage));
        } else {
            QVERIFY(!st.ok());
            QCOMPARE(st.error().kind, Error::Kind::Validation);
            QVERIFY2(st.error().userMessage.contains(error, Qt::CaseInsensitive), qPrintable(st.error().userMessage));
        }
    }

    void invoiceParamsFollowStripesShape()
    {
        PaymentTerms t = net(45);
        t.poNumber = QStringLiteral("PO-7781");
        t.memo = QStringLiteral("Annual licence");
        t.footer = QStringLiteral("Wire to IBAN on file");
        t.paymentMethodTypes = {QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")};
        const QJsonObject p = t.invoiceParams(cur("USD"));
        QCOMPARE(p.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
        QCOMPARE(p.value(QLatin1String("days_until_due")).toInt(), 45);
        const QJsonArray fields = p.value(QLatin1String("custom_fields")).toArray();
        QCOMPARE(fields.size(), 1);
        QCOMPARE(fields.first().toObject().value(QLatin1String("name")).toString(), QStringLiteral("PO number"));
        QCOMPARE(fields.first().toObject().value(QLatin1String("value")).toString(), QStringLiteral("PO-7781"));
        QCOMPARE(p.value(QLatin1String("description")).toString(), t.memo);
        QCOMPARE(p.value(QLatin1String("footer")).toString(), t.footer);
        const QJsonObject ps = p.value(QLatin1String("payment_settings")).toObject();
        QCOMPARE(ps.value(QLatin1String("payment_method_types")).toArray(),
                 QJsonArray({QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")}));
        const QJsonObject cb = ps.value(QLatin1String("payment_method_options")).toObject().value(QLatin1String("customer_balance")).toObject();
        QCOMPARE(cb.value(QLatin1String("funding_type")).toString(), QStringLiteral("bank_transfer"));
        QCOMPARE(cb.value(QLatin1String("bank_transfer")).toObject().value(QLatin1String("type")).toString(), QStringLiteral("us_bank_transfer"));
        // Charge automatically: no days_until_due (Stripe refuses it there).
        QVERIFY(!PaymentTerms{}.invoiceParams(cur("USD")).contains(QLatin1String("days_until_due")));
        QVERIFY(!PaymentTerms{}.subscriptionParams(cur("USD")).contains(QLatin1String("days_until_due")));
        // EUR bank transfers carry the country.
        PaymentTerms eu = net(30);
        eu.paymentMethodTypes = {QStringLiteral("customer_balance")};
        eu.bankTransferCountry = QStringLiteral("fr");
        const QJsonObject bt = eu.invoiceParams(cur("EUR")).value(QLatin1String("payment_settings")).toObject()
                                   .value(QLatin1String("payment_method_options")).toObject().value(QLatin1String("customer_balance")).toObject()
                                   .value(QLatin1String("bank_transfer")).toObject();
        QCOMPARE(bt.value(QLatin1String("type")).toString(), QStringLiteral("eu_bank_transfer"));
        QCOMPARE(bt.value(QLatin1String("eu_bank_transfer")).toObject().value(QLatin1String("country")).toString(), QStringLiteral("FR"));
    }

    void jsonRoundTrip()
    {
        PaymentTerms t = net(60);
        t.poNumber = QStringLiteral("A-1");
        t.extraFields = {{QStringLiteral("Dept"), QStringLiteral("Ops")}};
        t.memo = QStringLiteral("m");
        t.footer = QStringLiteral("f");
        t.paymentMethodTypes = {QStringLiteral("card")};
        t.bankTransferCountry = QStringLiteral("NL");
        QCOMPARE(PaymentTerms::fromJson(t.toJson()), t);
    }

    void customerDefaultsPersist_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    void customerDefaultsPersist()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString customer = QStringLiteral("cus_terms_%1").arg(backend);
        auto load = [&] {
            return stack.wait<std::optional<StoredPaymentTerms>>([&](QObject *c, auto h) { stack.terms->customerDefaults(customer, c, h); });
        };
        Result<std::optional<StoredPaymentTerms>> none = load();
        QVERIFY(none);
        QVERIFY(!none->has_value());
        PaymentTerms t = net(30);
        t.poNumber = QStringLiteral("PO-1");
        t.paymentMethodTypes = {QStringLiteral("us_bank_account")};
        Result<void> saved = stack.wait<void>([&](QObject *c, auto h) { stack.terms->saveCustomerDefaults(customer, t, c, h); });
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().detail));
        Result<std::optional<StoredPaymentTerms>> back = load();
        QVERIFY(back && back->has_value());
        QCOMPARE((*back)->terms, t);
        QCOMPARE((*back)->updatedBy, QStringLiteral("fin@example.com"));
        // Replaced, not duplicated; bad terms leave the stored ones untouched.
        PaymentTerms t2 = net(60);
        QVERIFY(stack.wait<void>([&](QObject *c, auto h) { stack.terms->saveCustomerDefaults(customer, t2, c, h); }));
        PaymentTerms bad = net(30);
        bad.extraFields = {{QStringLiteral("a"), QStringLiteral("1")}, {QStringLiteral("b"), QStringLiteral("2")},
                           {QStringLiteral("c"), QStringLiteral("3")}, {QStringLiteral("d"), QStringLiteral("4")},
                           {QStringLiteral("e"), QStringLiteral("5")}};
        Result<void> refused = stack.wait<void>([&](QObject *c, auto h) { stack.terms->saveCustomerDefaults(customer, bad, c, h); });
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, Error::Kind::Validation);
        back = load();
        QCOMPARE((*back)->terms, t2);
        // Audited: two saves, nothing for the refused one.
        AuditQuery q;
        q.targetId = customer;
        q.operation = QStringLiteral("payment_terms.save");
        auto audit = stack.billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        QVERIFY(audit);
        QCOMPARE(audit->size(), 2);
        // Each save also queued the customer's invoice settings for Stripe (audited by the runner).
        q.operation = QStringLiteral("customer.payment_terms");
        q.idempotencyKey.clear();
        auto pushed = stack.billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
        QVERIFY(pushed);
        int requested = 0;
        for (const AuditEntry &e : std::as_const(*pushed))
            requested += e.result == QLatin1String("requested") ? 1 : 0;
        QCOMPARE(requested, 2);
        QCOMPARE(audit->first().operation, QStringLiteral("payment_terms.save"));
        QCOMPARE(audit->first().afterSummary, QStringLiteral("Net 60"));
        QCOMPARE(audit->first().beforeSummary, QStringLiteral("Net 30"));
    }

    void supportMayNotChangeTerms()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("sqlite"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsSupport());
        Result<void> r = stack.wait<void>([&](QObject *c, auto h) { stack.terms->saveCustomerDefaults(QStringLiteral("cus_x"), net(30), c, h); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        const QJsonObject sub = termsFreshSubscription(QStringLiteral("usd"));
        SubscriptionTermsContext ctx;
        ctx.subscriptionId = sub.value(QLatin1String("id")).toString();
        ctx.currency = cur("USD");
        Result<OutboxEntry> q = stack.wait<OutboxEntry>([&](QObject *c, auto h) { stack.terms->applyToSubscription(ctx, net(30), {}, c, h); });
        QVERIFY(!q);
        QCOMPARE(q.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(stack.outboxSize(), 0);
    }

    void invoiceCreatedWithTheCustomersDefaults_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    void invoiceCreatedWithTheCustomersDefaults()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString customer = termsFreshSubscription(QStringLiteral("usd")).value(QLatin1String("customer")).toString();
        QVERIFY(!customer.isEmpty());
        PaymentTerms t = net(45);
        t.poNumber = QStringLiteral("PO-7781");
        t.extraFields = {{QStringLiteral("Cost centre"), QStringLiteral("4410")}};
        t.memo = QStringLiteral("Implementation services");
        t.footer = QStringLiteral("Pay by ACH or wire; quote the PO number.");
        t.paymentMethodTypes = {QStringLiteral("card"), QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")};
        QVERIFY(stack.wait<void>([&](QObject *c, auto h) { stack.terms->saveCustomerDefaults(customer, t, c, h); }));

        Result<OutboxEntry> q = stack.wait<OutboxEntry>([&](QObject *c, auto h) {
            stack.terms->createInvoiceWithDefaults(customer, cur("USD"), {}, {}, c, h);
        });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        const auto done = stack.settled(q->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        const QJsonObject inv = termsSandboxCall("GET", QStringLiteral("/v1/invoices/") + done->resultObjectId);
        QCOMPARE(inv.value(QLatin1String("customer")).toString(), customer);
        QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("draft"));
        QCOMPARE(inv.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
        QCOMPARE(inv.value(QLatin1String("due_date")).toInteger() - inv.value(QLatin1String("created")).toInteger(), 45 * 86400);
        const QJsonArray fields = inv.value(QLatin1String("custom_fields")).toArray();
        QCOMPARE(fields.size(), 2);
        QCOMPARE(fields.at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("PO number"));
        QCOMPARE(fields.at(0).toObject().value(QLatin1String("value")).toString(), QStringLiteral("PO-7781"));
        QCOMPARE(fields.at(1).toObject().value(QLatin1String("value")).toString(), QStringLiteral("4410"));
        QCOMPARE(inv.value(QLatin1String("description")).toString(), t.memo);
        QCOMPARE(inv.value(QLatin1String("footer")).toString(), t.footer);
        const QJsonObject ps = inv.value(QLatin1String("payment_settings")).toObject();
        QCOMPARE(ps.value(QLatin1String("payment_method_types")).toArray().size(), 3);
        QCOMPARE(ps.value(QLatin1String("payment_method_options")).toObject().value(QLatin1String("customer_balance")).toObject()
                     .value(QLatin1String("funding_type")).toString(),
                 QStringLiteral("bank_transfer"));
    }

    void invoiceWithTooManyFieldsIsRefusedWithNothingSent()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("sqlite"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        PaymentTerms t = net(30);
        t.poNumber = QStringLiteral("PO");
        for (int i = 0; i < 4; ++i)
            t.extraFields << InvoiceCustomField{QStringLiteral("F%1").arg(i), QStringLiteral("v")};
        const int applied = termsAppliedCount();
        Result<OutboxEntry> q = stack.wait<OutboxEntry>([&](QObject *c, auto h) {
            stack.terms->createInvoice(QStringLiteral("cus_anyone"), cur("USD"), t, {}, {}, c, h);
        });
        QVERIFY(!q);
        QVERIFY2(q.error().userMessage.contains(QLatin1String("at most 4")), qPrintable(q.error().userMessage));
        QCOMPARE(stack.outboxSize(), 0);
        QCOMPARE(termsAppliedCount(), applied);
    }

    // Finance saves a customer's defaults: the PO number, extra fields and footer reach the Stripe
    // customer's invoice_settings through the outbox, so invoices Stripe makes itself carry them.
    void customerDefaultsReachTheStripeCustomer()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("sqlite"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString customer = termsSandboxCall("POST", QStringLiteral("/v1/customers"),
                                                  QByteArrayLiteral("name=Terms%20Defaults&email=terms-defaults%40example.com"))
                                     .value(QLatin1String("id")).toString();
        QVERIFY(customer.startsWith(QLatin1String("cus_")));
        PaymentTerms t = net(30);
        t.poNumber = QStringLiteral("PO-5521");
        t.extraFields = {{QStringLiteral("Cost centre"), QStringLiteral("7001")}};
        t.footer = QStringLiteral("Quote the PO number on your remittance.");
        std::optional<Result<OutboxEntry>> queued;
        Result<void> saved = stack.wait<void>([&](QObject *c, auto h) {
            stack.terms->saveCustomerDefaults(customer, t, c, h, [&](Result<OutboxEntry> e) { queued = e; });
        });
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().detail));
        QVERIFY(queued && *queued);
        QCOMPARE((*queued)->path, QStringLiteral("/v1/customers/") + customer);
        std::optional<OutboxEntry> done = stack.settled((*queued)->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        const QJsonObject settingsOnStripe = termsSandboxCall("GET", QStringLiteral("/v1/customers/") + customer)
                                                 .value(QLatin1String("invoice_settings")).toObject();
        const QJsonArray fields = settingsOnStripe.value(QLatin1String("custom_fields")).toArray();
        QCOMPARE(fields.size(), 2);
        QCOMPARE(fields.at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("PO number"));
        QCOMPARE(fields.at(0).toObject().value(QLatin1String("value")).toString(), QStringLiteral("PO-5521"));
        QCOMPARE(fields.at(1).toObject().value(QLatin1String("name")).toString(), QStringLiteral("Cost centre"));
        QCOMPARE(fields.at(1).toObject().value(QLatin1String("value")).toString(), QStringLiteral("7001"));
        QCOMPARE(settingsOnStripe.value(QLatin1String("footer")).toString(), t.footer);

        // An invoice created for the customer without fields of its own (as Stripe's renewals are)
        // carries them.
        const QJsonObject inv = termsSandboxCall(
            "POST", QStringLiteral("/v1/invoices"),
            (QStringLiteral("customer=") + customer + QStringLiteral("&currency=usd&collection_method=send_invoice&days_until_due=30")).toUtf8());
        QCOMPARE(inv.value(QLatin1String("custom_fields")).toArray(), fields);
        QCOMPARE(inv.value(QLatin1String("footer")).toString(), t.footer);

        // Saving defaults without PO number, fields or footer clears them on Stripe.
        queued.reset();
        QVERIFY(stack.wait<void>([&](QObject *c, auto h) {
            stack.terms->saveCustomerDefaults(customer, net(15), c, h, [&](Result<OutboxEntry> e) { queued = e; });
        }));
        QVERIFY(queued && *queued);
        done = stack.settled((*queued)->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        const QJsonObject clearedSettings = termsSandboxCall("GET", QStringLiteral("/v1/customers/") + customer)
                                                .value(QLatin1String("invoice_settings")).toObject();
        QVERIFY(clearedSettings.value(QLatin1String("custom_fields")).isNull());
        QVERIFY(clearedSettings.value(QLatin1String("footer")).isNull());
    }

    // Subscription-level terms with payment method types: payment_settings on the subscription update.
    void subscriptionTermsSetPaymentMethodTypes()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("sqlite"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString customer = termsSandboxCall("POST", QStringLiteral("/v1/customers"),
                                                  QByteArrayLiteral("name=Terms%20Types&email=terms-types%40example.com"))
                                     .value(QLatin1String("id")).toString();
        const QString price = termsSandboxCall("GET", QStringLiteral("/v1/prices?lookup_keys[]=starter_monthly_usd"))
                                  .value(QLatin1String("data")).toArray().first().toObject().value(QLatin1String("id")).toString();
        QVERIFY(!customer.isEmpty() && !price.isEmpty());
        const QString subId = termsSandboxCall("POST", QStringLiteral("/v1/subscriptions"),
                                               (QStringLiteral("customer=") + customer + QStringLiteral("&items[0][price]=") + price
                                                + QStringLiteral("&default_payment_method=pm_card_visa")).toUtf8())
                                  .value(QLatin1String("id")).toString();
        QVERIFY(subId.startsWith(QLatin1String("sub_")));
        Result<SubscriptionTermsContext> ctx = stack.wait<SubscriptionTermsContext>([&](QObject *c, auto h) { stack.terms->loadSubscription(subId, c, h); });
        QVERIFY2(ctx, qPrintable(ctx ? QString() : ctx.error().userMessage));
        PaymentTerms t = net(30);
        t.paymentMethodTypes = {QStringLiteral("card"), QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")};
        Result<OutboxEntry> q = stack.wait<OutboxEntry>([&](QObject *c, auto h) { stack.terms->applyToSubscription(*ctx, t, {}, c, h); });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        QVERIFY(q->params.contains(QLatin1String("payment_settings")));
        std::optional<OutboxEntry> done = stack.settled(q->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        const QJsonObject s = termsSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
        QCOMPARE(s.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
        const QJsonObject ps = s.value(QLatin1String("payment_settings")).toObject();
        QCOMPARE(ps.value(QLatin1String("payment_method_types")).toArray(),
                 (QJsonArray{QStringLiteral("card"), QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")}));
        QCOMPARE(ps.value(QLatin1String("payment_method_options")).toObject().value(QLatin1String("customer_balance")).toObject()
                     .value(QLatin1String("bank_transfer")).toObject().value(QLatin1String("type")).toString(),
                 QStringLiteral("us_bank_transfer"));
    }

    void subscriptionMovesToNetTermsAndBack()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("postgres"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsFinance());
        QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
        const QString subId = termsFreshSubscription(QStringLiteral("eur")).value(QLatin1String("id")).toString();
        Result<SubscriptionTermsContext> ctx = stack.wait<SubscriptionTermsContext>([&](QObject *c, auto h) { stack.terms->loadSubscription(subId, c, h); });
        QVERIFY2(ctx, qPrintable(ctx ? QString() : ctx.error().userMessage));
        QCOMPARE(ctx->currency.code(), QStringLiteral("EUR"));
        QVERIFY(!ctx->current.isSendInvoice());
        Result<OutboxEntry> q = stack.wait<OutboxEntry>([&](QObject *c, auto h) { stack.terms->applyToSubscription(*ctx, net(30), {}, c, h); });
        QVERIFY2(q, qPrintable(q ? QString() : q.error().userMessage));
        QCOMPARE(stack.settled(q->id)->state, OutboxState::Succeeded);
        QJsonObject s = termsSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
        QCOMPARE(s.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
        QCOMPARE(s.value(QLatin1String("days_until_due")).toInt(), 30);
        // And back: days_until_due is not sent with charge_automatically.
        ctx = stack.wait<SubscriptionTermsContext>([&](QObject *c, auto h) { stack.terms->loadSubscription(subId, c, h); });
        QVERIFY(ctx->current.isSendInvoice());
        QCOMPARE(ctx->current.daysUntilDue, 30);
        q = stack.wait<OutboxEntry>([&](QObject *c, auto h) { stack.terms->applyToSubscription(*ctx, PaymentTerms{}, {}, c, h); });
        QVERIFY(q);
        QVERIFY(!q->params.contains(QLatin1String("days_until_due")));
        QCOMPARE(stack.settled(q->id)->state, OutboxState::Succeeded);
        s = termsSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
        QCOMPARE(s.value(QLatin1String("collection_method")).toString(), QStringLiteral("charge_automatically"));
    }
};

QTEST_GUILESS_MAIN(tst_PaymentTerms)
#include "tst_paymentterms.moc"
