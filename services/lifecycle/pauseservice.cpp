#include "services/lifecycle/pauseservice.h"

#include "services/operations/operationrunner.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PauseService", text); }

Error validation(const QString &text) { return Error::make(Error::Kind::Validation, text); }

QString describe(const Subscription &s)
{
    QString text = QStringLiteral("%1, %2").arg(s.id, s.status);
    if (!s.pauseBehavior.isEmpty()) {
        text += QStringLiteral(", collection paused (%1)").arg(s.pauseBehavior);
        if (s.pauseResumesAt.isValid())
            text += QStringLiteral(" until %1").arg(s.pauseResumesAt.toUTC().toString(Qt::ISODate));
    }
    return text;
}

} // namespace

QString pauseBehaviorName(PauseBehavior behavior)
{
    switch (behavior) {
    case PauseBehavior::KeepAsDraft: return QStringLiteral("keep_as_draft");
    case PauseBehavior::MarkUncollectible: return QStringLiteral("mark_uncollectible");
    case PauseBehavior::Void: return QStringLiteral("void");
    }
    return QStringLiteral("keep_as_draft");
}

QString pauseBehaviorLabel(PauseBehavior behavior)
{
    switch (behavior) {
    case PauseBehavior::KeepAsDraft: return tr("Keep invoices as drafts (collect later)");
    case PauseBehavior::MarkUncollectible: return tr("Mark invoices uncollectible");
    case PauseBehavior::Void: return tr("Void invoices (service for free)");
    }
    return {};
}

std::optional<PauseBehavior> pauseBehaviorFromName(QStringView name)
{
    for (PauseBehavior b : {PauseBehavior::KeepAsDraft, PauseBehavior::MarkUncollectible, PauseBehavior::Void}) {
        if (name == pauseBehaviorName(b))
            return b;
    }
    return std::nullopt;
}

PauseService::PauseService(OperationRunner *runner, QObject *parent) : QObject(parent), m_runner(runner) {}

PauseService::~PauseService() = default;

bool PauseService::mayPause() const
{
    return m_runner && AccessPolicy::allows(m_runner->actor().role, Permission::PauseSubscription);
}

Status PauseService::validatePause(const Subscription &s, const PauseRequest &request, const QDateTime &now)
{
    if (s.id.isEmpty())
        return validation(tr("No subscription is selected."));
    if (s.status == QLatin1String("canceled") || s.status == QLatin1String("incomplete_expired"))
        return validation(tr("This subscription has ended; there is nothing to pause."));
    if (request.resumesAt.isValid() && request.resumesAt <= now)
        return validation(tr("The resume date %1 is in the past. Choose a later date, or none.")
                              .arg(request.resumesAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))));
    return {};
}

OperationRequest PauseService::pauseOperation(const Subscription &s, const PauseRequest &request,
                                              const QString &clientOpId)
{
    OperationRequest r;
    r.permission = Permission::PauseSubscription;
    r.targetType = QStringLiteral("subscription");
    r.targetId = s.id;
    r.beforeSummary = describe(s);
    QJsonObject pause{{QStringLiteral("behavior"), pauseBehaviorName(request.behavior)}};
    if (request.resumesAt.isValid())
        pause.insert(QStringLiteral("resumes_at"), request.resumesAt.toSecsSinceEpoch());
    r.intentSummary = request.resumesAt.isValid()
                          ? QStringLiteral("Pause collection (%1) until %2")
                                .arg(pauseBehaviorName(request.behavior),
                                     request.resumesAt.toUTC().toString(Qt::ISODate))
                          : QStringLiteral("Pause collection (%1) until resumed").arg(pauseBehaviorName(request.behavior));
    r.outbox.operation = QStringLiteral("subscription.pause");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/subscriptions/") + s.id;
    r.outbox.params = QJsonObject{{QStringLiteral("pause_collection"), pause}};
    r.outbox.clientOpId = clientOpId;
    return r;
}

OperationRequest PauseService::resumeOperation(const Subscription &s, const QString &clientOpId)
{
    OperationRequest r;
    r.permission = Permission::PauseSubscription;
    r.targetType = QStringLiteral("subscription");
    r.targetId = s.id;
    r.beforeSummary = describe(s);
    r.intentSummary = QStringLiteral("Resume collection now");
    r.outbox.operation = QStringLiteral("subscription.resume");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/subscriptions/") + s.id;
    // An empty value unsets pause_collection (Stripe's Emptyable).
    r.outbox.params = QJsonObject{{QStringLiteral("pause_collection"), QString()}};
    r.outbox.clientOpId = clientOpId;
    return r;
}

void PauseService::pause(const Subscription &s, const PauseRequest &request, const QDateTime &now,
                         const QString &sessionId, QObject *context, Handler handler)
{
    auto fail = [&](const Error &e) {
        QMetaObject::invokeMethod(context, [handler, e] { handler(e); }, Qt::QueuedConnection);
    };
    if (Status st = validatePause(s, request, now); !st)
        return fail(st.error());
    if (sessionId.isEmpty())
        return fail(validation(tr("The request has no session id.")));
    if (!m_runner)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    m_runner->submit(pauseOperation(s, request, QStringLiteral("pause:%1:%2").arg(sessionId, s.id)), context,
                     std::move(handler));
}

void PauseService::resume(const Subscription &s, const QString &sessionId, QObject *context, Handler handler)
{
    auto fail = [&](const Error &e) {
        QMetaObject::invokeMethod(context, [handler, e] { handler(e); }, Qt::QueuedConnection);
    };
    if (s.id.isEmpty())
        return fail(validation(tr("No subscription is selected.")));
    if (s.pauseBehavior.isEmpty())
        return fail(validation(tr("Collection is not paused on this subscription.")));
    if (sessionId.isEmpty())
        return fail(validation(tr("The request has no session id.")));
    if (!m_runner)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    m_runner->submit(resumeOperation(s, QStringLiteral("resume:%1:%2").arg(sessionId, s.id)), context,
                     std::move(handler));
}

} // namespace Billing
