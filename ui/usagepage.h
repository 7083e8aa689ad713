#pragma once

#include "services/usage/usagecost.h"

#include <QDateTime>
#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace Billing {

class CacheReader;
class UsageChartView;
class UsageReader;
class UsageSeriesModel;

// Metered usage over time: per meter (or stacked, or stacked by customer tier) for one customer
// or all, hour/day/month, product metering and Stripe meters, with the cost that usage implies
// under each customer's price (UsagePriceBook + PriceCalculator). Updates in place when usage is
// recorded (UsageReader::usageChanged: LISTEN/NOTIFY on PostgreSQL, polling on SQLite). Flagged
// buckets (future, implausible) and meters that left Stripe are named in a banner; the numbers
// stay as stored. The chart exports to PNG, its data to CSV.
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
    QComboBox *sourceCombo() const { return m_source; }
    QComboBox *viewCombo() const { return m_view; }
    QPushButton *dataButton() const { return m_dataButton; }
    QTableView *dataTable() const { return m_table; }
    QLabel *flagsBanner() const { return m_flags; }
    QLabel *costLabel() const { return m_cost; }
    QLabel *liveLabel() const { return m_live; }
    void ensureLoaded();
    void setStale(bool stale);
    // The range ends at the newest usage bucket (not at today: a workspace whose usage stopped,
    // or demo data from another date, still shows its data). Null until found or if none.
    QDateTime dataEnd() const { return m_dataEnd; }
    QComboBox *rangeCombo() const { return m_range; }
    QLabel *rangeLabel() const { return m_rangeLabel; }
    // Loaded once, with the range placed on the data, and no query running.
    bool isReady() const;

    // Prices for the implied cost (empty: the cost line says no metered price is set up).
    void setPriceBook(const UsagePriceBook &book);
    // Monthly unit caps from budgets with the "cap" action: usage over a cap is flagged and left
    // out of the implied cost (see UsageCaps).
    void setUsageCaps(const UsageCaps &caps);
    // Customer -> tier (plan) name, for "Stacked by customer tier".
    void setCustomerTiers(const QHash<QString, QString> &tiers);
    // How new usage arrives, for the live label ("pushed by PostgreSQL", "polled every 2 s").
    void setLiveDescription(const QString &text);
    bool isCostReady() const { return m_costReady; }
    const UsageCost &cost() const { return m_lastCost; }

    // Exports (the buttons ask for a file name, then call these). PNG: errors are false + *error.
    bool exportPng(const QString &path, QString *error = nullptr);
    // CSV: the rows shown are copied here and written on a worker (CsvFileJob); returns at once,
    // csvExported follows (ok, and the rows written or the error in plain words).
    void exportCsv(const QString &path);

Q_SIGNALS:
    void costUpdated();
    void csvExported(bool ok, const QString &message);

private:
    void findDataEnd();
    void applyRange();
    void updateTotals();
    void updateFlags();
    void updateCost();
    void loadCustomers();
    void loadMeterInfos();
    void chooseExport(bool png);

    UsageReader *m_reader;
    CacheReader *m_cache;
    UsageSeriesModel *m_model;
    UsageChartView *m_chart;
    QStackedWidget *m_stack;
    QTableView *m_table;
    QComboBox *m_granularity;
    QComboBox *m_range;
    QComboBox *m_customer;
    QComboBox *m_source;
    QComboBox *m_view;
    QPushButton *m_dataButton;
    QLabel *m_count;
    QLabel *m_stale;
    QLabel *m_live;
    QLabel *m_flags;
    QLabel *m_totals;
    QLabel *m_cost;
    QLabel *m_empty;
    QLabel *m_rangeLabel;
    QString m_liveText;
    QDateTime m_dataEnd; // UTC, exclusive: the day after the newest usage bucket
    UsagePriceBook m_prices;
    UsageCaps m_caps;
    UsageCost m_lastCost;
    QString m_meterNotice;
    quint64 m_anchorTicket = 0;
    quint64 m_costTicket = 0;
    bool m_anchoring = false;
    bool m_loaded = false;
    bool m_costReady = false;
    bool m_changeHintValid = false;
    QDateTime m_changeHint;
};

} // namespace Billing
