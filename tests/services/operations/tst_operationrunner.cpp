#include "services/access/staffdirectory.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUuid>

#include <memory>

using namespace Billing;

Q_DECLARE_METATYPE(Billing::Permission)

#define BC_VERIFY_OK(expr)                                                                                   \
    do {                                                                                                     \
        const auto &bcResult_ = (expr);                                                                      \
        QVERIFY2(bcResult_.ok(), qPrintable(bcResult_.ok() ? QString() : bcResult_.error().detail));         \
    } while (false)

namespace {

// The sandbox's own records, over plain HTTP (not through the code under test).
QJsonObject sandboxCall(const QByteArray &method, const QString &path)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + Test::sandboxKey().toUtf8());
    QNetworkReply *reply = nam.sendCustomRequest(req, method);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

// Every write the sandbox applied so far (replays are not listed).
int appliedCount() { return sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("count")).toInt(); }

int appliedWithKey(const QString &key)
{
    const QJsonArray data = sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    int n = 0;
    for (const QJsonValue &v : data)
        n += v.toObject().value(QLatin1String("idempotency_key")).toString() == key ? 1 : 0;
    return n;
}

Money money(qint64 minor, const char *code) { return Money(minor, *Currency::fromCode(QString::fromLatin1(code))); }

bool isOutcome(const AuditEntry &row)
{
    return row.result != QLatin1String("requested") && !row.result.startsWith(QLatin1String("refused"));
}

// One console's worth of services over one folder: the files outlive a "restart".
struct Console
{
    std::unique_ptr<StripeClient> client;
    std::unique_ptr<OutboxService> outbox;
    std::unique_ptr<AsyncBillingDatabase> billing;
    std::unique_ptr<AsyncLocalCache> cache;
    std::unique_ptr<OperationRunner> runner;
    AccessPolicy policy;

    // A console stopping: the runner first, then what it uses.
    void stop()
    {
        runner.reset();
        outbox.reset();
        cache.reset();
        billing.reset();
        client.reset();
    }
    ~Console() { stop(); }
};

} // namespace

class tst_OperationRunner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void refusedOperationsAreAuditedAndNeverSent_data();
    void refusedOperationsAreAuditedAndNeverSent();
    void aWriteCannotDeclareItselfARead();
    void allowedCustomerUpdateGoesThroughTheOutbox();
    void doubleSubmitIsOneEntryAndOneRequestRow();
    void stripeRefusalIsAuditedAsError();
    void entryFinishedAfterRestartIsAuditedOnce();
    void entryFinishedWhileNoRunnerListenedIsReconciledOnce();

private:
    void start(Console &c, const QString &staffEmail);
    Actor actorFor(Console &c, const QString &email);
    Result<OutboxEntry> submitAndWait(OperationRunner &runner, const OperationRequest &request);
    QList<AuditEntry> auditRows(Console &c, const QString &key = {}, const QString &targetId = {});
    OperationRequest customerUpdate(const QString &customerId, const QString &newName, const QString &opId = {}) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_customerId;
    int m_counter = 0;
};

void tst_OperationRunner::initTestCase()
{
    QVERIFY2(!Test::sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    const QJsonArray customers = sandboxCall("GET", QStringLiteral("/v1/customers?limit=5")).value(QLatin1String("data")).toArray();
    QVERIFY2(!customers.isEmpty(), "the sandbox has no customers");
    m_customerId = customers.at(2).toObject().value(QLatin1String("id")).toString();
}

void tst_OperationRunner::init() { m_dir = std::make_unique<QTemporaryDir>(); }
void tst_OperationRunner::cleanup() { m_dir.reset(); }

void tst_OperationRunner::start(Console &c, const QString &staffEmail)
{
    ++m_counter;
    StripeConfig config;
    config.baseUrl = QUrl(Test::sandboxUrl());
    config.apiKey = Test::sandboxKey();
    config.maxRetries = 1;
    config.initialRetryDelayMs = 100;
    config.timeoutMs = 10000;
    c.client = std::make_unique<StripeClient>(config);
    c.outbox = std::make_unique<OutboxService>(m_dir->filePath(QStringLiteral("outbox.sqlite")), c.client.get());
    BC_VERIFY_OK(c.outbox->openBlocking());
    c.billing = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(m_dir->filePath(QStringLiteral("billing.db"))));
    BC_VERIFY_OK(c.billing->openBlocking());
    c.cache = std::make_unique<AsyncLocalCache>(QStringLiteral("tst-runner-cache-%1").arg(m_counter));
    BC_VERIFY_OK(c.cache->openBlocking(m_dir->filePath(QStringLiteral("cache.sqlite"))));
    BC_VERIFY_OK(c.billing->thread().runBlocking([](BillingDatabase &db) { return StaffDirectory::seedDemoOn(db); }));
    auto policy = c.billing->thread().runBlocking([](BillingDatabase &db) { return StaffDirectory::loadPolicyOn(db); });
    BC_VERIFY_OK(policy);
    c.policy = *policy;
    c.runner = std::make_unique<OperationRunner>(c.outbox.get(), c.billing.get(), c.cache.get(), c.policy,
                                                 actorFor(c, staffEmail));
}

