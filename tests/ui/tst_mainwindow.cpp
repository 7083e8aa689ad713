#include "models/audittablemodel.h"
#include "models/customertablemodel.h"
#include "models/outboxtablemodel.h"
#include "models/subscriptiontablemodel.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/refunds/refundservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"
#include "ui/auditpage.h"
#include "ui/dialogs/refunddialog.h"
#include "ui/outboxpage.h"
#include "models/invoicetablemodel.h"
#include "models/pagedtablemodel.h"
#include "models/usageseriesmodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/testsupport.h"
#include "tests/ui/uifakes.h"
#include "ui/charts/usagechartview.h"
#include "ui/connectionstatuswidget.h"
#include "ui/customerspage.h"
#include "ui/dunningpage.h"
#include "ui/invoicespage.h"
#include "ui/mainwindow.h"
#include "ui/screenshots.h"
#include "ui/settingsdialog.h"
#include "ui/subscriptionspage.h"
#include "ui/tablepage.h"
#include "ui/usagepage.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QPointer>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Billing;
using namespace Billing::Test;
using Cap = MainWindow::Capability;

namespace {

// A stand-in for a capability dialog: records the target it was opened for.
class FakeCapabilityDialog final : public QDialog
{
public:
    FakeCapabilityDialog(const QString &name, const MainWindow::ActionTarget &target, QWidget *parent)
        : QDialog(parent), target(target)
    {
        setObjectName(name);
    }
    MainWindow::ActionTarget target;
};

QString capabilityName(Cap c)
{
    switch (c) {
    case Cap::ChangePlan: return QStringLiteral("ChangePlan");
    case Cap::Cancel: return QStringLiteral("Cancel");
    case Cap::UndoCancel: return QStringLiteral("UndoCancel");
    case Cap::PauseResume: return QStringLiteral("PauseResume");
    case Cap::Trial: return QStringLiteral("Trial");
    case Cap::Refund: return QStringLiteral("Refund");
    case Cap::Count: break;
    }
    return {};
}

Actor actorWith(StaffRole role)
{
    Actor a;
    a.staffId = 7;
    a.email = QStringLiteral("someone@demo.example");
    a.displayName = QStringLiteral("Sam Someone");
    a.role = role;
    return a;
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void init()
    {
        m_now = QDateTime::currentDateTimeUtc();
        m_cache = std::make_unique<FakeCacheReader>();
        m_usage = std::make_unique<FakeUsageReader>();
        fillDemoData(*m_cache, m_usage.get(), m_now);
        m_sync = std::make_unique<FakeSyncControl>();
        m_sync->info.mode = ConnectionInfo::Mode::Sandbox;
        m_sync->info.accountId = QStringLiteral("acct_1Demo");
        m_sync->info.displayName = QStringLiteral("Demo Workspace Inc.");
        m_sync->info.baseUrl = QStringLiteral("http://127.0.0.1:12180");
        m_sync->lastSynced = m_now.addSecs(-5 * 60);
        QVERIFY(m_dir.isValid());
        const AppPaths paths(m_dir.path(), m_dir.path());
        QVERIFY(paths.ensureWorkspaceDir(QStringLiteral("Demo")).ok());
        m_store = FakeSettingsStore();
        m_store.current = WorkspaceSettings::defaults(QStringLiteral("Demo"), paths);
        m_store.current.stripeApiBase = QUrl(QStringLiteral("http://127.0.0.1:12180"));
        m_window = std::make_unique<MainWindow>(m_cache.get(), m_usage.get(), m_sync.get(), &m_store, QStringLiteral("Demo"));
        m_window->resize(1400, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
    }

    void titleAndStatusBar()
    {
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Billing Console — Demo"));
        QCOMPARE(m_window->connectionStatus()->modeText(), QStringLiteral("Sandbox"));
        QVERIFY2(m_window->connectionStatus()->syncedText().contains(QStringLiteral("5 min ago")),
                 qPrintable(m_window->connectionStatus()->syncedText()));
        QVERIFY(!m_window->connectionStatus()->isProgressVisible());
        Q_EMIT m_sync->started();
        Q_EMIT m_sync->progress(QStringLiteral("Invoices"), 50, 200);
        QVERIFY(m_window->connectionStatus()->isProgressVisible());
        auto *cancel = m_window->connectionStatus()->findChild<QPushButton *>(QStringLiteral("CancelSync"));
        QVERIFY(cancel);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(m_sync->cancels, 1);
        Q_EMIT m_sync->finished(Status());
        QVERIFY(!m_window->connectionStatus()->isProgressVisible());

        QTest::keyClick(m_window.get(), Qt::Key_F5);
        QCOMPARE(m_sync->refreshes, 1);
        QTest::keyClick(m_window.get(), Qt::Key_F5, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(m_sync->fullSyncs, 1);

        ConnectionInfo offline = m_sync->info;
        offline.mode = ConnectionInfo::Mode::Offline;
        m_sync->setConnection(offline);
        QCOMPARE(m_window->connectionStatus()->modeText(), QStringLiteral("Offline"));
        QVERIFY(m_window->customersPage()->findChild<QLabel *>(QStringLiteral("StaleHint"))->isVisible());
    }

    void visitsEveryPaneBySidebarClicks()
    {
        QListWidget *sidebar = m_window->sidebar();
        for (int i = 0; i < MainWindow::PaneCount; ++i) {
            const QRect r = sidebar->visualItemRect(sidebar->item(i));
            QTest::mouseClick(sidebar->viewport(), Qt::LeftButton, {}, r.center());
            QCOMPARE(int(m_window->currentPane()), i);
            QVERIFY(m_window->paneWidget(MainWindow::Pane(i))->isVisible());
        }
        // every table pane loaded rows; the usage chart has one series per meter
        QTRY_VERIFY(m_window->customersPage()->view()->model()->rowCount() > 0);
        QTRY_VERIFY(m_window->subscriptionsPage()->view()->model()->rowCount() > 0);
        QTRY_VERIFY(m_window->invoicesPage()->view()->model()->rowCount() > 0);
        QTRY_VERIFY(m_window->dunningPage()->view()->model()->rowCount() > 0);
        QTRY_COMPARE(m_window->usagePage()->chart()->seriesCount(), 3);
        QTRY_VERIFY(m_window->usagePage()->isReady());
        QCOMPARE(m_window->usagePage()->series()->rowCount(), 30); // last 30 days, one bucket a day
        QCOMPARE(m_window->usagePage()->chart()->pointCount(), 3 * 30);
    }

    void searchFiltersTheCustomerTable()
    {
        CustomersPage *page = m_window->customersPage();
        QTRY_COMPARE(page->view()->model()->rowCount(), int(m_cache->customerRows.size()));
        QTest::keyClicks(page->searchBox(), QStringLiteral("globex"));
        QTRY_COMPARE(page->view()->model()->rowCount(), 1);
        QCOMPARE(page->view()->model()->index(0, CustomerTableModel::Name).data().toString(), QStringLiteral("Globex Industries"));

        QTest::keyClicks(page->searchBox(), QStringLiteral("zzz"));
        QTRY_VERIFY(page->isEmptyStateShown());
        QVERIFY(page->emptyStateLabel()->text().contains(QStringLiteral("match")));
        page->searchBox()->clear();
        QTRY_COMPARE(page->view()->model()->rowCount(), int(m_cache->customerRows.size()));
    }

    void emptyCacheShowsTheSyncHint()
    {
        m_cache->customerRows.clear();
        m_cache->notifyChanged(QStringLiteral("customer"));
        QTRY_VERIFY(m_window->customersPage()->isEmptyStateShown());
        QCOMPARE(m_window->customersPage()->emptyStateLabel()->text(), QStringLiteral("No customers yet — run a sync (F5)"));
    }

    void selectingARowFillsTheDetailPanel()
    {
        m_window->showPane(MainWindow::Invoices);
        InvoicesPage *page = m_window->invoicesPage();
        QTRY_VERIFY(page->view()->model()->rowCount() > 0);
        const QRect cell = page->view()->visualRect(page->view()->model()->index(2, InvoiceTableModel::Number));
        QTest::mouseClick(page->view()->viewport(), Qt::LeftButton, {}, cell.center());
        const QString number = page->view()->model()->index(2, InvoiceTableModel::Number).data().toString();
        QTRY_VERIFY(page->detailPanel()->findChild<QLabel *>(QStringLiteral("DetailTitle")));
        QVERIFY(page->detailPanel()->findChild<QLabel *>(QStringLiteral("DetailTitle"))->text().contains(number));
        auto *links = page->detailPanel()->findChild<QLabel *>(QStringLiteral("DetailLinks"));
        QVERIFY(links && links->text().contains(QStringLiteral("Open PDF")));
        // the invoice lines arrive asynchronously
        QTRY_VERIFY([&] {
            for (QLabel *l : page->detailPanel()->findChildren<QLabel *>())
                if (l->text().contains(QStringLiteral("(monthly)")))
                    return true;
            return false;
        }());
        // per-currency outstanding totals in the footer
        QTRY_VERIFY(page->footerLabel()->text().contains(QStringLiteral("Outstanding")));

        // sorting by a header click goes to SQL: the first row is the largest total of ALL invoices
        QHeaderView *header = page->view()->horizontalHeader();
        const int x = header->sectionViewportPosition(InvoiceTableModel::Total) + header->sectionSize(InvoiceTableModel::Total) / 2;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        QTRY_COMPARE(page->invoices()->sortColumn(), int(InvoiceTableModel::Total));
        QTRY_VERIFY(!page->invoices()->isLoading());
        if (page->invoices()->sortOrder() == Qt::AscendingOrder)
            QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        QTRY_VERIFY(!page->invoices()->isLoading() && page->invoices()->sortOrder() == Qt::DescendingOrder);
        qint64 maxTotal = 0;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows))
            maxTotal = qMax(maxTotal, r.invoice.totalMinor);
        QTRY_COMPARE(page->view()->model()->index(0, InvoiceTableModel::Total).data(PagedTableModel::RawRole).toLongLong(), maxTotal);
    }

    void dunningShowsAttemptsAndTotalsAtRisk()
    {
        m_window->showPane(MainWindow::Dunning);
        DunningPage *page = m_window->dunningPage();
        QTRY_VERIFY(page->view()->model()->rowCount() > 0);
        page->selectRow(0);
        QTRY_VERIFY([&] {
            for (QLabel *l : page->detailPanel()->findChildren<QLabel *>())
                if (l->text().contains(QStringLiteral("<table")) && !l->text().contains(QStringLiteral("Loading")))
                    return true;
            return false;
        }());
        QTRY_VERIFY(page->footerLabel()->text().startsWith(QStringLiteral("At risk")));
    }

    void usageGranularityAndCustomerFilter()
    {
        m_window->showPane(MainWindow::Usage);
        UsagePage *page = m_window->usagePage();
        QTRY_VERIFY(page->isReady());
        page->rangeCombo()->setCurrentIndex(page->rangeCombo()->findData(60));
        QTRY_VERIFY(page->isReady());
        QCOMPARE(page->series()->rowCount(), 60);
        QTRY_VERIFY(page->customerCombo()->count() > 1);
        page->granularityCombo()->setCurrentIndex(2); // monthly
        QTRY_VERIFY(!page->series()->isLoading() && page->series()->rowCount() <= 4);
        const qint64 all = page->series()->total(0);
        page->customerCombo()->setCurrentIndex(1);
        QTRY_VERIFY(!page->series()->isLoading() && page->series()->total(0) < all);
    }

    void panesReadAgainOnceTheWindowIsShown()
    {
        // The app builds the window before it opens the databases: what a page asks while the
        // window is being built fails ("not open"); the first visit after show() reads again.
        m_window.reset();
        m_cache->failNext = QStringLiteral("The local cache is not open.");
        MainWindow window(m_cache.get(), m_usage.get(), m_sync.get(), &m_store, QStringLiteral("Demo"));
        QVERIFY2(m_cache->failNext.isEmpty(), "a request made during construction took the failure");
        QTest::qWait(50); // the failure arrives
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QList<TablePage *> pages = {window.customersPage(), window.subscriptionsPage(), window.invoicesPage(),
                                          window.dunningPage()};
        const QList<MainWindow::Pane> panes = {MainWindow::Customers, MainWindow::Subscriptions, MainWindow::Invoices,
                                               MainWindow::Dunning};
        for (int i = 0; i < pages.size(); ++i) {
            window.showPane(panes.at(i));
            QTRY_VERIFY(pages.at(i)->model()->hasLoadedOnce() && !pages.at(i)->model()->isLoading());
            QVERIFY2(pages.at(i)->model()->rowCount() > 0, qPrintable(MainWindow::paneKey(panes.at(i))));
            QVERIFY(!pages.at(i)->isEmptyStateShown());
        }
    }

    void usageRangeEndsAtTheNewestUsage()
    {
        // Usage that stopped long ago (or demo data made for another date): the chart shows the
        // last 30 days that have data, not 30 empty days up to today.
        const QDateTime past = m_now.addDays(-400);
        fillDemoData(*m_cache, m_usage.get(), past);
        m_window->showPane(MainWindow::Usage);
        UsagePage *page = m_window->usagePage();
        QTRY_VERIFY(page->isReady());
        const QDateTime newestEvent = std::max_element(m_usage->events.cbegin(), m_usage->events.cend(),
                                                       [](const UsageEvent &a, const UsageEvent &b) {
                                                           return a.occurredAt < b.occurredAt;
                                                       })->occurredAt;
        const QDateTime end(newestEvent.date().addDays(1), QTime(0, 0), Qt::UTC);
        QCOMPARE(page->dataEnd(), end);
        QCOMPARE(page->series()->query().to, end);
        QCOMPARE(page->series()->query().from, end.addDays(-30));
        QCOMPARE(page->series()->rowCount(), 30);
        QCOMPARE(page->chart()->pointCount(), 3 * 30);
        QVERIFY(!page->findChild<QLabel *>(QStringLiteral("EmptyState"))->isVisible());
        QVERIFY(page->rangeLabel()->text().contains(QString::number(newestEvent.date().year())));

        // new usage moves the range with it
        m_usage->events.append({QStringLiteral("ev_new"), m_cache->customerRows.at(0).id, QStringLiteral("api_calls"), 5,
                                end.addDays(3).addSecs(60)});
        m_usage->notifyChanged();
        QTRY_COMPARE(page->series()->query().to, end.addDays(4));
        QTRY_VERIFY(page->isReady());
    }

    void settingsSavedClosesTheDialogAndSaysSo()
    {
        m_window->openSettings();
        QPointer<SettingsDialog> dialog = m_window->settingsDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QCOMPARE(dialog->baseUrlEdit()->text(), QStringLiteral("http://127.0.0.1:12180"));
        QCOMPARE(QDir::fromNativeSeparators(dialog->cachePathEdit()->text()), m_store.current.cachePath);
        QTest::keyClicks(dialog->apiKeyEdit(), QStringLiteral("sk_test_newkey"));
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QVERIFY(!dialog->okButton()->isEnabled()); // saving
        QTRY_VERIFY(!dialog);                      // closed (deleted) once saved
        QCOMPARE(m_store.saves, 1);
        QCOMPARE(m_store.last->newApiKey, std::optional<QString>(QStringLiteral("sk_test_newkey")));
        QCOMPARE(m_store.last->newPostgresPassword, std::nullopt);
        QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Settings saved"));
    }

    void settingsNotSavedKeepTheDialogOpenWithTheError()
    {
        m_store.failure = Error::make(Error::Kind::Network, QStringLiteral("No keychain service is available."));
        m_window->openSettings();
        QPointer<SettingsDialog> dialog = m_window->settingsDialog();
        QVERIFY(dialog);
        QTest::keyClicks(dialog->apiKeyEdit(), QStringLiteral("sk_test_newkey"));
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog->saveError().contains(QStringLiteral("No keychain service is available.")));
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->okButton()->isEnabled()); // may try again
        QCOMPARE(m_store.saves, 1);
        QVERIFY(m_window->statusBar()->currentMessage().isEmpty());
        // opening Settings again raises the same dialog
        m_window->openSettings();
        QCOMPARE(m_window->settingsDialog(), dialog.data());
        dialog->reject();
        QTRY_VERIFY(!dialog);
    }

    void databaseChangeTakesEffectAtTheNextStart()
    {
        m_window->openSettings();
        QPointer<SettingsDialog> dialog = m_window->settingsDialog();
        QVERIFY(dialog);
        const QString other = m_dir.filePath(QStringLiteral("Demo/team.sqlite"));
        dialog->sqlitePathEdit()->setText(other);
        QTest::mouseClick(dialog->okButton(), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QCOMPARE(m_store.current.database.sqlitePath, other);
        QVERIFY2(m_window->statusBar()->currentMessage().contains(QStringLiteral("next start")),
                 qPrintable(m_window->statusBar()->currentMessage()));
    }

    void signedInProfileShowsInTitleAndStatusBar()
    {
        QVERIFY(!m_window->actorLabel()->isVisible());
        m_window->setActor(actorWith(StaffRole::Finance));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Billing Console — Demo — Sam Someone (Finance)"));
        QCOMPARE(m_window->actorLabel()->text(), QStringLiteral("Signed in as Sam Someone (Finance)"));
        QVERIFY(m_window->actorLabel()->isVisible());
    }

    void actionsFollowTheRole_data()
    {
        QTest::addColumn<int>("role");
        QTest::addColumn<bool>("mutating");
        QTest::newRow("admin") << int(StaffRole::Admin) << true;
        QTest::newRow("finance") << int(StaffRole::Finance) << true;
        QTest::newRow("support") << int(StaffRole::Support) << true;
        QTest::newRow("read-only") << int(StaffRole::ReadOnly) << false;
    }

    void actionsFollowTheRole()
    {
        QFETCH(int, role);
        QFETCH(bool, mutating);
        registerFakeDialogs();
        // no profile yet: nothing can be done
        for (int i = 0; i < int(Cap::Count); ++i)
            QVERIFY(!m_window->capabilityAction(Cap(i))->isVisible());
        m_window->setActor(actorWith(StaffRole(role)));
        m_window->showPane(MainWindow::Subscriptions);
        QVERIFY(selectSubscription([](const Subscription &s) { return s.status == QLatin1String("active") && !s.cancelAtPeriodEnd; }));
        const SubscriptionTableModel *subs = m_window->subscriptionsPage()->subscriptions();
        const bool hasInvoice = !subs->rowAt(subs->rowOfId(m_window->subscriptionsPage()->selectedId())).subscription.latestInvoice.isEmpty();
        QCOMPARE(m_window->capabilityAction(Cap::Refund)->isVisible(), mutating);
        QCOMPARE(m_window->capabilityAction(Cap::Refund)->isEnabled(), mutating && hasInvoice); // the latest invoice
        for (Cap c : {Cap::ChangePlan, Cap::Cancel, Cap::PauseResume}) {
            QAction *a = m_window->capabilityAction(c);
            QCOMPARE(a->isVisible(), mutating);
            QCOMPARE(a->isEnabled(), mutating);
            QCOMPARE(AccessPolicy::allows(StaffRole(role), MainWindow::permissionFor(c)), mutating);
        }
        // an active subscription without a trial: the trial action shows but does not apply
        QCOMPARE(m_window->capabilityAction(Cap::Trial)->isVisible(), mutating);
        QVERIFY(!m_window->capabilityAction(Cap::Trial)->isEnabled());
        // Undo cancellation only for subscriptions set to cancel at the period end
        QVERIFY(!m_window->capabilityAction(Cap::UndoCancel)->isVisible());
        QVERIFY(selectSubscription([](const Subscription &s) { return s.cancelAtPeriodEnd && s.status != QLatin1String("canceled"); }));
        QCOMPARE(m_window->capabilityAction(Cap::UndoCancel)->isVisible(), mutating);
        QCOMPARE(m_window->capabilityAction(Cap::UndoCancel)->isEnabled(), mutating);
        QVERIFY(!m_window->capabilityAction(Cap::Cancel)->isEnabled());

        // the detail panel has a button per visible action, none for a read-only profile
        QStringList buttons;
        for (QPushButton *b : m_window->subscriptionsPage()->detailPanel()->findChildren<QPushButton *>(QStringLiteral("DetailAction")))
            buttons << b->text();
        if (mutating) {
            QVERIFY2(buttons.contains(QStringLiteral("Change plan…")), qPrintable(buttons.join(u'|')));
            QVERIFY(buttons.contains(QStringLiteral("Undo cancellation…")));
        } else {
            QVERIFY2(buttons.isEmpty(), qPrintable(buttons.join(u'|')));
            // and the shortcuts do nothing
            QTest::keyClick(m_window.get(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier);
            QVERIFY(!m_window->lastDialog());
        }
    }

    void shortcutOpensTheDialogForTheSelectedRow_data()
    {
        QTest::addColumn<int>("capability");
        QTest::addColumn<int>("pane");
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("key");
        QTest::newRow("change plan") << int(Cap::ChangePlan) << int(MainWindow::Subscriptions) << QStringLiteral("active") << int(Qt::Key_P);
        QTest::newRow("cancel") << int(Cap::Cancel) << int(MainWindow::Subscriptions) << QStringLiteral("active") << int(Qt::Key_C);
        QTest::newRow("pause") << int(Cap::PauseResume) << int(MainWindow::Subscriptions) << QStringLiteral("active") << int(Qt::Key_U);
        QTest::newRow("resume") << int(Cap::PauseResume) << int(MainWindow::Subscriptions) << QStringLiteral("paused") << int(Qt::Key_U);
        QTest::newRow("trial") << int(Cap::Trial) << int(MainWindow::Subscriptions) << QStringLiteral("trialing") << int(Qt::Key_T);
        QTest::newRow("refund of an invoice") << int(Cap::Refund) << int(MainWindow::Invoices) << QStringLiteral("paid") << int(Qt::Key_R);
        QTest::newRow("from customers") << int(Cap::ChangePlan) << int(MainWindow::Customers) << QString() << int(Qt::Key_P);
    }

    void shortcutOpensTheDialogForTheSelectedRow()
    {
        QFETCH(int, capability);
        QFETCH(int, pane);
        QFETCH(QString, status);
        QFETCH(int, key);
        registerFakeDialogs();
        m_window->setActor(actorWith(StaffRole::Admin));
        m_window->showPane(MainWindow::Pane(pane));
        QString expectedSubscription;
        QString expectedInvoice;
        if (pane == MainWindow::Subscriptions) {
            QVERIFY(selectSubscription([&](const Subscription &s) { return s.status == status && !s.cancelAtPeriodEnd; }));
            const SubscriptionTableModel *m = m_window->subscriptionsPage()->subscriptions();
            const Subscription &s = m->rowAt(m->rowOfId(m_window->subscriptionsPage()->selectedId())).subscription;
            expectedSubscription = s.id;
            expectedInvoice = s.latestInvoice;
        } else if (pane == MainWindow::Invoices) {
            TablePage *page = m_window->invoicesPage();
            QTRY_VERIFY(page->model()->rowCount() > 0);
            const InvoiceTableModel *m = m_window->invoicesPage()->invoices();
            int row = -1;
            for (int r = 0; r < m->rowCount() && row < 0; ++r)
                if (m->rowAt(r).invoice.status == status)
                    row = r;
            QVERIFY(row >= 0);
            page->selectRow(row);
            expectedInvoice = m->rowAt(row).invoice.id;
        } else {
            // a customer with a live subscription: the action applies to that subscription
            TablePage *page = m_window->customersPage();
            QTRY_VERIFY(page->model()->rowCount() > 0);
            page->selectRow(0);
            QTRY_VERIFY(m_window->capabilityAction(Cap(capability))->isEnabled());
            expectedSubscription = m_window->currentTarget().subscription->subscription.id;
            QCOMPARE(m_window->currentTarget().subscription->subscription.customerId, page->selectedId());
        }
        if (Cap(capability) == Cap::PauseResume)
            QCOMPARE(m_window->capabilityAction(Cap::PauseResume)->text(),
                     status == QLatin1String("paused") ? QStringLiteral("Resume…") : QStringLiteral("Pause…"));
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key(key), Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(m_window->lastDialog());
        auto *dialog = dynamic_cast<FakeCapabilityDialog *>(m_window->lastDialog());
        QVERIFY(dialog);
        QCOMPARE(dialog->objectName(), capabilityName(Cap(capability)));
        QVERIFY(dialog->isVisible());
        if (!expectedSubscription.isEmpty())
            QCOMPARE(dialog->target.subscription->subscription.id, expectedSubscription);
        if (Cap(capability) == Cap::Refund)
            QCOMPARE(dialog->target.invoiceId, expectedInvoice);
        dialog->reject();
        QTRY_VERIFY(!m_window->lastDialog()); // closed dialogs are deleted
    }

    // Capabilities add row actions without editing the window: shown by role, enabled on the listed
    // panes only when appliesTo() holds, in the pane's context menu, opened for the selected row.
    void addedRowActionFollowsRolePaneAndTarget()
    {
        MainWindow::RowAction spec;
        spec.name = QStringLiteral("VoidInvoiceAction");
        spec.text = QStringLiteral("Void…");
        spec.shortcut = QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V);
        spec.permission = Permission::WriteOff;
        spec.panes = {MainWindow::Invoices, MainWindow::Dunning};
        spec.appliesTo = [](const MainWindow::ActionTarget &t) { return t.invoiceStatus == QLatin1String("open"); };
        spec.open = [](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
            return new FakeCapabilityDialog(QStringLiteral("Void"), t, parent);
        };
        QAction *action = m_window->addRowAction(spec);
        QCOMPARE(m_window->rowAction(QStringLiteral("VoidInvoiceAction")), action);
        QVERIFY(m_window->invoicesPage()->rowActions().contains(action));
        QVERIFY(m_window->dunningPage()->rowActions().contains(action));
        QVERIFY(!m_window->customersPage()->rowActions().contains(action));

        m_window->setActor(actorWith(StaffRole::Support)); // support may not write off
        QVERIFY(!action->isVisible());
        m_window->setActor(actorWith(StaffRole::Finance));
        QVERIFY(action->isVisible());

        m_window->showPane(MainWindow::Invoices);
        TablePage *page = m_window->invoicesPage();
        QTRY_VERIFY(page->model()->rowCount() > 0);
        const InvoiceTableModel *m = m_window->invoicesPage()->invoices();
        int open = -1;
        int paid = -1;
        for (int r = 0; r < m->rowCount(); ++r) {
            if (open < 0 && m->rowAt(r).invoice.status == QLatin1String("open"))
                open = r;
            if (paid < 0 && m->rowAt(r).invoice.status == QLatin1String("paid"))
                paid = r;
        }
        QVERIFY(open >= 0 && paid >= 0);
        page->selectRow(paid);
        QVERIFY(!action->isEnabled());
        QVERIFY(!m_window->openRowAction(spec.name));
        page->selectRow(open);
        QVERIFY(action->isEnabled());

        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_V, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_VERIFY(m_window->lastDialog());
        auto *dialog = dynamic_cast<FakeCapabilityDialog *>(m_window->lastDialog());
        QVERIFY(dialog);
        QCOMPARE(dialog->target.invoiceId, m->rowAt(open).invoice.id);
        dialog->reject();
        QTRY_VERIFY(!m_window->lastDialog());

        m_window->showPane(MainWindow::Customers); // not a listed pane
        QVERIFY(!action->isEnabled());

        MainWindow::RowAction clash = spec; // Ctrl+Shift+R belongs to Refund
        clash.name = QStringLiteral("ClashingAction");
        clash.shortcut = QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R);
        QAction *clashing = m_window->addRowAction(clash);
        QVERIFY(clashing->shortcut().isEmpty());
        QCOMPARE(m_window->actionWithShortcut(clash.shortcut), m_window->capabilityAction(Cap::Refund));
    }

    // Added panes go after the built-in ones: sidebar row, View menu shortcut, first-show load.
    void addedPaneLoadsOnFirstShow()
    {
        auto *page = new QLabel(QStringLiteral("Catalog goes here"));
        int loads = 0;
        const int row = m_window->addPane(QStringLiteral("catalog"), QStringLiteral("Catalog"), page, [&loads] { ++loads; });
        QCOMPARE(row, int(MainWindow::PaneCount));
        QCOMPARE(m_window->paneCountAll(), int(MainWindow::PaneCount) + 1);
        QCOMPARE(m_window->paneKeyAt(row), QStringLiteral("catalog"));
        QCOMPARE(page->objectName(), QStringLiteral("catalogPage"));
        QCOMPARE(m_window->sidebar()->item(row)->text(), QStringLiteral("Catalog"));
        QCOMPARE(loads, 0);
        QVERIFY(m_window->showPaneByKey(QStringLiteral("catalog")));
        QCOMPARE(loads, 1);
        QCOMPARE(m_window->currentPane(), MainWindow::PaneCount);
        QCOMPARE(m_window->currentPaneKey(), QStringLiteral("catalog"));
        QVERIFY(page->isVisible());
        m_window->showPane(MainWindow::Customers);
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + row), Qt::ControlModifier);
        QCOMPARE(m_window->currentPaneKey(), QStringLiteral("catalog"));
        QCOMPARE(loads, 1); // once
        QVERIFY(m_window->menuNamed(QStringLiteral("reports")));
        QVERIFY(!m_window->menuNamed(QStringLiteral("nope")));
    }

    void detailButtonOpensTheRealRefundDialog()
    {
        // The real dialog over real services whose Stripe is unreachable: it opens and fails to
        // load, nothing is committed.
        QTemporaryDir dir;
        StripeConfig config;
        config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:9"));
        config.maxRetries = 0;
        StripeClient stripe(config);
        OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), &stripe);
        QVERIFY(outbox.openBlocking().ok());
        AsyncBillingDatabase db(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.db"))));
        QVERIFY(db.openBlocking().ok());
        OperationRunner runner(&outbox, &db, nullptr, AccessPolicy(), actorWith(StaffRole::Finance));
        RefundService refunds(&stripe, &outbox, &runner, nullptr);
        m_window->setDialogFactory(Cap::Refund, [&](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
            return new RefundDialog(&refunds, &runner, &outbox, t.invoiceId, parent);
        });
        m_window->setActor(actorWith(StaffRole::Finance));
        m_window->showPane(MainWindow::Invoices);
        TablePage *page = m_window->invoicesPage();
        QTRY_VERIFY(page->model()->rowCount() > 0);
        const InvoiceTableModel *m = m_window->invoicesPage()->invoices();
        int paid = -1, open = -1;
        for (int r = 0; r < m->rowCount(); ++r) {
            if (paid < 0 && m->rowAt(r).invoice.status == QLatin1String("paid"))
                paid = r;
            if (open < 0 && m->rowAt(r).invoice.status == QLatin1String("open"))
                open = r;
        }
        QVERIFY(paid >= 0 && open >= 0);
        page->selectRow(open);
        QVERIFY(!m_window->capabilityAction(Cap::Refund)->isEnabled()); // nothing paid to refund
        page->selectRow(paid);
        QPushButton *button = nullptr;
        for (QPushButton *b : page->detailPanel()->findChildren<QPushButton *>(QStringLiteral("DetailAction")))
            if (b->text() == QStringLiteral("Refund…"))
                button = b;
        QVERIFY(button);
        QVERIFY(button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(m_window->lastDialog());
        auto *dialog = qobject_cast<RefundDialog *>(m_window->lastDialog());
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->state() == RefundDialog::State::LoadFailed, 15000);
        QCOMPARE(outbox.entriesBlocking(std::nullopt)->size(), 0);
        dialog->reject();
        QTRY_VERIFY(!m_window->lastDialog());
    }

    void auditAndOutboxPanes()
    {
        QTemporaryDir dir;
        StripeConfig config;
        config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:9"));
        config.maxRetries = 0;
        StripeClient stripe(config);
        OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), &stripe);
        QVERIFY(outbox.openBlocking().ok());
        AsyncBillingDatabase db(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.db"))));
        QVERIFY(db.openBlocking().ok());
        AuditEntry e;
        e.actor = QStringLiteral("support@demo.example");
        e.operation = QStringLiteral("refund.create");
        e.targetType = QStringLiteral("invoice");
        e.targetId = QStringLiteral("in_1Audit");
        e.paramsJson = QStringLiteral("{\"amount\":2500}");
        e.beforeSummary = QStringLiteral("Paid 49.00 USD");
        e.afterSummary = QStringLiteral("Refund 25.00 USD");
        e.idempotencyKey = QStringLiteral("3f1c2d7e-0000-4000-8000-000000000001");
        e.result = QStringLiteral("refused: A support agent can refund up to 20.00 USD.");
        QVERIFY(db.thread().runBlocking([e](BillingDatabase &d) { return d.appendAudit(e); }).ok());
        OutboxOperation op;
        op.operation = QStringLiteral("customer.update");
        op.method = QStringLiteral("POST");
        op.path = QStringLiteral("/v1/customers/cus_1Outbox");
        op.params.insert(QStringLiteral("name"), QStringLiteral("New name"));
        op.actor = QStringLiteral("admin@demo.example");
        QVERIFY(outbox.enqueueBlocking(op).ok());

        m_window->attachOperations(&db, &outbox);
        QTRY_COMPARE(m_window->outboxBadge(), QStringLiteral("1"));

        m_window->showPane(MainWindow::Audit);
        AuditPage *audit = m_window->auditPage();
        QTRY_COMPARE(audit->model()->rowCount(), 1);
        audit->selectRow(0);
        QStringList texts;
        for (QLabel *l : audit->detailPanel()->findChildren<QLabel *>())
            texts << l->toolTip() + l->text();
        const QString all = texts.join(u'\n');
        QVERIFY2(all.contains(e.idempotencyKey), qPrintable(all));
        QVERIFY(all.contains(QStringLiteral("A support agent can refund up to 20.00 USD.")));
        QVERIFY(all.contains(QStringLiteral("2500")));
        QCOMPARE(audit->model()->index(0, AuditTableModel::Outcome).data().toString(), QStringLiteral("Refused"));
        // the filters are SQL filters: a different actor empties the list
        audit->actorFilter()->setText(QStringLiteral("admin@demo.example"));
        QTRY_COMPARE(audit->model()->rowCount(), 0);
        QTRY_VERIFY(audit->findChild<QLabel *>(QStringLiteral("EmptyState"))->isVisible());
        audit->actorFilter()->clear();
        QTRY_COMPARE(audit->model()->rowCount(), 1);
        const QString csv = dir.filePath(QStringLiteral("audit.csv"));
        QSignalSpy exported(audit, &AuditPage::exportFinished);
        audit->exportTo(csv);
        QTRY_COMPARE(exported.size(), 1);
        QVERIFY(exported.first().first().toBool());
        QVERIFY(QFileInfo(csv).size() > 100);

        m_window->showPane(MainWindow::Outbox);
        OutboxPage *page = m_window->outboxPage();
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QCOMPARE(page->model()->index(0, OutboxTableModel::Target).data().toString(), QStringLiteral("cus_1Outbox"));
        QVERIFY(page->retryButton()->isEnabled());
        saveScreenshotsOfOperations(*audit, *page);
    }

    void longDetailValuesStayInsideThePanel()
    {
        // Customer "Name (email)" in the Invoices/Dunning detail wraps or elides instead of being
        // cut at the edge; a short email in the Customers detail is shown whole.
        for (MainWindow::Pane pane : {MainWindow::Customers, MainWindow::Invoices, MainWindow::Dunning}) {
            m_window->showPane(pane);
            auto *page = static_cast<TablePage *>(m_window->paneWidget(pane));
            QTRY_VERIFY(page->model()->rowCount() > 0);
            page->selectRow(0);
            QTest::qWait(50);
            QWidget *panel = page->detailPanel();
            for (QLabel *l : panel->findChildren<QLabel *>()) {
                if (!l->isVisible() || l->text().isEmpty() || l->textFormat() == Qt::RichText)
                    continue;
                const QRect r(l->mapTo(panel, QPoint(0, 0)), l->size());
                QVERIFY2(r.right() <= panel->width(), qPrintable(QStringLiteral("%1: '%2' reaches %3 of %4")
                                                                     .arg(MainWindow::paneKey(pane), l->text())
                                                                     .arg(r.right())
                                                                     .arg(panel->width())));
                const int needed = l->fontMetrics().horizontalAdvance(l->text());
                if (!l->wordWrap())
                    QVERIFY2(needed <= l->contentsRect().width() + 1,
                             qPrintable(QStringLiteral("%1: '%2' needs %3, has %4").arg(MainWindow::paneKey(pane), l->text()).arg(needed).arg(l->contentsRect().width())));
                if (l->toolTip().contains(u'@') && l->toolTip() != l->text())
                    QVERIFY2(l->fontMetrics().horizontalAdvance(l->toolTip()) > l->contentsRect().width(),
                             qPrintable(QStringLiteral("elided without need: %1").arg(l->toolTip())));
            }
        }
    }

    void screenshotsOfEveryPane()
    {
        const Result<QStringList> files = saveScreenshots(*m_window, screenshotDir());
        QVERIFY2(files.ok(), files.ok() ? "" : qPrintable(files.error().userMessage));
        QCOMPARE(files->size(), int(MainWindow::PaneCount) + 1);
        for (const QString &f : files.value())
            QVERIFY2(QFileInfo(f).size() > 10000, qPrintable(f));
    }

