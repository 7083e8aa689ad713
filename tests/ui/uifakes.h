#pragma once

#include "services/sync/synccontrol.h"
#include "ui/settingsstore.h"

namespace Billing::Test {

// SyncControl that records calls; tests drive its signals.
class FakeSyncControl final : public SyncControl
{
    Q_OBJECT
public:
    using SyncControl::SyncControl;
    void startFullSync() override { ++fullSyncs; }
    void startRefresh() override { ++refreshes; }
    void cancel() override { ++cancels; }
    bool isRunning() const override { return running; }
    QDateTime lastSyncedAt() const override { return lastSynced; }
    ConnectionInfo connection() const override { return info; }

    void setConnection(const ConnectionInfo &i) { info = i; Q_EMIT connectionChanged(i); }

    int fullSyncs = 0;
    int refreshes = 0;
    int cancels = 0;
    bool running = false;
    QDateTime lastSynced;
    ConnectionInfo info;
};

class FakeSettingsStore final : public SettingsStore
{
public:
    ConsoleSettings load() const override { return current; }
    ApiKeySource apiKeySource() const override { return source; }
    Status save(const ConsoleSettings &s, const std::optional<QString> &key) override
    {
        current = s;
        savedKey = key;
        ++saves;
        return {};
    }
    ConsoleSettings current;
    ApiKeySource source = ApiKeySource::Keychain;
    std::optional<QString> savedKey;
    int saves = 0;
};

} // namespace Billing::Test
