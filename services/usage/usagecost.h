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

// What one customer's usage of one meter in one calendar month (UTC) charges.
struct UsageCostLine
{
    QString customerId;
    QString series; // usageSeriesKey(meter, source)
    QDate month;    // first of the month
    qint64 quantity = 0;
    Money amount;
};

struct UsageCost
{
    QList<UsageCostLine> lines;
    // series -> currency code -> minor units; currencies are never added together
    QMap<QString, QMap<QString, qint64>> bySeries;
    QMap<QString, qint64> total; // currency code -> minor units
    QStringList unpriced;        // series with usage but no price for some customer
    QStringList problems;        // prices that could not be computed, in plain words

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
    static UsageCost compute(const QList<UsagePoint> &points, const UsagePriceBook &book);
    // The same on a pool thread; handler on `context`'s thread while it lives.
    static void computeAsync(QList<UsagePoint> points, UsagePriceBook book, QObject *context,
                             std::function<void(UsageCost)> handler);
};

} // namespace Billing
