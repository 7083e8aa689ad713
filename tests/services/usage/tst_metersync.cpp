// MeterSyncService against the Stripe sandbox: demo billing meters and their event summaries land
// in the billing database's rollups (source "stripe") and match what Stripe reports for the whole
// range; a re-sync replaces instead of adding; new meter events show up after the next sync; a
// meter that disappears or is deactivated is reported; an unknown customer is a problem of its
// own windows only.
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"
#include "services/usage/metersyncservice.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <memory>
#include <optional>

using namespace Billing;
using namespace Billing::Test;

namespace {

StripeConfig config()
{
    StripeConfig c;
    c.baseUrl = QUrl(sandboxUrl());
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

// Plain HTTP to the sandbox (test set-up only: creating meter events, deactivating a meter).
QJsonObject http(const QString &method, const QString &path, const QUrlQuery &form = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + sandboxKey().toUtf8());
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = method == QLatin1String("POST") ? nam.post(req, form.toString(QUrl::FullyEncoded).toUtf8())
                                                           : nam.get(req);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

} // namespace

class tst_MeterSync final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "run through ctest (sandbox fixture)");
        m_client = std::make_unique<StripeClient>(config());
        const QJsonObject clock = http(QStringLiteral("GET"), QStringLiteral("/__sandbox/clock"));
        m_now = QDateTime::fromSecsSinceEpoch(qint64(clock.value(QLatin1String("now")).toDouble()), Qt::UTC);
        QVERIFY(m_now.isValid());
        m_to = BillingDatabase::bucketStart(m_now, UsageGranularity::Hour);
        m_from = BillingDatabase::bucketStart(m_to.addDays(-7), UsageGranularity::Day);
        const QJsonArray meters = http(QStringLiteral("GET"), QStringLiteral("/v1/billing/meters?limit=100")).value(QLatin1String("data")).toArray();
        for (const QJsonValue &m : meters)
            m_meters[m.toObject().value(QLatin1String("event_name")).toString()] = m.toObject().value(QLatin1String("id")).toString();
        QCOMPARE(m_meters.size(), 3);
        // Three demo customers with API usage in the range (by Stripe's own whole-range summary).
        QString after;
        for (int page = 0; page < 3 && m_customers.size() < 3; ++page) {
            const QJsonObject list = http(QStringLiteral("GET"), QStringLiteral("/v1/customers?limit=100") + (after.isEmpty() ? QString() : QStringLiteral("&starting_after=") + after));
            const QJsonArray customers = list.value(QLatin1String("data")).toArray();
            for (const QJsonValue &c : customers) {
                const QString id = c.toObject().value(QLatin1String("id")).toString();
                after = id;
                if (m_customers.size() < 3 && stripeTotal(QStringLiteral("api_calls"), id) > 0)
                    m_customers << id;
            }
        }
        QCOMPARE(m_customers.size(), 3);
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_db = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(m_dir->filePath(QStringLiteral("billing.db"))));
        const auto opened = m_db->openBlocking();
        QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().detail));
        m_service = std::make_unique<MeterSyncService>(m_client.get(), m_db.get());
    }

    void cleanup()
    {
        m_service.reset();
        m_db.reset();
        m_dir.reset();
    }

    void syncMatchesStripeAtEveryGranularity_data()
    {
        QTest::addColumn<UsageGranularity>("window");
        QTest::newRow("hourly summaries") << UsageGranularity::Hour;
        QTest::newRow("daily summaries") << UsageGranularity::Day;
    }
    void syncMatchesStripeAtEveryGranularity()
    {
        QFETCH(UsageGranularity, window);
        const auto report = runSync(window);
        QVERIFY(report);
        QVERIFY2(report->problems.isEmpty(), qPrintable(report->problems.value(0).message));
        QCOMPARE(report->meters, 3);
        QCOMPARE(report->windows, 3 * int(m_customers.size()));
        QVERIFY(report->buckets > 0);
        for (const QString &meter : m_meters.keys()) {
            for (const QString &customer : std::as_const(m_customers)) {
                const qint64 expected = stripeTotal(meter, customer);
                for (UsageGranularity g : {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month}) {
                    if (g == UsageGranularity::Hour && window == UsageGranularity::Day)
                        continue; // daily summaries have no hours
                    QCOMPARE(localTotal(meter, customer, g), expected);
                }
            }
        }
    }

    void resyncNeverDoubleCountsAndPicksUpNewEvents()
    {
        QVERIFY(runSync(UsageGranularity::Hour));
        const QString customer = m_customers.first();
        const qint64 before = localTotal(QStringLiteral("api_calls"), customer, UsageGranularity::Day);
        QVERIFY(runSync(UsageGranularity::Hour));
        QCOMPARE(localTotal(QStringLiteral("api_calls"), customer, UsageGranularity::Day), before);

        // A new meter event inside the range (an hour before its end), then sync again.
        QUrlQuery form;
        form.addQueryItem(QStringLiteral("event_name"), QStringLiteral("api_calls"));
        form.addQueryItem(QStringLiteral("payload[stripe_customer_id]"), customer);
        form.addQueryItem(QStringLiteral("payload[value]"), QStringLiteral("4321"));
        form.addQueryItem(QStringLiteral("timestamp"), QString::number(m_to.addSecs(-1800).toSecsSinceEpoch()));
        form.addQueryItem(QStringLiteral("identifier"), QStringLiteral("tst-metersync-%1").arg(QDateTime::currentMSecsSinceEpoch()));
        const QJsonObject ev = http(QStringLiteral("POST"), QStringLiteral("/v1/billing/meter_events"), form);
        QCOMPARE(ev.value(QLatin1String("object")).toString(), QStringLiteral("billing.meter_event"));
        QSignalSpy changed(m_db.get(), &UsageReader::usageChanged);
        QVERIFY(runSync(UsageGranularity::Hour));
        QVERIFY(changed.count() >= 1);
        QCOMPARE(localTotal(QStringLiteral("api_calls"), customer, UsageGranularity::Day), before + 4321);
        QCOMPARE(localTotal(QStringLiteral("api_calls"), customer, UsageGranularity::Month), stripeTotal(QStringLiteral("api_calls"), customer));
    }

    void unknownCustomerIsAProblemOfItsOwnWindows()
    {
        QStringList customers = m_customers;
        customers << QStringLiteral("cus_doesnotexist");
        const auto report = runSync(UsageGranularity::Day, customers);
        QVERIFY(report);
        QCOMPARE(report->problems.size(), 3); // one per meter
        for (const MeterSyncProblem &p : report->problems) {
            QCOMPARE(p.customerId, QStringLiteral("cus_doesnotexist"));
            QVERIFY(!p.message.isEmpty());
        }
        QCOMPARE(report->windows, 3 * int(m_customers.size()));
        QCOMPARE(localTotal(QStringLiteral("api_calls"), m_customers.first(), UsageGranularity::Day),
                 stripeTotal(QStringLiteral("api_calls"), m_customers.first()));
    }

    void meterThatDisappearsIsReported()
    {
        // An earlier sync knew a meter Stripe no longer lists.
        UsageMeterInfo gone;
        gone.id = QStringLiteral("mtr_gone_since_last_sync");
        gone.meter = QStringLiteral("legacy_exports");
        gone.displayName = QStringLiteral("Legacy exports");
        gone.status = QStringLiteral("active");
        const Status recorded = m_db->thread().runBlocking([gone](BillingDatabase &db) {
            return db.recordUsageMeters({gone}, UsageSourceStripe, QDateTime::currentDateTimeUtc().addDays(-2));
        });
        QVERIFY(recorded.ok());
        const auto report = runSync(UsageGranularity::Day);
        QVERIFY(report);
        QCOMPARE(report->missing, QStringList{QStringLiteral("legacy_exports")});
        QCOMPARE(report->problems.size(), 1);
        QVERIFY(report->problems.first().message.contains(QStringLiteral("no longer in Stripe")));
        std::optional<QList<UsageMeterInfo>> infos;
        m_db->meterInfos(this, [&](Result<QList<UsageMeterInfo>> r) { infos = r.valueOr({}); });
        QTRY_VERIFY(infos.has_value());
        QCOMPARE(infos->size(), 4);
        for (const UsageMeterInfo &i : *infos)
            QCOMPARE(i.status, i.meter == QLatin1String("legacy_exports") ? QStringLiteral("missing") : QStringLiteral("active"));
    }

    void badRequestIsRefusedBeforeAnyCall()
    {
        MeterSyncRequest r;
        r.customerIds = m_customers;
        r.from = m_to;
        r.to = m_from; // backwards
        std::optional<Result<MeterSyncReport>> out;
        m_service->sync(r, this, [&](Result<MeterSyncReport> res) { out = std::move(res); });
        QTRY_VERIFY(out.has_value());
        QVERIFY(!out->ok());
        QCOMPARE(out->error().kind, Error::Kind::Validation);
        r.from = m_from;
        r.to = m_to;
        r.window = UsageGranularity::Month;
        out.reset();
        m_service->sync(r, this, [&](Result<MeterSyncReport> res) { out = std::move(res); });
        QTRY_VERIFY(out.has_value());
        QCOMPARE(out->error().kind, Error::Kind::Validation);
    }

    // Last: deactivating changes the sandbox for later tests.
    void deactivatedMeterIsReportedAndItsHistoryKept()
    {
        QVERIFY(runSync(UsageGranularity::Day));
        const QString customer = m_customers.first();
        const qint64 storage = localTotal(QStringLiteral("storage_gb"), customer, UsageGranularity::Day);
        QVERIFY(storage > 0);
        http(QStringLiteral("POST"), QStringLiteral("/v1/billing/meters/%1/deactivate").arg(m_meters.value(QStringLiteral("storage_gb"))));
        const auto report = runSync(UsageGranularity::Day);
        http(QStringLiteral("POST"), QStringLiteral("/v1/billing/meters/%1/reactivate").arg(m_meters.value(QStringLiteral("storage_gb"))));
        QVERIFY(report);
        QCOMPARE(report->inactive, QStringList{QStringLiteral("storage_gb")});
        QCOMPARE(localTotal(QStringLiteral("storage_gb"), customer, UsageGranularity::Day), storage);
    }

