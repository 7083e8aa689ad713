#pragma once

#include "services/dunning/recoverymetrics.h"

#include <QWidget>

namespace Billing {

// The recovery metrics of the dunning pane as three charts: recovered amount per week with the
// weekly recovery rate, the recovery rate by decline code, and recoveries by policy step (which
// retry paid). Every Qt Charts include stays in ui/charts/. Amounts are drawn in major units of
// the metrics' currency (display only).
class RecoveryChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecoveryChartView)
public:
    explicit RecoveryChartView(QWidget *parent = nullptr);
    ~RecoveryChartView() override;

    void setMetrics(const RecoveryMetrics &metrics);
    int chartCount() const;
    int barCount() const; // bars over all charts, for tests

private:
    struct Charts;
    std::unique_ptr<Charts> m_charts;
};

} // namespace Billing
