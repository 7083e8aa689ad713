#include "services/usage/metersyncservice.h"

#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/billingdatabase.h"
#include "services/stripe/stripeclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QPointer>

#include <cmath>
#include <memory>

#include <spdlog/spdlog.h>

namespace Billing {

namespace {

QDateTime alignDown(const QDateTime &t, UsageGranularity window)
{
    return BillingDatabase::bucketStart(t, window);
}

QDateTime alignUp(const QDateTime &t, UsageGranularity window)
{
    const QDateTime down = alignDown(t, window);
    if (down == t.toUTC())
        return down;
    return window == UsageGranularity::Hour ? down.addSecs(3600) : down.addDays(1);
}

void logSync(const QString &text)
{
    const std::string s = text.toStdString();
    if (auto logger = spdlog::get("sync"))
        logger->warn("meter sync: {}", s);
}

struct Meter
{
    QString id;
    QString eventName;
    QString displayName;
    QString status;
};

// One (meter, customer) window as it comes in.
struct Fetch
{
    Meter meter;
    QString customerId;
    UsageSummaryWindow window;
    QString problem; // non-empty: refuse the window
};

struct Run
{
    MeterSyncRequest request;
    QPointer<QObject> context;
    std::function<void(Result<MeterSyncReport>)> handler;
    MeterSyncReport report;
    QList<std::shared_ptr<Fetch>> fetches;
    int pending = 0;
    int done = 0;
};

} // namespace

MeterSyncService::MeterSyncService(StripeClient *stripe, AsyncBillingDatabase *db, QObject *parent)
    : QObject(parent), m_stripe(stripe), m_db(db)
{
}

void MeterSyncService::sync(const MeterSyncRequest &request, QObject *context,
                            std::function<void(Result<MeterSyncReport>)> handler)
{
    auto finish = [this, guard = QPointer<QObject>(context), hasContext = context != nullptr,
                   handler](Result<MeterSyncReport> result) {
        m_running = false;
        if (result.ok())
            Q_EMIT finished(result.value());
        if (handler && (!hasContext || guard))
            handler(std::move(result));
    };
    if (m_running) {
        finish(Error::make(Error::Kind::Conflict, tr("A meter sync is already running.")));
        return;
    }
    if (request.window != UsageGranularity::Hour && request.window != UsageGranularity::Day) {
        finish(Error::make(Error::Kind::Validation, tr("Stripe summarises meters by the hour or the day only.")));
        return;
    }
    if (!request.from.isValid() || !request.to.isValid() || request.from >= request.to) {
        finish(Error::make(Error::Kind::Validation, tr("Choose a time range for the meter sync (its start before its end).")));
        return;
    }
    m_running = true;
    auto run = std::make_shared<Run>();
    run->request = request;
    run->request.from = alignDown(request.from, request.window);
    run->request.to = alignUp(request.to, request.window);

    auto meters = std::make_shared<QList<Meter>>();
    m_stripe->listAll(
        QStringLiteral("/v1/billing/meters"), FormValue::object(), this,
        [meters](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                const QJsonObject o = v.toObject();
                meters->append({o.value(QLatin1String("id")).toString(), o.value(QLatin1String("event_name")).toString(),
                                o.value(QLatin1String("display_name")).toString(), o.value(QLatin1String("status")).toString()});
            }
            return true;
        },
        [this, run, meters, finish](Status listed) {
            if (!listed) {
                finish(listed.error());
                return;
            }
            QList<UsageMeterInfo> seen;
            for (const Meter &m : std::as_const(*meters)) {
                UsageMeterInfo info;
                info.id = m.id;
                info.meter = m.eventName;
                info.displayName = m.displayName;
                info.source = UsageSourceStripe;
                info.status = m.status == QLatin1String("active") ? QStringLiteral("active") : QStringLiteral("inactive");
                seen << info;
                if (info.status != QLatin1String("active"))
                    run->report.inactive << m.eventName;
            }
            run->report.meters = int(meters->size());
            const QDateTime now = QDateTime::currentDateTimeUtc();
            m_db->thread().run(
                this,
                [seen, now](BillingDatabase &db) -> Result<QList<UsageMeterInfo>> {
                    if (Status s = db.recordUsageMeters(seen, UsageSourceStripe, now); !s)
                        return s.error();
                    return db.usageMeterInfos();
                },
                [this, run, meters, finish](Result<QList<UsageMeterInfo>> infos) {
                    if (!infos) {
                        finish(infos.error());
                        return;
                    }
                    for (const UsageMeterInfo &i : infos.value()) {
                        if (i.source == UsageSourceStripe && i.status == QLatin1String("missing"))
                            run->report.missing << i.meter;
                    }
                    for (const QString &m : std::as_const(run->report.missing))
                        run->report.problems << MeterSyncProblem{m, {}, tr("Meter %1 is no longer in Stripe: its earlier usage is kept and flagged, nothing new is synced.").arg(m)};
                    // Every (meter, customer) window, all in flight at once: the client's limiter
                    // paces them.
                    for (const Meter &m : std::as_const(*meters)) {
                        for (const QString &customer : std::as_const(run->request.customerIds)) {
                            auto f = std::make_shared<Fetch>();
                            f->meter = m;
                            f->customerId = customer;
                            f->window.customerId = customer;
                            f->window.meter = m.eventName;
                            f->window.window = run->request.window;
                            f->window.from = run->request.from;
                            f->window.to = run->request.to;
                            run->fetches << f;
                        }
                    }
                    run->pending = int(run->fetches.size());
                    auto store = [this, run, finish] {
                        QList<UsageSummaryWindow> windows;
                        QList<std::shared_ptr<Fetch>> stored;
                        for (const auto &f : std::as_const(run->fetches)) {
                            if (!f->problem.isEmpty()) {
                                run->report.problems << MeterSyncProblem{f->meter.eventName, f->customerId, f->problem};
                                continue;
                            }
                            windows << f->window;
                            stored << f;
                        }
                        if (windows.isEmpty()) {
                            finish(run->report);
                            return;
                        }
                        m_db->replaceUsageSummaries(windows, this, [run, stored, finish](QList<Status> statuses) {
                            for (qsizetype i = 0; i < stored.size(); ++i) {
                                const Status s = i < statuses.size() ? statuses.at(i) : Status();
                                if (s.ok()) {
                                    ++run->report.windows;
                                    run->report.buckets += int(stored.at(i)->window.buckets.size());
                                } else {
                                    run->report.problems << MeterSyncProblem{stored.at(i)->meter.eventName, stored.at(i)->customerId, s.error().userMessage};
                                }
                            }
                            finish(run->report);
                        });
                    };
                    if (run->pending == 0) {
                        store();
                        return;
                    }
                    Q_EMIT progress(0, run->pending);
                    for (const auto &f : std::as_const(run->fetches)) {
                        FormValue params = FormValue::object();
                        params.insert(QStringLiteral("customer"), f->customerId);
                        params.insert(QStringLiteral("start_time"), qint64(f->window.from.toSecsSinceEpoch()));
                        params.insert(QStringLiteral("end_time"), qint64(f->window.to.toSecsSinceEpoch()));
                        params.insert(QStringLiteral("value_grouping_window"),
                                      run->request.window == UsageGranularity::Hour ? QStringLiteral("hour") : QStringLiteral("day"));
                        const QString path = QStringLiteral("/v1/billing/meters/%1/event_summaries").arg(f->meter.id);
                        m_stripe->listAll(
                            path, params, this,
                            [run, f](const QJsonArray &page) {
                                ++run->report.requests;
                                if (!f->problem.isEmpty())
                                    return false;
                                for (const QJsonValue &v : page) {
                                    const QJsonObject o = v.toObject();
                                    const QJsonValue value = o.value(QLatin1String("aggregated_value"));
                                    const double d = value.toDouble(std::nan(""));
                                    const QDateTime start = QDateTime::fromSecsSinceEpoch(
                                        qint64(o.value(QLatin1String("start_time")).toDouble()), Qt::UTC);
                                    const QString when = start.toString(Qt::ISODate);
                                    if (!value.isDouble() || std::isnan(d)) {
                                        f->problem = tr("Stripe sent no usable value for %1.").arg(when);
                                    } else if (d < 0) {
                                        f->problem = tr("Stripe reported negative usage (%1) for %2.").arg(d).arg(when);
                                    } else if (d != std::floor(d)) {
                                        f->problem = tr("Stripe reported fractional usage (%1) for %2; usage is stored in whole units.").arg(d).arg(when);
                                    } else if (d > double(MaxBucketQuantity)) {
                                        f->problem = tr("Stripe reported an implausible %1 units for %2 (more than %3 in one bucket).")
                                                         .arg(d, 0, 'f', 0).arg(when).arg(MaxBucketQuantity);
                                    }
                                    if (!f->problem.isEmpty())
                                        return false;
                                    UsagePoint p;
                                    p.bucketStart = start;
                                    p.meter = f->window.meter;
                                    p.source = UsageSourceStripe;
                                    p.quantity = qint64(d);
                                    p.customerId = f->customerId;
                                    f->window.buckets << p;
                                }
                                return true;
                            },
                            [this, run, f, store](Status status) {
                                if (!status && f->problem.isEmpty()) {
                                    f->problem = tr("Could not read Stripe usage: %1").arg(status.error().userMessage);
                                    logSync(QStringLiteral("%1 / %2: %3").arg(f->meter.id, f->customerId, status.error().detail));
                                }
                                ++run->done;
                                Q_EMIT progress(run->done, run->pending);
                                if (run->done == run->pending)
                                    store();
                            });
                    }
                });
        });
}

} // namespace Billing
