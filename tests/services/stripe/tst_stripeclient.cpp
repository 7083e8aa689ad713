#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <optional>

using namespace Billing;

namespace {

// A loopback HTTP server that answers each request with the next canned reply, and records what
// it was sent. Used for the answers a real Stripe (or the sandbox) would not give.
class CannedServer : public QObject
{
public:
    struct Reply
    {
        QByteArray raw;      // written as is; empty = never answer
        bool close = true;   // close the connection after writing
    };
    struct Request
    {
        QByteArray head;
        QByteArray body;
        QByteArray header(const QByteArray &name) const
        {
            for (const QByteArray &line : head.split('\n')) {
                const int colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed().toLower() == name.toLower())
                    return line.mid(colon + 1).trimmed();
            }
            return {};
        }
    };

    CannedServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    void enqueue(Reply r) { m_replies << r; }
    static Reply http(int status, const QByteArray &body, const QByteArray &extraHeaders = {},
                      const QByteArray &contentType = "application/json")
    {
        return {"HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nRequest-Id: req_canned_"
                    + QByteArray::number(status) + "\r\n" + extraHeaders + "Connection: close\r\n\r\n" + body,
                true};
    }
    QList<Request> requests;

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        const int end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request req;
        req.head = buf.left(end);
        const int length = req.header("content-length").toInt();
        if (buf.size() < end + 4 + length)
            return;
        req.body = buf.mid(end + 4, length);
        requests << req;
        m_buffers.remove(s);
        const Reply reply = m_replies.isEmpty() ? http(500, "{}") : m_replies.takeFirst();
        if (reply.raw.isEmpty())
            return; // hang
        s->write(reply.raw);
        s->flush();
        if (reply.close)
            s->disconnectFromHost();
    }

    QTcpServer m_server;
    QList<Reply> m_replies;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

Result<QJsonObject> call(StripeClient &client, const QString &method, const QString &path, const FormParams &params = {},
                         const StripeRequestOptions &options = {})
{
    std::optional<Result<QJsonObject>> out;
    QObject context;
    QEventLoop loop;
    client.request(method, path, params, options, &context, [&](Result<QJsonObject> r) {
        out.emplace(std::move(r));
        loop.quit();
    });
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    if (!out)
        loop.exec();
    if (!out)
        return Error::make(Error::Kind::Timeout, QStringLiteral("test gave up waiting"));
    return *out;
}

} // namespace

class tst_StripeClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    // Against the sandbox.
    void listAllPagesThroughEveryInvoice();
    void listAllStopsWhenThePageHandlerSaysSo();
    void formEncodingRoundTrip();
    void wrongKeyIsUnauthorized();
    void unknownIdIsNotFound();
    void reusedIdempotencyKeyWithOtherBodyIsConflict();
    void badParameterIsValidationNamingTheParam();
    // Against a canned local server.
    void sendsStripeHeaders();
    void brokenAnswersAreTypedErrors_data();
    void brokenAnswersAreTypedErrors();
    void retriesWithTheSameIdempotencyKey();
    void stripeShouldRetryFalseStopsRetries();
    void timeoutIsTimeout();
    void unregisteredRequestIsRefusedWithoutSending();
    void handlerDoesNotRunAfterContextDies();

private:
    StripeConfig sandboxConfig() const;
    StripeConfig cannedConfig(const CannedServer &server) const;
    qint64 sandboxCount(const QString &objects);
};

