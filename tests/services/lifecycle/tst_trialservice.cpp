#include "services/lifecycle/trialservice.h"
#include "tests/services/lifecycle/lifecycletestconsole.h"

#include <QTest>
#include <QUuid>

using namespace Billing;
using namespace Billing::Test;

Q_DECLARE_METATYPE(Billing::TrialEndBehavior)

class tst_TrialService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void extensionRules_data();
    void extensionRules();
    void startWithTrialAndEndBehavior_data();
    void startWithTrialAndEndBehavior();
    void extendThenEndNow();
    void extendIntoThePastIsRejectedWithNothingSent();
    void readOnlyIsRefused();

private:
    Result<OutboxEntry> settle(Console &c, const std::function<void(TrialService::Handler)> &call);
    QString m_teamUsd;
};

void tst_TrialService::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_teamUsd = priceByLookupKey(QStringLiteral("team_monthly_usd"));
    QVERIFY(!m_teamUsd.isEmpty());
}

// Queues through the service, then waits until the outbox settled the entry.
Result<OutboxEntry> tst_TrialService::settle(Console &c, const std::function<void(TrialService::Handler)> &call)
{
    std::optional<Result<OutboxEntry>> queued;
    call([&](Result<OutboxEntry> e) { queued = e; });
    if (!waitFor(queued))
        return Error::make(Error::Kind::Timeout, QStringLiteral("not queued"));
    if (!queued->ok())
        return *queued;
    const qint64 id = (*queued)->id;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 15000) {
        auto e = c.outbox->entryBlocking(id);
        if (e && !e->isOpen())
            return *e;
        QTest::qWait(20);
    }
    return Error::make(Error::Kind::Timeout, QStringLiteral("not settled"));
}

void tst_TrialService::extensionRules_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<int>("currentEndDays"); // from now
    QTest::addColumn<int>("newEndDays");
    QTest::addColumn<bool>("ok");
    QTest::newRow("later than the current end") << "trialing" << 3 << 10 << true;
    QTest::newRow("in the past") << "trialing" << 3 << -1 << false;
    QTest::newRow("before the current end") << "trialing" << 10 << 5 << false;
    QTest::newRow("equal to the current end") << "trialing" << 10 << 10 << false;
    QTest::newRow("730 days is Stripe's limit") << "trialing" << 3 << 730 << true;
    QTest::newRow("731 days is too far") << "trialing" << 3 << 731 << false;
    QTest::newRow("not trialing") << "active" << 3 << 10 << false;
}

void tst_TrialService::extensionRules()
{
    QFETCH(QString, status);
    QFETCH(int, currentEndDays);
    QFETCH(int, newEndDays);
    QFETCH(bool, ok);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Subscription s;
    s.status = status;
    s.trialEnd = now.addDays(currentEndDays);
    const Status st = validateTrialExtension(s, now.addDays(newEndDays), now);
    QCOMPARE(st.ok(), ok);
    if (!ok)
        QCOMPARE(st.error().kind, Error::Kind::Validation);
}

void tst_TrialService::startWithTrialAndEndBehavior_data()
{
    QTest::addColumn<TrialEndBehavior>("behavior");
    QTest::newRow("cancel") << TrialEndBehavior::Cancel;
    QTest::newRow("pause") << TrialEndBehavior::Pause;
    QTest::newRow("create_invoice") << TrialEndBehavior::CreateInvoice;
}

