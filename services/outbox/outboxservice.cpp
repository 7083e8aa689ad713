#include "services/outbox/outboxservice.h"

#include "services/platform/logging.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QRandomGenerator>

#include <algorithm>

namespace Billing {

namespace {

QDateTime nowUtc() { return QDateTime::currentDateTimeUtc(); }

std::string utf8(const QString &s) { return s.toStdString(); }

} // namespace

struct OutboxService::Pass
{
    bool drain = false;
    qint64 onlyId = 0;
    qint64 afterId = 0;
    DrainReport report;
    QPointer<QObject> context;
    std::function<void(Result<DrainReport>)> done;
};

OutboxService::OutboxService(QString path, StripeClient *client, QObject *parent)
    : QObject(parent), m_path(std::move(path)), m_client(client)
{
    m_db = std::make_unique<DbThread<OutboxStore>>([] { return std::make_unique<OutboxStore>(); });
    m_wake.setSingleShot(true);
    connect(&m_wake, &QTimer::timeout, this, &OutboxService::pump);
}

OutboxService::~OutboxService()
{
    m_running = false;
    m_wake.stop();
    m_db.reset(); // finishes what was posted; in-flight sends are simply not confirmed (resent later)
}

bool OutboxService::isTransient(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::Network:
    case Error::Kind::Timeout:
    case Error::Kind::RateLimited:
    case Error::Kind::Server:
    case Error::Kind::InvalidResponse: // e.g. a body cut off: the outcome is unknown, so resend
        return true;
    case Error::Kind::Conflict:
        return error.httpStatus == 409; // lock_timeout, idempotency_key_in_use
    default:
        return false;
    }
}

int OutboxService::backoffMs(int attempts) const
{
    const qint64 base = qint64(BaseBackoffMs) << std::clamp(attempts - 1, 0, 16);
    const qint64 capped = std::min<qint64>(base, MaxBackoffMs);
    return int(capped * (0.5 + 0.5 * QRandomGenerator::global()->generateDouble()));
}

void OutboxService::open(QObject *context, std::function<void(Result<OutboxStore::OpenReport>)> done)
{
    const QString path = m_path;
    m_db->run(context, [path](OutboxStore &store) { return store.open(path); }, std::move(done));
}

Result<OutboxStore::OpenReport> OutboxService::openBlocking()
{
    const QString path = m_path;
    return m_db->runBlocking([path](OutboxStore &store) { return store.open(path); });
}

void OutboxService::start()
{
    if (m_running)
        return;
    m_running = true;
    pump();
}

void OutboxService::stop()
{
    m_running = false;
    m_wake.stop();
}

void OutboxService::retryNow()
{
    m_db->run(this, [](OutboxStore &store) { return store.clearBackoff(nowUtc()); },
              [this](Result<int> cleared) {
                  if (cleared && *cleared > 0)
                      Q_EMIT queueChanged();
                  if (m_running)
                      pump();
                  else
                      drain(0, this, nullptr);
              });
}

void OutboxService::enqueue(const OutboxOperation &op, QObject *context,
                            std::function<void(Result<OutboxEntry>)> done)
{
    QPointer<QObject> guard(context);
    m_db->run(this, [op](OutboxStore &store) { return store.enqueue(op, nowUtc()); },
              [this, guard, done = std::move(done)](Result<OutboxEntry> entry) {
                  if (entry) {
                      Q_EMIT entryChanged(entry->id);
                      Q_EMIT queueChanged();
                      if (m_running)
                          pump();
                  }
                  if (guard && done)
                      done(std::move(entry));
              });
}

Result<OutboxEntry> OutboxService::enqueueBlocking(const OutboxOperation &op)
{
    Result<OutboxEntry> entry = m_db->runBlocking([op](OutboxStore &store) { return store.enqueue(op, nowUtc()); });
    if (entry) {
        Q_EMIT entryChanged(entry->id);
        Q_EMIT queueChanged();
    }
    return entry;
}

