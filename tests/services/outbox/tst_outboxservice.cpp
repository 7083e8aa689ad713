#include "services/outbox/outboxservice.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUuid>

#include <memory>

using namespace Billing;

namespace {

// The sandbox's own records, over plain HTTP (not through the code under test).
QJsonObject sandboxCall(const QByteArray &method, const QString &path, const QByteArray &body = {},
                        const QByteArray &contentType = "application/json")
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + path));
    req.setRawHeader("Authorization", "Bearer " + Test::sandboxKey().toUtf8());
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

// How many writes the sandbox applied with this idempotency key (replays are not listed).
int appliedWithKey(const QString &key)
{
    const QJsonArray data = sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("data")).toArray();
    int n = 0;
    for (const QJsonValue &v : data)
        n += v.toObject().value(QLatin1String("idempotency_key")).toString() == key ? 1 : 0;
    return n;
}

// A demo payment intent that succeeded and has money left to refund.
QString refundablePaymentIntent(int skip)
{
    const QJsonArray data = sandboxCall("GET", QStringLiteral("/v1/payment_intents?limit=100"))
                                .value(QLatin1String("data"))
                                .toArray();
    for (const QJsonValue &v : data) {
        const QJsonObject pi = v.toObject();
        if (pi.value(QLatin1String("status")).toString() == QLatin1String("succeeded")
            && pi.value(QLatin1String("amount")).toInteger() > 1000 && skip-- <= 0)
            return pi.value(QLatin1String("id")).toString();
    }
    return {};
}

QUrl closedPortUrl()
{
    QTcpServer probe; // take a free port, then close it: nothing listens there
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

} // namespace

class tst_OutboxService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void smallRefundSucceedsOnceWithStoredKey();
    void enqueueIsPersistedBeforeSendAndResentAfterRestart();
    void doubleEnqueueWithSameClientOpIdIsOneOperation();
    void offlineStaysPendingThenGoesOutWhenReachable();
    void finalStripeErrorIsFailedWithStripesMessage();
    void unconfirmedEntryOlderThan24HoursNeedsAttention();
    void damagedOutboxIsReportedNotRecreated();
    void transientClassification_data();
    void transientClassification();

private:
    std::unique_ptr<StripeClient> makeClient(const QUrl &url, int maxRetries = 2)
    {
        StripeConfig c;
        c.baseUrl = url;
        c.apiKey = Test::sandboxKey();
        c.maxRetries = maxRetries;
        c.initialRetryDelayMs = 100;
        c.timeoutMs = 10000;
        return std::make_unique<StripeClient>(c);
    }
    static OutboxOperation refund(const QString &pi, qint64 amount, const QString &opId = {})
    {
        OutboxOperation op;
        op.operation = QStringLiteral("refund.create");
        op.method = QStringLiteral("POST");
        op.path = QStringLiteral("/v1/refunds");
        op.params = QJsonObject{{QStringLiteral("payment_intent"), pi},
                                {QStringLiteral("amount"), amount},
                                {QStringLiteral("reason"), QStringLiteral("requested_by_customer")}};
        op.actor = QStringLiteral("tst_outboxservice");
        op.clientOpId = opId;
        return op;
    }
    QString m_pi;
};