private:
    std::optional<MeterSyncReport> runSync(UsageGranularity window, const QStringList &customers = {})
    {
        MeterSyncRequest r;
        r.customerIds = customers.isEmpty() ? m_customers : customers;
        r.from = m_from;
        r.to = m_to;
        r.window = window;
        std::optional<Result<MeterSyncReport>> out;
        m_service->sync(r, this, [&](Result<MeterSyncReport> res) { out = std::move(res); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 60000))
            return std::nullopt;
        if (!out->ok()) {
            qWarning("sync failed: %s", qPrintable(out->error().detail));
            return std::nullopt;
        }
        return out->value();
    }

    // What Stripe reports for the whole range (one summary, no grouping window).
    qint64 stripeTotal(const QString &meter, const QString &customer)
    {
        const QJsonObject list = http(QStringLiteral("GET"), QStringLiteral("/v1/billing/meters/%1/event_summaries?customer=%2&start_time=%3&end_time=%4")
                                                                 .arg(m_meters.value(meter), customer)
                                                                 .arg(m_from.toSecsSinceEpoch())
                                                                 .arg(m_to.toSecsSinceEpoch()));
        return qint64(list.value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("aggregated_value")).toDouble(-1));
    }

    qint64 localTotal(const QString &meter, const QString &customer, UsageGranularity g)
    {
        UsageSeriesQuery q;
        q.customerId = customer;
        q.granularity = g;
        q.source = UsageSourceStripe;
        q.from = BillingDatabase::bucketStart(m_from, UsageGranularity::Month);
        q.to = m_to.addMonths(1);
        const auto points = m_db->thread().runBlocking([q](BillingDatabase &db) { return db.usageSeries(q); });
        if (!points)
            return -1;
        qint64 sum = 0;
        for (const UsagePoint &p : *points)
            sum += p.meter == meter ? p.quantity : 0;
        return sum;
    }

    std::unique_ptr<StripeClient> m_client;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<AsyncBillingDatabase> m_db;
    std::unique_ptr<MeterSyncService> m_service;
    QMap<QString, QString> m_meters; // event name -> id
    QStringList m_customers;
    QDateTime m_now, m_from, m_to;
};

QTEST_GUILESS_MAIN(tst_MeterSync)
#include "tst_metersync.moc"
