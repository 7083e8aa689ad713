#pragma once

#include "models/pagedtablemodel.h"

namespace Billing {

// Customers from the local cache, paged and sorted in SQL; search is FTS5 in the cache.
class CustomerTableModel final : public TypedPagedModel<Customer>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomerTableModel)
public:
    enum Column { Name, Email, Status, Balance, Currency, Country, Created, Id, ColumnCount };

    explicit CustomerTableModel(CacheReader *reader, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString rowId(int row) const override;

    // Filters (each reloads from SQL).
    void setSearchText(const QString &text);
    void setDelinquentOnly(bool only);
    void setCurrency(const QString &isoCode); // empty = any
    const CustomerQuery &query() const { return m_query; }

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const Customer &row) const override;

private:
    CustomerQuery m_query;
};

} // namespace Billing
