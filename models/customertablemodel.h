#pragma once

#include "models/pagedtablemodel.h"

#include <QHash>

namespace Billing {

// Customers from the local cache, paged and sorted in SQL; search is FTS5 in the cache.
class CustomerTableModel final : public TypedPagedModel<Customer>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomerTableModel)
public:
    enum Column { Name, Email, Status, Balance, Currency, Country, Created, Id, Budget, ColumnCount };
    // Budget column: share of the monthly budget used, set by the budgets capability (RawRole:
    // permille as int, -1 = no budget; display: label).
    struct BudgetUse
    {
        int permille = -1;
        QString label;   // "85% of 1,000 api_calls"
        QString toolTip;
    };

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
    void setBudgetUse(const QHash<QString, BudgetUse> &use); // customer id -> use; repaints the column

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const Customer &row) const override;

private:
    CustomerQuery m_query;
    QHash<QString, BudgetUse> m_budgetUse;
};

} // namespace Billing
