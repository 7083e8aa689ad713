#include "services/stripe/ratelimiter.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <memory>

namespace Billing {

TokenBucket::TokenBucket(double ratePerSecond, double capacity, qint64 nowMs)
    : m_rate(std::max(ratePerSecond, 1e-6)), m_capacity(std::max(capacity, 1.0)), m_tokens(m_capacity), m_stamp(nowMs)
{
}

double TokenBucket::tokensAt(qint64 nowMs) const
{
    if (nowMs <= m_stamp)
        return m_tokens;
    return std::min(m_capacity, m_tokens + double(nowMs - m_stamp) * m_rate / 1000.0);
}

double TokenBucket::tokens(qint64 nowMs) const { return tokensAt(nowMs); }

bool TokenBucket::tryTake(qint64 nowMs)
{
    const double t = tokensAt(nowMs);
    if (t < 1.0)
        return false;
    m_tokens = t - 1.0;
    m_stamp = std::max(m_stamp, nowMs);
    return true;
}

qint64 TokenBucket::msUntilToken(qint64 nowMs) const
{
    const double t = tokensAt(nowMs);
    if (t >= 1.0)
        return 0;
    const qint64 held = std::max<qint64>(0, m_stamp - nowMs);
    const double missing = 1.0 - (nowMs < m_stamp ? m_tokens : t);
    return held + qint64(std::ceil(missing * 1000.0 / m_rate));
}

void TokenBucket::drain(qint64 nowMs, qint64 holdMs)
{
    m_tokens = 0;
    m_stamp = std::max(m_stamp, nowMs + std::max<qint64>(0, holdMs));
}

void TokenBucket::reconfigure(double ratePerSecond, double capacity, qint64 nowMs)
{
    const double t = tokensAt(nowMs);
    m_rate = std::max(ratePerSecond, 1e-6);
    m_capacity = std::max(capacity, 1.0);
    m_tokens = std::min(t, m_capacity);
    m_stamp = std::max(m_stamp, nowMs);
}

namespace {

RateLimiter::Clock defaultClock()
{
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    return [timer] { return timer->elapsed(); };
}

} // namespace

RateLimiter::RateLimiter(double ratePerSecond, int burst, int maxInFlight, QObject *parent, Clock clock)
    : QObject(parent),
      m_clock(clock ? std::move(clock) : defaultClock()),
      m_bucket(ratePerSecond, std::max(burst, 1), m_clock()),
      m_maxInFlight(std::max(maxInFlight, 1))
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RateLimiter::pump);
}

RateLimiter::~RateLimiter() = default;

void RateLimiter::acquire(std::function<void()> start)
{
    m_queue.push_back(std::move(start));
    pump();
}

void RateLimiter::release()
{
    if (m_inFlight > 0)
        --m_inFlight;
    pump();
}

void RateLimiter::hold(qint64 holdMs)
{
    m_bucket.drain(m_clock(), holdMs);
    pump();
}

void RateLimiter::setLimits(double ratePerSecond, int burst, int maxInFlight)
{
    m_bucket.reconfigure(ratePerSecond, std::max(burst, 1), m_clock());
    m_maxInFlight = std::max(maxInFlight, 1);
    pump();
}

void RateLimiter::pump()
{
    if (m_pumping) // a start() that acquires again re-enters here; the outer loop goes on
        return;
    m_pumping = true;
    while (!m_queue.empty() && m_inFlight < m_maxInFlight) {
        const qint64 now = m_clock();
        if (!m_bucket.tryTake(now)) {
            const qint64 wait = std::max<qint64>(1, m_bucket.msUntilToken(now));
            if (!m_timer.isActive() || m_timer.remainingTime() > wait)
                m_timer.start(int(std::min<qint64>(wait, 3600 * 1000)));
            break;
        }
        std::function<void()> start = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_inFlight;
        m_peakInFlight = std::max(m_peakInFlight, m_inFlight);
        if (start)
            start();
    }
    m_pumping = false;
}

} // namespace Billing
