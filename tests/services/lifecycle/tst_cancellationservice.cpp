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

private Q_SLOTS:
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

        // Nothing was offered: one "none" record for the reason.
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
        QCOMPARE(recorded.count(), 1);

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

        auto report = waitFor<RetentionReport>([&](QObject *ctx, auto h) { service.report({}, {}, ctx, h); });
        QVERIFY(report);
        QCOMPARE(report->totals.offersMade, 1);
        QCOMPARE(report->totals.offersAccepted, 1);
        QCOMPARE(report->totals.acceptanceRatePermille(), 1000);
        QCOMPARE(report->totals.revenueSavedMinor.value(QStringLiteral("usd")), offer.monthlyAfter.minor());
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
