#include "services/stripe/ratelimiter.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Billing;

// The token bucket over a clock the test controls, the limiter's queue and in-flight bound, and
// StripeClient against a sandbox that enforces Stripe's test-mode limit of 25 requests/s.
class tst_RateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bucketAdmits_data();
    void bucketAdmits();
    void bucketWaitsForNextToken_data();
    void bucketWaitsForNextToken();
    void drainHoldsRefill();
    void defaultRateFollowsMode_data();
    void defaultRateFollowsMode();
    void limiterStartsInOrderWithinInFlightBound();
    void limiterPacesStartsByClock();
    void burstAgainstRateLimitedSandboxGetsNo429();
    void cleanupTestCase();

private:
    QProcess *m_sandbox = nullptr;
};

void tst_RateLimiter::bucketAdmits_data()
{
    // A bucket (rate, capacity) full at t=0; requests arrive at the given times (ms); expected: how
    // many of them it admits. Admitted by time t never exceeds capacity + rate * t.
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("capacity");
    QTest::addColumn<QList<qint64>>("arrivals");
    QTest::addColumn<int>("admitted");

    QList<qint64> thirtyAtOnce(30, 0);
    QTest::newRow("burst of 30 at t=0, capacity 25") << 25.0 << 25.0 << thirtyAtOnce << 25;
    QTest::newRow("burst of 30 at t=0, capacity 1") << 25.0 << 1.0 << thirtyAtOnce << 1;
    QList<qint64> paced;
    for (int i = 0; i < 50; ++i)
        paced << qint64(i) * 40; // exactly the refill rate
    QTest::newRow("paced at the rate, all pass") << 25.0 << 1.0 << paced << 50;
    QList<qint64> tooFast;
    for (int i = 0; i < 100; ++i)
        tooFast << qint64(i) * 20; // twice the rate for 2 s
    // capacity 5 + 25/s * 1.98 s = 54.5 -> 54 tokens by the last arrival
    QTest::newRow("twice the rate for 2 s") << 25.0 << 5.0 << tooFast << 54;
    QTest::newRow("live rate 100/s, 150 at t=0 then 100 at t=1000")
        << 100.0 << 100.0 << (QList<qint64>(150, 0) + QList<qint64>(100, 1000)) << 200;
    QTest::newRow("refill caps at capacity after idling")
        << 10.0 << 3.0 << (QList<qint64>(3, 0) + QList<qint64>(10, 60000)) << 6;
}

void tst_RateLimiter::bucketAdmits()
{
    QFETCH(double, rate);
    QFETCH(double, capacity);
    QFETCH(QList<qint64>, arrivals);
    QFETCH(int, admitted);
    TokenBucket bucket(rate, capacity, 0);
    int n = 0;
    for (qint64 t : arrivals) {
        if (bucket.tryTake(t))
            ++n;
        QVERIFY2(n <= capacity + rate * double(t) / 1000.0 + 1e-9, "admitted more than the bucket allows");
    }
    QCOMPARE(n, admitted);
}

void tst_RateLimiter::bucketWaitsForNextToken_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<int>("taken"); // tokens taken at t=0 from a full bucket of capacity 2
    QTest::addColumn<qint64>("at");
    QTest::addColumn<qint64>("wait");
    QTest::newRow("token there") << 25.0 << 1 << qint64(0) << qint64(0);
    QTest::newRow("empty at 25/s: 40 ms") << 25.0 << 2 << qint64(0) << qint64(40);
    QTest::newRow("empty at 25/s, 10 ms later: 30 ms") << 25.0 << 2 << qint64(10) << qint64(30);
    QTest::newRow("empty at 100/s: 10 ms") << 100.0 << 2 << qint64(0) << qint64(10);
    QTest::newRow("empty at 3/s: 334 ms") << 3.0 << 2 << qint64(0) << qint64(334);
}

void tst_RateLimiter::bucketWaitsForNextToken()
{
    QFETCH(double, rate);
    QFETCH(int, taken);
    QFETCH(qint64, at);
    QFETCH(qint64, wait);
    TokenBucket bucket(rate, 2, 0);
    for (int i = 0; i < taken; ++i)
        QVERIFY(bucket.tryTake(0));
    QCOMPARE(bucket.msUntilToken(at), wait);
    if (wait > 0) {
        QVERIFY(!bucket.tryTake(at + wait - 1));
        QVERIFY(bucket.tryTake(at + wait));
    }
}

void tst_RateLimiter::drainHoldsRefill()
{
    TokenBucket bucket(25, 25, 0);
    bucket.drain(100, 500); // a 429 at t=100 with Retry-After 0.5 s
    QVERIFY(!bucket.tryTake(100));
    QVERIFY(!bucket.tryTake(599));
    QCOMPARE(bucket.msUntilToken(100), qint64(540)); // 500 held + 40 to refill one token
    QVERIFY(!bucket.tryTake(620));
    QVERIFY(bucket.tryTake(640));
}

void tst_RateLimiter::defaultRateFollowsMode_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<double>("configured");
    QTest::addColumn<double>("rate");
    QTest::newRow("test key at Stripe") << "sk_test_1" << "https://api.stripe.com" << 0.0 << 25.0;
    QTest::newRow("live key") << "sk_live_1" << "https://api.stripe.com" << 0.0 << 100.0;
    QTest::newRow("restricted live key") << "rk_live_1" << "https://api.stripe.com" << 0.0 << 100.0;
    QTest::newRow("sandbox") << "sk_test_1" << "http://127.0.0.1:1" << 0.0 << 25.0;
    QTest::newRow("configured wins") << "sk_live_1" << "https://api.stripe.com" << 40.0 << 40.0;
}

