#pragma once

#include "services/domain/result.h"
#include "services/stripe/formencoder.h"
#include "services/stripe/stripeconfig.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace Billing {

class RateLimiter;

struct StripeRequestOptions
{
    QString idempotencyKey; // POST/DELETE: reused on every retry; a UUID v4 is made when empty
    QStringList expand;     // sent as expand[0]=..., expand[1]=...
    QString stripeAccount;  // Stripe-Account header (Connect), empty for the own account
};

// Stripe's REST API over QNetworkAccessManager. Lives on the GUI thread (or any thread with an
// event loop) and never blocks it: every call takes a context QObject and a handler that runs on
// the client's thread later, and only while the context still lives.
//
// Sends Bearer auth, the pinned Stripe-Version (StripeConfig::ApiVersion), a User-Agent, form-
// encoded params (StripeEndpoints lists what may be sent; anything else fails with Validation
// before the network is touched) and an Idempotency-Key on every POST/DELETE. Retries connection
// errors, timeouts, 409, 429 and 5xx (or whatever Stripe-Should-Retry says) with exponential
// backoff and jitter (or after Retry-After when Stripe sends one), up to config().maxRetries times,
// with the same idempotency key. Every attempt first passes the client's RateLimiter (token bucket
// at config().effectiveRequestsPerSecond(), at most config().maxConcurrentRequests in flight, over
// several QNetworkAccessManagers because each opens only 6 connections per host); requests queue
// there, FIFO, without blocking. A 429 also holds the limiter for a moment. Failures
// come back as Error with kind, HTTP status, Stripe's request id and a translated userMessage,
// and are logged once on the "api" logger (method, path, status, request id, duration; never
// the key).
class StripeClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StripeClient)
public:
    using Handler = std::function<void(Result<QJsonObject>)>;
    // A page's `data`; return false to stop listing (doneHandler then gets success).
    using PageHandler = std::function<bool(const QJsonArray &page)>;
    using DoneHandler = std::function<void(Status)>;

    explicit StripeClient(StripeConfig config, QObject *parent = nullptr);
    ~StripeClient() override;

    const StripeConfig &config() const { return m_config; }
    void setConfig(StripeConfig config);

    // The limiter every attempt goes through (for progress displays, benchmarks and tests).
    const RateLimiter &rateLimiter() const { return *m_limiter; }

    void request(const QString &method, const QString &path, const FormParams &params,
                 const StripeRequestOptions &options, QObject *context, Handler handler);
    void get(const QString &path, const FormParams &params, QObject *context, Handler handler)
    {
        request(QStringLiteral("GET"), path, params, {}, context, std::move(handler));
    }

    // Cursor pagination: limit=100, starting_after=<last id>, until has_more is false, the page
    // handler returns false, or a request fails (doneHandler gets that error).
    void listAll(const QString &path, const FormParams &params, QObject *context, PageHandler pageHandler,
                 DoneHandler doneHandler);

    // Maps a non-2xx HTTP answer (status, body as received, Request-Id) to an Error. Public so
    // the mapping is testable on its own.
    static Error errorFromHttp(int httpStatus, const QByteArray &body, const QString &requestId);

    // What one HTTP answer means: 2xx with a JSON object body -> that object; 2xx with anything else
    // (or cut off: transportFailed) -> InvalidResponse; no answer (status 0, or transportFailed on an
    // empty 2xx) -> Network, with transportError in the detail; other statuses -> errorFromHttp().
    // Pure, any thread; onFinished uses it for every reply (and tests/fuzz feeds it raw bytes).
    static Result<QJsonObject> resultFromHttp(int httpStatus, const QByteArray &body, const QString &requestId,
                                              bool transportFailed, const QString &transportError = {});

    // A user text for an Error kind, in plain words.
    static QString userMessageFor(Error::Kind kind);

private:
    struct Call;
    void enqueue(const std::shared_ptr<Call> &call);
    void send(const std::shared_ptr<Call> &call);
    void ensureManagers();
    void onFinished(const std::shared_ptr<Call> &call, QNetworkReply *reply);
    void complete(const std::shared_ptr<Call> &call, Result<QJsonObject> result);
    int retryDelayMs(int retry) const;

    StripeConfig m_config;
    std::vector<QNetworkAccessManager *> m_nams; // each: at most 6 connections per host
    std::vector<int> m_namLoad;                  // requests in flight per manager
    RateLimiter *m_limiter = nullptr;
};

} // namespace Billing
