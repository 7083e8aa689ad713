#pragma once

#include "services/domain/result.h"
#include "services/domain/subscription.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <optional>

namespace Billing {

class OperationRunner;
struct OperationRequest;

// What happens to the invoices of a subscription whose collection is paused (Stripe's
// pause_collection.behavior).
enum class PauseBehavior { KeepAsDraft, MarkUncollectible, Void };
QString pauseBehaviorName(PauseBehavior behavior);  // "keep_as_draft", "mark_uncollectible", "void"
QString pauseBehaviorLabel(PauseBehavior behavior); // for people (tr)
std::optional<PauseBehavior> pauseBehaviorFromName(QStringView name);

struct PauseRequest
{
    PauseBehavior behavior = PauseBehavior::KeepAsDraft;
    QDateTime resumesAt; // invalid = until resumed by hand; else must be after `now`
};

// Pause and resume payment collection on a subscription: POST /v1/subscriptions/{id} with
// pause_collection[behavior] (+ [resumes_at], unix seconds) or pause_collection="" to resume.
// Through OperationRunner (role PauseSubscription, audit, outbox, cache).
//
// Threading: GUI thread (any thread with an event loop); handlers on `context`'s thread while it
// lives. Errors: Validation (plain words, nothing sent: past resume date, ended subscription, not
// paused), Unauthorized from the runner.
class PauseService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PauseService)
public:
    using Handler = std::function<void(Result<OutboxEntry>)>;

    explicit PauseService(OperationRunner *runner, QObject *parent = nullptr);
    ~PauseService() override;

    bool mayPause() const;

    // Nothing is sent when this fails.
    static Status validatePause(const Subscription &subscription, const PauseRequest &request, const QDateTime &now);
    // The request the pause becomes (for the scheduler, which submits its own).
    static OperationRequest pauseOperation(const Subscription &subscription, const PauseRequest &request,
                                           const QString &clientOpId);
    static OperationRequest resumeOperation(const Subscription &subscription, const QString &clientOpId);

    // sessionId: one per dialog session, so a double click maps to one outbox entry.
    void pause(const Subscription &subscription, const PauseRequest &request, const QDateTime &now,
               const QString &sessionId, QObject *context, Handler handler);
    void resume(const Subscription &subscription, const QString &sessionId, QObject *context, Handler handler);

private:
    QPointer<OperationRunner> m_runner;
};

} // namespace Billing
