#include "app/lifecyclewiring.h"

#include "app/workspacesession.h"
#include "services/lifecycle/cancellationservice.h"
#include "services/lifecycle/seasonalplanservice.h"
#include "services/lifecycle/seasonalscheduler.h"
#include "services/platform/logging.h"
#include "ui/mainwindow.h"
#include "ui/subscriptionspage.h"

#include <QCoreApplication>
#include <QLocale>
#include <QPointer>
#include <QStatusBar>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::LifecycleWiring", text); }

QString day(const QDateTime &at) { return QLocale().toString(at.toUTC().date(), QLocale::ShortFormat); }

// "Every Dec 1 to Feb 28 (keep_as_draft) · paused 01/12/2026 · in the window until 01/03/2027 ·
// applied by this console"
QString describeStatus(const SeasonalStatus &st, const SeasonalScheduler &scheduler)
{
    if (!st.window)
        return {};
    QStringList parts{st.window->describe()};
    if (!st.window->active)
        parts << tr("switched off");
    if (st.lastRun) {
        const bool paused = st.lastRun->action == QLatin1String("pause");
        QString what = paused ? tr("paused %1").arg(day(st.lastRun->at)) : tr("resumed %1").arg(day(st.lastRun->at));
        if (st.lastRun->result.startsWith(QLatin1String("error")))
            what += tr(" (failed)");
        parts << what;
    } else {
        parts << tr("not applied yet");
    }
    if (st.currentStart.isValid())
        parts << tr("in the window until %1").arg(day(st.currentEnd.addSecs(-1)));
    else if (st.nextStart.isValid())
        parts << tr("next %1 to %2").arg(day(st.nextStart), day(st.nextEnd.addSecs(-1)));
    if (scheduler.automaticRunsActive())
        parts << (scheduler.lastRunAt().isValid()
                      ? tr("checked %1").arg(QLocale().toString(scheduler.lastRunAt().toLocalTime().time(),
                                                                 QLocale::ShortFormat))
                      : tr("applied by this console"));
    else
        parts << tr("applied by `seasonal run`");
    return parts.join(QStringLiteral(" \u00b7 "));
}

} // namespace

void wireLifecycle(MainWindow &window, WorkspaceSession &session)
{
    QPointer<MainWindow> win(&window);
    SeasonalScheduler *scheduler = &session.seasonalScheduler();
    SeasonalPlanService *plans = &session.seasonalPlans();

    session.cancellations().reconcile(&window, [](Result<int> settled) {
        if (!settled)
            Logging::logger("app")->error("retention outcomes could not be settled from the audit log: {}",
                                          settled.error().detail.toStdString());
        else if (*settled > 0)
            Logging::logger("app")->info("settled the retention outcomes of {} subscriptions", *settled);
    });

    SubscriptionsPage *page = window.subscriptionsPage();
    if (page) {
        page->setSeasonalLookup([&session, scheduler](const QString &subscriptionId, QObject *context,
                                                      std::function<void(QString)> done) {
            session.seasonalPlans().status(subscriptionId, QDateTime::currentDateTimeUtc(), context,
                          [done, scheduler](Result<SeasonalStatus> st) {
                              if (!st)
                                  done(tr("(not available: %1)").arg(st.error().userMessage));
                              else
                                  done(describeStatus(*st, *scheduler));
                          });
        });
    }

    QObject::connect(scheduler, &SeasonalScheduler::runFinished, &window, [win, scheduler] {
        if (!win)
            return;
        const SchedulerRunReport &r = scheduler->lastReport();
        if (!scheduler->lastError().isEmpty())
            win->statusBar()->showMessage(tr("Seasonal pauses could not be applied: %1").arg(scheduler->lastError()),
                                          15000);
        else if (!r.submitted.isEmpty() || !r.failed.isEmpty())
            win->statusBar()->showMessage(tr("Seasonal pauses: %1 queued, %2 failed.")
                                              .arg(QLocale().toString(int(r.submitted.size())),
                                                   QLocale().toString(int(r.failed.size()))),
                                          15000);
        if (SubscriptionsPage *p = win->subscriptionsPage())
            p->refreshDetail();
    });
    QObject::connect(plans, &SeasonalPlanService::windowChanged, &window, [win] {
        if (win && win->subscriptionsPage())
            win->subscriptionsPage()->refreshDetail();
    });
    scheduler->startAutomaticRuns();
}

} // namespace Billing
