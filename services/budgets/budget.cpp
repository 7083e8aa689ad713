#include "services/budgets/budget.h"

#include "services/domain/currency.h"
#include "services/domain/money.h"

#include <QCoreApplication>
#include <QLocale>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Budget", text); }

Error invalid(const QString &message) { return Error::make(Error::Kind::Validation, message); }

} // namespace

QString budgetScopeName(BudgetScope scope)
{
    return scope == BudgetScope::Subscription ? QStringLiteral("subscription") : QStringLiteral("customer");
}

std::optional<BudgetScope> budgetScopeFromName(QStringView name)
{
    if (name == QLatin1String("customer"))
        return BudgetScope::Customer;
    if (name == QLatin1String("subscription"))
        return BudgetScope::Subscription;
    return std::nullopt;
}

QString budgetUnitName(BudgetUnit unit)
{
    return unit == BudgetUnit::Units ? QStringLiteral("units") : QStringLiteral("money");
}

std::optional<BudgetUnit> budgetUnitFromName(QStringView name)
{
    if (name == QLatin1String("money"))
        return BudgetUnit::Money;
    if (name == QLatin1String("units"))
        return BudgetUnit::Units;
    return std::nullopt;
}

QString limitActionName(LimitAction action)
{
    switch (action) {
    case LimitAction::Notify: return QStringLiteral("notify");
    case LimitAction::Flag: return QStringLiteral("flag");
    case LimitAction::Pause: return QStringLiteral("pause");
    case LimitAction::Cap: return QStringLiteral("cap");
    }
    return QStringLiteral("notify");
}

QString limitActionLabel(LimitAction action)
{
    switch (action) {
    case LimitAction::Notify: return tr("Notify only");
    case LimitAction::Flag: return tr("Flag the account");
    case LimitAction::Pause: return tr("Stop: pause collection");
    case LimitAction::Cap: return tr("Stop: cap usage at the limit");
    }
    return {};
}

std::optional<LimitAction> limitActionFromName(QStringView name)
{
    for (LimitAction a : {LimitAction::Notify, LimitAction::Flag, LimitAction::Pause, LimitAction::Cap}) {
        if (name == limitActionName(a))
            return a;
    }
    return std::nullopt;
}

QString alertKindName(AlertKind kind)
{
    return kind == AlertKind::Forecast ? QStringLiteral("forecast") : QStringLiteral("threshold");
}

std::optional<AlertKind> alertKindFromName(QStringView name)
{
    if (name == QLatin1String("threshold"))
        return AlertKind::Threshold;
    if (name == QLatin1String("forecast"))
        return AlertKind::Forecast;
    return std::nullopt;
}

QString BudgetAlert::uniqueKey() const
{
    return QStringLiteral("%1|%2|%3|%4").arg(budgetId).arg(period, alertKindName(kind)).arg(thresholdPercent);
}

Status validateBudget(const Budget &b, const QString &customerCurrency)
{
    if (!b.customerId.startsWith(QLatin1String("cus_")))
        return invalid(tr("Choose the customer the budget is for."));
    if (b.scope == BudgetScope::Subscription && !b.subscriptionId.startsWith(QLatin1String("sub_")))
        return invalid(tr("Choose the subscription the budget is for, or make it a budget for the whole customer."));
    if (b.scope == BudgetScope::Customer && !b.subscriptionId.isEmpty())
        return invalid(tr("A budget for the whole customer names no subscription."));
    if (b.limit == 0)
        return invalid(tr("A budget of zero would alert at once. Enter a monthly limit above zero."));
    if (b.limit < 0)
        return invalid(tr("A budget cannot be negative. Enter a monthly limit above zero."));
    if (b.limit > Budget::MaxLimit)
        return invalid(tr("The monthly limit is implausibly large. Check the amount."));
    if (b.unit == BudgetUnit::Money) {
        const std::optional<Currency> cur = Currency::fromCode(b.currency);
        if (!cur)
            return invalid(tr("Choose the currency of the budget."));
        if (!customerCurrency.isEmpty() && b.currency.compare(customerCurrency, Qt::CaseInsensitive) != 0)
            return invalid(tr("The budget is in %1 but the customer is billed in %2. Use %2.")
                               .arg(b.currency.toUpper(), customerCurrency.toUpper()));
        if (!b.priceId.isEmpty() && b.meter.isEmpty())
            return invalid(tr("Name the meter whose usage the price applies to, or leave the price empty."));
    } else {
        if (b.meter.trimmed().isEmpty())
            return invalid(tr("A budget in units needs the meter it counts."));
        if (!b.currency.isEmpty())
            return invalid(tr("A budget in units has no currency."));
    }
    if (b.thresholds.isEmpty())
        return invalid(tr("Give at least one alert threshold (for example 50, 80, 100)."));
    if (b.thresholds.size() > Budget::MaxThresholds)
        return invalid(tr("At most %1 alert thresholds.").arg(Budget::MaxThresholds));
    int previous = 0;
    for (int t : b.thresholds) {
        if (t < 1 || t > Budget::MaxThresholdPercent)
            return invalid(tr("An alert threshold of %1% is out of bounds: use 1% to %2%.")
                               .arg(t)
                               .arg(Budget::MaxThresholdPercent));
        if (t <= previous)
            return invalid(tr("Alert thresholds must go up: %1% comes after %2%.").arg(t).arg(previous));
        previous = t;
    }
    if (b.action != LimitAction::Notify && !b.thresholds.contains(100))
        return invalid(tr("The action at the limit (%1) needs a 100% threshold.").arg(limitActionLabel(b.action)));
    if (b.action == LimitAction::Cap && b.unit != BudgetUnit::Units && b.meter.isEmpty())
        return invalid(tr("A cap limits metered usage: make the budget in units, or name the meter it prices."));
    return {};
}

} // namespace Billing
