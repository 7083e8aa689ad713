#pragma once

#include "services/domain/result.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;
class StripeClient;

// Which page of the Stripe Customer Portal the link opens.
//  Home                 the portal's start page
//  PaymentMethodUpdate  flow_data[type]=payment_method_update
//  SubscriptionCancel   flow_data[type]=subscription_cancel, flow_data[subscription_cancel][subscription]
enum class PortalFlow { Home, PaymentMethodUpdate, SubscriptionCancel };
QString portalFlowName(PortalFlow flow); // "home", "payment_method_update", "subscription_cancel"

struct PortalSessionRequest
{
    QString customerId;     // cus_...
    PortalFlow flow = PortalFlow::Home;
    QString subscriptionId; // sub_..., SubscriptionCancel only
    QString returnUrl;      // empty: the service's returnUrl()
    QString locale;         // optional, e.g. "de"; empty: the customer's preference
};

struct PortalSession
{
    QString id; // bps_...
    QString customerId;
    QUrl url;   // short-lived: open or send it now
    QUrl returnUrl;
    PortalFlow flow = PortalFlow::Home;
    QDateTime created; // UTC
};

// Creates Stripe Customer Portal sessions (POST /v1/billing_portal/sessions). Not a money
// operation: the request goes straight through StripeClient (which adds the idempotency key) and
// one audit row ("portal_session.create", the customer, the flow) is appended to the billing
// database when Stripe answered. The link itself is never logged or audited.
//
// Threading: GUI thread; asynchronous. Errors: Validation (bad ids, return URL), Network/... from
// Stripe. An audit failure is logged, not reported: the session exists already.
class PortalSessionService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PortalSessionService)
public:
    // Used when the workspace has no "portal.return_url" setting.
    static constexpr const char *kDefaultReturnUrl = "https://billing.example.com/account";
    // Workspace setting (billing database settings) that overrides the default.
    static constexpr const char *kReturnUrlSetting = "portal.return_url";

    // billingDb may be null (no audit row then). actor: who asks, for the audit row ("staff:42").
    PortalSessionService(StripeClient *client, AsyncBillingDatabase *billingDb, QObject *parent = nullptr);
    ~PortalSessionService() override;

    void setActor(const QString &actor) { m_actor = actor; }
    QString returnUrl() const { return m_returnUrl; }
    // Validation when not an absolute http(s) URL.
    Status setReturnUrl(const QString &url);
    // Reads "portal.return_url" from the billing database settings (keeps the current one when
    // absent); done may be empty.
    void loadReturnUrl(QObject *context, std::function<void(Status)> done = {});

    static Status validate(const PortalSessionRequest &request);

    void create(const PortalSessionRequest &request, QObject *context, std::function<void(Result<PortalSession>)> handler);

private:
    QPointer<StripeClient> m_client;
    QPointer<AsyncBillingDatabase> m_billingDb;
    QString m_actor = QStringLiteral("console");
    QString m_returnUrl = QString::fromLatin1(kDefaultReturnUrl);
};

} // namespace Billing
