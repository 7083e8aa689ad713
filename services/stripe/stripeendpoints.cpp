#include "services/stripe/stripeendpoints.h"

namespace Billing {

namespace {

QStringList listParams(QStringList extra)
{
    extra << QStringLiteral("limit") << QStringLiteral("starting_after") << QStringLiteral("ending_before")
          << QStringLiteral("expand");
    return extra;
}

QList<StripeEndpoint> buildTable()
{
    const QString get = QStringLiteral("GET");
    const QString post = QStringLiteral("POST");
    const QString del = QStringLiteral("DELETE");
    const QStringList expandOnly{QStringLiteral("expand")};
    return {
        // Connection check and account label.
        {get, QStringLiteral("/v1/account"), expandOnly},
        // Sync: full lists and incremental events.
        {get, QStringLiteral("/v1/products"), listParams({QStringLiteral("active"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/products/{}"), expandOnly},
        {get, QStringLiteral("/v1/prices"),
         listParams({QStringLiteral("active"), QStringLiteral("product"), QStringLiteral("currency"),
                     QStringLiteral("type"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/prices/{}"), expandOnly},
        {get, QStringLiteral("/v1/customers"), listParams({QStringLiteral("email"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/customers/{}"), expandOnly},
        {get, QStringLiteral("/v1/subscriptions"),
         listParams({QStringLiteral("status"), QStringLiteral("customer"), QStringLiteral("price"),
                     QStringLiteral("created")})},
        {get, QStringLiteral("/v1/subscriptions/{}"), expandOnly},
        // Subscription lifecycle (through the outbox): plan changes, trials, cancellation, pause.
        {post, QStringLiteral("/v1/subscriptions"),
         {QStringLiteral("customer"), QStringLiteral("items"), QStringLiteral("trial_period_days"),
          QStringLiteral("trial_end"), QStringLiteral("trial_settings"), QStringLiteral("default_payment_method"),
          QStringLiteral("collection_method"), QStringLiteral("days_until_due"), QStringLiteral("payment_behavior"),
          QStringLiteral("proration_behavior"), QStringLiteral("discounts"), QStringLiteral("metadata"),
          QStringLiteral("description"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/subscriptions/{}"),
         {QStringLiteral("items"), QStringLiteral("proration_behavior"), QStringLiteral("proration_date"),
          QStringLiteral("trial_end"), QStringLiteral("trial_settings"), QStringLiteral("cancel_at_period_end"),
          QStringLiteral("cancel_at"), QStringLiteral("cancellation_details"), QStringLiteral("pause_collection"),
          QStringLiteral("discounts"), QStringLiteral("default_payment_method"), QStringLiteral("payment_behavior"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {del, QStringLiteral("/v1/subscriptions/{}"),
         {QStringLiteral("invoice_now"), QStringLiteral("prorate"), QStringLiteral("cancellation_details"),
          QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/invoices/create_preview"),
         {QStringLiteral("customer"), QStringLiteral("subscription"), QStringLiteral("subscription_details"),
          QStringLiteral("discounts"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/subscription_schedules/{}"), expandOnly},
        {post, QStringLiteral("/v1/subscription_schedules"),
         {QStringLiteral("from_subscription"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/subscription_schedules/{}"),
         {QStringLiteral("phases"), QStringLiteral("end_behavior"), QStringLiteral("proration_behavior"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/invoices"),
         listParams({QStringLiteral("customer"), QStringLiteral("status"), QStringLiteral("subscription"),
                     QStringLiteral("created"), QStringLiteral("collection_method")})},
        {get, QStringLiteral("/v1/invoices/{}"), expandOnly},
        {get, QStringLiteral("/v1/invoices/{}/lines"), listParams({})},
        {get, QStringLiteral("/v1/invoice_payments"),
         listParams({QStringLiteral("invoice"), QStringLiteral("status"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/invoice_payments/{}"), expandOnly},
        {get, QStringLiteral("/v1/payment_intents"),
         listParams({QStringLiteral("customer"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/payment_intents/{}"), expandOnly},
        // Sync: payment methods (a customer's default one comes expanded on the customer list),
        // coupons and promotion codes.
        {get, QStringLiteral("/v1/payment_methods/{}"), expandOnly},
        {get, QStringLiteral("/v1/customers/{}/payment_methods"),
         listParams({QStringLiteral("type"), QStringLiteral("allow_redisplay")})},
        {get, QStringLiteral("/v1/coupons"), listParams({QStringLiteral("created")})},
        {get, QStringLiteral("/v1/coupons/{}"), expandOnly},
        {get, QStringLiteral("/v1/promotion_codes"),
         listParams({QStringLiteral("active"), QStringLiteral("code"), QStringLiteral("coupon"),
                     QStringLiteral("customer"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/promotion_codes/{}"), expandOnly},
        {get, QStringLiteral("/v1/events"),
         listParams({QStringLiteral("created"), QStringLiteral("type"), QStringLiteral("types")})},
        {get, QStringLiteral("/v1/events/{}"), expandOnly},
        // Customer edits (the first writes; the full gateway extends this table).
        {post, QStringLiteral("/v1/customers"),
         {QStringLiteral("name"), QStringLiteral("email"), QStringLiteral("description"), QStringLiteral("phone"),
          QStringLiteral("address"), QStringLiteral("metadata"), QStringLiteral("invoice_settings"),
          QStringLiteral("preferred_locales"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/customers/{}"),
         {QStringLiteral("name"), QStringLiteral("email"), QStringLiteral("description"), QStringLiteral("phone"),
          QStringLiteral("address"), QStringLiteral("metadata"), QStringLiteral("invoice_settings"),
          QStringLiteral("preferred_locales"), QStringLiteral("expand")}},
        {del, QStringLiteral("/v1/customers/{}"), {}},
        // Refunds (through the outbox).
        {post, QStringLiteral("/v1/refunds"),
         {QStringLiteral("payment_intent"), QStringLiteral("charge"), QStringLiteral("amount"), QStringLiteral("reason"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/refunds"),
         listParams({QStringLiteral("charge"), QStringLiteral("payment_intent"), QStringLiteral("created")})},
        // Refunds and credit notes for paid invoices (services/refunds). The preview row comes before
        // any "/v1/credit_notes/{}" row so that match() finds it first.
        {get, QStringLiteral("/v1/charges/{}"), expandOnly},
        {get, QStringLiteral("/v1/credit_notes/preview"),
         {QStringLiteral("invoice"), QStringLiteral("amount"), QStringLiteral("refund_amount"),
          QStringLiteral("credit_amount"), QStringLiteral("out_of_band_amount"), QStringLiteral("reason"),
          QStringLiteral("memo"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/credit_notes"),
         listParams({QStringLiteral("invoice"), QStringLiteral("customer"), QStringLiteral("created")})},
        {post, QStringLiteral("/v1/credit_notes"),
         {QStringLiteral("invoice"), QStringLiteral("amount"), QStringLiteral("refund_amount"),
          QStringLiteral("credit_amount"), QStringLiteral("out_of_band_amount"), QStringLiteral("reason"),
          QStringLiteral("memo"), QStringLiteral("metadata"), QStringLiteral("expand")}},
    };
}

bool templateMatches(const QString &tmpl, const QString &path)
{
    const QStringList t = tmpl.split(QLatin1Char('/'));
    const QStringList p = path.split(QLatin1Char('/'));
    if (t.size() != p.size())
        return false;
    for (int i = 0; i < t.size(); ++i) {
        if (t[i] == QLatin1String("{}")) {
            if (p[i].isEmpty())
                return false;
        } else if (t[i] != p[i]) {
            return false;
        }
    }
    return true;
}

} // namespace

const QList<StripeEndpoint> &StripeEndpoints::all()
{
    static const QList<StripeEndpoint> table = buildTable();
    return table;
}

const StripeEndpoint *StripeEndpoints::match(const QString &method, const QString &path)
{
    for (const StripeEndpoint &e : all()) {
        if (e.method == method && templateMatches(e.pathTemplate, path))
            return &e;
    }
    return nullptr;
}

QString StripeEndpoints::check(const QString &method, const QString &path, const FormParams &params)
{
    const StripeEndpoint *e = match(method, path);
    if (!e)
        return QStringLiteral("%1 %2 is not in the endpoint registry").arg(method, path);
    for (const QString &key : params.keys()) {
        if (!e->params.contains(key))
            return QStringLiteral("parameter '%1' is not registered for %2 %3").arg(key, method, e->pathTemplate);
    }
    return {};
}

} // namespace Billing
