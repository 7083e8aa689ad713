#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Billing {

struct Product
{
    QString id; // prod_...
    QString name;
    QString description;
    bool active = true;
    QString defaultPrice;
    QDateTime created;
};

// One tier of a tiered price. upTo empty = "inf". Decimal strings are kept exactly as Stripe sends them.
struct PriceTier
{
    std::optional<qint64> upTo;
    std::optional<qint64> unitAmount;
    QString unitAmountDecimal;
    std::optional<qint64> flatAmount;
    QString flatAmountDecimal;
};

struct Price
{
    QString id; // price_...
    QString productId;
    QString currency; // lower case
    QString nickname;
    QString lookupKey;
    bool active = true;
    QString type;          // one_time | recurring
    QString billingScheme; // per_unit | tiered
    QString tiersMode;     // graduated | volume | empty
    std::optional<qint64> unitAmount; // minor units; empty for tiered or decimal-only prices
    QString unitAmountDecimal;        // exact decimal string in minor units, up to 12 places
    QString interval;                 // day | week | month | year (recurring only)
    int intervalCount = 0;
    QString usageType;                // licensed | metered
    std::optional<int> trialPeriodDays;
    QList<PriceTier> tiers;
    QDateTime created;
};

} // namespace Billing
