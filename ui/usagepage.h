#pragma once

#include <QDateTime>
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
    // The range ends at the newest usage bucket (not at today: a workspace whose usage stopped,
    // or demo data from another date, still shows its data). Null until found or if none.
    QDateTime dataEnd() const { return m_dataEnd; }
    QComboBox *rangeCombo() const { return m_range; }
    QLabel *rangeLabel() const { return m_rangeLabel; }
    // Loaded once, with the range placed on the data, and no query running.
    bool isReady() const;

private:
    void findDataEnd();
    void applyRange();
    void updateTotals();
    void loadCustomers();

    UsageReader *m_reader;
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
    QLabel *m_rangeLabel;
    QDateTime m_dataEnd; // UTC, exclusive: the day after the newest usage bucket
    quint64 m_anchorTicket = 0;
    bool m_anchoring = false;
    bool m_loaded = false;
    bool m_shownOnce = false;
};

} // namespace Billing
