#pragma once

#include "ui/tablepage.h"

class QCheckBox;
class QComboBox;

namespace Billing {

class CacheReader;
class SubscriptionTableModel;

class SubscriptionsPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubscriptionsPage)
public:
    explicit SubscriptionsPage(CacheReader *reader, QWidget *parent = nullptr);
    SubscriptionTableModel *subscriptions() const { return m_subscriptions; }

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;

private:
    SubscriptionTableModel *m_subscriptions;
    QComboBox *m_status;
    QCheckBox *m_trials;
};

} // namespace Billing
