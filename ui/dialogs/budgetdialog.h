#pragma once

#include "services/budgets/budget.h"
#include "services/domain/customer.h"
#include "services/storage/cachequeries.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace Billing {

class BudgetService;

// A customer's monthly budget: new or one of their existing budgets; for the whole customer or
// the selected subscription; in money (the customer's currency, parsed exactly) or in units of a
// meter; alert thresholds (default 50, 80, 100); what happens at the limit (notify, flag, pause
// collection, cap). Save validates (zero/negative budget, thresholds out of order or over 200%,
// another currency: a plain message, nothing saved). Archive retires a budget. Async through
// BudgetService; needs Permission::ManageBudgets (the window shows the action only then).
class BudgetDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BudgetDialog)
public:
    BudgetDialog(BudgetService *service, const Customer &customer, const std::optional<SubscriptionRow> &subscription,
                 QWidget *parent = nullptr);

    QComboBox *budgetPicker() const { return m_budgets; }
    QComboBox *scopeBox() const { return m_scope; }
    QComboBox *unitBox() const { return m_unit; }
    QLineEdit *limitEdit() const { return m_limit; }
    QComboBox *meterBox() const { return m_meter; }
    QLineEdit *priceEdit() const { return m_price; }
    QLineEdit *thresholdsEdit() const { return m_thresholds; }
    QComboBox *actionBox() const { return m_action; }
    QCheckBox *stripeAlertBox() const { return m_stripeAlert; }
    QLabel *messageLabel() const { return m_message; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *archiveButton() const { return m_archive; }
    bool isBusy() const { return m_busy; }
    const QList<Budget> &budgets() const { return m_list; }

    void save();
    void archive();

Q_SIGNALS:
    void saved(const Billing::Budget &budget);
    void idle(); // a load, save or archive finished

private:
    void loadBudgets(qint64 select);
    void showBudget(int index);
    void updateFields();
    void setMessage(const QString &text, bool error);
    void setBusy(bool busy);
    Result<Budget> budgetFromForm() const;

    BudgetService *m_service;
    Customer m_customer;
    std::optional<SubscriptionRow> m_subscription;
    QList<Budget> m_list; // active budgets of this customer
    bool m_busy = false;

    QComboBox *m_budgets;
    QComboBox *m_scope;
    QComboBox *m_unit;
    QLineEdit *m_limit;
    QLabel *m_limitUnit;
    QComboBox *m_meter;
    QLabel *m_priceLabel;
    QLineEdit *m_price;
    QLineEdit *m_thresholds;
    QComboBox *m_action;
    QLabel *m_actionHint;
    QCheckBox *m_stripeAlert;
    QLabel *m_message;
    QPushButton *m_save;
    QPushButton *m_archive;
};

} // namespace Billing
