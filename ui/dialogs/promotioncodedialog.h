#pragma once

#include "services/promotions/promotioncodeservice.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace Billing {

class OutboxService;

// Create a promotion code for a coupon with its restrictions: the code customers type, one
// customer only, first-time customers only, a minimum amount in a currency, an expiry and a maximum
// number of redemptions. Checked as typed; one dialog session is one outbox entry.
class PromotionCodeDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PromotionCodeDialog)
public:
    PromotionCodeDialog(PromotionCodeService *service, OutboxService *outbox, const QList<Coupon> &coupons,
                        const QString &selectedCouponId = {}, QWidget *parent = nullptr);
    ~PromotionCodeDialog() override;

    Result<PromotionCodeDraft> draft() const;
    qint64 entryId() const { return m_entryId; }

Q_SIGNALS:
    void codeCreated(const QString &promotionCodeId);

private:
    void refresh();
    void submit();

    PromotionCodeService *m_service;
    OutboxService *m_outbox;
    QString m_sessionId;
    qint64 m_entryId = 0;

    QComboBox *m_coupon = nullptr;
    QLineEdit *m_code = nullptr;
    QLineEdit *m_customer = nullptr;
    QCheckBox *m_firstTime = nullptr;
    QCheckBox *m_minimumOn = nullptr;
    QLineEdit *m_minimum = nullptr;
    QComboBox *m_minimumCurrency = nullptr;
    QCheckBox *m_expires = nullptr;
    QDateEdit *m_expiresAt = nullptr;
    QCheckBox *m_limit = nullptr;
    QSpinBox *m_max = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_create = nullptr;
};

} // namespace Billing