void OutboxService::pump()
{
    if (!m_running)
        return;
    if (m_busy) {
        m_pumpAgain = true;
        return;
    }
    m_pumpAgain = false;
    m_wake.stop();
    auto pass = std::make_shared<Pass>();
    m_busy = true;
    sendNext(pass);
}

void OutboxService::drain(qint64 onlyId, QObject *context, std::function<void(Result<DrainReport>)> done)
{
    auto pass = std::make_shared<Pass>();
    pass->drain = true;
    pass->onlyId = onlyId;
    pass->context = context;
    pass->done = std::move(done);
    if (m_busy) {
        m_waitingDrains << pass;
        return;
    }
    m_busy = true;
    sendNext(pass);
}

Result<OutboxService::DrainReport> OutboxService::drainBlocking(qint64 onlyId)
{
    std::optional<Result<DrainReport>> outcome;
    QEventLoop loop;
    drain(onlyId, &loop, [&](Result<DrainReport> report) {
        outcome.emplace(std::move(report));
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

void OutboxService::sendNext(const std::shared_ptr<Pass> &pass)
{
    OutboxStore::ClaimFilter filter;
    filter.onlyId = pass->onlyId;
    filter.afterId = pass->afterId;
    filter.ignoreBackoff = pass->drain;
    m_db->run(
        this, [filter](OutboxStore &store) { return store.claimNext(nowUtc(), filter); },
        [this, pass](Result<OutboxStore::Claim> claim) {
            if (!claim) {
                finishPass(pass, claim.error());
                return;
            }
            for (qint64 id : claim->changed) {
                ++pass->report.needsAttention;
                Logging::logger("api")->error("outbox entry {}: needs attention (unconfirmed, key older than 24 h)", id);
                Q_EMIT entryChanged(id);
            }
            if (!claim->changed.isEmpty())
                Q_EMIT queueChanged();
            if (!claim->entry) {
                finishPass(pass, std::nullopt);
                return;
            }
            const OutboxEntry entry = *claim->entry;
            pass->afterId = entry.id;
            ++pass->report.attempted;
            Q_EMIT entryChanged(entry.id);
            if (!m_client) {
                finishPass(pass, Error::make(Error::Kind::Cancelled, tr("The Stripe client is gone.")));
                return;
            }
            StripeRequestOptions options;
            options.idempotencyKey = entry.idempotencyKey;
            m_client->request(entry.method, entry.path, formParamsFromJson(entry.params), options, this,
                              [this, pass, entry](Result<QJsonObject> result) { onSent(pass, entry, std::move(result)); });
        });
}

void OutboxService::onSent(const std::shared_ptr<Pass> &pass, const OutboxEntry &sent, Result<QJsonObject> result)
{
    enum class Outcome { Succeeded, Failed, Pending, NeedsAttention };
    Outcome outcome = Outcome::Succeeded;
    std::optional<Error> error;
    if (!result) {
        error = result.error();
        if (isTransient(*error))
            outcome = Outcome::Pending;
        else if (error->kind == Error::Kind::Conflict)
            outcome = Outcome::NeedsAttention; // idempotency_error: the key met other values
        else
            outcome = Outcome::Failed;
    }
    const qint64 id = sent.id;
    const QJsonObject object = result ? result.value() : QJsonObject();
    const QDateTime nextAttempt = nowUtc().addMSecs(backoffMs(sent.attempts));
    m_db->run(
        this,
        [id, outcome, error, object, nextAttempt](OutboxStore &store) -> Result<OutboxEntry> {
            switch (outcome) {
            case Outcome::Succeeded: return store.markSucceeded(id, object, nowUtc());
            case Outcome::Failed: return store.markFailed(id, *error, nowUtc());
            case Outcome::NeedsAttention: return store.markNeedsAttention(id, *error, nowUtc());
            case Outcome::Pending: return store.markPending(id, *error, nextAttempt, nowUtc());
            }
            return store.entry(id);
        },
        [this, pass, sent, outcome, error](Result<OutboxEntry> stored) {
            if (!stored) {
                // The send happened but its outcome could not be written: the entry stays in flight
                // and is resent with the same key later, which Stripe answers with the same result.
                finishPass(pass, stored.error());
                return;
            }
            const auto log = Logging::logger("api");
            switch (outcome) {
            case Outcome::Succeeded: ++pass->report.succeeded; break;
            case Outcome::Failed:
                ++pass->report.failed;
                log->error("outbox entry {} {} {} failed: {} (HTTP {}, request {}): {}", sent.id, utf8(sent.operation),
                           utf8(sent.path), utf8(Error::kindName(error->kind)), error->httpStatus,
                           utf8(error->requestId), utf8(error->detail));
                break;
            case Outcome::NeedsAttention:
                ++pass->report.needsAttention;
                log->error("outbox entry {} {} {} needs attention: {} (HTTP {}, request {}): {}", sent.id,
                           utf8(sent.operation), utf8(sent.path), utf8(Error::kindName(error->kind)), error->httpStatus,
                           utf8(error->requestId), utf8(error->detail));
                break;
            case Outcome::Pending:
                ++pass->report.stillPending;
                log->warn("outbox entry {} {} {} still pending after attempt {}: {}; next try at {}", sent.id,
                          utf8(sent.operation), utf8(sent.path), sent.attempts, utf8(error->detail),
                          utf8(stored->nextAttemptAt.toString(Qt::ISODate)));
                break;
            }
            Q_EMIT entryChanged(sent.id);
            Q_EMIT queueChanged();
            sendNext(pass);
        });
}

void OutboxService::finishPass(const std::shared_ptr<Pass> &pass, std::optional<Error> error)
{
    m_busy = false;
    if (error && !pass->drain)
        Logging::logger("api")->error("outbox: {}", utf8(error->detail));
    if (pass->drain && pass->done && pass->context) {
        if (error)
            pass->done(*error);
        else
            pass->done(pass->report);
    }
    if (!m_waitingDrains.isEmpty()) {
        auto next = m_waitingDrains.takeFirst();
        m_busy = true;
        sendNext(next);
        return;
    }
    if (m_pumpAgain) {
        pump();
        return;
    }
    scheduleWake();
}

void OutboxService::scheduleWake()
{
    if (!m_running)
        return;
    m_db->run(this, [](OutboxStore &store) { return store.nextDue(); }, [this](Result<QDateTime> due) {
        if (!m_running || m_busy || !due || !due->isValid())
            return;
        const qint64 wait = std::clamp<qint64>(nowUtc().msecsTo(*due), 1000, MaxBackoffMs);
        m_wake.start(int(wait));
    });
}

void OutboxService::entries(std::optional<OutboxState> state, int limit, QObject *context,
                            std::function<void(Result<QList<OutboxEntry>>)> done)
{
    m_db->run(context, [state, limit](OutboxStore &store) { return store.entries(state, limit); }, std::move(done));
}

void OutboxService::entry(qint64 id, QObject *context, std::function<void(Result<OutboxEntry>)> done)
{
    m_db->run(context, [id](OutboxStore &store) { return store.entry(id); }, std::move(done));
}

void OutboxService::counts(QObject *context, std::function<void(Result<QMap<OutboxState, int>>)> done)
{
    m_db->run(context, [](OutboxStore &store) { return store.counts(); }, std::move(done));
}

Result<QList<OutboxEntry>> OutboxService::entriesBlocking(std::optional<OutboxState> state, int limit)
{
    return m_db->runBlocking([state, limit](OutboxStore &store) { return store.entries(state, limit); });
}

Result<OutboxEntry> OutboxService::entryBlocking(qint64 id)
{
    return m_db->runBlocking([id](OutboxStore &store) { return store.entry(id); });
}

Result<std::optional<OutboxEntry>> OutboxService::entryByClientOpIdBlocking(const QString &clientOpId)
{
    return m_db->runBlocking([clientOpId](OutboxStore &store) { return store.entryByClientOpId(clientOpId); });
}

Result<QMap<OutboxState, int>> OutboxService::countsBlocking()
{
    return m_db->runBlocking([](OutboxStore &store) { return store.counts(); });
}

} // namespace Billing
