#include "services/lifecycle/planchangeservice.h"
#include "tests/services/lifecycle/lifecycletestconsole.h"

#include <QSignalSpy>
#include <QTest>
#include <QUuid>

using namespace Billing;
using namespace Billing::Test;

namespace {

Price recurringPrice(const QString &id, const QString &currency, qint64 unit)
{
    Price p;
    p.id = id;
    p.currency = currency;
    p.type = QStringLiteral("recurring");
    p.billingScheme = QStringLiteral("per_unit");
    p.unitAmount = unit;
    p.interval = QStringLiteral("month");
    p.intervalCount = 1;
    p.usageType = QStringLiteral("licensed");
    return p;
}

Subscription subscriptionOn(const QString &priceId, const QString &currency, qint64 quantity)
{
    Subscription s;
    s.id = QStringLiteral("sub_test");
    s.status = QStringLiteral("active");
    s.currency = currency;
    s.items.append(SubscriptionItem{QStringLiteral("si_test"), priceId, quantity, {}, {}});
    return s;
}

} // namespace

class tst_PlanChange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void downgradeWarningsFromProductMetadata_data();
    void downgradeWarningsFromProductMetadata();
    void invalidChangesAreRefusedBeforeSending_data();
    void invalidChangesAreRefusedBeforeSending();
    void upgradeNowProratedChargesWhatThePreviewShowed();
    void downgradeAtPeriodEndCreatesATwoPhaseSchedule();
    void otherCurrencyPriceIsRejectedWithNothingSent();
    void badQuantityIsRejectedWithNothingSent_data();
    void badQuantityIsRejectedWithNothingSent();
    void roles_data();
    void roles();
    void doubleConfirmQueuesOneEntry();
    void lostResponseLeavesEntryPendingAndNothingDoubled();
    void demoDowngradeWarnsAboutLostFeaturesAndLimits();

private:
    Result<PlanChangePreview> previewBlocking(PlanChangeService &svc, const PlanChangeRequest &r);

    QString m_starterUsd, m_teamUsd, m_teamEur;
};

void tst_PlanChange::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_starterUsd = priceByLookupKey(QStringLiteral("starter_monthly_usd"));
    m_teamUsd = priceByLookupKey(QStringLiteral("team_monthly_usd"));
    m_teamEur = priceByLookupKey(QStringLiteral("team_monthly_eur"));
    QVERIFY(!m_starterUsd.isEmpty() && !m_teamUsd.isEmpty() && !m_teamEur.isEmpty());
}

Result<PlanChangePreview> tst_PlanChange::previewBlocking(PlanChangeService &svc, const PlanChangeRequest &r)
{
    std::optional<Result<PlanChangePreview>> out;
    QObject ctx;
    svc.preview(r, &ctx, [&](Result<PlanChangePreview> p) { out = std::move(p); });
    if (!waitFor(out))
        return Error::make(Error::Kind::Timeout, QStringLiteral("no preview"));
    return *out;
}

void tst_PlanChange::downgradeWarningsFromProductMetadata_data()
{
    QTest::addColumn<QJsonObject>("from");
    QTest::addColumn<QJsonObject>("to");
    QTest::addColumn<qint64>("seatsInUse");
    QTest::addColumn<QStringList>("expected");
    const auto md = [](std::initializer_list<std::pair<const char *, const char *>> kv) {
        QJsonObject o;
        for (const auto &[k, v] : kv)
            o.insert(QLatin1String(k), QLatin1String(v));
        return o;
    };
    QTest::newRow("the issue's example: SSO lost, 12 seats over a limit of 10")
        << md({{"features", "sso,audit_log"}}) << md({{"features", "audit_log"}, {"limit_seats", "10"}}) << qint64(12)
        << QStringList{QStringLiteral("Downgrade loses: SSO"), QStringLiteral("12 seats in use exceed the new limit of 10")};
    QTest::newRow("upgrade loses nothing") << md({{"features", "audit_log"}, {"limit_seats", "10"}})
                                           << md({{"features", "sso,audit_log"}, {"limit_seats", "50"}}) << qint64(12)
                                           << QStringList{};
    QTest::newRow("two features lost, names readable")
        << md({{"features", "sso, audit_log ,priority_support"}}) << md({{"features", "audit_log"}}) << qint64(1)
        << QStringList{QStringLiteral("Downgrade loses: SSO, Priority support")};
    QTest::newRow("lower limit still fits") << md({{"limit_projects", "50"}}) << md({{"limit_projects", "10"}}) << qint64(3)
                                            << QStringList{QStringLiteral("Projects limit drops from 50 to 10")};
    QTest::newRow("seats exactly at the new limit are fine") << md({}) << md({{"limit_seats", "10"}}) << qint64(10)
                                                             << QStringList{QStringLiteral("Seats become limited to 10 (no limit before)")};
    QTest::newRow("no metadata on either side") << md({{"tier", "team"}}) << md({{"tier", "starter"}}) << qint64(25)
                                                << QStringList{};
    QTest::newRow("garbage limit is ignored") << md({}) << md({{"limit_seats", "ten"}}) << qint64(25) << QStringList{};
}

