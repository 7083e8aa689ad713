#pragma once

#include <algorithm>

#include <QString>
#include <QUrl>

namespace Billing {

// Where and how the console talks to Stripe. The pinned API version lives here and only here.
struct StripeConfig
{
    // The API version of the official Node SDK the console is checked against (stripe-node
    // 23.1.0, cjs/apiVersion.js). Sent as Stripe-Version on every request; tst_stripecontract
    // fails if the pinned SDK says otherwise.
    static constexpr const char *ApiVersion = "2026-10-28.endive";
    static constexpr const char *SdkVersionCheckedAgainst = "23.1.0";
    static constexpr const char *DefaultBaseUrl = "https://api.stripe.com";

    QUrl baseUrl = QUrl(QString::fromLatin1(DefaultBaseUrl));
    QString apiKey;              // sk_live_/sk_test_/rk_...; never logged
    int timeoutMs = 30000;       // per attempt, no bytes moving for this long aborts the transfer
    int maxRetries = 2;          // extra attempts for retryable failures (same idempotency key)
    int initialRetryDelayMs = 500; // backoff base; doubled per retry, capped, with jitter
    int maxRetryDelayMs = 5000;

    // Client-side rate limit, a token bucket every attempt (first tries and retries) goes through.
    // Stripe allows 100 requests/s per account in live mode and 25/s in test mode; 0 picks that
    // by mode (see effectiveRequestsPerSecond()). Burst: the bucket size in requests; 0 = one
    // second's worth less one, the one token being slack for network timing jitter at Stripe's end.
    double requestsPerSecond = 0;
    int burst = 0;
    // Most requests in flight at once. Qt opens at most 6 HTTP/1.1 connections per host and
    // QNetworkAccessManager, so the client spreads requests over ceil(n / 6) managers. At 25/s and
    // ~300 ms per list call about 8 are in flight; 12 leaves room for slower pages.
    int maxConcurrentRequests = 12;

    static constexpr double LiveRequestsPerSecond = 100;
    static constexpr double TestRequestsPerSecond = 25;
    double effectiveRequestsPerSecond() const
    {
        if (requestsPerSecond > 0)
            return requestsPerSecond;
        return environment() == Environment::Live ? LiveRequestsPerSecond : TestRequestsPerSecond;
    }
    int effectiveBurst() const
    {
        if (burst > 0)
            return burst;
        return std::max(1, int(effectiveRequestsPerSecond()) - 1);
    }

    // Which Stripe this key and base URL reach. Live: sk_live_/rk_live_ key (wherever it points).
    // Test: any other key at api.stripe.com. Sandbox: a non-live key at another base URL.
    enum class Environment { Live, Test, Sandbox };
    Environment environment() const
    {
        if (apiKey.startsWith(QLatin1String("sk_live_")) || apiKey.startsWith(QLatin1String("rk_live_")))
            return Environment::Live;
        if (baseUrl.host().compare(QLatin1String("api.stripe.com"), Qt::CaseInsensitive) == 0)
            return Environment::Test;
        return Environment::Sandbox;
    }
};

} // namespace Billing
