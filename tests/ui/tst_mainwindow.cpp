#include "models/customertablemodel.h"
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

    void screenshotsOfEveryPane()
    {
        const Result<QStringList> files = saveScreenshots(*m_window, screenshotDir());
        QVERIFY2(files.ok(), files.ok() ? "" : qPrintable(files.error().userMessage));
        QCOMPARE(files->size(), int(MainWindow::PaneCount) + 1);
        for (const QString &f : files.value())
            QVERIFY2(QFileInfo(f).size() > 10000, qPrintable(f));
    }

private:
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
