#pragma once

#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

namespace Billing {

// Owns one database object (LocalCache, a BillingDatabase) on a worker thread of its own, so its
// QSqlDatabase connection is only ever used by the thread that opened it, and the GUI thread never
// waits on disk. Jobs run in the order posted.
template <typename Db>
class DbThread final
{
public:
    using Factory = std::function<std::unique_ptr<Db>()>;

    // The factory runs on the worker thread; the database object is destroyed there too.
    explicit DbThread(Factory factory)
    {
        m_thread.setObjectName(QStringLiteral("db-worker"));
        m_anchor = new QObject; // lives on the worker thread, target of posted jobs
        m_anchor->moveToThread(&m_thread);
        m_thread.start();
        post([this, factory = std::move(factory)] { m_db = factory(); });
    }

    // Runs every job posted so far, destroys the database object on the worker (its connection
    // belongs to that thread), then stops the thread. Blocks the caller until then.
    ~DbThread()
    {
        QMetaObject::invokeMethod(m_anchor, [this] { m_db.reset(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        delete m_anchor; // its thread has finished: nothing can deliver to it any more
    }

    DbThread(const DbThread &) = delete;
    DbThread &operator=(const DbThread &) = delete;

    // Runs job(Db&) on the worker, then done(result) on `context`'s thread, only while `context`
    // lives. job returns any copyable type (normally Result<T>).
    template <typename Job, typename Done>
    void run(QObject *context, Job job, Done done)
    {
        QPointer<QObject> guard(context);
        post([this, guard, job = std::move(job), done = std::move(done)]() mutable {
            auto result = job(*m_db);
            if (!guard)
                return;
            QMetaObject::invokeMethod(
                guard.data(),
                [guard, done = std::move(done), result = std::move(result)]() mutable {
                    if (guard)
                        done(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

    // Fire and forget: job(Db&) on the worker, nobody told.
    template <typename Job>
    void run(Job job)
    {
        post([this, job = std::move(job)]() mutable { job(*m_db); });
    }

    // Blocks until job has run on the worker and returns its result. For the command line, tests
    // and benchmarks only: never from the GUI thread.
    template <typename Job>
    auto runBlocking(Job job) -> decltype(job(std::declval<Db &>()))
    {
        using R = decltype(job(std::declval<Db &>()));
        Q_ASSERT(QThread::currentThread() != &m_thread);
        if constexpr (std::is_void_v<R>) {
            QMetaObject::invokeMethod(m_anchor, [this, &job] { job(*m_db); }, Qt::BlockingQueuedConnection);
        } else {
            std::optional<R> out;
            QMetaObject::invokeMethod(m_anchor, [this, &job, &out] { out.emplace(job(*m_db)); },
                                      Qt::BlockingQueuedConnection);
            return std::move(*out);
        }
    }

private:
    template <typename F>
    void post(F f)
    {
        QMetaObject::invokeMethod(m_anchor, std::move(f), Qt::QueuedConnection);
    }

    QThread m_thread;
    QObject *m_anchor = nullptr;
    std::unique_ptr<Db> m_db;
};

} // namespace Billing
