#pragma once

#include "services/domain/customer.h"
#include "ui/tablepage.h"

#include <QDateTime>
#include <QHash>

class QCheckBox;
class QComboBox;
class QLabel;

namespace Billing {

class CacheReader;
class CustomerCreditService;
class CustomerTableModel;
class PaymentMethodService;
class ReferralProgram;

class CustomersPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomersPage)
public:
    explicit CustomersPage(CacheReader *reader, QWidget *parent = nullptr);
    CustomerTableModel *customers() const { return m_customers; }
    // The customer detail's Payment methods (from the cache), Credit balance (Stripe's ledger) and
    // Referrals (billing database) sections; without them the detail shows the customer only.
    // Not owned; each may be null.
    void setCustomerServices(PaymentMethodService *methods, CustomerCreditService *credits, ReferralProgram *referrals);

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    std::optional<ReportExport> reportExport() const override;

private:
    void fillPaymentMethods(const Customer &customer, QLabel *label);
    void renderPaymentMethods(const QString &customerId, const QString &defaultId, QLabel *label);
    void fillCredit(const QString &customerId, QLabel *label);
    void fillReferrals(const QString &customerId, QLabel *label);

    CacheReader *m_reader;
    PaymentMethodService *m_methods = nullptr;
    CustomerCreditService *m_credits = nullptr;
    ReferralProgram *m_referrals = nullptr;
    CustomerTableModel *m_customers;
    QComboBox *m_currency;
    QCheckBox *m_delinquent;
    QHash<QString, QDateTime> m_methodsLoadedAt; // customer id -> when its methods were read from Stripe
};

// Currency filter combo: "All currencies" + common ISO codes (data = lower-case code, "" for all).
QComboBox *makeCurrencyCombo(QWidget *parent);

} // namespace Billing