void tst_StripeClient::initTestCase()
{
    QVERIFY2(!Test::sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through ctest (sandbox fixture)");
}

StripeConfig tst_StripeClient::sandboxConfig() const
{
    StripeConfig c;
    c.baseUrl = QUrl(Test::sandboxUrl());
    c.apiKey = Test::sandboxKey();
    c.timeoutMs = 20000;
    c.initialRetryDelayMs = 50;
    return c;
}

StripeConfig tst_StripeClient::cannedConfig(const CannedServer &server) const
{
    StripeConfig c;
    c.baseUrl = server.url();
    c.apiKey = QStringLiteral("sk_test_canned");
    c.timeoutMs = 5000;
    c.maxRetries = 0;
    c.initialRetryDelayMs = 10;
    c.maxRetryDelayMs = 40;
    return c;
}

qint64 tst_StripeClient::sandboxCount(const QString &objects)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(Test::sandboxUrl() + QStringLiteral("/__sandbox/stats")));
    req.setRawHeader("Authorization", "Bearer " + Test::sandboxKey().toUtf8());
    QNetworkReply *reply = nam.get(req);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!done.wait(10000))
        return -1;
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("objects")).toObject().value(objects).toInteger(-1);
}

void tst_StripeClient::listAllPagesThroughEveryInvoice()
{
    StripeClient client(sandboxConfig());
    QSet<QString> ids;
    int pages = 0;
    int biggestPage = 0;
    std::optional<Status> done;
    client.listAll(QStringLiteral("/v1/invoices"), {}, this,
                   [&](const QJsonArray &page) {
                       ++pages;
                       biggestPage = std::max(biggestPage, int(page.size()));
                       for (const QJsonValue &v : page)
                           ids.insert(v.toObject().value(QLatin1String("id")).toString());
                       return true;
                   },
                   [&](Status s) { done.emplace(s); });
    QTRY_VERIFY_WITH_TIMEOUT(done.has_value(), 120000);
    QVERIFY2(done->ok(), qPrintable(done->ok() ? QString() : done->error().detail));
    const qint64 expected = sandboxCount(QStringLiteral("invoices"));
    QVERIFY(expected > 1000);
    QCOMPARE(qint64(ids.size()), expected);
    QCOMPARE(biggestPage, 100);
    QCOMPARE(pages, int((expected + 99) / 100));
}

void tst_StripeClient::listAllStopsWhenThePageHandlerSaysSo()
{
    StripeClient client(sandboxConfig());
    int pages = 0;
    std::optional<Status> done;
    client.listAll(QStringLiteral("/v1/customers"), {}, this, [&](const QJsonArray &) { return ++pages < 2; },
                   [&](Status s) { done.emplace(s); });
    QTRY_VERIFY_WITH_TIMEOUT(done.has_value(), 30000);
    QVERIFY(done->ok());
    QCOMPARE(pages, 2);
}

void tst_StripeClient::formEncodingRoundTrip()
{
    StripeClient client(sandboxConfig());
    const QString name = QString::fromUtf8("Zoë O'Neil & Söhne (GmbH) 100% [test]");
    FormParams params = FormValue::object(
        {{"name", name},
         {"email", "zoe+billing@example.com"},
         {"address", FormValue::object({{"line1", "Hauptstraße 1/2"}, {"city", "Köln"}, {"postal_code", "50667"}, {"country", "DE"}})},
         {"metadata", FormValue::object({{"crm_id", "a&b=c?d"}, {"note", "multi\nline ~ *"}})}});
    const auto created = call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers"), params);
    QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().detail));
    const QString id = created->value(QLatin1String("id")).toString();
    QVERIFY(id.startsWith(QLatin1String("cus_")));

    const auto back = call(client, QStringLiteral("GET"), QStringLiteral("/v1/customers/") + id);
    QVERIFY(back.ok());
    QCOMPARE(back->value(QLatin1String("name")).toString(), name);
    QCOMPARE(back->value(QLatin1String("email")).toString(), QStringLiteral("zoe+billing@example.com"));
    const QJsonObject address = back->value(QLatin1String("address")).toObject();
    QCOMPARE(address.value(QLatin1String("line1")).toString(), QString::fromUtf8("Hauptstraße 1/2"));
    QCOMPARE(address.value(QLatin1String("city")).toString(), QString::fromUtf8("Köln"));
    QCOMPARE(address.value(QLatin1String("country")).toString(), QStringLiteral("DE"));
    const QJsonObject meta = back->value(QLatin1String("metadata")).toObject();
    QCOMPARE(meta.value(QLatin1String("crm_id")).toString(), QStringLiteral("a&b=c?d"));
    QCOMPARE(meta.value(QLatin1String("note")).toString(), QStringLiteral("multi\nline ~ *"));
}

