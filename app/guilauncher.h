#pragma once

#include "app/commandline.h"
#include "ui/settingsstore.h"

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Opens the console window on a workspace (or renders it to PNG files with --screenshot):
// opens the cache and the billing database in the background, reads the Stripe key, then
// refreshes from Stripe. The window shows cached data at once and updates as sync lands.
class GuiLauncher final
{
public:
    explicit GuiLauncher(WorkspaceSession &session) : m_session(session) {}
    int run(const CommandLine &commandLine);

private:
    int renderScreenshots(MainWindow &window, const QString &dir);
    // The staff profile who works: --staff, the last used, the only one, or the picker. Sets it on
    // the session (runner and policy). False (with the message printed) when none could be chosen.
    bool chooseActor(const CommandLine &commandLine, QString *note);
    // The capability dialogs, over the session's services.
    void registerDialogs(MainWindow &window);

    WorkspaceSession &m_session;
};

// SettingsStore over the workspace's settings file and the keychain.
class SessionSettingsStore final : public SettingsStore
{
public:
    explicit SessionSettingsStore(WorkspaceSession &session) : m_session(session) {}
    WorkspaceSettings load() const override;
    SecretSource apiKeySource() const override;
    void save(const SettingsChange &change, QObject *context, std::function<void(Status)> done) override;

private:
    WorkspaceSession &m_session;
};

} // namespace Billing
