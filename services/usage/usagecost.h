#pragma once

#include "services/domain/catalog.h"
#include "services/domain/money.h"
#include "services/storage/usage.h"

#include <QDate>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QObject;

namespace Billing {

// Which Stripe price a customer's usage of a meter is charged at: a default per meter (the
// workspace's metered price) and per-customer overrides (custom pricing).
class UsagePriceBook final
{
public:
    void setDefault(const QString &meter, const Price &price) { m_defaults.insert(meter, price); }
    void setForCustomer(const QString &customerId, const QString &meter, const Price &price)
    {
        m_custom[customerId].insert(meter, price);
    }
    std::optional<Price> priceFor(const QString &customerId, const QString &meter) const;
    bool isEmpty() const { return m_defaults.isEmpty() && m_custom.isEmpty(); }

    // Metered recurring prices whose metadata "meter" names the meter they charge (the event name),
    // active ones only; with several for one meter the newest wins.
    static UsagePriceBook fromPrices(const QList<Price> &prices);

private:
    QMap<QString, Price> m_defaults;
    QHash<QString, QMap<QString, Price>> m_custom;
};

// Monthly unit caps from budgets whose limit action is "cap" (BudgetService::usageCaps): the
// rule is that a customer's usage of a meter (the product's own metering) beyond the cap in a
// calendar month (UTC) is kept and shown, but flagged as over the cap and not billable: it is left
// out of the implied cost. Usage that arrives from Stripe meters is billed by Stripe itself; the
// console cannot un-bill it, so caps do not apply to it (the budget's alert says so).
class UsageCaps final
{
public:
    void setCap(const QString &customerId, const QString &meter, qint64 units); // the lowest cap wins
    std::optional<qint64> capFor(const QString &customerId, const QString &meter) const;
    bool isEmpty() const { return m_caps.isEmpty(); }
    bool operator==(const UsageCaps &other) const { return m_caps == other.m_caps; }

private:
    QHash<QString, QHash<QString, qint64>> m_caps; // customer -> meter -> units per month
};

// What one customer's usage of one meter in one calendar month (UTC) charges.
struct UsageCostLine
{
    QString customerId;
    QString series; // usageSeriesKey(meter, source)
    QDate month;    // first of the month
    qint64 quantity = 0;       // billable units in range (priced)
    Money amount;
    qint64 cappedQuantity = 0; // units in range over the customer's cap: kept, flagged, not billed
};

struct UsageCost
{
    QList<UsageCostLine> lines;
    // series -> currency code -> minor units; currencies are never added together
    QMap<QString, QMap<QString, qint64>> bySeries;
    QMap<QString, qint64> total; // currency code -> minor units
    QStringList unpriced;        // series with usage but no price for some customer
    QStringList problems;        // prices that could not be computed, in plain words
    QMap<QString, qint64> cappedBySeries; // series -> units over a budget cap (not billable)
    qint64 cappedUnits = 0;               // all of them
    QStringList cappedCustomers;          // customers with usage over their cap, sorted

    // "USD 12.34 · EUR 5.00" style pairs for one series (or all with an empty series).
    QList<Money> amounts(const QString &series = {}) const;
};

// The cost that usage implies: per customer, series and calendar month the month's quantity (in
// the points given) goes through PriceCalculator::charge once, so tiered and volume prices apply
// to the month's total as Stripe's monthly invoice would (a range that cuts a month counts only
// the part inside it). Exact in minor units; currencies kept apart. Pure, any thread.
class UsageCostCalculator final
{
public:
    // points: from a byCustomer series query (any granularity up to a month).
    // caps: usage beyond a customer's monthly cap of a meter (product source) is counted in time
    // order through the month; the part over the cap goes to cappedQuantity, not to the price.
    // countFrom: points before it (the start of the range's first month, fetched so the cap sees
    // the whole month) use up the cap but are not counted or priced; null = count every point.
    static UsageCost compute(const QList<UsagePoint> &points, const UsagePriceBook &book,
                             const UsageCaps &caps = {}, const QDateTime &countFrom = {});
    // The same on a pool thread; handler on `context`'s thread while it lives.
    static void computeAsync(QList<UsagePoint> points, UsagePriceBook book, QObject *context,
                             std::function<void(UsageCost)> handler, UsageCaps caps = {},
                             QDateTime countFrom = {});
};

} // namespace Billing
