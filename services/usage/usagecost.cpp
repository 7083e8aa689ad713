#include "services/usage/usagecost.h"

#include "services/pricing/pricecalculator.h"

#include <QCoreApplication>
#include <QFuture>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <map>
#include <tuple>

namespace Billing {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::UsageCostCalculator", text);
}
} // namespace

std::optional<Price> UsagePriceBook::priceFor(const QString &customerId, const QString &meter) const
{
    const auto custom = m_custom.constFind(customerId);
    if (custom != m_custom.cend() && custom->contains(meter))
        return custom->value(meter);
    if (m_defaults.contains(meter))
        return m_defaults.value(meter);
    return std::nullopt;
}

UsagePriceBook UsagePriceBook::fromPrices(const QList<Price> &prices)
{
    UsagePriceBook book;
    QMap<QString, QDateTime> newest;
    for (const Price &p : prices) {
        const QString meter = p.metadata.value(QStringLiteral("meter"));
        if (meter.isEmpty() || !p.active || p.usageType != QLatin1String("metered"))
            continue;
        if (newest.contains(meter) && newest.value(meter) >= p.created)
            continue;
        newest.insert(meter, p.created);
        book.setDefault(meter, p);
    }
    return book;
}

void UsageCaps::setCap(const QString &customerId, const QString &meter, qint64 units)
{
    QHash<QString, qint64> &m = m_caps[customerId];
    const auto it = m.constFind(meter);
    if (it == m.cend() || units < *it)
        m.insert(meter, qMax<qint64>(0, units));
}

std::optional<qint64> UsageCaps::capFor(const QString &customerId, const QString &meter) const
{
    const auto c = m_caps.constFind(customerId);
    if (c == m_caps.cend())
        return std::nullopt;
    const auto it = c->constFind(meter);
    if (it == c->cend())
        return std::nullopt;
    return *it;
}

QList<Money> UsageCost::amounts(const QString &series) const
{
    const QMap<QString, qint64> &m = series.isEmpty() ? total : bySeries.value(series);
    QList<Money> out;
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        if (const auto c = Currency::fromCode(it.key()))
            out << Money(it.value(), *c);
    }
    return out;
}

UsageCost UsageCostCalculator::compute(const QList<UsagePoint> &points, const UsagePriceBook &book,
                                       const UsageCaps &caps, const QDateTime &countFrom)
{
    struct Month
    {
        qint64 used = 0;     // all units of the month seen so far (for the cap), in time order
        qint64 billable = 0; // counted units within the cap
        qint64 capped = 0;   // counted units over the cap
        bool counted = false; // has points in the range
    };
    // The cap is used up in time order: sort a copy by bucket.
    QList<UsagePoint> ordered = points;
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const UsagePoint &a, const UsagePoint &b) { return a.bucketStart < b.bucketStart; });
    // (customer, meter, source, month) -> quantities
    std::map<std::tuple<QString, QString, QString, QDate>, Month> months;
    for (const UsagePoint &p : std::as_const(ordered)) {
        const QDate d = p.bucketStart.toUTC().date();
        Month &m = months[{p.customerId, p.meter, p.source, QDate(d.year(), d.month(), 1)}];
        const bool counted = !countFrom.isValid() || p.bucketStart >= countFrom;
        const std::optional<qint64> cap =
            p.source == UsageSourceProduct ? caps.capFor(p.customerId, p.meter) : std::nullopt;
        qint64 within = p.quantity;
        if (cap)
            within = qBound<qint64>(0, *cap - m.used, p.quantity);
        m.used += p.quantity;
        if (counted) {
            m.counted = true;
            m.billable += within;
            m.capped += p.quantity - within;
        }
    }
    UsageCost cost;
    for (const auto &[key, month] : months) {
        const auto &[customer, meter, source, monthStart] = key;
        const QString series = usageSeriesKey(meter, source);
        if (month.capped > 0) {
            cost.cappedBySeries[series] += month.capped;
            cost.cappedUnits += month.capped;
            if (!cost.cappedCustomers.contains(customer))
                cost.cappedCustomers << customer;
        }
        const qint64 quantity = month.billable;
        if (!month.counted)
            continue; // only usage before the range (fetched so the cap sees the whole month)
        const std::optional<Price> price = book.priceFor(customer, meter);
        if (!price) {
            if (quantity > 0 && !cost.unpriced.contains(series))
                cost.unpriced << series;
            continue;
        }
        const Result<PriceCharge> charge = PriceCalculator::charge(*price, quantity);
        if (!charge) {
            const QString problem = tr("%1 for %2 in %3: %4")
                                        .arg(series, customer, monthStart.toString(QStringLiteral("yyyy-MM")),
                                             charge.error().userMessage);
            cost.problems << problem;
            continue;
        }
        const QString code = charge->total.currency().code();
        UsageCostLine line{customer, series, monthStart, quantity, charge->total};
        line.cappedQuantity = month.capped;
        cost.lines << line;
        cost.bySeries[series][code] += charge->total.minor();
        cost.total[code] += charge->total.minor();
    }
    std::sort(cost.cappedCustomers.begin(), cost.cappedCustomers.end());
    return cost;
}

void UsageCostCalculator::computeAsync(QList<UsagePoint> points, UsagePriceBook book, QObject *context,
                                       std::function<void(UsageCost)> handler, UsageCaps caps, QDateTime countFrom)
{
    QtConcurrent::run([points = std::move(points), book = std::move(book), caps = std::move(caps), countFrom] {
        return compute(points, book, caps, countFrom);
    })
        .then(context, [handler = std::move(handler)](UsageCost cost) {
            if (handler)
                handler(std::move(cost));
        });
}

} // namespace Billing
