// Custom (enterprise) pricing: input checks (bad input saves nothing), the approval rule, the
// deal repository on SQLite and PostgreSQL (a second decision is a conflict), and the full path
// against the sandbox: a support request waits, finance approves, the phase prices are created
// through the OperationRunner (audit + outbox) and the subscription gets a ramp schedule.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/pricing/customdealrepository.h"
#include "services/pricing/custompricingservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/services/pricing/stripecall.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Billing;
using namespace Billing::Test;

namespace {

Actor staff(qint64 id, const char *email, StaffRole role)
{
    return Actor{id, QString::fromLatin1(email), QString::fromLatin1(email).section(QLatin1Char('@'), 0, 0), role};
}

Customer customer(const QString &id, const QString &currency)
{
    Customer c;
    c.id = id;
    c.name = QStringLiteral("Globex Corporation");
    c.currency = currency;
    return c;
}

CustomPricingService::DealInput usdDeal(const QStringList &amounts, const QString &currency = QStringLiteral("usd"))
{
    CustomPricingService::DealInput in;
    in.customer = customer(QStringLiteral("cus_globex"), QStringLiteral("usd"));
    in.currency = currency;
    in.productId = QStringLiteral("prod_seats");
    in.listPriceId = QStringLiteral("price_list");
    in.listUnitAmountMinor = 5000; // $50.00 list
    in.quantity = 40;
    for (const QString &a : amounts)
        in.phases << CustomPricingService::PhaseInput{12, a};
    return in;
}

} // namespace

class tst_CustomPricingService final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { m_fixture.dropSchemas(); }
    void prepareRefusesBadInput_data();
    void prepareRefusesBadInput();
    void prepareWorksOutTheDeepestDiscount();
    void approvalRule_data();
    void approvalRule();
    void repositoryKeepsDealsAndOneDecision_data();
    void repositoryKeepsDealsAndOneDecision();
    void supportRequestWaitsFinanceApprovesAndRampIsSent();
    void withinTheLimitFinanceSendsAtOnce();
    void requesterCannotApproveOwnDealAndReadOnlyCannotAsk();

private:
    struct Stack
    {
        std::unique_ptr<StripeClient> client;
        std::unique_ptr<AsyncBillingDatabase> billingDb;
        std::unique_ptr<AsyncLocalCache> cache;
        std::unique_ptr<OutboxService> outbox;
        std::unique_ptr<OperationRunner> runner;
        std::unique_ptr<CustomPricingService> service;
    };
    std::unique_ptr<Stack> makeStack(const Actor &actor);
    Result<CustomDeal> wait(std::function<void(QObject *, std::function<void(Result<CustomDeal>)>)> call);
    std::optional<CustomDeal> waitForStatus(Stack &s, qint64 id, CustomDeal::Status status);

    BillingDbFixture m_fixture;
    QTemporaryDir m_dir;
    std::unique_ptr<StripeClient> m_setup;
    QString m_productId;
    QString m_subscriptionId;
    QString m_customerId;
    QString m_currency;
    int m_stacks = 0;
};

void tst_CustomPricingService::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set (SANDBOX fixture)");
    m_setup = std::make_unique<StripeClient>(pricingSandboxConfig());
    const auto product = stripeCall(*m_setup, QStringLiteral("POST"), QStringLiteral("/v1/products"),
                                    FormValue::object({{QStringLiteral("name"), "Enterprise seats"}}));
    QVERIFY(product.ok());
    m_productId = product->value(QLatin1String("id")).toString();
    FormParams q = FormValue::object({{QStringLiteral("status"), "active"}, {QStringLiteral("limit"), FormValue(qint64(20))}});
    const auto subs = stripeCall(*m_setup, QStringLiteral("GET"), QStringLiteral("/v1/subscriptions"), q);
    QVERIFY(subs.ok());
    for (const QJsonValue &v : subs->value(QLatin1String("data")).toArray()) {
        const QJsonObject s = v.toObject();
        if (!s.value(QLatin1String("schedule")).toString().isEmpty())
            continue;
        m_subscriptionId = s.value(QLatin1String("id")).toString();
        m_customerId = s.value(QLatin1String("customer")).toString();
        m_currency = s.value(QLatin1String("currency")).toString();
        break;
    }
    QVERIFY(!m_subscriptionId.isEmpty());
}

