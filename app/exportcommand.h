#pragma once

#include <QString>
#include <QStringList>

namespace Billing {

class WorkspaceSession;

// `billing-console export <report> [options] -o FILE`, headless (scheduled jobs).
// args: what follows "export" on the command line. Reads the session's cache file through a
// read-only connection of its own (ExportJob) and, for audit-log and refunds, the billing database.
// Progress goes to stderr, a one-line summary to stdout. Returns 0 on success, 2 on bad arguments
// (unknown report, bad date, to < from, unknown currency or status, missing -o, missing or
// unwritable folder), 1 when the export failed (nothing is left under the output name).
int runExportCommand(WorkspaceSession &session, const QStringList &args);
QString exportUsage();

} // namespace Billing
