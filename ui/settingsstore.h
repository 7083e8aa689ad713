#pragma once

#include "services/domain/result.h"
#include "services/platform/secretstore.h"
#include "services/platform/workspacesettings.h"

#include <QObject>

#include <functional>
#include <optional>

namespace Billing {

// What the Settings dialog hands back: the workspace's settings plus secrets, which go to the
// keychain only (never to the settings file).
struct SettingsChange
{
    WorkspaceSettings settings;
    std::optional<QString> newApiKey;           // nullopt = keep the current key
    std::optional<QString> newPostgresPassword; // nullopt = keep
};

// What the Settings dialog needs of settings and secrets. The app implements it over
// WorkspaceSettingsStore and SecretStore; UI tests pass a fake. GUI thread only.
class SettingsStore
{
public:
    virtual ~SettingsStore() = default;
    virtual WorkspaceSettings load() const = 0;
    virtual SecretSource apiKeySource() const = 0;
    // Validates, stores, and applies what can be applied while running (API base URL, key).
    // `done` runs on `context`'s thread with the outcome (a keychain write is asynchronous).
    virtual void save(const SettingsChange &change, QObject *context, std::function<void(Status)> done) = 0;
};

} // namespace Billing
