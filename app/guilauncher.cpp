#include "app/guilauncher.h"

#include "app/workspacesession.h"
#include "app/budgetswiring.h"
#include "app/promotionswiring.h"
#include "app/termswiring.h"
#include "app/usagewiring.h"
#include "app/dunningwiring.h"
#include "app/analyticswiring.h"
#include "app/invoiceswiring.h"
#include "app/pricingwiring.h"
#include "app/paymentmethodswiring.h"
#include "app/lifecyclewiring.h"
#include "services/lifecycle/cancellationservice.h"
#include "services/lifecycle/pauseservice.h"
#include "services/lifecycle/planchangeservice.h"
#include "services/lifecycle/seasonalplanservice.h"
#include "services/lifecycle/trialservice.h"
#include "services/operations/operationrunner.h"
#include "services/refunds/refundservice.h"
#include "ui/customerspage.h"
#include "ui/subscriptionspage.h"
#include "ui/dialogs/canceldialog.h"
#include "ui/dialogs/changeplandialog.h"
#include "ui/dialogs/pausedialog.h"
#include "ui/dialogs/refunddialog.h"
#include "ui/dialogs/retentionreportdialog.h"
#include "ui/dialogs/staffpickerdialog.h"
#include "ui/dialogs/trialdialog.h"
#include "ui/mainwindow.h"
#include "ui/screenshots.h"
#include "ui/theme.h"
#include "models/customertablemodel.h"

#include <QApplication>
#include <QEventLoop>
#include <QMessageBox>
#include <QPointer>
#include <QTimer>
#include <QStatusBar>
#include <QTextStream>