void tst_TrialService::startWithTrialAndEndBehavior()
{
    QFETCH(TrialEndBehavior, behavior);
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService svc(c.client.get(), c.runner.get());
    const QJsonObject cus = sandboxCall("POST", QStringLiteral("/v1/customers"), "name=Trial+Tester&email=trial@example.com");
    const QString customerId = cus.value(QLatin1String("id")).toString();
    QVERIFY(!customerId.isEmpty());
    QObject ctx;
    StartTrialRequest r{customerId, m_teamUsd, 2, 14, {}, behavior};
    auto e = settle(c, [&](TrialService::Handler h) { svc.startTrial(r, QUuid::createUuid().toString(), &ctx, h); });
    QVERIFY2(e.ok() && e->state == OutboxState::Succeeded, qPrintable(e.ok() ? e->errorMessage : e.error().detail));
    const QJsonObject sub = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + e->resultObjectId);
    QCOMPARE(sub.value(QLatin1String("status")).toString(), QStringLiteral("trialing"));
    const qint64 len = sub.value(QLatin1String("trial_end")).toInteger() - sub.value(QLatin1String("trial_start")).toInteger();
    QCOMPARE(len, qint64(14 * 86400));
    QCOMPARE(sub[QLatin1String("trial_settings")][QLatin1String("end_behavior")][QLatin1String("missing_payment_method")].toString(),
             trialEndBehaviorName(behavior));
}

void tst_TrialService::extendThenEndNow()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService svc(c.client.get(), c.runner.get());
    const QJsonObject cus = sandboxCall("POST", QStringLiteral("/v1/customers"), "name=Trial+Extender");
    QObject ctx;
    auto started = settle(c, [&](TrialService::Handler h) {
        svc.startTrial({cus.value(QLatin1String("id")).toString(), m_teamUsd, 1, 7, {}, TrialEndBehavior::Cancel},
                       QUuid::createUuid().toString(), &ctx, h);
    });
    QVERIFY(started.ok() && started->state == OutboxState::Succeeded);
    const QString subId = started->resultObjectId;
    const qint64 oldEnd = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId).value(QLatin1String("trial_end")).toInteger();
    const QDateTime newEnd = QDateTime::fromSecsSinceEpoch(oldEnd, Qt::UTC).addDays(10);
    auto extended = settle(c, [&](TrialService::Handler h) { svc.extendTrial(subId, newEnd, QUuid::createUuid().toString(), &ctx, h); });
    QVERIFY2(extended.ok() && extended->state == OutboxState::Succeeded, qPrintable(extended.ok() ? extended->errorMessage : extended.error().detail));
    QCOMPARE(sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId).value(QLatin1String("trial_end")).toInteger(),
             newEnd.toSecsSinceEpoch());
    auto ended = settle(c, [&](TrialService::Handler h) { svc.endTrialNow(subId, QUuid::createUuid().toString(), &ctx, h); });
    QVERIFY2(ended.ok() && ended->state == OutboxState::Succeeded, qPrintable(ended.ok() ? ended->errorMessage : ended.error().detail));
    const QJsonObject after = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    QVERIFY(after.value(QLatin1String("status")).toString() != QLatin1String("trialing"));
    // Ending it again is refused before anything is sent.
    auto again = settle(c, [&](TrialService::Handler h) { svc.endTrialNow(subId, QUuid::createUuid().toString(), &ctx, h); });
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::Validation);
    // Audit: requested + result rows for the three writes on the subscription.
    QVERIFY(c.audit(subId).size() >= 4);
}

void tst_TrialService::extendIntoThePastIsRejectedWithNothingSent()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("admin@demo.example")), QString());
    TrialService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd, 1, 14);
    QVERIFY(!subId.isEmpty());
    const int applied = appliedCount();
    QObject ctx;
    auto r = settle(c, [&](TrialService::Handler h) {
        svc.extendTrial(subId, QDateTime::currentDateTimeUtc().addDays(-2), QUuid::createUuid().toString(), &ctx, h);
    });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Validation);
    QVERIFY2(r.error().userMessage.contains(QLatin1String("past")), qPrintable(r.error().userMessage));
    QCOMPARE(appliedSince(applied).size(), 0);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 0);
}

void tst_TrialService::readOnlyIsRefused()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("readonly@demo.example")), QString());
    TrialService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd, 1, 14);
    const int applied = appliedCount();
    QObject ctx;
    auto r = settle(c, [&](TrialService::Handler h) { svc.endTrialNow(subId, QUuid::createUuid().toString(), &ctx, h); });
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
    QCOMPARE(appliedSince(applied).size(), 0);
}

QTEST_GUILESS_MAIN(tst_TrialService)
#include "tst_trialservice.moc"
