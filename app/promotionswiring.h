#pragma once

namespace Billing {

class MainWindow;
class WorkspaceSession;

// Coupons and promotion codes in the GUI: builds CouponService and PromotionCodeService from the
// session (parented to the window) and adds the Promotions pane (coupons, codes, redemption
// statistics, create dialogs), loaded when first shown.
void wirePromotions(MainWindow &window, WorkspaceSession &session);

} // namespace Billing
