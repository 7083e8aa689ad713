#include "ui/charts/usagechartview.h"

#include "models/usageseriesmodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QLabel>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <limits>

namespace Billing {

struct UsageChartView::Private
{
    UsageSeriesModel *model = nullptr;
    QGridLayout *grid = nullptr;
    QList<QWidget *> panels;
    QList<QChart *> charts;
    bool alignQueued = false;
    int series = 0;
    int points = 0;
};

namespace {
const QColor kPalette[] = {QColor(0x4f, 0x46, 0xe5), QColor(0x05, 0x96, 0x69), QColor(0xea, 0x58, 0x0c),
                           QColor(0xdb, 0x27, 0x77), QColor(0x08, 0x91, 0xb2), QColor(0x65, 0x73, 0x8b)};

QString axisFormat(UsageGranularity granularity)
{
    switch (granularity) {
    case UsageGranularity::Hour: return QStringLiteral("d MMM HH:mm");
    case UsageGranularity::Day: return QStringLiteral("d MMM");
    case UsageGranularity::Month: return QStringLiteral("MMM yyyy");
    }
    return QStringLiteral("d MMM");
}
} // namespace

UsageChartView::UsageChartView(UsageSeriesModel *model, QWidget *parent) : QWidget(parent), d(new Private)
{
    d->model = model;
    d->grid = new QGridLayout(this);
    d->grid->setContentsMargins(0, 0, 0, 0);
    d->grid->setHorizontalSpacing(16);
    d->grid->setVerticalSpacing(6);
    connect(model, &UsageSeriesModel::reloaded, this, &UsageChartView::rebuild);
    rebuild();
}

UsageChartView::~UsageChartView()
{
    delete d;
}

int UsageChartView::seriesCount() const
{
    return d->series;
}

int UsageChartView::pointCount() const
{
    return d->points;
}

void UsageChartView::queueAlign()
{
    if (d->alignQueued)
        return;
    d->alignQueued = true;
    QMetaObject::invokeMethod(this, [this] { alignPlotAreas(); }, Qt::QueuedConnection);
}

// The y-axis labels differ in width per meter ("4,000" vs "1,000,000"); pad the left margins so
// every plot starts at the same x and the time axes line up.
void UsageChartView::alignPlotAreas()
{
    d->alignQueued = false;
    QList<qreal> natural;
    qreal target = 0;
    for (QChart *chart : std::as_const(d->charts)) {
        const int base = chart->property("baseLeftMargin").toInt();
        const qreal left = chart->plotArea().left() - (chart->margins().left() - base);
        natural << left;
        target = qMax(target, left);
    }
    for (int i = 0; i < d->charts.size(); ++i) {
        QChart *chart = d->charts.at(i);
        QMargins m = chart->margins();
        const int wanted = chart->property("baseLeftMargin").toInt() + qRound(target - natural.at(i));
        if (m.left() != wanted) {
            m.setLeft(wanted);
            chart->setMargins(m);
        }
    }
}

void UsageChartView::rebuild()
{
    qDeleteAll(d->panels);
    d->panels.clear();
    d->charts.clear();
    d->series = 0;
    d->points = 0;

    const UsageSeriesModel *m = d->model;
    const int meters = int(m->meters().size());
    const int columns = meters > 4 ? 2 : 1;
    const QLocale locale;
    QDateTime first, last;
    if (m->rowCount() > 0) {
        first = m->bucketStart(0).toLocalTime();
        last = m->bucketStart(m->rowCount() - 1).toLocalTime();
    } else {
        last = QDateTime::currentDateTime();
        first = last.addDays(-30);
    }
    if (first == last)
        last = first.addSecs(3600);

    for (int meter = 0; meter < meters; ++meter) {
        const QString name = m->meters().at(meter);
        const QColor color = kPalette[meter % int(std::size(kPalette))];

        auto *panel = new QWidget(this);
        panel->setObjectName(QStringLiteral("UsageMeterPanel"));
        auto *panelLayout = new QVBoxLayout(panel);
        panelLayout->setContentsMargins(0, 0, 0, 0);
        panelLayout->setSpacing(0);
        auto *title = new QLabel(panel);
        title->setObjectName(QStringLiteral("UsageMeterTitle"));
        title->setTextFormat(Qt::RichText);
        title->setText(tr("<span style=\"color:%1\">●</span>&nbsp;<b>%2</b>&nbsp;&nbsp;<span style=\"color:#6b7280\">%3 "
                          "in range</span>")
                           .arg(color.name(), name.toHtmlEscaped(), locale.toString(m->total(meter))));
        title->setContentsMargins(8, 2, 0, 0);

        auto *chart = new QChart;
        chart->setBackgroundVisible(false);
        chart->setPlotAreaBackgroundVisible(false);
        chart->setMargins(QMargins(4, 2, 8, 2));
        chart->legend()->hide();
        chart->setAnimationOptions(QChart::NoAnimation);
        chart->setLocale(locale);
        chart->setLocalizeNumbers(true);

        auto *x = new QDateTimeAxis;
        x->setFormat(axisFormat(m->query().granularity));
        x->setTickCount(columns == 1 ? 9 : 5);
        x->setGridLineColor(QColor(0xf0, 0xf1, 0xf4));
        x->setLabelsColor(QColor(0x4b, 0x55, 0x63));
        x->setRange(first, last);
        auto *y = new QValueAxis;
        y->setLabelFormat(QStringLiteral("%.0f"));
        y->setGridLineColor(QColor(0xe5, 0xe7, 0xeb));
        y->setLabelsColor(QColor(0x4b, 0x55, 0x63));
        y->setTickCount(4);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);

        // Chart coordinates are doubles by nature; the exact integer is shown in the tooltip.
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        qint64 maxValue = 0;
        for (int row = 0; row < m->rowCount(); ++row) {
            const qint64 q = m->quantity(row, meter);
            const qreal t = qreal(m->bucketStart(row).toMSecsSinceEpoch());
            maxValue = qMax(maxValue, q);
            upper->append(t, qreal(q));
            lower->append(t, 0);
            ++d->points;
        }
        auto *area = new QAreaSeries(upper, lower);
        area->setName(name);
        area->setPen(QPen(color, 2.0));
        QColor fill = color;
        fill.setAlpha(38);
        area->setBrush(fill);
        chart->addSeries(area);
        area->attachAxis(x);
        area->attachAxis(y);
        y->setRange(0, maxValue > 0 ? qreal(maxValue) * 1.08 : 10.0);
        y->applyNiceNumbers();
        ++d->series;

        connect(area, &QAreaSeries::hovered, this, [this, name, locale](const QPointF &point, bool state) {
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
            const int meterIndex = int(d->model->meters().indexOf(name));
            if (best < 0 || meterIndex < 0)
                return;
            const QString when = d->model->index(best, UsageSeriesModel::BucketStart).data().toString();
            QToolTip::showText(QCursor::pos(),
                               tr("%1\n%2: %3").arg(when, name, locale.toString(d->model->quantity(best, meterIndex))),
                               this);
        });

        auto *view = new QChartView(chart, panel);
        view->setObjectName(QStringLiteral("UsageChart"));
        view->setRenderHint(QPainter::Antialiasing);
        view->setBackgroundBrush(Qt::white);
        view->setFrameShape(QFrame::NoFrame);
        view->setMinimumHeight(120);
        panelLayout->addWidget(title);
        panelLayout->addWidget(view, 1);

        d->grid->addWidget(panel, meter / columns, meter % columns);
        d->panels << panel;
        d->charts << chart;
        chart->setProperty("baseLeftMargin", chart->margins().left());
        connect(chart, &QChart::plotAreaChanged, this, &UsageChartView::queueAlign);
    }
    for (int r = 0; r < d->grid->rowCount(); ++r)
        d->grid->setRowStretch(r, r < (meters + columns - 1) / columns ? 1 : 0);
}

} // namespace Billing
