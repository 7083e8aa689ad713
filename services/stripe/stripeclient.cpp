#include "services/stripe/stripeclient.h"

#include "services/stripe/ratelimiter.h"
#include "services/stripe/stripeendpoints.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace Billing {

namespace {

std::shared_ptr<spdlog::logger> apiLog()
{
    auto log = spdlog::get("api");
    return log ? log : spdlog::default_logger();
}

std::string utf8(const QString &s) { return s.toStdString(); }

} // namespace

struct StripeClient::Call
{
    QString method;
    QString path;
    QByteArray encoded; // query (GET) or body (POST/DELETE)
    QString idempotencyKey;
    QString stripeAccount;
    QPointer<QObject> context;
    Handler handler;
    int retry = 0;
    int nam = -1; // index of the manager carrying the attempt in flight
    qint64 retryAfterMs = -1; // Retry-After of the last answer, -1 when none
    QElapsedTimer clock;
};

StripeClient::StripeClient(StripeConfig config, QObject *parent)
    : QObject(parent),
      m_config(std::move(config)),
      m_limiter(new RateLimiter(m_config.effectiveRequestsPerSecond(), m_config.effectiveBurst(),
                                std::max(1, m_config.maxConcurrentRequests), this))
{
    ensureManagers();
}

void StripeClient::setConfig(StripeConfig config)
{
    m_config = std::move(config);
    m_limiter->setLimits(m_config.effectiveRequestsPerSecond(), m_config.effectiveBurst(),
                         std::max(1, m_config.maxConcurrentRequests));
    ensureManagers();
}

void StripeClient::ensureManagers()
{
    constexpr int ConnectionsPerManager = 6; // Qt's HTTP/1.1 connections per host and manager
    const int wanted = (std::max(1, m_config.maxConcurrentRequests) + ConnectionsPerManager - 1) / ConnectionsPerManager;
    while (int(m_nams.size()) < wanted) {
        m_nams.push_back(new QNetworkAccessManager(this));
        m_namLoad.push_back(0);
    }
}

StripeClient::~StripeClient() = default;

QString StripeClient::userMessageFor(Error::Kind kind)
{
    switch (kind) {
    case Error::Kind::Network: return tr("Stripe could not be reached. Check the network connection and the API address.");
    case Error::Kind::Timeout: return tr("Stripe did not answer in time. Try again in a moment.");
    case Error::Kind::Unauthorized: return tr("Stripe refused the API key. Check the key in Settings.");
    case Error::Kind::NotFound: return tr("Stripe has no such object. It may have been deleted.");
    case Error::Kind::Conflict: return tr("Stripe is busy with the same object or this request was already sent with other values. Try again.");
    case Error::Kind::Validation: return tr("Stripe rejected the request as invalid.");
    case Error::Kind::CardDeclined: return tr("The card was declined.");
    case Error::Kind::RateLimited: return tr("Too many requests to Stripe right now. Try again shortly.");
    case Error::Kind::Server: return tr("Stripe had a problem answering. Try again later.");
    case Error::Kind::Database: return tr("The local database failed.");
    case Error::Kind::Cancelled: return tr("The request was cancelled.");
    case Error::Kind::InvalidResponse: return tr("Stripe's answer could not be read. A proxy or a wrong API address may be in the way.");
    }
    return tr("Something went wrong talking to Stripe.");
}