std::unique_ptr<tst_CustomPricingService::Stack> tst_CustomPricingService::makeStack(const Actor &actor)
{
    auto s = std::make_unique<Stack>();
    const QString dir = m_dir.filePath(QStringLiteral("stack-%1").arg(++m_stacks));
    QDir().mkpath(dir);
    s->client = std::make_unique<StripeClient>(pricingSandboxConfig());
    s->billingDb = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(dir + QStringLiteral("/billing.sqlite")));
    if (!s->billingDb->openBlocking())
        return nullptr;
    s->cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-pricing-%1").arg(m_stacks));
    if (!s->cache->openBlocking(dir + QStringLiteral("/cache.sqlite")))
        return nullptr;
    s->outbox = std::make_unique<OutboxService>(dir + QStringLiteral("/outbox.sqlite"), s->client.get());
    if (!s->outbox->openBlocking())
        return nullptr;
    s->runner = std::make_unique<OperationRunner>(s->outbox.get(), s->billingDb.get(), s->cache.get(), AccessPolicy{}, actor);
    s->service = std::make_unique<CustomPricingService>(s->runner.get(), s->billingDb.get());
    s->outbox->start();
    return s;
}

Result<CustomDeal> tst_CustomPricingService::wait(std::function<void(QObject *, std::function<void(Result<CustomDeal>)>)> call)
{
    std::optional<Result<CustomDeal>> out;
    QObject ctx;
    call(&ctx, [&](Result<CustomDeal> r) { out.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
        return Error::make(Error::Kind::Timeout, QStringLiteral("timed out"));
    return *out;
}

std::optional<CustomDeal> tst_CustomPricingService::waitForStatus(Stack &s, qint64 id, CustomDeal::Status status)
{
    std::optional<CustomDeal> found;
    (void)QTest::qWaitFor([&] {
        auto d = s.billingDb->thread().runBlocking([id](BillingDatabase &db) { return CustomDealRepository(db).deal(id); });
        if (d && d->status == status)
            found = *d;
        return found.has_value();
    }, 30000);
    return found;
}

void tst_CustomPricingService::prepareRefusesBadInput_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("customerCurrency");
    QTest::addColumn<QStringList>("amounts");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("usd with three decimals") << "usd" << "usd" << QStringList{QStringLiteral("45.001")} << "Phase 1";
    QTest::newRow("jpy with decimals") << "jpy" << "" << QStringList{QStringLiteral("4500.5")} << "Phase 1";
    QTest::newRow("kwd with four decimals") << "kwd" << "" << QStringList{QStringLiteral("1.2345")} << "Phase 1";
    QTest::newRow("kwd not ending in zero") << "kwd" << "" << QStringList{QStringLiteral("1.235")} << "Phase 1";
    QTest::newRow("second phase bad") << "usd" << "usd" << QStringList{QStringLiteral("45"), QStringLiteral("4o")} << "Phase 2";
    QTest::newRow("zero price") << "usd" << "usd" << QStringList{QStringLiteral("0")} << "Phase 1";
    QTest::newRow("customer billed in another currency") << "eur" << "usd" << QStringList{QStringLiteral("45")} << "billed in USD";
    QTest::newRow("no phases") << "usd" << "usd" << QStringList{} << "at least one";
}

void tst_CustomPricingService::prepareRefusesBadInput()
{
    QFETCH(QString, currency);
    QFETCH(QString, customerCurrency);
    QFETCH(QStringList, amounts);
    QFETCH(QString, messagePart);
    auto in = usdDeal(amounts, currency);
    in.customer.currency = customerCurrency;
    const auto deal = CustomPricingService::prepare(in);
    QVERIFY(!deal.ok());
    QCOMPARE(deal.error().kind, Error::Kind::Validation);
    QVERIFY2(deal.error().userMessage.contains(messagePart), qPrintable(deal.error().userMessage));
}

void tst_CustomPricingService::prepareWorksOutTheDeepestDiscount()
{
    auto in = usdDeal({QStringLiteral("45.00"), QStringLiteral("42.50")});
    in.phases.last().months = 0; // year 2 onwards
    in.minimumCommitment = QStringLiteral("1500");
    const auto deal = CustomPricingService::prepare(in);
    QVERIFY2(deal.ok(), qPrintable(deal.ok() ? QString() : deal.error().userMessage));
    QCOMPARE(deal->phases.size(), 2);
    QCOMPARE(deal->phases[0].unitAmountMinor, 4500);
    QCOMPARE(deal->phases[1].unitAmountMinor, 4250);
    QCOMPARE(deal->discountPermille, 150); // 50.00 -> 42.50 is 15.0 % off
    QCOMPARE(deal->minimumCommitmentMinor, 150000);

    auto middleOpen = usdDeal({QStringLiteral("45"), QStringLiteral("44")});
    middleOpen.phases.first().months = 0;
    QVERIFY(!CustomPricingService::prepare(middleOpen).ok());
}

void tst_CustomPricingService::approvalRule_data()
{
    QTest::addColumn<int>("permille");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("role");
    QTest::addColumn<bool>("needs");
    QTest::newRow("finance within the limit") << 100 << 10 << int(StaffRole::Finance) << false;
    QTest::newRow("finance above the limit") << 101 << 10 << int(StaffRole::Finance) << true;
    QTest::newRow("admin above the limit") << 300 << 25 << int(StaffRole::Admin) << true;
    QTest::newRow("support within the limit") << 0 << 10 << int(StaffRole::Support) << true;
    QTest::newRow("limit zero: any discount") << 1 << 0 << int(StaffRole::Finance) << true;
}

void tst_CustomPricingService::approvalRule()
{
    QFETCH(int, permille);
    QFETCH(int, limit);
    QFETCH(int, role);
    QFETCH(bool, needs);
    QCOMPARE(CustomPricingService::needsApproval(permille, limit, StaffRole(role)), needs);
    QCOMPARE(CustomPricingService::approvalLimitPercent({}), 10);
    QCOMPARE(CustomPricingService::approvalLimitPercent({WorkspaceSetting{QStringLiteral("pricing.approval_discount_percent"), QStringLiteral("25"), 1}}), 25);
    QCOMPARE(CustomPricingService::approvalLimitPercent({WorkspaceSetting{QStringLiteral("pricing.approval_discount_percent"), QStringLiteral("150"), 1}}), 10);
}

void tst_CustomPricingService::repositoryKeepsDealsAndOneDecision_data()
{
    BillingDbFixture::addBackendColumn();
    for (const QString &b : BillingDbFixture::backends())
        QTest::newRow(qPrintable(b)) << b;
}

void tst_CustomPricingService::repositoryKeepsDealsAndOneDecision()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    CustomDealRepository repo(db);
    auto deal = CustomPricingService::prepare(usdDeal({QStringLiteral("45.00"), QStringLiteral("40.00")}));
    QVERIFY(deal.ok());
    deal->requestedBy = QStringLiteral("sam@example.com");
    const auto id = repo.insert(*deal);
    BC_VERIFY_OK(id);
    auto bad = *deal;
    bad.phases.clear();
    QCOMPARE(repo.insert(bad).error().kind, Error::Kind::Validation);
    QCOMPARE(repo.deals(QStringLiteral("pending"))->size(), 1); // the bad one left nothing behind

    const auto back = repo.deal(*id);
    BC_VERIFY_OK(back);
    QCOMPARE(back->phases.size(), 2);
    QCOMPARE(back->phases[1].unitAmountMinor, 4000);
    QCOMPARE(back->discountPermille, 200);
    QCOMPARE(back->quantity, 40);
    QCOMPARE(back->status, CustomDeal::Status::Pending);

    BC_VERIFY_OK(repo.decide(*id, true, QStringLiteral("fin@example.com"), QStringLiteral("ok for 2 years"), utc(2026, 11, 1)));
    const Status again = repo.decide(*id, false, QStringLiteral("other@example.com"), QStringLiteral("no"), utc(2026, 11, 2));
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
    QCOMPARE(repo.deal(*id)->decidedBy, QStringLiteral("fin@example.com"));
    BC_VERIFY_OK(repo.markSent(*id, {7, 8}));
    QCOMPARE(repo.deal(*id)->outboxEntryIds, (QList<qint64>{7, 8}));
    QCOMPARE(repo.deals(QStringLiteral("sent"))->size(), 1);
    QCOMPARE(repo.deals()->size(), 1);
}

