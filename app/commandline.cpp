#include "app/commandline.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("CommandLine", text); }

Error badArguments(const QString &message)
{
    return Error::make(Error::Kind::Validation, message);
}

} // namespace

QString CommandLine::usage()
{
    return tr("Usage: billing-console [options] [command]\n"
              "\n"
              "Commands (without one the console window opens):\n"
              "  sync [--full]            sync Stripe into the local cache (incremental unless --full)\n"
              "  status                   show the cache, the last sync and the connection\n"
              "  usage import FILE.csv    record usage events (id,customer_id,meter,quantity,occurred_at)\n"
              "\n"
              "Options:\n"
              "  --workspace NAME         workspace to open (default: default)\n"
              "  --base-url URL           Stripe API base URL for this run\n"
              "  --data-dir DIR           folder for workspaces (default: the user's data folder)\n"
              "  --screenshot DIR         render every pane to DIR/*.png and exit\n"
              "  -h, --help               this text\n"
              "  --version                the version\n");
}

Result<CommandLine> CommandLine::parse(const QStringList &arguments)
{
    CommandLine cl;
    QStringList positional;
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        auto takeValue = [&](QString &target) -> Status {
            if (i + 1 >= arguments.size() || arguments.at(i + 1).startsWith(QLatin1String("--")))
                return badArguments(tr("%1 needs a value.").arg(arg));
            target = arguments.at(++i);
            if (target.trimmed().isEmpty())
                return badArguments(tr("%1 needs a value.").arg(arg));
            return {};
        };
        Status st;
        if (arg == QLatin1String("--workspace"))
            st = takeValue(cl.workspace);
        else if (arg == QLatin1String("--base-url"))
            st = takeValue(cl.baseUrl);
        else if (arg == QLatin1String("--data-dir"))
            st = takeValue(cl.dataDir);
        else if (arg == QLatin1String("--screenshot")) {
            st = takeValue(cl.screenshotDir);
            cl.command = Command::Screenshot;
        } else if (arg == QLatin1String("--full"))
            cl.fullSync = true;
        else if (arg == QLatin1String("-h") || arg == QLatin1String("--help"))
            cl.command = Command::Help;
        else if (arg == QLatin1String("--version"))
            cl.command = Command::Version;
        else if (arg.startsWith(QLatin1Char('-')))
            return badArguments(tr("Unknown option %1.").arg(arg));
        else
            positional << arg;
        if (!st)
            return st.error();
    }

    static const QRegularExpression workspaceName(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    if (!workspaceName.match(cl.workspace).hasMatch())
        return badArguments(tr("A workspace name uses letters, digits, '.', '_' or '-' (at most 64)."));

    if (cl.command == Command::Help || cl.command == Command::Version)
        return cl;
    if (positional.isEmpty()) {
        if (cl.fullSync)
            return badArguments(tr("--full goes with the sync command."));
        return cl;
    }
    if (cl.command == Command::Screenshot)
        return badArguments(tr("--screenshot cannot be combined with a command."));

    const QString command = positional.takeFirst();
    if (command == QLatin1String("sync")) {
        cl.command = Command::Sync;
    } else if (command == QLatin1String("status")) {
        cl.command = Command::Status;
    } else if (command == QLatin1String("usage")) {
        if (positional.size() != 2 || positional.first() != QLatin1String("import"))
            return badArguments(tr("Use: usage import FILE.csv"));
        cl.command = Command::UsageImport;
        cl.usageFile = positional.takeLast();
        positional.clear();
    } else {
        return badArguments(tr("Unknown command %1.").arg(command));
    }
    if (!positional.isEmpty())
        return badArguments(tr("Unexpected argument %1.").arg(positional.first()));
    if (cl.fullSync && cl.command != Command::Sync)
        return badArguments(tr("--full goes with the sync command."));
    return cl;
}

} // namespace Billing
