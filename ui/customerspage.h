#pragma once

#include "ui/tablepage.h"

class QCheckBox;
class QComboBox;

namespace Billing {

class CacheReader;
class CustomerTableModel;

class CustomersPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomersPage)
public:
    explicit CustomersPage(CacheReader *reader, QWidget *parent = nullptr);
    CustomerTableModel *customers() const { return m_customers; }

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;

private:
    CustomerTableModel *m_customers;
    QComboBox *m_currency;
    QCheckBox *m_delinquent;
};

// Currency filter combo: "All currencies" + common ISO codes (data = lower-case code, "" for all).
QComboBox *makeCurrencyCombo(QWidget *parent);

} // namespace Billing