Actor tst_OperationRunner::actorFor(Console &c, const QString &email)
{
    auto member = c.billing->thread().runBlocking([email](BillingDatabase &db) { return db.findStaffByEmail(email); });
    return member ? Actor::fromStaff(*member) : Actor{};
}

Result<OutboxEntry> tst_OperationRunner::submitAndWait(OperationRunner &runner, const OperationRequest &request)
{
    std::optional<Result<OutboxEntry>> out;
    QObject context;
    runner.submit(request, &context, [&](Result<OutboxEntry> r) { out = std::move(r); });
    QElapsedTimer t;
    t.start();
    while (!out && t.elapsed() < 15000)
        QTest::qWait(10);
    if (!out)
        return Error::make(Error::Kind::Timeout, QStringLiteral("queued was never called"));
    return *out;
}

QList<AuditEntry> tst_OperationRunner::auditRows(Console &c, const QString &key, const QString &targetId)
{
    AuditQuery q;
    q.idempotencyKey = key;
    q.targetId = targetId;
    q.limit = 1000;
    auto rows = c.billing->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
    return rows ? *rows : QList<AuditEntry>{};
}

OperationRequest tst_OperationRunner::customerUpdate(const QString &customerId, const QString &newName,
                                                     const QString &opId) const
{
    OperationRequest r;
    r.permission = Permission::EditCustomer;
    r.outbox.operation = QStringLiteral("customer.update");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/customers/") + customerId;
    r.outbox.params = QJsonObject{{QStringLiteral("name"), newName}};
    r.outbox.clientOpId = opId;
    r.targetType = QStringLiteral("customer");
    r.targetId = customerId;
    r.beforeSummary = QStringLiteral("name: (as before)");
    r.intentSummary = QStringLiteral("name: ") + newName;
    return r;
}

void tst_OperationRunner::refusedOperationsAreAuditedAndNeverSent_data()
{
    QTest::addColumn<QString>("staff");
    QTest::addColumn<Permission>("permission");
    QTest::addColumn<qint64>("amountMinor"); // < 0: no amount
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("path");

    // Demo limits (StaffDirectory::demoLimits): support refunds up to 500.00 USD, credit up to 200.00 USD.
    QTest::newRow("support refund one cent above the limit")
        << "support@demo.example" << Permission::Refund << qint64(50001) << "usd" << "refund.create" << "/v1/refunds";
    QTest::newRow("support refund in a currency without a limit")
        << "support@demo.example" << Permission::Refund << qint64(100) << "jpy" << "refund.create" << "/v1/refunds";
    QTest::newRow("support credit note above the refund limit")
        << "support@demo.example" << Permission::IssueCreditNote << qint64(90000) << "usd" << "credit_note.create"
        << "/v1/credit_notes";
    QTest::newRow("support customer credit above the credit limit")
        << "support@demo.example" << Permission::ApplyCredit << qint64(20001) << "usd"
        << "customer_balance_transaction.create" << "/v1/customers/{c}/balance_transactions";
    QTest::newRow("support changes prices")
        << "support@demo.example" << Permission::ChangePrices << qint64(-1) << "" << "price.update" << "/v1/prices/price_x";
    QTest::newRow("finance manages staff")
        << "finance@demo.example" << Permission::ManageStaff << qint64(-1) << "" << "staff.update" << "/v1/customers/{c}";
    // Read-only cannot mutate anything: every mutating permission.
    const QList<Permission> mutating = {Permission::ChangePlan,     Permission::CancelSubscription,
                                        Permission::PauseSubscription, Permission::ManageTrial,
                                        Permission::Refund,         Permission::IssueCreditNote,
                                        Permission::ApplyCredit,    Permission::InvoiceActions,
                                        Permission::WriteOff,       Permission::ChangePrices,
                                        Permission::ManageSeasonalPlans, Permission::ManageStaff,
                                        Permission::ManageSettings, Permission::EditCustomer};
    for (Permission p : mutating) {
        const bool needsAmount = p == Permission::Refund || p == Permission::IssueCreditNote || p == Permission::ApplyCredit;
        QTest::addRow("read-only %s", qPrintable(permissionName(p)))
            << "readonly@demo.example" << p << qint64(needsAmount ? 1 : -1) << "usd" << "customer.update"
            << "/v1/customers/{c}";
    }
}

