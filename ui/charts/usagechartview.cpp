#include "ui/charts/usagechartview.h"

#include "models/usageseriesmodel.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

namespace Billing {

struct UsageChartView::Private
{
    UsageSeriesModel *model = nullptr;
    QChartView *view = nullptr;
    QChart *chart = nullptr;
    int points = 0;
};

namespace {
const QColor kPalette[] = {QColor(0x4f, 0x46, 0xe5), QColor(0x05, 0x96, 0x69), QColor(0xea, 0x58, 0x0c),
                           QColor(0xdb, 0x27, 0x77), QColor(0x08, 0x91, 0xb2), QColor(0x65, 0x73, 0x8b)};
}

UsageChartView::UsageChartView(UsageSeriesModel *model, QWidget *parent) : QWidget(parent), d(new Private)
{
    d->model = model;
    d->chart = new QChart;
    d->chart->setBackgroundVisible(false);
    d->chart->setPlotAreaBackgroundVisible(false);
    d->chart->setMargins(QMargins(8, 8, 8, 8));
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    d->chart->setAnimationOptions(QChart::NoAnimation);
    d->view = new QChartView(d->chart, this);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setObjectName(QStringLiteral("UsageChart"));
    d->view->setBackgroundBrush(Qt::white);
    d->view->setFrameShape(QFrame::NoFrame);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->view);
    connect(model, &UsageSeriesModel::reloaded, this, &UsageChartView::rebuild);
    rebuild();
}

UsageChartView::~UsageChartView()
{
    delete d;
}

int UsageChartView::seriesCount() const
{
    return int(d->chart->series().size());
}

int UsageChartView::pointCount() const
{
    return d->points;
}

void UsageChartView::rebuild()
{
    d->chart->removeAllSeries();
    for (QAbstractAxis *axis : d->chart->axes())
        d->chart->removeAxis(axis), delete axis;
    d->points = 0;

    const UsageSeriesModel *m = d->model;
    auto *x = new QDateTimeAxis;
    switch (m->query().granularity) {
    case UsageGranularity::Hour: x->setFormat(QStringLiteral("d MMM HH:mm")); break;
    case UsageGranularity::Day: x->setFormat(QStringLiteral("d MMM")); break;
    case UsageGranularity::Month: x->setFormat(QStringLiteral("MMM yyyy")); break;
    }
    x->setTickCount(8);
    x->setGridLineColor(QColor(0xf0, 0xf1, 0xf4));
    auto *y = new QValueAxis;
    y->setLabelFormat(QStringLiteral("%.0f"));
    y->setGridLineColor(QColor(0xe5, 0xe7, 0xeb));
    d->chart->addAxis(x, Qt::AlignBottom);
    d->chart->addAxis(y, Qt::AlignLeft);

    qint64 maxValue = 0;
    const QLocale locale;
    for (int meter = 0; meter < m->meters().size(); ++meter) {
        auto *series = new QLineSeries;
        series->setName(m->meters().at(meter));
        QPen pen(kPalette[meter % int(std::size(kPalette))], 2.2);
        series->setPen(pen);
        // Chart coordinates are doubles by nature; the exact integer is shown in the tooltip.
        for (int row = 0; row < m->rowCount(); ++row) {
            const qint64 q = m->quantity(row, meter);
            maxValue = qMax(maxValue, q);
            series->append(qreal(m->bucketStart(row).toMSecsSinceEpoch()), qreal(q));
            ++d->points;
        }
        d->chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
        const QString name = series->name();
        connect(series, &QLineSeries::hovered, this, [this, series, name, locale](const QPointF &point, bool state) {
            if (!state) {
                QToolTip::hideText();
                return;
            }
            // Snap to the nearest bucket and show its exact value from the model.
            const qint64 ms = qint64(point.x());
            int best = -1;
            qint64 bestDist = std::numeric_limits<qint64>::max();
            for (int row = 0; row < d->model->rowCount(); ++row) {
                const qint64 dist = qAbs(d->model->bucketStart(row).toMSecsSinceEpoch() - ms);
                if (dist < bestDist)
                    bestDist = dist, best = row;
            }
            if (best < 0)
                return;
            const int meterIndex = int(d->model->meters().indexOf(name));
            const QString when = d->model->index(best, UsageSeriesModel::BucketStart).data().toString();
            QToolTip::showText(QCursor::pos(), tr("%1\n%2: %3").arg(when, name, locale.toString(d->model->quantity(best, meterIndex))), this);
        });
    }
    if (m->rowCount() > 0) {
        x->setRange(m->bucketStart(0).toLocalTime(), m->bucketStart(m->rowCount() - 1).toLocalTime());
    } else {
        const QDateTime now = QDateTime::currentDateTime();
        x->setRange(now.addDays(-30), now);
    }
    y->setRange(0, maxValue > 0 ? qreal(maxValue) * 1.1 : 10.0);
    y->applyNiceNumbers();
    for (QLegendMarker *marker : d->chart->legend()->markers())
        marker->setShape(QLegend::MarkerShapeCircle);
}

} // namespace Billing