private:
    void registerFakeDialogs()
    {
        for (int i = 0; i < int(Cap::Count); ++i) {
            const QString name = capabilityName(Cap(i));
            m_window->setDialogFactory(Cap(i), [name](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
                return new FakeCapabilityDialog(name, t, parent);
            });
        }
    }

    bool selectSubscription(const std::function<bool(const Subscription &)> &match)
    {
        TablePage *page = m_window->subscriptionsPage();
        if (!QTest::qWaitFor([page] { return page->model()->rowCount() > 0 && !page->model()->isLoading(); }, 5000))
            return false;
        const SubscriptionTableModel *m = m_window->subscriptionsPage()->subscriptions();
        for (int r = 0; r < m->rowCount(); ++r) {
            if (match(m->rowAt(r).subscription)) {
                page->selectRow(r);
                return page->selectedId() == m->rowAt(r).subscription.id;
            }
        }
        return false;
    }

    void saveScreenshotsOfOperations(AuditPage &audit, OutboxPage &outbox)
    {
        m_window->showPane(MainWindow::Audit);
        audit.selectRow(0);
        QTest::qWait(100);
        QVERIFY(m_window->grab().save(QDir(screenshotDir()).filePath(QStringLiteral("mainwindow-audit.png"))));
        m_window->showPane(MainWindow::Outbox);
        outbox.selectRow(0);
        QTest::qWait(100);
        QVERIFY(m_window->grab().save(QDir(screenshotDir()).filePath(QStringLiteral("mainwindow-outbox.png"))));
    }

    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
    std::unique_ptr<FakeUsageReader> m_usage;
    std::unique_ptr<FakeSyncControl> m_sync;
    QTemporaryDir m_dir;
    FakeSettingsStore m_store;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