namespace Billing {

WorkspaceSettings SessionSettingsStore::load() const
{
    return m_session.settings();
}

SecretSource SessionSettingsStore::apiKeySource() const
{
    return m_session.secrets().stripeKeySource();
}

void SessionSettingsStore::save(const SettingsChange &change, QObject *context, std::function<void(Status)> done)
{
    if (Status applied = m_session.updateSettings(change.settings); !applied) {
        done(applied);
        return;
    }
    const QString workspace = change.settings.name;
    auto storePassword = [this, change, workspace, context, done]() {
        if (!change.newPostgresPassword) {
            done({});
            return;
        }
        m_session.secrets().write(SecretStore::postgresPasswordName(workspace), *change.newPostgresPassword, context,
                                  done);
    };
    if (!change.newApiKey) {
        storePassword();
        return;
    }
    m_session.secrets().writeStripeKey(
        workspace, *change.newApiKey, context, [this, storePassword, context, done](Status written) {
            if (!written) {
                done(written);
                return;
            }
            // Read it back through the normal path so the client and the source shown agree.
            m_session.loadStripeKey(context, [storePassword, done](Result<Secret> key) {
                if (!key)
                    done(key.error());
                else
                    storePassword();
            });
        });
}

int GuiLauncher::run(const CommandLine &commandLine)
{
    QLocale::setDefault(QLocale::system().name() == QLatin1String("C") ? QLocale(QLocale::English, QLocale::UnitedStates)
                                                                       : QLocale::system());
    // Open the databases first: jobs on each database thread run in order, so every query the panes
    // make while they are built waits for these opens (on the worker, never on the GUI thread).
    QObject launcher;
    QPointer<MainWindow> window;
    QStringList problems;
    auto showProblem = [&window, &problems](const QString &text) {
        if (!window) {
            problems << text;
            return;
        }
        window->statusBar()->showMessage(text, 15000);
        if (window->isVisible() && QGuiApplication::platformName() != QLatin1String("offscreen"))
            QMessageBox::warning(window, QObject::tr("Billing Console"), text);
    };
    m_session.cache().open(m_session.settings().cachePath, &launcher, [showProblem](Result<LocalCache::OpenReport> report) {
        if (!report)
            showProblem(report.error().userMessage);
        else if (report->rebuilt)
            showProblem(report->reason);
    });
    m_session.billingDatabase().open(&launcher, [showProblem](Result<BillingDatabase::OpenReport> report) {
        if (!report)
            showProblem(QObject::tr("The billing database is not available: %1").arg(report.error().userMessage));
    });
    m_session.sync().loadState();

    QString actorNote;
    if (!chooseActor(commandLine, &actorNote))
        return 1;

    SessionSettingsStore settingsStore(m_session);
    MainWindow mainWindow(&m_session.cache(), &m_session.billingDatabase(), &m_session.sync(), &settingsStore,
                          m_session.settings().name);
    window = &mainWindow;
    mainWindow.resize(1400, 900);
    mainWindow.setActor(m_session.actor());
    mainWindow.attachOperations(&m_session.billingDatabase(), &m_session.outbox());
    registerDialogs(mainWindow);
    wireTerms(mainWindow, m_session); wirePromotions(mainWindow, m_session); // terms, installments; Promotions pane
    wireBudgets(mainWindow, m_session); // Alerts pane, Budget… action, budget bar on customers
    wireUsage(mainWindow, m_session); // usage pane: live label, tiers, metered prices, "Sync Stripe meters"
    wireDunning(mainWindow, m_session); // Recover… on the Dunning pane, rules, metrics; rules run after each sync
    wireInvoices(mainWindow, m_session); // invoice actions, portal link, PDF downloads, CSV export cache
    wireAnalytics(mainWindow, m_session); // Analytics pane, FX rates dialog
    wirePricing(mainWindow, m_session); // Catalog pane, price calculator, negotiated prices and approvals
    wirePaymentMethods(mainWindow, m_session); // customer payment methods, credit ledger, referrals
    if (!actorNote.isEmpty())
        problems << actorNote;
    for (const QString &problem : std::as_const(problems))
        showProblem(problem);
    // The outbox sends in the background from now on; what finished while no console listened is
    // audited first (OperationRunner::reconcile).
    QEventLoop outboxReady;
    bool outboxDone = false;
    m_session.startOutbox(&mainWindow, [&](const QString &problem) {
        if (!problem.isEmpty())
            showProblem(problem);
        outboxDone = true;
        outboxReady.quit();
    });
    if (commandLine.command == CommandLine::Command::Screenshot && !outboxDone)
        outboxReady.exec(); // the panes show the outbox as it is

    if (commandLine.command == CommandLine::Command::Screenshot)
        return renderScreenshots(mainWindow, commandLine.screenshotDir);

    mainWindow.show();
    wireLifecycle(mainWindow, m_session); // retention outcomes catch-up; seasonal windows applied every 15 min
    m_session.loadStripeKey(&mainWindow, [this, showProblem](Result<Secret> key) {
        if (!key) {
            showProblem(QObject::tr("No Stripe API key: %1 The cached data stays browsable; set a key in Settings.")
                            .arg(key.error().userMessage));
            return;
        }
        m_session.sync().startRefresh();
    });
    return QApplication::exec();
}

bool GuiLauncher::chooseActor(const CommandLine &commandLine, QString *note)
{
    QTextStream err(stderr);
    std::optional<Result<StaffDirectory::StartupChoice>> choice;
    std::optional<Result<AccessPolicy>> policy;
    QEventLoop loop;
    QObject context;
    // Start-up only: the window is not built yet, so nothing waits here but this (on the workers).
    m_session.staff().resolveStartup(commandLine.staffEmail, StaffDirectory::lastUsedEmail(),
                                     StaffDirectory::osUserName(), &context, [&](Result<StaffDirectory::StartupChoice> c) {
                                         choice.emplace(std::move(c));
                                         m_session.staff().loadPolicy(&context, [&](Result<AccessPolicy> p) {
                                             policy.emplace(std::move(p));
                                             loop.quit();
                                         });
                                     });
    if (!policy)
        loop.exec();
    auto refuse = [&](const QString &text) {
        err << "billing-console: " << text << "\n";
        if (QGuiApplication::platformName() != QLatin1String("offscreen"))
            QMessageBox::critical(nullptr, QObject::tr("Billing Console"), text);
        return false;
    };
    if (!choice->ok()) {
        const Error &e = choice->error();
        if (e.kind == Error::Kind::NotFound)
            return refuse(QObject::tr("There is no active staff profile %1 in this workspace (see `staff list`).")
                              .arg(commandLine.staffEmail));
        if (e.kind == Error::Kind::Unauthorized)
            return refuse(QObject::tr("The staff profile %1 is not active.").arg(commandLine.staffEmail));
        return refuse(QObject::tr("The staff profiles could not be read: %1").arg(e.userMessage));
    }
    if (!policy->ok())
        return refuse(QObject::tr("The workspace's access rules could not be read: %1").arg(policy->error().userMessage));
    StaffDirectory::StartupChoice c = choice->value();
    if (c.bootstrap.created)
        *note = c.bootstrap.message;
    if (!c.member) {
        if (c.candidates.isEmpty())
            return refuse(QObject::tr("This workspace has no active staff profile."));
        if (commandLine.command == CommandLine::Command::Screenshot) {
            c.member = c.candidates.constFirst(); // no one to ask: the first profile, said on stderr
            err << QObject::tr("billing-console: several staff profiles; rendering as %1 (use --staff EMAIL).")
                       .arg(c.member->email)
                << "\n";
        } else {
            StaffPickerDialog picker(c.candidates, m_session.settings().name);
            picker.setStyleSheet(Theme::styleSheet());
            picker.selectEmail(StaffDirectory::lastUsedEmail());
            if (picker.exec() != QDialog::Accepted || !picker.selected())
                return false;
            c.member = picker.selected();
        }
    }
    if (commandLine.command != CommandLine::Command::Screenshot)
        StaffDirectory::rememberLastUsed(c.member->email);
    m_session.setActor(Actor::fromStaff(*c.member), policy->value());
    return true;
}

void GuiLauncher::registerDialogs(MainWindow &window)
{
    using Cap = MainWindow::Capability;
    using Target = MainWindow::ActionTarget;
    WorkspaceSession &s = m_session;
    window.setDialogFactory(Cap::Refund, [&s](const Target &t, QWidget *parent) -> QDialog * {
        return new RefundDialog(&s.refunds(), &s.runner(), &s.outbox(), t.invoiceId, parent);
    });
    window.setDialogFactory(Cap::ChangePlan, [&s](const Target &t, QWidget *parent) -> QDialog * {
        return new ChangePlanDialog(&s.planChanges(), &s.runner(), &s.outbox(), t.subscription->subscription.id, parent);
    });
    window.setDialogFactory(Cap::Cancel, [&s](const Target &t, QWidget *parent) -> QDialog * {
        auto *dialog = new CancelDialog(&s.cancellations(), &s.runner(), &s.outbox(), *t.subscription,
                                        CancelDialog::Mode::Cancel, parent);
        // The catalog lets the dialog offer a cheaper plan in the subscription's currency.
        using Catalog = std::pair<Result<QList<Price>>, Result<QList<Product>>>;
        s.cache().thread().run(
            dialog, [](LocalCache &cache) { return Catalog(cache.prices(), cache.products()); },
            [dialog](Catalog catalog) {
                if (catalog.first && catalog.second)
                    dialog->setCatalog(*catalog.first, *catalog.second);
            });
        return dialog;
    });
    window.setDialogFactory(Cap::UndoCancel, [&s](const Target &t, QWidget *parent) -> QDialog * {
        return CancelDialog::undoCancellation(&s.cancellations(), &s.runner(), &s.outbox(), *t.subscription, parent);
    });
    window.setDialogFactory(Cap::PauseResume, [&s](const Target &t, QWidget *parent) -> QDialog * {
        return new PauseDialog(&s.pauses(), &s.seasonalPlans(), &s.runner(), &s.outbox(), *t.subscription, parent);
    });
    window.setDialogFactory(Cap::Trial, [&s](const Target &t, QWidget *parent) -> QDialog * {
        if (t.subscription && t.subscription->subscription.status == QLatin1String("trialing"))
            return new TrialDialog(&s.trials(), &s.runner(), &s.outbox(), t.subscription->subscription.id, parent);
        if (t.customer)
            return new TrialDialog(&s.trials(), &s.planChanges(), &s.runner(), &s.outbox(), *t.customer, parent);
        return nullptr;
    });
    window.subscriptionsPage()->setSeasonalLookup(
        [&s](const QString &subscriptionId, QObject *context, std::function<void(QString)> done) {
            s.seasonalPlans().window(subscriptionId, context,
                                     [done](Result<std::optional<SeasonalWindow>> w) {
                                         if (!w)
                                             done(QObject::tr("(not available: %1)").arg(w.error().userMessage));
                                         else
                                             done(w->has_value() ? (*w)->describe() : QString());
                                     });
        });
    window.setRetentionReportFactory(
        [&s](QWidget *parent) -> QDialog * { return new RetentionReportDialog(&s.cancellations(), parent); });
}

// The console as it runs: key loaded, a refresh from Stripe attempted (its outcome, online or offline,
// shows in the status bar), then every pane rendered.
int GuiLauncher::renderScreenshots(MainWindow &window, const QString &dir)
{
    window.show();
    if (m_session.loadStripeKeyBlocking().ok()) {
        QEventLoop loop;
        QObject::connect(&m_session.sync(), &SyncControl::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(180000, &loop, &QEventLoop::quit);
        m_session.sync().startRefresh();
        if (m_session.sync().isRunning())
            loop.exec();
    }
    Result<QStringList> files = saveScreenshots(window, dir);
    if (!files) {
        QTextStream(stderr) << "billing-console: " << files.error().userMessage << "\n";
        return 1;
    }
    QTextStream out(stdout);
    for (const QString &file : *files)
        out << file << "\n";
    return 0;
}

} // namespace Billing
