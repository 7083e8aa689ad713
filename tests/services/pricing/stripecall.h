#pragma once

// Blocking helper for tests only: one Stripe request against the sandbox, waiting in a local
// event loop. Product code never waits like this.

#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QEventLoop>
#include <QJsonObject>
#include <QTimer>

#include <optional>

namespace Billing::Test {

inline StripeConfig pricingSandboxConfig()
{
    StripeConfig c;
    c.baseUrl = QUrl(sandboxUrl());
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

inline Result<QJsonObject> stripeCall(StripeClient &client, const QString &method, const QString &path,
                                      const FormParams &params, const QStringList &expand = {})
{
    QObject context;
    QEventLoop loop;
    std::optional<Result<QJsonObject>> out;
    StripeRequestOptions options;
    options.expand = expand;
    client.request(method, path, params, options, &context, [&](Result<QJsonObject> r) {
        out = std::move(r);
        loop.quit();
    });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!out)
        loop.exec();
    if (!out)
        return Error::make(Error::Kind::Timeout, QStringLiteral("sandbox did not answer"));
    return *out;
}

} // namespace Billing::Test
