#pragma once

#include "services/domain/catalog.h"
#include "services/domain/invoice.h"
#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/domain/subscription.h"
#include "services/fx/fxconverter.h"

#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Billing {

// What the metrics are computed from: a snapshot of the local cache.
struct AnalyticsInput
{
    QList<Subscription> subscriptions; // with their items
    QHash<QString, Price> prices;      // by price id
    QList<Invoice> invoices;
};

struct MetricsOptions
{
    QDate firstMonth;              // any day in the first month shown
    QDate lastMonth;               // any day in the last month shown (clipped to `now`'s month)
    QString reportingCurrency;     // ISO code for the converted view; empty = no conversion
    Rounding rounding = Rounding::HalfUp; // the one rounding of every sum (MRR, ARR, ARPA, conversions)
    QDateTime now;                 // UTC; invalid = the current time
};

// One month of one currency (or of the reporting currency, converted). Money in minor units of
// `currency`. Ratios are fractions (0.05 = 5%); nullopt when the denominator is 0.
struct MonthMetrics
{
    QDate month;             // first day of the month
    QString currency;        // ISO code, upper case
    qint64 mrrMinor = 0;     // at the end of the month (or now, for the current month)
    qint64 arrMinor = 0;     // 12 x MRR, rounded from the exact MRR (not 12 x the rounded MRR)
    int activeCustomers = 0; // customers with at least one paying (non-trial) subscription at the end
    qint64 arpaMinor = 0;    // MRR / active customers
    int startCustomers = 0;  // active at the end of the previous month
    int newCustomers = 0;
    int churnedCustomers = 0; // active at the start, not at the end
    qint64 startMrrMinor = 0;
    qint64 newMrrMinor = 0;
    qint64 expansionMinor = 0;
    qint64 contractionMinor = 0;
    qint64 churnedMrrMinor = 0;
    std::optional<double> logoChurn;     // churnedCustomers / startCustomers
    std::optional<double> revenueChurn;  // (churned + contraction) / start MRR  (gross)
    std::optional<double> netRevenueRetention; // (start + expansion - contraction - churned) / start MRR
    int trialsEnded = 0;     // trials whose trial_end fell in the month (and has passed)
    int trialsConverted = 0; // of those, still subscribed after the trial end
    std::optional<double> trialConversion;
    qint64 revenueMinor = 0; // invoices paid in the month (amount_paid, by status_transitions.paid_at)
    bool complete = true;    // converted view: false when a rate was missing (note says which)
    QString note;
};

// Cohort retention: customers by signup month (their first subscription's start), and the share
// still holding a live subscription (trials included) at the end of each following month.
struct CohortRow
{
    QDate cohort;                 // first day of the signup month
    int size = 0;
    QList<int> retained;          // offset 0 = the signup month itself
    QList<double> retention;      // retained / size
};

struct AnalyticsReport
{
    QList<QDate> months;                          // first days, oldest first
    QStringList currencies;                       // upper case, sorted
    QMap<QString, QList<MonthMetrics>> perCurrency; // currency -> one row per month
    QString reportingCurrency;                    // empty = no converted view
    QList<MonthMetrics> converted;                // one row per month, in reportingCurrency
    QList<AppliedRate> ratesUsed;                 // distinct rates of the converted view
    // Each currency's share of the converted MRR per month (rounded once each, so the shares may
    // differ from the converted total by a minor unit per currency); 0 where a month is incomplete.
    QMap<QString, QList<qint64>> convertedMrrByCurrency;
    QStringList warnings;                         // missing rates, skipped prices (user text)
    QList<CohortRow> cohorts;
    // Paid revenue per customer per month (minor units of the customer's currency), for forecasts.
    QMap<QString, QMap<QString, QList<qint64>>> customerRevenue; // customer -> currency -> per month
    QString roundingName;                         // "half up"...
    int skippedItems = 0;                         // metered or unpriced items left out of MRR
};

// Computes the SaaS metrics from a cache snapshot. Pure: no I/O, any thread (the pane runs it with
// QtConcurrent).
//
// Definitions (stated, so the numbers can be checked by hand):
// - A subscription pays at instant t when it started before t (start_date, else created), has not
//   ended (ended_at, else canceled_at for canceled ones, is after t), is not in trial at t
//   (trial_end <= t) and is not incomplete / incomplete_expired. Paused collection still counts.
// - A licensed item's monthly amount: unit price (unit_amount, unit_amount_decimal, or the tiers
//   for the quantity, graduated or volume) x quantity, normalised exactly: month / n, year / 12n,
//   week x 52 / 12n, day x 365 / 12n. Metered items are left out (usage is not recurring revenue).
//   Discounts and taxes are not applied.
// - Exact fractions are summed per month and currency, then rounded once with options.rounding.
// - The converted view converts each customer's exact MRR with the rate on or before the last day
//   of the month (FxConverter), sums, and rounds once.
class MetricsCalculator final
{
public:
    static Result<AnalyticsReport> compute(const AnalyticsInput &input, const FxConverter &fx,
                                           const MetricsOptions &options);

    // A price's monthly amount for `quantity`, in minor units as an exact fraction num/den.
    // nullopt for metered or unpriced items.
    struct Fraction
    {
        __int128 num = 0;
        __int128 den = 1;
    };
    static std::optional<Fraction> monthlyAmount(const Price &price, qint64 quantity);
    static qint64 round(const Fraction &f, Rounding rounding);
};

QString roundingName(Rounding rounding); // "half up", "half even", ...

} // namespace Billing
