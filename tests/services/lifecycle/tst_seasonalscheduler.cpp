#include "services/lifecycle/seasonalplanservice.h"
#include "services/lifecycle/seasonalscheduler.h"
#include "tests/services/lifecycle/tst_cancelstack.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_SeasonalScheduler : public QObject
{
    Q_OBJECT

private:
    BillingDbFixture m_db;
    QTemporaryDir m_dir;
    int m_n = 0;

    static SeasonalWindow winterWindow(const QString &sub)
    {
        SeasonalWindow w;
        w.subscriptionId = sub;
        w.customerId = QStringLiteral("cus_x");
        w.startMonth = 12;
        w.startDay = 1;
        w.endMonth = 2;
        w.endDay = 28;
        w.behavior = QStringLiteral("keep_as_draft");
        return w;
    }

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void dueActions_data()
    {
        QTest::addColumn<QDateTime>("now");
        QTest::addColumn<QStringList>("done");
        QTest::addColumn<QStringList>("expected"); // "year:action"
        const QString p25 = SeasonalScheduler::runKey(QStringLiteral("sub_1"), 2025, QStringLiteral("pause"));
        const QString p26 = SeasonalScheduler::runKey(QStringLiteral("sub_1"), 2026, QStringLiteral("pause"));
        const QString r25 = SeasonalScheduler::runKey(QStringLiteral("sub_1"), 2025, QStringLiteral("resume"));
        QTest::newRow("before the window") << utc(2026, 11, 30, 23, 59, 59) << QStringList{} << QStringList{};
        QTest::newRow("first second of the window") << utc(2026, 12, 1) << QStringList{} << QStringList{QStringLiteral("2026:pause")};
        QTest::newRow("in January: last year's window") << utc(2027, 1, 15) << QStringList{} << QStringList{QStringLiteral("2026:pause")};
        QTest::newRow("in January, paused already") << utc(2027, 1, 15) << QStringList{p26} << QStringList{};
        QTest::newRow("last day of the window") << utc(2027, 2, 28, 23, 59, 59) << QStringList{p26} << QStringList{};
        QTest::newRow("after the window: resume") << utc(2027, 3, 1) << QStringList{p26} << QStringList{QStringLiteral("2026:resume")};
        QTest::newRow("after the window, never paused") << utc(2027, 3, 1) << QStringList{} << QStringList{};
        QTest::newRow("leap year: Feb 29 is after a Feb 28 end") << utc(2028, 2, 29, 12) << QStringList{p25, r25} << QStringList{};
        QTest::newRow("summer: last year's resume still due") << utc(2026, 7, 1) << QStringList{p25} << QStringList{QStringLiteral("2025:resume")};
    }
    void dueActions()
    {
        QFETCH(QDateTime, now);
        QFETCH(QStringList, done);
        QFETCH(QStringList, expected);
        const QSet<QString> doneKeys(done.begin(), done.end());
        QStringList got;
        for (const SeasonalAction &a : SeasonalScheduler::dueActions({winterWindow(QStringLiteral("sub_1"))}, doneKeys, now))
            got << QStringLiteral("%1:%2").arg(a.windowYear).arg(a.action);
        QCOMPARE(got, expected);
    }

    void windowBounds()
    {
        SeasonalWindow w = winterWindow(QStringLiteral("sub_1"));
        QVERIFY(w.crossesYearEnd());
        QCOMPARE(w.startIn(2026), utc(2026, 12, 1));
        QCOMPARE(w.endAfterStartIn(2026), utc(2027, 3, 1));
        w.endDay = 29; // last day of February, every year
        QCOMPARE(w.endAfterStartIn(2026), utc(2027, 3, 1));
        QCOMPARE(w.endAfterStartIn(2027), utc(2028, 3, 1));
        w.startMonth = 6;
        w.endMonth = 8;
        w.endDay = 31;
        QVERIFY(!w.crossesYearEnd());
        QCOMPARE(w.endAfterStartIn(2026), utc(2026, 9, 1));
        w.startMonth = 2;
        w.startDay = 30;
        QCOMPARE(w.validate().ok(), false);
    }

    void appliedOnceAcrossReruns_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void appliedOnceAcrossReruns()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        ++m_n;
        const QString tag = QString::number(m_n);
        LifecycleStack one(m_dir.path(), settings, actorWith(StaffRole::Support), tag + QStringLiteral("a"));
        QVERIFY2(one.error.isEmpty(), qPrintable(one.error));
        // A second console on the same billing database, with its own outbox and cache.
        LifecycleStack two(m_dir.path(), settings, actorWith(StaffRole::Finance), tag + QStringLiteral("b"));
        QVERIFY2(two.error.isEmpty(), qPrintable(two.error));

        const QJsonObject json = newSubscription();
        const QString subId = json.value(QLatin1String("id")).toString();
        SeasonalPlanService plans(one.billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
        auto stored = waitFor<SeasonalWindow>([&](QObject *ctx, auto h) { plans.setWindow(winterWindow(subId), ctx, h); });
        QVERIFY2(stored, qPrintable(stored ? QString() : stored.error().detail));
        QCOMPARE(stored->version, qint64(1));
        auto read = waitFor<std::optional<SeasonalWindow>>([&](QObject *ctx, auto h) { plans.window(subId, ctx, h); });
        QVERIFY(read && read->has_value());
        QCOMPARE((*read)->describe(), QStringLiteral("Every Dec 1 to Feb 28 (keep_as_draft)"));

        SeasonalScheduler a(one.runner.get(), one.billingDb.get());
        SeasonalScheduler b(two.runner.get(), two.billingDb.get());
        const QDateTime inWindow = utc(2026, 12, 20);
        auto first = a.runDue(inWindow);
        QVERIFY2(first, qPrintable(first ? QString() : first.error().detail));
        QCOMPARE(first->submitted.size(), 1);
        QCOMPARE(first->submitted.first().action, QStringLiteral("pause"));
        auto again = a.runDue(inWindow);
        QVERIFY(again);
        QCOMPARE(again->submitted.size(), 0);
        auto other = b.runDue(utc(2027, 1, 5)); // the other console, after New Year
        QVERIFY(other);
        QCOMPARE(other->submitted.size(), 0);
        QCOMPARE(two.outboxCount(), 0);
        QCOMPARE(one.outboxCount(), 1);

        // Two instances racing for the same claim: only one wins.
        auto claims = one.billingDb->thread().runBlocking([subId](BillingDatabase &db) -> Result<QList<bool>> {
            SeasonalRepository repo(db);
            SeasonalRun run{subId, 2030, QStringLiteral("pause"), {}, QStringLiteral("x"), 0, {}};
            auto c1 = repo.claimRun(run);
            auto c2 = repo.claimRun(run);
            if (!c1 || !c2)
                return Error::make(Error::Kind::Database, QStringLiteral("claim failed"));
            return QList<bool>{*c1, *c2};
        });
        QVERIFY(claims);
        QCOMPARE(*claims, (QList<bool>{true, false}));

        auto entries = one.outbox->entriesBlocking(std::nullopt, 0);
        QVERIFY(entries && entries->size() == 1);
        auto done = one.settled(entries->first().id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QJsonObject sub = sandboxSubscription(subId);
        QCOMPARE(sub.value(QLatin1String("pause_collection")).toObject().value(QLatin1String("behavior")).toString(),
                 QStringLiteral("keep_as_draft"));
        QCOMPARE(sub.value(QLatin1String("pause_collection")).toObject().value(QLatin1String("resumes_at")).toInteger(),
                 utc(2027, 3, 1).toSecsSinceEpoch());

        // After the window: resumed once, by whichever console runs first.
        auto resume = b.runDue(utc(2027, 3, 2));
        QVERIFY2(resume, qPrintable(resume ? QString() : resume.error().detail));
        QCOMPARE(resume->submitted.size(), 1);
        QCOMPARE(resume->submitted.first().action, QStringLiteral("resume"));
        auto resumeAgain = a.runDue(utc(2027, 3, 3));
        QVERIFY(resumeAgain);
        QCOMPARE(resumeAgain->submitted.size(), 0);
        auto twoEntries = two.outbox->entriesBlocking(std::nullopt, 0);
        QVERIFY(twoEntries && twoEntries->size() == 1);
        QCOMPARE(two.settled(twoEntries->first().id)->state, OutboxState::Succeeded);
        QVERIFY(sandboxSubscription(subId).value(QLatin1String("pause_collection")).isNull());
    }

    // The asynchronous run (what the console uses): returns at once, queues the due pause, and a
    // console restarted on the same files and database does not queue it again.
    void asyncRunAppliesOnceAcrossRestart_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void asyncRunAppliesOnceAcrossRestart()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        ++m_n;
        const QString tag = QStringLiteral("async%1").arg(m_n);
        const QJsonObject json = newSubscription();
        const QString subId = json.value(QLatin1String("id")).toString();
        const QDateTime inWindow = utc(2026, 12, 20);
        qint64 entryId = 0;
        {
            LifecycleStack console(m_dir.path(), settings, actorWith(StaffRole::Support), tag);
            QVERIFY2(console.error.isEmpty(), qPrintable(console.error));
            console.outbox->stop(); // the console stops before Stripe is asked
            SeasonalPlanService plans(console.billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
            auto stored = waitFor<SeasonalWindow>([&](QObject *ctx, auto h) { plans.setWindow(winterWindow(subId), ctx, h); });
            QVERIFY2(stored, qPrintable(stored ? QString() : stored.error().detail));

            SeasonalScheduler scheduler(console.runner.get(), console.billingDb.get());
            QSignalSpy started(&scheduler, &SeasonalScheduler::runStarted);
            QSignalSpy finished(&scheduler, &SeasonalScheduler::runFinished);
            std::optional<Result<SchedulerRunReport>> report;
            QObject ctx;
            scheduler.run(inWindow, &ctx, [&](Result<SchedulerRunReport> r) { report.emplace(std::move(r)); });
            QVERIFY(!report.has_value()); // nothing waited for inside run()
            QVERIFY(scheduler.isRunning());
            QCOMPARE(started.count(), 1);
            // A second run while the first is under way is refused, not queued twice.
            auto overlapping = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(inWindow, c, h); });
            QVERIFY(!overlapping);
            QCOMPARE(overlapping.error().kind, Error::Kind::Conflict);
            QTRY_VERIFY_WITH_TIMEOUT(report.has_value(), 10000);
            QVERIFY2(*report, qPrintable(*report ? QString() : report->error().detail));
            QCOMPARE((*report)->submitted.size(), 1);
            QCOMPARE((*report)->submitted.first().action, QStringLiteral("pause"));
            QCOMPARE(finished.count(), 1);
            QVERIFY(scheduler.lastRunAt().isValid());
            QVERIFY(scheduler.lastError().isEmpty());
            QCOMPARE(scheduler.lastReport().submitted.size(), 1);

            auto again = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(inWindow, c, h); });
            QVERIFY(again);
            QCOMPARE(again->submitted.size(), 0);
            QCOMPARE(console.outboxCount(), 1);
            auto entries = console.outbox->entriesBlocking(std::nullopt, 0);
            QVERIFY(entries && entries->size() == 1);
            entryId = entries->first().id;
            QCOMPARE(entries->first().state, OutboxState::Pending);
        }

        // The restarted console: the outbox sends the queued pause; the schedule does not repeat it.
        LifecycleStack restarted(m_dir.path(), settings, actorWith(StaffRole::Support), tag);
        QVERIFY2(restarted.error.isEmpty(), qPrintable(restarted.error));
        SeasonalScheduler scheduler(restarted.runner.get(), restarted.billingDb.get());
        auto afterRestart = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(inWindow.addDays(1), c, h); });
        QVERIFY2(afterRestart, qPrintable(afterRestart ? QString() : afterRestart.error().detail));
        QCOMPARE(afterRestart->submitted.size(), 0);
        auto done = restarted.settled(entryId);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QCOMPARE(restarted.outboxCount(), 1);
        QCOMPARE(sandboxSubscription(subId).value(QLatin1String("pause_collection")).toObject()
                     .value(QLatin1String("behavior")).toString(),
                 QStringLiteral("keep_as_draft"));
        auto runs = restarted.billingDb->thread().runBlocking(
            [subId](BillingDatabase &db) { return SeasonalRepository(db).runs(subId); });
        QVERIFY(runs);
        QCOMPARE(runs->size(), 1);
        QCOMPARE(runs->first().outboxEntryId, entryId);
        QCOMPARE(runs->first().result, QStringLiteral("queued"));
    }

    // A claim that was never queued (its console stopped between the claim and the outbox) is
    // taken over once it is stale; a fresh one is left to the console that holds it.
    void staleClaimIsTakenOver()
    {
        ++m_n;
        const BillingDbSettings settings =
            BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("stale%1.sqlite").arg(m_n)));
        LifecycleStack s(m_dir.path(), settings, actorWith(StaffRole::Support), QStringLiteral("stale%1").arg(m_n));
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        const QString fresh = newSubscription().value(QLatin1String("id")).toString();
        const QString stale = newSubscription().value(QLatin1String("id")).toString();
        SeasonalPlanService plans(s.billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
        QVERIFY(waitFor<SeasonalWindow>([&](QObject *ctx, auto h) { plans.setWindow(winterWindow(fresh), ctx, h); }));
        QVERIFY(waitFor<SeasonalWindow>([&](QObject *ctx, auto h) { plans.setWindow(winterWindow(stale), ctx, h); }));
        const QDateTime now = utc(2026, 12, 20, 12);
        auto claims = s.billingDb->thread().runBlocking([&](BillingDatabase &db) -> Result<bool> {
            SeasonalRepository repo(db);
            auto a = repo.claimRun({fresh, 2026, QStringLiteral("pause"), now.addSecs(-60), QStringLiteral("other"), 0, {}});
            auto b = repo.claimRun({stale, 2026, QStringLiteral("pause"), now.addSecs(-3600), QStringLiteral("other"), 0, {}});
            if (!a || !b)
                return Error::make(Error::Kind::Database, QStringLiteral("claim failed"));
            return *a && *b;
        });
        QVERIFY(claims && *claims);

        SeasonalScheduler scheduler(s.runner.get(), s.billingDb.get());
        auto report = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(now, c, h); });
        QVERIFY2(report, qPrintable(report ? QString() : report.error().detail));
        QCOMPARE(report->submitted.size(), 1);
        QCOMPARE(report->submitted.first().subscriptionId, stale);
        QCOMPARE(s.outboxCount(), 1);
        auto again = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(now.addSecs(3600), c, h); });
        QVERIFY(again);
        QCOMPARE(again->submitted.size(), 1); // the other claim has gone stale too by now
        QCOMPARE(again->submitted.first().subscriptionId, fresh);
        auto third = waitFor<SchedulerRunReport>([&](QObject *c, auto h) { scheduler.run(now.addSecs(7200), c, h); });
        QVERIFY(third);
        QCOMPARE(third->submitted.size(), 0);
        QCOMPARE(s.outboxCount(), 2);
    }

    // The console's automatic runs: one at start-up, then one per interval; a profile that may not
    // pause gets none.
    void automaticRunsTriggerTheSchedule()
    {
        ++m_n;
        const BillingDbSettings settings =
            BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("auto%1.sqlite").arg(m_n)));
        LifecycleStack s(m_dir.path(), settings, actorWith(StaffRole::Support), QStringLiteral("auto%1").arg(m_n));
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        const QJsonObject json = newSubscription();
        const QString subId = json.value(QLatin1String("id")).toString();
        SeasonalPlanService plans(s.billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
        QVERIFY(waitFor<SeasonalWindow>([&](QObject *ctx, auto h) { plans.setWindow(winterWindow(subId), ctx, h); }));

        SeasonalScheduler scheduler(s.runner.get(), s.billingDb.get());
        QSignalSpy finished(&scheduler, &SeasonalScheduler::runFinished);
        QList<int> submittedPerRun;
        connect(&scheduler, &SeasonalScheduler::runFinished, this,
                [&] { submittedPerRun << int(scheduler.lastReport().submitted.size()); });
        QVERIFY(!scheduler.automaticRunsActive());
        QVERIFY(scheduler.startAutomaticRuns(400, [] { return utc(2026, 12, 20); }));
        QVERIFY(scheduler.automaticRunsActive());
        QVERIFY(scheduler.nextAutomaticRun().isValid());
        QCOMPARE(finished.count(), 0); // the start-up run is queued, not run inside the call
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 3, 10000); // start-up run, then the timer keeps running it
        QVERIFY(scheduler.lastError().isEmpty());
        QCOMPARE(submittedPerRun.first(), 1); // the start-up run queued the pause ...
        for (int i = 1; i < submittedPerRun.size(); ++i)
            QCOMPARE(submittedPerRun.at(i), 0); // ... and no later run queued it again
        QCOMPARE(s.outboxCount(), 1);
        // What the subscription's detail panel shows: the last action and the current/next window.
        auto inside = waitFor<SeasonalStatus>([&](QObject *ctx, auto h) { plans.status(subId, utc(2026, 12, 20), ctx, h); });
        QVERIFY2(inside, qPrintable(inside ? QString() : inside.error().detail));
        QVERIFY(inside->window.has_value());
        QVERIFY(inside->lastRun.has_value());
        QCOMPARE(inside->lastRun->action, QStringLiteral("pause"));
        QCOMPARE(inside->lastRun->windowYear, 2026);
        QCOMPARE(inside->currentStart, utc(2026, 12, 1));
        QCOMPARE(inside->currentEnd, utc(2027, 3, 1));
        QCOMPARE(inside->nextStart, utc(2027, 12, 1));
        auto after = waitFor<SeasonalStatus>([&](QObject *ctx, auto h) { plans.status(subId, utc(2027, 3, 5), ctx, h); });
        QVERIFY(after);
        QVERIFY(!after->currentStart.isValid());
        QCOMPARE(after->nextStart, utc(2027, 12, 1));
        QCOMPARE(after->nextEnd, utc(2028, 2, 29)); // "to Feb 28" in a leap year: ends as Feb 29 begins
        auto none = waitFor<SeasonalStatus>([&](QObject *ctx, auto h) { plans.status(QStringLiteral("sub_none"), utc(2027, 3, 5), ctx, h); });
        QVERIFY(none);
        QVERIFY(!none->window.has_value());

        scheduler.stopAutomaticRuns();
        QVERIFY(!scheduler.automaticRunsActive());
        const int runs = int(finished.count());
        QTest::qWait(900);
        QCOMPARE(int(finished.count()), runs);

        LifecycleStack ro(m_dir.path(), settings, actorWith(StaffRole::ReadOnly), QStringLiteral("autoro%1").arg(m_n));
        SeasonalScheduler refused(ro.runner.get(), ro.billingDb.get());
        QSignalSpy started(&refused, &SeasonalScheduler::runStarted);
        QVERIFY(!refused.mayRun());
        QVERIFY(!refused.startAutomaticRuns(100, [] { return utc(2026, 12, 20); }));
        QVERIFY(!refused.automaticRunsActive());
        QTest::qWait(500);
        QCOMPARE(started.count(), 0);
        QCOMPARE(ro.outboxCount(), 0);
    }

    void readOnlyCannotRunOrEdit()
    {
        ++m_n;
        const BillingDbSettings settings = BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("ro%1.sqlite").arg(m_n)));
        LifecycleStack s(m_dir.path(), settings, actorWith(StaffRole::ReadOnly), QStringLiteral("ro%1").arg(m_n));
        SeasonalPlanService plans(s.billingDb.get(), AccessPolicy{}, actorWith(StaffRole::ReadOnly));
        QVERIFY(!plans.mayEdit());
        auto stored = waitFor<SeasonalWindow>(
            [&](QObject *ctx, auto h) { plans.setWindow(winterWindow(QStringLiteral("sub_ro")), ctx, h); });
        QVERIFY(!stored);
        QCOMPARE(stored.error().kind, Error::Kind::Unauthorized);
        SeasonalScheduler scheduler(s.runner.get(), s.billingDb.get());
        auto run = scheduler.runDue(utc(2026, 12, 20));
        QVERIFY(!run);
        QCOMPARE(run.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(s.outboxCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_SeasonalScheduler)
#include "tst_seasonalscheduler.moc"
