#include "services/budgets/alertcsv.h"

#include "services/domain/currency.h"
#include "services/domain/money.h"
#include "services/reports/csvwriter.h"

namespace Billing {

Status writeAlertsCsv(const QString &path, const QList<BudgetAlert> &alerts, const QHash<QString, QString> &names,
                      const QDateTime &now)
{
    using T = ColumnType;
    const QList<ReportColumn> columns{
        {QStringLiteral("alert_id"), T::Integer},         {QStringLiteral("triggered_at"), T::Date},
        {QStringLiteral("customer_id"), T::Text},         {QStringLiteral("customer_name"), T::Text},
        {QStringLiteral("subscription_id"), T::Text},     {QStringLiteral("budget_id"), T::Integer},
        {QStringLiteral("period"), T::Text},              {QStringLiteral("kind"), T::Text},
        {QStringLiteral("threshold_percent"), T::Integer}, {QStringLiteral("unit"), T::Text},
        {QStringLiteral("spend_amount"), T::Amount},      {QStringLiteral("projected_amount"), T::Amount},
        {QStringLiteral("limit_amount"), T::Amount},      {QStringLiteral("currency"), T::Currency},
        {QStringLiteral("spend_units"), T::Integer},      {QStringLiteral("projected_units"), T::Integer},
        {QStringLiteral("limit_units"), T::Integer},      {QStringLiteral("meter"), T::Text},
        {QStringLiteral("action"), T::Text},              {QStringLiteral("state"), T::Text},
        {QStringLiteral("snoozed_until"), T::Date},       {QStringLiteral("acknowledged_at"), T::Date},
        {QStringLiteral("acknowledged_by"), T::Text},     {QStringLiteral("note"), T::Text},
    };
    CsvWriter writer(columns);
    if (Status s = writer.open(path); !s)
        return s;
    for (const BudgetAlert &a : alerts) {
        const std::optional<Currency> cur =
            a.unit == BudgetUnit::Money ? Currency::fromCode(a.currency) : std::optional<Currency>();
        auto money = [&](qint64 v) { return cur ? ReportValue::amount(Money(v, *cur)) : ReportValue::null(T::Amount); };
        auto units = [&](qint64 v) { return cur ? ReportValue::null(T::Integer) : ReportValue::integer(v); };
        auto date = [](const QDateTime &t) { return t.isValid() ? ReportValue::date(t) : ReportValue::null(T::Date); };
        const QString state = a.acknowledgedAt.isValid() ? QStringLiteral("acknowledged")
                              : a.isSnoozedAt(now)       ? QStringLiteral("snoozed")
                                                         : QStringLiteral("open");
        const bool forecast = a.kind == AlertKind::Forecast;
        ReportRow row{ReportValue::integer(a.id),
                      date(a.triggeredAt),
                      ReportValue::text(a.customerId),
                      ReportValue::text(names.value(a.customerId)),
                      ReportValue::text(a.subscriptionId),
                      ReportValue::integer(a.budgetId),
                      ReportValue::text(a.period),
                      ReportValue::text(alertKindName(a.kind)),
                      ReportValue::integer(a.thresholdPercent),
                      ReportValue::text(budgetUnitName(a.unit)),
                      money(a.spend),
                      forecast ? money(a.projected) : ReportValue::null(T::Amount),
                      money(a.limit),
                      cur ? ReportValue::currency(*cur) : ReportValue::null(T::Currency),
                      units(a.spend),
                      forecast ? units(a.projected) : ReportValue::null(T::Integer),
                      units(a.limit),
                      ReportValue::text(a.meter),
                      ReportValue::text(a.action),
                      ReportValue::text(state),
                      date(a.snoozedUntil),
                      date(a.acknowledgedAt),
                      ReportValue::text(a.acknowledgedBy),
                      ReportValue::text(a.note)};
        if (Status s = writer.writeRow(row); !s)
            return s;
    }
    return writer.commit();
}

} // namespace Billing
