#pragma once

#include <QWidget>

class QComboBox;
class QLabel;

namespace Billing {

class CacheReader;
class UsageChartView;
class UsageReader;
class UsageSeriesModel;

// Metered usage over time: a chart per meter, granularity, range and customer filters, totals.
class UsagePage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsagePage)
public:
    UsagePage(UsageReader *usage, CacheReader *cache, QWidget *parent = nullptr);

    QString title() const;
    UsageSeriesModel *series() const { return m_model; }
    UsageChartView *chart() const { return m_chart; }
    QComboBox *customerCombo() const { return m_customer; }
    QComboBox *granularityCombo() const { return m_granularity; }
    void ensureLoaded();
    void setStale(bool stale);

private:
    void applyRange();
    void updateTotals();
    void loadCustomers();

    CacheReader *m_cache;
    UsageSeriesModel *m_model;
    UsageChartView *m_chart;
    QComboBox *m_granularity;
    QComboBox *m_range;
    QComboBox *m_customer;
    QLabel *m_count;
    QLabel *m_stale;
    QLabel *m_totals;
    QLabel *m_empty;
    bool m_loaded = false;
};

} // namespace Billing
