#include "services/lifecycle/seasonalscheduler.h"

#include "services/lifecycle/pauseservice.h"
#include "services/operations/operationrunner.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QCoreApplication>
#include <QEventLoop>

#include <optional>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::SeasonalScheduler", text); }
} // namespace

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

Result<SchedulerRunReport> SeasonalScheduler::runDue(const QDateTime &now)
{
    if (!m_runner || !m_billingDb)
        return Error::make(Error::Kind::Cancelled, tr("The scheduler has no runner or database."));
    if (Status s = m_runner->policy().check(m_runner->actor(), Permission::PauseSubscription); !s)
        return s.error();
    const QString actor = m_runner->actor().tag();

    struct State
    {
        QList<SeasonalWindow> windows;
        QSet<QString> done;
    };
    auto state = m_billingDb->thread().runBlocking([](BillingDatabase &db) -> Result<State> {
        SeasonalRepository repo(db);
        auto windows = repo.windows(true);
        if (!windows)
            return windows.error();
        auto runs = repo.runs();
        if (!runs)
            return runs.error();
        State st;
        st.windows = *windows;
        for (const SeasonalRun &r : *runs)
            st.done.insert(runKey(r.subscriptionId, r.windowYear, r.action));
        return st;
    });
    if (!state)
        return state.error();

    SchedulerRunReport report;
    for (const SeasonalAction &a : dueActions(state->windows, state->done, now)) {
        SeasonalRun run{a.subscriptionId, a.windowYear, a.action, now.toUTC(), actor, 0, QStringLiteral("claimed")};
        auto claimed = m_billingDb->thread().runBlocking(
            [run](BillingDatabase &db) { return SeasonalRepository(db).claimRun(run); });
        if (!claimed)
            return claimed.error();
        if (!*claimed) {
            report.alreadyDone << a;
            continue;
        }
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
                                        .arg(a.windowStart.toString(Qt::ISODate), a.windowEnd.toString(Qt::ISODate),
                                             a.behavior);
        } else {
            sub.pauseBehavior = a.behavior;
            request = PauseService::resumeOperation(sub, clientOpId);
            request.intentSummary = tr("Seasonal window %1 ended: resume collection").arg(a.windowYear);
        }

        std::optional<Result<OutboxEntry>> queued;
        QEventLoop loop;
        QObject context;
        m_runner->submit(request, &context, [&queued, &loop](Result<OutboxEntry> r) {
            queued = std::move(r);
            loop.quit();
        });
        if (!queued)
            loop.exec();

        if (!*queued) {
            const QString why = queued->error().userMessage;
            report.failed << qMakePair(a, why);
            auto released = m_billingDb->thread().runBlocking([a](BillingDatabase &db) {
                return SeasonalRepository(db).releaseRun(a.subscriptionId, a.windowYear, a.action);
            });
            if (!released)
                return released.error();
            continue;
        }
        run.outboxEntryId = queued->value().id;
        run.result = QStringLiteral("queued");
        auto updated =
            m_billingDb->thread().runBlocking([run](BillingDatabase &db) { return SeasonalRepository(db).updateRun(run); });
        if (!updated)
            return updated.error();
        report.submitted << a;
    }
    return report;
}

} // namespace Billing
