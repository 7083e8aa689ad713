#pragma once

#include "models/pagedtablemodel.h"

namespace Billing {

// Invoices from the local cache, paged, filtered and sorted in SQL.
class InvoiceTableModel final : public TypedPagedModel<InvoiceRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoiceTableModel)
public:
    enum Column { Number, Customer, Status, Total, AmountDue, AmountRemaining, Currency, Created, DueDate, Id, ColumnCount };

    explicit InvoiceTableModel(CacheReader *reader, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString rowId(int row) const override;

    void setSearchText(const QString &text);
    void setStatuses(const QStringList &statuses);
    void setCurrency(const QString &isoCode);
    void setCustomerId(const QString &customerId);
    // Inclusive UTC dates; nullopt = open end.
    void setCreatedRange(std::optional<QDate> from, std::optional<QDate> to);
    // Only invoices overdue at `at` (open, unpaid remainder, due date before it); nullopt = all.
    void setOverdueAt(std::optional<QDateTime> at);
    bool overdueOnly() const { return m_query.overdueAt.has_value(); }
    // The query of the current filters (no cursor), e.g. for CacheReader::remainingTotals.
    InvoiceQuery filterQuery() const;

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const InvoiceRow &row) const override;

private:
    InvoiceQuery m_query;
};

} // namespace Billing
