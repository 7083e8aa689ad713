#include "app/guilauncher.h"

#include "app/workspacesession.h"
#include "ui/mainwindow.h"
#include "ui/screenshots.h"

#include <QApplication>
#include <QMessageBox>
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
    SessionSettingsStore settingsStore(m_session);
    MainWindow window(&m_session.cache(), &m_session.billingDatabase(), &m_session.sync(), &settingsStore,
                      m_session.settings().name);
    window.resize(1400, 900);

    auto showProblem = [&window](const QString &text) {
        window.statusBar()->showMessage(text, 15000);
        if (!window.isHidden() && QGuiApplication::platformName() != QLatin1String("offscreen"))
            QMessageBox::warning(&window, QObject::tr("Billing Console"), text);
    };

    // Jobs on each database thread run in order, so the panes' first queries wait for these opens.
    m_session.cache().open(m_session.settings().cachePath, &window, [showProblem](Result<LocalCache::OpenReport> report) {
        if (!report)
            showProblem(report.error().userMessage);
        else if (report->rebuilt)
            showProblem(report->reason);
    });
    m_session.billingDatabase().open(&window, [showProblem](Result<BillingDatabase::OpenReport> report) {
        if (!report)
            showProblem(QObject::tr("The billing database is not available: %1").arg(report.error().userMessage));
    });

    if (commandLine.command == CommandLine::Command::Screenshot) {
        Result<QStringList> files = saveScreenshots(window, commandLine.screenshotDir);
        QTextStream out(stdout);
        if (!files) {
            QTextStream(stderr) << "billing-console: " << files.error().userMessage << "\n";
            return 1;
        }
        for (const QString &file : *files)
            out << file << "\n";
        return 0;
    }

    window.show();
    m_session.loadStripeKey(&window, [this, showProblem](Result<Secret> key) {
        if (!key) {
            showProblem(QObject::tr("No Stripe API key: %1 The cached data stays browsable; set a key in Settings.")
                            .arg(key.error().userMessage));
            return;
        }
        m_session.sync().startRefresh();
    });
    return QApplication::exec();
}

} // namespace Billing
