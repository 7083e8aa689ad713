#include "ui/mainwindow.h"

#include "models/pagedtablemodel.h"
#include "services/platform/logging.h"
#include "services/storage/cachereader.h"
#include "services/sync/synccontrol.h"
#include "models/customertablemodel.h"
#include "models/dunningtablemodel.h"
#include "models/invoicetablemodel.h"
#include "models/outboxtablemodel.h"
#include "models/subscriptiontablemodel.h"
#include "ui/auditpage.h"
#include "ui/connectionstatuswidget.h"
#include "ui/dialogs/staffpickerdialog.h"
#include "ui/outboxpage.h"
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
#include <QDialog>
#include <QPainter>
#include <QStyledItemDelegate>
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

namespace {

constexpr int BadgeRole = Qt::UserRole + 10;     // text of a sidebar badge ("3"), empty for none
constexpr int BadgeAlertRole = Qt::UserRole + 11; // true: red (something failed), else indigo

// The sidebar items, with a pill on the right for a badge (the Outbox's waiting/failed count).
class SidebarDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        const QString badge = index.data(BadgeRole).toString();
        if (badge.isEmpty())
            return;
        QFont font = option.font;
        font.setPointSizeF(font.pointSizeF() * 0.85);
        font.setWeight(QFont::DemiBold);
        const QFontMetrics fm(font);
        const int h = fm.height() + 4;
        const int w = qMax(h, fm.horizontalAdvance(badge) + 12);
        const QRect pill(option.rect.right() - w - 14, option.rect.center().y() - h / 2, w, h);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(index.data(BadgeAlertRole).toBool() ? QColor(0xdc, 0x26, 0x26) : QColor(0x63, 0x66, 0xf1));
        painter->drawRoundedRect(pill, h / 2.0, h / 2.0);
        painter->setPen(Qt::white);
        painter->setFont(font);
        painter->drawText(pill, Qt::AlignCenter, badge);
        painter->restore();
    }
};

bool isLive(const Subscription &s)
{
    return s.status != QLatin1String("canceled") && s.status != QLatin1String("incomplete_expired")
        && s.status != QLatin1String("incomplete");
}

} // namespace

MainWindow::MainWindow(CacheReader *cache, UsageReader *usage, SyncControl *sync, SettingsStore *settings,
                       const QString &workspaceName, QWidget *parent)
    : QMainWindow(parent), m_cache(cache), m_sync(sync), m_settings(settings), m_workspaceName(workspaceName)
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
    m_sidebar->setItemDelegate(new SidebarDelegate(m_sidebar));
    sideLayout->addWidget(appTitle);
    sideLayout->addWidget(workspace);
    sideLayout->addWidget(m_sidebar, 1);

    m_stack = new QStackedWidget;
    m_customers = new CustomersPage(cache);
    m_subscriptions = new SubscriptionsPage(cache);
    m_invoices = new InvoicesPage(cache);
    m_usage = new UsagePage(usage, cache);
    m_dunning = new DunningPage(cache);
    m_audit = new AuditPage;
    m_outbox = new OutboxPage;
    const QList<QPair<QWidget *, QString>> panes = {
        {m_customers, tr("Customers")}, {m_subscriptions, tr("Subscriptions")}, {m_invoices, tr("Invoices")},
        {m_usage, tr("Usage")},         {m_dunning, tr("Dunning")},             {m_audit, tr("Audit log")},
        {m_outbox, tr("Outbox")}};
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
            showRow(row);
        updateActions();
    });

    layout->addWidget(side);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_actorLabel = new QLabel;
    m_actorLabel->setObjectName(QStringLiteral("ActorLabel"));
    m_actorLabel->setContentsMargins(8, 0, 12, 0);
    m_actorLabel->hide();
    statusBar()->addPermanentWidget(m_actorLabel);
    m_status = new ConnectionStatusWidget(sync, this);
    // Not stretched: the status bar's own messages ("Settings saved", problems) use the left part.
    statusBar()->addPermanentWidget(m_status);
    statusBar()->setSizeGripEnabled(false);
    connect(m_status, &ConnectionStatusWidget::syncFinished, this, [this](bool ok) { markStale(!ok); });
    connect(m_sync, &SyncControl::connectionChanged, this,
            [this](const ConnectionInfo &info) { markStale(info.mode == ConnectionInfo::Mode::Offline); });

    buildActions();
    buildMenus();
    connect(m_customers, &TablePage::selectionChanged, this, [this](const QString &id) { onSelectionChanged(Customers, id); });
    connect(m_subscriptions, &TablePage::selectionChanged, this,
            [this](const QString &id) { onSelectionChanged(Subscriptions, id); });
    connect(m_invoices, &TablePage::selectionChanged, this, [this](const QString &id) { onSelectionChanged(Invoices, id); });
    connect(m_dunning, &TablePage::selectionChanged, this, [this](const QString &id) { onSelectionChanged(Dunning, id); });
    connect(m_outbox->model(), &OutboxTableModel::countsChanged, this, &MainWindow::setOutboxBadge);
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
    case Audit: return QStringLiteral("audit");
    case Outbox: return QStringLiteral("outbox");
    case PaneCount: break;
    }
    return {};
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_shown) {
        m_shown = true;
        showRow(m_stack->currentIndex());
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
    case Audit: m_audit->ensureLoaded(); return;
    case Outbox: m_outbox->ensureLoaded(); return;
    case PaneCount: return;
    }
    if (first)
        table->model()->reload();
    else
        table->ensureLoaded();
}

