#pragma once

#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console dunning run [--at ISO-DATETIME] [--staff EMAIL]`: the scheduler's job. Runs the
// dunning automation rules over the failed invoices in the workspace's cache, each (invoice, step)
// exactly once (decisions in the billing database; Stripe writes through the outbox with one
// clientOpId per invoice and step), waits for the queued writes and prints what it did.
// `dunning rules` lists the rules; `dunning notifications` the latest owner notifications.
// Exit codes: 0 done, 1 failed, 2 bad arguments, 3 some writes still queued (the next run or the
// outbox resumes them).
int runDunningCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail);
QString dunningUsage();

} // namespace Billing
