#include "services/lifecycle/cancellationservice.h"
#include "services/lifecycle/retentionrepository.h"
#include "tests/services/lifecycle/tst_cancelstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_CancellationService : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<LifecycleStack> stack(StaffRole role)
    {
        ++m_n;
        auto s = std::make_unique<LifecycleStack>(
            m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.sqlite").arg(m_n))),
            actorWith(role), QString::number(m_n));
        return s;
    }

    QList<RetentionRecord> records(LifecycleStack &s)
    {
        auto r = s.billingDb->thread().runBlocking(
            [](BillingDatabase &db) { return RetentionRepository(db).records({}, {}); });
        return r ? *r : QList<RetentionRecord>{};
    }

    static QString newCoupon(int percentOff)
    {
        const QJsonObject coupon = sandboxCall("POST", QStringLiteral("/v1/coupons"),
                                               {{QStringLiteral("percent_off"), percentOff},
                                                {QStringLiteral("duration"), QStringLiteral("repeating")},
                                                {QStringLiteral("duration_in_months"), 3}});
        return coupon.value(QLatin1String("id")).toString();
    }

    static RetentionRules rulesWith(const QString &couponId, int percentOff)
    {
        RetentionRules rules = RetentionRules::defaults();
        rules.couponId = couponId;
        rules.percentOff = percentOff;
        rules.durationMonths = 3;
        return rules;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    }

    void cancelAtPeriodEndThenUndo()
    {
        auto s = stack(StaffRole::Support);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription();
        QVERIFY(!json.value(QLatin1String("id")).toString().isEmpty());
        const SubscriptionRow row = rowFrom(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));

        CancellationCase c{row, CancellationReason::TooComplex, QStringLiteral("hard to set up"), {}, newSession()};
        auto queued = waitFor<OutboxEntry>(
            [&](QObject *ctx, auto h) { service.cancel(c, CancelTiming{true, false, false}, now, ctx, h); });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Succeeded);
        QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), true);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("active"));
        QCOMPARE(after.value(QLatin1String("cancellation_details")).toObject().value(QLatin1String("feedback")).toString(),
                 QStringLiteral("too_complex"));
        QCOMPARE(after.value(QLatin1String("cancellation_details")).toObject().value(QLatin1String("comment")).toString(),
                 QStringLiteral("hard to set up"));

        // Nothing was offered: one "none" record for the reason, confirmed once Stripe answered.
        QTRY_VERIFY_WITH_TIMEOUT(records(*s).size() == 1
                                     && records(*s).first().outcome == RetentionOutcome::Confirmed, 10000);
        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().offerKind, QStringLiteral("none"));
        QCOMPARE(recs.first().accepted, false);
        QCOMPARE(recs.first().reason, QStringLiteral("too_complex"));

        // Undo while the period runs.
        const Subscription cancelling = rowFrom(after).subscription;
        QVERIFY(cancelling.cancelAtPeriodEnd);
        auto undo = waitFor<OutboxEntry>(
            [&](QObject *ctx, auto h) { service.undoCancellation(cancelling, now, newSession(), ctx, h); });
        QVERIFY2(undo, qPrintable(undo ? QString() : undo.error().detail));
        QCOMPARE(s->settled(undo->id)->state, OutboxState::Succeeded);
        after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), false);

        // Audit: requested + result rows for both writes.
        const auto audit = s->audit(row.subscription.id);
        QStringList ops;
        for (const AuditEntry &a : audit)
            ops << a.operation;
        QVERIFY2(ops.contains(QStringLiteral("subscription.cancel_at_period_end")), qPrintable(ops.join(u',')));
        QVERIFY2(ops.contains(QStringLiteral("subscription.undo_cancel")), qPrintable(ops.join(u',')));
    }

    void undoRefused_data()
    {
        QTest::addColumn<bool>("cancelAtPeriodEnd");
        QTest::addColumn<int>("periodEndOffsetDays");
        QTest::addColumn<QString>("status");
        QTest::newRow("not cancelling") << false << 10 << QStringLiteral("active");
        QTest::newRow("period already ended") << true << -1 << QStringLiteral("active");
        QTest::newRow("already canceled") << true << 10 << QStringLiteral("canceled");
    }
    void undoRefused()
    {
        QFETCH(bool, cancelAtPeriodEnd);
        QFETCH(int, periodEndOffsetDays);
        QFETCH(QString, status);
        auto s = stack(StaffRole::Admin);
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QDateTime now = QDateTime::currentDateTimeUtc();
        Subscription sub;
        sub.id = QStringLiteral("sub_undo_refused");
        sub.status = status;
        sub.cancelAtPeriodEnd = cancelAtPeriodEnd;
        SubscriptionItem item;
        item.currentPeriodEnd = now.addDays(periodEndOffsetDays);
        sub.items << item;
        auto r = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.undoCancellation(sub, now, newSession(), ctx, h); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY(!r.error().userMessage.isEmpty());
        QCOMPARE(s->outboxCount(), 0);
    }

    void cancelNowWithProrationAndFinalInvoice()
    {
        auto s = stack(StaffRole::Finance);
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription(QStringLiteral("eur"));
        const SubscriptionRow row = rowFrom(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));
        const int invoicesBefore =
            sandboxCall("GET", QStringLiteral("/v1/invoices?limit=100&subscription=") + row.subscription.id)
                .value(QLatin1String("data")).toArray().size();

        CancellationCase c{row, CancellationReason::SwitchedService, {}, {}, newSession()};
        auto queued = waitFor<OutboxEntry>(
            [&](QObject *ctx, auto h) { service.cancel(c, CancelTiming{false, true, true}, now, ctx, h); });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        QCOMPARE(queued->method, QStringLiteral("DELETE"));
        QCOMPARE(queued->params.value(QLatin1String("prorate")).toBool(), true);
        QCOMPARE(queued->params.value(QLatin1String("invoice_now")).toBool(), true);
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        const QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("canceled"));
        QCOMPARE(after.value(QLatin1String("cancellation_details")).toObject().value(QLatin1String("feedback")).toString(),
                 QStringLiteral("switched_service"));
        const int invoicesAfter =
            sandboxCall("GET", QStringLiteral("/v1/invoices?limit=100&subscription=") + row.subscription.id)
                .value(QLatin1String("data")).toArray().size();
        QVERIFY2(invoicesAfter > invoicesBefore, "invoice_now made no final invoice");

        // A double submit of the same dialog session maps to the same outbox entry.
        auto again = waitFor<OutboxEntry>(
            [&](QObject *ctx, auto h) { service.cancel(c, CancelTiming{false, true, true}, now, ctx, h); });
        QVERIFY(again);
        QCOMPARE(again->id, queued->id);
        QTRY_VERIFY_WITH_TIMEOUT(!records(*s).isEmpty()
                                     && records(*s).first().outcome == RetentionOutcome::Confirmed, 10000);
        QCOMPARE(records(*s).size(), 1); // ... and to one retention record
    }

    void acceptedDiscountAppliesCouponAndCounts()
    {
        auto s = stack(StaffRole::Support);
        const QJsonObject coupon = sandboxCall("POST", QStringLiteral("/v1/coupons"),
                                               {{QStringLiteral("percent_off"), 20},
                                                {QStringLiteral("duration"), QStringLiteral("repeating")},
                                                {QStringLiteral("duration_in_months"), 3}});
        const QString couponId = coupon.value(QLatin1String("id")).toString();
        QVERIFY(!couponId.isEmpty());
        RetentionRules rules = RetentionRules::defaults();
        rules.couponId = couponId;
        rules.percentOff = 20;
        rules.durationMonths = 3;
        CancellationService service(s->runner.get(), s->billingDb.get(), rules);
        QSignalSpy recorded(&service, &CancellationService::retentionRecorded);

        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));
        auto offers = service.offers(CancellationReason::TooExpensive, row, {}, {});
        QVERIFY(offers);
        QCOMPARE(offers->size(), 1); // no price list given: only the discount fits
        const RetentionOffer offer = offers->first();
        QCOMPARE(offer.kind, RetentionOfferKind::Discount);
        const qint64 monthly = row.amountMinor; // a monthly price
        QCOMPARE(offer.monthlyBefore.minor(), monthly);
        QCOMPARE(offer.monthlyAfter.minor(), monthly - (monthly * 20 + 50) / 100);

        CancellationCase c{row, CancellationReason::TooExpensive, QStringLiteral("budget cut"), *offers, newSession()};
        auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.acceptOffer(c, 0, now, ctx, h); });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, 10000);

        const QJsonObject after = sandboxSubscription(row.subscription.id);
        const QJsonArray discounts = after.value(QLatin1String("discounts")).toArray();
        QCOMPARE(discounts.size(), 1);
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), false);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("active"));

        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().accepted, true);
        QCOMPARE(recs.first().offerKind, QStringLiteral("discount"));
        QCOMPARE(recs.first().revenueAtStakeMinor, monthly);
        QCOMPARE(recs.first().outboxEntryId, queued->id);
        QCOMPARE(recs.first().outcome, RetentionOutcome::Confirmed);
        QCOMPARE(recs.first().idempotencyKey, queued->idempotencyKey);

        auto report = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(report);
        QCOMPARE(report->totals.offersMade, 1);
        QCOMPARE(report->totals.offersAccepted, 1);
        QCOMPARE(report->totals.acceptanceRatePermille(), 1000);
        QCOMPARE(report->totals.revenueSavedMinor.value(QStringLiteral("usd")), offer.monthlyAfter.minor());
    }

    // The accepted offer counts only once Stripe has confirmed the discount.
    void acceptedOfferCountsOnlyAfterStripeConfirms()
    {
        auto s = stack(StaffRole::Support);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        const QString couponId = newCoupon(25);
        CancellationService service(s->runner.get(), s->billingDb.get(), rulesWith(couponId, 25));
        QSignalSpy recorded(&service, &CancellationService::retentionRecorded);
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        auto offers = service.offers(CancellationReason::TooExpensive, row, {}, {});
        QVERIFY(offers && offers->size() == 1);

        s->outbox->stop(); // Stripe has not answered yet
        CancellationCase c{row, CancellationReason::TooExpensive, {}, *offers, newSession()};
        auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) {
            service.acceptOffer(c, 0, secs(json.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        QCOMPARE(queued->state, OutboxState::Pending);
        auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().outcome, RetentionOutcome::Pending);
        QCOMPARE(recs.first().idempotencyKey, queued->idempotencyKey);
        auto before = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(before);
        QCOMPARE(before->totals.offersMade, 0);
        QCOMPARE(before->totals.offersAccepted, 0);
        QCOMPARE(before->awaitingStripe, 1);
        QVERIFY(before->totals.revenueSavedMinor.isEmpty());
        QCOMPARE(recorded.count(), 0);

        s->outbox->start();
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, 10000);
        QCOMPARE(recorded.first().first().toString(), row.subscription.id);
        recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().outcome, RetentionOutcome::Confirmed);
        QCOMPARE(recs.first().accepted, true);
        QVERIFY(recs.first().settledAt.isValid());
        auto after = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(after);
        QCOMPARE(after->totals.offersMade, 1);
        QCOMPARE(after->totals.offersAccepted, 1);
        QCOMPARE(after->awaitingStripe, 0);
        const qint64 monthly = row.amountMinor;
        QCOMPARE(after->totals.revenueSavedMinor.value(QStringLiteral("usd")), monthly - (monthly * 25 + 50) / 100);
    }

    // Stripe refuses the write (a coupon or price it does not know): the choice is kept as not
    // applied, and nothing counts as accepted or saved.
    void failedStripeWriteLeavesNoAcceptedRecord_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("unknown coupon") << int(RetentionOfferKind::Discount);
        QTest::newRow("unknown price") << int(RetentionOfferKind::CheaperPlan);
    }
    void failedStripeWriteLeavesNoAcceptedRecord()
    {
        QFETCH(int, kind);
        auto s = stack(StaffRole::Admin);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        CancellationService service(s->runner.get(), s->billingDb.get());
        QSignalSpy recorded(&service, &CancellationService::retentionRecorded);
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        const Currency usd = *Currency::fromCode(QStringLiteral("usd"));
        RetentionOffer offer;
        offer.kind = RetentionOfferKind(kind);
        offer.monthlyBefore = Money(row.amountMinor, usd);
        offer.monthlyAfter = Money(row.amountMinor / 2, usd);
        if (offer.kind == RetentionOfferKind::Discount) {
            offer.couponId = QStringLiteral("coupon_that_does_not_exist_%1").arg(newSession().left(8));
            offer.percentOff = 50;
            offer.durationMonths = 3;
        } else {
            offer.priceId = QStringLiteral("price_that_does_not_exist_%1").arg(newSession().left(8));
        }
        CancellationCase c{row, CancellationReason::TooExpensive, {}, {offer}, newSession()};
        auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) {
            service.acceptOffer(c, 0, secs(json.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QCOMPARE(done->state, OutboxState::Failed);
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, 10000);

        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().outcome, RetentionOutcome::NotApplied);
        QCOMPARE(recs.first().accepted, false);
        QCOMPARE(recs.first().revenueKeptMinor, qint64(0));
        auto report = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(report);
        QCOMPARE(report->totals.offersMade, 0);
        QCOMPARE(report->totals.offersAccepted, 0);
        QCOMPARE(report->notApplied, 1);
        QVERIFY(report->totals.revenueSavedMinor.isEmpty());
        // Stripe's subscription is as it was.
        const QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("discounts")).toArray().size(), 0);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("active"));
    }

    // The console stops after queueing the offer and before Stripe's answer; the next start sends
    // it, and the outcome is recorded once, even when the agent submits the same session again.
    void restartBetweenQueueAndConfirmationRecordsOnce()
    {
        ++m_n;
        const QString tag = QString::number(m_n);
        const BillingDbSettings db = BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.sqlite").arg(tag)));
        const QString couponId = newCoupon(30);
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));
        std::optional<CancellationCase> c;
        qint64 entryId = 0;
        {
            LifecycleStack first(m_dir.path(), db, actorWith(StaffRole::Support), tag);
            QVERIFY2(first.error.isEmpty(), qPrintable(first.error));
            first.outbox->stop();
            CancellationService service(first.runner.get(), first.billingDb.get(), rulesWith(couponId, 30));
            auto offers = service.offers(CancellationReason::TooExpensive, row, {}, {});
            QVERIFY(offers && offers->size() == 1);
            c = CancellationCase{row, CancellationReason::TooExpensive, {}, *offers, newSession()};
            auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.acceptOffer(*c, 0, now, ctx, h); });
            QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
            entryId = queued->id;
            QCOMPARE(records(first).size(), 1);
            QCOMPARE(records(first).first().outcome, RetentionOutcome::Pending);
        } // the console stops: nothing was sent

        LifecycleStack second(m_dir.path(), db, actorWith(StaffRole::Support), tag); // sends the entry
        QVERIFY2(second.error.isEmpty(), qPrintable(second.error));
        CancellationService service(second.runner.get(), second.billingDb.get(), rulesWith(couponId, 30));
        QSignalSpy recorded(&service, &CancellationService::retentionRecorded);
        auto done = second.settled(entryId);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, 10000);
        // The agent's second click after the restart: same entry, no new record.
        auto again = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.acceptOffer(*c, 0, now, ctx, h); });
        QVERIFY(again);
        QCOMPARE(again->id, entryId);
        auto reconciled = waitFor<int>([&](QObject *ctx, auto h) { service.reconcile(ctx, h); });
        QVERIFY(reconciled);
        QCOMPARE(*reconciled, 0);

        const auto recs = records(second);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().outcome, RetentionOutcome::Confirmed);
        QCOMPARE(recs.first().accepted, true);
        QCOMPARE(recs.first().outboxEntryId, entryId);
        auto report = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(report);
        QCOMPARE(report->totals.offersAccepted, 1);
        QCOMPARE(sandboxSubscription(row.subscription.id).value(QLatin1String("discounts")).toArray().size(), 1);
    }

    // The write finished while no cancellation service listened (its outcome is in the audit log):
    // reconcile() settles the records once.
    void reconcileSettlesFromTheAuditLog()
    {
        auto s = stack(StaffRole::Support);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        s->outbox->stop();
        OutboxEntry entry;
        {
            CancellationService gone(s->runner.get(), s->billingDb.get());
            CancellationCase c{row, CancellationReason::Unused, {}, {}, newSession()};
            auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) {
                gone.cancel(c, CancelTiming{true, false, false}, secs(json.value(QLatin1String("created"))), ctx, h);
            });
            QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
            entry = *queued;
        }
        s->outbox->start();
        QVERIFY(s->settled(entry.id));
        auto outcomeAudited = [&] {
            AuditQuery q;
            q.idempotencyKey = entry.idempotencyKey;
            auto rows = s->billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
            if (rows)
                for (const AuditEntry &a : *rows)
                    if (a.result == QLatin1String("ok"))
                        return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(outcomeAudited(), 10000);
        QCOMPARE(records(*s).size(), 1);
        QCOMPARE(records(*s).first().outcome, RetentionOutcome::Pending);

        CancellationService service(s->runner.get(), s->billingDb.get());
        QSignalSpy recorded(&service, &CancellationService::retentionRecorded);
        auto first = waitFor<int>([&](QObject *ctx, auto h) { service.reconcile(ctx, h); });
        QVERIFY2(first, qPrintable(first ? QString() : first.error().detail));
        QCOMPARE(*first, 1);
        QCOMPARE(recorded.count(), 1);
        auto second = waitFor<int>([&](QObject *ctx, auto h) { service.reconcile(ctx, h); });
        QVERIFY(second);
        QCOMPARE(*second, 0);
        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().outcome, RetentionOutcome::Confirmed);
        auto report = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(report);
        QCOMPARE(report->totals.cancellations, 1);
    }

    void readOnlyIsRefused()
    {
        auto s = stack(StaffRole::ReadOnly);
        CancellationService service(s->runner.get(), s->billingDb.get());
        QVERIFY(!service.mayCancel());
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = rowFrom(json);
        CancellationCase c{row, CancellationReason::Unused, {}, {}, newSession()};
        auto r = waitFor<OutboxEntry>([&](QObject *ctx, auto h) {
            service.cancel(c, CancelTiming{false, false, false}, secs(json.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(s->outboxCount(), 0);
        QVERIFY(records(*s).isEmpty());
        QCOMPARE(sandboxSubscription(row.subscription.id).value(QLatin1String("status")).toString(),
                 QStringLiteral("active"));
    }
};

QTEST_GUILESS_MAIN(tst_CancellationService)
#include "tst_cancellationservice.moc"