void tst_CustomPricingService::supportRequestWaitsFinanceApprovesAndRampIsSent()
{
    auto s = makeStack(staff(3, "sam@example.com", StaffRole::Support));
    QVERIFY(s);
    CustomPricingService::DealInput in;
    in.customer = customer(m_customerId, m_currency);
    in.currency = m_currency;
    in.productId = m_productId;
    in.listUnitAmountMinor = Money::parse(u"50", *Currency::fromCode(m_currency))->minor(); // 50 in major units
    in.quantity = 3;
    in.phases = {CustomPricingService::PhaseInput{12, QStringLiteral("40")}, CustomPricingService::PhaseInput{0, QStringLiteral("45")}};
    in.subscriptionId = m_subscriptionId;
    const auto prepared = CustomPricingService::prepare(in);
    QVERIFY2(prepared.ok(), qPrintable(prepared.ok() ? QString() : prepared.error().userMessage));

    const auto requested = wait([&](QObject *ctx, auto done) { s->service->submit(*prepared, ctx, done); });
    QVERIFY2(requested.ok(), qPrintable(requested.ok() ? QString() : requested.error().detail));
    QCOMPARE(requested->status, CustomDeal::Status::Pending);
    QVERIFY2(requested->note.contains(QStringLiteral("20.0%")), qPrintable(requested->note));
    // Nothing went to Stripe.
    QCOMPARE(s->outbox->entriesBlocking(std::nullopt)->size(), 0);

    // Support cannot approve.
    const auto refused = wait([&](QObject *ctx, auto done) { s->service->approve(requested->id, {}, ctx, done); });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Unauthorized);

    s->runner->setActor(staff(1, "fin@example.com", StaffRole::Finance));
    const auto approved = wait([&](QObject *ctx, auto done) { s->service->approve(requested->id, QStringLiteral("2-year deal"), ctx, done); });
    QVERIFY2(approved.ok(), qPrintable(approved.ok() ? QString() : approved.error().detail));
    QCOMPARE(approved->decidedBy, QStringLiteral("fin@example.com"));

    const auto sent = waitForStatus(*s, requested->id, CustomDeal::Status::Sent);
    QVERIFY2(sent.has_value(), "the deal was not sent");
    QCOMPARE(sent->outboxEntryIds.size(), 4); // two prices, the schedule, its phases

    // Stripe (the sandbox) has the negotiated prices and the subscription follows a schedule.
    const auto sub = stripeCall(*m_setup, QStringLiteral("GET"), QStringLiteral("/v1/subscriptions/") + m_subscriptionId, FormValue());
    QVERIFY(sub.ok());
    const QString scheduleId = sub->value(QLatin1String("schedule")).toString();
    QVERIFY(!scheduleId.isEmpty());
    const auto schedule = stripeCall(*m_setup, QStringLiteral("GET"), QStringLiteral("/v1/subscription_schedules/") + scheduleId, FormValue());
    QVERIFY(schedule.ok());
    const QJsonArray phases = schedule->value(QLatin1String("phases")).toArray();
    QCOMPARE(phases.size(), 2);
    const QString firstPrice = phases.at(0).toObject().value(QLatin1String("items")).toArray().at(0).toObject()
                                   .value(QLatin1String("price")).toString();
    const auto price = stripeCall(*m_setup, QStringLiteral("GET"), QStringLiteral("/v1/prices/") + firstPrice, FormValue());
    QVERIFY(price.ok());
    QCOMPARE(price->value(QLatin1String("unit_amount")).toInteger(), Money::parse(u"40", *Currency::fromCode(m_currency))->minor());
    QCOMPARE(price->value(QLatin1String("metadata")).toObject().value(QLatin1String("customer")).toString(), m_customerId);
    QCOMPARE(price->value(QLatin1String("metadata")).toObject().value(QLatin1String("approved_by")).toString(),
             QStringLiteral("fin@example.com"));

    // The audit log has the approver's writes.
    AuditQuery q;
    q.targetId = m_subscriptionId;
    const auto audit = s->billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
    QVERIFY(audit.ok());
    QVERIFY(audit->size() >= 2);
}

