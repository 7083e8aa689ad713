#include "ui/mainwindow.h"

#include "models/pagedtablemodel.h"
#include "services/storage/cachereader.h"
#include "services/sync/synccontrol.h"
#include "ui/connectionstatuswidget.h"
#include "ui/customerspage.h"
#include "ui/dunningpage.h"
#include "ui/invoicespage.h"
#include "ui/settingsdialog.h"
#include "ui/settingsstore.h"
#include "ui/subscriptionspage.h"
#include "ui/tablepage.h"
#include "ui/theme.h"
#include "ui/usagepage.h"

#include <QAction>
#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QShowEvent>
#include <QPointer>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

namespace Billing {

MainWindow::MainWindow(CacheReader *cache, UsageReader *usage, SyncControl *sync, SettingsStore *settings,
                       const QString &workspaceName, QWidget *parent)
    : QMainWindow(parent), m_cache(cache), m_sync(sync), m_settings(settings)
{
    setWindowTitle(tr("Billing Console — %1").arg(workspaceName));
    setObjectName(QStringLiteral("MainWindow"));
    setStyleSheet(Theme::styleSheet());
    resize(1400, 900);

    auto *central = new QWidget;
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto *side = new QWidget;
    side->setObjectName(QStringLiteral("Sidebar"));
    side->setAttribute(Qt::WA_StyledBackground);
    side->setFixedWidth(220);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 12);
    sideLayout->setSpacing(0);
    auto *appTitle = new QLabel(tr("Billing Console"));
    appTitle->setObjectName(QStringLiteral("SidebarTitle"));
    auto *workspace = new QLabel(workspaceName);
    workspace->setObjectName(QStringLiteral("SidebarSubtitle"));
    m_sidebar = new QListWidget;
    m_sidebar->setObjectName(QStringLiteral("Navigation"));
    m_sidebar->setIconSize(QSize(20, 20));
    m_sidebar->setFocusPolicy(Qt::NoFocus);
    m_sidebar->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    sideLayout->addWidget(appTitle);
    sideLayout->addWidget(workspace);
    sideLayout->addWidget(m_sidebar, 1);

    m_stack = new QStackedWidget;
    m_customers = new CustomersPage(cache);
    m_subscriptions = new SubscriptionsPage(cache);
    m_invoices = new InvoicesPage(cache);
    m_usage = new UsagePage(usage, cache);
    m_dunning = new DunningPage(cache);
    const QList<QPair<QWidget *, QString>> panes = {
        {m_customers, tr("Customers")}, {m_subscriptions, tr("Subscriptions")}, {m_invoices, tr("Invoices")},
        {m_usage, tr("Usage")}, {m_dunning, tr("Dunning")}};
    for (int i = 0; i < panes.size(); ++i) {
        panes.at(i).first->setObjectName(paneKey(Pane(i)) + QStringLiteral("Page"));
        m_stack->addWidget(panes.at(i).first);
        auto *item = new QListWidgetItem(Theme::icon(paneKey(Pane(i))), panes.at(i).second);
        item->setSizeHint(QSize(200, 40));
        m_sidebar->addItem(item);
    }
    connect(m_sidebar, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0)
            return;
        m_stack->setCurrentIndex(row);
        if (m_shown)
            loadPane(Pane(row));
    });

    layout->addWidget(side);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_status = new ConnectionStatusWidget(sync, this);
    // Not stretched: the status bar's own messages ("Settings saved", problems) use the left part.
    statusBar()->addPermanentWidget(m_status);
    statusBar()->setSizeGripEnabled(false);
    connect(m_status, &ConnectionStatusWidget::syncFinished, this, [this](bool ok) { markStale(!ok); });
    connect(m_sync, &SyncControl::connectionChanged, this,
            [this](const ConnectionInfo &info) { markStale(info.mode == ConnectionInfo::Mode::Offline); });

    buildMenus();
    m_sidebar->setCurrentRow(Customers);
    markStale(m_sync->connection().mode == ConnectionInfo::Mode::Offline);
}

QString MainWindow::paneKey(Pane pane)
{
    switch (pane) {
    case Customers: return QStringLiteral("customers");
    case Subscriptions: return QStringLiteral("subscriptions");
    case Invoices: return QStringLiteral("invoices");
    case Usage: return QStringLiteral("usage");
    case Dunning: return QStringLiteral("dunning");
    case PaneCount: break;
    }
    return {};
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_shown) {
        m_shown = true;
        loadPane(currentPane());
    }
}

