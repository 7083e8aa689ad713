#include "app/guilauncher.h"

#include "app/workspacesession.h"
#include "ui/mainwindow.h"
#include "ui/screenshots.h"

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

    SessionSettingsStore settingsStore(m_session);
    MainWindow mainWindow(&m_session.cache(), &m_session.billingDatabase(), &m_session.sync(), &settingsStore,
                          m_session.settings().name);
    window = &mainWindow;
    mainWindow.resize(1400, 900);
    for (const QString &problem : std::as_const(problems))
        showProblem(problem);

    if (commandLine.command == CommandLine::Command::Screenshot)
        return renderScreenshots(mainWindow, commandLine.screenshotDir);

    mainWindow.show();
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
