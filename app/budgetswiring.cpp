#include "app/budgetswiring.h"

#include "app/workspacesession.h"
#include "models/customertablemodel.h"
#include "models/formatting.h"
#include "services/budgets/budgetservice.h"
#include "services/operations/operationrunner.h"
#include "ui/alertspage.h"
#include "ui/budgetbardelegate.h"
#include "ui/customerspage.h"
#include "ui/dialogs/budgetdialog.h"
#include "ui/mainwindow.h"
#include "ui/usagepage.h"

#include <QHeaderView>
#include <QLocale>
#include <QPointer>
#include <QTableView>
#include <QTimer>

namespace Billing {

namespace {

QString useLabel(const BudgetStatus &st, const QLocale &locale)
{
    const Budget &b = st.budget;
    const QString limit = b.unit == BudgetUnit::Money ? Format::money(b.limit, b.currency, locale)
                                                      : QStringLiteral("%1 %2").arg(locale.toString(b.limit), b.meter);
    const QString spent = b.unit == BudgetUnit::Money ? Format::money(st.spend.spend, b.currency, locale)
                                                      : locale.toString(st.spend.spend);
    return QObject::tr("%1 of %2 this month (%3%)").arg(spent, limit, locale.toString(st.permille / 10));
}

} // namespace

void wireBudgets(MainWindow &window, WorkspaceSession &session)
{
    auto *service = new BudgetService(&session.billingDatabase(), &session.cache(), &session.runner(), &window);
    service->setStripe(&session.stripe());

    // The alert centre.
    auto *page = new AlertsPage(&window);
    page->attach(service);
    QPointer<AlertsPage> pageGuard(page);
    window.addPane(QStringLiteral("alerts"), QObject::tr("Alerts"), page, [pageGuard] {
        if (pageGuard)
            pageGuard->reload();
    });

    // The customer row: budget use as a bar.
    QPointer<CustomersPage> customers = window.customersPage();
    if (customers) {
        customers->view()->setItemDelegateForColumn(
            CustomerTableModel::Budget, new BudgetBarDelegate(PagedTableModel::RawRole, customers->view()));
        customers->view()->horizontalHeader()->resizeSection(CustomerTableModel::Budget, 150);
    }
    QObject::connect(service, &BudgetService::evaluated, &window, [service, customers] {
        if (!customers)
            return;
        QHash<QString, CustomerTableModel::BudgetUse> use;
        const QLocale locale = customers->locale();
        const auto byCustomer = service->statusByCustomer();
        for (auto it = byCustomer.cbegin(); it != byCustomer.cend(); ++it) {
            CustomerTableModel::BudgetUse u;
            u.permille = it->spend.problem.isEmpty() ? it->permille : -1;
            u.label = it->spend.problem.isEmpty() ? QStringLiteral("%1%").arg(locale.toString(it->permille / 10))
                                                  : QObject::tr("not measured");
            u.toolTip = it->spend.problem.isEmpty() ? useLabel(*it, locale) : it->spend.problem;
            if (it->flagged) {
                // "Flag the account": visible on the customer's row, whatever else it shows.
                u.label = QObject::tr("⚑ Flagged · %1").arg(u.label);
                u.toolTip = QObject::tr("Account flagged: its monthly budget was reached.\n%1").arg(u.toolTip);
            }
            if (it->overCap > 0)
                u.toolTip += QObject::tr("\nCapped: %1 %2 over the cap this month, kept but not billable.")
                                 .arg(locale.toString(it->overCap), it->budget.meter);
            use.insert(it.key(), u);
        }
        customers->customers()->setBudgetUse(use);
    });
    // "Cap": the usage pane leaves usage over a cap out of the implied cost and flags it.
    QPointer<UsagePage> usage = window.usagePage();
    QObject::connect(service, &BudgetService::evaluated, &window, [service, usage] {
        if (usage)
            usage->setUsageCaps(service->usageCaps());
    });

    // Evaluated on every refresh: shortly after start-up, then after the cache or usage changed.
    auto *debounce = new QTimer(&window);
    debounce->setSingleShot(true);
    debounce->setInterval(2000);
    QObject::connect(debounce, &QTimer::timeout, service, [service, &window] {
        service->evaluate(QDateTime::currentDateTimeUtc(), &window, [](Result<BudgetEvaluationReport>) {});
    });
    QObject::connect(&session.cache(), &CacheReader::changed, debounce, [debounce] { debounce->start(); });
    QObject::connect(&session.billingDatabase(), &UsageReader::usageChanged, debounce, [debounce] { debounce->start(); });
    QObject::connect(service, &BudgetService::budgetsChanged, debounce, [debounce] { debounce->start(); });
    debounce->start();

    // "Budget…" on the selected customer.
    MainWindow::RowAction action;
    action.name = QStringLiteral("BudgetAction");
    action.text = QObject::tr("Budget…");
    action.shortcut = QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B);
    action.toolTip = QObject::tr("Set the customer's monthly budget, alert thresholds and what happens at the limit");
    action.permission = Permission::ManageBudgets;
    action.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    action.appliesTo = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty(); };
    action.open = [service](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        Customer c = t.customer.value_or(Customer{});
        if (c.id.isEmpty()) {
            c.id = t.customerId;
            if (t.subscription) {
                c.name = t.subscription->customerName;
                c.email = t.subscription->customerEmail;
                c.currency = t.subscription->subscription.currency;
            }
        }
        return new BudgetDialog(service, c, t.subscription, parent);
    };
    window.addRowAction(action);
}

} // namespace Billing
