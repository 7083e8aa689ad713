#pragma once

#include "services/domain/catalog.h"
#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/domain/subscription.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

namespace Billing {

// When a plan change takes effect and how the time already paid for is settled.
//  NowProrated         items change now; proration_behavior=always_invoice: Stripe credits the
//                      unused time of the old price and charges the rest of the period at the new
//                      price on an invoice made (and collected) right away, so "amount due now" is
//                      what the customer pays today (create_prorations would only leave pending
//                      items for the next renewal: nothing would be due now).
//  NowWithoutProration items change now; proration_behavior=none: nothing credited or charged
//                      until the next renewal, which bills the new price.
//  AtPeriodEnd         a subscription schedule (from_subscription) whose second phase starts at
//                      the end of the current phase with the new price.
enum class PlanChangeTiming { NowProrated, NowWithoutProration, AtPeriodEnd };

QString planChangeTimingName(PlanChangeTiming timing); // "now_prorated", "now_unprorated", "period_end"

struct PlanChangeRequest
{
    QString subscriptionId;
    QString priceId; // the target price
    qint64 quantity = 1;
    PlanChangeTiming timing = PlanChangeTiming::NowProrated;

    friend bool operator==(const PlanChangeRequest &a, const PlanChangeRequest &b)
    {
        return a.subscriptionId == b.subscriptionId && a.priceId == b.priceId && a.quantity == b.quantity
               && a.timing == b.timing;
    }
    friend bool operator!=(const PlanChangeRequest &a, const PlanChangeRequest &b) { return !(a == b); }
};

// What a plan offers, from its Stripe product's metadata (Stripe has no limits model of its own):
//   metadata[features]   = "sso,audit_log"  comma separated feature keys
//   metadata[limit_<x>]  = "10"             a limit on <x> (limit_seats, limit_projects, ...);
//                                           absent = no limit
struct PlanFeatures
{
    QStringList features;
    QMap<QString, qint64> limits; // "seats" -> 10

    static PlanFeatures fromMetadata(const QJsonObject &metadata);
    bool isEmpty() const { return features.isEmpty() && limits.isEmpty(); }
};

// People's name of a feature key: "sso" -> "SSO", "audit_log" -> "Audit log".
QString featureDisplayName(const QString &key);

// What a move from `from` to `to` takes away, in plain words, one entry per loss:
//  "Downgrade loses: SSO, Audit log" (features of `from` missing in `to`),
//  "12 seats in use exceed the new limit of 10" (usage["seats"] above to.limits["seats"]),
//  "Projects limit drops from 50 to 10" (a lower limit that current usage still fits in).
// `usage` holds what is in use now ("seats" -> the subscription's quantity). Empty = nothing lost.
QStringList downgradeWarnings(const PlanFeatures &from, const PlanFeatures &to, const QMap<QString, qint64> &usage);

// Checks a plan change before anything is sent: quantity at least 1, target price active and
// recurring, same currency as the subscription (the message names both), a live subscription
// with exactly one item, and something actually changing. Error::Kind::Validation when not.
Status validatePlanChange(const Subscription &subscription, const Price &target, const PlanChangeRequest &request);

// "Team monthly x3, 87.00 USD/month" (machine form of the money: audit text, not display).
QString planSummary(const Price &price, const QString &productName, qint64 quantity);

// The numbers of Stripe's preview (POST /v1/invoices/create_preview), in the subscription's currency.
struct PlanChangePreview
{
    PlanChangeRequest request;
    qint64 prorationDate = 0; // Unix seconds Stripe prorated at in the preview, sent again on commit (0: none)
    Money credit;             // unused time of the old plan: sum of negative proration lines (<= 0)
    Money newCharge;          // rest of the period at the new plan: sum of positive proration lines
    Money amountDueNow;       // what the invoice made right away asks for (0 unless NowProrated)
    Money nextInvoiceTotal;   // the next renewal invoice
    QDateTime nextInvoiceDate;
    QStringList warnings;     // downgradeWarnings()
    bool downgrade = false;   // the new plan costs less per period, or warnings exist
    Subscription subscription;
    Price currentPrice;
    Price targetPrice;
    QString currentProductName;
    QString targetProductName;
    QString scheduleId; // AtPeriodEnd: an existing schedule of the subscription (empty: create one)
    QString beforeSummary;
    QString intentSummary;
};

// Sums of one create_preview answer's lines: negative proration lines (credit), positive ones
// (charge), and the invoice's amount_due and total. Lines flagged by parent.*_details.proration.
struct PreviewAmounts
{
    qint64 creditMinor = 0;
    qint64 chargeMinor = 0;
    qint64 amountDueMinor = 0;
    qint64 totalMinor = 0;
    QDateTime date; // when the invoice is (to be) made: period_end, else created
    QString currency;
    qint64 prorationDate = 0; // period.start of the proration lines: the time Stripe prorated at (0: none)
};
Result<PreviewAmounts> previewAmounts(const QJsonObject &invoice);

// The amount per period of a price for a quantity (per_unit only; nullopt for tiered/decimal).
std::optional<qint64> periodAmountMinor(const Price &price, qint64 quantity);

} // namespace Billing
