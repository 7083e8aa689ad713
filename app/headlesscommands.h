#pragma once

#include "app/commandline.h"

namespace Billing {

class WorkspaceSession;

// The command-line subcommands (sync, status, usage import): no window, plain text on stdout,
// errors on stderr, and an exit code a scheduler can act on.
class HeadlessCommands final
{
public:
    enum ExitCode { Ok = 0, Failed = 1, BadArguments = 2 };

    explicit HeadlessCommands(WorkspaceSession &session) : m_session(session) {}

    int run(const CommandLine &commandLine);

private:
    int sync(bool full);
    int status();
    int importUsage(const QString &file);
    bool openCache();

    WorkspaceSession &m_session;
};

} // namespace Billing