void tst_StripeClient::wrongKeyIsUnauthorized()
{
    StripeConfig config = sandboxConfig();
    config.apiKey = QStringLiteral("sk_test_wrong_key");
    StripeClient client(config);
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/account"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
    QCOMPARE(r.error().httpStatus, 401);
    QVERIFY(!r.error().userMessage.isEmpty());
    QVERIFY(!r.error().userMessage.contains(QLatin1String("sk_test_wrong_key")));
    QVERIFY(!r.error().detail.contains(QLatin1String("sk_test_wrong_key")));
}

void tst_StripeClient::unknownIdIsNotFound()
{
    StripeClient client(sandboxConfig());
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/invoices/in_doesnotexist"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::NotFound);
    QCOMPARE(r.error().httpStatus, 404);
    QVERIFY(!r.error().requestId.isEmpty());
}

void tst_StripeClient::reusedIdempotencyKeyWithOtherBodyIsConflict()
{
    StripeClient client(sandboxConfig());
    StripeRequestOptions options;
    options.idempotencyKey = QStringLiteral("bc-test-") + QString::number(QDateTime::currentMSecsSinceEpoch());
    const auto first = call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers"),
                            FormValue::object({{"name", "Idem One"}}), options);
    QVERIFY(first.ok());
    const auto replay = call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers"),
                             FormValue::object({{"name", "Idem One"}}), options);
    QVERIFY(replay.ok());
    QCOMPARE(replay->value(QLatin1String("id")), first->value(QLatin1String("id"))); // same answer, no second customer
    const auto other = call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers"),
                            FormValue::object({{"name", "Idem Two"}}), options);
    QVERIFY(!other.ok());
    QCOMPARE(other.error().kind, Error::Kind::Conflict);
    QCOMPARE(other.error().stripeType, QStringLiteral("idempotency_error"));
}

void tst_StripeClient::badParameterIsValidationNamingTheParam()
{
    StripeClient client(sandboxConfig());
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/invoices"), FormValue::object({{"limit", 1000}}));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Validation);
    QCOMPARE(r.error().httpStatus, 400);
    QCOMPARE(r.error().param, QStringLiteral("limit"));
}

void tst_StripeClient::sendsStripeHeaders()
{
    CannedServer server;
    server.enqueue(CannedServer::http(200, R"({"id":"cus_1","object":"customer"})"));
    server.enqueue(CannedServer::http(200, R"({"id":"cus_1","object":"customer"})"));
    StripeClient client(cannedConfig(server));
    QVERIFY(call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers/cus_1"),
                 FormValue::object({{"metadata", FormValue::object({{"k", "v w"}})}}))
                .ok());
    StripeRequestOptions expand;
    expand.expand = QStringList{QStringLiteral("invoice_settings.default_payment_method")};
    QVERIFY(call(client, QStringLiteral("GET"), QStringLiteral("/v1/customers/cus_1"), {}, expand).ok());
    QCOMPARE(server.requests.size(), 2);
    const auto &post = server.requests[0];
    QVERIFY(post.head.startsWith("POST /v1/customers/cus_1 HTTP/1.1"));
    QCOMPARE(post.header("authorization"), QByteArray("Bearer sk_test_canned"));
    QCOMPARE(post.header("stripe-version"), QByteArray(StripeConfig::ApiVersion));
    QCOMPARE(post.header("content-type"), QByteArray("application/x-www-form-urlencoded"));
    QVERIFY(post.header("user-agent").startsWith("BillingConsole/"));
    QVERIFY(QUuid::fromString(QString::fromLatin1(post.header("idempotency-key"))).version() == QUuid::Random);
    QCOMPARE(post.body, QByteArray("metadata[k]=v%20w"));
    const auto &get = server.requests[1];
    QVERIFY2(get.head.startsWith("GET /v1/customers/cus_1?expand[0]=invoice_settings.default_payment_method HTTP/1.1")
                 || get.head.startsWith("GET /v1/customers/cus_1?expand%5B0%5D=invoice_settings.default_payment_method HTTP/1.1"),
             get.head.constData());
    QVERIFY(get.header("idempotency-key").isEmpty());
}

