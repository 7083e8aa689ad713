#pragma once

#include "services/promotions/referralprogram.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Billing {

// "Record referral…" on a customer: who referred whom (the selected customer as the referee or as
// the referrer), the code used and a note; saved in the billing database by ReferralProgram. The
// reward follows by itself once the referee has paid their first invoice (on refresh, or
// `billing-console referrals run`). The reward rules per currency are shown for reference.
class ReferralDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReferralDialog)
public:
    ReferralDialog(ReferralProgram *program, const QString &customerId, const QString &customerLabel,
                   const QString &actor, QWidget *parent = nullptr);
    ~ReferralDialog() override;

    QLineEdit *otherEdit() const { return m_other; }
    QComboBox *directionBox() const { return m_direction; }
    QPushButton *confirmButton() const { return m_confirm; }
    std::optional<Referral> recorded() const { return m_recorded; }

Q_SIGNALS:
    void recordFinished(bool ok);

private:
    void updateValidity();
    void confirm();

    ReferralProgram *m_program;
    QString m_customerId;
    QString m_actor;
    std::optional<Referral> m_recorded;

    QComboBox *m_direction;
    QLineEdit *m_other;
    QLineEdit *m_code;
    QLineEdit *m_note;
    QLabel *m_rules;
    QLabel *m_status;
    QPushButton *m_confirm = nullptr;
};

} // namespace Billing
