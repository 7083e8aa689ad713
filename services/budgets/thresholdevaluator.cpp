#include "services/budgets/thresholdevaluator.h"

#include <QCoreApplication>

#include <limits>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::ThresholdEvaluator", text); }
} // namespace

QString ThresholdEvaluator::periodKey(const QDateTime &at)
{
    return at.toUTC().date().toString(QStringLiteral("yyyy-MM"));
}

QDateTime ThresholdEvaluator::periodStart(const QDateTime &at)
{
    const QDate d = at.toUTC().date();
    return QDateTime(QDate(d.year(), d.month(), 1), QTime(0, 0), Qt::UTC);
}

QDateTime ThresholdEvaluator::periodEnd(const QDateTime &at)
{
    return periodStart(at).addMonths(1);
}

std::optional<qint64> ThresholdEvaluator::linearProjection(qint64 spend, const QDateTime &start, const QDateTime &end,
                                                           const QDateTime &now)
{
    const qint64 elapsed = start.secsTo(now);
    const qint64 length = start.secsTo(end);
    if (elapsed < 3600 || length <= 0 || spend < 0)
        return std::nullopt;
    if (elapsed >= length)
        return spend;
    const __int128 num = static_cast<__int128>(spend) * length;
    const __int128 q = (num * 2 + elapsed) / (static_cast<__int128>(elapsed) * 2); // half up (positive values)
    if (q > std::numeric_limits<qint64>::max())
        return std::numeric_limits<qint64>::max();
    return static_cast<qint64>(q);
}

int ThresholdEvaluator::permilleUsed(qint64 spend, qint64 limit)
{
    if (limit <= 0 || spend <= 0)
        return 0;
    const __int128 p = static_cast<__int128>(spend) * 1000 / limit;
    return p > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max() : static_cast<int>(p);
}

bool ThresholdEvaluator::reached(qint64 spend, qint64 limit, int percent)
{
    return static_cast<__int128>(spend) * 100 >= static_cast<__int128>(limit) * percent;
}

QList<BudgetAlert> ThresholdEvaluator::dueAlerts(const Budget &b, const BudgetSpend &s, const QDateTime &now)
{
    QList<BudgetAlert> out;
    if (!b.active || b.limit <= 0 || !s.problem.isEmpty())
        return out;
    BudgetAlert base;
    base.budgetId = b.id;
    base.customerId = b.customerId;
    base.subscriptionId = b.subscriptionId;
    base.period = periodKey(now);
    base.unit = b.unit;
    base.spend = s.spend;
    base.limit = b.limit;
    base.projected = s.projected.value_or(0);
    base.currency = b.unit == BudgetUnit::Money ? b.currency.toLower() : QString();
    base.meter = b.meter;
    base.triggeredAt = now.toUTC();
    base.note = s.basis;
    for (int percent : b.thresholds) {
        if (!reached(s.spend, b.limit, percent))
            continue;
        BudgetAlert a = base;
        a.kind = AlertKind::Threshold;
        a.thresholdPercent = percent;
        out << a;
    }
    if (s.projected && !reached(s.spend, b.limit, 100) && reached(*s.projected, b.limit, 100)) {
        BudgetAlert a = base;
        a.kind = AlertKind::Forecast;
        a.thresholdPercent = 100;
        a.note = tr("%1; forecast: %2").arg(s.basis, s.forecastMethod);
        out << a;
    }
    return out;
}

} // namespace Billing
