#pragma once

#include <QWidget>

namespace Billing {

class UsageSeriesModel;

// The usage charts: one small chart per meter over time (each with its own scale: API calls in the
// hundreds of thousands would flatten seats or gigabytes to a line on zero), from a
// UsageSeriesModel, with a hover tooltip showing the exact quantity. Every Qt Charts include stays in ui/charts/ (a later switch to
// Qt Graphs touches this folder only).
class UsageChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageChartView)
public:
    explicit UsageChartView(UsageSeriesModel *model, QWidget *parent = nullptr);
    ~UsageChartView() override;

    int seriesCount() const; // one per meter
    int pointCount() const;  // over all series

private:
    void rebuild();
    void queueAlign();
    void alignPlotAreas();

    struct Private;
    Private *d;
};

} // namespace Billing
