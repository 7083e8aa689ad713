#pragma once

#include "services/promotions/couponservice.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace Billing {

class OutboxService;

// Create a coupon: name (and optional id), percent off or an amount off in a main currency plus
// amounts in further currencies (currency_options), duration (once, repeating N months, forever),
// maximum redemptions and a redeem-by date. Every rule is checked as typed (CouponService::validate)
// and Create stays disabled with the reason shown; one dialog session is one outbox entry.
class CouponDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CouponDialog)
public:
    CouponDialog(CouponService *service, OutboxService *outbox, QWidget *parent = nullptr);
    ~CouponDialog() override;

    // The coupon as entered, or why it is not valid.
    Result<CouponDraft> draft() const;
    qint64 entryId() const { return m_entryId; }

Q_SIGNALS:
    void couponQueued(qint64 entryId);
    void couponCreated(const QString &couponId);

private:
    void refresh();
    void submit();

    CouponService *m_service;
    OutboxService *m_outbox;
    QString m_sessionId;
    qint64 m_entryId = 0;

    QLineEdit *m_name = nullptr;
    QLineEdit *m_id = nullptr;
    QRadioButton *m_percentMode = nullptr;
    QRadioButton *m_amountMode = nullptr;
    QLineEdit *m_percent = nullptr;
    QLineEdit *m_amount = nullptr;
    QComboBox *m_currency = nullptr;
    QTableWidget *m_options = nullptr;
    QComboBox *m_duration = nullptr;
    QSpinBox *m_months = nullptr;
    QCheckBox *m_limit = nullptr;
    QSpinBox *m_max = nullptr;
    QCheckBox *m_expires = nullptr;
    QDateEdit *m_redeemBy = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_create = nullptr;
};

} // namespace Billing
