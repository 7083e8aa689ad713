#pragma once

#include "services/domain/result.h"

#include <QString>

#include <optional>

namespace Billing {

// The billing database connection the Settings dialog edits.
struct DatabaseSettings
{
    enum class Kind { Sqlite, Postgres };
    Kind kind = Kind::Sqlite;
    QString sqlitePath;
    QString host = QStringLiteral("localhost");
    int port = 5432;
    QString database;
    QString user;
    QString password; // kept in the keychain by the store, never in the settings file
    QString sslMode = QStringLiteral("prefer"); // disable | allow | prefer | require | verify-ca | verify-full
};

struct ConsoleSettings
{
    QString apiBaseUrl = QStringLiteral("https://api.stripe.com");
    DatabaseSettings database;
};

// Where the Stripe API key in use comes from (shown in the dialog).
enum class ApiKeySource { None, Keychain, Environment };

// What the Settings dialog needs of settings and secrets; the app adapts WorkspaceSettings and
// SecretStore to it, UI tests pass a fake. Called on the GUI thread.
class SettingsStore
{
public:
    virtual ~SettingsStore() = default;
    virtual ConsoleSettings load() const = 0;
    virtual ApiKeySource apiKeySource() const = 0;
    // newApiKey: nullopt = keep the current key. The key goes to the keychain only.
    virtual Status save(const ConsoleSettings &settings, const std::optional<QString> &newApiKey) = 0;
};

} // namespace Billing
