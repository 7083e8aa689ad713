#pragma once

#include "services/promotions/couponservice.h"
#include "services/promotions/promotioncodeservice.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace Billing {

class OutboxService;

// Apply a coupon or a promotion code to one subscription (discounts[], replacing its current
// discounts). Coupons that cannot discount the subscription's currency are listed but refused with
// the reason; a code is checked against every restriction before anything is sent. One dialog
// session is one outbox entry.
class CouponApplyDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CouponApplyDialog)
public:
    enum class State { Loading, Editing, Sending, Queued, Applied, Failed };

    CouponApplyDialog(CouponService *coupons, PromotionCodeService *codes, OutboxService *outbox, const QString &subscriptionId,
                      const QString &label, const Currency &currency, QWidget *parent = nullptr);
    ~CouponApplyDialog() override;

    State state() const { return m_state; }

Q_SIGNALS:
    void stateChanged(Billing::CouponApplyDialog::State state);

private:
    void refresh();
    void apply();
    void setState(State state, const QString &text, const QString &tone);

    CouponService *m_coupons;
    PromotionCodeService *m_codes;
    OutboxService *m_outbox;
    QString m_subscriptionId;
    Currency m_currency;
    QString m_sessionId;
    qint64 m_entryId = 0;
    State m_state = State::Loading;
    QList<Coupon> m_list;

    QRadioButton *m_byCoupon = nullptr;
    QRadioButton *m_byCode = nullptr;
    QComboBox *m_coupon = nullptr;
    QLineEdit *m_code = nullptr;
    QLabel *m_hint = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_apply = nullptr;
};

} // namespace Billing
