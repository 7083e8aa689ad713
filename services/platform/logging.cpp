#include "services/platform/logging.h"

#include <mutex>

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QtGlobal>

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "services/platform/redaction.h"

namespace Billing::Logging {

namespace {

constexpr const char *kNames[] = {"api", "db", "sync", "ui", "app"};

// Redacts the payload, then hands the message to the wrapped sinks. Every logger writes only
// through this sink, so no message reaches a file or a terminal unredacted.
class RedactingSink final : public spdlog::sinks::dist_sink<std::mutex>
{
protected:
    void sink_it_(const spdlog::details::log_msg &msg) override
    {
        const QString original =
            QString::fromUtf8(msg.payload.data(), qsizetype(msg.payload.size()));
        const QByteArray clean = Redaction::redact(original).toUtf8();
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(clean.constData(), std::size_t(clean.size()));
        dist_sink::sink_it_(copy);
    }
};

struct State
{
    std::mutex mutex;
    std::shared_ptr<RedactingSink> sink;
    QString filePath;
    bool handlerInstalled = false;
    QtMessageHandler previousHandler = nullptr;
};

State &state()
{
    static State s;
    return s;
}

spdlog::level::level_enum levelFor(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return spdlog::level::debug;
    case QtInfoMsg:
        return spdlog::level::info;
    case QtWarningMsg:
        return spdlog::level::warn;
    case QtCriticalMsg:
        return spdlog::level::err;
    case QtFatalMsg:
        return spdlog::level::critical;
    }
    return spdlog::level::info;
}

// Category "billing.api" or "api" goes to that logger; anything else to "app".
const char *loggerForCategory(const char *category)
{
    if (!category)
        return "app";
    QLatin1String cat(category);
    if (cat.startsWith(QLatin1String("billing.")))
        cat = cat.sliced(8);
    for (const char *name : kNames)
        if (cat == QLatin1String(name))
            return name;
    return "app";
}

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray text = message.toUtf8();
    logger(loggerForCategory(context.category))
        ->log(levelFor(type), "{}", std::string_view(text.constData(), std::size_t(text.size())));
    if (type == QtFatalMsg) {
        flush();
        std::abort();
    }
}

void registerLoggers(const std::shared_ptr<RedactingSink> &sink)
{
    for (const char *name : kNames) {
        spdlog::drop(name);
        auto l = std::make_shared<spdlog::logger>(name, sink);
        l->set_level(spdlog::level::debug);
        l->flush_on(spdlog::level::warn);
        spdlog::register_logger(l);
    }
    spdlog::set_default_logger(spdlog::get("app"));
}

// Before initialise(): redacted stderr only, so early messages are not lost and not leaked.
void ensureFallback()
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    if (s.sink)
        return;
    s.sink = std::make_shared<RedactingSink>();
    s.sink->add_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    registerLoggers(s.sink);
}

} // namespace

Result<QString> initialise(const QString &logDir, bool alsoStderr)
{
    struct
    {
        bool ok = true;
        QString filePath;
        QString error;
    } result;
    QString dir = logDir;
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
              QStringLiteral("/logs");
    auto sink = std::make_shared<RedactingSink>();
    if (!QDir().mkpath(dir)) {
        result.ok = false;
        result.error = QStringLiteral("cannot create log folder %1").arg(dir);
    } else {
        result.filePath = QDir(dir).filePath(QStringLiteral("billing-console.log"));
        try {
            sink->add_sink(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                result.filePath.toStdString(), kMaxFileBytes, kMaxFiles));
        } catch (const spdlog::spdlog_ex &e) {
            result.ok = false;
            result.error = QString::fromLocal8Bit(e.what());
            result.filePath.clear();
        }
    }
    if (alsoStderr || !result.ok)
        sink->add_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%n] [%l] [t%t] %v");

    {
        State &s = state();
        std::lock_guard lock(s.mutex);
        if (s.sink)
            s.sink->flush();
        s.sink = sink;
        s.filePath = result.filePath;
        registerLoggers(sink);
        if (!s.handlerInstalled) {
            s.previousHandler = qInstallMessageHandler(qtMessageHandler);
            s.handlerInstalled = true;
        }
    }
    if (!result.ok) {
        logger("app")->error("log file unavailable: {}", result.error.toStdString());
        return Error::make(
            Error::Kind::Validation,
            QCoreApplication::translate("Billing::Logging", "The log file could not be opened: %1")
                .arg(result.error));
    }
    return result.filePath;
}

void shutdown()
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    if (s.handlerInstalled) {
        qInstallMessageHandler(s.previousHandler);
        s.handlerInstalled = false;
    }
    if (s.sink)
        s.sink->flush();
    for (const char *name : kNames)
        spdlog::drop(name);
    s.sink.reset();
    s.filePath.clear();
}

std::shared_ptr<spdlog::logger> logger(const char *name)
{
    ensureFallback();
    const char *known = "app";
    for (const char *n : kNames)
        if (name && qstrcmp(name, n) == 0)
            known = n;
    auto l = spdlog::get(known);
    if (!l) {
        // Dropped concurrently by shutdown(); recreate the fallback.
        ensureFallback();
        l = spdlog::get(known);
    }
    return l;
}

void flush()
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    if (s.sink)
        s.sink->flush();
}

QString filePath()
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    return s.filePath;
}

} // namespace Billing::Logging
