#pragma once

#include "services/budgets/budget.h"
#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QList>
#include <QSet>
#include <QString>

namespace Billing {

// A stop or flag taken when a budget reached its limit, once per budget, period, action and
// subscription (unique key). Pause rows start "due" and become "queued" once the outbox holds the
// pause (clientOpId "budget-stop:<budget>:<period>:<sub>", so a rerun never pauses twice).
struct BudgetActionRecord
{
    qint64 id = 0;
    qint64 budgetId = 0;
    qint64 alertId = 0;
    QString period;
    LimitAction action = LimitAction::Notify;
    QString customerId;
    QString subscriptionId; // Pause: the subscription paused; else empty
    QString state;          // "due", "queued", "done", "failed"
    QString clientOpId;
    qint64 outboxEntryId = 0;
    QString detail;
    QDateTime at;
};

// An alert the evaluator found due, with what the budget does at its limit.
struct DueAlert
{
    BudgetAlert alert;
    LimitAction action = LimitAction::Notify; // applied only on the 100% threshold alert
    QStringList pauseSubscriptions;           // Pause: the subscriptions to pause
};

struct AlertQuery
{
    QString customerId;  // empty = any
    qint64 budgetId = 0; // 0 = any
    QString period;      // empty = any
    bool includeAcknowledged = false;
    bool includeSnoozed = false; // false: alerts snoozed past `now` are left out
    QDateTime now;               // invalid = the current time
    int limit = 2000;
};

// Budgets, triggered alerts and limit actions in the billing database (SQLite or PostgreSQL)
// through the BillingDatabase's own connection. Tables come from ensureSchema() (CREATE TABLE IF
// NOT EXISTS under the migration lock), so this capability adds no step to BillingDatabase's schema.
//
// Every write is one transaction with its audit_log rows. Threading: the thread that owns the
// BillingDatabase (its DbThread worker). Errors: Validation (plain words, nothing written),
// Conflict (stale version), NotFound, Database.
class BudgetRepository final
{
public:
    explicit BudgetRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();

    // Inserts (budget.id 0) or updates (budget.version = the stored version, else Conflict) after
    // validateBudget(budget, customerCurrency). Returns the stored row. Audited as `actor`.
    Result<Budget> saveBudget(const Budget &budget, const QString &customerCurrency, const QString &actor);
    // Sets active = false (kept for the alerts that name it). Audited.
    Result<Budget> archiveBudget(qint64 id, qint64 expectedVersion, const QString &actor);
    Status setStripeAlertId(qint64 id, const QString &stripeAlertId, const QString &actor);
    Result<Budget> budget(qint64 id) const; // NotFound when absent
    // customerId empty = every customer. Ordered by customer, id.
    Result<QList<Budget>> budgets(const QString &customerId = {}, bool activeOnly = true) const;

    // Records the alerts not recorded before (unique budget/period/kind/threshold) and, for a new
    // 100% threshold alert, the budget's limit action (flag, cap: done at once; pause: one "due"
    // row per subscription), all in one transaction with their audit rows. Returns only the alerts
    // that are new, with their ids and action text.
    Result<QList<BudgetAlert>> recordAlerts(const QList<DueAlert> &due, const QString &actor);

    // Pause actions still to be queued (new, or left "due" by a crash or an offline run).
    Result<QList<BudgetActionRecord>> dueActions() const;
    // A due action was queued in the outbox (state "queued") or refused ("failed", detail says why);
    // the alert's action text follows. Audited.
    Status completeAction(qint64 actionId, bool queued, qint64 outboxEntryId, const QString &detail,
                          const QString &actor);
    Result<QList<BudgetActionRecord>> actions(const QString &customerId = {}) const;
    // Customers flagged by a budget in `period` ("2026-11"; empty = any period).
    Result<QSet<QString>> flaggedCustomers(const QString &period = {}) const;

    Result<QList<BudgetAlert>> alerts(const AlertQuery &query) const; // newest first
    Result<BudgetAlert> alert(qint64 id) const;
    // Acknowledge: the alert leaves the open list. Snooze: hidden until `until` (must be later
    // than now). Both audited.
    Result<BudgetAlert> acknowledge(qint64 alertId, const QString &actor);
    Result<BudgetAlert> snooze(qint64 alertId, const QDateTime &until, const QString &actor);

private:
    BillingDatabase &m_db;
};

} // namespace Billing
