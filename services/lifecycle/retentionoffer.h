#pragma once

#include "services/domain/catalog.h"
#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/lifecycle/cancellationreason.h"
#include "services/storage/billingdatabase.h"
#include "services/storage/cachequeries.h"

#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace Billing {

enum class RetentionOfferKind { None, Discount, Pause, CheaperPlan };
QString retentionOfferKindName(RetentionOfferKind kind); // "none", "discount", "pause", "cheaper_plan"
std::optional<RetentionOfferKind> retentionOfferKindFromName(QStringView name);

// One offer shown to a leaving customer, with what it means in money (monthly amounts in the
// subscription's currency, minor units).
struct RetentionOffer
{
    RetentionOfferKind kind = RetentionOfferKind::None;
    QString couponId;       // Discount: applied through discounts[0][coupon]
    int percentOff = 0;     // Discount: whole percent, 1..100
    int durationMonths = 0; // Discount: how long (0 = for good)
    int pauseMonths = 0;    // Pause: collection paused this many months (keep_as_draft)
    QString priceId;        // CheaperPlan: the price to switch to (same currency)
    QString planName;       // CheaperPlan: for people
    Money monthlyBefore;    // what the customer pays per month now
    Money monthlyAfter;     // what they would pay per month with the offer (0 while paused)

    // Plain words for the dialog and the audit log: "20 % off for 3 months: 39.20 USD/month instead
    // of 49.00 USD/month". Amounts in machine form; the UI formats its own with QLocale.
    QString summary() const;
};

// Which offers fit which reason, and the offer parameters. Configurable per workspace through
// settings rows (BillingDatabase::settingsList):
//   retention.offers.<reason>   = "discount,cheaper_plan" (kinds in order; "" = none)
//   retention.coupon            = the Stripe coupon id of the retention discount
//   retention.percent_off       = that coupon's percent_off (for the money shown), 1..100
//   retention.duration_months   = that coupon's duration in months (0 = forever)
//   retention.pause_months      = months of pause offered instead of cancelling
// A discount is offered only when a coupon is configured.
struct RetentionRules
{
    QMap<CancellationReason, QList<RetentionOfferKind>> offers;
    QString couponId;
    int percentOff = 20;
    int durationMonths = 3;
    int pauseMonths = 3;

    // too_expensive -> discount, cheaper plan; unused -> pause; missing_features, switched_service,
    // low_quality, customer_service -> discount; too_complex -> pause; other -> discount.
    static RetentionRules defaults();
    // defaults() overridden by the settings rows above; a malformed value is a Validation error.
    static Result<RetentionRules> fromSettings(const QList<WorkspaceSetting> &settings);
};

// The monthly equivalent of a recurring amount: amount * 12 / (months per year of the interval),
// rounded half up once. month x1 -> as is; year -> /12; week -> *52/12; day -> *365/12.
Result<Money> monthlyAmount(qint64 amountMinor, const Currency &currency, const QString &interval,
                            int intervalCount);

// The offers that fit `reason` for this subscription, in the rules' order. CheaperPlan picks the
// dearest active licensed recurring price in the same currency whose monthly amount (x quantity)
// is below today's (single-item subscriptions only). Pure; any thread.
Result<QList<RetentionOffer>> retentionOffersFor(CancellationReason reason, const SubscriptionRow &row,
                                                 const QList<Price> &prices, const QList<Product> &products,
                                                 const RetentionRules &rules);

} // namespace Billing
