#pragma once

#include "ui/tablepage.h"

#include <functional>

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
    // The seasonal pause window of a subscription in words ("" when it has none), asked for each
    // selected row; the answer goes to `done` on the GUI thread while `context` lives.
    using SeasonalLookup = std::function<void(const QString &subscriptionId, QObject *context,
                                              std::function<void(QString)> done)>;
    void setSeasonalLookup(SeasonalLookup lookup);

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    std::optional<ReportExport> reportExport() const override;

private:
    SubscriptionTableModel *m_subscriptions;
    QComboBox *m_status;
    QCheckBox *m_trials;
    SeasonalLookup m_seasonal;
};

} // namespace Billing
