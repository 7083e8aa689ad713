#pragma once

#include <QWidget>

namespace Billing {

class UsageSeriesModel;

// The usage chart: one line per meter over time, from a UsageSeriesModel, with a hover tooltip
// showing the exact quantity. Every Qt Charts include stays in ui/charts/ (a later switch to
// Qt Graphs touches this folder only).
class UsageChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageChartView)
public:
    explicit UsageChartView(UsageSeriesModel *model, QWidget *parent = nullptr);
    ~UsageChartView() override;

    int seriesCount() const;
    int pointCount() const; // over all series

private:
    void rebuild();

    struct Private;
    Private *d;
};

} // namespace Billing
