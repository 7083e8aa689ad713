#include "app/workspacesession.h"

#include "services/lifecycle/cancellationservice.h"
#include "services/lifecycle/pauseservice.h"
#include "services/lifecycle/planchangeservice.h"
#include "services/lifecycle/seasonalplanservice.h"
#include "services/lifecycle/seasonalscheduler.h"
#include "services/lifecycle/trialservice.h"
#include "services/operations/operationrunner.h"
#include "services/refunds/refundservice.h"

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
    : m_paths(paths), m_store(std::move(paths)), m_settings(std::move(settings)), m_staff(nullptr)
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
    m_staff = StaffDirectory(m_billingDb.get());
    m_runner = std::make_unique<OperationRunner>(m_outbox.get(), m_billingDb.get(), m_cache.get(), m_policy, m_actor);
    m_refunds = std::make_unique<RefundService>(m_stripe.get(), m_outbox.get(), m_runner.get(), m_cache.get());
    m_planChanges = std::make_unique<PlanChangeService>(m_stripe.get(), m_runner.get());
    m_trials = std::make_unique<TrialService>(m_stripe.get(), m_runner.get());
    m_cancellations = std::make_unique<CancellationService>(m_runner.get(), m_billingDb.get());
    m_pauses = std::make_unique<PauseService>(m_runner.get());
    m_seasonalPlans = std::make_unique<SeasonalPlanService>(m_billingDb.get(), m_policy, m_actor);
    m_seasonalScheduler = std::make_unique<SeasonalScheduler>(m_runner.get(), m_billingDb.get());
}

void WorkspaceSession::setActor(const Actor &actor, const AccessPolicy &policy)
{
    m_actor = actor;
    m_policy = policy;
    m_runner->setActor(actor);
    m_runner->setPolicy(policy);
    m_seasonalPlans = std::make_unique<SeasonalPlanService>(m_billingDb.get(), m_policy, m_actor);
}

void WorkspaceSession::startOutbox(QObject *context, std::function<void(QString)> done)
{
    m_outbox->open(context, [this, context, done](Result<OutboxStore::OpenReport> opened) {
        if (!opened) {
            done(tr("The outbox is not available, so money operations cannot be queued: %1")
                     .arg(opened.error().userMessage));
            return;
        }
        QString problem;
        for (const QString &file : std::as_const(opened->setAside))
            problem += tr("A damaged outbox was set aside at %1; check its operations in Stripe. ").arg(file);
        m_outbox->start();
        m_runner->reconcile(500, context, [done, problem](Result<int> recorded) {
            if (!recorded)
                done(problem + tr("Finished operations could not be audited: %1").arg(recorded.error().userMessage));
            else
                done(problem.trimmed());
        });
    });
}

WorkspaceSession::~WorkspaceSession()
{
    // The capability services use the runner, the runner the outbox, the outbox the client.
    m_seasonalScheduler.reset();
    m_seasonalPlans.reset();
    m_pauses.reset();
    m_cancellations.reset();
    m_trials.reset();
    m_planChanges.reset();
    m_refunds.reset();
    m_runner.reset();
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
