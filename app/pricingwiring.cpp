#include "app/pricingwiring.h"

#include "app/workspacesession.h"
#include "services/pricing/catalogservice.h"
#include "services/pricing/custompricingservice.h"
#include "services/storage/asynclocalcache.h"
#include "ui/catalogpage.h"
#include "ui/dialogs/custompriceapprovalsdialog.h"
#include "ui/dialogs/custompricedialog.h"
#include "ui/dialogs/pricecalculatordialog.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QMenu>
#include <QPointer>

#include <memory>

namespace Billing {

void wirePricing(MainWindow &window, WorkspaceSession &session)
{
    auto *catalog = new CatalogService(&session.stripe(), &session.cache(), &window);
    auto *custom = new CustomPricingService(&session.runner(), &session.billingDatabase(), &window);
    // The latest catalog snapshot for the dialogs (they open at once, without waiting on disk).
    auto snapshot = std::make_shared<CatalogService::Catalog>();
    auto reload = [catalog, snapshot, &window] {
        catalog->load(&window, [snapshot](Result<CatalogService::Catalog> c) {
            if (c)
                *snapshot = *c;
        });
    };
    QObject::connect(catalog, &CatalogService::catalogChanged, &window, reload);
    reload();

    auto *page = new CatalogPage(catalog, &window);
    QPointer<CatalogPage> guard(page);
    QPointer<MainWindow> win(&window);
    page->setCalculatorOpener([snapshot, win, &session](const QString &priceId, const QString &currency) {
        if (!win)
            return;
        auto *dialog = new PriceCalculatorDialog(snapshot->products, snapshot->prices, win);
        dialog->setPreparedBy(session.actor().displayName);
        dialog->selectPrice(priceId, currency);
        win->presentDialog(dialog);
    });
    auto shown = std::make_shared<bool>(false);
    window.addPane(QStringLiteral("catalog"), QObject::tr("Catalog"), page, [guard, shown] {
        *shown = true;
        if (guard)
            guard->load();
    });
    // Sync or an operation changed prices or products in the cache: reload the snapshot and the pane.
    QObject::connect(&session.cache(), &CacheReader::changed, &window, [reload, guard, shown](const QString &type, const QStringList &) {
        if (type != QLatin1String("price") && type != QLatin1String("product") && type != QLatin1String("plan"))
            return;
        reload();
        if (guard && *shown)
            guard->load();
    });

    MainWindow::RowAction negotiate;
    negotiate.name = QStringLiteral("CustomPriceAction");
    negotiate.text = QObject::tr("Negotiated price…");
    negotiate.shortcut = QKeySequence(QStringLiteral("Ctrl+Shift+N"));
    negotiate.toolTip = QObject::tr("A dedicated price or ramp for this customer; large discounts need finance's approval");
    // Support may ask for a custom price (it then waits for approval); read-only profiles may not.
    negotiate.permission = Permission::ChangePlan;
    negotiate.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    negotiate.appliesTo = [](const MainWindow::ActionTarget &t) { return !t.customerId.isEmpty(); };
    negotiate.open = [custom, snapshot](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        Customer customer;
        if (t.customer)
            customer = *t.customer;
        customer.id = t.customerId;
        QString subscriptionId;
        if (t.subscription) {
            subscriptionId = t.subscription->subscription.id;
            if (customer.name.isEmpty())
                customer.name = t.subscription->customerName;
            if (customer.currency.isEmpty())
                customer.currency = t.subscription->subscription.currency;
        }
        return new CustomPriceDialog(custom, customer, subscriptionId, snapshot->products, snapshot->prices, parent);
    };
    window.addRowAction(negotiate);

    MainWindow::RowAction calculator;
    calculator.name = QStringLiteral("PriceCalculatorAction");
    calculator.text = QObject::tr("Price calculator…");
    calculator.toolTip = QObject::tr("What a price charges for a quantity, in the customer's currency; export a quote");
    calculator.permission = Permission::ViewData;
    calculator.panes = {MainWindow::Customers, MainWindow::Subscriptions};
    calculator.open = [snapshot, &session](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        auto *dialog = new PriceCalculatorDialog(snapshot->products, snapshot->prices, parent);
        QString currency = t.customer ? t.customer->currency : QString();
        QString name = t.customer ? t.customer->name : QString();
        if (t.subscription) {
            if (currency.isEmpty())
                currency = t.subscription->subscription.currency;
            if (name.isEmpty())
                name = t.subscription->customerName;
        }
        dialog->setCustomer(name, currency);
        dialog->setPreparedBy(session.actor().displayName);
        return dialog;
    };
    window.addRowAction(calculator);

    if (QMenu *actions = window.menuNamed(QStringLiteral("actions"))) {
        QAction *approvals = actions->addAction(QObject::tr("Custom price approvals…"));
        approvals->setObjectName(QStringLiteral("CustomPriceApprovalsAction"));
        approvals->setVisible(AccessPolicy::allows(session.actor().role, Permission::ApproveCustomPricing));
        QObject::connect(approvals, &QAction::triggered, &window, [custom, win] {
            if (win)
                win->presentDialog(new CustomPriceApprovalsDialog(custom, win));
        });
    }
}

} // namespace Billing
