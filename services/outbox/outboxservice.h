#pragma once

#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/outbox/outboxstore.h"
#include "services/storage/dbthread.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace Billing {

class StripeClient;

// Exactly-once money operations: every mutating Stripe call is first written to the outbox file
// (OutboxStore) with its idempotency key and committed, then sent through StripeClient with that
// key, however often it has to be sent.
//
// Outcomes of one send (after StripeClient's own retries):
//  - 2xx: Succeeded, with Stripe's object;
//  - connection error, timeout, 5xx, 429, 409 (lock or key in use), unreadable answer: back to
//    Pending with exponential backoff (the offline queue); sent again by the retry timer, by
//    retryNow() or by drain();
//  - any other Stripe error (card declined, invalid request, not found, bad key): Failed, with
//    Stripe's error;
//  - an idempotency_error (the key was used with other values): NeedsAttention.
// An entry found InFlight at start-up (a crash mid-request) is resent with the same key; one whose
// key is older than 24 h and that may have reached Stripe becomes NeedsAttention instead.
//
// Threading: GUI thread (any thread with an event loop). The file is used on a worker thread of its
// own; no call here waits on disk or network, except the *Blocking ones for the command line and
// tests. Handlers run on this thread, only while their context lives. Entries are sent one at a
// time, oldest first, so two operations on one object apply in the order they were queued.
class OutboxService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OutboxService)
public:
    // Base of the backoff between sends of a pending entry: doubled per attempt, capped at
    // MaxBackoffMs, with jitter.
    static constexpr int BaseBackoffMs = 2000;
    static constexpr int MaxBackoffMs = 5 * 60 * 1000;

    // client must outlive this service.
    OutboxService(QString path, StripeClient *client, QObject *parent = nullptr);
    ~OutboxService() override;

    QString path() const { return m_path; }

    // Opens the file (see OutboxStore::open for damaged files). Until it succeeds every other
    // call fails with Error::Kind::Database.
    void open(QObject *context, std::function<void(Result<OutboxStore::OpenReport>)> done);
    Result<OutboxStore::OpenReport> openBlocking();

    // Background sending: sends every due entry, resumes InFlight ones, and keeps a timer for the
    // ones waiting out a backoff. Stopped by stop() or the destructor (in-flight sends are
    // dropped, and resent with the same key on the next start).
    void start();
    void stop();
    bool isRunning() const { return m_running; }
    // Clears every backoff and sends what is pending now.
    void retryNow();

    // Writes the operation (Pending) and commits it; the handler gets the entry once it is on
    // disk. Sending follows when the service runs. The same clientOpId gives the same entry.
    void enqueue(const OutboxOperation &op, QObject *context, std::function<void(Result<OutboxEntry>)> done);
    Result<OutboxEntry> enqueueBlocking(const OutboxOperation &op);

    struct DrainReport
    {
        int attempted = 0;
        int succeeded = 0;
        int failed = 0;         // final Stripe errors this run
        int stillPending = 0;   // transient failures this run: queued for later
        int needsAttention = 0; // moved to NeedsAttention this run
    };
    // One pass over the queue, ignoring backoffs: every Pending/InFlight entry (or only `onlyId`)
    // is sent once (with StripeClient's retries); done gets what happened.
    void drain(qint64 onlyId, QObject *context, std::function<void(Result<DrainReport>)> done);
    Result<DrainReport> drainBlocking(qint64 onlyId = 0);

    // Reads for the pane that lists pending and failed operations.
    void entries(std::optional<OutboxState> state, int limit, QObject *context,
                 std::function<void(Result<QList<OutboxEntry>>)> done);
    void entry(qint64 id, QObject *context, std::function<void(Result<OutboxEntry>)> done);
    void counts(QObject *context, std::function<void(Result<QMap<OutboxState, int>>)> done);
    Result<QList<OutboxEntry>> entriesBlocking(std::optional<OutboxState> state, int limit = 0);
    Result<OutboxEntry> entryBlocking(qint64 id);
    Result<std::optional<OutboxEntry>> entryByClientOpIdBlocking(const QString &clientOpId);
    Result<QMap<OutboxState, int>> countsBlocking();

    // Whether an error after StripeClient's retries leaves the entry pending (true) or settles it.
    static bool isTransient(const Error &error);

Q_SIGNALS:
    void entryChanged(qint64 id);
    void queueChanged();

private:
    struct Pass;
    void pump();
    void sendNext(const std::shared_ptr<Pass> &pass);
    void onSent(const std::shared_ptr<Pass> &pass, const OutboxEntry &entry, Result<QJsonObject> result);
    void finishPass(const std::shared_ptr<Pass> &pass, std::optional<Error> error);
    void scheduleWake();
    int backoffMs(int attempts) const;

    QString m_path;
    QPointer<StripeClient> m_client;
    std::unique_ptr<DbThread<OutboxStore>> m_db;
    QTimer m_wake;
    bool m_running = false;
    bool m_busy = false;          // a pass is under way (one at a time)
    bool m_pumpAgain = false;     // something arrived while busy
    QList<std::shared_ptr<Pass>> m_waitingDrains;
};

} // namespace Billing
