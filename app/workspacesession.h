#pragma once

#include "services/access/accesspolicy.h"
#include "services/access/actor.h"
#include "services/access/staffdirectory.h"
#include "services/domain/result.h"
#include "services/outbox/outboxservice.h"
#include "services/platform/apppaths.h"
#include "services/platform/secretstore.h"
#include "services/platform/workspacesettings.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/sync/syncservice.h"

#include <QObject>

#include <memory>

namespace Billing {

class CancellationService;
class OperationRunner;
class PauseService;
class PlanChangeService;
class RefundService;
class SeasonalPlanService;
class SeasonalScheduler;
class TrialService;

// The composition root of one workspace: builds the concrete services from its settings and owns
// them. The GUI and the headless commands both start here; nothing below knows which one runs.
class WorkspaceSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspaceSession)
public:
    struct Options
    {
        QString workspace;
        QString baseUrlOverride; // this run only
        QString dataDir;         // empty = QStandardPaths
    };

    static Result<std::unique_ptr<WorkspaceSession>> create(const Options &options);
    ~WorkspaceSession() override;

    const WorkspaceSettings &settings() const { return m_settings; }
    const AppPaths &paths() const { return m_paths; }
    WorkspaceSettingsStore &settingsStore() { return m_store; }
    // Validates and saves; the API base URL applies at once, database and cache paths at the next start.
    Status updateSettings(const WorkspaceSettings &settings);

    SecretStore &secrets() { return *m_secrets; }
    AsyncLocalCache &cache() { return *m_cache; }
    AsyncBillingDatabase &billingDatabase() { return *m_billingDb; }
    StripeClient &stripe() { return *m_stripe; }
    SyncService &sync() { return *m_sync; }
    // Money operations: <workspace>/outbox.sqlite beside the cache; not opened until asked.
    OutboxService &outbox() { return *m_outbox; }

    // Roles and the one write path. The runner starts as a read-only "system" actor with no
    // limits; setActor() installs the profile chosen at start-up and the workspace's policy.
    StaffDirectory &staff() { return m_staff; }
    OperationRunner &runner() { return *m_runner; }
    const Actor &actor() const { return m_actor; }
    const AccessPolicy &policy() const { return m_policy; }
    void setActor(const Actor &actor, const AccessPolicy &policy);

    // Capability services (all write through runner()).
    RefundService &refunds() { return *m_refunds; }
    PlanChangeService &planChanges() { return *m_planChanges; }
    TrialService &trials() { return *m_trials; }
    CancellationService &cancellations() { return *m_cancellations; }
    PauseService &pauses() { return *m_pauses; }
    // Rebuilt by setActor() (it carries the actor); never null.
    SeasonalPlanService &seasonalPlans() { return *m_seasonalPlans; }
    SeasonalScheduler &seasonalScheduler() { return *m_seasonalScheduler; }

    // Opens the outbox, starts its background sender and audits what finished while no console
    // listened (OperationRunner::reconcile). `done` gets the problem text, empty when all went well.
    void startOutbox(QObject *context, std::function<void(QString)> done);

    // Reads the Stripe key (keychain, else the environment for this run) and hands it to the
    // client; `done` runs on this thread with the outcome.
    void loadStripeKey(QObject *context, std::function<void(Result<Secret>)> done);
    // The same, waiting: for the command line only.
    Result<Secret> loadStripeKeyBlocking();

private:
    WorkspaceSession(AppPaths paths, WorkspaceSettings settings);

    AppPaths m_paths;
    WorkspaceSettingsStore m_store;
    WorkspaceSettings m_settings;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<AsyncLocalCache> m_cache;
    std::unique_ptr<AsyncBillingDatabase> m_billingDb;
    std::unique_ptr<StripeClient> m_stripe;
    std::unique_ptr<SyncService> m_sync;
    std::unique_ptr<OutboxService> m_outbox;
    StaffDirectory m_staff;
    Actor m_actor;
    AccessPolicy m_policy;
    std::unique_ptr<OperationRunner> m_runner;
    std::unique_ptr<RefundService> m_refunds;
    std::unique_ptr<PlanChangeService> m_planChanges;
    std::unique_ptr<TrialService> m_trials;
    std::unique_ptr<CancellationService> m_cancellations;
    std::unique_ptr<PauseService> m_pauses;
    std::unique_ptr<SeasonalPlanService> m_seasonalPlans;
    std::unique_ptr<SeasonalScheduler> m_seasonalScheduler;
};

// The billing-database settings of a workspace, as the storage layer takes them.
BillingDbSettings billingDbSettingsFor(const WorkspaceSettings &settings, const QString &password = {});

} // namespace Billing