Error StripeClient::errorFromHttp(int httpStatus, const QByteArray &body, const QString &requestId)
{
    Error e;
    e.httpStatus = httpStatus;
    e.requestId = requestId;

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonValue errorValue = doc.isObject() ? doc.object().value(QLatin1String("error")) : QJsonValue();
    if (parseError.error != QJsonParseError::NoError || !errorValue.isObject()) {
        e.kind = Error::Kind::InvalidResponse;
        e.detail = QStringLiteral("HTTP %1 with a body that is not a Stripe error object (%2 bytes, starts '%3')")
                       .arg(httpStatus)
                       .arg(body.size())
                       .arg(QString::fromUtf8(body.left(60)).simplified());
        e.userMessage = userMessageFor(e.kind);
        return e;
    }
    const QJsonObject err = errorValue.toObject();
    e.stripeType = err.value(QLatin1String("type")).toString();
    e.stripeCode = err.value(QLatin1String("code")).toString();
    e.declineCode = err.value(QLatin1String("decline_code")).toString();
    e.param = err.value(QLatin1String("param")).toString();
    const QString message = err.value(QLatin1String("message")).toString();

    if (e.stripeType == QLatin1String("card_error") || httpStatus == 402)
        e.kind = Error::Kind::CardDeclined;
    else if (httpStatus == 401 || httpStatus == 403)
        e.kind = Error::Kind::Unauthorized;
    else if (httpStatus == 404)
        e.kind = Error::Kind::NotFound;
    else if (httpStatus == 409 || e.stripeType == QLatin1String("idempotency_error")
             || e.stripeCode == QLatin1String("lock_timeout"))
        e.kind = Error::Kind::Conflict;
    else if (httpStatus == 429)
        e.kind = Error::Kind::RateLimited;
    else if (httpStatus >= 500)
        e.kind = Error::Kind::Server;
    else
        e.kind = Error::Kind::Validation;

    e.detail = QStringLiteral("HTTP %1 %2/%3: %4").arg(httpStatus).arg(e.stripeType, e.stripeCode, message);
    switch (e.kind) {
    case Error::Kind::CardDeclined:
        e.userMessage = e.declineCode.isEmpty()
            ? userMessageFor(e.kind)
            : tr("The card was declined (%1).").arg(QString(e.declineCode).replace(QLatin1Char('_'), QLatin1Char(' ')));
        break;
    case Error::Kind::Validation:
        // Stripe's own message for invalid requests is written for people and names the field.
        e.userMessage = message.isEmpty() ? userMessageFor(e.kind) : tr("Stripe rejected the request: %1").arg(message);
        break;
    default:
        e.userMessage = userMessageFor(e.kind);
    }
    return e;
}

Result<QJsonObject> StripeClient::resultFromHttp(int httpStatus, const QByteArray &body, const QString &requestId,
                                                 bool transportFailed, const QString &transportError)
{
    if (httpStatus == 0 || (transportFailed && httpStatus >= 200 && httpStatus < 300 && body.isEmpty())) {
        Error e;
        e.kind = Error::Kind::Network;
        e.detail = QStringLiteral("no HTTP answer: %1").arg(transportError.isEmpty() ? QStringLiteral("connection failed") : transportError);
        e.userMessage = userMessageFor(e.kind);
        e.httpStatus = httpStatus;
        return e;
    }
    if (httpStatus >= 200 && httpStatus < 300) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
        if (transportFailed || parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            Error e;
            e.kind = Error::Kind::InvalidResponse;
            e.httpStatus = httpStatus;
            e.requestId = requestId;
            e.detail = transportFailed
                ? QStringLiteral("HTTP %1 body cut off after %2 bytes: %3").arg(httpStatus).arg(body.size()).arg(transportError)
                : QStringLiteral("HTTP %1 body is not a JSON object (%2 at offset %3, %4 bytes)")
                      .arg(httpStatus)
                      .arg(parseError.errorString())
                      .arg(parseError.offset)
                      .arg(body.size());
            e.userMessage = userMessageFor(e.kind);
            return e;
        }
        return doc.object();
    }
    return errorFromHttp(httpStatus, body, requestId);
}

void StripeClient::request(const QString &method, const QString &path, const FormParams &params,
                           const StripeRequestOptions &options, QObject *context, Handler handler)
{
    auto call = std::make_shared<Call>();
    call->method = method.toUpper();
    call->path = path;
    call->context = context ? context : this;
    call->handler = std::move(handler);
    call->stripeAccount = options.stripeAccount;
    call->clock.start();

    FormParams all = params.isNull() ? FormValue::object() : params;
    if (!options.expand.isEmpty()) {
        FormValue expand = FormValue::array();
        for (const QString &field : options.expand)
            expand.append(field);
        all.insert(QStringLiteral("expand"), expand);
    }

    const QString problem = StripeEndpoints::check(call->method, path, all);
    if (!problem.isEmpty()) {
        Error e = Error::make(Error::Kind::Validation, tr("The console tried a Stripe request it does not support."),
                              problem);
        apiLog()->error("{} {} refused before sending: {}", utf8(call->method), utf8(path), utf8(problem));
        QTimer::singleShot(0, this, [this, call, e] { complete(call, e); });
        return;
    }

    call->encoded = encodeForm(all);
    if (call->method != QLatin1String("GET"))
        call->idempotencyKey = options.idempotencyKey.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                                                : options.idempotencyKey;
    enqueue(call);
}

