#pragma once

#include "services/analytics/analyticsservice.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;
class QTableWidget;

namespace Billing {

class AnalyticsChartView;
class AnalyticsCohortModel;
class AnalyticsTableModel;
class ForecastChartView;

// The Analytics pane: metric cards (MRR, ARR, NRR, churn, ARPA, trial conversion), charts (MRR over
// time per currency or converted, churn and retention, cohort heat map, forecasts with their band
// and backtest MAPE), the reporting currency picker, the FX rates and dates the conversion used,
// and CSV export of every table. Data comes from AnalyticsService (computed off the GUI thread);
// showSnapshot() shows a computed snapshot directly (tests, or a cached result).
class AnalyticsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnalyticsPage)

public:
    explicit AnalyticsPage(AnalyticsService *service, QWidget *parent = nullptr);

    void refresh();
    void showSnapshot(const AnalyticsSnapshot &snapshot);
    const AnalyticsSnapshot &snapshot() const { return m_snapshot; }

    QString reportingCurrency() const;
    void setReportingCurrency(const QString &code); // "" = per currency only; triggers refresh()
    int monthsShown() const;
    void setView(const QString &currencyOrConverted); // "converted" or a currency code
    QString view() const;
    void setForecastSeries(int index);
    int forecastSeriesCount() const;

    // Which tables can be exported: "metrics", "cohorts", "forecast", "rates".
    static QStringList exportKinds();
    // Copies the table's rows here and writes them on a worker (CsvFileJob). Returns false (with
    // *error) when `kind` is unknown; otherwise exportFinished follows, its message also shown in
    // the status line.
    bool exportCsv(const QString &kind, const QString &path, QString *error = nullptr);

    // For tests and screenshots.
    QString cardText(const QString &key) const; // "mrr", "arr", "nrr", "logo_churn", "revenue_churn", "arpa", "trials"
    QString forecastSummary() const;
    QString ratesSummary() const;
    QTabWidget *tabs() const { return m_tabs; }
    AnalyticsChartView *mrrChart() const { return m_mrrChart; }
    AnalyticsChartView *churnChart() const { return m_churnChart; }
    ForecastChartView *forecastChart() const { return m_forecastChart; }
    AnalyticsTableModel *metricsModel() const { return m_metricsModel; }
    AnalyticsCohortModel *cohortModel() const { return m_cohortModel; }
    QComboBox *currencyPicker() const { return m_currency; }

Q_SIGNALS:
    void computed();
    void failed(const QString &message);
    void exportFinished(const QString &kind, bool ok, const QString &message);

private:
    void rebuildViews();
    void showView();
    void showForecast();
    void chooseExport();
    QList<MonthMetrics> viewRows() const;
    QString viewCurrency() const;
    QList<QStringList> forecastRows() const;
    QList<QStringList> ratesRows() const;

    QPointer<AnalyticsService> m_service;
    AnalyticsSnapshot m_snapshot;
    bool m_hasSnapshot = false;
    int m_requestSerial = 0;

    QComboBox *m_currency = nullptr;
    QComboBox *m_months = nullptr;
    QComboBox *m_view = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_export = nullptr;
    QLabel *m_status = nullptr;
    QHash<QString, QLabel *> m_cardValues;
    QHash<QString, QLabel *> m_cardNotes;
    QTabWidget *m_tabs = nullptr;
    AnalyticsChartView *m_mrrChart = nullptr;
    AnalyticsChartView *m_churnChart = nullptr;
    AnalyticsTableModel *m_metricsModel = nullptr;
    QTableView *m_metricsTable = nullptr;
    AnalyticsCohortModel *m_cohortModel = nullptr;
    QTableView *m_cohortTable = nullptr;
    QComboBox *m_forecastSeries = nullptr;
    ForecastChartView *m_forecastChart = nullptr;
    QLabel *m_forecastLabel = nullptr;
    QTableWidget *m_forecastTable = nullptr;
    QTableWidget *m_ratesTable = nullptr;
    QLabel *m_ratesLabel = nullptr;
    QList<SeriesForecast> m_forecasts; // what the forecast picker lists
};

} // namespace Billing
