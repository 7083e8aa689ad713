#pragma once

#include "ui/tablepage.h"

class QComboBox;

namespace Billing {

class CacheReader;
class DunningTableModel;

// Invoices whose payment failed, with decline reasons, attempts and totals at risk per currency.
class DunningPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningPage)
public:
    explicit DunningPage(CacheReader *reader, QWidget *parent = nullptr);
    DunningTableModel *dunning() const { return m_dunning; }

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    void rowsReloaded() override;

private:
    CacheReader *m_reader;
    DunningTableModel *m_dunning;
    QComboBox *m_currency;
};

} // namespace Billing