void StripeClient::enqueue(const std::shared_ptr<Call> &call)
{
    m_limiter->acquire([this, call] {
        if (!call->context) { // nobody waits for the answer any more
            m_limiter->release();
            return;
        }
        send(call);
    });
}

void StripeClient::send(const std::shared_ptr<Call> &call)
{
    QUrl url = m_config.baseUrl;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + call->path);
    const bool bodyless = call->method == QLatin1String("GET") || call->method == QLatin1String("DELETE");
    if (bodyless && !call->encoded.isEmpty())
        url.setQuery(QString::fromLatin1(call->encoded), QUrl::StrictMode);

    QNetworkRequest req(url);
    req.setRawHeader("Authorization", "Bearer " + m_config.apiKey.toUtf8());
    req.setRawHeader("Stripe-Version", StripeConfig::ApiVersion);
    req.setRawHeader("User-Agent", "BillingConsole/" + QCoreApplication::applicationVersion().toUtf8()
                                       + " Qt/" + QByteArray(qVersion()));
    req.setRawHeader("Accept", "application/json");
    if (!call->idempotencyKey.isEmpty())
        req.setRawHeader("Idempotency-Key", call->idempotencyKey.toUtf8());
    if (!call->stripeAccount.isEmpty())
        req.setRawHeader("Stripe-Account", call->stripeAccount.toUtf8());
    req.setTransferTimeout(m_config.timeoutMs);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);

    // The least busy manager: each keeps its own 6 connections per host.
    call->nam = int(std::min_element(m_namLoad.begin(), m_namLoad.end()) - m_namLoad.begin());
    ++m_namLoad[call->nam];
    QNetworkAccessManager *nam = m_nams[call->nam];
    QNetworkReply *reply = nullptr;
    if (call->method == QLatin1String("GET")) {
        reply = nam->get(req);
    } else if (call->method == QLatin1String("DELETE")) {
        reply = nam->deleteResource(req);
    } else {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
        reply = nam->sendCustomRequest(req, call->method.toLatin1(), call->encoded);
    }
    connect(reply, &QNetworkReply::finished, this, [this, call, reply] { onFinished(call, reply); });
}

int StripeClient::retryDelayMs(int retry) const
{
    const qint64 base = qint64(m_config.initialRetryDelayMs) << std::min(retry, 16);
    const qint64 capped = std::min<qint64>(base, m_config.maxRetryDelayMs);
    // Jitter: between half and all of the delay, so many clients do not retry in step.
    const double factor = 0.5 + 0.5 * QRandomGenerator::global()->generateDouble();
    return int(capped * factor);
}

