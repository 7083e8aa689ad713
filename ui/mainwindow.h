#pragma once

#include "services/access/accesspolicy.h"
#include "services/storage/cachequeries.h"

#include <QHash>
#include <QKeySequence>
#include <QMainWindow>
#include <QPointer>

#include <array>
#include <functional>
#include <optional>

class QAction;
class QDialog;
class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;

namespace Billing {

class AsyncBillingDatabase;
class AuditPage;
class CacheReader;
class OutboxPage;
class OutboxService;
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
    enum Pane { Customers, Subscriptions, Invoices, Usage, Dunning, Audit, Outbox, PaneCount };

    // What the agent can do to the selected row. Each is a window action with a shortcut, in the
    // context menu and the detail panel of the Customers and Subscriptions panes (Refund also on
    // Invoices); shown only when the actor's role allows it and a dialog for it is registered.
    enum class Capability { ChangePlan, Cancel, UndoCancel, PauseResume, Trial, Refund, Count };
    // The row an action applies to. From Customers: the customer's current subscription.
    struct ActionTarget
    {
        QString customerId;
        std::optional<Customer> customer; // Customers pane: the selected customer (new trials)
        std::optional<SubscriptionRow> subscription;
        QString invoiceId;     // refunds: the selected invoice, or the subscription's latest
        QString invoiceStatus; // empty when not known
    };
    // An action on the selected row that a capability adds from the composition root (invoice
    // actions, payment methods, budgets, ...): in the Actions menu, the listed panes' context menu
    // and detail panel, with its shortcut. Shown when the actor's role has `permission`; enabled
    // when the current pane is listed and appliesTo(target) (absent = always). open() returns the
    // dialog to show (the window opens and owns it) or nullptr when it did its job itself. A shortcut
    // another window action already has is dropped (logged), so no two actions share one.
    struct RowAction
    {
        QString name; // object name, "FinalizeInvoiceAction"
        QString text;
        QKeySequence shortcut;
        QString toolTip;
        Permission permission = Permission::ViewData;
        QList<Pane> panes;
        std::function<bool(const ActionTarget &target)> appliesTo;
        std::function<QDialog *(const ActionTarget &target, QWidget *parent)> open;
    };

    // Builds the (not yet shown) dialog of a capability for a target; the window opens it.
    using DialogFactory = std::function<QDialog *(const ActionTarget &target, QWidget *parent)>;

    MainWindow(CacheReader *cache, UsageReader *usage, SyncControl *sync, SettingsStore *settings,
               const QString &workspaceName, QWidget *parent = nullptr);

    void showPane(Pane pane);
    // The built-in pane shown, or PaneCount while an added pane (addPane) is shown.
    Pane currentPane() const;
    // Panes a capability adds after the built-in ones (Catalog, Alerts, Analytics, ...): its key
    // names the page object ("<key>Page"), the sidebar icon and the screenshot file. onFirstShow
    // runs the first time the pane is shown in a visible window (load data there). Returns the
    // pane's sidebar row.
    int addPane(const QString &key, const QString &title, QWidget *page, std::function<void()> onFirstShow = {});
    int paneCountAll() const; // built-in and added
    QString paneKeyAt(int row) const;
    QWidget *paneWidgetAt(int row) const;
    void showPaneAt(int row);
    bool showPaneByKey(const QString &key);
    QString currentPaneKey() const;

    QAction *addRowAction(RowAction action);
    QAction *rowAction(const QString &name) const; // null when none
    // The window action bound to these keys (built-in, row action or pane switch), or null.
    QAction *actionWithShortcut(const QKeySequence &keys) const;
    // Triggers a row action for the current target as the user would; returns the dialog opened.
    QDialog *openRowAction(const QString &name);
    // "file", "view", "actions", "reports": for capabilities that add window-level entries.
    QMenu *menuNamed(const QString &key) const;
    // Shows a capability's dialog the way the window shows its own (style, delete on close).
    void presentDialog(QDialog *dialog) { showDialog(dialog); }
    QWidget *paneWidget(Pane pane) const;
    static QString paneKey(Pane pane); // "customers", ... (file names, object names)

    QListWidget *sidebar() const { return m_sidebar; }
    CustomersPage *customersPage() const { return m_customers; }
    SubscriptionsPage *subscriptionsPage() const { return m_subscriptions; }
    InvoicesPage *invoicesPage() const { return m_invoices; }
    UsagePage *usagePage() const { return m_usage; }
    DunningPage *dunningPage() const { return m_dunning; }
    ConnectionStatusWidget *connectionStatus() const { return m_status; }
    AuditPage *auditPage() const { return m_audit; }
    OutboxPage *outboxPage() const { return m_outbox; }

    // The signed-in profile: title, status bar and which actions show.
    void setActor(const Actor &actor);
    const Actor &actor() const { return m_actor; }
    QLabel *actorLabel() const { return m_actorLabel; }
    // The audit log and the outbox (panes and badge); either may be null.
    void attachOperations(AsyncBillingDatabase *billingDb, OutboxService *outbox);

    void setDialogFactory(Capability capability, DialogFactory factory);
    // Reports > Retention report.
    void setRetentionReportFactory(std::function<QDialog *(QWidget *parent)> factory);
    QAction *capabilityAction(Capability capability) const { return m_actions.at(int(capability)); }
    QAction *retentionReportAction() const { return m_retentionAction; }
    static Permission permissionFor(Capability capability);
    // The target of the current pane's selection.
    ActionTarget currentTarget() const;
    // Opens the capability's dialog for the current target (null when it does not apply).
    QDialog *openCapability(Capability capability);
    QDialog *lastDialog() const { return m_lastDialog.data(); }
    // The Outbox item's badge text in the sidebar ("" when nothing waits or failed).
    QString outboxBadge() const;

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
    void buildActions();
    void updateActions();
    void refreshDetails();
    void onSelectionChanged(Pane pane, const QString &id);
    void setOutboxBadge(int open, int problems);
    void showDialog(QDialog *dialog);

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
    AuditPage *m_audit;
    OutboxPage *m_outbox;
    ConnectionStatusWidget *m_status;
    QLabel *m_actorLabel;
    QString m_workspaceName;
    Actor m_actor;
    bool m_actorSet = false;
    std::array<QAction *, int(Capability::Count)> m_actions{};
    std::array<DialogFactory, int(Capability::Count)> m_factories{};
    QAction *m_retentionAction = nullptr;
    std::function<QDialog *(QWidget *)> m_retentionFactory;
    QPointer<QDialog> m_lastDialog;
    // Customers pane: the selected customer's current subscription (looked up in the cache).
    QString m_customerLookupId;
    std::optional<SubscriptionRow> m_customerSubscription;
    QPointer<SettingsDialog> m_settingsDialog;
    bool m_shown = false;
    std::array<bool, PaneCount> m_visited{};
    struct AddedPane
    {
        QString key;
        QWidget *page = nullptr;
        std::function<void()> onFirstShow;
        bool visited = false;
    };
    QList<AddedPane> m_addedPanes;
    QList<QPair<RowAction, QAction *>> m_rowActions;
    QHash<QString, QMenu *> m_menus;
    void showRow(int row);
    void applyRowActionsToPages();
};

} // namespace Billing
