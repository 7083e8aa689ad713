#pragma once

#include "models/pagedtablemodel.h"

#include <QDateTime>

namespace Billing {

// The dunning queue: open invoices whose payment failed (InvoiceQuery::onlyFailedPayments),
// with the latest decline and its plain meaning. Paged, filtered and sorted in SQL.
class DunningTableModel final : public TypedPagedModel<InvoiceRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningTableModel)
public:
    enum Column { Customer, Number, AmountRemaining, Currency, DeclineCode, Meaning, Attempts, NextAttempt, DaysOverdue, ColumnCount };

    explicit DunningTableModel(CacheReader *reader, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString rowId(int row) const override;

    void setSearchText(const QString &text);
    void setCurrency(const QString &isoCode);
    // The "now" for days overdue; invalid = the clock (tests pin it).
    void setReferenceTime(const QDateTime &utc);
    // Whole days since the invoice fell due (due date, else creation: automatic collection is due
    // at once). 0 when not yet due.
    int daysOverdue(const Invoice &invoice) const;
    InvoiceQuery filterQuery() const;

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const InvoiceRow &row) const override;

private:
    InvoiceQuery m_query;
    QDateTime m_referenceTime;
};

} // namespace Billing
