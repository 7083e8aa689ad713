#pragma once

#include "ui/tablepage.h"

class QComboBox;
class QDateEdit;

namespace Billing {

class CacheReader;
class InvoiceTableModel;
struct InvoiceRow;

class InvoicesPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoicesPage)
public:
    explicit InvoicesPage(CacheReader *reader, QWidget *parent = nullptr);
    InvoiceTableModel *invoices() const { return m_invoices; }

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    void rowsReloaded() override;

private:
    void applyDates();

    CacheReader *m_reader;
    InvoiceTableModel *m_invoices;
    QComboBox *m_status;
    QComboBox *m_currency;
    QDateEdit *m_from;
    QDateEdit *m_to;
};

// "Open hosted invoice" / "Open PDF" links and the lines of an invoice, shared with the dunning pane.
void addInvoiceLines(DetailBuilder &d, CacheReader *reader, const QString &invoiceId, const QLocale &locale);
// "$1,234.00 · €56.00" from per-currency minor-unit totals.
QString formatTotals(const QList<QPair<QString, qint64>> &totals, const QLocale &locale);

} // namespace Billing
