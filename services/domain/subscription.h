#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

// Since API 2025-03-31.basil the billing period lives on the items, not the subscription.
struct SubscriptionItem
{
    QString id; // si_...
    QString priceId;
    qint64 quantity = 1;
    QDateTime currentPeriodStart;
    QDateTime currentPeriodEnd;
};

struct Subscription
{
    QString id; // sub_...
    QString customerId;
    QString status; // incomplete | incomplete_expired | trialing | active | past_due | canceled | unpaid | paused
    QString currency;
    QString collectionMethod; // charge_automatically | send_invoice
    QString defaultPaymentMethod;
    QString latestInvoice;
    bool cancelAtPeriodEnd = false;
    QDateTime created;
    QDateTime startDate;
    QDateTime cancelAt;
    QDateTime canceledAt;
    QDateTime endedAt;
    QDateTime trialStart;
    QDateTime trialEnd;
    QString pauseBehavior; // pause_collection.behavior, empty when not paused
    QDateTime pauseResumesAt;
    QString cancellationFeedback;
    QList<SubscriptionItem> items;

    // The period of the first item (all items share one billing cycle unless mixed intervals).
    QDateTime currentPeriodEnd() const { return items.isEmpty() ? QDateTime() : items.first().currentPeriodEnd; }
};

} // namespace Billing