void StripeClient::onFinished(const std::shared_ptr<Call> &call, QNetworkReply *reply)
{
    reply->deleteLater();
    if (call->nam >= 0 && call->nam < int(m_namLoad.size()))
        --m_namLoad[call->nam];
    call->nam = -1;
    m_limiter->release();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString requestId = QString::fromLatin1(reply->rawHeader("Request-Id"));
    const QByteArray shouldRetryHeader = reply->rawHeader("Stripe-Should-Retry").trimmed().toLower();
    // Retry-After: delay-seconds (HTTP-date is not used by Stripe).
    bool retryAfterOk = false;
    const double retryAfterSeconds = reply->rawHeader("Retry-After").trimmed().toDouble(&retryAfterOk);
    call->retryAfterMs = retryAfterOk && retryAfterSeconds >= 0 ? qint64(retryAfterSeconds * 1000) : -1;
    const QNetworkReply::NetworkError netError = reply->error();
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();

    const bool transportFailed = netError != QNetworkReply::NoError && int(netError) < 100;
    Result<QJsonObject> outcome = resultFromHttp(status, body, requestId, transportFailed, reply->errorString());
    std::optional<Error> error;
    QJsonObject object;
    if (outcome.ok()) {
        object = outcome.value();
    } else {
        error = outcome.error();
        if (status == 0 && (netError == QNetworkReply::OperationCanceledError || netError == QNetworkReply::TimeoutError)) {
            error->kind = Error::Kind::Timeout;
            error->userMessage = userMessageFor(error->kind);
        }
    }
    // No answer at all, 409, 429 and 5xx are worth another try (unless Stripe says otherwise).
    bool retryable = error && (error->httpStatus == 0 || status == 409 || status == 429 || status >= 500);
    if (error && status >= 200 && status < 300 && error->kind != Error::Kind::InvalidResponse)
        retryable = true; // the connection broke before a 2xx body came: nothing usable arrived
    if (shouldRetryHeader == "true")
        retryable = true;
    else if (shouldRetryHeader == "false")
        retryable = false;

    const auto log = apiLog();
    const qint64 ms = call->clock.elapsed();
    if (!error) {
        log->info("{} {} -> {} request_id={} {} ms", utf8(call->method), utf8(call->path), status, utf8(requestId), ms);
        complete(call, object);
        return;
    }
    if (status == 429) // the account's limit is spent: nobody starts until it refills
        m_limiter->hold(call->retryAfterMs >= 0 ? call->retryAfterMs : 500);
    if (retryable && call->retry < m_config.maxRetries && call->context) {
        const int delay = call->retryAfterMs >= 0 ? int(std::min<qint64>(call->retryAfterMs, 60000)) + QRandomGenerator::global()->bounded(50)
                                                  : retryDelayMs(call->retry);
        ++call->retry;
        log->warn("{} {} -> {} request_id={} {} ms: {}; retry {} of {} in {} ms", utf8(call->method),
                  utf8(call->path), status, utf8(requestId), ms, utf8(error->detail), call->retry,
                  m_config.maxRetries, delay);
        QTimer::singleShot(delay, this, [this, call] { enqueue(call); });
        return;
    }
    log->error("{} {} -> {} request_id={} {} ms: {} ({})", utf8(call->method), utf8(call->path), status,
               utf8(requestId), ms, utf8(Error::kindName(error->kind)), utf8(error->detail));
    complete(call, *error);
}

void StripeClient::complete(const std::shared_ptr<Call> &call, Result<QJsonObject> result)
{
    if (call->context && call->handler)
        call->handler(std::move(result));
}

void StripeClient::listAll(const QString &path, const FormParams &params, QObject *context, PageHandler pageHandler,
                           DoneHandler doneHandler)
{
    struct ListState
    {
        QString path;
        FormParams params;
        QPointer<QObject> context;
        PageHandler page;
        DoneHandler done;
        std::function<void(const QString &)> next;
    };
    auto state = std::make_shared<ListState>();
    state->path = path;
    state->params = params.isNull() ? FormValue::object() : params;
    state->params.insert(QStringLiteral("limit"), 100);
    state->context = context ? context : this;
    state->page = std::move(pageHandler);
    state->done = std::move(doneHandler);
    std::weak_ptr<ListState> weak = state;
    state->next = [this, weak](const QString &startingAfter) {
        auto s = weak.lock();
        if (!s || !s->context)
            return;
        FormParams p = s->params;
        if (!startingAfter.isEmpty())
            p.insert(QStringLiteral("starting_after"), startingAfter);
        // The handler keeps the state alive for exactly as long as a request is under way.
        get(s->path, p, s->context, [s](Result<QJsonObject> result) {
            if (!result.ok()) {
                s->done(result.error());
                s->next = nullptr;
                return;
            }
            const QJsonObject &list = result.value();
            const QJsonValue data = list.value(QLatin1String("data"));
            if (list.value(QLatin1String("object")).toString() != QLatin1String("list") || !data.isArray()) {
                Error e = Error::make(Error::Kind::InvalidResponse, userMessageFor(Error::Kind::InvalidResponse),
                                      QStringLiteral("GET %1 did not return a list object").arg(s->path));
                s->done(e);
                s->next = nullptr;
                return;
            }
            const QJsonArray items = data.toArray();
            const bool keepGoing = s->page(items);
            if (!s->context)
                return;
            const QString lastId = items.isEmpty() ? QString() : items.last().toObject().value(QLatin1String("id")).toString();
            if (!keepGoing || !list.value(QLatin1String("has_more")).toBool() || lastId.isEmpty()) {
                s->done(Status());
                s->next = nullptr;
                return;
            }
            s->next(lastId);
        });
    };
    // `next` holds the state weakly; each in-flight request's handler holds it strongly, so the
    // state lives exactly as long as listing goes on (and is freed if the context dies).
    state->next(QString());
}

} // namespace Billing
