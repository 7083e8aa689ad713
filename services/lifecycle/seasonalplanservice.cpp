#include "services/lifecycle/seasonalplanservice.h"

#include "services/storage/asyncbillingdatabase.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>

namespace Billing {

namespace {

AuditEntry auditFor(const SeasonalWindow &w, const QString &operation, const QString &actor, const QString &before,
                    const QString &after, const QString &result)
{
    AuditEntry a;
    a.actor = actor;
    a.operation = operation;
    a.targetType = QStringLiteral("subscription");
    a.targetId = w.subscriptionId;
    const QJsonObject params{{QStringLiteral("start"), QStringLiteral("%1-%2").arg(w.startMonth).arg(w.startDay)},
                             {QStringLiteral("end"), QStringLiteral("%1-%2").arg(w.endMonth).arg(w.endDay)},
                             {QStringLiteral("behavior"), w.behavior},
                             {QStringLiteral("active"), w.active}};
    a.paramsJson = QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact));
    a.beforeSummary = before;
    a.afterSummary = after;
    a.result = result;
    return a;
}

} // namespace

SeasonalPlanService::SeasonalPlanService(AsyncBillingDatabase *billingDb, AccessPolicy policy, Actor actor,
                                         QObject *parent)
    : QObject(parent), m_billingDb(billingDb), m_policy(std::move(policy)), m_actor(std::move(actor))
{
}

SeasonalPlanService::~SeasonalPlanService() = default;

void SeasonalPlanService::window(const QString &subscriptionId, QObject *context,
                                 std::function<void(Result<std::optional<SeasonalWindow>>)> handler)
{
    m_billingDb->thread().run(
        context, [subscriptionId](BillingDatabase &db) { return SeasonalRepository(db).window(subscriptionId); },
        std::move(handler));
}

void SeasonalPlanService::status(const QString &subscriptionId, const QDateTime &now, QObject *context,
                                 std::function<void(Result<SeasonalStatus>)> handler)
{
    const QDateTime utcNow = now.toUTC();
    m_billingDb->thread().run(
        context,
        [subscriptionId, utcNow](BillingDatabase &db) -> Result<SeasonalStatus> {
            SeasonalRepository repo(db);
            auto window = repo.window(subscriptionId);
            if (!window)
                return window.error();
            SeasonalStatus st;
            st.window = *window;
            if (!st.window)
                return st;
            auto runs = repo.runs(subscriptionId);
            if (!runs)
                return runs.error();
            for (const SeasonalRun &r : std::as_const(*runs))
                if (!st.lastRun || r.at > st.lastRun->at
                    || (r.at == st.lastRun->at && r.windowYear >= st.lastRun->windowYear))
                    st.lastRun = r;
            const SeasonalWindow &w = *st.window;
            if (!w.validate())
                return st;
            const int year = utcNow.date().year();
            for (int y = year - 1; y <= year + 1; ++y) {
                const QDateTime start = w.startIn(y);
                const QDateTime end = w.endAfterStartIn(y);
                if (start <= utcNow && utcNow < end) {
                    st.currentStart = start;
                    st.currentEnd = end;
                } else if (start > utcNow && !st.nextStart.isValid()) {
                    st.nextStart = start;
                    st.nextEnd = end;
                }
            }
            return st;
        },
        std::move(handler));
}

void SeasonalPlanService::setWindow(const SeasonalWindow &w, QObject *context,
                                    std::function<void(Result<SeasonalWindow>)> handler)
{
    const Status allowed = m_policy.check(m_actor, Permission::ManageSeasonalPlans);
    const QString actor = m_actor.tag();
    QPointer<SeasonalPlanService> self(this);
    m_billingDb->thread().run(
        context,
        [w, allowed, actor](BillingDatabase &db) -> Result<SeasonalWindow> {
            SeasonalRepository repo(db);
            if (!allowed) {
                (void)db.appendAudit(auditFor(w, QStringLiteral("seasonal_window.set"), actor, {}, {},
                                              QStringLiteral("refused: ") + allowed.error().userMessage));
                return allowed.error();
            }
            auto before = repo.window(w.subscriptionId);
            if (!before)
                return before.error();
            auto stored = repo.setWindow(w, actor);
            if (!stored)
                return stored.error();
            auto audited = db.appendAudit(auditFor(*stored, QStringLiteral("seasonal_window.set"), actor,
                                                   *before ? (*before)->describe() : QString(),
                                                   stored->describe(), QStringLiteral("ok")));
            if (!audited)
                return audited.error();
            return stored;
        },
        [self, handler](Result<SeasonalWindow> r) {
            if (r && self)
                Q_EMIT self->windowChanged(r->subscriptionId);
            handler(r);
        });
}

void SeasonalPlanService::removeWindow(const SeasonalWindow &w, QObject *context, std::function<void(Status)> handler)
{
    const Status allowed = m_policy.check(m_actor, Permission::ManageSeasonalPlans);
    const QString actor = m_actor.tag();
    QPointer<SeasonalPlanService> self(this);
    m_billingDb->thread().run(
        context,
        [w, allowed, actor](BillingDatabase &db) -> Status {
            if (!allowed) {
                (void)db.appendAudit(auditFor(w, QStringLiteral("seasonal_window.remove"), actor, {}, {},
                                              QStringLiteral("refused: ") + allowed.error().userMessage));
                return allowed.error();
            }
            if (Status s = SeasonalRepository(db).removeWindow(w.subscriptionId, w.version); !s)
                return s;
            auto audited = db.appendAudit(auditFor(w, QStringLiteral("seasonal_window.remove"), actor, w.describe(),
                                                   QString(), QStringLiteral("ok")));
            if (!audited)
                return audited.error();
            return {};
        },
        [self, handler, id = w.subscriptionId](Status s) {
            if (s && self)
                Q_EMIT self->windowChanged(id);
            handler(s);
        });
}

} // namespace Billing
