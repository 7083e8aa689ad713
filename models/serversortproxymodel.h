#pragma once

#include <QSortFilterProxyModel>

namespace Billing {

// Lets a QTableView with setSortingEnabled(true) sort in SQL: sort() is forwarded to the source
// model (a PagedTableModel reloads its first page in the new order) and the proxy itself keeps
// the source order, so sorting covers all rows, not only the loaded pages.
class ServerSortProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerSortProxyModel)
public:
    explicit ServerSortProxyModel(QObject *parent = nullptr);

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_column; }
    Qt::SortOrder sortOrder() const { return m_order; }

private:
    int m_column = -1;
    Qt::SortOrder m_order = Qt::AscendingOrder;
};

} // namespace Billing