void tst_CustomPricingService::withinTheLimitFinanceSendsAtOnce()
{
    auto s = makeStack(staff(1, "fin@example.com", StaffRole::Finance));
    QVERIFY(s);
    CustomPricingService::DealInput in;
    in.customer = customer(QStringLiteral("cus_prospect"), QString());
    in.currency = QStringLiteral("jpy");
    in.productId = m_productId;
    in.listUnitAmountMinor = 5000; // 5,000 yen
    in.quantity = 10;
    in.phases = {CustomPricingService::PhaseInput{0, QStringLiteral("4600")}}; // 8 % off
    const auto prepared = CustomPricingService::prepare(in);
    QVERIFY(prepared.ok());
    QCOMPARE(prepared->discountPermille, 80);
    const auto stored = wait([&](QObject *ctx, auto done) { s->service->submit(*prepared, ctx, done); });
    QVERIFY(stored.ok());
    QCOMPARE(stored->status, CustomDeal::Status::Approved);
    const auto sent = waitForStatus(*s, stored->id, CustomDeal::Status::Sent);
    QVERIFY(sent.has_value());
    QCOMPARE(sent->outboxEntryIds.size(), 1);
}

void tst_CustomPricingService::requesterCannotApproveOwnDealAndReadOnlyCannotAsk()
{
    auto s = makeStack(staff(1, "fin@example.com", StaffRole::Finance));
    QVERIFY(s);
    const auto prepared = CustomPricingService::prepare(usdDeal({QStringLiteral("30.00")})); // 40 % off
    QVERIFY(prepared.ok());
    const auto stored = wait([&](QObject *ctx, auto done) { s->service->submit(*prepared, ctx, done); });
    QVERIFY(stored.ok());
    QCOMPARE(stored->status, CustomDeal::Status::Pending);
    const auto own = wait([&](QObject *ctx, auto done) { s->service->approve(stored->id, {}, ctx, done); });
    QVERIFY(!own.ok());
    QCOMPARE(own.error().kind, Error::Kind::Unauthorized);

    s->runner->setActor(staff(2, "ann@example.com", StaffRole::Admin));
    const auto noNote = wait([&](QObject *ctx, auto done) { s->service->reject(stored->id, QString(), ctx, done); });
    QCOMPARE(noNote.error().kind, Error::Kind::Validation);
    const auto rejected = wait([&](QObject *ctx, auto done) { s->service->reject(stored->id, QStringLiteral("too deep"), ctx, done); });
    QVERIFY(rejected.ok());
    QCOMPARE(rejected->status, CustomDeal::Status::Rejected);
    QCOMPARE(s->outbox->entriesBlocking(std::nullopt)->size(), 0);

    s->runner->setActor(staff(4, "rob@example.com", StaffRole::ReadOnly));
    const auto readOnly = wait([&](QObject *ctx, auto done) { s->service->submit(*prepared, ctx, done); });
    QCOMPARE(readOnly.error().kind, Error::Kind::Unauthorized);
}

QTEST_GUILESS_MAIN(tst_CustomPricingService)
#include "tst_custompricingservice.moc"
