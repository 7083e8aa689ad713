#pragma once

#include "app/commandline.h"
#include "services/outbox/outboxentry.h"

namespace Billing {

class WorkspaceSession;

// The command-line subcommands (sync, status, usage import, refund create, customer update, outbox
// run/list): no window, plain text on stdout, errors on stderr, and an exit code a scheduler can
// act on. Money operations are written to the outbox first, then sent; Pending (3) means "queued,
// not sent yet" (Stripe unreachable): `outbox run` or the same command again sends it.
class HeadlessCommands final
{
public:
    enum ExitCode { Ok = 0, Failed = 1, BadArguments = 2, Pending = 3 };

    explicit HeadlessCommands(WorkspaceSession &session) : m_session(session) {}

    int run(const CommandLine &commandLine);

private:
    int sync(bool full);
    int status();
    int importUsage(const QString &file);
    bool openCache();
    int refundCreate(const CommandLine &cl);
    int customerUpdate(const CommandLine &cl);
    int outboxRun();
    int outboxList(const QString &state);
    bool openOutbox();
    // Enqueues (or finds, by op id) the operation, sends it and reports; the exit code.
    int enqueueAndSend(const OutboxOperation &op);
    bool m_keyLoaded = false;
    bool loadKey();

    WorkspaceSession &m_session;
};

} // namespace Billing
