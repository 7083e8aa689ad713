// Full and incremental sync against a running sandbox, timed; see bench/sync/run.sh.
//   bc-bench-sync --url URL --key KEY --cache FILE [--mutate N] [--node-sdk SCRIPT]
// Prints "key: value" lines: objects, requests, time, the bound objects / (100 x rate), peak
// memory (getrusage ru_maxrss), and, when asked, the refresh after N sandbox changes and the
// Node SDK's sequential auto-pagination over the same lists.

#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"
#include "services/stripe/ratelimiter.h"
#include "services/stripe/stripeclient.h"
#include "services/sync/syncservice.h"

#include <sys/resource.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSqlQuery>

#include <spdlog/spdlog.h>

#include <cstdio>

using namespace Billing;

namespace {

long peakRssKb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss; // kilobytes on Linux
}

QJsonObject postJson(const QString &url, const QJsonObject &body)
{
    QNetworkAccessManager nam;
    QNetworkRequest req{QUrl(url)};
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setTransferTimeout(600000);
    QNetworkReply *reply = nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object();
}

void line(const char *key, const QString &value) { std::printf("%s: %s\n", key, qPrintable(value)); std::fflush(stdout); }

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    cli.addOption({QStringLiteral("url"), QStringLiteral("Sandbox base URL."), QStringLiteral("url")});
    cli.addOption({QStringLiteral("key"), QStringLiteral("API key."), QStringLiteral("key")});
    cli.addOption({QStringLiteral("cache"), QStringLiteral("Cache file (deleted first)."), QStringLiteral("file")});
    cli.addOption({QStringLiteral("mutate"), QStringLiteral("Changes for the refresh."), QStringLiteral("n"), QStringLiteral("0")});
    cli.addOption({QStringLiteral("node-sdk"), QStringLiteral("Node script walking the lists with stripe-node."), QStringLiteral("script")});
    cli.process(app);
    // BENCH_TRACE=1: the sync's debug timeline (one line a second, then the totals) on stderr.
    spdlog::set_level(qEnvironmentVariableIntValue("BENCH_TRACE") ? spdlog::level::debug : spdlog::level::warn);

    StripeConfig config;
    config.baseUrl = QUrl(cli.value(QStringLiteral("url")));
    config.apiKey = cli.value(QStringLiteral("key"));
    config.maxRetries = 5;
    StripeClient client(config);
    const QString cachePath = cli.value(QStringLiteral("cache"));
    QFile::remove(cachePath);
    AsyncLocalCache cache(QStringLiteral("bench-sync"));
    const auto opened = cache.openBlocking(cachePath);
    if (!opened.ok()) {
        std::fprintf(stderr, "cache: %s\n", qPrintable(opened.error().detail));
        return 1;
    }
    SyncService sync(&client, &cache);
    const double rate = config.effectiveRequestsPerSecond();
    line("rate_limit_per_s", QString::number(rate));
    line("max_in_flight", QString::number(config.maxConcurrentRequests));

    const auto full = sync.runFullSyncBlocking();
    if (!full.ok()) {
        std::fprintf(stderr, "full sync failed: %s\n", qPrintable(full.error().detail));
        return 1;
    }
    qint64 objects = 0;
    QStringList perType;
    qint64 embedded = 0;
    for (auto it = full->upserted.cbegin(); it != full->upserted.cend(); ++it) {
        // Payment methods come expanded inside the customer pages (and payment intents inside the
        // invoice payments): they cost no page, so the bound counts only the listed objects.
        if (it.key() == QLatin1String("payment_method"))
            embedded += it.value();
        else
            objects += it.value();
        perType << QStringLiteral("%1=%2").arg(it.key()).arg(it.value());
    }
    const qint64 seconds100 = full->durationMs;
    const double boundS = double(objects) / (100.0 * rate);
    line("full_sync_objects", QString::number(objects) + QStringLiteral(" listed + ") + QString::number(embedded)
                                  + QStringLiteral(" expanded (") + perType.join(QLatin1Char(' ')) + QLatin1Char(')'));
    line("full_sync_s", QString::number(seconds100 / 1000.0, 'f', 2));
    line("bound_s", QString::number(boundS, 'f', 2));
    line("full_sync_over_bound", QString::number(seconds100 / 1000.0 / boundS, 'f', 3));
    line("peak_in_flight", QString::number(client.rateLimiter().peakInFlight()));
    line("peak_rss_mb", QString::number(peakRssKb() / 1024.0, 'f', 1));
    const QJsonObject stats = [&] {
        QNetworkAccessManager nam;
        QNetworkReply *r = nam.get(QNetworkRequest(QUrl(config.baseUrl.toString() + QStringLiteral("/__sandbox/stats"))));
        QEventLoop loop;
        QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        r->deleteLater();
        return QJsonDocument::fromJson(r->readAll()).object();
    }();
    line("sandbox_requests", QString::number(stats.value(QLatin1String("requests")).toInteger()));
    line("sandbox_rate_limited", QString::number(stats.value(QLatin1String("rateLimited")).toInteger()));
    line("request_bound_s", QString::number(double(stats.value(QLatin1String("requests")).toInteger()) / rate, 'f', 2));

    const QString nodeScript = cli.value(QStringLiteral("node-sdk"));
    if (!nodeScript.isEmpty()) {
        QProcess node;
        node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        node.start(QStringLiteral("node"), {nodeScript, config.baseUrl.toString(), config.apiKey});
        node.waitForFinished(-1);
        const QJsonObject out = QJsonDocument::fromJson(node.readAllStandardOutput()).object();
        const double nodeS = out.value(QLatin1String("seconds")).toDouble();
        line("node_sdk_objects", QString::number(out.value(QLatin1String("objects")).toInteger()));
        line("node_sdk_s", QString::number(nodeS, 'f', 2));
        line("node_sdk_over_console", QString::number(nodeS / (seconds100 / 1000.0), 'f', 2));
    }

    const int changes = cli.value(QStringLiteral("mutate")).toInt();
    if (changes > 0) {
        const QJsonObject m = postJson(config.baseUrl.toString() + QStringLiteral("/__sandbox/mutate"),
                                       QJsonObject{{QStringLiteral("count"), changes}});
        line("mutate_applied", QString::number(m.value(QLatin1String("applied")).toInteger()));
        qint64 events = 0; // {type: count}
        const QJsonObject byType = m.value(QLatin1String("events")).toObject();
        for (auto it = byType.begin(); it != byType.end(); ++it)
            events += it.value().toInteger();
        line("mutate_events", QString::number(events));
        const auto refresh = sync.runRefreshBlocking();
        if (!refresh.ok()) {
            std::fprintf(stderr, "refresh failed: %s\n", qPrintable(refresh.error().detail));
            return 1;
        }
        line("refresh_full", refresh->full ? QStringLiteral("yes") : QStringLiteral("no"));
        line("refresh_events", QString::number(refresh->events));
        line("refresh_s", QString::number(refresh->durationMs / 1000.0, 'f', 2));
        line("peak_rss_mb_after_refresh", QString::number(peakRssKb() / 1024.0, 'f', 1));
    }
    return 0;
}
