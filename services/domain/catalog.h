#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
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
    QString unitLabel;
    QMap<QString, QString> metadata;
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

// transform_quantity of a package price: the quantity is divided by divideBy and rounded
// ("up" or "down") before it is multiplied by the unit amount. divideBy 0 = no transform.
struct TransformQuantity
{
    qint64 divideBy = 0;
    QString round; // up | down
    bool isSet() const { return divideBy > 0; }
};

// The same price in another currency (Price::currencyOptions["eur"]). Same billing scheme and
// tiers mode as the price; amounts in that currency's minor units.
struct PriceCurrencyOption
{
    std::optional<qint64> unitAmount;
    QString unitAmountDecimal;
    QList<PriceTier> tiers;
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
    TransformQuantity transformQuantity;
    // Other currencies this price can be charged in, keyed by lower-case code. Stripe lists the
    // price's own currency here too when currency_options is expanded; not required.
    QMap<QString, PriceCurrencyOption> currencyOptions;
    QMap<QString, QString> metadata;
    QString taxBehavior; // inclusive | exclusive | unspecified
    QDateTime created;

    // package pricing is billing_scheme per_unit with transform_quantity.
    bool isPackage() const { return billingScheme != QLatin1String("tiered") && transformQuantity.isSet(); }
    bool isTiered() const { return billingScheme == QLatin1String("tiered"); }
};

} // namespace Billing