void MainWindow::showRow(int row)
{
    if (row < PaneCount) {
        loadPane(Pane(row));
        return;
    }
    AddedPane &added = m_addedPanes[row - PaneCount];
    if (!added.visited) {
        added.visited = true;
        if (added.onFirstShow)
            added.onFirstShow();
    }
}

int MainWindow::addPane(const QString &key, const QString &title, QWidget *page, std::function<void()> onFirstShow)
{
    page->setObjectName(key + QStringLiteral("Page"));
    m_stack->addWidget(page);
    auto *item = new QListWidgetItem(Theme::icon(key), title);
    item->setSizeHint(QSize(200, 40));
    m_sidebar->addItem(item);
    m_addedPanes.append({key, page, std::move(onFirstShow), false});
    const int row = m_sidebar->count() - 1;
    if (QMenu *view = m_menus.value(QStringLiteral("view"))) {
        QAction *a = view->addAction(title);
        if (row < 9)
            a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + row)));
        connect(a, &QAction::triggered, this, [this, row] { showPaneAt(row); });
        addAction(a);
    }
    if (m_shown && m_stack->currentIndex() == row)
        showRow(row);
    return row;
}

int MainWindow::paneCountAll() const
{
    return m_stack->count();
}

QString MainWindow::paneKeyAt(int row) const
{
    if (row < 0 || row >= paneCountAll())
        return {};
    return row < PaneCount ? paneKey(Pane(row)) : m_addedPanes.at(row - PaneCount).key;
}

QWidget *MainWindow::paneWidgetAt(int row) const
{
    return m_stack->widget(row);
}

void MainWindow::showPaneAt(int row)
{
    m_sidebar->setCurrentRow(row);
}

bool MainWindow::showPaneByKey(const QString &key)
{
    for (int row = 0; row < paneCountAll(); ++row) {
        if (paneKeyAt(row) == key) {
            showPaneAt(row);
            return true;
        }
    }
    return false;
}

QString MainWindow::currentPaneKey() const
{
    return paneKeyAt(m_stack->currentIndex());
}

QAction *MainWindow::addRowAction(RowAction action)
{
    auto *a = new QAction(action.text, this);
    a->setObjectName(action.name);
    // Two actions on one shortcut make Qt fire neither: the later one goes without it.
    if (QAction *other = actionWithShortcut(action.shortcut)) {
        Logging::logger("ui")->error("shortcut {} of {} is taken by {}; {} gets none",
                                     action.shortcut.toString().toStdString(), action.name.toStdString(),
                                     other->objectName().toStdString(), action.name.toStdString());
        action.shortcut = {};
    }
    if (!action.shortcut.isEmpty()) {
        a->setShortcut(action.shortcut);
        a->setShortcutContext(Qt::WindowShortcut);
    }
    a->setToolTip(action.toolTip);
    a->setVisible(false);
    a->setEnabled(false);
    const QString name = action.name;
    connect(a, &QAction::triggered, this, [this, name] { openRowAction(name); });
    m_rowActions.append({std::move(action), a});
    if (QMenu *menu = m_menus.value(QStringLiteral("actions")))
        menu->addAction(a);
    addAction(a);
    applyRowActionsToPages();
    updateActions();
    refreshDetails();
    return a;
}

QAction *MainWindow::actionWithShortcut(const QKeySequence &keys) const
{
    if (keys.isEmpty())
        return nullptr;
    for (QAction *a : actions())
        if (a->shortcut() == keys)
            return a;
    return nullptr;
}

