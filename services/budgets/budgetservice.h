#pragma once

#include "services/budgets/budget.h"
#include "services/budgets/budgetrepository.h"
#include "services/budgets/thresholdevaluator.h"
#include "services/domain/catalog.h"
#include "services/domain/invoice.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/storage/usage.h"
#include "services/usage/usagecost.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;
class AsyncLocalCache;
class OperationRunner;
class StripeClient;
struct OperationRequest;

// What the evaluator needs to know about one customer for one month.
struct BudgetInputs
{
    QString customerCurrency;              // lower case; empty when the cache does not know it
    QHash<QString, qint64> usageByMeter;   // month-to-date units from the month rollups
    QHash<QString, QList<qint64>> dailyUsageByMeter; // units per completed day of the month (day rollups), day 1 first
    QList<Invoice> invoices;               // created this month (status, total, currency, subscription)
    QStringList pausableSubscriptions;     // active/trialing/past_due and not paused
    QHash<QString, Price> prices;          // by id, for money budgets that price a meter
    // Subscription -> the meters its items' prices charge (metered prices whose metadata "meter"
    // names the meter, as UsagePriceBook reads them), for subscription-scoped budgets. A
    // subscription the cache does not know is absent.
    QHash<QString, QSet<QString>> subscriptionMeters;
};

// Where one budget stands now.
struct BudgetStatus
{
    Budget budget;
    BudgetSpend spend;
    int permille = 0; // share of the limit used (1000 = 100%)
    // Action "cap": the units of the budget's meter billable this month (units budget: the
    // limit; money budget with a priced meter: the most units whose cost, added to what was
    // invoiced, stays within the limit), and the units over it (kept, flagged, not billable).
    std::optional<qint64> capUnits;
    qint64 overCap = 0;
    bool flagged = false; // action "flag": the account is flagged for this month
};

struct BudgetEvaluationReport
{
    QDateTime at;
    QString period;                    // "2026-11"
    QList<BudgetStatus> statuses;      // every active budget
    QList<BudgetAlert> newAlerts;      // recorded by this run (none on a rerun with the same spend)
    QList<BudgetActionRecord> pausesQueued;
    QList<QPair<BudgetActionRecord, QString>> pausesFailed;
};

