#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

#include "services/domain/result.h"
#include "services/platform/apppaths.h"

namespace Billing {

enum class DatabaseBackend { Sqlite, Postgres };

// A PostgreSQL billing database. The password is not here: it lives in the SecretStore under
// SecretStore::postgresPasswordName(workspace), never in the settings file.
struct PostgresSettings
{
    QString host;
    int port = 5432;
    QString database;
    QString user;
    QString sslMode =
        QStringLiteral("prefer"); // disable, allow, prefer, require, verify-ca, verify-full

    friend bool operator==(const PostgresSettings &, const PostgresSettings &) = default;
};

struct BillingDatabaseSettings
{
    DatabaseBackend backend = DatabaseBackend::Sqlite;
    QString sqlitePath; // absolute; default <data>/<workspace>/billing.sqlite
    PostgresSettings postgres;

    friend bool operator==(const BillingDatabaseSettings &,
                           const BillingDatabaseSettings &) = default;
};

// One workspace: a Stripe account (through its API base URL; the key is in the SecretStore), its
// billing database and its local cache file.
struct WorkspaceSettings
{
    static constexpr const char *kDefaultStripeApiBase = "https://api.stripe.com";

    QString name;
    QUrl stripeApiBase = QUrl(QString::fromLatin1(kDefaultStripeApiBase));
    BillingDatabaseSettings database;
    QString cachePath; // absolute; default <data>/<workspace>/cache.sqlite

    // A workspace with the defaults: Stripe's API, SQLite billing database and cache in the
    // workspace's folder.
    static WorkspaceSettings defaults(const QString &name, const AppPaths &paths);

    // Every problem, in plain words for the Settings dialog; empty when valid.
    QStringList problems() const;
    // The first problem as Error::Kind::Validation (all of them in detail), or success.
    Status validate() const;

    static QStringList sslModes();

    friend bool operator==(const WorkspaceSettings &, const WorkspaceSettings &) = default;
};

// Workspaces in the settings file (QSettings, INI format, AppPaths::settingsFile()). Not
// thread-safe: use from one thread (the GUI thread); the file is small and written synchronously.
class WorkspaceSettingsStore final
{
public:
    explicit WorkspaceSettingsStore(AppPaths paths);

    const AppPaths &paths() const { return m_paths; }

    QStringList workspaceNames() const; // sorted
    // NotFound if no such workspace; Validation if the stored values are not valid any more.
    Result<WorkspaceSettings> load(const QString &name) const;
    // Validates first and writes nothing if invalid; Database error if the file cannot be written.
    Status save(const WorkspaceSettings &settings);
    Status remove(const QString &name);

    // The workspace the console opens; empty if none was chosen.
    QString currentWorkspace() const;
    Status setCurrentWorkspace(const QString &name);

private:
    AppPaths m_paths;
};

} // namespace Billing
