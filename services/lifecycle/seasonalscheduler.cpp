#include "services/lifecycle/seasonalscheduler.h"

#include "services/lifecycle/pauseservice.h"
#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QEventLoop>

#include <optional>

namespace Billing {

SeasonalScheduler::SeasonalScheduler(OperationRunner *runner, AsyncBillingDatabase *billingDb, QObject *parent)
    : QObject(parent), m_runner(runner), m_billingDb(billingDb)
{
}

SeasonalScheduler::~SeasonalScheduler() = default;

QString SeasonalScheduler::runKey(const QString &subscriptionId, int windowYear, const QString &action)
{
    return QStringLiteral("%1|%2|%3").arg(subscriptionId).arg(windowYear).arg(action);
}

QList<SeasonalAction> SeasonalScheduler::dueActions(const QList<SeasonalWindow> &windows,
                                                    const QSet<QString> &doneKeys, const QDateTime &now)
{
    const QDateTime utcNow = now.toUTC();
    QList<SeasonalAction> out;
    for (const SeasonalWindow &w : windows) {
        if (!w.active || !w.validate())
            continue;
        // A window that crosses the year end and is running in January started last year.
        for (int year : {utcNow.date().year() - 1, utcNow.date().year()}) {
            SeasonalAction a;
            a.subscriptionId = w.subscriptionId;
            a.windowYear = year;
            a.behavior = w.behavior;
            a.windowStart = w.startIn(year);
            a.windowEnd = w.endAfterStartIn(year);
            if (utcNow < a.windowStart)
                continue;
            if (utcNow < a.windowEnd) {
                a.action = QStringLiteral("pause");
                if (!doneKeys.contains(runKey(w.subscriptionId, year, a.action)))
                    out << a;
            } else if (doneKeys.contains(runKey(w.subscriptionId, year, QStringLiteral("pause")))) {
                a.action = QStringLiteral("resume");
                if (!doneKeys.contains(runKey(w.subscriptionId, year, a.action)))
                    out << a;
            }
        }
    }
    return out;
}

struct SeasonalScheduler::Pass
{
    QDateTime now;
    QString actor;
    QList<SeasonalAction> due;
    int next = 0;
    SchedulerRunReport report;
    QPointer<QObject> context;
    std::function<void(Result<SchedulerRunReport>)> done;
};

bool SeasonalScheduler::mayRun() const
{
    return m_runner && m_runner->policy().check(m_runner->actor(), Permission::PauseSubscription).ok();
}

void SeasonalScheduler::run(const QDateTime &now, QObject *context,
                            std::function<void(Result<SchedulerRunReport>)> done)
{
    auto refuse = [this, context, done](const Error &e) {
        QMetaObject::invokeMethod(this, [ctx = QPointer<QObject>(context), done, e] {
            if (ctx && done)
                done(e);
        }, Qt::QueuedConnection);
    };
    if (!m_runner || !m_billingDb)
        return refuse(Error::make(Error::Kind::Cancelled, tr("The scheduler has no runner or database.")));
    if (Status s = m_runner->policy().check(m_runner->actor(), Permission::PauseSubscription); !s)
        return refuse(s.error());
    if (m_active)
        return refuse(Error::make(Error::Kind::Conflict, tr("A seasonal run is already under way.")));

    m_active = true;
    auto pass = std::make_shared<Pass>();
    pass->now = now.toUTC();
    pass->actor = m_runner->actor().tag();
    pass->context = context;
    pass->done = std::move(done);
    Q_EMIT runStarted();

    struct State
    {
        QList<SeasonalWindow> windows;
        QSet<QString> done;
    };
    const QDateTime staleBefore = pass->now.addSecs(-StaleClaimSecs);
    m_billingDb->thread().run(
        this,
        [staleBefore](BillingDatabase &db) -> Result<State> {
            SeasonalRepository repo(db);
            auto windows = repo.windows(true);
            if (!windows)
                return windows.error();
            auto runs = repo.runs();
            if (!runs)
                return runs.error();
            State st;
            st.windows = *windows;
            for (const SeasonalRun &r : *runs) {
                // A claim never queued and older than StaleClaimSecs: its console stopped in
                // between; due again (taken over in step()).
                if (r.result == QLatin1String("claimed") && r.outboxEntryId == 0 && r.at.isValid()
                    && r.at <= staleBefore)
                    continue;
                st.done.insert(runKey(r.subscriptionId, r.windowYear, r.action));
            }
            return st;
        },
        [this, pass](Result<State> state) {
            if (!state)
                return finish(pass, state.error());
            pass->due = dueActions(state->windows, state->done, pass->now);
            step(pass);
        });
}

// One action: claim -> queue through the runner -> note the entry (or release the claim) -> next.
void SeasonalScheduler::step(const std::shared_ptr<Pass> &pass)
{
    if (pass->next >= pass->due.size())
        return finish(pass, std::nullopt);
    if (!m_runner)
        return finish(pass, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    const SeasonalAction a = pass->due.at(pass->next++);
    SeasonalRun run{a.subscriptionId, a.windowYear, a.action, pass->now, pass->actor, 0, QStringLiteral("claimed")};
    const QDateTime staleBefore = pass->now.addSecs(-StaleClaimSecs);
    m_billingDb->thread().run(
        this,
        [run, staleBefore](BillingDatabase &db) -> Result<bool> {
            SeasonalRepository repo(db);
            Result<bool> claimed = repo.claimRun(run);
            if (!claimed || *claimed)
                return claimed;
            return repo.reclaimStaleRun(run, staleBefore);
        },
        [this, pass, a, run](Result<bool> claimed) mutable {
            if (!claimed)
                return finish(pass, claimed.error());
            if (!*claimed) {
                pass->report.alreadyDone << a;
                return step(pass);
            }
            if (!m_runner)
                return finish(pass, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
            Subscription sub;
            sub.id = a.subscriptionId;
            const QString clientOpId =
                QStringLiteral("seasonal:%1:%2:%3").arg(a.subscriptionId).arg(a.windowYear).arg(a.action);
            OperationRequest request;
            if (a.action == QLatin1String("pause")) {
                PauseRequest pause;
                pause.behavior = pauseBehaviorFromName(a.behavior).value_or(PauseBehavior::KeepAsDraft);
                pause.resumesAt = a.windowEnd;
                request = PauseService::pauseOperation(sub, pause, clientOpId);
                request.intentSummary = tr("Seasonal pause %1 to %2 (%3)")
                                            .arg(a.windowStart.toString(Qt::ISODate),
                                                 a.windowEnd.toString(Qt::ISODate), a.behavior);
            } else {
                sub.pauseBehavior = a.behavior;
                request = PauseService::resumeOperation(sub, clientOpId);
                request.intentSummary = tr("Seasonal window %1 ended: resume collection").arg(a.windowYear);
            }
            m_runner->submit(request, this, [this, pass, a, run](Result<OutboxEntry> queued) mutable {
                if (!queued) {
                    pass->report.failed << qMakePair(a, queued.error().userMessage);
                    m_billingDb->thread().run(
                        this,
                        [a](BillingDatabase &db) {
                            return SeasonalRepository(db).releaseRun(a.subscriptionId, a.windowYear, a.action);
                        },
                        [this, pass](Status released) {
                            if (!released)
                                return finish(pass, released.error());
                            step(pass);
                        });
                    return;
                }
                run.outboxEntryId = queued->id;
                run.result = QStringLiteral("queued");
                m_billingDb->thread().run(
                    this, [run](BillingDatabase &db) { return SeasonalRepository(db).updateRun(run); },
                    [this, pass, a](Status updated) {
                        if (!updated)
                            return finish(pass, updated.error());
                        pass->report.submitted << a;
                        step(pass);
                    });
            });
        });
}

void SeasonalScheduler::finish(const std::shared_ptr<Pass> &pass, std::optional<Error> error)
{
    m_active = false;
    m_lastRunAt = QDateTime::currentDateTimeUtc();
    m_lastReport = pass->report;
    m_lastError = error ? error->userMessage : QString();
    const auto log = Logging::logger("app");
    if (error)
        log->error("seasonal run at {}: {}", pass->now.toString(Qt::ISODate).toStdString(), error->detail.toStdString());
    else if (!pass->report.submitted.isEmpty() || !pass->report.failed.isEmpty())
        log->info("seasonal run at {}: {} queued, {} already done, {} failed",
                  pass->now.toString(Qt::ISODate).toStdString(), pass->report.submitted.size(),
                  pass->report.alreadyDone.size(), pass->report.failed.size());
    Q_EMIT runFinished();
    if (pass->context && pass->done) {
        if (error)
            pass->done(*error);
        else
            pass->done(pass->report);
    }
}

Result<SchedulerRunReport> SeasonalScheduler::runDue(const QDateTime &now)
{
    std::optional<Result<SchedulerRunReport>> out;
    QEventLoop loop;
    QObject context;
    run(now, &context, [&out, &loop](Result<SchedulerRunReport> r) {
        out = std::move(r);
        loop.quit();
    });
    if (!out)
        loop.exec();
    return *out;
}

bool SeasonalScheduler::startAutomaticRuns(int intervalMs, std::function<QDateTime()> clock)
{
    stopAutomaticRuns();
    if (!mayRun()) {
        Logging::logger("app")->info("seasonal windows are not applied by this console: the staff profile may not "
                                     "pause subscriptions");
        return false;
    }
    m_clock = clock ? std::move(clock) : [] { return QDateTime::currentDateTimeUtc(); };
    m_timer = new QTimer(this);
    m_timer->setInterval(qMax(1, intervalMs));
    connect(m_timer, &QTimer::timeout, this, &SeasonalScheduler::automaticRun);
    m_timer->start();
    QMetaObject::invokeMethod(this, &SeasonalScheduler::automaticRun, Qt::QueuedConnection);
    return true;
}

void SeasonalScheduler::stopAutomaticRuns()
{
    delete m_timer;
    m_timer = nullptr;
}

bool SeasonalScheduler::automaticRunsActive() const
{
    return m_timer && m_timer->isActive();
}

QDateTime SeasonalScheduler::nextAutomaticRun() const
{
    if (!automaticRunsActive())
        return {};
    return QDateTime::currentDateTimeUtc().addMSecs(m_timer->remainingTime());
}

void SeasonalScheduler::automaticRun()
{
    if (!m_timer || m_active)
        return; // stopped meanwhile, or the previous run is still going: the next tick tries again
    run(m_clock(), this, {});
}

} // namespace Billing