void tst_OperationRunner::refusedOperationsAreAuditedAndNeverSent()
{
    QFETCH(QString, staff);
    QFETCH(Permission, permission);
    QFETCH(qint64, amountMinor);
    QFETCH(QString, currency);
    QFETCH(QString, operation);
    QFETCH(QString, path);
    Console c;
    start(c, staff);
    QCOMPARE(c.runner->actor().email, staff);
    c.outbox->start();
    const int appliedBefore = appliedCount();

    OperationRequest r = customerUpdate(m_customerId, QStringLiteral("Should never be sent"));
    r.permission = permission;
    r.outbox.operation = operation;
    r.outbox.path = QString(path).replace(QStringLiteral("{c}"), m_customerId);
    if (amountMinor >= 0)
        r.amount = money(amountMinor, currency.toLatin1().constData());
    QSignalSpy finished(c.runner.get(), &OperationRunner::operationFinished);

    Result<OutboxEntry> queued = submitAndWait(*c.runner, r);
    QVERIFY(!queued);
    QCOMPARE(queued.error().kind, Error::Kind::Unauthorized);
    QVERIFY(!queued.error().userMessage.isEmpty());

    // Nothing enqueued, nothing sent.
    auto entries = c.outbox->entriesBlocking(std::nullopt);
    BC_VERIFY_OK(entries);
    QVERIFY(entries->isEmpty());
    QTest::qWait(200);
    QCOMPARE(appliedCount(), appliedBefore);
    QCOMPARE(finished.count(), 0);

    // One refused row: who, what, on what, why; no idempotency key (nothing was queued).
    QList<AuditEntry> refused;
    for (const AuditEntry &row : auditRows(c, {}, m_customerId))
        if (row.result.startsWith(QLatin1String("refused: ")))
            refused << row;
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.first().actor, staff);
    QCOMPARE(refused.first().operation, operation);
    QCOMPARE(refused.first().targetType, QStringLiteral("customer"));
    QCOMPARE(refused.first().result, QStringLiteral("refused: ") + queued.error().userMessage);
    QVERIFY(refused.first().idempotencyKey.isEmpty());
    QVERIFY(refused.first().paramsJson.contains(QLatin1String("Should never be sent")));
}

void tst_OperationRunner::aWriteCannotDeclareItselfARead()
{
    Console c;
    start(c, QStringLiteral("readonly@demo.example"));
    OperationRequest r = customerUpdate(m_customerId, QStringLiteral("Sneaky"));
    r.permission = Permission::ViewData; // every role has it: must not open the write path
    Result<OutboxEntry> queued = submitAndWait(*c.runner, r);
    QVERIFY(!queued);
    QCOMPARE(queued.error().kind, Error::Kind::Validation);
    // A refund that does not state its amount cannot be checked against the limit: refused too.
    c.runner->setActor(actorFor(c, QStringLiteral("support@demo.example")));
    OperationRequest refund = customerUpdate(m_customerId, QStringLiteral("Sneaky"));
    refund.permission = Permission::Refund;
    Result<OutboxEntry> noAmount = submitAndWait(*c.runner, refund);
    QVERIFY(!noAmount);
    QCOMPARE(noAmount.error().kind, Error::Kind::Validation);
    QVERIFY(c.outbox->entriesBlocking(std::nullopt)->isEmpty());
}

