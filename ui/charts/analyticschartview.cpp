#include "ui/charts/analyticschartview.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace Billing {

namespace {

const QList<QColor> &seriesColors()
{
    static const QList<QColor> colors{QColor(0x2f, 0x6f, 0xb3), QColor(0xe0, 0x8a, 0x1e), QColor(0x3a, 0x9a, 0x5b),
                                      QColor(0xb0, 0x3a, 0x48), QColor(0x7a, 0x5c, 0xb8), QColor(0x1f, 0x9e, 0xa8),
                                      QColor(0x8c, 0x6d, 0x31)};
    return colors;
}

qreal xOf(QDate month) { return qreal(QDateTime(month, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch()); }

} // namespace

struct AnalyticsChartView::Private
{
    QChartView *view = nullptr;
    int series = 0;
    int points = 0;
    QString title;
};

AnalyticsChartView::AnalyticsChartView(QWidget *parent) : QWidget(parent), d(new Private)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    d->view = new QChartView(new QChart, this);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setMinimumHeight(220);
    d->view->chart()->legend()->setAlignment(Qt::AlignBottom);
    d->view->chart()->setMargins(QMargins(4, 4, 4, 4));
    layout->addWidget(d->view);
}

AnalyticsChartView::~AnalyticsChartView() { delete d; }

void AnalyticsChartView::setSeries(const QString &title, const QList<QDate> &months, const QList<Series> &series,
                                   const QString &valueTitle, bool stacked, const QString &valueFormat)
{
    QChart *chart = d->view->chart();
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    chart->setTitle(title);
    d->title = title;
    d->series = 0;
    d->points = 0;
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("MMM yy"));
    x->setTickCount(std::min<int>(std::max<int>(int(months.size()), 2), 7));
    auto *y = new QValueAxis;
    y->setTitleText(valueTitle);
    y->setLabelFormat(valueFormat);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double maxY = 0;
    double minY = 0;
    QList<double> base(months.size(), 0.0);
    for (int s = 0; s < series.size(); ++s) {
        const Series &in = series.at(s);
        const QColor color = seriesColors().at(s % seriesColors().size());
        if (stacked) {
            auto *lower = new QLineSeries;
            auto *upper = new QLineSeries;
            for (int i = 0; i < months.size(); ++i) {
                const double v = i < in.values.size() && std::isfinite(in.values.at(i)) ? in.values.at(i) : 0.0;
                lower->append(xOf(months.at(i)), base.at(i));
                base[i] += v;
                upper->append(xOf(months.at(i)), base.at(i));
                maxY = std::max(maxY, base.at(i));
                ++d->points;
            }
            auto *area = new QAreaSeries(upper, lower);
            area->setName(in.name);
            QColor fill = color;
            fill.setAlphaF(0.75f);
            area->setBrush(fill);
            area->setPen(QPen(color.darker(120), 1));
            chart->addSeries(area);
            area->attachAxis(x);
            area->attachAxis(y);
        } else {
            auto *line = new QLineSeries;
            line->setName(in.name);
            line->setPen(QPen(color, 2));
            line->setPointsVisible(months.size() <= 24);
            for (int i = 0; i < months.size() && i < in.values.size(); ++i) {
                const double v = in.values.at(i);
                if (!std::isfinite(v))
                    continue;
                line->append(xOf(months.at(i)), v);
                maxY = std::max(maxY, v);
                minY = std::min(minY, v);
                ++d->points;
            }
            chart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(y);
        }
        ++d->series;
    }
    if (!months.isEmpty()) {
        x->setRange(QDateTime(months.first(), QTime(0, 0), Qt::UTC), QDateTime(months.last(), QTime(0, 0), Qt::UTC));
    }
    if (d->points == 0 || maxY <= minY) {
        // Nothing to draw (say, no rate for any month): no made-up scale.
        y->setRange(0, 1);
        y->setLabelsVisible(false);
        chart->setTitle(title + tr(" \u2013 no data for these months"));
    } else {
        y->setRange(minY, maxY * 1.1);
        y->applyNiceNumbers();
    }
    chart->legend()->setVisible(series.size() > 1 || stacked);
}

int AnalyticsChartView::seriesCount() const { return d->series; }
int AnalyticsChartView::pointCount() const { return d->points; }
QString AnalyticsChartView::title() const { return d->title; }

bool AnalyticsChartView::exportPng(const QString &path, QString *error)
{
    if (!d->view->grab().save(path, "PNG")) {
        if (error)
            *error = tr("The chart could not be saved to %1.").arg(path);
        return false;
    }
    return true;
}

} // namespace Billing
