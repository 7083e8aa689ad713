#pragma once

#include "services/terms/installmentplan.h"

#include <QDialog>

class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Billing {

class InstallmentService;

// A customer's installment plans (total, paid, remaining, installments paid) and a form for a new
// one: total in the customer's currency, number of installments, first due date, how many days before
// each due date the invoice is issued, description, PO number, and where the rounding remainder
// goes. The schedule preview shows every installment's exact amount as it is typed; Create stays
// disabled while the input is not valid (with the reason shown). Invoices are created later by the
// scheduled `billing-console installments run`.
class InstallmentPlanDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstallmentPlanDialog)
public:
    InstallmentPlanDialog(InstallmentService *service, const QString &customerId, const QString &customerLabel,
                          const Currency &currency, QWidget *parent = nullptr);
    ~InstallmentPlanDialog() override;

    // "Today" for the due-date check (default: the local date).
    void setToday(QDate today);
    // The plan the form describes, or why not.
    Result<InstallmentPlan> draftPlan() const;
    int planCount() const;
    bool isLoaded() const { return m_loaded; }

Q_SIGNALS:
    void plansLoaded();
    void planCreated(qint64 id);

private:
    void buildUi(const QString &customerLabel);
    void refreshPreview();
    void reload();
    void create();

    InstallmentService *m_service;
    QString m_customerId;
    Currency m_currency;
    QDate m_today;
    bool m_loaded = false;

    QTableWidget *m_plans = nullptr;
    QLineEdit *m_total = nullptr;
    QSpinBox *m_count = nullptr;
    QDateEdit *m_firstDue = nullptr;
    QSpinBox *m_issueDays = nullptr;
    QLineEdit *m_description = nullptr;
    QLineEdit *m_po = nullptr;
    QComboBox *m_remainder = nullptr;
    QTableWidget *m_preview = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_create = nullptr;
};

} // namespace Billing
