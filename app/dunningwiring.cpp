#include "app/dunningwiring.h"

#include "app/workspacesession.h"
#include "models/dunningtablemodel.h"
#include "services/dunning/dunningrunner.h"
#include "services/dunning/recoveryservice.h"
#include "services/invoices/portalsessionservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/sync/syncservice.h"
#include "ui/dialogs/dunningrulesdialog.h"
#include "ui/dialogs/recoverydialog.h"
#include "ui/dialogs/recoverymetricsdialog.h"
#include "ui/dunningpage.h"
#include "ui/mainwindow.h"

#include <QAction>
#include <QStatusBar>
#include <QTimer>

namespace Billing {

void wireDunning(MainWindow &window, WorkspaceSession &session)
{
    auto *recovery = new RecoveryService(&session.runner(), &session.billingDatabase(), &session.cache(), &window);
    auto *runner = new DunningRunner(&session.cache(), &session.billingDatabase(), &session.runner(), &window);
    auto *portal = new PortalSessionService(&session.stripe(), &session.billingDatabase(), &window);
    portal->setActor(session.actor().email);
    portal->loadReturnUrl(&window);
    AsyncBillingDatabase *db = &session.billingDatabase();
    AsyncLocalCache *cache = &session.cache();
    DunningPage *page = window.dunningPage();
    MainWindow *w = &window;

    page->setOverlayLoader([db](QObject *context, std::function<void(QHash<QString, DunningOverlay>)> done) {
        db->thread().run(context, [](BillingDatabase &d) { return DunningRepository(d).overlay(); },
                         [done](Result<QHash<QString, DunningOverlay>> o) {
            if (o)
                done(o.value());
        });
    });
    page->setZoneLoader([cache](QObject *context, QStringList ids, std::function<void(QHash<QString, CustomerTimeZone>)> done) {
        cache->thread().run(context, [ids](LocalCache &c) -> Result<QHash<QString, CustomerTimeZone>> {
            QHash<QString, CustomerTimeZone> zones;
            for (const QString &id : ids) {
                Result<Customer> customer = c.customer(id);
                if (customer)
                    zones.insert(id, CustomerTimeZones::forCustomer(customer.value()));
                else if (customer.error().kind != Error::Kind::NotFound)
                    return customer.error();
            }
            return zones;
        }, [done](Result<QHash<QString, CustomerTimeZone>> zones) {
            if (zones)
                done(zones.value());
        });
    });
    QObject::connect(recovery, &RecoveryService::historyChanged, page, [page] { page->refreshOverlay(); });
    QObject::connect(recovery, &RecoveryService::recovered, w, [w] {
        w->statusBar()->showMessage(QObject::tr("Payment recovered: the invoice left the dunning queue."), 8000);
    });
    QObject::connect(runner, &DunningRunner::recovered, w, [w, page](const QString &) {
        page->refreshOverlay();
        w->statusBar()->showMessage(QObject::tr("Payment recovered in Stripe: counted in the recovery metrics."), 8000);
    });
    QObject::connect(runner, &DunningRunner::notified, w, [w](const QString &, const QString &message) {
        w->statusBar()->showMessage(QObject::tr("Dunning: %1").arg(message), 10000);
    });

    // Rules after every sync (View > Refresh), each step once.
    auto runRules = [runner, page, w](bool announce) {
        if (runner->isRunning())
            return;
        runner->run(QDateTime::currentDateTimeUtc(), page, [page, w, announce](Result<DunningRunReport> r) {
            page->refreshOverlay();
            if (!r) {
                w->statusBar()->showMessage(QObject::tr("Dunning rules: %1").arg(r.error().userMessage), 10000);
                return;
            }
            if (announce || r->decided > 0)
                w->statusBar()->showMessage(QObject::tr("Dunning rules: %1 new decisions, %2 Stripe writes queued, %3 owner notifications.")
                                                .arg(r->decided)
                                                .arg(r->queued)
                                                .arg(r->notified),
                                            10000);
        });
    };
    QObject::connect(&session.sync(), &SyncControl::finished, runner, [runRules](const Status &outcome) {
        if (outcome)
            runRules(false);
    });
    // And on a clock, so "after N days" rules fire in a console left open without a sync (each step
    // still once: the billing database decides).
    auto *clock = new QTimer(runner);
    clock->setObjectName(QStringLiteral("DunningRulesTimer"));
    clock->setInterval(std::chrono::minutes(15));
    QObject::connect(clock, &QTimer::timeout, runner, [runRules] { runRules(false); });
    clock->start();

    MainWindow::RowAction recover;
    recover.name = QStringLiteral("RecoverInvoiceAction");
    recover.text = QObject::tr("&Recover…");
    recover.shortcut = QKeySequence(QStringLiteral("Ctrl+Shift+Y"));
    recover.toolTip = QObject::tr("Failure history, retry now, card-update link, contact, owner, escalation, pause, write-off");
    recover.permission = Permission::WorkDunning;
    recover.panes = {MainWindow::Dunning};
    recover.appliesTo = [page](const MainWindow::ActionTarget &t) {
        return !t.invoiceId.isEmpty() && page->dunning()->rowOfId(t.invoiceId) >= 0;
    };
    recover.open = [recovery, portal, page](const MainWindow::ActionTarget &t, QWidget *parent) -> QDialog * {
        const int row = page->dunning()->rowOfId(t.invoiceId);
        if (row < 0)
            return nullptr;
        auto *dialog = new RecoveryDialog(recovery, portal, page->dunning()->rowAt(row), parent);
        QObject::connect(dialog, &QDialog::finished, page, [page] { page->refreshOverlay(); });
        return dialog;
    };
    window.addRowAction(recover);

    auto *rules = new QAction(QObject::tr("Rules…"), page);
    rules->setObjectName(QStringLiteral("DunningRulesAction"));
    rules->setToolTip(QObject::tr("Automation: on failure / after N days / when no retry is left"));
    QObject::connect(rules, &QAction::triggered, w, [w, db, &session, runRules] {
        const bool canEdit = AccessPolicy::allows(session.actor().role, Permission::ManageDunningRules);
        auto *dialog = new DunningRulesDialog(db, session.actor().email, canEdit, w);
        QObject::connect(dialog, &DunningRulesDialog::rulesChanged, w, [runRules] { runRules(false); });
        w->presentDialog(dialog);
    });
    page->addPageAction(rules);

    auto *metrics = new QAction(QObject::tr("Metrics…"), page);
    metrics->setObjectName(QStringLiteral("RecoveryMetricsAction"));
    metrics->setToolTip(QObject::tr("Recovered amount and rate over time, by decline code and by policy step"));
    QObject::connect(metrics, &QAction::triggered, w, [w, db, cache] {
        auto loader = [db, cache](QObject *context, std::function<void(QList<DunningRecovery>, QList<InvoiceRow>, QString)> done) {
            QPointer<QObject> ctx(context);
            db->thread().run(context, [](BillingDatabase &d) { return DunningRepository(d).recoveries(); },
                             [cache, ctx, done](Result<QList<DunningRecovery>> rec) {
                if (!rec)
                    return done({}, {}, rec.error().userMessage);
                if (!ctx)
                    return;
                InvoiceQuery q;
                q.onlyFailedPayments = true;
                q.limit = 10000;
                const QList<DunningRecovery> recoveries = rec.value();
                cache->invoices(q, ctx, [recoveries, done](Result<QList<InvoiceRow>> rows) {
                    if (!rows)
                        return done(recoveries, {}, rows.error().userMessage);
                    done(recoveries, rows.value(), {});
                });
            });
        };
        w->presentDialog(new RecoveryMetricsDialog(loader, w));
    });
    page->addPageAction(metrics);

    auto *runNow = new QAction(QObject::tr("Run rules now"), page);
    runNow->setObjectName(QStringLiteral("RunDunningRulesAction"));
    runNow->setVisible(AccessPolicy::allows(session.actor().role, Permission::WorkDunning));
    QObject::connect(runNow, &QAction::triggered, w, [runRules] { runRules(true); });
    page->addPageAction(runNow);
}

} // namespace Billing
