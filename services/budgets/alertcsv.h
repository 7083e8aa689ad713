#pragma once

#include "services/budgets/budget.h"
#include "services/domain/result.h"

#include <QHash>
#include <QList>
#include <QString>

namespace Billing {

// Writes budget alerts as CSV through CsvWriter (RFC 4180, formula defusing, atomic rename):
// alert_id, triggered_at, customer_id, customer_name, subscription_id, budget_id, period, kind,
// threshold_percent, unit, spend_amount + projected_amount + limit_amount + currency (money
// budgets), spend_units + projected_units + limit_units + meter (units budgets), action, state,
// snoozed_until, acknowledged_at, acknowledged_by, note. names: customer id -> display name.
// Disk I/O: call it off the GUI thread. Errors as CsvWriter (Database naming the file).
Status writeAlertsCsv(const QString &path, const QList<BudgetAlert> &alerts, const QHash<QString, QString> &names,
                      const QDateTime &now);

} // namespace Billing
