#include "app/analyticswiring.h"

#include "app/workspacesession.h"
#include "services/analytics/analyticsservice.h"
#include "ui/analyticspage.h"
#include "ui/dialogs/fxratedialog.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QMenu>
#include <QPointer>

namespace Billing {

void wireAnalytics(MainWindow &window, WorkspaceSession &session)
{
    auto *service = new AnalyticsService(session.cache(), &session.billingDatabase(), &window);
    auto *page = new AnalyticsPage(service, &window);
    window.addPane(QStringLiteral("analytics"), QObject::tr("Analytics"), page, [page] { page->refresh(); });

    QMenu *menu = window.menuNamed(QStringLiteral("reports"));
    if (!menu)
        menu = window.menuNamed(QStringLiteral("actions"));
    if (!menu)
        return;
    QAction *fx = menu->addAction(QObject::tr("FX rates\u2026"));
    fx->setObjectName(QStringLiteral("fxRatesAction"));
    fx->setToolTip(QObject::tr("The dated exchange rates of the reporting-currency views (finance enters or imports them)"));
    QPointer<AnalyticsPage> guard(page);
    QObject::connect(fx, &QAction::triggered, &window, [&window, &session, guard] {
        auto *dialog = new FxRateDialog(session.billingDatabase(), session.actor(), &window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &QDialog::finished, &window, [guard] {
            if (guard && guard->isVisible())
                guard->refresh();
        });
        dialog->open();
    });
}

} // namespace Billing