QAction *MainWindow::rowAction(const QString &name) const
{
    for (const auto &[spec, action] : m_rowActions)
        if (spec.name == name)
            return action;
    return nullptr;
}

QDialog *MainWindow::openRowAction(const QString &name)
{
    updateActions();
    for (const auto &[spec, action] : std::as_const(m_rowActions)) {
        if (spec.name != name)
            continue;
        if (!action->isEnabled() || !spec.open)
            return nullptr;
        QDialog *dialog = spec.open(currentTarget(), this);
        showDialog(dialog);
        return dialog;
    }
    return nullptr;
}

QMenu *MainWindow::menuNamed(const QString &key) const
{
    return m_menus.value(key);
}

void MainWindow::applyRowActionsToPages()
{
    const QList<QPair<Pane, TablePage *>> pages{
        {Customers, m_customers}, {Subscriptions, m_subscriptions}, {Invoices, m_invoices}, {Dunning, m_dunning}};
    for (const auto &[pane, page] : pages) {
        QList<QAction *> actions;
        if (pane == Customers || pane == Subscriptions)
            actions = QList<QAction *>(m_actions.cbegin(), m_actions.cend());
        else if (pane == Invoices)
            actions = {m_actions[int(Capability::Refund)]};
        for (const auto &[spec, action] : std::as_const(m_rowActions))
            if (spec.panes.contains(pane))
                actions << action;
        page->setRowActions(actions);
    }
}

void MainWindow::showPane(Pane pane)
{
    m_sidebar->setCurrentRow(int(pane));
}

MainWindow::Pane MainWindow::currentPane() const
{
    const int row = m_stack->currentIndex();
    return row >= 0 && row < PaneCount ? Pane(row) : PaneCount;
}