void MainWindow::loadPane(Pane pane)
{
    // The first visit after the window is shown always reads afresh: whatever a page asked while
    // the window was being built ran before the composition root had opened the databases.
    const bool first = !m_visited[pane];
    m_visited[pane] = true;
    TablePage *table = nullptr;
    switch (pane) {
    case Customers: table = m_customers; break;
    case Subscriptions: table = m_subscriptions; break;
    case Invoices: table = m_invoices; break;
    case Dunning: table = m_dunning; break;
    case Usage: m_usage->ensureLoaded(); return;
    case PaneCount: return;
    }
    if (first)
        table->model()->reload();
    else
        table->ensureLoaded();
}

void MainWindow::showPane(Pane pane)
{
    m_sidebar->setCurrentRow(int(pane));
}

MainWindow::Pane MainWindow::currentPane() const
{
    return Pane(m_stack->currentIndex());
}

QWidget *MainWindow::paneWidget(Pane pane) const
{
    return m_stack->widget(int(pane));
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *settings = file->addAction(Theme::icon(QStringLiteral("settings"), QColor(0x37, 0x41, 0x51)), tr("&Settings…"));
    settings->setShortcut(QKeySequence::Preferences);
    connect(settings, &QAction::triggered, this, &MainWindow::openSettings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *refresh = view->addAction(Theme::icon(QStringLiteral("refresh"), QColor(0x37, 0x41, 0x51)), tr("&Refresh"));
    refresh->setObjectName(QStringLiteral("RefreshAction"));
    refresh->setShortcut(QKeySequence(Qt::Key_F5));
    connect(refresh, &QAction::triggered, m_sync, &SyncControl::startRefresh);
    QAction *full = view->addAction(tr("&Full sync"));
    full->setObjectName(QStringLiteral("FullSyncAction"));
    full->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5));
    connect(full, &QAction::triggered, m_sync, &SyncControl::startFullSync);
    view->addSeparator();
    for (int i = 0; i < PaneCount; ++i) {
        QAction *a = view->addAction(m_sidebar->item(i)->text());
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(a, &QAction::triggered, this, [this, i] { showPane(Pane(i)); });
    }
    // Shortcuts work without the menu bar being visible/focused.
    addActions({refresh, full, settings});
}

void MainWindow::markStale(bool stale)
{
    m_customers->setStale(stale);
    m_subscriptions->setStale(stale);
    m_invoices->setStale(stale);
    m_usage->setStale(stale);
    m_dunning->setStale(stale);
}

SettingsDialog *MainWindow::createSettingsDialog()
{
    auto *dialog = new SettingsDialog(m_settings->load(), m_settings->apiKeySource(), this);
    dialog->setStyleSheet(Theme::styleSheet());
    return dialog;
}

SettingsDialog *MainWindow::settingsDialog() const
{
    return m_settingsDialog.data();
}

void MainWindow::openSettings()
{
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    SettingsDialog *dialog = createSettingsDialog();
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_settingsDialog = dialog;
    connect(dialog, &SettingsDialog::saveRequested, this, [this, dialog] { saveSettings(dialog); });
    dialog->open();
}

void MainWindow::saveSettings(SettingsDialog *dialog)
{
    const bool databaseChanged = dialog->databaseChanged();
    dialog->setSaving(true);
    QPointer<SettingsDialog> guard(dialog);
    // The window is the context: if the dialog was cancelled meanwhile, the outcome still shows.
    m_settings->save(dialog->change(), this, [this, guard, databaseChanged](Status saved) {
        if (!saved) {
            if (guard) {
                guard->setSaving(false);
                guard->showSaveError(saved.error().userMessage);
            } else {
                statusBar()->showMessage(tr("Settings not saved: %1").arg(saved.error().userMessage), 15000);
            }
            return;
        }
        statusBar()->showMessage(databaseChanged ? tr("Settings saved. The new billing database is used from the "
                                                      "next start of Billing Console.")
                                                 : tr("Settings saved"),
                                 databaseChanged ? 15000 : 8000);
        if (guard) {
            guard->setSaving(false);
            guard->accept();
        }
    });
}

} // namespace Billing
