#pragma once

#include "services/domain/result.h"
#include "services/lifecycle/seasonalrepository.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QSet>

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
class SeasonalScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SeasonalScheduler)
public:
    SeasonalScheduler(OperationRunner *runner, AsyncBillingDatabase *billingDb, QObject *parent = nullptr);
    ~SeasonalScheduler() override;

    // What is due at `now` (UTC) for these windows, given the runs already recorded
    // ("sub|year|action" keys). Pure. A pause is due while now is inside the window and it was not
    // done for that window year; a resume is due once the window has ended, when its pause was done.
    static QList<SeasonalAction> dueActions(const QList<SeasonalWindow> &windows, const QSet<QString> &doneKeys,
                                            const QDateTime &now);
    static QString runKey(const QString &subscriptionId, int windowYear, const QString &action);

    // Runs what is due at `now`. Blocks until every claimed operation is committed to the outbox
    // (it spins a local event loop): for the command line and tests, never the GUI thread.
    // Errors: Unauthorized when the runner's actor may not pause (nothing claimed), Database.
    Result<SchedulerRunReport> runDue(const QDateTime &now);

private:
    QPointer<OperationRunner> m_runner;
    AsyncBillingDatabase *m_billingDb;
};

} // namespace Billing