void tst_OutboxService::initTestCase()
{
    QVERIFY2(!Test::sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_pi = refundablePaymentIntent(3);
    QVERIFY2(!m_pi.isEmpty(), "the demo dataset has no refundable payment intent");
}

void tst_OutboxService::smallRefundSucceedsOnceWithStoredKey()
{
    QTemporaryDir dir;
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), client.get());
    QVERIFY(outbox.openBlocking().ok());
    QSignalSpy changed(&outbox, &OutboxService::entryChanged);
    Result<OutboxEntry> e = outbox.enqueueBlocking(refund(m_pi, 1));
    QVERIFY(e.ok());
    outbox.start();
    QTRY_COMPARE_WITH_TIMEOUT(outbox.entryBlocking(e->id)->state, OutboxState::Succeeded, 20000);
    const OutboxEntry done = *outbox.entryBlocking(e->id);
    QVERIFY(done.resultObjectId.startsWith(QLatin1String("re_")));
    QCOMPARE(done.result.value(QLatin1String("amount")).toInteger(), 1);
    QCOMPARE(done.attempts, 1);
    QTRY_VERIFY(changed.count() >= 3); // enqueued, in flight, succeeded (the signal follows the commit)
    QCOMPARE(appliedWithKey(done.idempotencyKey), 1);
    const QJsonObject remote = sandboxCall("GET", QStringLiteral("/v1/refunds/") + done.resultObjectId);
    QCOMPARE(remote.value(QLatin1String("payment_intent")).toString(), m_pi);
}

void tst_OutboxService::enqueueIsPersistedBeforeSendAndResentAfterRestart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    const QJsonObject stats = sandboxCall("GET", QStringLiteral("/__sandbox/stats"));
    const int latencyBefore = stats.value(QLatin1String("config")).toObject().value(QLatin1String("latencyMs")).toInt();
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs": 700})");
    qint64 id = 0;
    QString key;
    {
        auto client = makeClient(QUrl(Test::sandboxUrl()));
        auto outbox = std::make_unique<OutboxService>(path, client.get());
        QVERIFY(outbox->openBlocking().ok());
        Result<OutboxEntry> e = outbox->enqueueBlocking(refund(m_pi, 2));
        QVERIFY(e.ok());
        id = e->id;
        key = e->idempotencyKey;
        outbox->start();
        QTRY_COMPARE_WITH_TIMEOUT(outbox->entryBlocking(id)->state, OutboxState::InFlight, 5000);
        QTest::qWait(200); // the request is at the sandbox, which holds it for its latency
        // The "crash": everything goes before the reply arrives.
        outbox.reset();
        client.reset();
    }
    sandboxCall("POST", QStringLiteral("/__sandbox/config"),
                QStringLiteral(R"({"latencyMs": %1})").arg(latencyBefore).toUtf8());
    {
        OutboxStore peek; // what the next start finds on disk
        QVERIFY(peek.open(path).ok());
        const OutboxEntry e = *peek.entry(id);
        QCOMPARE(e.state, OutboxState::InFlight);
        QCOMPARE(e.idempotencyKey, key);
    }
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(path, client.get());
    QVERIFY(outbox.openBlocking().ok());
    outbox.start();
    QTRY_COMPARE_WITH_TIMEOUT(outbox.entryBlocking(id)->state, OutboxState::Succeeded, 20000);
    const OutboxEntry e = *outbox.entryBlocking(id);
    QCOMPARE(e.idempotencyKey, key);
    QCOMPARE(e.attempts, 2);
    QCOMPARE(appliedWithKey(key), 1);
    // Exactly one refund of 2 on that payment intent carries this entry's result id.
    const QJsonArray refunds = sandboxCall("GET", QStringLiteral("/v1/refunds?limit=100&payment_intent=") + m_pi)
                                   .value(QLatin1String("data"))
                                   .toArray();
    int withId = 0;
    for (const QJsonValue &r : refunds)
        withId += r.toObject().value(QLatin1String("id")).toString() == e.resultObjectId ? 1 : 0;
    QCOMPARE(withId, 1);
}

