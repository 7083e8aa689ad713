#include "ui/dialogs/canceldialog.h"
#include "services/lifecycle/retentionrepository.h"
#include "tests/services/lifecycle/tst_cancelstack.h"
#include "tests/ui/dialogs/lifecycledialogsupport.h"

#include <QCheckBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The cancel dialog driven like a person would (clicks and keys, offscreen) against the real
// lifecycle stack (outbox, operation runner, billing database) and the sandbox. Screenshots of each
// step go to screenshotDir().
class tst_CancelDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<LifecycleStack> stack(StaffRole role = StaffRole::Support)
    {
        ++m_n;
        return std::make_unique<LifecycleStack>(
            m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.sqlite").arg(m_n))),
            actorWith(role), QString::number(m_n));
    }
    static QList<RetentionRecord> records(LifecycleStack &s)
    {
        auto r = s.billingDb->thread().runBlocking([](BillingDatabase &db) { return RetentionRepository(db).records({}, {}); });
        return r ? *r : QList<RetentionRecord>{};
    }
    static void shoot(QWidget *w, const QString &name)
    {
        QTest::qWait(50); // let posted layout requests settle, as the event loop would
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/canceldialog-%1.png").arg(name)));
    }
    template <typename T = QPushButton>
    static T *child(QWidget &w, const QString &name)
    {
        return w.findChild<T *>(name);
    }
    // Opens the dialog on a fresh sandbox subscription, the dialog's clock at its creation.
    static void open(CancelDialog &d, const QDateTime &now)
    {
        d.setClock([now] { return now; });
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
    }
    static void pickReasonAndGoOn(CancelDialog &d, const QString &reason, const QString &comment)
    {
        auto *next = child(d, QStringLiteral("next"));
        QVERIFY(!next->isEnabled()); // no reason yet
        clickCheckable(child<QRadioButton>(d, QStringLiteral("reason_") + reason));
        if (!comment.isEmpty()) {
            auto *edit = child<QPlainTextEdit>(d, QStringLiteral("comment"));
            edit->setFocus();
            QTest::keyClicks(edit, comment);
        }
        QVERIFY(next->isEnabled());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    }
    void cleanup() { setSandboxLatency(0); }

    void cancelAtPeriodEndWithDoubleClickThenUndo()
    {
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = dialogRow(json);
        QVERIFY(!row.subscription.id.isEmpty());
        const QDateTime now = secs(json.value(QLatin1String("created")));

        CancelDialog d(&service, s->runner.get(), s->outbox.get(), row);
        open(d, now);
        shoot(&d, QStringLiteral("1-reason-empty"));
        pickReasonAndGoOn(d, QStringLiteral("too_complex"), QStringLiteral("hard to set up"));
        shoot(&d, QStringLiteral("1-reason"));
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QCOMPARE(d.step(), CancelDialog::Step::Offers);
        // too_complex -> a pause offer (the default rules); nothing is applied unless accepted.
        QCOMPARE(d.offers().size(), 1);
        QCOMPARE(d.offers().first().kind, RetentionOfferKind::Pause);
        QVERIFY(child<QRadioButton>(d, QStringLiteral("offer_pause"))->text().contains(
            Money(row.amountMinor, *Currency::fromCode(QStringLiteral("usd"))).toLocaleString(d.locale())));
        shoot(&d, QStringLiteral("2-offers-pause"));
        QTest::mouseClick(child(d, QStringLiteral("continueToCancel")), Qt::LeftButton);
        QCOMPARE(d.step(), CancelDialog::Step::Timing);
        QVERIFY(child<QRadioButton>(d, QStringLiteral("atPeriodEnd"))->isChecked());
        QVERIFY(!child<QCheckBox>(d, QStringLiteral("prorate"))->isEnabled());
        const QString endDate = d.locale().toString(row.subscription.currentPeriodEnd().toLocalTime().date(), QLocale::LongFormat);
        QVERIFY2(child<QLabel>(d, QStringLiteral("summary"))->text().contains(endDate),
                 qPrintable(child<QLabel>(d, QStringLiteral("summary"))->text()));
        shoot(&d, QStringLiteral("3-timing-period-end"));

        // Stripe answers slowly so the pending state shows; the agent double-clicks Confirm.
        setSandboxLatency(1200);
        auto *confirm = child(d, QStringLiteral("confirm"));
        doubleClick(confirm);
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), CancelDialog::State::Queued, 10000);
        QVERIFY(!confirm->isEnabled());
        QTest::mouseClick(confirm, Qt::LeftButton);
        shoot(&d, QStringLiteral("4-pending"));
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), CancelDialog::State::Succeeded, 20000);
        QCOMPARE(d.outcome(), CancelDialog::Outcome::Cancelled);
        QVERIFY(child<QLabel>(d, QStringLiteral("status"))->text().contains(endDate));
        shoot(&d, QStringLiteral("5-done"));
        setSandboxLatency(0);

        QCOMPARE(s->outboxCount(), 1);
        QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), true);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("active"));
        const QJsonObject details = after.value(QLatin1String("cancellation_details")).toObject();
        QCOMPARE(details.value(QLatin1String("feedback")).toString(), QStringLiteral("too_complex"));
        QCOMPARE(details.value(QLatin1String("comment")).toString(), QStringLiteral("hard to set up"));
        // The pause offer shown is recorded once, declined.
        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().offerKind, QStringLiteral("pause"));
        QCOMPARE(recs.first().accepted, false);

        // Undo Cancellation on the subscription as Stripe now has it.
        const SubscriptionRow cancelling = dialogRow(after);
        QVERIFY(cancelling.subscription.cancelAtPeriodEnd);
        std::unique_ptr<CancelDialog> undo(
            CancelDialog::undoCancellation(&service, s->runner.get(), s->outbox.get(), cancelling));
        open(*undo, now);
        QCOMPARE(undo->mode(), CancelDialog::Mode::Undo);
        QVERIFY(child<QLabel>(*undo, QStringLiteral("undoText"))->text().contains(endDate));
        shoot(undo.get(), QStringLiteral("6-undo"));
        auto *undoConfirm = child(*undo, QStringLiteral("confirm"));
        QVERIFY(undoConfirm->isEnabled());
        doubleClick(undoConfirm);
        QTRY_COMPARE_WITH_TIMEOUT(undo->state(), CancelDialog::State::Succeeded, 20000);
        QCOMPARE(undo->outcome(), CancelDialog::Outcome::Undone);
        shoot(undo.get(), QStringLiteral("7-undo-done"));
        QCOMPARE(s->outboxCount(), 2);
        after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), false);

        // Undo on a subscription that is not cancelling: said, and Confirm stays off.
        std::unique_ptr<CancelDialog> nothing(
            CancelDialog::undoCancellation(&service, s->runner.get(), s->outbox.get(), dialogRow(after)));
        open(*nothing, now);
        QVERIFY(!child(*nothing, QStringLiteral("confirm"))->isEnabled());
        QVERIFY(child<QLabel>(*nothing, QStringLiteral("status"))->text().contains(QStringLiteral("nothing to undo")));
    }

    void acceptedDiscountPutsCouponOnSubscription()
    {
        auto s = stack();
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
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = dialogRow(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));

        CancelDialog d(&service, s->runner.get(), s->outbox.get(), row);
        d.setCatalog(sandboxPrices(QStringLiteral("usd")), {});
        open(d, now);
        pickReasonAndGoOn(d, QStringLiteral("too_expensive"), QStringLiteral("budget cut"));
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QVERIFY(d.offers().size() >= 1);
        auto *accept = child(d, QStringLiteral("acceptOffer"));
        auto *discount = child<QRadioButton>(d, QStringLiteral("offer_discount"));
        QVERIFY(discount);
        // 20 % off a monthly price, rounded half up once: what the customer would pay instead.
        const Currency usd = *Currency::fromCode(QStringLiteral("usd"));
        const qint64 before = row.amountMinor;
        const qint64 afterAmount = before - (before * 20 + 50) / 100;
        QCOMPARE(discount->text(), QStringLiteral("20% off for 3 months: %1/month instead of %2")
                                       .arg(Money(afterAmount, usd).toLocaleString(d.locale()),
                                            Money(before, usd).toLocaleString(d.locale())));
        if (d.offers().size() > 1)
            QVERIFY(!accept->isEnabled()); // several offers: choose one first
        clickCheckable(discount);
        QVERIFY(accept->isEnabled());
        shoot(&d, QStringLiteral("2-offers-discount"));
        doubleClick(accept);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), CancelDialog::State::Succeeded, 20000);
        QCOMPARE(d.outcome(), CancelDialog::Outcome::OfferAccepted);
        shoot(&d, QStringLiteral("2-offer-accepted"));

        QCOMPARE(s->outboxCount(), 1);
        const QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("discounts")).toArray().size(), 1);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("active"));
        QCOMPARE(after.value(QLatin1String("cancel_at_period_end")).toBool(), false);
        QTRY_VERIFY_WITH_TIMEOUT(!records(*s).isEmpty() && records(*s).first().outcome == RetentionOutcome::Confirmed,
                                 10000);
        const auto recs = records(*s);
        QCOMPARE(recs.size(), d.offers().size());
        int accepted = 0;
        for (const RetentionRecord &r : recs) {
            QCOMPARE(r.reason, QStringLiteral("too_expensive"));
            if (r.accepted) {
                ++accepted;
                QCOMPARE(r.offerKind, QStringLiteral("discount"));
                QCOMPARE(r.revenueKeptMinor, afterAmount);
            }
        }
        QCOMPARE(accepted, 1);
    }

    void cancelNowWithCreditAndFinalInvoice()
    {
        auto s = stack(StaffRole::Finance);
        CancellationService service(s->runner.get(), s->billingDb.get()); // no coupon: no discount offer
        const QJsonObject json = newSubscription(QStringLiteral("eur"));
        const SubscriptionRow row = dialogRow(json);
        CancelDialog d(&service, s->runner.get(), s->outbox.get(), row);
        open(d, secs(json.value(QLatin1String("created"))));
        pickReasonAndGoOn(d, QStringLiteral("switched_service"), {});
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QVERIFY(d.offers().isEmpty());
        QVERIFY(!child(d, QStringLiteral("acceptOffer"))->isVisible());
        QVERIFY(child<QLabel>(d, QStringLiteral("offersIntro"))->text().contains(QStringLiteral("No retention offer")));
        shoot(&d, QStringLiteral("2-no-offer"));
        QTest::mouseClick(child(d, QStringLiteral("continueToCancel")), Qt::LeftButton);
        clickCheckable(child<QRadioButton>(d, QStringLiteral("now")));
        clickCheckable(child<QCheckBox>(d, QStringLiteral("prorate")));
        clickCheckable(child<QCheckBox>(d, QStringLiteral("invoiceNow")));
        const QString summary = child<QLabel>(d, QStringLiteral("summary"))->text();
        QVERIFY2(summary.contains(QStringLiteral("Cancel now")) && summary.contains(QStringLiteral("prorated credit"))
                     && summary.contains(QStringLiteral("final invoice now")),
                 qPrintable(summary));
        shoot(&d, QStringLiteral("3-timing-now"));
        QTest::mouseClick(child(d, QStringLiteral("confirm")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), CancelDialog::State::Succeeded, 20000);
        const OutboxEntry entry = *s->outbox->entryBlocking(d.entryId());
        QCOMPARE(entry.method, QStringLiteral("DELETE"));
        QCOMPARE(entry.params.value(QLatin1String("prorate")).toBool(), true);
        QCOMPARE(entry.params.value(QLatin1String("invoice_now")).toBool(), true);
        const QJsonObject after = sandboxSubscription(row.subscription.id);
        QCOMPARE(after.value(QLatin1String("status")).toString(), QStringLiteral("canceled"));
        QCOMPARE(after.value(QLatin1String("cancellation_details")).toObject().value(QLatin1String("feedback")).toString(),
                 QStringLiteral("switched_service"));
        const auto recs = records(*s);
        QCOMPARE(recs.size(), 1);
        QCOMPARE(recs.first().offerKind, QStringLiteral("none"));
    }

    void stripeRefusalIsShownInPlainWords()
    {
        auto s = stack();
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription();
        const SubscriptionRow stale = dialogRow(json);
        // Someone cancelled it in Stripe meanwhile; the console's row still says active.
        sandboxCall("DELETE", QStringLiteral("/v1/subscriptions/") + stale.subscription.id);
        CancelDialog d(&service, s->runner.get(), s->outbox.get(), stale);
        open(d, secs(json.value(QLatin1String("created"))));
        pickReasonAndGoOn(d, QStringLiteral("other"), {});
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QTest::mouseClick(child(d, QStringLiteral("continueToCancel")), Qt::LeftButton);
        const QString firstSession = d.sessionId();
        QTest::mouseClick(child(d, QStringLiteral("confirm")), Qt::LeftButton);
        auto *status = child<QLabel>(d, QStringLiteral("status"));
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Not done. Stripe")), 20000);
        QVERIFY(status->text().contains(QStringLiteral("canceled subscription")));
        QCOMPARE(d.state(), CancelDialog::State::Editing);
        QVERIFY(child(d, QStringLiteral("confirm"))->isEnabled()); // can be corrected and tried again
        QVERIFY(d.sessionId() != firstSession);                   // as a new operation
        shoot(&d, QStringLiteral("8-stripe-refused"));
        // Stripe refused the cancellation: the "none" record is kept as not applied, never counted.
        QTRY_VERIFY_WITH_TIMEOUT(!records(*s).isEmpty() && records(*s).first().outcome == RetentionOutcome::NotApplied,
                                 10000);
        QCOMPARE(records(*s).size(), 1);
    }

    void offlineSaysItWillBeSentLater()
    {
        auto s = stack();
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = dialogRow(json);
        CancelDialog d(&service, s->runner.get(), s->outbox.get(), row);
        open(d, secs(json.value(QLatin1String("created"))));
        pickReasonAndGoOn(d, QStringLiteral("unused"), {});
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QTest::mouseClick(child(d, QStringLiteral("continueToCancel")), Qt::LeftButton);
        s->client->setConfig(testStripeConfig(closedPortUrl()));
        QTest::mouseClick(child(d, QStringLiteral("confirm")), Qt::LeftButton);
        auto *status = child<QLabel>(d, QStringLiteral("status"));
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("when the connection returns")), 20000);
        QCOMPARE(d.state(), CancelDialog::State::Queued);
        QVERIFY(!child(d, QStringLiteral("confirm"))->isEnabled());
        QCOMPARE(sandboxSubscription(row.subscription.id).value(QLatin1String("cancel_at_period_end")).toBool(), false);
        shoot(&d, QStringLiteral("9-offline"));
        // Offline: the retention record waits for Stripe's answer.
        QCOMPARE(records(*s).size(), 1);
        QCOMPARE(records(*s).first().outcome, RetentionOutcome::Pending);

        s->client->setConfig(testStripeConfig());
        s->outbox->retryNow();
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), CancelDialog::State::Succeeded, 20000);
        QCOMPARE(sandboxSubscription(row.subscription.id).value(QLatin1String("cancel_at_period_end")).toBool(), true);
        QCOMPARE(s->outboxCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(records(*s).first().outcome == RetentionOutcome::Confirmed, 10000);
        QCOMPARE(records(*s).size(), 1);
    }

    void readOnlyCannotConfirm()
    {
        auto s = stack(StaffRole::ReadOnly);
        CancellationService service(s->runner.get(), s->billingDb.get());
        const QJsonObject json = newSubscription();
        CancelDialog d(&service, s->runner.get(), s->outbox.get(), dialogRow(json));
        open(d, secs(json.value(QLatin1String("created"))));
        QVERIFY(child<QLabel>(d, QStringLiteral("status"))->text().contains(QStringLiteral("role")));
        pickReasonAndGoOn(d, QStringLiteral("other"), {});
        QTest::mouseClick(child(d, QStringLiteral("next")), Qt::LeftButton);
        QTest::mouseClick(child(d, QStringLiteral("continueToCancel")), Qt::LeftButton);
        QVERIFY(!child(d, QStringLiteral("confirm"))->isEnabled());
        QTest::mouseClick(child(d, QStringLiteral("confirm")), Qt::LeftButton);
        QCOMPARE(s->outboxCount(), 0);
    }

    void commentTooLongIsSaidInline()
    {
        auto s = stack();
        CancellationService service(s->runner.get(), s->billingDb.get());
        SubscriptionRow row;
        row.subscription.id = QStringLiteral("sub_offline_only");
        row.subscription.status = QStringLiteral("active");
        row.subscription.currency = QStringLiteral("usd");
        row.amountMinor = 4900;
        row.interval = QStringLiteral("month");
        CancelDialog d(&service, s->runner.get(), s->outbox.get(), row);
        open(d, QDateTime::currentDateTimeUtc());
        clickCheckable(child<QRadioButton>(d, QStringLiteral("reason_low_quality")));
        auto *edit = child<QPlainTextEdit>(d, QStringLiteral("comment"));
        edit->setFocus();
        QTest::keyClicks(edit, QString(501, QLatin1Char('x')));
        auto *message = child<QLabel>(d, QStringLiteral("commentMessage"));
        QVERIFY(message->isVisible());
        QVERIFY(message->text().contains(QStringLiteral("500")));
        QVERIFY(!child(d, QStringLiteral("next"))->isEnabled());
        shoot(&d, QStringLiteral("1-comment-too-long"));
        QTest::keyClick(edit, Qt::Key_Backspace);
        QVERIFY(!message->isVisible());
        QVERIFY(child(d, QStringLiteral("next"))->isEnabled());
    }
};

QTEST_MAIN(tst_CancelDialog)
#include "tst_canceldialog.moc"
