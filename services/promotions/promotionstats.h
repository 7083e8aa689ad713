#pragma once

#include "services/domain/promotion.h"

#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// Redemptions of one coupon or promotion code: Stripe's times_redeemed against max_redemptions.
struct RedemptionStat
{
    enum class Kind { Coupon, PromotionCode };
    Kind kind = Kind::Coupon;
    QString id;
    QString label;    // coupon name (or id), or the code
    QString couponId; // the coupon (itself for a coupon)
    int timesRedeemed = 0;
    std::optional<int> maxRedemptions;
    bool redeemable = true; // coupon.valid / code.active and not used up

    // Redemptions still possible; nullopt = unlimited.
    std::optional<int> remaining() const
    {
        if (!maxRedemptions)
            return std::nullopt;
        return qMax(0, *maxRedemptions - timesRedeemed);
    }
};

struct RedemptionSummary
{
    QList<RedemptionStat> rows; // every coupon, each followed by its codes
    int couponRedemptions = 0;  // sum of the coupons' times_redeemed (codes count into their coupon)
    int codeRedemptions = 0;    // sum of the codes' times_redeemed
    int exhausted = 0;          // rows that reached their maximum
};

// Pure: builds the summary (coupons by name then id, each followed by its codes by code).
RedemptionSummary summarizeRedemptions(const QList<Coupon> &coupons, const QList<PromotionCode> &codes);

} // namespace Billing
