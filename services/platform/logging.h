#pragma once

#include <memory>

#include <QString>

#include <spdlog/logger.h>

#include "services/domain/result.h"

namespace Billing {

// The one process-wide logging set-up (the only singleton, see DESIGN.md): spdlog loggers
// "api", "db", "sync", "ui", "app" share one sink chain that first redacts (Redaction::redact) and
// then writes to a rotating file (5 MB x 3) and optionally stderr. Qt messages (qDebug, qWarning,
// ...) are forwarded to spdlog through the same chain, so nothing reaches a log unredacted.
// Thread-safe after initialise(); call initialise() from the main thread before other threads log.
namespace Logging {

inline constexpr std::size_t kMaxFileBytes = 5 * 1024 * 1024;
inline constexpr std::size_t kMaxFiles = 3;

// logDir empty: QStandardPaths::AppLocalDataLocation + "/logs". Creates the folder and returns the
// log file's path. Calling it again replaces the previous set-up. If the folder or the file cannot
// be created, returns Error::Kind::Validation and logging still works, to stderr, redacted.
Result<QString> initialise(const QString &logDir = {}, bool alsoStderr = false);

// Flushes and removes the loggers and the Qt message handler (tests; end of main()).
void shutdown();

// The named logger ("api", "db", "sync", "ui", "app"); before initialise() a redacting stderr
// logger. Unknown names get "app".
std::shared_ptr<spdlog::logger> logger(const char *name);

void flush();

// Path of the current log file, empty before initialise().
QString filePath();

} // namespace Logging

} // namespace Billing
