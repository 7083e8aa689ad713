// The alert centre, the budget dialog and the budget bar, driven as a person would (QTest events)
// over the real budget stack (SQLite billing database, cache file, outbox, runner); screenshots of
// each state go to screenshotDir().
#include "models/alerttablemodel.h"
#include "models/customertablemodel.h"
#include "services/budgets/budgetservice.h"
#include "tests/models/fakecachereader.h"
#include "tests/services/lifecycle/tst_cancelstack.h"
#include "ui/alertspage.h"
#include "ui/budgetbardelegate.h"
#include "ui/dialogs/budgetdialog.h"
#include "ui/theme.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_AlertsPage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<LifecycleStack> m_stack;
    std::unique_ptr<BudgetService> m_service;
    const QDateTime m_evaluatedAt = QDateTime(QDate(2026, 10, 28), QTime(12, 0), Qt::UTC);

    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/alertspage-%1.png").arg(name)));
    }

    static Customer customer(const QString &id, const QString &name, const QString &currency)
    {
        Customer c;
        c.id = id;
        c.name = name;
        c.email = id + QStringLiteral("@example.com");
        c.currency = currency;
        return c;
    }

    Status usage(const QString &customer, qint64 quantity, int day)
    {
        static int serial = 0;
        const UsageEvent e{QStringLiteral("ui_evt_%1").arg(++serial), customer, QStringLiteral("api_calls"), quantity,
                           QDateTime(QDate(2026, 10, day), QTime(9, 0), Qt::UTC)};
        Result<int> r = m_stack->billingDb->thread().runBlocking([e](BillingDatabase &db) { return db.recordUsageEvents({e}); });
        return r ? Status{} : Status(r.error());
    }

    Budget saveBudget(Budget b)
    {
        Result<Budget> saved = waitFor<Budget>([&](QObject *ctx, auto h) { m_service->save(b, ctx, h); });
        if (!saved)
            qWarning() << saved.error().userMessage;
        return saved.valueOr(Budget{});
    }

    static int visibleRows(AlertsPage &page) { return page.proxy()->rowCount(); }

    static bool reloadAndWait(AlertsPage &page)
    {
        QSignalSpy spy(&page, &AlertsPage::loaded);
        page.reload();
        return spy.wait(10000);
    }

    static QString cell(AlertsPage &page, int row, int column)
    {
        return page.proxy()->index(row, column).data().toString();
    }

    static int rowWhere(AlertsPage &page, int column, const QString &text)
    {
        for (int r = 0; r < page.proxy()->rowCount(); ++r) {
            if (cell(page, r, column).contains(text))
                return r;
        }
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        qApp->setStyleSheet(Theme::styleSheet());
        m_stack = std::make_unique<LifecycleStack>(m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing.db"))),
                                                   actorWith(StaffRole::Finance));
        QVERIFY2(m_stack->error.isEmpty(), qPrintable(m_stack->error));
        m_service = std::make_unique<BudgetService>(m_stack->billingDb.get(), m_stack->cache.get(), m_stack->runner.get());

        // Three customers in the cache, one with a USD invoice this month.
        QVERIFY(m_stack->cache->thread().runBlocking([](LocalCache &c) {
            Invoice inv;
            inv.id = QStringLiteral("in_ui_1");
            inv.customerId = QStringLiteral("cus_ui_initech");
            inv.status = QStringLiteral("paid");
            inv.currency = QStringLiteral("usd");
            inv.totalMinor = 42500;
            inv.subtotalMinor = 42500;
            inv.amountPaidMinor = 42500;
            inv.created = QDateTime(QDate(2026, 10, 2), QTime(8, 0), Qt::UTC);
            Status s = c.upsertCustomers({customer(QStringLiteral("cus_ui_acme"), QStringLiteral("Acme Robotics"), QStringLiteral("usd")),
                                          customer(QStringLiteral("cus_ui_globex"), QStringLiteral("Globex Analytics"), QStringLiteral("eur")),
                                          customer(QStringLiteral("cus_ui_initech"), QStringLiteral("Initech"), QStringLiteral("usd"))});
            return s ? c.upsertInvoices({inv}) : s;
        }));

        Budget acme;
        acme.customerId = QStringLiteral("cus_ui_acme");
        acme.unit = BudgetUnit::Units;
        acme.meter = QStringLiteral("api_calls");
        acme.limit = 1000;
        acme.action = LimitAction::Flag;
        QVERIFY(saveBudget(acme).id > 0);
        Budget globex = acme;
        globex.customerId = QStringLiteral("cus_ui_globex");
        globex.limit = 5000;
        globex.action = LimitAction::Notify;
        QVERIFY(saveBudget(globex).id > 0);
        Budget initech;
        initech.customerId = QStringLiteral("cus_ui_initech");
        initech.unit = BudgetUnit::Money;
        initech.currency = QStringLiteral("usd");
        initech.limit = 50000; // 500.00
        QVERIFY(saveBudget(initech).id > 0);

        QVERIFY(usage(QStringLiteral("cus_ui_acme"), 1100, 12));
        for (int day = 1; day <= 27; ++day)
            QVERIFY(usage(QStringLiteral("cus_ui_globex"), 170, day)); // 4590 by the 28th: heading over 5000
        Result<BudgetEvaluationReport> r =
            waitFor<BudgetEvaluationReport>([&](QObject *ctx, auto h) { m_service->evaluate(m_evaluatedAt, ctx, h); });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().detail));
        // Acme: 50, 80, 100 (flagged); Globex: 50, 80 + early warning; Initech: 425.00 of 500.00: 50, 80.
        QCOMPARE(r->newAlerts.size(), 8);
    }

    void listsAlertsWithSpendAndActionTaken()
    {
        AlertsPage page;
        page.resize(1180, 640);
        page.attach(m_service.get());
        page.show();
        QVERIFY(reloadAndWait(page));
        QCOMPARE(visibleRows(page), 8);
        QTRY_COMPARE(rowWhere(page, AlertTableModel::Customer, QStringLiteral("Acme Robotics")) >= 0, true);
        const int flagged = rowWhere(page, AlertTableModel::Action, QStringLiteral("account flagged"));
        QVERIFY(flagged >= 0);
        QCOMPARE(cell(page, flagged, AlertTableModel::Alert), QStringLiteral("100% of budget"));
        QCOMPARE(cell(page, flagged, AlertTableModel::Spend), QStringLiteral("1,100 of 1,000 api_calls"));
        QCOMPARE(cell(page, flagged, AlertTableModel::Used), QStringLiteral("110%"));
        const int money = rowWhere(page, AlertTableModel::Customer, QStringLiteral("Initech"));
        QVERIFY(money >= 0);
        QVERIFY2(cell(page, money, AlertTableModel::Spend).contains(QStringLiteral("425.00 of $500.00")),
                 qPrintable(cell(page, money, AlertTableModel::Spend)));
        const int warning = rowWhere(page, AlertTableModel::Alert, QStringLiteral("Forecast over budget"));
        QVERIFY(warning >= 0);
        // The projection: 4,590 by 28 October heading for more than 5,000 by the 31st.
        const qint64 projected = page.proxy()->index(warning, AlertTableModel::Spend).data(AlertTableModel::RawRole).toLongLong();
        QVERIFY2(projected > 5000 && projected < 5400, qPrintable(QString::number(projected)));
        QVERIFY(cell(page, warning, AlertTableModel::Spend).endsWith(QStringLiteral(" of 5,000 api_calls")));
        QCOMPARE(cell(page, warning, AlertTableModel::Action), QStringLiteral("early warning"));

        page.selectRow(flagged);
        QVERIFY(page.acknowledgeButton()->isEnabled());
        auto *detail = page.detailPanel();
        QTRY_VERIFY(detail->findChildren<QLabel *>().size() > 4);
        bool sawMeasure = false;
        for (QLabel *l : detail->findChildren<QLabel *>())
            sawMeasure = sawMeasure || l->text().contains(QStringLiteral("usage rollups"));
        QVERIFY(sawMeasure);
        shoot(&page, QStringLiteral("open"));
    }

    void filtersByKindAndSearch()
    {
        AlertsPage page;
        page.resize(1180, 640);
        page.attach(m_service.get());
        page.show();
        QVERIFY(reloadAndWait(page));
        QComboBox *kind = page.kindFilter();
        kind->setCurrentIndex(kind->findData(QStringLiteral("forecast")));
        QCOMPARE(visibleRows(page), 1);
        kind->setCurrentIndex(kind->findData(QStringLiteral("action")));
        QCOMPARE(visibleRows(page), 1);
        QVERIFY(cell(page, 0, AlertTableModel::Action).contains(QStringLiteral("flagged")));
        kind->setCurrentIndex(0);
        QTRY_COMPARE(rowWhere(page, AlertTableModel::Customer, QStringLiteral("Globex")) >= 0, true);
        QTest::keyClicks(page.searchBox(), QStringLiteral("globex"));
        QCOMPARE(visibleRows(page), 3);
        shoot(&page, QStringLiteral("filtered"));
        QTest::keyClicks(page.searchBox(), QStringLiteral("-nobody"));
        QCOMPARE(visibleRows(page), 0);
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("EmptyState"))->isVisible());
        shoot(&page, QStringLiteral("no-match"));
    }

    void acknowledgeAndSnoozeLeaveTheOpenList()
    {
        AlertsPage page;
        page.resize(1180, 640);
        page.attach(m_service.get());
        page.show();
        QVERIFY(reloadAndWait(page));
        const int before = visibleRows(page);
        const int initech = rowWhere(page, AlertTableModel::Customer, QStringLiteral("cus_ui_initech")) >= 0
                                ? rowWhere(page, AlertTableModel::Customer, QStringLiteral("cus_ui_initech"))
                                : rowWhere(page, AlertTableModel::Customer, QStringLiteral("Initech"));
        QVERIFY(initech >= 0);
        page.selectRow(initech);
        const qint64 acknowledged = page.selectedId();
        QSignalSpy reloaded(&page, &AlertsPage::loaded);
        QTest::mouseClick(page.acknowledgeButton(), Qt::LeftButton);
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(visibleRows(page), before - 1);
        QCOMPARE(page.model()->rowOfId(acknowledged), -1);

        // Snooze another one for a week from the button's menu.
        page.selectRow(0);
        const qint64 snoozed = page.selectedId();
        QMenu *menu = page.snoozeButton()->menu();
        QVERIFY(menu);
        QAction *week = nullptr;
        for (QAction *a : menu->actions()) {
            if (a->text() == QStringLiteral("For a week"))
                week = a;
        }
        QVERIFY(week);
        week->trigger();
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(visibleRows(page), before - 2);
        QCOMPARE(page.model()->rowOfId(snoozed), -1);
        QVERIFY(page.messageLabel()->text().contains(QStringLiteral("snoozed until")));
        shoot(&page, QStringLiteral("after-acknowledge-and-snooze"));

        // Shown again with their state when asked for everything.
        QTest::mouseClick(page.showAllBox(), Qt::LeftButton, {}, QPoint(4, page.showAllBox()->height() / 2));
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(visibleRows(page), before);
        const int ackRow = page.proxy()->mapFromSource(page.model()->index(page.model()->rowOfId(acknowledged), 0)).row();
        QCOMPARE(cell(page, ackRow, AlertTableModel::State), QStringLiteral("Acknowledged"));
        const int snoozeRow = page.proxy()->mapFromSource(page.model()->index(page.model()->rowOfId(snoozed), 0)).row();
        QVERIFY(cell(page, snoozeRow, AlertTableModel::State).startsWith(QStringLiteral("Snoozed to")));
        // Still snoozed for anyone looking a day later; back once the week has passed.
        page.setNow(QDateTime::currentDateTimeUtc().addDays(1));
        QTest::mouseClick(page.showAllBox(), Qt::LeftButton, {}, QPoint(4, page.showAllBox()->height() / 2));
        QVERIFY(reloaded.wait(10000));
        QCOMPARE(page.model()->rowOfId(snoozed), -1);
        page.setNow(QDateTime::currentDateTimeUtc().addDays(8));
        page.reload();
        QVERIFY(reloaded.wait(10000));
        QVERIFY(page.model()->rowOfId(snoozed) >= 0);
        QCOMPARE(page.model()->rowOfId(acknowledged), -1);
        page.setNow({});
        QTest::mouseClick(page.showAllBox(), Qt::LeftButton, {}, QPoint(4, page.showAllBox()->height() / 2));
        QVERIFY(reloaded.wait(10000));
        shoot(&page, QStringLiteral("all-states"));
        QTest::mouseClick(page.showAllBox(), Qt::LeftButton, {}, QPoint(4, page.showAllBox()->height() / 2));
        QVERIFY(reloaded.wait(10000));
    }

    void exportsTheFilteredRowsAsCsv()
    {
        AlertsPage page;
        page.attach(m_service.get());
        QVERIFY(reloadAndWait(page));
        QTRY_COMPARE(rowWhere(page, AlertTableModel::Customer, QStringLiteral("Globex")) >= 0, true);
        QTest::keyClicks(page.searchBox(), QStringLiteral("Globex"));
        const int rows = visibleRows(page);
        QVERIFY(rows > 0);
        const QString path = m_dir.filePath(QStringLiteral("alerts.csv"));
        QSignalSpy done(&page, &AlertsPage::exported);
        page.exportCsvTo(path);
        QVERIFY(done.wait(10000));
        QVERIFY(done.first().at(1).toBool());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines.first().left(22), QByteArray("alert_id,triggered_at,"));
        QCOMPARE(int(lines.size()), rows + 2); // header, rows, the empty piece after the last CRLF
        QVERIFY(lines.at(1).contains("cus_ui_globex,Globex Analytics"));
    }

    void budgetDialogRefusesBadBudgetsAndSavesGoodOnes()
    {
        const Customer c = customer(QStringLiteral("cus_ui_acme"), QStringLiteral("Acme Robotics"), QStringLiteral("usd"));
        BudgetDialog dialog(m_service.get(), c, std::nullopt);
        QSignalSpy idle(&dialog, &BudgetDialog::idle);
        dialog.show();
        QVERIFY(idle.wait(10000)); // existing budgets loaded
        QCOMPARE(dialog.budgets().size(), 1);
        // Start a new money budget.
        dialog.budgetPicker()->setCurrentIndex(0);
        dialog.unitBox()->setCurrentIndex(dialog.unitBox()->findData(QStringLiteral("usd")));
        auto type = [](QLineEdit *edit, const QString &text) {
            edit->setFocus();
            edit->selectAll();
            QTest::keyClick(edit, Qt::Key_Backspace);
            QTest::keyClicks(edit, text);
        };
        type(dialog.limitEdit(), QStringLiteral("0"));
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QVERIFY(dialog.messageLabel()->isVisible());
        QVERIFY2(dialog.messageLabel()->text().contains(QStringLiteral("zero")), qPrintable(dialog.messageLabel()->text()));
        shoot(&dialog, QStringLiteral("budgetdialog-zero"));

        type(dialog.limitEdit(), QStringLiteral("250.00"));
        type(dialog.thresholdsEdit(), QStringLiteral("80, 50, 100"));
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("go up")));
        type(dialog.thresholdsEdit(), QStringLiteral("50, 90, 250"));
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("out of bounds")));
        QCOMPARE(waitFor<QList<Budget>>([&](QObject *ctx, auto h) { m_service->budgets(c.id, ctx, h); })->size(), 1);

        type(dialog.thresholdsEdit(), QStringLiteral("50, 90, 100"));
        dialog.actionBox()->setCurrentIndex(dialog.actionBox()->findData(QStringLiteral("pause")));
        QSignalSpy saved(&dialog, &BudgetDialog::saved);
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QVERIFY(saved.wait(10000));
        const Budget b = saved.first().first().value<Budget>();
        QCOMPARE(b.limit, qint64(25000));
        QCOMPARE(b.currency, QStringLiteral("usd"));
        QCOMPARE(b.thresholds, (QList<int>{50, 90, 100}));
        QCOMPARE(b.action, LimitAction::Pause);
        QTRY_COMPARE(dialog.budgets().size(), 2);
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("saved")));
        shoot(&dialog, QStringLiteral("budgetdialog-saved"));

        // Archive it again: back to one active budget.
        QVERIFY(dialog.archiveButton()->isVisible());
        idle.clear();
        QTest::mouseClick(dialog.archiveButton(), Qt::LeftButton);
        QVERIFY(idle.wait(10000));
        QCOMPARE(dialog.budgets().size(), 1);
    }

    void customerRowShowsBudgetUseAsABar()
    {
        FakeCacheReader reader;
        reader.customerRows = {customer(QStringLiteral("cus_a"), QStringLiteral("No budget Ltd"), QStringLiteral("usd")),
                               customer(QStringLiteral("cus_b"), QStringLiteral("Calm Corp"), QStringLiteral("usd")),
                               customer(QStringLiteral("cus_c"), QStringLiteral("Busy Inc"), QStringLiteral("usd")),
                               customer(QStringLiteral("cus_d"), QStringLiteral("Over Budget GmbH"), QStringLiteral("eur"))};
        CustomerTableModel model(&reader);
        model.reload();
        QTRY_COMPARE(model.rowCount(), 4);
        QHash<QString, CustomerTableModel::BudgetUse> use;
        // cus_b's "flag" budget flagged the account: the label starts with the flag (app/budgetswiring.cpp).
        use.insert(QStringLiteral("cus_b"), {320, QStringLiteral("⚑ Flagged · 32%"), QStringLiteral("Account flagged: its monthly budget was reached.")});
        use.insert(QStringLiteral("cus_c"), {850, QStringLiteral("85%"), QStringLiteral("$425.00 of $500.00")});
        use.insert(QStringLiteral("cus_d"), {1240, QStringLiteral("124%"), QStringLiteral("€620.00 of €500.00")});
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setBudgetUse(use);
        QCOMPARE(changed.size(), 1);
        auto rowOf = [&](const QString &id) {
            for (int r = 0; r < model.rowCount(); ++r) {
                if (model.rowId(r) == id)
                    return r;
            }
            return -1;
        };
        QCOMPARE(model.index(rowOf(QStringLiteral("cus_c")), CustomerTableModel::Budget).data(PagedTableModel::RawRole).toInt(), 850);
        QCOMPARE(model.index(rowOf(QStringLiteral("cus_a")), CustomerTableModel::Budget).data(PagedTableModel::RawRole).toInt(), -1);
        QCOMPARE(model.headerData(CustomerTableModel::Budget, Qt::Horizontal).toString(), QStringLiteral("Budget"));

        QCOMPARE(BudgetBarDelegate::colorFor(320), QColor(0x16, 0xa3, 0x4a));
        QCOMPARE(BudgetBarDelegate::colorFor(800), QColor(0xd9, 0x77, 0x06));
        QCOMPARE(BudgetBarDelegate::colorFor(1000), QColor(0xdc, 0x26, 0x26));

        QTableView view;
        view.setModel(&model);
        view.setItemDelegateForColumn(CustomerTableModel::Budget, new BudgetBarDelegate(PagedTableModel::RawRole, &view));
        for (int c = 0; c < CustomerTableModel::ColumnCount; ++c)
            view.setColumnHidden(c, c != CustomerTableModel::Name && c != CustomerTableModel::Budget);
        view.setColumnWidth(CustomerTableModel::Name, 200);
        view.setColumnWidth(CustomerTableModel::Budget, 170);
        view.verticalHeader()->hide();
        view.verticalHeader()->setDefaultSectionSize(34);
        view.resize(400, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage shot = view.grab().toImage();
        // The 124% row paints red in its bar, the 85% row amber, the empty one nothing coloured.
        auto hasColor = [&](int row, const QColor &color) {
            const QRect r = view.visualRect(model.index(row, CustomerTableModel::Budget));
            for (int x = r.left(); x < r.right(); ++x) {
                if (shot.pixelColor(x + view.viewport()->x(), r.center().y() + view.viewport()->y()) == color)
                    return true;
            }
            return false;
        };
        QVERIFY(hasColor(rowOf(QStringLiteral("cus_d")), BudgetBarDelegate::colorFor(1240)));
        QVERIFY(hasColor(rowOf(QStringLiteral("cus_c")), BudgetBarDelegate::colorFor(850)));
        QVERIFY(!hasColor(rowOf(QStringLiteral("cus_a")), BudgetBarDelegate::colorFor(100)));
        // The flagged account shows a red flag before its (green) bar; the others none.
        auto hasColorAnywhere = [&](int row, const QColor &color) {
            const QRect r = view.visualRect(model.index(row, CustomerTableModel::Budget)).translated(view.viewport()->pos());
            for (int y = r.top(); y <= r.bottom(); ++y) {
                for (int x = r.left(); x < r.left() + 40; ++x) {
                    if (shot.pixelColor(x, y) == color)
                        return true;
                }
            }
            return false;
        };
        const QColor flagRed(0xdc, 0x26, 0x26);
        QVERIFY(hasColorAnywhere(rowOf(QStringLiteral("cus_b")), flagRed));
        QVERIFY(hasColor(rowOf(QStringLiteral("cus_b")), BudgetBarDelegate::colorFor(320)));
        QVERIFY(!hasColorAnywhere(rowOf(QStringLiteral("cus_c")), flagRed));
        QVERIFY(shot.save(screenshotDir() + QStringLiteral("/alertspage-customer-budget-bars.png")));
    }
};

QTEST_MAIN(tst_AlertsPage)
#include "tst_alertspage.moc"
