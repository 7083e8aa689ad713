// DunningRunner against the sandbox: each (invoice, step) is decided once, across a second run, a
// console restart on the same files, two consoles running at the same moment on one billing
// database, and a crash between the decision and the outbox.

#include "dunningstack.h"
#include "services/dunning/declinecodes.h"
#include "services/dunning/recoverymetrics.h"

#include <QSignalSpy>

#include <QTemporaryDir>
#include <QTimeZone>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

static QString declineOf(const InvoiceRow &row)
{
    return DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
}

class tst_DunningRunner : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QList<FailedInvoice> m_failed; // 0,1: restart; 2,3: two consoles; 4: crash
    QList<DunningRule> m_rules;

    static QList<DunningRule> saveRules(DunningStack &s)
    {
        QList<DunningRule> out;
        const QList<DunningRule> wanted = [] {
            DunningRule notify;
            notify.name = QStringLiteral("Tell the owner");
            notify.trigger = DunningTrigger::OnFailure;
            notify.action = DunningAction::NotifyOwner;
            DunningRule pause;
            pause.name = QStringLiteral("Pause after a day");
            pause.trigger = DunningTrigger::AfterDays;
            pause.days = 1;
            pause.action = DunningAction::Pause;
            DunningRule remind;
            remind.name = QStringLiteral("Reminder after a day");
            remind.trigger = DunningTrigger::AfterDays;
            remind.days = 1;
            remind.action = DunningAction::SendReminder;
            return QList<DunningRule>{notify, pause, remind};
        }();
        for (const DunningRule &r : wanted) {
            Result<DunningRule> saved = s.db([r](BillingDatabase &db) { return DunningRepository(db).saveRule(r, QStringLiteral("fin@example.com")); });
            if (saved)
                out << saved.value();
        }
        return out;
    }

    // Requested pause writes audited for a subscription (one per outbox entry).
    static int pauseRequests(DunningStack &s, const QString &subscriptionId)
    {
        AuditQuery q;
        q.targetId = subscriptionId;
        q.operation = QStringLiteral("subscription.pause");
        Result<QList<AuditEntry>> r = s.db([q](BillingDatabase &db) { return db.audit(q); });
        int n = 0;
        for (const AuditEntry &a : r.valueOr({}))
            n += a.result == QLatin1String("requested") || a.result == QLatin1String("pending") ? 1 : 0;
        return n;
    }

    static bool paused(const QString &subscriptionId)
    {
        return sandboxForm("GET", QStringLiteral("/v1/subscriptions/") + subscriptionId).value(QLatin1String("pause_collection")).isObject();
    }

    static QDateTime later() { return QDateTime::currentDateTimeUtc().addDays(2); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(!sandboxUrl().isEmpty());
        const QStringList codes{QStringLiteral("insufficient_funds"), QStringLiteral("do_not_honor"), QStringLiteral("insufficient_funds"),
                                QStringLiteral("generic_decline"), QStringLiteral("card_velocity_exceeded")};
        for (int i = 0; i < codes.size(); ++i) {
            const std::optional<FailedInvoice> f = makeFailedInvoice(QStringLiteral("Runner Case %1").arg(i), codes.at(i));
            QVERIFY2(f, qPrintable(codes.at(i)));
            m_failed << *f;
        }
    }

    void stepFollowsTheTrigger()
    {
        DunningRule r;
        r.id = 7;
        r.trigger = DunningTrigger::OnFailure;
        Invoice i;
        i.status = QStringLiteral("open");
        i.attemptCount = 2;
        i.created = QDateTime(QDate(2026, 3, 1), QTime(10, 0), QTimeZone::utc());
        i.nextPaymentAttempt = i.created.addDays(3);
        QCOMPARE(DunningRunner::stepFor(r, i, i.created), QStringLiteral("r7:a2"));
        r.trigger = DunningTrigger::AfterDays;
        r.days = 3;
        QCOMPARE(DunningRunner::stepFor(r, i, i.created.addSecs(3 * 86400 - 1)), QString());
        QCOMPARE(DunningRunner::stepFor(r, i, i.created.addDays(3)), QStringLiteral("r7"));
        r.trigger = DunningTrigger::OnFinalAttempt;
        QCOMPARE(DunningRunner::stepFor(r, i, i.created), QString());
        i.nextPaymentAttempt = {};
        QCOMPARE(DunningRunner::stepFor(r, i, i.created), QStringLiteral("r7"));
        r.enabled = false;
        QCOMPARE(DunningRunner::stepFor(r, i, i.created), QString());
        r.enabled = true;
        i.status = QStringLiteral("paid");
        QCOMPARE(DunningRunner::stepFor(r, i, i.created), QString());
        QCOMPARE(DunningRunner::clientOpIdFor(QStringLiteral("in_1"), QStringLiteral("r7")), QStringLiteral("dunning:in_1:r7"));
    }

    void decidesOncePerStepAcrossRunsAndRestart()
    {
        const QString dir = m_dir.filePath(QStringLiteral("restart"));
        QDir().mkpath(dir);
        {
            DunningStack s(dir, dunningFinance());
            QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
            m_rules = saveRules(s);
            QCOMPARE(m_rules.size(), 3);
            QVERIFY(s.load(m_failed[0].invoiceId).ok());
            QVERIFY(s.load(m_failed[1].invoiceId).ok());
            Result<DunningRunReport> first = s.runRules(later());
            QVERIFY2(first.ok(), qPrintable(first ? QString() : first.error().detail));
            QCOMPARE(first->invoices, 2);
            QCOMPARE(first->decided, 6);
            QCOMPARE(first->notified, 2);
            QCOMPARE(first->queued, 2);
            QCOMPARE(first->skipped, 2); // reminders: Stripe e-mails only send_invoice invoices
            QCOMPARE(first->alreadyDone, 0);
            for (qint64 id : first->outboxEntries) {
                const std::optional<OutboxEntry> e = s.settled(id);
                QVERIFY(e);
                QCOMPARE(e->state, OutboxState::Succeeded);
            }
            QVERIFY(paused(m_failed[0].subscriptionId));
            QVERIFY(paused(m_failed[1].subscriptionId));
            // Same console, again: nothing new.
            Result<DunningRunReport> second = s.runRules(later());
            QVERIFY(second.ok());
            QCOMPARE(second->decided, 0);
            QCOMPARE(second->alreadyDone, 6);
            QCOMPARE(second->queued, 0);
            // The run rows say what happened; the notifications name the owner-less team.
            Result<QList<DunningRuleRun>> runs = s.db([](BillingDatabase &db) { return DunningRepository(db).runs(); });
            QVERIFY(runs.ok());
            QCOMPARE(runs->size(), 6);
            QTRY_VERIFY_WITH_TIMEOUT([&] {
                int done = 0;
                for (const DunningRuleRun &r : s.db([](BillingDatabase &db) { return DunningRepository(db).runs(); }).valueOr({}))
                    done += r.action == QLatin1String("pause") && r.state == QLatin1String("done") ? 1 : 0;
                return done == 2;
            }(), 10000);
        }
        // Restart: a new console on the same files.
        DunningStack again(dir, dunningFinance());
        QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
        Result<DunningRunReport> third = again.runRules(later().addDays(1));
        QVERIFY(third.ok());
        QCOMPARE(third->invoices, 2);
        QCOMPARE(third->decided, 0);
        QCOMPARE(third->alreadyDone, 6);
        QCOMPARE(pauseRequests(again, m_failed[0].subscriptionId), 1);
        QCOMPARE(pauseRequests(again, m_failed[1].subscriptionId), 1);
        Result<QList<DunningNotification>> notes = again.db([](BillingDatabase &db) { return DunningRepository(db).notifications(); });
        QCOMPARE(notes->size(), 2);
    }

    void twoConsolesAtOnceDecideEachStepOnce()
    {
        const QString shared = m_dir.filePath(QStringLiteral("shared-billing.sqlite"));
        const QString d1 = m_dir.filePath(QStringLiteral("console1")), d2 = m_dir.filePath(QStringLiteral("console2"));
        QDir().mkpath(d1);
        QDir().mkpath(d2);
        DunningStack a(d1, dunningFinance(), shared);
        DunningStack b(d2, dunningFinance(), shared);
        QVERIFY(a.error.isEmpty() && b.error.isEmpty());
        QCOMPARE(saveRules(a).size(), 3);
        for (DunningStack *s : {&a, &b}) {
            QVERIFY(s->load(m_failed[2].invoiceId).ok());
            QVERIFY(s->load(m_failed[3].invoiceId).ok());
        }
        std::optional<Result<DunningRunReport>> ra, rb;
        QObject ctx;
        const QDateTime now = later();
        a.dunning->run(now, &ctx, [&](Result<DunningRunReport> r) { ra.emplace(std::move(r)); });
        b.dunning->run(now, &ctx, [&](Result<DunningRunReport> r) { rb.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(ra.has_value() && rb.has_value(), 60000);
        QVERIFY(ra->ok() && rb->ok());
        QCOMPARE(ra->value().decided + rb->value().decided, 6);
        QCOMPARE(ra->value().alreadyDone + rb->value().alreadyDone, 6);
        QCOMPARE(ra->value().queued + rb->value().queued, 2);
        for (DunningStack *s : {&a, &b})
            for (qint64 id : (s == &a ? ra : rb)->value().outboxEntries)
                QVERIFY(s->settled(id).has_value());
        QCOMPARE(pauseRequests(a, m_failed[2].subscriptionId), 1);
        QCOMPARE(pauseRequests(a, m_failed[3].subscriptionId), 1);
        QVERIFY(paused(m_failed[2].subscriptionId));
    }

    // A queued invoice that Stripe gets paid by itself (its own retry, or the customer paying the
    // hosted invoice): the sandbox's pay endpoint called directly, then a sync from events. It leaves
    // the queue and the recovery is counted once, with the decline and the policy step it was at.
    void paymentCollectedInStripeIsCountedOnce()
    {
        const QString dir = m_dir.filePath(QStringLiteral("paid-in-stripe"));
        QDir().mkpath(dir);
        DunningStack s(dir, dunningFinance());
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        const std::optional<FailedInvoice> f =
            makeDeclinedOneOffInvoice(QStringLiteral("Paid In Stripe"), QStringLiteral("pm_card_chargeDeclinedInsufficientFunds"));
        QVERIFY(f);
        const Status synced = s.sync();
        QVERIFY2(synced.ok(), qPrintable(synced ? QString() : synced.error().detail));
        const std::optional<InvoiceRow> row = s.failedRow(f->invoiceId);
        QVERIFY(row);
        QCOMPARE(declineOf(*row), QStringLiteral("insufficient_funds"));

        // The first run also counts invoices of the shared sandbox paid after a failure (between runs).
        Result<DunningRunReport> first = s.runRules(QDateTime::currentDateTimeUtc());
        QVERIFY(first.ok());
        QSignalSpy recovered(s.dunning.get(), &DunningRunner::recovered);
        Result<QList<DunningWatch>> watched = s.db([](BillingDatabase &db) { return DunningRepository(db).watched(); });
        QVERIFY(watched.ok());
        const auto w = std::find_if(watched->cbegin(), watched->cend(), [&](const DunningWatch &x) { return x.invoiceId == f->invoiceId; });
        QVERIFY(w != watched->cend());
        QCOMPARE(w->declineCode, QStringLiteral("insufficient_funds"));
        QCOMPARE(w->policyStep, QStringLiteral("smart retry 1"));
        QCOMPARE(w->amountMinor, f->amountDue);

        // Paid out of the console, straight at the sandbox, with a working card.
        const QJsonObject paid = sandboxForm("POST", QStringLiteral("/v1/invoices/%1/pay").arg(f->invoiceId),
                                             {{QStringLiteral("payment_method"), QStringLiteral("pm_card_visa")}});
        QCOMPARE(paid.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
        const Status refreshed = s.refresh();
        QVERIFY2(refreshed.ok(), qPrintable(refreshed ? QString() : refreshed.error().detail));
        QVERIFY(!s.failedRow(f->invoiceId)); // the invoice.paid event brought it in: out of the queue

        Result<DunningRunReport> second = s.runRules(QDateTime::currentDateTimeUtc());
        QVERIFY(second.ok());
        QVERIFY(second->recovered >= 1);
        QCOMPARE(recovered.count(), second->recovered);
        QVERIFY(std::any_of(recovered.cbegin(), recovered.cend(), [&](const QList<QVariant> &a) { return a.at(0).toString() == f->invoiceId; }));
        // Again, and after another sync: not counted twice.
        QVERIFY(s.refresh().ok());
        Result<DunningRunReport> third = s.runRules(QDateTime::currentDateTimeUtc());
        QVERIFY(third.ok());
        int mine = 0;
        for (const QList<QVariant> &a : recovered)
            mine += a.at(0).toString() == f->invoiceId ? 1 : 0;
        QCOMPARE(mine, 1);

        Result<QList<DunningRecovery>> recoveries = s.db([](BillingDatabase &db) { return DunningRepository(db).recoveries(); });
        QVERIFY(recoveries.ok());
        QList<DunningRecovery> counted;
        for (const DunningRecovery &r : recoveries.value())
            if (r.invoiceId == f->invoiceId)
                counted << r;
        QCOMPARE(counted.size(), 1);
        QCOMPARE(counted.first().amountMinor, f->amountDue);
        QCOMPARE(counted.first().currency, QStringLiteral("usd"));
        QCOMPARE(counted.first().declineCode, QStringLiteral("insufficient_funds"));
        QCOMPARE(counted.first().attempts, 2);
        QCOMPARE(counted.first().step, QStringLiteral("paid_in_stripe (smart retry 1)"));
        AuditQuery q;
        q.targetId = f->invoiceId;
        q.operation = QStringLiteral("dunning.recovered");
        QCOMPARE(s.db([q](BillingDatabase &db) { return db.audit(q); }).valueOr({}).size(), 1);
        // The metrics count it: one recovery of 42.00 USD at the 1st retry.
        const RecoveryMetrics m = RecoveryMetrics::compute(counted, {}, QStringLiteral("usd"));
        QCOMPARE(m.recovered, 1);
        QCOMPARE(m.recoveredMinor, f->amountDue);
        // Gone from the watch list.
        watched = s.db([](BillingDatabase &db) { return DunningRepository(db).watched(); });
        QVERIFY(std::none_of(watched->cbegin(), watched->cend(), [&](const DunningWatch &x) { return x.invoiceId == f->invoiceId; }));
    }

    // An invoice that fails and is paid before any run sees it in the queue (between two runs) is
    // still counted, once, from the cache: paid after a failed attempt.
    void paymentFailedAndPaidBetweenRunsIsCountedOnce()
    {
        const QString dir = m_dir.filePath(QStringLiteral("between-runs"));
        QDir().mkpath(dir);
        DunningStack s(dir, dunningFinance());
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QVERIFY(s.runRules(QDateTime::currentDateTimeUtc()).ok()); // the previous run

        const std::optional<FailedInvoice> f =
            makeDeclinedOneOffInvoice(QStringLiteral("Paid Between Runs"), QStringLiteral("pm_card_chargeDeclinedInsufficientFunds"));
        QVERIFY(f);
        const QJsonObject paid = sandboxForm("POST", QStringLiteral("/v1/invoices/%1/pay").arg(f->invoiceId),
                                             {{QStringLiteral("payment_method"), QStringLiteral("pm_card_visa")}});
        QCOMPARE(paid.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
        const Status refreshed = s.refresh();
        QVERIFY2(refreshed.ok(), qPrintable(refreshed ? QString() : refreshed.error().detail));
        QVERIFY(!s.failedRow(f->invoiceId));

        QSignalSpy recovered(s.dunning.get(), &DunningRunner::recovered);
        Result<DunningRunReport> next = s.runRules(QDateTime::currentDateTimeUtc());
        QVERIFY(next.ok());
        QVERIFY(std::any_of(recovered.cbegin(), recovered.cend(), [&](const QList<QVariant> &a) { return a.at(0).toString() == f->invoiceId; }));
        QVERIFY(s.runRules(QDateTime::currentDateTimeUtc()).ok());
        int mine = 0;
        for (const QList<QVariant> &a : recovered)
            mine += a.at(0).toString() == f->invoiceId ? 1 : 0;
        QCOMPARE(mine, 1);

        Result<QList<DunningRecovery>> recoveries = s.db([](BillingDatabase &db) { return DunningRepository(db).recoveries(); });
        QVERIFY(recoveries.ok());
        const auto r = std::find_if(recoveries->cbegin(), recoveries->cend(), [&](const DunningRecovery &x) { return x.invoiceId == f->invoiceId; });
        QVERIFY(r != recoveries->cend());
        QCOMPARE(r->amountMinor, f->amountDue);
        QCOMPARE(r->currency, QStringLiteral("usd"));
        QCOMPARE(r->step, QStringLiteral("paid_in_stripe (between runs)"));
        QCOMPARE(r->attempts, 2);
    }

    // The decision was written, then the console died before the outbox had the write: the next run
    // queues it, once.
    void crashBetweenDecisionAndOutboxIsResumedOnce()
    {
        const QString dir = m_dir.filePath(QStringLiteral("crash"));
        QDir().mkpath(dir);
        DunningStack s(dir, dunningFinance());
        QVERIFY(s.error.isEmpty());
        const QList<DunningRule> rules = saveRules(s);
        QCOMPARE(rules.size(), 3);
        QVERIFY(s.load(m_failed[4].invoiceId).ok());
        const QString inv = m_failed[4].invoiceId;
        const QString step = QStringLiteral("r%1").arg(rules.at(1).id); // the pause rule
        DunningRuleRun run;
        run.invoiceId = inv;
        run.stepKey = step;
        run.ruleId = rules.at(1).id;
        run.action = QStringLiteral("pause");
        run.clientOpId = DunningRunner::clientOpIdFor(inv, step);
        run.actor = QStringLiteral("fin@example.com");
        QVERIFY(s.db([run](BillingDatabase &db) { return DunningRepository(db).claimStep(run, std::nullopt); }).valueOr(false));

        Result<DunningRunReport> r = s.runRules(later());
        QVERIFY(r.ok());
        QCOMPARE(r->resumed, 1);
        QCOMPARE(r->queued, 1);
        QCOMPARE(r->decided, 2); // notify + reminder, decided now
        QCOMPARE(r->outboxEntries.size(), 1);
        QCOMPARE(s.settled(r->outboxEntries.first())->state, OutboxState::Succeeded);
        Result<DunningRunReport> again = s.runRules(later());
        QCOMPARE(again->resumed, 0);
        QCOMPARE(again->queued, 0);
        QCOMPARE(again->alreadyDone, 3);
        QCOMPARE(pauseRequests(s, m_failed[4].subscriptionId), 1);
    }
};

QTEST_GUILESS_MAIN(tst_DunningRunner)
#include "tst_dunningrunner.moc"
