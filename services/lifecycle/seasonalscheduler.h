#pragma once

#include "services/domain/result.h"
#include "services/lifecycle/seasonalrepository.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;
class OperationRunner;

// One thing the scheduler must do for a window.
struct SeasonalAction
{
    QString subscriptionId;
    int windowYear = 0;  // the year the window starts in
    QString action;      // "pause" | "resume"
    QString behavior;    // pause only
    QDateTime windowStart;
    QDateTime windowEnd; // the pause is sent with resumes_at = windowEnd
};

struct SchedulerRunReport
{
    QList<SeasonalAction> submitted;   // claimed by this run and queued in the outbox
    QList<SeasonalAction> alreadyDone; // due, but claimed before (an earlier run, another console)
    QList<QPair<SeasonalAction, QString>> failed; // could not be queued (claim released), with why
};

// Applies seasonal windows: given "now", pauses the subscriptions whose window has begun and
// resumes those whose window has ended, exactly once per subscription, window year and action.
// The claim is a row with a unique key in the billing database (SeasonalRepository::claimRun), so a
// rerun, a second scheduler instance or another console sharing the database does nothing twice;
// the outbox clientOpId "seasonal:<sub>:<year>:<action>" guards the Stripe write as well.
// Writes go through OperationRunner as its actor (role PauseSubscription; audited).
//
// Threading: the GUI thread (any thread with an event loop). run() never waits: the database work
// runs on the billing database's worker and each write is queued through the runner, one action
// after the other. Only runDue() blocks (command line, tests).
class SeasonalScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SeasonalScheduler)
public:
    // The console's default interval between automatic runs.
    static constexpr int DefaultIntervalMs = 15 * 60 * 1000;
    // A claim still not queued this long after it was made is taken over by the next run (the
    // console that made it stopped in between; the clientOpId keeps its outbox from doubling it).
    static constexpr int StaleClaimSecs = 10 * 60;

    SeasonalScheduler(OperationRunner *runner, AsyncBillingDatabase *billingDb, QObject *parent = nullptr);
    ~SeasonalScheduler() override;

    // What is due at `now` (UTC) for these windows, given the runs already recorded
    // ("sub|year|action" keys). Pure. A pause is due while now is inside the window and it was not
    // done for that window year; a resume is due once the window has ended, when its pause was done.
    static QList<SeasonalAction> dueActions(const QList<SeasonalWindow> &windows, const QSet<QString> &doneKeys,
                                            const QDateTime &now);
    static QString runKey(const QString &subscriptionId, int windowYear, const QString &action);

    // Whether the runner's actor may run the schedule (Permission::PauseSubscription).
    bool mayRun() const;
    bool isRunning() const { return m_active; }

    // Runs what is due at `now`, asynchronously; `done` runs on this thread while `context` lives,
    // with what was queued (each claimed write is committed to the outbox before `done`), and
    // runStarted/runFinished are emitted. Errors: Unauthorized when the actor may not pause
    // (nothing claimed), Conflict when a run is already under way, Database.
    void run(const QDateTime &now, QObject *context, std::function<void(Result<SchedulerRunReport>)> done);

    // run() waited on with a local event loop: for the command line and tests, never the GUI thread.
    Result<SchedulerRunReport> runDue(const QDateTime &now);

    // Automatic runs (the console): one run now (queued, not within this call) and then one every
    // intervalMs, each at clock(). false, and nothing scheduled, when the actor may not run it.
    // stopAutomaticRuns() or the destructor ends them.
    bool startAutomaticRuns(int intervalMs = DefaultIntervalMs, std::function<QDateTime()> clock = {});
    void stopAutomaticRuns();
    bool automaticRunsActive() const;
    // When the next automatic run is due (invalid when none is scheduled).
    QDateTime nextAutomaticRun() const;

    // The last finished run (invalid before the first), with its report or its error text.
    QDateTime lastRunAt() const { return m_lastRunAt; }
    const SchedulerRunReport &lastReport() const { return m_lastReport; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void runStarted();
    // After every run (ok or not); lastRunAt/lastReport/lastError tell how it went.
    void runFinished();

private:
    struct Pass;
    void step(const std::shared_ptr<Pass> &pass);
    void finish(const std::shared_ptr<Pass> &pass, std::optional<Error> error);
    void automaticRun();

    QPointer<OperationRunner> m_runner;
    AsyncBillingDatabase *m_billingDb;
    bool m_active = false;
    QTimer *m_timer = nullptr;
    std::function<QDateTime()> m_clock;
    QDateTime m_lastRunAt;
    SchedulerRunReport m_lastReport;
    QString m_lastError;
};

} // namespace Billing
