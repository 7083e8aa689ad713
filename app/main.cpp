// billing-console: the console window, or a headless subcommand (see CommandLine::usage()).
#include "app/commandline.h"
#include "app/guilauncher.h"
#include "app/headlesscommands.h"
#include "app/workspacesession.h"
#include "services/platform/logging.h"

#include <QApplication>
#include <QCoreApplication>
#include <QTextStream>

#include <memory>

using namespace Billing;

namespace {

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

bool needsWindowSystem(CommandLine::Command command)
{
    return command == CommandLine::Command::Gui || command == CommandLine::Command::Screenshot;
}

} // namespace

int main(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    QTextStream err(stderr);

    Result<CommandLine> parsed = CommandLine::parse(arguments);
    if (!parsed) {
        err << "billing-console: " << parsed.error().userMessage << "\n\n" << CommandLine::usage();
        return HeadlessCommands::BadArguments;
    }
    const CommandLine &cl = *parsed;
    if (cl.command == CommandLine::Command::Help) {
        QTextStream(stdout) << CommandLine::usage();
        return 0;
    }
    if (cl.command == CommandLine::Command::Version) {
        QTextStream(stdout) << "billing-console " << BC_VERSION << "\n";
        return 0;
    }
    if (cl.command == CommandLine::Command::Screenshot)
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (cl.command == CommandLine::Command::Gui && !displayAvailable()) {
        err << QCoreApplication::translate(
            "main", "billing-console: no display is available, so the console window cannot open.\n"
                    "Run it in a graphical session (X11 or Wayland), or use --screenshot DIR to render every\n"
                    "pane to PNG files, or a command such as `sync` or `status` (see --help).\n");
        return HeadlessCommands::Failed;
    }

    std::unique_ptr<QCoreApplication> app;
    if (needsWindowSystem(cl.command))
        app = std::make_unique<QApplication>(argc, argv);
    else
        app = std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Billing Console"));
    QCoreApplication::setApplicationName(QStringLiteral("Billing Console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BC_VERSION));

    Result<std::unique_ptr<WorkspaceSession>> session =
        WorkspaceSession::create({cl.workspace, cl.baseUrl, cl.dataDir});
    if (!session) {
        err << "billing-console: " << session.error().userMessage << "\n";
        return HeadlessCommands::Failed;
    }
    Result<QString> logFile = Logging::initialise((*session)->paths().logDir(), !needsWindowSystem(cl.command));
    if (!logFile)
        err << "billing-console: " << logFile.error().userMessage << "\n";

    int exitCode = 0;
    if (needsWindowSystem(cl.command))
        exitCode = GuiLauncher(**session).run(cl);
    else
        exitCode = HeadlessCommands(**session).run(cl);
    session->reset();
    Logging::shutdown();
    return exitCode;
}
