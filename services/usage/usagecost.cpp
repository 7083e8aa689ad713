#include "services/usage/usagecost.h"

#include "services/pricing/pricecalculator.h"

#include <QCoreApplication>
#include <QFuture>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

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

UsageCost UsageCostCalculator::compute(const QList<UsagePoint> &points, const UsagePriceBook &book)
{
    // (customer, meter, source, month) -> quantity
    std::map<std::tuple<QString, QString, QString, QDate>, qint64> months;
    for (const UsagePoint &p : points) {
        const QDate d = p.bucketStart.toUTC().date();
        months[{p.customerId, p.meter, p.source, QDate(d.year(), d.month(), 1)}] += p.quantity;
    }
    UsageCost cost;
    for (const auto &[key, quantity] : months) {
        const auto &[customer, meter, source, month] = key;
        const QString series = usageSeriesKey(meter, source);
        const std::optional<Price> price = book.priceFor(customer, meter);
        if (!price) {
            if (quantity > 0 && !cost.unpriced.contains(series))
                cost.unpriced << series;
            continue;
        }
        const Result<PriceCharge> charge = PriceCalculator::charge(*price, quantity);
        if (!charge) {
            const QString problem = tr("%1 for %2 in %3: %4")
                                        .arg(series, customer, month.toString(QStringLiteral("yyyy-MM")),
                                             charge.error().userMessage);
            cost.problems << problem;
            continue;
        }
        const QString code = charge->total.currency().code();
        cost.lines << UsageCostLine{customer, series, month, quantity, charge->total};
        cost.bySeries[series][code] += charge->total.minor();
        cost.total[code] += charge->total.minor();
    }
    return cost;
}

void UsageCostCalculator::computeAsync(QList<UsagePoint> points, UsagePriceBook book, QObject *context,
                                       std::function<void(UsageCost)> handler)
{
    QtConcurrent::run([points = std::move(points), book = std::move(book)] { return compute(points, book); })
        .then(context, [handler = std::move(handler)](UsageCost cost) {
            if (handler)
                handler(std::move(cost));
        });
}

} // namespace Billing