void tst_PlanChange::downgradeWarningsFromProductMetadata()
{
    QFETCH(QJsonObject, from);
    QFETCH(QJsonObject, to);
    QFETCH(qint64, seatsInUse);
    QFETCH(QStringList, expected);
    const QStringList got = downgradeWarnings(PlanFeatures::fromMetadata(from), PlanFeatures::fromMetadata(to),
                                              {{QStringLiteral("seats"), seatsInUse}});
    QCOMPARE(got, expected);
}

void tst_PlanChange::invalidChangesAreRefusedBeforeSending_data()
{
    QTest::addColumn<QString>("what");
    QTest::addColumn<qint64>("quantity");
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("other currency names both") << "eur" << qint64(1) << "EUR|USD";
    QTest::newRow("quantity zero") << "ok" << qint64(0) << "at least 1";
    QTest::newRow("negative quantity") << "ok" << qint64(-3) << "at least 1";
    QTest::newRow("one-time price") << "one_time" << qint64(1) << "one-time";
    QTest::newRow("archived price") << "archived" << qint64(1) << "archived";
    QTest::newRow("same plan and quantity") << "same" << qint64(2) << "already";
    QTest::newRow("canceled subscription") << "canceled" << qint64(1) << "ended";
}

void tst_PlanChange::invalidChangesAreRefusedBeforeSending()
{
    QFETCH(QString, what);
    QFETCH(qint64, quantity);
    QFETCH(QString, mustMention);
    Subscription sub = subscriptionOn(QStringLiteral("price_old"), QStringLiteral("usd"), 2);
    Price target = recurringPrice(QStringLiteral("price_new"), QStringLiteral("usd"), 2900);
    if (what == QLatin1String("eur"))
        target.currency = QStringLiteral("eur");
    else if (what == QLatin1String("one_time"))
        target.type = QStringLiteral("one_time");
    else if (what == QLatin1String("archived"))
        target.active = false;
    else if (what == QLatin1String("same"))
        target.id = QStringLiteral("price_old");
    else if (what == QLatin1String("canceled"))
        sub.status = QStringLiteral("canceled");
    const Status s = validatePlanChange(sub, target, {sub.id, target.id, quantity, PlanChangeTiming::NowProrated});
    QVERIFY(!s.ok());
    QCOMPARE(s.error().kind, Error::Kind::Validation);
    for (const QString &word : mustMention.split(QLatin1Char('|')))
        QVERIFY2(s.error().userMessage.contains(word), qPrintable(s.error().userMessage));
    // And a good request passes.
    QVERIFY(validatePlanChange(subscriptionOn(QStringLiteral("price_old"), QStringLiteral("usd"), 2),
                               recurringPrice(QStringLiteral("price_new"), QStringLiteral("usd"), 2900),
                               {sub.id, QStringLiteral("price_new"), 3, PlanChangeTiming::NowProrated})
                .ok());
}