void tst_StripeClient::brokenAnswersAreTypedErrors_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");

    QTest::newRow("malformed json") << CannedServer::http(200, R"({"id": "cus_1", "object": )").raw
                                    << int(Error::Kind::InvalidResponse) << 200;
    QTest::newRow("json array, not an object") << CannedServer::http(200, "[1,2]").raw << int(Error::Kind::InvalidResponse) << 200;
    QTest::newRow("truncated body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"id\":\"cus_1\",\"obj")
        << int(Error::Kind::InvalidResponse) << 200;
    QTest::newRow("proxy html 502")
        << CannedServer::http(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {}, "text/html").raw
        << int(Error::Kind::InvalidResponse) << 502;
    QTest::newRow("closed without answer") << QByteArray("\x01") << int(Error::Kind::Network) << 0;
    QTest::newRow("card declined")
        << CannedServer::http(402, R"({"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}})").raw
        << int(Error::Kind::CardDeclined) << 402;
    QTest::newRow("lock timeout") << CannedServer::http(409, R"({"error":{"type":"invalid_request_error","code":"lock_timeout"}})").raw
                                  << int(Error::Kind::Conflict) << 409;
    QTest::newRow("rate limited") << CannedServer::http(429, R"({"error":{"type":"invalid_request_error","code":"rate_limit"}})").raw
                                  << int(Error::Kind::RateLimited) << 429;
    QTest::newRow("server error") << CannedServer::http(500, R"({"error":{"type":"api_error","message":"boom"}})").raw
                                  << int(Error::Kind::Server) << 500;
}

void tst_StripeClient::brokenAnswersAreTypedErrors()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, kind);
    QFETCH(int, status);
    CannedServer server;
    // "\x01" stands for: read the request, then close the connection without a byte.
    server.enqueue({raw == "\x01" ? QByteArray() : raw, true});
    if (raw == "\x01")
        server.enqueue({});
    StripeConfig config = cannedConfig(server);
    StripeClient client(config);
    if (raw == "\x01") {
        // A server that accepts and immediately drops: stop listening and point at a closed port.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
        probe.close();
        client.setConfig(config);
    }
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/customers/cus_1"));
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().kind), kind);
    QCOMPARE(r.error().httpStatus, status);
    QVERIFY(!r.error().userMessage.isEmpty());
    if (status > 0 && !raw.contains("Content-Length: 400"))
        QCOMPARE(r.error().requestId, QStringLiteral("req_canned_%1").arg(status));
    if (kind == int(Error::Kind::CardDeclined))
        QCOMPARE(r.error().declineCode, QStringLiteral("insufficient_funds"));
}

