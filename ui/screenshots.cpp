#include "ui/screenshots.h"

#include "models/pagedtablemodel.h"
#include "models/usageseriesmodel.h"
#include "models/audittablemodel.h"
#include "models/outboxtablemodel.h"
#include "ui/auditpage.h"
#include "ui/customerspage.h"
#include "ui/dunningpage.h"
#include "ui/invoicespage.h"
#include "ui/mainwindow.h"
#include "ui/outboxpage.h"
#include "ui/settingsdialog.h"
#include "ui/subscriptionspage.h"
#include "ui/usagepage.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QPixmap>
#include <QThread>

namespace Billing {

namespace {
void spin(const std::function<bool()> &done, int ms)
{
    QDeadlineTimer deadline(ms);
    while (!done() && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
}

void settle(int ms)
{
    spin([] { return false; }, ms);
}

TablePage *tablePage(MainWindow &w, MainWindow::Pane pane)
{
    switch (pane) {
    case MainWindow::Customers: return w.customersPage();
    case MainWindow::Subscriptions: return w.subscriptionsPage();
    case MainWindow::Invoices: return w.invoicesPage();
    case MainWindow::Dunning: return w.dunningPage();
    default: return nullptr;
    }
}
} // namespace

Result<QStringList> saveScreenshots(MainWindow &window, const QString &dir)
{
    if (!QDir().mkpath(dir))
        return Error::make(Error::Kind::Validation, QCoreApplication::translate("Billing", "Cannot create the folder %1.").arg(dir));
    if (!window.isVisible())
        window.show();
    QStringList written;
    for (int i = 0; i < MainWindow::PaneCount; ++i) {
        const auto pane = MainWindow::Pane(i);
        window.showPane(pane);
        if (TablePage *page = tablePage(window, pane)) {
            spin([page] { return page->model()->hasLoadedOnce() && !page->model()->isLoading(); }, 5000);
            if (page->model()->rowCount() > 0 && page->selectedId().isEmpty())
                page->selectRow(0);
        } else if (pane == MainWindow::Audit) {
            AuditPage *audit = window.auditPage();
            spin([audit] { return !audit->model()->database() || (audit->model()->hasLoadedOnce() && !audit->model()->isLoading()); }, 5000);
            if (audit->model()->rowCount() > 0 && audit->selectedId() == 0)
                audit->selectRow(0);
        } else if (pane == MainWindow::Outbox) {
            OutboxPage *outbox = window.outboxPage();
            spin([outbox] { return !outbox->model()->service() || outbox->model()->hasLoadedOnce(); }, 5000);
            if (outbox->model()->rowCount() > 0 && outbox->selectedId() == 0)
                outbox->selectRow(0);
        } else {
            UsagePage *usage = window.usagePage();
            spin([usage] { return usage->isReady(); }, 5000);
        }
        settle(250); // detail lines, footers, layout
        const QString file = QDir(dir).filePath(MainWindow::paneKey(pane) + QStringLiteral(".png"));
        if (!window.grab().save(file))
            return Error::make(Error::Kind::Validation, QCoreApplication::translate("Billing", "Cannot write %1.").arg(file));
        written << file;
    }
    // Panes the capabilities added (catalog, alerts, analytics, ...): they load on first show.
    for (int row = MainWindow::PaneCount; row < window.paneCountAll(); ++row) {
        window.showPaneAt(row);
        settle(1200);
        const QString file = QDir(dir).filePath(window.paneKeyAt(row) + QStringLiteral(".png"));
        if (!window.grab().save(file))
            return Error::make(Error::Kind::Validation, QCoreApplication::translate("Billing", "Cannot write %1.").arg(file));
        written << file;
    }
    std::unique_ptr<SettingsDialog> dialog(window.createSettingsDialog());
    dialog->show();
    settle(150);
    const QString file = QDir(dir).filePath(QStringLiteral("settings.png"));
    if (!dialog->grab().save(file))
        return Error::make(Error::Kind::Validation, QCoreApplication::translate("Billing", "Cannot write %1.").arg(file));
    written << file;
    dialog->close();
    return written;
}

} // namespace Billing