// Budgets and their alerts for the console and the command line.
//
// evaluate(): reads the active budgets and this month's usage rollups (billing DB worker), then the
// customers' currency, invoices, subscriptions and prices (cache worker), measures each budget's
// spend (units from the rollups; money = invoiced this month + a priced meter's usage), records the
// thresholds crossed and early warnings exactly once (BudgetRepository's unique key), takes the
// limit action (flag/cap recorded; pause queued through OperationRunner with clientOpId
// "budget-stop:..." so it is sent once), and reports. Forecast: the month-to-date run rate
// projected linearly to the month end (ThresholdEvaluator::linearProjection).
//
// Threading: GUI thread (any thread with an event loop); handlers run on `context`'s thread while
// it lives. Writes of budgets/acknowledge/snooze check Permission::ManageBudgets against the
// runner's actor (Unauthorized) and are audited by the repository.
class BudgetService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BudgetService)
public:
    template <typename T>
    using Handler = std::function<void(Result<T>)>;
    // Prices a quantity of a metered price (PriceCalculator::charge when the pricing library is
    // built); returns the amount in the price's minor units.
    using PriceFunction = std::function<Result<qint64>(const Price &price, qint64 quantity)>;

    BudgetService(AsyncBillingDatabase *billingDb, AsyncLocalCache *cache, OperationRunner *runner,
                  QObject *parent = nullptr);
    ~BudgetService() override;

    bool mayManage() const;
    // For mirrorToStripe (meter lookup); not owned.
    void setStripe(StripeClient *stripe) { m_stripe = stripe; }

    // The Stripe billing alert that mirrors a units budget where one fits: POST /v1/billing/alerts
    // alert_type=usage_threshold, usage_threshold {gte = the limit, meter = the Stripe meter whose
    // event_name is the budget's meter, recurrence one_time, filters [{type customer}]}. Pure.
    // Validation error (nothing sent) for a money budget (Stripe's usage alerts count meter units)
    // or an empty meter id. clientOpId "budget-alert:<budget>:<version>".
    static Result<OperationRequest> stripeAlertOperation(const Budget &budget, const QString &stripeMeterId);
    // Looks the meter up (GET /v1/billing/meters), submits stripeAlertOperation through the runner
    // (role ManageBudgets, audit, outbox), and once Stripe answered stores the alert id on the
    // budget. `queued` gets the outbox entry (or why nothing was queued).
    void mirrorToStripe(const Budget &budget, QObject *context, Handler<OutboxEntry> queued);

    // Pure: the cap of a "cap" budget in units of its meter (see BudgetStatus::capUnits); empty
    // for other actions or when the spend could not be measured.
    static std::optional<qint64> capUnits(const Budget &budget, const BudgetInputs &inputs, const BudgetSpend &spend,
                                          const PriceFunction &price);
    // Pure: a budget's spend from one customer's inputs at `now`. A subscription-scoped budget
    // counts a meter's usage only when a price on that subscription charges the meter (usage is
    // recorded per customer and meter, so a meter two subscriptions price counts for both).
    static BudgetSpend measure(const Budget &budget, const BudgetInputs &inputs, const QDateTime &now,
                               const PriceFunction &price);
    static PriceFunction defaultPriceFunction();
    // Month-end usage of one meter: the Holt linear-trend forecaster (services/analytics) over the
    // completed days when there are at least 4 and at most 24 days left, else the month-to-date run
    // rate projected linearly. `method` says which was used.
    static std::optional<qint64> projectUsage(qint64 monthToDate, const QList<qint64> &completedDays,
                                              const QDateTime &now, QString *method);

    void budgets(const QString &customerId, QObject *context, Handler<QList<Budget>> handler);
    // Validates against the customer's currency in the cache; nothing saved on error.
    void save(const Budget &budget, QObject *context, Handler<Budget> handler);
    void archive(qint64 id, qint64 version, QObject *context, Handler<Budget> handler);
    void alerts(const AlertQuery &query, QObject *context, Handler<QList<BudgetAlert>> handler);
    void acknowledge(qint64 alertId, QObject *context, Handler<BudgetAlert> handler);
    void snooze(qint64 alertId, const QDateTime &until, QObject *context, Handler<BudgetAlert> handler);
    void flaggedCustomers(QObject *context, Handler<QSet<QString>> handler);
    // The usage meters the billing database has seen (for the budget dialog).
    void meters(QObject *context, Handler<QStringList> handler);
    // Display names from the cache (name, else email); ids the cache does not know are left out.
    void customerNames(const QStringList &ids, QObject *context, Handler<QHash<QString, QString>> handler);

    // record = false: measure only (statuses), nothing written and no action taken.
    // Writes the alerts as CSV (writeAlertsCsv) on the billing database's worker thread.
    void exportAlerts(const QString &path, const QList<BudgetAlert> &alerts, const QHash<QString, QString> &names,
                      QObject *context, std::function<void(Status)> handler);

    void evaluate(const QDateTime &now, QObject *context, Handler<BudgetEvaluationReport> handler,
                  bool record = true);

    // The latest evaluation's status per budget and per customer (the most used budget).
    QHash<QString, BudgetStatus> statusByCustomer() const { return m_byCustomer; }
    QList<BudgetStatus> lastStatuses() const { return m_lastStatuses; }
    // Customers flagged by a "flag" budget this month (after the latest evaluation).
    QSet<QString> flaggedCustomerIds() const { return m_flagged; }
    // The monthly unit caps of the active "cap" budgets (latest evaluation), for the usage pane's
    // implied cost: usage over a cap is flagged there and not billable.
    UsageCaps usageCaps() const;

Q_SIGNALS:
    void budgetsChanged();
    void alertsChanged();
    // A budget's Stripe billing alert was created (its id stored on the budget) or failed.
    void stripeAlertFinished(qint64 budgetId, const QString &stripeAlertId, const QString &error);
    void evaluated();

private:
    Status checkManage() const;
    void recordStripeAlert(const Budget &budget, const OutboxEntry &done);
    void queuePauses(QList<BudgetActionRecord> due, std::shared_ptr<BudgetEvaluationReport> report, QObject *context,
                     Handler<BudgetEvaluationReport> handler);

    AsyncBillingDatabase *m_db;
    AsyncLocalCache *m_cache;
    QPointer<OperationRunner> m_runner;
    StripeClient *m_stripe = nullptr;
    PriceFunction m_price;
    QHash<QString, BudgetStatus> m_byCustomer;
    QList<BudgetStatus> m_lastStatuses;
    QSet<QString> m_flagged;
    bool m_evaluating = false;
};

} // namespace Billing