void tst_StripeClient::retriesWithTheSameIdempotencyKey()
{
    CannedServer server;
    server.enqueue(CannedServer::http(500, R"({"error":{"type":"api_error"}})"));
    server.enqueue(CannedServer::http(429, R"({"error":{"type":"invalid_request_error","code":"rate_limit"}})"));
    server.enqueue(CannedServer::http(200, R"({"id":"cus_9","object":"customer"})"));
    StripeConfig config = cannedConfig(server);
    config.maxRetries = 2;
    StripeClient client(config);
    const auto r = call(client, QStringLiteral("POST"), QStringLiteral("/v1/customers"), FormValue::object({{"name", "A"}}));
    QVERIFY(r.ok());
    QCOMPARE(r->value(QLatin1String("id")).toString(), QStringLiteral("cus_9"));
    QCOMPARE(server.requests.size(), 3);
    const QByteArray key = server.requests[0].header("idempotency-key");
    QVERIFY(!key.isEmpty());
    QCOMPARE(server.requests[1].header("idempotency-key"), key);
    QCOMPARE(server.requests[2].header("idempotency-key"), key);

    // One retry too few: the last failure comes back.
    server.enqueue(CannedServer::http(503, R"({"error":{"type":"api_error"}})"));
    server.enqueue(CannedServer::http(503, R"({"error":{"type":"api_error"}})"));
    server.enqueue(CannedServer::http(503, R"({"error":{"type":"api_error"}})"));
    const auto failed = call(client, QStringLiteral("GET"), QStringLiteral("/v1/account"));
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error().kind, Error::Kind::Server);
    QCOMPARE(server.requests.size(), 6);
}

void tst_StripeClient::stripeShouldRetryFalseStopsRetries()
{
    CannedServer server;
    server.enqueue(CannedServer::http(500, R"({"error":{"type":"api_error"}})", "Stripe-Should-Retry: false\r\n"));
    server.enqueue(CannedServer::http(200, R"({"id":"acct_1","object":"account"})"));
    StripeConfig config = cannedConfig(server);
    config.maxRetries = 2;
    StripeClient client(config);
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/account"));
    QVERIFY(!r.ok());
    QCOMPARE(server.requests.size(), 1);

    // And "true" makes a normally final answer (400) retried.
    server.enqueue(CannedServer::http(400, R"({"error":{"type":"invalid_request_error"}})", "Stripe-Should-Retry: true\r\n"));
    server.enqueue(CannedServer::http(200, R"({"id":"acct_1","object":"account"})"));
    QVERIFY(call(client, QStringLiteral("GET"), QStringLiteral("/v1/account")).ok());
}

void tst_StripeClient::timeoutIsTimeout()
{
    CannedServer server;
    server.enqueue({}); // never answers
    StripeConfig config = cannedConfig(server);
    config.timeoutMs = 300;
    StripeClient client(config);
    QElapsedTimer clock;
    clock.start();
    const auto r = call(client, QStringLiteral("GET"), QStringLiteral("/v1/account"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Timeout);
    QVERIFY(clock.elapsed() < 10000);
}

void tst_StripeClient::unregisteredRequestIsRefusedWithoutSending()
{
    CannedServer server;
    StripeClient client(cannedConfig(server));
    const auto unknownPath = call(client, QStringLiteral("POST"), QStringLiteral("/v1/charges"), FormValue::object({{"amount", 5}}));
    QVERIFY(!unknownPath.ok());
    QCOMPARE(unknownPath.error().kind, Error::Kind::Validation);
    const auto unknownParam = call(client, QStringLiteral("GET"), QStringLiteral("/v1/invoices"), FormValue::object({{"coupon", "X"}}));
    QVERIFY(!unknownParam.ok());
    QCOMPARE(unknownParam.error().kind, Error::Kind::Validation);
    QVERIFY(server.requests.isEmpty());
}

void tst_StripeClient::handlerDoesNotRunAfterContextDies()
{
    CannedServer server;
    server.enqueue(CannedServer::http(200, R"({"id":"acct_1","object":"account"})"));
    StripeClient client(cannedConfig(server));
    bool ran = false;
    auto *context = new QObject;
    client.request(QStringLiteral("GET"), QStringLiteral("/v1/account"), {}, {}, context, [&](Result<QJsonObject>) { ran = true; });
    delete context;
    QTRY_COMPARE(server.requests.size(), 1);
    QTest::qWait(200);
    QVERIFY(!ran);
}

QTEST_GUILESS_MAIN(tst_StripeClient)
#include "tst_stripeclient.moc"
