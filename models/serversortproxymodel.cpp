#include "models/serversortproxymodel.h"

namespace Billing {

ServerSortProxyModel::ServerSortProxyModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(false);
}

void ServerSortProxyModel::sort(int column, Qt::SortOrder order)
{
    m_column = column;
    m_order = order;
    if (sourceModel())
        sourceModel()->sort(column, order);
    // The proxy keeps the source order (no local sort of the loaded rows).
    QSortFilterProxyModel::sort(-1, order);
}

} // namespace Billing
