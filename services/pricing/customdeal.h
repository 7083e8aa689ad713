#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

// One step of a ramp: `months` long (0 = open-ended, only the last step), at unitAmountMinor per
// unit per interval. "Year 1 at X, year 2 at Y" = two phases of 12 months.
struct RampPhase
{
    int months = 12;
    qint64 unitAmountMinor = 0; // in the deal's currency
};

// A negotiated (enterprise) price for one customer: a dedicated Price per ramp phase with
// metadata customer=<cus_...>, optionally applied to an existing subscription as a subscription
// schedule (phases), a minimum commitment per interval, and an approval step when the discount
// against the list price is above the workspace's limit.
struct CustomDeal
{
    enum class Status { Pending, Approved, Rejected, Sent, Failed };

    qint64 id = 0;
    QDateTime createdAt; // UTC
    QString customerId;
    QString customerName;
    QString currency;   // lower case; the customer's fixed currency when it has one
    QString productId;
    QString listPriceId;
    qint64 listUnitAmountMinor = 0; // the list price per unit the discount is measured against
    qint64 quantity = 1;
    QString interval = QStringLiteral("month"); // month | year
    QList<RampPhase> phases;
    qint64 minimumCommitmentMinor = 0; // per interval; 0 = none
    QString subscriptionId;            // apply as a schedule to this subscription (optional)
    int discountPermille = 0;          // deepest phase discount vs list, in 0.1 %
    QString requestedBy;               // staff email
    Status status = Status::Pending;
    QString decidedBy;
    QDateTime decidedAt;
    QString note;                      // approver's note or the failure
    QList<qint64> outboxEntryIds;      // the Stripe writes sent for it

    static QString statusName(Status s);
    static Status statusFromName(const QString &name);
};

} // namespace Billing