void tst_PlanChange::upgradeNowProratedChargesWhatThePreviewShowed()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    QVERIFY(!subId.isEmpty());
    const QJsonObject before = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QJsonObject item = before[QLatin1String("items")][QLatin1String("data")][0].toObject();
    const qint64 oldQty = item[QLatin1String("quantity")].toInteger();

    auto pv = previewBlocking(svc, {subId, m_teamUsd, 3, PlanChangeTiming::NowProrated});
    QVERIFY2(pv.ok(), qPrintable(pv.ok() ? QString() : pv.error().detail));
    // The demo's periods roll forward when the sandbox's clock passes them; the change keeps the
    // period it happens in, so its bounds are read after the commit (below).
    const qint64 t = pv->prorationDate;
    QVERIFY(t > 0);
    QVERIFY(!pv->downgrade);
    QVERIFY(pv->warnings.isEmpty());

    // Later than the preview: the commit still prorates at the preview's time.
    QTest::qWait(1200);
    const int applied = appliedCount();
    std::optional<Result<OutboxEntry>> queued, finished;
    QObject ctx;
    svc.commit(*pv, QUuid::createUuid().toString(QUuid::WithoutBraces), &ctx,
               [&](Result<OutboxEntry> e) { queued = e; }, [&](Result<OutboxEntry> e) { finished = e; });
    QVERIFY(waitFor(queued));
    QVERIFY2(queued->ok(), qPrintable(queued->ok() ? QString() : queued->error().detail));
    QVERIFY(waitFor(finished));
    QVERIFY(finished->ok());
    QCOMPARE(int((*finished)->state), int(OutboxState::Succeeded));
    const QJsonArray writes = appliedSince(applied);
    QCOMPARE(writes.size(), 1);

    const QJsonObject after = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QJsonObject newItem = after[QLatin1String("items")][QLatin1String("data")][0].toObject();
    QCOMPARE(newItem[QLatin1String("price")][QLatin1String("id")].toString(), m_teamUsd);
    QCOMPARE(newItem[QLatin1String("quantity")].toInteger(), qint64(3));
    const qint64 ps = newItem[QLatin1String("current_period_start")].toInteger();
    const qint64 pe = newItem[QLatin1String("current_period_end")].toInteger();
    QVERIFY2(t >= ps && t <= pe, qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(t).arg(ps).arg(pe)));
    // Hand-checked arithmetic: Stripe prorates each side by the seconds left of the period,
    // rounding half up once per line: credit = -900 x oldQty x (pe - t)/(pe - ps),
    // charge = 2900 x 3 x (pe - t)/(pe - ps); due now = their sum; next renewal = 2900 x 3 at pe.
    const Currency usd = *Currency::fromCode(u"usd");
    const Money credit = *Money(-900 * oldQty, usd).scaled(pe - t, pe - ps, Rounding::HalfUp);
    const Money charge = *Money(2900 * 3, usd).scaled(pe - t, pe - ps, Rounding::HalfUp);
    QCOMPARE(pv->credit, credit);
    QCOMPARE(pv->newCharge, charge);
    QCOMPARE(pv->amountDueNow.minor(), charge.minor() + credit.minor());
    QCOMPARE(pv->nextInvoiceTotal.minor(), qint64(2900 * 3));
    QCOMPARE(pv->nextInvoiceDate.toSecsSinceEpoch(), pe);
    const QString invoiceId = after[QLatin1String("latest_invoice")].toString();
    const QJsonObject invoice = sandboxCall("GET", QStringLiteral("/v1/invoices/") + invoiceId);
    auto charged = previewAmounts(invoice);
    QVERIFY(charged.ok());
    QCOMPARE(charged->creditMinor, pv->credit.minor());
    QCOMPARE(charged->chargeMinor, pv->newCharge.minor());
    QCOMPARE(charged->amountDueMinor, pv->amountDueNow.minor());

    // Audit: a request row and a result row, with the summaries.
    const QList<AuditEntry> rows = c.audit(subId);
    QVERIFY2(rows.size() >= 2, qPrintable(QString::number(rows.size())));
    bool sawIntent = false;
    for (const AuditEntry &r : rows)
        sawIntent = sawIntent || (r.operation == QLatin1String("subscription.change_plan") && r.paramsJson.contains(QLatin1String("always_invoice")) && r.beforeSummary.contains(QLatin1String("Starter")));
    QVERIFY(sawIntent);
}