void tst_OutboxService::doubleEnqueueWithSameClientOpIdIsOneOperation()
{
    QTemporaryDir dir;
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), client.get());
    QVERIFY(outbox.openBlocking().ok());
    const QString opId = QStringLiteral("double-click-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    // Two asynchronous enqueues in a row, as a double click would make them.
    std::optional<Result<OutboxEntry>> a, b;
    outbox.enqueue(refund(m_pi, 1, opId), this, [&](Result<OutboxEntry> e) { a.emplace(std::move(e)); });
    outbox.enqueue(refund(m_pi, 1, opId), this, [&](Result<OutboxEntry> e) { b.emplace(std::move(e)); });
    QTRY_VERIFY(a && b);
    QVERIFY(a->ok() && b->ok());
    QCOMPARE((*a)->id, (*b)->id);
    QCOMPARE(outbox.entriesBlocking(std::nullopt)->size(), 1);
    Result<OutboxService::DrainReport> report = outbox.drainBlocking();
    QVERIFY(report.ok());
    QCOMPARE(report->succeeded, 1);
    // Enqueued once more after it went out: still the same, settled entry; nothing new is sent.
    Result<OutboxEntry> c = outbox.enqueueBlocking(refund(m_pi, 1, opId));
    QVERIFY(c.ok());
    QCOMPARE(c->id, (*a)->id);
    QCOMPARE(c->state, OutboxState::Succeeded);
    QCOMPARE(outbox.drainBlocking()->attempted, 0);
    QCOMPARE(appliedWithKey(c->idempotencyKey), 1);
}

void tst_OutboxService::offlineStaysPendingThenGoesOutWhenReachable()
{
    QTemporaryDir dir;
    auto client = makeClient(closedPortUrl(), 1);
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), client.get());
    QVERIFY(outbox.openBlocking().ok());
    Result<OutboxEntry> e = outbox.enqueueBlocking(refund(m_pi, 1));
    QVERIFY(e.ok());
    outbox.start();
    QTRY_VERIFY_WITH_TIMEOUT(outbox.entryBlocking(e->id)->attempts >= 1
                                 && outbox.entryBlocking(e->id)->state == OutboxState::Pending,
                             10000);
    const OutboxEntry queued = *outbox.entryBlocking(e->id);
    QCOMPARE(queued.errorKind, QStringLiteral("network"));
    QVERIFY(queued.nextAttemptAt > queued.updatedAt);
    QCOMPARE(outbox.entriesBlocking(OutboxState::Pending)->size(), 1);

    // Connectivity returns (the right address): the retry goes out with the stored key.
    StripeConfig c = client->config();
    c.baseUrl = QUrl(Test::sandboxUrl());
    client->setConfig(c);
    outbox.retryNow();
    QTRY_COMPARE_WITH_TIMEOUT(outbox.entryBlocking(e->id)->state, OutboxState::Succeeded, 20000);
    QCOMPARE(outbox.entryBlocking(e->id)->idempotencyKey, e->idempotencyKey);
    QCOMPARE(appliedWithKey(e->idempotencyKey), 1);
}

void tst_OutboxService::finalStripeErrorIsFailedWithStripesMessage()
{
    QTemporaryDir dir;
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), client.get());
    QVERIFY(outbox.openBlocking().ok());
    // More than any demo payment was: Stripe refuses with 400 and says why.
    Result<OutboxEntry> e = outbox.enqueueBlocking(refund(m_pi, 999999999));
    QVERIFY(e.ok());
    Result<OutboxService::DrainReport> report = outbox.drainBlocking();
    QVERIFY(report.ok());
    QCOMPARE(report->failed, 1);
    const OutboxEntry failed = *outbox.entryBlocking(e->id);
    QCOMPARE(failed.state, OutboxState::Failed);
    QCOMPARE(failed.errorHttpStatus, 400);
    QCOMPARE(failed.errorKind, QStringLiteral("validation"));
    QVERIFY(failed.errorRequestId.startsWith(QLatin1String("req_")));
    QVERIFY2(failed.errorMessage.contains(QLatin1String("greater than unrefunded amount")),
             qPrintable(failed.errorMessage));
    QCOMPARE(failed.attempts, 1);
    QCOMPARE(outbox.entriesBlocking(OutboxState::Failed)->size(), 1);
    // Failed stays failed: no further sends.
    QCOMPARE(outbox.drainBlocking()->attempted, 0);
}

