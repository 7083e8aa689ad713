#pragma once

#include <QString>
#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console budgets <evaluate|list|alerts|set> [options]`, headless (scheduled runs).
//  evaluate   measure every active budget this month, record the thresholds crossed and early
//             warnings (each once), take the limit actions (pauses go through the outbox and are
//             sent at once; a rerun never repeats them), print what is new
//  list       the budgets and where each stands
//  alerts     the open alerts (--all: acknowledged and snoozed ones too)
//  set CUS    add a budget: --limit AMOUNT with --currency CUR (money) or --meter M (units),
//             [--subscription SUB] [--thresholds 50,80,100] [--action notify|flag|pause|cap]
//             [--price PRICE (money: prices --meter's usage)]
// args: what follows "budgets" on the command line; staffEmail: --staff (who acts; see
// HeadlessCommands). Exit codes as HeadlessCommands: 0 ok, 1 failed, 2 bad arguments, 3 a pause is
// queued but not sent yet (Stripe unreachable).
int runBudgetsCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail);
QString budgetsUsage();

} // namespace Billing
