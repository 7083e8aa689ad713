#pragma once

#include "services/analytics/metricscalculator.h"

#include <QAbstractTableModel>
#include <QLocale>
#include <QStringList>

namespace Billing {

// The monthly metrics of one currency (or of the converted view) as a table: one row per month.
// DisplayRole formats (money by locale, ratios as percentages, "-" when undefined); RawRole gives
// the month (QDate), minor units (qint64), counts (int) or the ratio (double, invalid when undefined).
class AnalyticsTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnalyticsTableModel)

public:
    enum Role { RawRole = Qt::UserRole + 1 };
    enum Column {
        Month, Mrr, Arr, ActiveCustomers, Arpa, NewCustomers, ChurnedCustomers, LogoChurn, RevenueChurn,
        NetRevenueRetention, NewMrr, Expansion, Contraction, ChurnedMrr, TrialsEnded, TrialsConverted,
        TrialConversion, Revenue, Note, ColumnCount
    };

    explicit AnalyticsTableModel(QObject *parent = nullptr);

    void setRows(const QList<MonthMetrics> &rows);
    const QList<MonthMetrics> &rows() const { return m_rows; }
    void setLocale(const QLocale &locale);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Machine form for CSV: a header row, then amounts as exact decimal strings in major units
    // ("1234.50"), ratios as decimals with 6 places, months as YYYY-MM.
    QList<QStringList> csvRows() const;
    static QString ratioText(std::optional<double> ratio, const QLocale &locale); // "12.5 %" or "-"

private:
    QList<MonthMetrics> m_rows;
    QLocale m_locale;
};

// Cohort retention as a heat map table: rows = signup months, column 0 the cohort, 1 its size, then
// one column per month since signup (M0, M1, ...). BackgroundRole shades by retention.
class AnalyticsCohortModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnalyticsCohortModel)

public:
    enum Role { RawRole = Qt::UserRole + 1 };
    explicit AnalyticsCohortModel(QObject *parent = nullptr);

    void setCohorts(const QList<CohortRow> &cohorts);
    void setLocale(const QLocale &locale);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QList<QStringList> csvRows() const;

private:
    QList<CohortRow> m_cohorts;
    int m_offsets = 0;
    QLocale m_locale;
};

} // namespace Billing
