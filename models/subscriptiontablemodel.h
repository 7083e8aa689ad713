#pragma once

#include "models/pagedtablemodel.h"

#include <QDateTime>

namespace Billing {

// Subscriptions (joined with customer and plan) from the local cache, paged and sorted in SQL.
class SubscriptionTableModel final : public TypedPagedModel<SubscriptionRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubscriptionTableModel)
public:
    enum Column { Customer, Plan, Status, Amount, PeriodEnd, TrialEnd, Created, Id, ColumnCount };

    explicit SubscriptionTableModel(CacheReader *reader, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString rowId(int row) const override;

    void setSearchText(const QString &text);
    void setStatuses(const QStringList &statuses); // empty = any
    void setCurrency(const QString &isoCode);
    void setCustomerId(const QString &customerId);
    // Only trialing subscriptions whose trial ends within `days` from now (0 = off).
    void setTrialsEndingWithinDays(int days);
    // The "now" for trial filters; invalid = the clock (tests pin it).
    void setReferenceTime(const QDateTime &utc);
    const SubscriptionQuery &query() const { return m_query; }

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const SubscriptionRow &row) const override;

private:
    SubscriptionQuery m_query;
    int m_trialDays = 0;
    QDateTime m_referenceTime;
};

} // namespace Billing
