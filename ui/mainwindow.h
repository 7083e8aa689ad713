#pragma once

#include <QMainWindow>
#include <QPointer>

#include <array>

class QListWidget;
class QStackedWidget;

namespace Billing {

class CacheReader;
class ConnectionStatusWidget;
class CustomersPage;
class DunningPage;
class InvoicesPage;
class SettingsDialog;
class SettingsStore;
class SubscriptionsPage;
class SyncControl;
class UsagePage;
class UsageReader;

// The console window: a sidebar with the five panes, a status bar with the connection and sync
// state, View > Refresh (F5) / Full sync (Ctrl+Shift+F5), File > Settings. Collaborators come in
// through the constructor (no singletons); none is owned.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    enum Pane { Customers, Subscriptions, Invoices, Usage, Dunning, PaneCount };

    MainWindow(CacheReader *cache, UsageReader *usage, SyncControl *sync, SettingsStore *settings,
               const QString &workspaceName, QWidget *parent = nullptr);

    void showPane(Pane pane);
    Pane currentPane() const;
    QWidget *paneWidget(Pane pane) const;
    static QString paneKey(Pane pane); // "customers", ... (file names, object names)

    QListWidget *sidebar() const { return m_sidebar; }
    CustomersPage *customersPage() const { return m_customers; }
    SubscriptionsPage *subscriptionsPage() const { return m_subscriptions; }
    InvoicesPage *invoicesPage() const { return m_invoices; }
    UsagePage *usagePage() const { return m_usage; }
    DunningPage *dunningPage() const { return m_dunning; }
    ConnectionStatusWidget *connectionStatus() const { return m_status; }

    // A Settings dialog over the current settings (not shown); the caller owns it.
    SettingsDialog *createSettingsDialog();
    // Opens the Settings dialog (or raises the open one). Saving keeps it open until the store
    // answers: on failure it shows the error, on success it closes and the status bar says so.
    void openSettings();
    SettingsDialog *settingsDialog() const; // the open one, or null

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildMenus();
    void loadPane(Pane pane);
    void markStale(bool stale);
    void saveSettings(SettingsDialog *dialog);

    CacheReader *m_cache;
    SyncControl *m_sync;
    SettingsStore *m_settings;
    QListWidget *m_sidebar;
    QStackedWidget *m_stack;
    CustomersPage *m_customers;
    SubscriptionsPage *m_subscriptions;
    InvoicesPage *m_invoices;
    UsagePage *m_usage;
    DunningPage *m_dunning;
    ConnectionStatusWidget *m_status;
    QPointer<SettingsDialog> m_settingsDialog;
    bool m_shown = false;
    std::array<bool, PaneCount> m_visited{};
};

} // namespace Billing
