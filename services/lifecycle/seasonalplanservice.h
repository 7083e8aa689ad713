#pragma once

#include "services/access/accesspolicy.h"
#include "services/domain/result.h"
#include "services/lifecycle/seasonalrepository.h"

#include <QDateTime>
#include <QObject>

#include <functional>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;

// Where a subscription's seasonal window stands, for the detail panel.
struct SeasonalStatus
{
    std::optional<SeasonalWindow> window;
    std::optional<SeasonalRun> lastRun; // the newest scheduler action for this subscription
    QDateTime currentStart, currentEnd; // the window `now` is inside (both invalid when outside)
    QDateTime nextStart, nextEnd;       // the next window that starts after `now`
};

// Reading and editing a subscription's seasonal window (the Pause dialog's editor, the detail
// panel). Edits need Permission::ManageSeasonalPlans (checked here, whatever the UI shows) and are
// audited ("seasonal_window.set" / "seasonal_window.remove"). Versions guard concurrent edits
// (Conflict). Handlers run on `context`'s thread while it lives.
class SeasonalPlanService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SeasonalPlanService)
public:
    SeasonalPlanService(AsyncBillingDatabase *billingDb, AccessPolicy policy, Actor actor, QObject *parent = nullptr);
    ~SeasonalPlanService() override;

    const Actor &actor() const { return m_actor; }
    bool mayEdit() const { return AccessPolicy::allows(m_actor.role, Permission::ManageSeasonalPlans); }

    // std::nullopt when the subscription has no window.
    void window(const QString &subscriptionId, QObject *context,
                std::function<void(Result<std::optional<SeasonalWindow>>)> handler);
    // The window, the last scheduler action and the current/next window at `now` (UTC).
    void status(const QString &subscriptionId, const QDateTime &now, QObject *context,
                std::function<void(Result<SeasonalStatus>)> handler);
    void setWindow(const SeasonalWindow &window, QObject *context, std::function<void(Result<SeasonalWindow>)> handler);
    void removeWindow(const SeasonalWindow &window, QObject *context, std::function<void(Status)> handler);

Q_SIGNALS:
    void windowChanged(const QString &subscriptionId);

private:
    AsyncBillingDatabase *m_billingDb;
    AccessPolicy m_policy;
    Actor m_actor;
};

} // namespace Billing
