#pragma once

#include "services/domain/result.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringView>

#include <optional>

namespace Billing {

// Whose spending a budget limits: a customer (every subscription) or one subscription.
enum class BudgetScope { Customer, Subscription };
// What a budget counts: money (minor units of the customer's currency) or units of one meter.
enum class BudgetUnit { Money, Units };
// What happens when spending reaches 100%, as the customer's contract says:
//  Notify  an alert only
//  Flag    an alert, and the account is flagged (shown in the alert centre and on the customer)
//  Pause   an alert, and collection is paused on the subscription(s) (PauseService, through the outbox)
//  Cap     an alert, and the cap decision is recorded (usage above the limit is not billed)
enum class LimitAction { Notify, Flag, Pause, Cap };

QString budgetScopeName(BudgetScope scope); // "customer", "subscription"
std::optional<BudgetScope> budgetScopeFromName(QStringView name);
QString budgetUnitName(BudgetUnit unit); // "money", "units"
std::optional<BudgetUnit> budgetUnitFromName(QStringView name);
QString limitActionName(LimitAction action); // "notify", "flag", "pause", "cap"
QString limitActionLabel(LimitAction action); // for people (tr)
std::optional<LimitAction> limitActionFromName(QStringView name);

// A monthly budget (calendar month, UTC).
struct Budget
{
    qint64 id = 0; // assigned when first saved
    BudgetScope scope = BudgetScope::Customer;
    QString customerId;     // cus_..., always set (the subscription's customer for Subscription scope)
    QString subscriptionId; // sub_..., Subscription scope only
    BudgetUnit unit = BudgetUnit::Money;
    qint64 limit = 0;  // Money: minor units of `currency`; Units: units of `meter`. Must be > 0.
    QString currency;  // Money: lower-case ISO 4217, the customer's currency; Units: empty
    // Units: the meter counted (required). Money: optional: that meter's usage this month is priced
    // with `priceId` (PriceCalculator) and added to what was invoiced this month.
    QString meter;
    QString priceId;
    QList<int> thresholds{50, 80, 100}; // percent of `limit`, strictly increasing, 1..MaxThresholdPercent
    LimitAction action = LimitAction::Notify;
    bool active = true;
    QString stripeAlertId; // the Stripe billing alert (alrt_...) mirroring a units budget, when made
    qint64 version = 0;    // optimistic concurrency: 0 = not stored yet
    QDateTime updatedAt;   // UTC
    QString updatedBy;

    static constexpr int MaxThresholdPercent = 200;
    static constexpr int MaxThresholds = 10;
    // A money limit above this (10^12 minor units: 10 billion USD) is a typing mistake.
    static constexpr qint64 MaxLimit = 1000000000000LL;
};

// Nothing is saved when this fails; the message says what to change, in plain words (tr).
// customerCurrency: the customer's currency as the cache knows it (lower case; empty = not known
// yet, then any valid currency is accepted).
Status validateBudget(const Budget &budget, const QString &customerCurrency);

// What kind of alert: a threshold reached, or the forecast says the limit will be reached before
// the month ends.
enum class AlertKind { Threshold, Forecast };
QString alertKindName(AlertKind kind); // "threshold", "forecast"
std::optional<AlertKind> alertKindFromName(QStringView name);

// One triggered alert. Unique per (budgetId, period, kind, thresholdPercent): the same crossing is
// recorded once however often the budgets are evaluated.
struct BudgetAlert
{
    qint64 id = 0;
    qint64 budgetId = 0;
    QString customerId;
    QString subscriptionId;
    QString period; // "2026-11" (UTC calendar month)
    AlertKind kind = AlertKind::Threshold;
    int thresholdPercent = 0; // Forecast: 100
    BudgetUnit unit = BudgetUnit::Money;
    qint64 spend = 0;     // at the time of the alert (minor units or units)
    qint64 limit = 0;
    qint64 projected = 0; // Forecast: the projected spend at month end
    QString currency;     // Money
    QString meter;        // Units
    QDateTime triggeredAt; // UTC
    QString action;        // "notified", "flagged", "pause queued", "pause failed: ...", "capped", "early warning"
    qint64 outboxEntryId = 0; // the pause's outbox entry, when one was queued
    QDateTime acknowledgedAt; // invalid = not acknowledged
    QString acknowledgedBy;
    QDateTime snoozedUntil; // invalid = not snoozed
    QString note;           // how spend was measured (and the forecast method)

    QString uniqueKey() const; // "budgetId|period|kind|percent"
    bool isSnoozedAt(const QDateTime &now) const { return snoozedUntil.isValid() && snoozedUntil > now; }
};

} // namespace Billing

Q_DECLARE_METATYPE(Billing::Budget)
Q_DECLARE_METATYPE(Billing::BudgetAlert)
