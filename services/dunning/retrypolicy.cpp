#include "services/dunning/retrypolicy.h"

#include <QCoreApplication>
#include <QLocale>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::RetryPolicy", text);
}

QString dayText(const QDate &d)
{
    return QLocale::c().toString(d, QStringLiteral("ddd d MMM"));
}

RetryStep stop(QString reason, bool waiting = false)
{
    RetryStep s;
    s.reason = std::move(reason);
    s.waitingForPaymentMethod = waiting;
    return s;
}

bool paymentMethodIsNew(const FailedPayment &f)
{
    return f.paymentMethodChangedAt.isValid()
        && (!f.lastAttemptAt.isValid() || f.paymentMethodChangedAt > f.lastAttemptAt);
}

bool isTransient(const QString &code)
{
    return code == QLatin1String("processing_error") || code == QLatin1String("try_again_later")
        || code == QLatin1String("issuer_not_available") || code == QLatin1String("reenter_transaction");
}

bool isLimit(const QString &code)
{
    return code == QLatin1String("card_velocity_exceeded") || code == QLatin1String("withdrawal_count_limit_exceeded");
}

} // namespace

// ---------------------------------------------------------------- fixed

QString FixedSchedulePolicy::label() const
{
    return tr("Fixed (days 3, 5, 7)");
}

RetryStep FixedSchedulePolicy::next(const FailedPayment &f, const QDateTime &now) const
{
    static const int Days[] = {3, 5, 7};
    if (f.retriesMade >= 3)
        return stop(tr("All 3 fixed retries used"));
    const int day = Days[f.retriesMade];
    RetryStep s;
    s.retry = true;
    s.retryNumber = f.retriesMade + 1;
    s.at = qMax(now, f.firstFailureAt.addDays(day));
    s.finalAttempt = s.retryNumber == 3;
    s.reason = tr("Fixed schedule: day %1 after the failure").arg(day);
    return s;
}

// ---------------------------------------------------------------- Stripe default

QString StripeDefaultPolicy::label() const
{
    return tr("Stripe default (8 tries in 2 weeks)");
}

RetryStep StripeDefaultPolicy::next(const FailedPayment &f, const QDateTime &now) const
{
    const DeclineCodeInfo info = DeclineCodes::lookup(f.code);
    // A hard decline stops the schedule for that card; a new default payment method is retried on
    // the remaining schedule.
    if (info.cls == DeclineClass::Hard && !paymentMethodIsNew(f))
        return stop(tr("Hard decline (%1): Stripe does not retry").arg(f.code));
    if (f.retriesMade >= 8)
        return stop(tr("All 8 tries used"));
    const int k = f.retriesMade + 1;
    RetryStep s;
    s.retry = true;
    s.retryNumber = k;
    // Evenly over 14 days: retry k at k * 14/8 days (42 hours apart).
    s.at = qMax(now, f.firstFailureAt.addSecs(qint64(k) * 14 * 86400 / 8));
    s.finalAttempt = k == 8;
    s.reason = tr("Stripe default: try %1 of 8 within 2 weeks").arg(k);
    return s;
}

// ---------------------------------------------------------------- smart

QString SmartRetryPolicy::label() const
{
    return tr("Smart (decline-aware, pay days, local time)");
}

QDate SmartRetryPolicy::lastBusinessDay(int year, int month)
{
    QDate d(year, month, QDate(year, month, 1).daysInMonth());
    while (d.dayOfWeek() > 5)
        d = d.addDays(-1);
    return d;
}

QDate SmartRetryPolicy::nextPayDay(const QDate &after)
{
    for (QDate d = after.addDays(1);; d = d.addDays(1)) {
        if (d.day() == 1 || d.day() == 15 || d == lastBusinessDay(d.year(), d.month()))
            return d;
    }
}

