#pragma once

#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console installments run [--at ISO-DATETIME]`: the scheduler's job. Creates (or finishes)
// every installment invoice whose issue date has come, each Stripe write once (outbox + clientOpId
// per installment and step), and prints what it did. `installments list [--customer CUS]` prints the
// plans with paid and remaining balances. Exit codes: 0 done, 1 failed, 2 bad arguments, 3 some
// writes still queued (Stripe unreachable: the next run resumes them).
int runInstallmentsCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail);
QString installmentsUsage();

} // namespace Billing
