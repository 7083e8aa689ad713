#pragma once

#include <QString>
#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console fx <import FILE | list [--pair BASE/QUOTE] | convert AMOUNT CUR --to CUR [--date D]>`:
//  import FILE   reads a CSV (date,base,quote,rate[,source]) into the dated FX-rate table, all or
//                nothing; a bad line (a zero or negative rate, an unknown currency, a bad date) is
//                named and nothing is saved. Needs the finance or admin role (--staff EMAIL).
//  list          prints the table (date, base, quote, rate, source, entered by)
//  convert       converts an amount with the rate on or before --date (default today), rounding half
//                up, and says which rate and date it used
// args: what follows "fx"; staffEmail: --staff. Exit codes as HeadlessCommands: 0 ok, 1 failed,
// 2 bad arguments.
int runFxCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail);
QString fxUsage();

} // namespace Billing
