#include "services/promotions/promotionstats.h"

#include <algorithm>

namespace Billing {

RedemptionSummary summarizeRedemptions(const QList<Coupon> &coupons, const QList<PromotionCode> &codes)
{
    RedemptionSummary out;
    QList<Coupon> sorted = coupons;
    std::sort(sorted.begin(), sorted.end(), [](const Coupon &a, const Coupon &b) {
        const int c = QString::compare(a.name, b.name, Qt::CaseInsensitive);
        return c != 0 ? c < 0 : a.id < b.id;
    });
    QList<PromotionCode> sortedCodes = codes;
    std::sort(sortedCodes.begin(), sortedCodes.end(), [](const PromotionCode &a, const PromotionCode &b) {
        const int c = QString::compare(a.code, b.code, Qt::CaseInsensitive);
        return c != 0 ? c < 0 : a.id < b.id;
    });
    auto count = [&out](RedemptionStat &s) {
        if (s.maxRedemptions && s.timesRedeemed >= *s.maxRedemptions) {
            ++out.exhausted;
            s.redeemable = false;
        }
        out.rows << s;
    };
    for (const Coupon &c : sorted) {
        RedemptionStat s;
        s.kind = RedemptionStat::Kind::Coupon;
        s.id = c.id;
        s.couponId = c.id;
        s.label = c.name.isEmpty() ? c.id : c.name;
        s.timesRedeemed = c.timesRedeemed;
        s.maxRedemptions = c.maxRedemptions;
        s.redeemable = c.valid;
        out.couponRedemptions += c.timesRedeemed;
        count(s);
        for (const PromotionCode &p : sortedCodes) {
            if (p.couponId != c.id)
                continue;
            RedemptionStat ps;
            ps.kind = RedemptionStat::Kind::PromotionCode;
            ps.id = p.id;
            ps.couponId = c.id;
            ps.label = p.code;
            ps.timesRedeemed = p.timesRedeemed;
            ps.maxRedemptions = p.maxRedemptions;
            ps.redeemable = p.active && c.valid;
            out.codeRedemptions += p.timesRedeemed;
            count(ps);
        }
    }
    return out;
}

} // namespace Billing
