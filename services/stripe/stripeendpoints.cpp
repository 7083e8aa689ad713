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
          QStringLiteral("description"), QStringLiteral("payment_settings"), QStringLiteral("invoice_settings"),
          QStringLiteral("add_invoice_items"), QStringLiteral("currency"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/subscriptions/{}"),
         {QStringLiteral("items"), QStringLiteral("proration_behavior"), QStringLiteral("proration_date"),
          QStringLiteral("trial_end"), QStringLiteral("trial_settings"), QStringLiteral("cancel_at_period_end"),
          QStringLiteral("cancel_at"), QStringLiteral("cancellation_details"), QStringLiteral("pause_collection"),
          QStringLiteral("discounts"), QStringLiteral("default_payment_method"), QStringLiteral("payment_behavior"),
          QStringLiteral("collection_method"), QStringLiteral("days_until_due"), QStringLiteral("payment_settings"),
          QStringLiteral("invoice_settings"), QStringLiteral("description"), QStringLiteral("add_invoice_items"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {del, QStringLiteral("/v1/subscriptions/{}"),
         {QStringLiteral("invoice_now"), QStringLiteral("prorate"), QStringLiteral("cancellation_details"),
          QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/invoices/create_preview"),
         {QStringLiteral("customer"), QStringLiteral("subscription"), QStringLiteral("subscription_details"),
          QStringLiteral("discounts"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/subscription_schedules/{}"), expandOnly},
        {post, QStringLiteral("/v1/subscription_schedules"),
         {QStringLiteral("from_subscription"), QStringLiteral("customer"), QStringLiteral("start_date"),
          QStringLiteral("phases"), QStringLiteral("end_behavior"), QStringLiteral("default_settings"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/subscription_schedules/{}"),
         {QStringLiteral("phases"), QStringLiteral("end_behavior"), QStringLiteral("proration_behavior"),
          QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/invoices"),
         listParams({QStringLiteral("customer"), QStringLiteral("status"), QStringLiteral("subscription"),
                     QStringLiteral("created"), QStringLiteral("collection_method")})},
        {get, QStringLiteral("/v1/invoices/{}"), expandOnly},
        {get, QStringLiteral("/v1/invoices/{}/lines"), listParams({})},
        // Invoice actions, terms and offline payments (services/invoices, through the outbox).
        {post, QStringLiteral("/v1/invoices"),
         {QStringLiteral("customer"), QStringLiteral("subscription"), QStringLiteral("currency"), QStringLiteral("collection_method"), QStringLiteral("days_until_due"), QStringLiteral("due_date"), QStringLiteral("custom_fields"), QStringLiteral("description"), QStringLiteral("footer"), QStringLiteral("metadata"), QStringLiteral("payment_settings"), QStringLiteral("pending_invoice_items_behavior"), QStringLiteral("auto_advance"), QStringLiteral("default_payment_method"), QStringLiteral("discounts"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/invoices/{}/finalize"), {QStringLiteral("auto_advance"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/invoices/{}/send"), expandOnly},
        {post, QStringLiteral("/v1/invoices/{}/pay"), {QStringLiteral("forgive"), QStringLiteral("off_session"), QStringLiteral("paid_out_of_band"), QStringLiteral("payment_method"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/invoices/{}/void"), expandOnly},
        {post, QStringLiteral("/v1/invoices/{}/mark_uncollectible"), expandOnly},
        {post, QStringLiteral("/v1/invoices/{}"),
         {QStringLiteral("collection_method"), QStringLiteral("days_until_due"), QStringLiteral("due_date"), QStringLiteral("custom_fields"), QStringLiteral("description"), QStringLiteral("footer"), QStringLiteral("metadata"), QStringLiteral("payment_settings"), QStringLiteral("default_payment_method"), QStringLiteral("auto_advance"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/invoiceitems"), listParams({QStringLiteral("customer"), QStringLiteral("invoice"), QStringLiteral("pending"), QStringLiteral("created")})},
        {post, QStringLiteral("/v1/invoiceitems"),
         {QStringLiteral("customer"), QStringLiteral("amount"), QStringLiteral("currency"), QStringLiteral("description"), QStringLiteral("invoice"), QStringLiteral("period"), QStringLiteral("price_data"), QStringLiteral("pricing"), QStringLiteral("quantity"), QStringLiteral("subscription"), QStringLiteral("unit_amount_decimal"), QStringLiteral("discounts"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/invoice_payments"),
         listParams({QStringLiteral("invoice"), QStringLiteral("status"), QStringLiteral("created"), QStringLiteral("payment")})},
        {get, QStringLiteral("/v1/invoice_payments/{}"), expandOnly},
        {get, QStringLiteral("/v1/payment_intents"),
         listParams({QStringLiteral("customer"), QStringLiteral("created")})},
        {get, QStringLiteral("/v1/payment_intents/{}"), expandOnly},
        // Sync: payment methods (a customer's default one comes expanded on the customer list),
        // coupons and promotion codes.
        {get, QStringLiteral("/v1/payment_methods/{}"), expandOnly},
        {get, QStringLiteral("/v1/customers/{}/payment_methods"),
         listParams({QStringLiteral("type"), QStringLiteral("allow_redisplay")})},
        // Payment method management and the hosted pages that add one (services/paymentmethods).
        {get, QStringLiteral("/v1/payment_methods"), listParams({QStringLiteral("customer"), QStringLiteral("type")})},
        {post, QStringLiteral("/v1/payment_methods/{}/attach"), {QStringLiteral("customer"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/payment_methods/{}/detach"), expandOnly},
        {post, QStringLiteral("/v1/setup_intents"),
         {QStringLiteral("customer"), QStringLiteral("allowed_payment_method_types"), QStringLiteral("usage"), QStringLiteral("description"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/setup_intents/{}"), expandOnly},
        {post, QStringLiteral("/v1/checkout/sessions"),
         {QStringLiteral("mode"), QStringLiteral("customer"), QStringLiteral("currency"), QStringLiteral("success_url"), QStringLiteral("cancel_url"), QStringLiteral("setup_intent_data"), QStringLiteral("allowed_payment_method_types"), QStringLiteral("metadata"), QStringLiteral("expires_at"), QStringLiteral("locale"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/checkout/sessions/{}"), expandOnly},
        {post, QStringLiteral("/v1/billing_portal/sessions"),
         {QStringLiteral("customer"), QStringLiteral("return_url"), QStringLiteral("flow_data"), QStringLiteral("locale"), QStringLiteral("configuration"), QStringLiteral("expand")}},
        // Customer balance: referral rewards and goodwill credits (services/promotions).
        {get, QStringLiteral("/v1/customers/{}/balance_transactions"), listParams({QStringLiteral("created"), QStringLiteral("invoice")})},
        {post, QStringLiteral("/v1/customers/{}/balance_transactions"),
         {QStringLiteral("amount"), QStringLiteral("currency"), QStringLiteral("description"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        // Usage: billing meters and alerts (services/usage, services/budgets).
        {get, QStringLiteral("/v1/billing/meters"), listParams({QStringLiteral("status")})},
        {get, QStringLiteral("/v1/billing/meters/{}"), expandOnly},
        {get, QStringLiteral("/v1/billing/meters/{}/event_summaries"),
         listParams({QStringLiteral("customer"), QStringLiteral("start_time"), QStringLiteral("end_time"), QStringLiteral("value_grouping_window")})},
        {get, QStringLiteral("/v1/billing/alerts"), listParams({QStringLiteral("alert_type"), QStringLiteral("meter")})},
        {post, QStringLiteral("/v1/billing/alerts"), {QStringLiteral("alert_type"), QStringLiteral("title"), QStringLiteral("usage_threshold"), QStringLiteral("expand")}},
        {get, QStringLiteral("/v1/billing/alerts/{}"), expandOnly},
        {post, QStringLiteral("/v1/billing/alerts/{}/activate"), expandOnly},
        {post, QStringLiteral("/v1/billing/alerts/{}/deactivate"), expandOnly},
        {post, QStringLiteral("/v1/billing/alerts/{}/archive"), expandOnly},
        // Catalog and custom pricing (services/pricing); coupons and promotion codes (services/promotions).
        {post, QStringLiteral("/v1/products"), {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("description"), QStringLiteral("metadata"), QStringLiteral("active"), QStringLiteral("default_price_data"), QStringLiteral("unit_label"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/products/{}"), {QStringLiteral("name"), QStringLiteral("description"), QStringLiteral("metadata"), QStringLiteral("active"), QStringLiteral("default_price"), QStringLiteral("unit_label"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/prices"),
         {QStringLiteral("currency"), QStringLiteral("product"), QStringLiteral("product_data"), QStringLiteral("unit_amount"), QStringLiteral("unit_amount_decimal"), QStringLiteral("billing_scheme"), QStringLiteral("tiers"), QStringLiteral("tiers_mode"), QStringLiteral("recurring"), QStringLiteral("transform_quantity"), QStringLiteral("currency_options"), QStringLiteral("nickname"), QStringLiteral("lookup_key"), QStringLiteral("metadata"), QStringLiteral("active"), QStringLiteral("tax_behavior"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/prices/{}"), {QStringLiteral("active"), QStringLiteral("currency_options"), QStringLiteral("lookup_key"), QStringLiteral("metadata"), QStringLiteral("nickname"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/coupons"),
         {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("amount_off"), QStringLiteral("percent_off"), QStringLiteral("currency"), QStringLiteral("currency_options"), QStringLiteral("duration"), QStringLiteral("duration_in_months"), QStringLiteral("max_redemptions"), QStringLiteral("redeem_by"), QStringLiteral("applies_to"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/coupons/{}"), {QStringLiteral("name"), QStringLiteral("metadata"), QStringLiteral("currency_options"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/promotion_codes"),
         {QStringLiteral("promotion"), QStringLiteral("code"), QStringLiteral("customer"), QStringLiteral("expires_at"), QStringLiteral("max_redemptions"), QStringLiteral("restrictions"), QStringLiteral("active"), QStringLiteral("metadata"), QStringLiteral("expand")}},
        {post, QStringLiteral("/v1/promotion_codes/{}"), {QStringLiteral("active"), QStringLiteral("metadata"), QStringLiteral("restrictions"), QStringLiteral("expand")}},
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
