#pragma once

#include <QDateTime>
#include <QMap>
#include <QString>

#include <optional>

namespace Billing {

// A Stripe coupon. percent_off is a JSON number with up to two decimals (25.5): kept as the exact
// decimal string Stripe sent, never a double. amount_off is minor units of `currency`.
struct Coupon
{
    QString id;
    QString name;
    QString percentOff;               // "25.5"; empty for amount-off coupons
    std::optional<qint64> amountOff;  // minor units
    QString currency;                 // lower case; amount-off only
    QMap<QString, qint64> currencyOptionsAmountOff; // currency_options[cur][amount_off]
    QString duration;                 // once | repeating | forever
    std::optional<int> durationInMonths;
    std::optional<int> maxRedemptions;
    int timesRedeemed = 0;
    QDateTime redeemBy;
    bool valid = true;
    QDateTime created;
};

struct PromotionCode
{
    QString id;   // promo_...
    QString code; // what the customer types
    QString couponId; // promotion.coupon
    QString customerId; // restricted to this customer, else empty
    bool active = true;
    std::optional<int> maxRedemptions;
    int timesRedeemed = 0;
    QDateTime expiresAt;
    bool firstTimeTransaction = false;        // restrictions.first_time_transaction
    std::optional<qint64> minimumAmount;      // restrictions.minimum_amount (minor units)
    QString minimumAmountCurrency;
    QDateTime created;
};

} // namespace Billing