RetryStep SmartRetryPolicy::next(const FailedPayment &f, const QDateTime &now) const
{
    int maxRetries = m_settings.maxRetries;
    int windowDays = m_settings.windowDays;
    if (const auto it = m_settings.planOverrides.constFind(f.planKey); it != m_settings.planOverrides.constEnd()) {
        if (it->maxRetries >= 0)
            maxRetries = it->maxRetries;
        if (it->windowDays >= 0)
            windowDays = it->windowDays;
    }
    const QDateTime windowEnd = f.firstFailureAt.addDays(windowDays);
    if (f.retriesMade >= maxRetries)
        return stop(tr("All %1 retries used").arg(maxRetries));
    if (now >= windowEnd)
        return stop(tr("Retry window of %1 days has closed").arg(windowDays));

    RetryStep s;
    s.retryNumber = f.retriesMade + 1;
    s.finalAttempt = s.retryNumber == maxRetries;

    // A new payment method is a new card: whatever the old one's decline said, try it now.
    if (paymentMethodIsNew(f)) {
        s.retry = true;
        s.at = qMax(now, f.paymentMethodChangedAt);
        s.reason = tr("New payment method attached: retry now");
        return s;
    }

    const DeclineCodeInfo info = DeclineCodes::lookup(f.code);
    if (info.cls == DeclineClass::Hard)
        return stop(tr("Hard decline (%1): never retried; needs a new payment method").arg(f.code), true);
    if (info.cls == DeclineClass::NeedsPaymentMethod)
        return stop(tr("%1: the card cannot succeed as stored; waiting for a new payment method").arg(f.code), true);
    int codeCap = info.maxRetries;
    if (f.code == QLatin1String("do_not_honor"))
        codeCap = m_settings.doNotHonorMax;
    if (codeCap >= 0 && f.retriesOfThisCard >= codeCap)
        return stop(tr("%1 retried %2 times, the most for this code; needs the customer").arg(f.code).arg(codeCap), true);

    const QDateTime last = f.lastAttemptAt.isValid() ? f.lastAttemptAt : f.firstFailureAt;
    const QDateTime earliest = qMax(now, last.addSecs(qint64(m_settings.minGapHours) * 3600));
    const QDate lastLocalDay = last.toTimeZone(f.zone).date();
    auto atLocalMorning = [&](const QDate &day) {
        return QDateTime(day, QTime(m_settings.preferredLocalHour, 0), f.zone).toUTC();
    };
    // The first good local morning on or after `day` that is not before `earliest`.
    auto morningFrom = [&](QDate day) {
        QDateTime t = atLocalMorning(day);
        while (t < earliest) {
            day = day.addDays(1);
            t = atLocalMorning(day);
        }
        return t;
    };

    QDateTime at;
    QString why;
    const QString hour = QStringLiteral("%1:00").arg(m_settings.preferredLocalHour, 2, 10, QLatin1Char('0'));
    if (isTransient(f.code)) {
        // A glitch at the bank or network: hours, not days.
        at = f.retriesOfThisCard == 0 ? qMax(now, last.addSecs(2 * 3600)) : morningFrom(lastLocalDay.addDays(1));
        why = f.retriesOfThisCard == 0 ? tr("Temporary error (%1): retry in 2 hours").arg(f.code)
                                       : tr("Temporary error (%1): next morning, %2 customer time").arg(f.code, hour);
    } else if (f.code == QLatin1String("insufficient_funds")) {
        const bool triedOnPayDay = f.retriesOfThisCard > 0
            && (lastLocalDay.day() == 1 || lastLocalDay.day() == 15
                || lastLocalDay == lastBusinessDay(lastLocalDay.year(), lastLocalDay.month()));
        if (triedOnPayDay) {
            // Deposits often land a day late: the morning after the pay day.
            at = morningFrom(lastLocalDay.addDays(1));
            why = tr("Insufficient funds: the morning after pay day (late deposits), %1 customer time").arg(hour);
        } else {
            QDate pay = nextPayDay(lastLocalDay);
            while (atLocalMorning(pay) < earliest)
                pay = nextPayDay(pay);
            at = atLocalMorning(pay);
            const QString kind = pay.day() == 1 ? tr("start of the month")
                                 : pay.day() == 15 ? tr("mid-month pay day")
                                                   : tr("last business day");
            why = tr("Insufficient funds: pay day (%1, %2), %3 customer time").arg(dayText(pay), kind, hour);
        }
    } else if (isLimit(f.code)) {
        // Spending limits reset daily or monthly: the next morning, then the 1st of the month.
        const QDate first = QDate(lastLocalDay.year(), lastLocalDay.month(), 1).addMonths(1);
        if (f.retriesOfThisCard < 2 || first.addDays(0) > f.firstFailureAt.addDays(windowDays).toTimeZone(f.zone).date()) {
            at = morningFrom(lastLocalDay.addDays(1));
            why = tr("Card limit reached: next morning, %1 customer time (daily reset)").arg(hour);
        } else {
            at = morningFrom(first);
            why = tr("Card limit reached: %1, after the monthly reset").arg(dayText(first));
        }
    } else {
        // Catch-all declines: spaced out (day 1, 3, 6, 10, 13 after the failure).
        static const int Days[] = {1, 3, 6, 10, 13};
        const int i = qMin(f.retriesOfThisCard, int(std::size(Days)) - 1);
        const QDate firstLocal = f.firstFailureAt.toTimeZone(f.zone).date();
        at = morningFrom(firstLocal.addDays(Days[i]));
        why = tr("%1: spaced retry (day %2), %3 customer time").arg(f.code).arg(Days[i]).arg(hour);
    }

    if (at >= windowEnd) {
        // Past the window: one last try on its final morning, if that is still ahead.
        const QDateTime lastChance = atLocalMorning(windowEnd.toTimeZone(f.zone).addSecs(-3600).date());
        if (lastChance >= earliest && lastChance < windowEnd) {
            at = lastChance;
            why = tr("Last try before the %1-day window closes, %2 customer time").arg(windowDays).arg(hour);
            s.finalAttempt = true;
        } else {
            return stop(tr("No good time left in the %1-day window").arg(windowDays));
        }
    }
    s.retry = true;
    s.at = at;
    s.reason = why;
    return s;
}

std::unique_ptr<RetryPolicy> makeRetryPolicy(QStringView key)
{
    if (key == u"fixed")
        return std::make_unique<FixedSchedulePolicy>();
    if (key == u"stripe_default")
        return std::make_unique<StripeDefaultPolicy>();
    if (key == u"smart")
        return std::make_unique<SmartRetryPolicy>();
    return nullptr;
}

} // namespace Billing