void tst_RateLimiter::defaultRateFollowsMode()
{
    QFETCH(QString, key);
    QFETCH(QString, baseUrl);
    QFETCH(double, configured);
    QFETCH(double, rate);
    StripeConfig config;
    config.apiKey = key;
    config.baseUrl = QUrl(baseUrl);
    config.requestsPerSecond = configured;
    QCOMPARE(config.effectiveRequestsPerSecond(), rate);
    StripeClient client(config);
    QCOMPARE(client.rateLimiter().ratePerSecond(), rate);
    QVERIFY(client.rateLimiter().maxInFlight() >= 8); // 25/s at ~300 ms per call
}

void tst_RateLimiter::limiterStartsInOrderWithinInFlightBound()
{
    qint64 now = 0;
    RateLimiter limiter(1000, 1000, 3, nullptr, [&now] { return now; });
    QList<int> started;
    for (int i = 0; i < 10; ++i)
        limiter.acquire([&started, i] { started << i; });
    QCOMPARE(started, (QList<int>{0, 1, 2}));
    QCOMPARE(limiter.inFlight(), 3);
    QCOMPARE(limiter.queued(), 7);
    limiter.release();
    QCOMPARE(started.size(), 4);
    QCOMPARE(started.last(), 3);
    for (int i = 0; i < 6; ++i)
        limiter.release();
    QCOMPARE(started, (QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    QVERIFY(limiter.peakInFlight() <= 3);
}

void tst_RateLimiter::limiterPacesStartsByClock()
{
    // Real timers, a clock the test reads: 20 starts at 100/s with a bucket of 5 take >= 150 ms.
    QElapsedTimer clock;
    clock.start();
    RateLimiter limiter(100, 5, 100, nullptr, [&clock] { return clock.elapsed(); });
    QList<qint64> at;
    for (int i = 0; i < 20; ++i)
        limiter.acquire([&at, &clock, &limiter] {
            at << clock.elapsed();
            limiter.release();
        });
    QCOMPARE(at.size(), 5);
    QTRY_COMPARE_WITH_TIMEOUT(at.size(), 20, 5000);
    for (int i = 0; i < at.size(); ++i)
        QVERIFY2(i + 1 <= 5 + 100 * at[i] / 1000.0 + 1e-9, qPrintable(QStringLiteral("start %1 at %2 ms").arg(i).arg(at[i])));
    QVERIFY(at.last() >= 150);
}

void tst_RateLimiter::burstAgainstRateLimitedSandboxGetsNo429()
{
    // A sandbox of its own (the shared one has no rate limit and other tests use it):
    // --rate-limit 25 per key and 50 ms latency; the client left at its test-mode default.
    const QString source = Test::sourceDir();
    QVERIFY2(!source.isEmpty(), "BC_SOURCE_DIR not set");
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    const QString key = QStringLiteral("sk_test_ratelimiter");
    m_sandbox = new QProcess(this);
    m_sandbox->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_sandbox->start(QStringLiteral("node"), {source + QStringLiteral("/tests/stripe-sandbox/server.js"), QStringLiteral("--port"),
                                             QString::number(port), QStringLiteral("--api-key"), key, QStringLiteral("--dataset"),
                                             QStringLiteral("empty"), QStringLiteral("--rate-limit"), QStringLiteral("25"),
                                             QStringLiteral("--latency-ms"), QStringLiteral("50"), QStringLiteral("--quiet")});
    QVERIFY(m_sandbox->waitForStarted());
    StripeConfig config;
    config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    config.apiKey = key;
    config.maxRetries = 0; // a 429 must show, not be hidden by a retry
    QNetworkAccessManager nam;
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
        QNetworkRequest req(QUrl(config.baseUrl.toString() + QStringLiteral("/__sandbox/stats")));
        std::unique_ptr<QNetworkReply> r(nam.get(req));
        QEventLoop loop;
        connect(r.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        up = r->error() == QNetworkReply::NoError;
        if (!up)
            QTest::qWait(100);
    }
    QVERIFY2(up, "the sandbox did not start");
    QTest::qWait(1100); // the key's budget is full again after the readiness probes

    StripeClient client(config);
    QCOMPARE(client.rateLimiter().ratePerSecond(), 25.0);
    const int n = 100;
    int ok = 0, limited = 0, other = 0;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < n; ++i)
        client.get(QStringLiteral("/v1/customers"), FormValue::object({{"limit", 1}}), this, [&](Result<QJsonObject> r) {
            if (r.ok())
                ++ok;
            else if (r.error().kind == Error::Kind::RateLimited)
                ++limited;
            else
                ++other;
        });
    QTRY_COMPARE_WITH_TIMEOUT(ok + limited + other, n, 30000);
    const double seconds = clock.elapsed() / 1000.0;
    qInfo("%d requests in %.2f s (bound %.2f s), %d rate-limited, peak in flight %d", n, seconds, (n - 25) / 25.0,
          limited, client.rateLimiter().peakInFlight());
    QCOMPARE(limited, 0);
    QCOMPARE(other, 0);
    QVERIFY(seconds >= (n - 25) / 25.0);
    QVERIFY(seconds < (n - 25) / 25.0 + 3.0); // and not much slower than the limit
}

void tst_RateLimiter::cleanupTestCase()
{
    if (m_sandbox) {
        m_sandbox->terminate();
        if (!m_sandbox->waitForFinished(5000))
            m_sandbox->kill();
    }
}

QTEST_GUILESS_MAIN(tst_RateLimiter)
#include "tst_ratelimiter.moc"
