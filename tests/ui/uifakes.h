#pragma once

#include "services/sync/synccontrol.h"
#include "ui/settingsstore.h"

#include <QTimer>

#include <optional>

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

// SettingsStore that answers asynchronously (like the keychain) on the context's thread:
// validate() first, then `failure` if set, else it keeps what was saved.
class FakeSettingsStore final : public SettingsStore
{
public:
    WorkspaceSettings load() const override { return current; }
    SecretSource apiKeySource() const override { return source; }
    void save(const SettingsChange &change, QObject *context, std::function<void(Status)> done) override
    {
        ++saves;
        last = change;
        QTimer::singleShot(answerAfterMs, context, [this, change, done = std::move(done)] {
            Status outcome = change.settings.validate();
            if (outcome && failure)
                outcome = *failure;
            if (outcome)
                current = change.settings;
            done(outcome);
        });
    }

    WorkspaceSettings current;
    SecretSource source = SecretSource::Keychain;
    std::optional<Error> failure;
    int answerAfterMs = 20;
    std::optional<SettingsChange> last;
    int saves = 0;
};

} // namespace Billing::Test
