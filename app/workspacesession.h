#pragma once

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
};

// The billing-database settings of a workspace, as the storage layer takes them.
BillingDbSettings billingDbSettingsFor(const WorkspaceSettings &settings, const QString &password = {});

} // namespace Billing
