#pragma once

#include <QWidget>

namespace Billing {

class UsageSeriesModel;

// The usage charts from a UsageSeriesModel. Every Qt Charts include stays in ui/charts/ (a later
// switch to Qt Graphs touches this folder only).
//  PerMeter       one small chart per meter, each with its own scale (API calls in the hundreds of
//                 thousands would flatten seats or gigabytes to a line on zero); when the model is
//                 split by customer tier, each meter's chart stacks its tiers.
//  StackedMeters  one chart, every series stacked.
// Hovering a chart shows the exact integers of that bucket (from the model, not the doubles the
// chart draws). In-place model refreshes (rows inserted, data changed) move or add points in the
// existing series; only a model reload rebuilds the charts.
class UsageChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageChartView)
public:
    enum class Layout { PerMeter, StackedMeters };

    explicit UsageChartView(UsageSeriesModel *model, QWidget *parent = nullptr);
    ~UsageChartView() override;

    void setChartLayout(Layout layout);
    Layout chartLayout() const;

    int seriesCount() const; // area series over all charts
    int pointCount() const;  // points drawn over all series (one per bucket unless decimated; a lone bucket is drawn across its width, 2 points)
    // True when a chart draws fewer points than the model has buckets (more than 1,000 buckets:
    // each of 500 groups draws its lowest and highest bucket, exact values; see the .cpp).
    bool isDecimated() const;
    int chartCount() const;
    int rebuildCount() const;   // full rebuilds so far (the refresh path never adds one)
    // The y value the chart draws for (row, series) on top of its stack, for tests; NaN when
    // that bucket is not drawn (decimated).
    double plottedValue(int row, int meterIndex) const;
    // The text the hover tooltip shows for a bucket of a chart.
    QString hoverText(int chartIndex, int row) const;
    // Simulates hovering chart `chartIndex` at the bucket of `row` (tests; the real hover comes
    // from QAreaSeries::hovered).
    void hoverRow(int chartIndex, int row);
    QString lastHoverText() const;

    // The charts as an image (QWidget::grab of the chart views' area) saved as PNG. Errors: false
    // with a plain message in *error.
    bool exportPng(const QString &path, QString *error = nullptr);

Q_SIGNALS:
    void pointsUpdated(); // after a refresh moved or added points

private:
    void rebuild();
    void onRowsInserted(int first, int last);
    void onDataChanged(int first, int last);
    void updateRows(int first, int last, bool inserted);
    void queueAlign();
    void alignPlotAreas();

    struct Private;
    Private *d;
};

} // namespace Billing
