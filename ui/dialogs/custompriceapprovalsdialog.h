#pragma once

#include "services/pricing/customdeal.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace Billing {

class CustomPricingService;

// Finance's queue of negotiated prices waiting for approval (from the billing database): customer,
// currency, phases, discount, who asked and why it waits. Approve sends the deal through the
// OperationRunner; Reject needs a note. The list follows CustomPricingService::dealChanged. GUI thread.
class CustomPriceApprovalsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomPriceApprovalsDialog)
public:
    explicit CustomPriceApprovalsDialog(CustomPricingService *service, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    QPushButton *approveButton() const { return m_approve; }
    QPushButton *rejectButton() const { return m_reject; }
    QLineEdit *noteEdit() const { return m_note; }
    QLabel *statusLabel() const { return m_status; }
    void reload();

private:
    void decide(bool approve);
    qint64 selectedId() const;

    CustomPricingService *m_service;
    QList<CustomDeal> m_deals;
    QTableWidget *m_table;
    QLineEdit *m_note;
    QPushButton *m_approve;
    QPushButton *m_reject;
    QLabel *m_status;
};

} // namespace Billing