void tst_PlanChange::downgradeAtPeriodEndCreatesATwoPhaseSchedule()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("finance@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd);
    QVERIFY(!subId.isEmpty());
    const QJsonObject before = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QJsonObject item = before[QLatin1String("items")][QLatin1String("data")][0].toObject();
    const qint64 pe = item[QLatin1String("current_period_end")].toInteger();
    const qint64 oldQty = item[QLatin1String("quantity")].toInteger();

    auto pv = previewBlocking(svc, {subId, m_starterUsd, 1, PlanChangeTiming::AtPeriodEnd});
    QVERIFY2(pv.ok(), qPrintable(pv.ok() ? QString() : pv.error().detail));
    QVERIFY(pv->downgrade);
    QCOMPARE(pv->amountDueNow.minor(), qint64(0));
    QCOMPARE(pv->credit.minor(), qint64(0));
    QCOMPARE(pv->nextInvoiceTotal.minor(), qint64(900));
    QVERIFY(pv->nextInvoiceDate.toSecsSinceEpoch() >= pe);

    const int applied = appliedCount();
    std::optional<Result<OutboxEntry>> queued, finished;
    QObject ctx;
    svc.commit(*pv, QUuid::createUuid().toString(QUuid::WithoutBraces), &ctx,
               [&](Result<OutboxEntry> e) { queued = e; }, [&](Result<OutboxEntry> e) { finished = e; });
    QVERIFY(waitFor(queued));
    QVERIFY(queued->ok());
    QVERIFY(waitFor(finished));
    QVERIFY2(finished->ok() && (*finished)->state == OutboxState::Succeeded,
             qPrintable(finished->ok() ? (*finished)->errorMessage : finished->error().detail));
    QCOMPARE(appliedSince(applied).size(), 2); // schedule create + phases update

    const QJsonObject after = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QString scheduleId = after[QLatin1String("schedule")].toString();
    QVERIFY(!scheduleId.isEmpty());
    // Until the period ends nothing changes on the subscription itself.
    QCOMPARE(after[QLatin1String("items")][QLatin1String("data")][0][QLatin1String("price")][QLatin1String("id")].toString(), m_teamUsd);
    const QJsonObject schedule = sandboxCall("GET", QStringLiteral("/v1/subscription_schedules/") + scheduleId);
    const QJsonArray phases = schedule[QLatin1String("phases")].toArray();
    QCOMPARE(phases.size(), 2);
    QCOMPARE(phases[0][QLatin1String("items")][0][QLatin1String("price")].toString(), m_teamUsd);
    QCOMPARE(phases[0][QLatin1String("items")][0][QLatin1String("quantity")].toInteger(), oldQty);
    // The new price starts exactly when the current phase ends: the renewal the preview showed.
    QCOMPARE(phases[0][QLatin1String("end_date")].toInteger(), pv->nextInvoiceDate.toSecsSinceEpoch());
    QCOMPARE(phases[1][QLatin1String("start_date")].toInteger(), pv->nextInvoiceDate.toSecsSinceEpoch());
    QCOMPARE(phases[1][QLatin1String("items")][0][QLatin1String("price")].toString(), m_starterUsd);
    QCOMPARE(phases[1][QLatin1String("items")][0][QLatin1String("quantity")].toInteger(), qint64(1));
    QCOMPARE(schedule[QLatin1String("end_behavior")].toString(), QStringLiteral("release"));
}

