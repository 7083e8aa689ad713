#pragma once

#include "services/budgets/budget.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// What a budget's owner has spent in the current period, and how that was measured.
struct BudgetSpend
{
    qint64 spend = 0;                 // minor units (Money) or units (Units), month to date
    std::optional<qint64> projected;  // spend expected by the end of the month; empty = no forecast
    QString basis;                    // plain words: "api_calls usage this month", "invoiced 3 times + usage priced"
    QString forecastMethod;           // plain words: "linear run rate of the month so far"
    QString problem;                  // non-empty: spend could not be measured (nothing is alerted)
};

// Pure threshold logic (thread-safe, no I/O). The exactly-once guarantee is the repository's
// unique key: this only says which alerts are due at a given spend.
class ThresholdEvaluator final
{
public:
    // The calendar month (UTC) `at` falls in: "2026-11", its first instant, and the next month's.
    static QString periodKey(const QDateTime &at);
    static QDateTime periodStart(const QDateTime &at);
    static QDateTime periodEnd(const QDateTime &at);

    // Month-to-date spend projected linearly to the month end: spend x (month length / elapsed),
    // in seconds, rounded half up; exact (128-bit intermediate), saturating at INT64_MAX. Before
    // one hour of the month has passed there is too little to project: returns nullopt.
    static std::optional<qint64> linearProjection(qint64 spend, const QDateTime &start, const QDateTime &end,
                                                  const QDateTime &now);

    // Share of the limit used, in permille (1000 = 100%), rounded down; limit <= 0 gives 0.
    static int permilleUsed(qint64 spend, qint64 limit);
    // True when spend has reached `percent` of limit (spend x 100 >= limit x percent, exact).
    static bool reached(qint64 spend, qint64 limit, int percent);

    // The alerts a budget is due at this spend: one per threshold reached, and an early warning
    // (kind Forecast) when the projection reaches the limit while the spend has not. Filled:
    // budget, customer, period, kind, percent, spend, limit, projected, currency/meter, triggeredAt
    // (= now), note; action is left for the caller. Inactive budgets and spend with a problem
    // give none.
    static QList<BudgetAlert> dueAlerts(const Budget &budget, const BudgetSpend &spend, const QDateTime &now);
};

} // namespace Billing
