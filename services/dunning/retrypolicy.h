#pragma once

#include "services/dunning/declinecodes.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QTimeZone>

#include <memory>

namespace Billing {

// What a retry policy knows about one failed invoice payment.
struct FailedPayment
{
    QString invoiceId;
    QString code;               // effective decline code (DeclineCodes::effectiveCode)
    QDateTime firstFailureAt;   // UTC: the first failed attempt; the retry window starts here
    QDateTime lastAttemptAt;    // UTC: the latest attempt (the first failure when no retry yet)
    int retriesMade = 0;        // retries after the first failure (Stripe attempt_count - 1)
    int retriesOfThisCard = 0;  // retries of the current payment method (per-code caps)
    QDateTime paymentMethodChangedAt; // UTC; after lastAttemptAt = a new payment method to try
    QTimeZone zone = QTimeZone::utc(); // the customer's time zone
    QString planKey;            // price or product id, for per-plan overrides
};

// The next step for a failed payment. retry false = nothing scheduled (reason says why: hard
// decline, budget used, waiting for a new payment method, window closed).
struct RetryStep
{
    bool retry = false;
    QDateTime at;          // UTC, when retry
    QString reason;        // one line for the dunning pane ("Pay day (Mon 15 Dec), 06:00 customer time")
    int retryNumber = 0;   // 1-based number of this retry
    bool finalAttempt = false; // the last retry the policy will make
    bool waitingForPaymentMethod = false; // retry becomes possible once a new method is attached
};

// A retry policy. Pure computation (no I/O); thread-safe; const.
class RetryPolicy
{
public:
    virtual ~RetryPolicy() = default;
    virtual QString key() const = 0;   // "fixed", "stripe_default", "smart"
    virtual QString label() const = 0; // for people
    virtual int maxRetries() const = 0;
    virtual int windowDays() const = 0;
    // The next retry after `failed` as of `now` (UTC). Never earlier than now.
    virtual RetryStep next(const FailedPayment &failed, const QDateTime &now) const = 0;
};

// Baseline: retry on days 3, 5 and 7 after the first failure (same time of day), whatever the
// decline code.
class FixedSchedulePolicy final : public RetryPolicy
{
public:
    QString key() const override { return QStringLiteral("fixed"); }
    QString label() const override;
    int maxRetries() const override { return 3; }
    int windowDays() const override { return 7; }
    RetryStep next(const FailedPayment &failed, const QDateTime &now) const override;
};

// Baseline: Stripe's published default for Smart Retries, "8 tries within 2 weeks" (docs.stripe.com
// billing/revenue-recovery/smart-retries), spread evenly over the 14 days, no retry of the
// non-retryable (hard) decline codes. Stripe's own timing model is not public; even spacing is
// the documented schedule's plain reading.
class StripeDefaultPolicy final : public RetryPolicy
{
public:
    QString key() const override { return QStringLiteral("stripe_default"); }
    QString label() const override;
    int maxRetries() const override { return 8; }
    int windowDays() const override { return 14; }
    RetryStep next(const FailedPayment &failed, const QDateTime &now) const override;
};

struct SmartRetrySettings
{
    int maxRetries = 6;        // never more than Stripe's default of 8
    int windowDays = 14;
    int doNotHonorMax = 2;     // do_not_honor (and other catch-alls) at most this many retries
    int preferredLocalHour = 6; // customer's local time: after overnight settlement, before the day's spending
    int minGapHours = 20;      // between two scheduled (not payment-method-triggered) retries
    struct PlanOverride
    {
        int maxRetries = -1; // -1 = the general setting
        int windowDays = -1;
    };
    QHash<QString, PlanOverride> planOverrides; // by FailedPayment::planKey
};

// The console's policy: decline-code aware (hard declines never, catch-alls capped, the card that
// cannot work waits for a new one), insufficient funds on pay days (the 1st, the 15th, the last
// business day), spending limits after they reset, transient errors within hours, a new payment
// method retried at once, everything else spaced out; scheduled retries at a good local hour in the
// customer's time zone; per-plan maximum and window.
class SmartRetryPolicy final : public RetryPolicy
{
public:
    explicit SmartRetryPolicy(SmartRetrySettings settings = {}) : m_settings(std::move(settings)) {}
    QString key() const override { return QStringLiteral("smart"); }
    QString label() const override;
    int maxRetries() const override { return m_settings.maxRetries; }
    int windowDays() const override { return m_settings.windowDays; }
    const SmartRetrySettings &settings() const { return m_settings; }
    RetryStep next(const FailedPayment &failed, const QDateTime &now) const override;

    // Pay days in the customer's calendar: the 1st, the 15th and the last business day (Mon-Fri)
    // of each month. The first such date strictly after `after`.
    static QDate nextPayDay(const QDate &after);
    static QDate lastBusinessDay(int year, int month);

private:
    SmartRetrySettings m_settings;
};

std::unique_ptr<RetryPolicy> makeRetryPolicy(QStringView key); // null for an unknown key

} // namespace Billing