void tst_PlanChange::otherCurrencyPriceIsRejectedWithNothingSent()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("admin@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd);
    QVERIFY(!subId.isEmpty());
    const int applied = appliedCount();
    auto pv = previewBlocking(svc, {subId, m_teamEur, 2, PlanChangeTiming::NowProrated});
    QVERIFY(!pv.ok());
    QCOMPARE(pv.error().kind, Error::Kind::Validation);
    QVERIFY2(pv.error().userMessage.contains(QLatin1String("EUR")) && pv.error().userMessage.contains(QLatin1String("USD")),
             qPrintable(pv.error().userMessage));

    // A forged preview (as if the dialog skipped the check) is refused by commit too.
    auto good = previewBlocking(svc, {subId, m_starterUsd, 1, PlanChangeTiming::NowWithoutProration});
    QVERIFY(good.ok());
    PlanChangePreview forged = *good;
    forged.request.priceId = m_teamEur;
    forged.targetPrice.id = m_teamEur;
    forged.targetPrice.currency = QStringLiteral("eur");
    std::optional<Result<OutboxEntry>> queued;
    QObject ctx;
    svc.commit(forged, QStringLiteral("forged"), &ctx, [&](Result<OutboxEntry> e) { queued = e; });
    QVERIFY(waitFor(queued));
    QVERIFY(!queued->ok());
    QCOMPARE(queued->error().kind, Error::Kind::Validation);
    QTest::qWait(300);
    QCOMPARE(appliedSince(applied).size(), 0);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 0);
}

void tst_PlanChange::badQuantityIsRejectedWithNothingSent_data()
{
    QTest::addColumn<qint64>("quantity");
    QTest::newRow("zero") << qint64(0);
    QTest::newRow("negative") << qint64(-1);
}

void tst_PlanChange::badQuantityIsRejectedWithNothingSent()
{
    QFETCH(qint64, quantity);
    Console c;
    QCOMPARE(c.start(QStringLiteral("admin@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd);
    const int applied = appliedCount();
    auto pv = previewBlocking(svc, {subId, m_starterUsd, quantity, PlanChangeTiming::NowProrated});
    QVERIFY(!pv.ok());
    QCOMPARE(pv.error().kind, Error::Kind::Validation);
    QCOMPARE(appliedSince(applied).size(), 0);
}

void tst_PlanChange::roles_data()
{
    QTest::addColumn<QString>("staff");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("support may change plans") << "support@demo.example" << true;
    QTest::newRow("read-only may not") << "readonly@demo.example" << false;
}

void tst_PlanChange::roles()
{
    QFETCH(QString, staff);
    QFETCH(bool, allowed);
    Console c;
    QCOMPARE(c.start(staff), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    QVERIFY(!subId.isEmpty());
    auto pv = previewBlocking(svc, {subId, m_teamUsd, 2, PlanChangeTiming::NowWithoutProration});
    QVERIFY(pv.ok()); // previews are reads: every role may look
    const int applied = appliedCount();
    std::optional<Result<OutboxEntry>> queued, finished;
    QObject ctx;
    svc.commit(*pv, QUuid::createUuid().toString(), &ctx, [&](Result<OutboxEntry> e) { queued = e; },
               [&](Result<OutboxEntry> e) { finished = e; });
    QVERIFY(waitFor(queued));
    QCOMPARE(queued->ok(), allowed);
    if (allowed) {
        QVERIFY(waitFor(finished));
        QCOMPARE(int((*finished)->state), int(OutboxState::Succeeded));
        QCOMPARE(appliedSince(applied).size(), 1);
    } else {
        QCOMPARE(queued->error().kind, Error::Kind::Unauthorized);
        QTest::qWait(300);
        QCOMPARE(appliedSince(applied).size(), 0);
        bool refusedAudited = false;
        for (const AuditEntry &r : c.audit(subId))
            refusedAudited = refusedAudited || r.result.startsWith(QLatin1String("refused"));
        QVERIFY(refusedAudited);
    }
}

void tst_PlanChange::doubleConfirmQueuesOneEntry()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    auto pv = previewBlocking(svc, {subId, m_teamUsd, 4, PlanChangeTiming::NowProrated});
    QVERIFY(pv.ok());
    const int applied = appliedCount();
    const QString opId = QUuid::createUuid().toString();
    std::optional<Result<OutboxEntry>> q1, q2, f1;
    QObject ctx;
    svc.commit(*pv, opId, &ctx, [&](Result<OutboxEntry> e) { q1 = e; }, [&](Result<OutboxEntry> e) { f1 = e; });
    svc.commit(*pv, opId, &ctx, [&](Result<OutboxEntry> e) { q2 = e; });
    QVERIFY(waitFor(q1));
    QVERIFY(waitFor(q2));
    QVERIFY(q1->ok() && q2->ok());
    QCOMPARE((*q1)->id, (*q2)->id);
    QVERIFY(waitFor(f1));
    QTest::qWait(300);
    QCOMPARE(appliedSince(applied).size(), 1);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);
}

void tst_PlanChange::lostResponseLeavesEntryPendingAndNothingDoubled()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    auto pv = previewBlocking(svc, {subId, m_teamUsd, 5, PlanChangeTiming::NowProrated});
    QVERIFY(pv.ok());
    const int applied = appliedCount();
    // The network fails mid-operation: every connection drops before Stripe answers.
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"faults":{"drop":1},"faultSeed":7})", "application/json");
    std::optional<Result<OutboxEntry>> queued, finished;
    QObject ctx;
    svc.commit(*pv, QUuid::createUuid().toString(), &ctx, [&](Result<OutboxEntry> e) { queued = e; },
               [&](Result<OutboxEntry> e) { finished = e; });
    QVERIFY(waitFor(queued));
    QVERIFY(queued->ok());
    const qint64 entryId = (*queued)->id;
    // The entry stays pending (the offline queue), nothing applied, nothing reported finished.
    QTRY_VERIFY_WITH_TIMEOUT(c.outbox->entryBlocking(entryId)->attempts >= 1
                                 && c.outbox->entryBlocking(entryId)->state == OutboxState::Pending, 15000);
    QVERIFY(!finished);
    QCOMPARE(appliedSince(applied).size(), 0);
    // Then Stripe applies the change but the answer is lost once; the resend with the same
    // idempotency key gets Stripe's replay.
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"faults":{"drop":0,"dropAfterApply":1}})", "application/json");
    c.outbox->retryNow();
    QTRY_VERIFY_WITH_TIMEOUT(appliedSince(applied).size() == 1, 15000);
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"faults":{"dropAfterApply":0}})", "application/json");
    c.outbox->retryNow();
    QVERIFY(waitFor(finished));
    QCOMPARE(int((*finished)->state), int(OutboxState::Succeeded));
    QCOMPARE(appliedSince(applied).size(), 1); // applied once, however often it was sent
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);
}