void tst_OperationRunner::allowedCustomerUpdateGoesThroughTheOutbox()
{
    Console c;
    start(c, QStringLiteral("support@demo.example"));
    QSignalSpy finished(c.runner.get(), &OperationRunner::operationFinished);
    QSignalSpy cacheChanged(c.cache.get(), &CacheReader::changed);
    const QString name = QStringLiteral("Runner %1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces).left(8));

    Result<OutboxEntry> queued = submitAndWait(*c.runner, customerUpdate(m_customerId, name));
    BC_VERIFY_OK(queued);
    QCOMPARE(queued->actor, QStringLiteral("support@demo.example"));
    QVERIFY(!queued->idempotencyKey.isEmpty());
    // The request row is there once queued() ran, before anything was sent.
    QList<AuditEntry> rows = auditRows(c, queued->idempotencyKey);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows.first().result, QStringLiteral("requested"));
    QCOMPARE(rows.first().targetId, m_customerId);
    QCOMPARE(rows.first().afterSummary, QStringLiteral("name: ") + name);

    c.outbox->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    const OutboxEntry done = finished.first().first().value<OutboxEntry>();
    QCOMPARE(done.id, queued->id);
    QCOMPARE(done.state, OutboxState::Succeeded);
    QCOMPARE(appliedWithKey(queued->idempotencyKey), 1);

    // The returned customer is in the cache, and panes were told.
    auto cached = c.cache->thread().runBlocking([this](LocalCache &cache) { return cache.customer(m_customerId); });
    BC_VERIFY_OK(cached);
    QCOMPARE(cached->name, name);
    bool notified = false;
    for (const QList<QVariant> &args : std::as_const(cacheChanged))
        notified = notified || (args.at(0).toString() == QLatin1String("customer")
                                && args.at(1).toStringList().contains(m_customerId));
    QVERIFY(notified);

    // Audit: requested + ok, both with the key, in that order.
    rows = auditRows(c, queued->idempotencyKey);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(1).result, QStringLiteral("requested")); // newest first
    QCOMPARE(rows.at(0).result, QStringLiteral("ok"));
    QCOMPARE(rows.at(0).actor, QStringLiteral("support@demo.example"));
    QCOMPARE(rows.at(0).targetType, QStringLiteral("customer"));
    QCOMPARE(rows.at(0).targetId, m_customerId);
    QVERIFY2(rows.at(0).afterSummary.contains(m_customerId), qPrintable(rows.at(0).afterSummary));
}

void tst_OperationRunner::doubleSubmitIsOneEntryAndOneRequestRow()
{
    Console c;
    start(c, QStringLiteral("finance@demo.example"));
    QSignalSpy finished(c.runner.get(), &OperationRunner::operationFinished);
    const QString opId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const OperationRequest r = customerUpdate(m_customerId, QStringLiteral("Double Click"), opId);
    // Two clicks before the first answer.
    std::optional<Result<OutboxEntry>> a, b;
    QObject context;
    c.runner->submit(r, &context, [&](Result<OutboxEntry> e) { a = std::move(e); });
    c.runner->submit(r, &context, [&](Result<OutboxEntry> e) { b = std::move(e); });
    QTRY_VERIFY(a && b);
    BC_VERIFY_OK(*a);
    BC_VERIFY_OK(*b);
    QCOMPARE((*a)->id, (*b)->id);
    c.outbox->start();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 1, 20000);
    // A third click after it finished: same entry, nothing new sent or audited.
    Result<OutboxEntry> again = submitAndWait(*c.runner, r);
    BC_VERIFY_OK(again);
    QCOMPARE(again->id, (*a)->id);
    QTest::qWait(300);
    const QList<AuditEntry> rows = auditRows(c, (*a)->idempotencyKey);
    int requested = 0, outcomes = 0;
    for (const AuditEntry &row : rows) {
        requested += row.result == QLatin1String("requested") ? 1 : 0;
        outcomes += isOutcome(row) ? 1 : 0;
    }
    QCOMPARE(requested, 1);
    QCOMPARE(outcomes, 1);
    QCOMPARE(appliedWithKey((*a)->idempotencyKey), 1);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);
}

void tst_OperationRunner::stripeRefusalIsAuditedAsError()
{
    Console c;
    start(c, QStringLiteral("admin@demo.example"));
    QSignalSpy finished(c.runner.get(), &OperationRunner::operationFinished);
    Result<OutboxEntry> queued = submitAndWait(*c.runner, customerUpdate(QStringLiteral("cus_doesnotexist"), QStringLiteral("Nobody")));
    BC_VERIFY_OK(queued);
    c.outbox->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    const OutboxEntry done = finished.first().first().value<OutboxEntry>();
    QCOMPARE(done.state, OutboxState::Failed);
    const QList<AuditEntry> rows = auditRows(c, queued->idempotencyKey);
    QCOMPARE(rows.size(), 2);
    QVERIFY2(rows.first().result.startsWith(QLatin1String("error: ")), qPrintable(rows.first().result));
    QVERIFY(rows.first().result.size() > 7); // Stripe's message, not just the prefix
    QVERIFY(rows.first().paramsJson.contains(QLatin1String("http_status")));
}

