#include "app/workspacesession.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>

namespace Billing {

BillingDbSettings billingDbSettingsFor(const WorkspaceSettings &settings, const QString &password)
{
    const BillingDatabaseSettings &db = settings.database;
    if (db.backend == DatabaseBackend::Sqlite)
        return BillingDbSettings::sqlite(db.sqlitePath);
    BillingDbSettings pg = BillingDbSettings::postgres(db.postgres.host, db.postgres.port, db.postgres.database,
                                                       db.postgres.user, password);
    pg.sslMode = db.postgres.sslMode;
    return pg;
}

Result<std::unique_ptr<WorkspaceSession>> WorkspaceSession::create(const Options &options)
{
    AppPaths paths = options.dataDir.isEmpty() ? AppPaths::standard() : AppPaths(options.dataDir, options.dataDir);
    if (Status valid = AppPaths::validateWorkspaceName(options.workspace); !valid)
        return valid.error();

    WorkspaceSettingsStore store(paths);
    WorkspaceSettings settings;
    if (store.workspaceNames().contains(options.workspace)) {
        Result<WorkspaceSettings> loaded = store.load(options.workspace);
        if (!loaded)
            return loaded.error();
        settings = *loaded;
    } else {
        settings = WorkspaceSettings::defaults(options.workspace, paths);
    }
    if (!options.baseUrlOverride.isEmpty())
        settings.stripeApiBase = QUrl(options.baseUrlOverride);
    if (Status valid = settings.validate(); !valid)
        return valid.error();
    if (!store.workspaceNames().contains(options.workspace)) {
        if (Status saved = store.save(settings); !saved)
            return saved.error();
    }
    if (Status dir = paths.ensureWorkspaceDir(options.workspace); !dir)
        return dir.error();

    return std::unique_ptr<WorkspaceSession>(new WorkspaceSession(std::move(paths), std::move(settings)));
}

WorkspaceSession::WorkspaceSession(AppPaths paths, WorkspaceSettings settings)
    : m_paths(paths), m_store(std::move(paths)), m_settings(std::move(settings))
{
    m_secrets = std::make_unique<SecretStore>();
    m_cache = std::make_unique<AsyncLocalCache>();
    // SQLite: poll so usage another process records shows up; PostgreSQL pushes (LISTEN/NOTIFY).
    m_billingDb = std::make_unique<AsyncBillingDatabase>(billingDbSettingsFor(m_settings), 5000);
    StripeConfig config;
    config.baseUrl = m_settings.stripeApiBase;
    m_stripe = std::make_unique<StripeClient>(config);
    m_sync = std::make_unique<SyncService>(m_stripe.get(), m_cache.get());
    m_outbox = std::make_unique<OutboxService>(
        QFileInfo(m_settings.cachePath).absoluteDir().filePath(QStringLiteral("outbox.sqlite")), m_stripe.get());
}

WorkspaceSession::~WorkspaceSession()
{
    // The sync service talks to the client and the cache: it goes first.
    m_sync.reset();
    m_outbox.reset();
    m_stripe.reset();
}

Status WorkspaceSession::updateSettings(const WorkspaceSettings &settings)
{
    if (Status valid = settings.validate(); !valid)
        return valid;
    if (Status saved = m_store.save(settings); !saved)
        return saved;
    m_settings = settings;
    StripeConfig config = m_stripe->config();
    config.baseUrl = m_settings.stripeApiBase;
    m_stripe->setConfig(config);
    return {};
}

void WorkspaceSession::loadStripeKey(QObject *context, std::function<void(Result<Secret>)> done)
{
    m_secrets->readStripeKey(m_settings.name, context, [this, done = std::move(done)](Result<Secret> key) {
        if (key) {
            StripeConfig config = m_stripe->config();
            config.apiKey = key->value;
            m_stripe->setConfig(config);
        }
        done(std::move(key));
    });
}

Result<Secret> WorkspaceSession::loadStripeKeyBlocking()
{
    std::optional<Result<Secret>> outcome;
    QEventLoop loop;
    loadStripeKey(&loop, [&](Result<Secret> key) {
        outcome.emplace(std::move(key));
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

} // namespace Billing
