#pragma once

#include <QObject>
#include <QTimer>
#include <QtGlobal>

#include <deque>
#include <functional>

namespace Billing {

// A token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`, starts full. Pure
// arithmetic over a caller-given monotonic clock in milliseconds, so it is testable without
// waiting. Not thread-safe; any thread.
class TokenBucket final
{
public:
    TokenBucket(double ratePerSecond, double capacity, qint64 nowMs);

    // Takes one token if one is there at nowMs.
    bool tryTake(qint64 nowMs);
    // Milliseconds from nowMs until a token is there (0 when one is there now).
    qint64 msUntilToken(qint64 nowMs) const;
    // Tokens at nowMs (fractional).
    double tokens(qint64 nowMs) const;
    // Empties the bucket and holds refilling until nowMs + holdMs (after a 429 from Stripe).
    void drain(qint64 nowMs, qint64 holdMs);
    // New rate/capacity from nowMs on; the tokens there are kept (capped).
    void reconfigure(double ratePerSecond, double capacity, qint64 nowMs);

    double ratePerSecond() const { return m_rate; }
    double capacity() const { return m_capacity; }

private:
    double tokensAt(qint64 nowMs) const;

    double m_rate;
    double m_capacity;
    double m_tokens;
    qint64 m_stamp; // the clock at which m_tokens was true; refilling starts here (may be future: held)
};

// Admits work at most at a token-bucket rate and with at most maxInFlight started-but-unfinished
// items: StripeClient queues every HTTP attempt (first tries and retries) through one. FIFO; waits
// with a single-shot QTimer, never spins. Lives on one thread (the client's); `start` runs there.
class RateLimiter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RateLimiter)
public:
    using Clock = std::function<qint64()>; // monotonic milliseconds

    // ratePerSecond > 0; burst >= 1 tokens; maxInFlight >= 1. `clock` defaults to a QElapsedTimer.
    RateLimiter(double ratePerSecond, int burst, int maxInFlight, QObject *parent = nullptr, Clock clock = {});
    ~RateLimiter() override;

    // Runs `start` once a token and an in-flight slot are free, in the order of the calls. The
    // started work must call release() exactly once when it is done.
    void acquire(std::function<void()> start);
    void release();
    // No new start for holdMs (Stripe said 429, possibly with Retry-After).
    void hold(qint64 holdMs);
    void setLimits(double ratePerSecond, int burst, int maxInFlight);

    int inFlight() const { return m_inFlight; }
    int queued() const { return int(m_queue.size()); }
    int maxInFlight() const { return m_maxInFlight; }
    double ratePerSecond() const { return m_bucket.ratePerSecond(); }
    // Highest number in flight at once since construction (for benchmarks and tests).
    int peakInFlight() const { return m_peakInFlight; }

private:
    void pump();

    Clock m_clock;
    TokenBucket m_bucket;
    int m_maxInFlight;
    int m_inFlight = 0;
    int m_peakInFlight = 0;
    std::deque<std::function<void()>> m_queue;
    QTimer m_timer;
    bool m_pumping = false;
};

} // namespace Billing
