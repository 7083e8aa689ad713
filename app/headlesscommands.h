#pragma once

#include "app/commandline.h"
#include "services/outbox/outboxentry.h"

namespace Billing {

struct OperationRequest;
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
    // Submits the request through the OperationRunner as the acting staff profile (role check,
    // audit, outbox), or finds it by op id when it was queued before; sends it and reports.
    int submitAndSend(const OperationRequest &request);
    int sendAndReport(OutboxEntry entry, bool alreadyQueued);
    // Waits for the runner to audit the outcome of finished entries (idempotent).
    void reconcileBlocking();
    // The staff profile who acts: --staff EMAIL, else the workspace's administrator made from the
    // OS user name (created when the staff table is empty), else the only active profile.
    bool resolveActor(const QString &email);
    bool openBillingDb();
    int staffSeedDemo();
    int staffList();
    int seasonalRun(const CommandLine &cl);
    bool m_billingOpen = false;
    bool m_keyLoaded = false;
    bool loadKey();

    WorkspaceSession &m_session;
};

} // namespace Billing