void tst_OutboxService::unconfirmedEntryOlderThan24HoursNeedsAttention()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    qint64 sentOnce = 0, neverSent = 0;
    QString sentKey, neverKey;
    {
        OutboxStore store;
        QVERIFY(store.open(path).ok());
        const QDateTime old = QDateTime::currentDateTimeUtc().addSecs(-25 * 3600);
        OutboxEntry a = *store.enqueue(refund(m_pi, 1), old);
        OutboxEntry b = *store.enqueue(refund(m_pi, 1), old);
        OutboxStore::ClaimFilter only;
        only.onlyId = a.id;
        QVERIFY(store.claimNext(old, only)->entry); // a went in flight 25 h ago and was never confirmed
        sentOnce = a.id;
        sentKey = a.idempotencyKey;
        neverSent = b.id;
        neverKey = b.idempotencyKey;
    }
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(path, client.get());
    QVERIFY(outbox.openBlocking().ok());
    QSignalSpy changed(&outbox, &OutboxService::entryChanged);
    Result<OutboxService::DrainReport> report = outbox.drainBlocking();
    QVERIFY(report.ok());
    QCOMPARE(report->needsAttention, 1);
    QCOMPARE(report->succeeded, 1);
    QCOMPARE(outbox.entryBlocking(sentOnce)->state, OutboxState::NeedsAttention);
    QCOMPARE(outbox.entryBlocking(neverSent)->state, OutboxState::Succeeded);
    QVERIFY(changed.contains(QVariantList{sentOnce}));
    QCOMPARE(appliedWithKey(sentKey), 0);
    QCOMPARE(appliedWithKey(neverKey), 1);
    QCOMPARE(outbox.entriesBlocking(OutboxState::NeedsAttention)->size(), 1);
}

void tst_OutboxService::damagedOutboxIsReportedNotRecreated()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("\x01\x02garbage", 9).repeated(1000));
    }
    auto client = makeClient(QUrl(Test::sandboxUrl()));
    OutboxService outbox(path, client.get());
    Result<OutboxStore::OpenReport> opened = outbox.openBlocking();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().kind, Error::Kind::Database);
    QVERIFY(opened.error().userMessage.contains(QLatin1String(".damaged-")));
    QVERIFY(!QFile::exists(path));
    Result<OutboxEntry> e = outbox.enqueueBlocking(refund(m_pi, 1));
    QVERIFY(!e.ok());
    QCOMPARE(e.error().kind, Error::Kind::Database);
    Result<OutboxService::DrainReport> d = outbox.drainBlocking();
    QVERIFY(!d.ok());
}

void tst_OutboxService::transientClassification_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("transient");
    QTest::newRow("connection refused") << int(Error::Kind::Network) << 0 << true;
    QTest::newRow("timeout") << int(Error::Kind::Timeout) << 0 << true;
    QTest::newRow("429") << int(Error::Kind::RateLimited) << 429 << true;
    QTest::newRow("500") << int(Error::Kind::Server) << 500 << true;
    QTest::newRow("409 lock / key in use") << int(Error::Kind::Conflict) << 409 << true;
    QTest::newRow("400 idempotency_error") << int(Error::Kind::Conflict) << 400 << false;
    QTest::newRow("400 invalid request") << int(Error::Kind::Validation) << 400 << false;
    QTest::newRow("402 card declined") << int(Error::Kind::CardDeclined) << 402 << false;
    QTest::newRow("404") << int(Error::Kind::NotFound) << 404 << false;
    QTest::newRow("401") << int(Error::Kind::Unauthorized) << 401 << false;
}

void tst_OutboxService::transientClassification()
{
    QFETCH(int, kind);
    QFETCH(int, status);
    QFETCH(bool, transient);
    Error e = Error::make(Error::Kind(kind), QStringLiteral("x"));
    e.httpStatus = status;
    QCOMPARE(OutboxService::isTransient(e), transient);
}

QTEST_GUILESS_MAIN(tst_OutboxService)
#include "tst_outboxservice.moc"
