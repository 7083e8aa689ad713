#pragma once

#include "services/domain/catalog.h"
#include "services/domain/customer.h"
#include "services/domain/invoice.h"
#include "services/domain/paymentmethod.h"
#include "services/domain/promotion.h"
#include "services/domain/result.h"
#include "services/domain/subscription.h"

#include <QJsonObject>
#include <QString>

namespace Billing {

// The account GET /v1/account returns, as far as the console shows it.
struct StripeAccount
{
    QString id; // acct_...
    QString displayName; // settings.dashboard.display_name, else business_profile.name, else email
    QString country;
    QString defaultCurrency;
};

// A /v1/events entry as incremental sync uses it.
struct StripeEvent
{
    QString id; // evt_...
    QString type; // customer.updated, customer.deleted, ...
    QDateTime created;
    QJsonObject object; // data.object
    QString objectType; // data.object.object
};

// Stripe JSON -> domain types. Pure functions, any thread. Strict where it matters: a missing id,
// an `object` of another type, a missing currency next to money, or an amount that is not an exact
// JSON integer gives Error::Kind::InvalidResponse whose detail names the field ("invoice.amount_due").
// Optional and nullable fields become empty values. Counts kept in an int (interval_count,
// trial_period_days, attempt_count, max_redemptions, ...) outside [0, INT_MAX] fail naming the field.
namespace StripeParser {

Result<Customer> customer(const QJsonObject &json);
Result<Product> product(const QJsonObject &json);
Result<Price> price(const QJsonObject &json);
Result<SubscriptionItem> subscriptionItem(const QJsonObject &json);
Result<Subscription> subscription(const QJsonObject &json);
Result<InvoiceLine> invoiceLine(const QJsonObject &json);
Result<Invoice> invoice(const QJsonObject &json);
// An invoice_payment joined with its PaymentIntent (may be empty: no intent known or fetched).
Result<PaymentAttempt> paymentAttempt(const QJsonObject &invoicePayment, const QJsonObject &paymentIntent = {});
Result<PaymentMethod> paymentMethod(const QJsonObject &json);
// percent_off becomes the exact decimal Stripe defines (at most two decimals, 0 < p <= 100), e.g.
// "25.5" or "33.33"; more decimals or out of range -> InvalidResponse "coupon.percent_off".
Result<Coupon> coupon(const QJsonObject &json);
Result<PromotionCode> promotionCode(const QJsonObject &json);
Result<StripeAccount> account(const QJsonObject &json);
Result<StripeEvent> event(const QJsonObject &json);

// The payment_intent id an invoice_payment points at (payment.payment_intent), empty if none.
QString paymentIntentIdOf(const QJsonObject &invoicePayment);

} // namespace StripeParser

} // namespace Billing
