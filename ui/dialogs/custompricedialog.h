#pragma once

#include "services/domain/catalog.h"
#include "services/domain/customer.h"
#include "services/pricing/customdeal.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Billing {

class CustomPricingService;

// Negotiate a price for one customer: product and list price (only prices in the customer's
// fixed currency are offered), seats, billing interval, a ramp (rows of months and unit price:
// "12 months at 45.00, then 42.50"), a minimum commitment, and the subscription to put on the
// ramp. Shows the discount against the list price and whether it needs approval (the workspace's
// limit); Submit stores it (pending or approved) through CustomPricingService, which sends an
// approved deal through the OperationRunner. Bad input (too many decimals for the currency, a
// missing length) is refused with the reason and nothing is saved. GUI thread.
class CustomPriceDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomPriceDialog)
public:
    CustomPriceDialog(CustomPricingService *service, const Customer &customer, const QString &subscriptionId,
                      const QList<Product> &products, const QList<Price> &prices, QWidget *parent = nullptr);

    QComboBox *listPriceBox() const { return m_listPrice; }
    QSpinBox *quantityBox() const { return m_quantity; }
    QTableWidget *rampTable() const { return m_ramp; }
    QLineEdit *minimumEdit() const { return m_minimum; }
    QLabel *discountLabel() const { return m_discount; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *submitButton() const { return m_submit; }
    void setRamp(const QList<QPair<int, QString>> &monthsAndAmounts);
    qint64 submittedDealId() const { return m_dealId; }

Q_SIGNALS:
    void submitted(const Billing::CustomDeal &deal);

private:
    void updatePreview();
    void submit();
    bool buildInput(struct CustomPriceInput &out, QString *error) const;

    CustomPricingService *m_service;
    Customer m_customer;
    QString m_subscriptionId;
    QList<Product> m_products;
    QList<Price> m_prices;
    int m_limitPercent = 10;
    qint64 m_dealId = 0;
    QComboBox *m_listPrice;
    QSpinBox *m_quantity;
    QComboBox *m_interval;
    QTableWidget *m_ramp;
    QLineEdit *m_minimum;
    QLabel *m_discount;
    QLabel *m_status;
    QPushButton *m_submit;
};

} // namespace Billing
