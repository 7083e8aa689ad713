#pragma once

#include "services/dunning/recoverymetrics.h"

#include <QDialog>

#include <functional>

class QComboBox;
class QLabel;
class QPushButton;

namespace Billing {

class RecoveryChartView;

// Dunning pane > Recovery metrics: recovered amount and rate per week, by decline code and by
// policy step, per currency, as charts and exportable to CSV.
class RecoveryMetricsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecoveryMetricsDialog)
public:
    // Loads the counted recoveries and the current queue (asynchronously); done(recoveries, queue, error).
    using Loader = std::function<void(QObject *context,
                                      std::function<void(QList<DunningRecovery>, QList<InvoiceRow>, QString error)> done)>;

    explicit RecoveryMetricsDialog(Loader loader, QWidget *parent = nullptr);

    QComboBox *currencyBox() const { return m_currency; }
    QLabel *totalsLabel() const { return m_totals; }
    QPushButton *exportButton() const { return m_export; }
    RecoveryChartView *charts() const { return m_charts; }
    const RecoveryMetrics &metrics() const { return m_metrics; }
    // Writes the CSV to path (the button asks for one); the status label says how it went.
    Status exportTo(const QString &path);
    void reload();

private:
    void showCurrency(const QString &currency);

    Loader m_loader;
    QList<DunningRecovery> m_recoveries;
    QList<InvoiceRow> m_queue;
    RecoveryMetrics m_metrics;
    QComboBox *m_currency;
    QLabel *m_totals;
    QLabel *m_status;
    QPushButton *m_export;
    RecoveryChartView *m_charts;
};

} // namespace Billing