QWidget *MainWindow::paneWidget(Pane pane) const
{
    return m_stack->widget(int(pane));
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    m_menus.insert(QStringLiteral("file"), file);
    QAction *settings = file->addAction(Theme::icon(QStringLiteral("settings"), QColor(0x37, 0x41, 0x51)), tr("&Settings…"));
    settings->setShortcut(QKeySequence::Preferences);
    connect(settings, &QAction::triggered, this, &MainWindow::openSettings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_menus.insert(QStringLiteral("view"), view);
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

    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    m_menus.insert(QStringLiteral("actions"), actions);
    for (QAction *a : m_actions)
        actions->addAction(a);

    QMenu *reports = menuBar()->addMenu(tr("&Reports"));
    m_menus.insert(QStringLiteral("reports"), reports);
    m_retentionAction = reports->addAction(tr("&Retention report…"));
    m_retentionAction->setObjectName(QStringLiteral("RetentionReportAction"));
    m_retentionAction->setEnabled(false);
    m_retentionAction->setToolTip(tr("Offers made and accepted, and the revenue they saved"));
    connect(m_retentionAction, &QAction::triggered, this, [this] {
        if (m_retentionFactory)
            showDialog(m_retentionFactory(this));
    });
    // Shortcuts work without the menu bar being visible/focused.
    addActions({refresh, full, settings});
    for (QAction *a : m_actions)
        addAction(a);
}

Permission MainWindow::permissionFor(Capability capability)
{
    switch (capability) {
    case Capability::ChangePlan: return Permission::ChangePlan;
    case Capability::Cancel:
    case Capability::UndoCancel: return Permission::CancelSubscription;
    case Capability::PauseResume: return Permission::PauseSubscription;
    case Capability::Trial: return Permission::ManageTrial;
    case Capability::Refund: return Permission::Refund;
    case Capability::Count: break;
    }
    return Permission::ManageSettings;
}

void MainWindow::buildActions()
{
    struct Spec
    {
        Capability capability;
        QString text;
        QString name;
        QKeySequence keys;
        QString tip;
    };
    const QList<Spec> specs{
        {Capability::ChangePlan, tr("Change plan…"), QStringLiteral("ChangePlanAction"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), tr("Upgrade or downgrade, with Stripe's proration preview")},
        {Capability::Cancel, tr("Cancel…"), QStringLiteral("CancelAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
         tr("Cancel the subscription, with retention offers")},
        {Capability::UndoCancel, tr("Undo cancellation…"), QStringLiteral("UndoCancelAction"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), tr("Keep the subscription after its period ends")},
        {Capability::PauseResume, tr("Pause…"), QStringLiteral("PauseAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U),
         tr("Pause or resume collection, or set a seasonal pause")},
        {Capability::Trial, tr("Trial…"), QStringLiteral("TrialAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T),
         tr("Extend the trial, end it now, or set what happens at its end")},
        {Capability::Refund, tr("Refund…"), QStringLiteral("RefundAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
         tr("Refund or credit a paid invoice")},
    };
    for (const Spec &spec : specs) {
        auto *a = new QAction(spec.text, this);
        a->setObjectName(spec.name);
        a->setShortcut(spec.keys);
        a->setShortcutContext(Qt::WindowShortcut);
        a->setToolTip(spec.tip);
        a->setVisible(false);
        a->setEnabled(false);
        const Capability capability = spec.capability;
        connect(a, &QAction::triggered, this, [this, capability] { openCapability(capability); });
        m_actions[int(capability)] = a;
    }
    applyRowActionsToPages();
}

void MainWindow::setActor(const Actor &actor)
{
    m_actor = actor;
    m_actorSet = true;
    const QString who = tr("%1 (%2)").arg(actor.displayName.isEmpty() ? actor.email : actor.displayName,
                                          StaffPickerDialog::roleLabel(actor.role));
    setWindowTitle(tr("Billing Console — %1 — %2").arg(m_workspaceName, who));
    m_actorLabel->setText(tr("Signed in as %1").arg(who));
    m_actorLabel->setToolTip(actor.email);
    m_actorLabel->show();
    updateActions();
    refreshDetails();
}

void MainWindow::refreshDetails()
{
    // The detail panels' buttons follow the actions that are visible now.
    m_customers->refreshDetail();
    m_subscriptions->refreshDetail();
    m_invoices->refreshDetail();
    m_dunning->refreshDetail();
}

void MainWindow::attachOperations(AsyncBillingDatabase *billingDb, OutboxService *outbox)
{
    m_audit->attach(billingDb, outbox);
    m_outbox->attach(outbox);
}

void MainWindow::setDialogFactory(Capability capability, DialogFactory factory)
{
    m_factories[int(capability)] = std::move(factory);
    updateActions();
    refreshDetails();
}

void MainWindow::setRetentionReportFactory(std::function<QDialog *(QWidget *)> factory)
{
    m_retentionFactory = std::move(factory);
    updateActions();
}

MainWindow::ActionTarget MainWindow::currentTarget() const
{
    ActionTarget t;
    switch (currentPane()) {
    case Customers: {
        const int row = m_customers->model()->rowOfId(m_customers->selectedId());
        if (row < 0)
            break;
        t.customerId = m_customers->selectedId();
        t.customer = m_customers->customers()->rowAt(row);
        if (m_customerLookupId == t.customerId && m_customerSubscription) {
            t.subscription = m_customerSubscription;
            t.invoiceId = m_customerSubscription->subscription.latestInvoice;
        }
        break;
    }
    case Subscriptions: {
        const int row = m_subscriptions->model()->rowOfId(m_subscriptions->selectedId());
        if (row < 0)
            break;
        t.subscription = m_subscriptions->subscriptions()->rowAt(row);
        t.customerId = t.subscription->subscription.customerId;
        t.invoiceId = t.subscription->subscription.latestInvoice;
        break;
    }
    case Invoices: {
        const int row = m_invoices->model()->rowOfId(m_invoices->selectedId());
        if (row < 0)
            break;
        const InvoiceRow &inv = m_invoices->invoices()->rowAt(row);
        t.customerId = inv.invoice.customerId;
        t.invoiceId = inv.invoice.id;
        t.invoiceStatus = inv.invoice.status;
        break;
    }
    case Dunning: {
        const int row = m_dunning->model()->rowOfId(m_dunning->selectedId());
        if (row < 0)
            break;
        const InvoiceRow &inv = m_dunning->dunning()->rowAt(row);
        t.customerId = inv.invoice.customerId;
        t.invoiceId = inv.invoice.id;
        t.invoiceStatus = inv.invoice.status;
        break;
    }
    default: break;
    }
    return t;
}

void MainWindow::onSelectionChanged(Pane pane, const QString &id)
{
    if (pane == Customers && id != m_customerLookupId) {
        m_customerLookupId = id;
        m_customerSubscription.reset();
        if (!id.isEmpty()) {
            // The customer's current subscription: the newest one that is not over.
            SubscriptionQuery q;
            q.customerId = id;
            q.statuses = {QStringLiteral("active"), QStringLiteral("trialing"), QStringLiteral("past_due"),
                          QStringLiteral("unpaid"), QStringLiteral("paused")};
            q.limit = 1;
            m_cache->subscriptions(q, this, [this, id](Result<QList<SubscriptionRow>> rows) {
                if (id != m_customerLookupId || !rows || rows->isEmpty())
                    return;
                m_customerSubscription = rows->constFirst();
                updateActions();
                if (currentPane() == Customers)
                    m_customers->refreshDetail(); // the buttons that now apply
            });
        }
    }
    if (pane == currentPane())
        updateActions();
}

void MainWindow::updateActions()
{
    const ActionTarget t = currentTarget();
    const Pane pane = currentPane();
    const bool subscriptionPane = pane == Customers || pane == Subscriptions;
    const bool live = t.subscription && isLive(t.subscription->subscription);
    for (int i = 0; i < int(Capability::Count); ++i) {
        const auto capability = Capability(i);
        QAction *a = m_actions[i];
        const bool allowed = m_actorSet && AccessPolicy::allows(m_actor.role, permissionFor(capability))
            && bool(m_factories[i]);
        bool applies = false;
        bool shown = allowed;
        switch (capability) {
        case Capability::ChangePlan: applies = subscriptionPane && live; break;
        case Capability::Trial:
            // Manage a trialing subscription; from a customer without one, start a subscription with a trial.
            applies = (live && t.subscription->subscription.status == QLatin1String("trialing"))
                || (pane == Customers && t.customer && !live);
            a->setText(live && t.subscription->subscription.status == QLatin1String("trialing") ? tr("Trial…")
                                                                                              : tr("Start trial…"));
            break;
        case Capability::Cancel: applies = subscriptionPane && live && !t.subscription->subscription.cancelAtPeriodEnd; break;
        case Capability::UndoCancel:
            applies = subscriptionPane && live && t.subscription->subscription.cancelAtPeriodEnd;
            shown = allowed && applies; // only for subscriptions that cancel at period end
            break;
        case Capability::PauseResume: {
            applies = subscriptionPane && live;
            const bool paused = live
                && (!t.subscription->subscription.pauseBehavior.isEmpty()
                    || t.subscription->subscription.status == QLatin1String("paused"));
            a->setText(paused ? tr("Resume…") : tr("Pause…"));
            break;
        }
        case Capability::Refund:
            applies = !t.invoiceId.isEmpty() && (t.invoiceStatus.isEmpty() || t.invoiceStatus == QLatin1String("paid"));
            break;
        case Capability::Count: break;
        }
        a->setVisible(shown);
        a->setEnabled(shown && applies);
    }
    for (const auto &[spec, action] : std::as_const(m_rowActions)) {
        const bool allowed = m_actorSet && AccessPolicy::allows(m_actor.role, spec.permission);
        const bool applies = spec.panes.contains(pane) && (!spec.appliesTo || spec.appliesTo(t));
        action->setVisible(allowed);
        action->setEnabled(allowed && applies);
    }
    if (m_retentionAction)
        m_retentionAction->setEnabled(m_actorSet && bool(m_retentionFactory)
                                      && AccessPolicy::allows(m_actor.role, Permission::ViewData));
}

QDialog *MainWindow::openCapability(Capability capability)
{
    updateActions();
    QAction *a = m_actions[int(capability)];
    const DialogFactory &factory = m_factories[int(capability)];
    if (!a->isEnabled() || !factory)
        return nullptr;
    QDialog *dialog = factory(currentTarget(), this);
    showDialog(dialog);
    return dialog;
}

void MainWindow::showDialog(QDialog *dialog)
{
    if (!dialog)
        return;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (dialog->styleSheet().isEmpty())
        dialog->setStyleSheet(Theme::styleSheet());
    m_lastDialog = dialog;
    dialog->open();
}

QString MainWindow::outboxBadge() const
{
    return m_sidebar->item(Outbox)->data(BadgeRole).toString();
}

void MainWindow::setOutboxBadge(int open, int problems)
{
    QListWidgetItem *item = m_sidebar->item(Outbox);
    const int total = open + problems;
    item->setData(BadgeRole, total > 0 ? locale().toString(total) : QString());
    item->setData(BadgeAlertRole, problems > 0);
    item->setToolTip(total > 0 ? tr("%1 waiting to be sent, %2 failed or need attention").arg(open).arg(problems)
                               : QString());
}

void MainWindow::markStale(bool stale)
{
    m_customers->setStale(stale);
    m_subscriptions->setStale(stale);
    m_invoices->setStale(stale);
    m_usage->setStale(stale);
    m_dunning->setStale(stale);
    m_audit->setStale(stale);
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