void tst_OperationRunner::entryFinishedAfterRestartIsAuditedOnce()
{
    QString key;
    const QString name = QStringLiteral("After Restart %1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces).left(6));
    {
        Console first;
        start(first, QStringLiteral("support@demo.example"));
        Result<OutboxEntry> queued = submitAndWait(*first.runner, customerUpdate(m_customerId, name));
        BC_VERIFY_OK(queued);
        key = queued->idempotencyKey;
        // The console stops before sending (outbox never started): the entry waits in the file.
    }
    Console second;
    start(second, QStringLiteral("readonly@demo.example")); // another profile now: the entry keeps its actor
    QSignalSpy finished(second.runner.get(), &OperationRunner::operationFinished);
    second.outbox->start(); // resumes the entry; this runner never saw it submitted
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(finished.first().first().value<OutboxEntry>().state, OutboxState::Succeeded);
    auto cached = second.cache->thread().runBlocking([this](LocalCache &cache) { return cache.customer(m_customerId); });
    BC_VERIFY_OK(cached);
    QCOMPARE(cached->name, name);

    std::optional<Result<int>> reconciled;
    second.runner->reconcile(100, second.runner.get(), [&](Result<int> n) { reconciled = std::move(n); });
    QTRY_VERIFY(reconciled.has_value());
    BC_VERIFY_OK(*reconciled);
    QCOMPARE(reconciled->value(), 0);

    const QList<AuditEntry> rows = auditRows(second, key);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).result, QStringLiteral("ok"));
    QCOMPARE(rows.at(0).actor, QStringLiteral("support@demo.example"));
    QCOMPARE(rows.at(0).targetType, QStringLiteral("customer"));
    QCOMPARE(rows.at(0).targetId, m_customerId);
    QCOMPARE(rows.at(0).beforeSummary, rows.at(1).beforeSummary);
    QCOMPARE(appliedWithKey(key), 1);
}

void tst_OperationRunner::entryFinishedWhileNoRunnerListenedIsReconciledOnce()
{
    QString key;
    qint64 entryId = 0;
    {
        Console first;
        start(first, QStringLiteral("finance@demo.example"));
        Result<OutboxEntry> queued = submitAndWait(*first.runner, customerUpdate(m_customerId, QStringLiteral("Crash Window")));
        BC_VERIFY_OK(queued);
        key = queued->idempotencyKey;
        entryId = queued->id;
        // Stripe answers, then the console dies before the outcome is audited: no runner listens.
        first.runner.reset();
        auto report = first.outbox->drainBlocking(entryId);
        BC_VERIFY_OK(report);
        QCOMPARE(report->succeeded, 1);
    }
    Console second;
    start(second, QStringLiteral("admin@demo.example"));
    QCOMPARE(auditRows(second, key).size(), 1); // only "requested" so far
    QSignalSpy finished(second.runner.get(), &OperationRunner::operationFinished);
    std::optional<Result<int>> reconciled;
    second.runner->reconcile(100, second.runner.get(), [&](Result<int> n) { reconciled = std::move(n); });
    QTRY_VERIFY(reconciled.has_value());
    BC_VERIFY_OK(*reconciled);
    QCOMPARE(reconciled->value(), 1);
    QTRY_COMPARE(finished.count(), 1);
    QCOMPARE(finished.first().first().value<OutboxEntry>().id, entryId);

    // Again, and once more from a fresh console: nothing more.
    reconciled.reset();
    second.runner->reconcile(100, second.runner.get(), [&](Result<int> n) { reconciled = std::move(n); });
    QTRY_VERIFY(reconciled.has_value());
    QCOMPARE(reconciled->value(), 0);
    second.stop();
    Console third;
    start(third, QStringLiteral("admin@demo.example"));
    reconciled.reset();
    third.runner->reconcile(100, third.runner.get(), [&](Result<int> n) { reconciled = std::move(n); });
    QTRY_VERIFY(reconciled.has_value());
    QCOMPARE(reconciled->value(), 0);

    const QList<AuditEntry> rows = auditRows(third, key);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(0).result, QStringLiteral("ok"));
    QCOMPARE(rows.at(0).actor, QStringLiteral("finance@demo.example"));
    QCOMPARE(rows.at(0).targetId, m_customerId);
    QCOMPARE(appliedWithKey(key), 1);
}

QTEST_GUILESS_MAIN(tst_OperationRunner)
#include "tst_operationrunner.moc"
