#pragma once

#include "services/lifecycle/retentionrepository.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace Billing {

// Retention figures over a set of records. Only records whose Stripe write was confirmed count
// (RetentionOutcome::Confirmed); pending and not applied ones are only counted in awaitingStripe
// and notApplied. Offers = records whose kind is not "none". Revenue saved = the monthly amount
// kept by subscriptions after an accepted offer, per currency (minor units, lower-case currency);
// amounts in different currencies are never added together.
struct RetentionReport
{
    struct Line
    {
        QString key; // the reason or the offer kind; "" for the totals
        int cancellations = 0; // records with kind "none" (left with nothing to offer)
        int offersMade = 0;
        int offersAccepted = 0;
        QMap<QString, qint64> revenueAtStakeMinor; // currency -> monthly minor units of offers made
        QMap<QString, qint64> revenueSavedMinor;   // currency -> monthly minor units kept
        // accepted / made in per mille, rounded half up (0 when no offer was made).
        int acceptanceRatePermille() const;
    };

    Line totals;
    int awaitingStripe = 0; // records whose Stripe write has not been answered yet
    int notApplied = 0;     // records whose Stripe write failed or needs attention
    QList<Line> byReason; // sorted by key
    QList<Line> byOffer;  // sorted by key

    static RetentionReport build(const QList<RetentionRecord> &records);

    // Rows for export (CSV comes later): header first, then one row per section/key/currency:
    // section (total|reason|offer), key, currency, offers_made, offers_accepted,
    // acceptance_rate_percent ("37.5"), revenue_at_stake_minor, revenue_saved_minor.
    // Counts repeat on each currency row of the same key; a key without offers has one row with
    // an empty currency.
    QList<QStringList> rows() const;
};

} // namespace Billing
