#pragma once

// Helpers for the lifecycle dialog tests (cancel, pause, retention report), on top of
// tests/services/lifecycle/tst_cancelstack.h (the real stack against the sandbox).

#include "services/stripe/stripeparser.h"
#include "tests/services/lifecycle/tst_cancelstack.h"

#include <QAbstractButton>
#include <QTcpServer>

namespace Billing::Test {

// Clicks a check box or radio button on its indicator, as a person would.
inline void clickCheckable(QAbstractButton *button)
{
    QVERIFY(button);
    QVERIFY2(button->isEnabled(), qPrintable(button->objectName()));
    QTest::mouseClick(button, Qt::LeftButton, {}, QPoint(8, button->height() / 2));
}

// The row a pane would hand the dialog: the cache adds the customer's name (newSubscription's).
inline SubscriptionRow dialogRow(const QJsonObject &json)
{
    SubscriptionRow row = rowFrom(json);
    row.customerName = QStringLiteral("Lifecycle test");
    row.customerEmail = QStringLiteral("lifecycle@example.com");
    if (row.planName.isEmpty())
        row.planName = QStringLiteral("Monthly plan");
    return row;
}

// A person's double click: press, release, press (a double-click event), release; QTest's
// mouseDClick alone sends no first click.
inline void doubleClick(QWidget *widget)
{
    QTest::mouseClick(widget, Qt::LeftButton);
    QTest::mouseDClick(widget, Qt::LeftButton);
}

// The sandbox's own knobs take JSON (not form parameters).
inline void setSandboxLatency(int ms)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(sandboxUrl() + QStringLiteral("/__sandbox/config")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.post(req, QStringLiteral("{\"latencyMs\":%1}").arg(ms).toUtf8());
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
}

// The sandbox's prices in a currency, parsed as the console's catalog has them.
inline QList<Price> sandboxPrices(const QString &currency)
{
    QList<Price> out;
    const QJsonArray data =
        sandboxCall("GET", QStringLiteral("/v1/prices?limit=100&currency=") + currency).value(QLatin1String("data")).toArray();
    for (const QJsonValue &v : data) {
        if (auto p = StripeParser::price(v.toObject()))
            out << *p;
    }
    return out;
}

inline StripeConfig testStripeConfig(const QUrl &url = QUrl(sandboxUrl()))
{
    StripeConfig c;
    c.baseUrl = url;
    c.apiKey = sandboxKey();
    c.maxRetries = 1;
    c.initialRetryDelayMs = 100;
    c.timeoutMs = 10000;
    return c;
}

inline QUrl closedPortUrl()
{
    QTcpServer probe; // take a free port, then close it: nothing listens there
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

} // namespace Billing::Test
