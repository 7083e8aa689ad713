#include "services/invoices/portalsessionservice.h"

#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QTimeZone>

namespace Billing {

namespace {

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

bool isWebUrl(const QString &text)
{
    const QUrl u(text, QUrl::StrictMode);
    return u.isValid() && !u.host().isEmpty()
           && (u.scheme() == QLatin1String("https") || u.scheme() == QLatin1String("http"));
}

} // namespace

QString portalFlowName(PortalFlow flow)
{
    switch (flow) {
    case PortalFlow::Home: return QStringLiteral("home");
    case PortalFlow::PaymentMethodUpdate: return QStringLiteral("payment_method_update");
    case PortalFlow::SubscriptionCancel: return QStringLiteral("subscription_cancel");
    }
    return {};
}

PortalSessionService::PortalSessionService(StripeClient *client, AsyncBillingDatabase *billingDb, QObject *parent)
    : QObject(parent), m_client(client), m_billingDb(billingDb)
{
}

PortalSessionService::~PortalSessionService() = default;

Status PortalSessionService::setReturnUrl(const QString &url)
{
    if (!isWebUrl(url.trimmed()))
        return validation(tr("The return address must be a web address (https://...)."),
                          QStringLiteral("portal return url %1").arg(url));
    m_returnUrl = url.trimmed();
    return {};
}

void PortalSessionService::loadReturnUrl(QObject *context, std::function<void(Status)> done)
{
    QPointer<QObject> guard(context);
    if (!m_billingDb) {
        QMetaObject::invokeMethod(this, [guard, done] {
            if (guard && done)
                done(Status());
        }, Qt::QueuedConnection);
        return;
    }
    const QString key = QString::fromLatin1(kReturnUrlSetting);
    m_billingDb->thread().run(
        this, [key](BillingDatabase &db) { return db.setting(key); },
        [this, guard, done](Result<WorkspaceSetting> r) {
            Status st;
            if (r)
                st = setReturnUrl(r->value);
            else if (r.error().kind != Error::Kind::NotFound)
                st = r.error();
            if (!st)
                Logging::logger("app")->warn("portal return url setting ignored: {}", st.error().detail.toStdString());
            if (guard && done)
                done(st);
        });
}

Status PortalSessionService::validate(const PortalSessionRequest &request)
{
    if (!request.customerId.startsWith(QLatin1String("cus_")))
        return validation(tr("Choose a customer first."), QStringLiteral("customer id '%1'").arg(request.customerId));
    if (request.flow == PortalFlow::SubscriptionCancel && !request.subscriptionId.startsWith(QLatin1String("sub_")))
        return validation(tr("Choose the subscription the customer may cancel."));
    if (!request.returnUrl.isEmpty() && !isWebUrl(request.returnUrl))
        return validation(tr("The return address must be a web address (https://...)."));
    return {};
}

void PortalSessionService::create(const PortalSessionRequest &request, QObject *context,
                                  std::function<void(Result<PortalSession>)> handler)
{
    QPointer<QObject> guard(context);
    auto fail = [this, guard, handler](Error e) {
        QMetaObject::invokeMethod(this, [guard, handler, e] {
            if (guard)
                handler(e);
        }, Qt::QueuedConnection);
    };
    if (Status st = validate(request); !st)
        return fail(st.error());
    if (!m_client)
        return fail(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));

    const QString returnUrl = request.returnUrl.isEmpty() ? m_returnUrl : request.returnUrl;
    FormParams params = FormValue::object({{QStringLiteral("customer"), request.customerId},
                                           {QStringLiteral("return_url"), returnUrl}});
    if (!request.locale.isEmpty())
        params.insert(QStringLiteral("locale"), request.locale);
    switch (request.flow) {
    case PortalFlow::Home: break;
    case PortalFlow::PaymentMethodUpdate:
        params.insert(QStringLiteral("flow_data"),
                      FormValue::object({{QStringLiteral("type"), QStringLiteral("payment_method_update")}}));
        break;
    case PortalFlow::SubscriptionCancel:
        params.insert(QStringLiteral("flow_data"),
                      FormValue::object({{QStringLiteral("type"), QStringLiteral("subscription_cancel")},
                                         {QStringLiteral("subscription_cancel"),
                                          FormValue::object({{QStringLiteral("subscription"), request.subscriptionId}})}}));
        break;
    }
    const PortalFlow flow = request.flow;
    const QString subscriptionId = request.subscriptionId;
    m_client->request(QStringLiteral("POST"), QStringLiteral("/v1/billing_portal/sessions"), params, {}, this,
                      [this, guard, handler, flow, subscriptionId](Result<QJsonObject> r) {
        if (!r) {
            if (guard)
                handler(r.error());
            return;
        }
        PortalSession s;
        s.id = r->value(QLatin1String("id")).toString();
        s.customerId = r->value(QLatin1String("customer")).toString();
        s.url = QUrl(r->value(QLatin1String("url")).toString());
        s.returnUrl = QUrl(r->value(QLatin1String("return_url")).toString());
        s.flow = flow;
        s.created = QDateTime::fromSecsSinceEpoch(r->value(QLatin1String("created")).toInteger(), Qt::UTC);
        if (s.id.isEmpty() || !s.url.isValid() || s.url.isEmpty()) {
            if (guard)
                handler(Error::make(Error::Kind::InvalidResponse, tr("Stripe's answer had no portal link."),
                                    QStringLiteral("billing_portal.session without id or url")));
            return;
        }
        if (m_billingDb) {
            // The link is a bearer secret for the customer's billing: never in the audit log.
            AuditEntry row;
            row.actor = m_actor;
            row.operation = QStringLiteral("portal_session.create");
            row.targetType = QStringLiteral("customer");
            row.targetId = s.customerId;
            QJsonObject p{{QStringLiteral("session"), s.id}, {QStringLiteral("flow"), portalFlowName(flow)},
                          {QStringLiteral("return_url"), s.returnUrl.toString()}};
            if (!subscriptionId.isEmpty() && flow == PortalFlow::SubscriptionCancel)
                p.insert(QStringLiteral("subscription"), subscriptionId);
            row.paramsJson = QString::fromUtf8(QJsonDocument(p).toJson(QJsonDocument::Compact));
            row.afterSummary = tr("Customer portal session %1 (%2)").arg(s.id, portalFlowName(flow));
            row.result = QStringLiteral("ok");
            m_billingDb->thread().run(
                this, [row](BillingDatabase &db) { return db.appendAudit(row); },
                [this, guard, handler, s](Result<qint64> written) {
                    if (!written)
                        Logging::logger("app")->error("could not audit portal session {}: {}", s.id.toStdString(),
                                                      written.error().detail.toStdString());
                    if (guard)
                        handler(s);
                });
            return;
        }
        if (guard)
            handler(s);
    });
}

} // namespace Billing