void tst_PlanChange::demoDowngradeWarnsAboutLostFeaturesAndLimits()
{
    // The demo catalog: Team has features "api,audit_log" and limits seats 25 / projects 50;
    // Starter has "api" and limits seats 3 / projects 5. Team -> Starter loses the audit log and
    // lowers both limits; the seats in use are the subscription's quantity (4: over Starter's 3).
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService svc(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd, 4);
    QVERIFY(!subId.isEmpty());
    const qint64 seats = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId)[QLatin1String("items")]
                             [QLatin1String("data")][0][QLatin1String("quantity")].toInteger();
    QCOMPARE(seats, qint64(4));
    const int applied = appliedCount();
    auto pv = previewBlocking(svc, {subId, m_starterUsd, 1, PlanChangeTiming::AtPeriodEnd});
    QVERIFY2(pv.ok(), qPrintable(pv.ok() ? QString() : pv.error().detail));
    QVERIFY(pv->downgrade);
    QVERIFY2(pv->warnings.contains(QStringLiteral("Downgrade loses: Audit log")), qPrintable(pv->warnings.join(u'|')));
    QVERIFY2(pv->warnings.contains(QStringLiteral("Projects limit drops from 50 to 5")), qPrintable(pv->warnings.join(u'|')));
    QVERIFY2(pv->warnings.contains(QStringLiteral("4 seats in use exceed the new limit of 3")), qPrintable(pv->warnings.join(u'|')));
    QCOMPARE(appliedSince(applied).size(), 0); // a preview writes nothing
}

QTEST_GUILESS_MAIN(tst_PlanChange)
#include "tst_planchange.moc"
