#pragma once

#include "services/domain/result.h"

#include <QString>
#include <QStringList>

namespace Billing {

// What the user asked for on the command line. Parsing never exits the process: a bad command
// line is a Validation error whose userMessage the caller prints with the usage text.
struct CommandLine
{
    enum class Command { Gui, Screenshot, Sync, Status, UsageImport, Help, Version };

    Command command = Command::Gui;
    QString workspace = QStringLiteral("default");
    QString baseUrl;      // overrides the workspace's setting for this run
    QString dataDir;      // overrides the data root (QStandardPaths::AppLocalDataLocation)
    QString screenshotDir;
    QString usageFile;
    bool fullSync = false;

    static Result<CommandLine> parse(const QStringList &arguments);
    static QString usage();
};

} // namespace Billing
