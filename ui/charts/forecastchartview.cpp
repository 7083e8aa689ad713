#include "ui/charts/forecastchartview.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

namespace Billing {

namespace {
qreal xOf(QDate month) { return qreal(QDateTime(month, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch()); }
} // namespace

struct ForecastChartView::Private
{
    QChartView *view = nullptr;
    int forecastPoints = 0;
    bool band = false;
};

ForecastChartView::ForecastChartView(QWidget *parent) : QWidget(parent), d(new Private)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    d->view = new QChartView(new QChart, this);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setMinimumHeight(240);
    d->view->chart()->legend()->setAlignment(Qt::AlignBottom);
    d->view->chart()->setMargins(QMargins(4, 4, 4, 4));
    layout->addWidget(d->view);
}

ForecastChartView::~ForecastChartView() { delete d; }

void ForecastChartView::clear(const QString &message)
{
    QChart *chart = d->view->chart();
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    chart->setTitle(message);
    d->forecastPoints = 0;
    d->band = false;
}

void ForecastChartView::setForecast(const QString &title, const QList<QDate> &months, const QList<double> &history,
                                    const QList<Point> &forecast, const QList<double> &backtest,
                                    const QString &valueTitle)
{
    clear(title);
    QChart *chart = d->view->chart();
    if (months.isEmpty())
        return;
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("MMM yy"));
    x->setTickCount(7);
    auto *y = new QValueAxis;
    y->setTitleText(valueTitle);
    y->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double maxY = 0;

    auto *hist = new QLineSeries;
    hist->setName(tr("Actual"));
    hist->setPen(QPen(QColor(0x2f, 0x6f, 0xb3), 2));
    for (int i = 0; i < months.size() && i < history.size(); ++i) {
        hist->append(xOf(months.at(i)), history.at(i));
        maxY = std::max(maxY, history.at(i));
    }
    const QDate last = months.last();
    if (!forecast.isEmpty()) {
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        auto *mid = new QLineSeries;
        // start the forecast at the last actual value so the lines join
        upper->append(xOf(last), history.value(months.size() - 1));
        lower->append(xOf(last), history.value(months.size() - 1));
        mid->append(xOf(last), history.value(months.size() - 1));
        for (int h = 0; h < forecast.size(); ++h) {
            const qreal xh = xOf(last.addMonths(h + 1));
            upper->append(xh, forecast.at(h).upper);
            lower->append(xh, forecast.at(h).lower);
            mid->append(xh, forecast.at(h).value);
            maxY = std::max(maxY, forecast.at(h).upper);
        }
        auto *band = new QAreaSeries(upper, lower);
        band->setName(tr("95% band"));
        band->setBrush(QColor(0xe0, 0x8a, 0x1e, 60));
        band->setPen(QPen(QColor(0xe0, 0x8a, 0x1e, 120), 1));
        chart->addSeries(band);
        band->attachAxis(x);
        band->attachAxis(y);
        d->band = true;
        mid->setName(tr("Forecast"));
        QPen pen(QColor(0xc0, 0x6a, 0x00), 2);
        mid->setPen(pen);
        mid->setPointsVisible(true);
        chart->addSeries(mid);
        mid->attachAxis(x);
        mid->attachAxis(y);
        d->forecastPoints = int(forecast.size());
    }
    chart->addSeries(hist);
    hist->attachAxis(x);
    hist->attachAxis(y);
    if (!backtest.isEmpty() && backtest.size() < months.size()) {
        auto *bt = new QLineSeries;
        bt->setName(tr("Backtest"));
        QPen pen(QColor(0x7a, 0x5c, 0xb8), 2);
        pen.setStyle(Qt::DashLine);
        bt->setPen(pen);
        const int startIdx = int(months.size() - backtest.size()) - 1;
        bt->append(xOf(months.at(startIdx)), history.value(startIdx));
        for (int i = 0; i < backtest.size(); ++i) {
            bt->append(xOf(months.at(startIdx + 1 + i)), backtest.at(i));
            maxY = std::max(maxY, backtest.at(i));
        }
        chart->addSeries(bt);
        bt->attachAxis(x);
        bt->attachAxis(y);
    }
    x->setRange(QDateTime(months.first(), QTime(0, 0), Qt::UTC),
                QDateTime(last.addMonths(std::max<int>(int(forecast.size()), 0)), QTime(0, 0), Qt::UTC));
    y->setRange(0, maxY > 0 ? maxY * 1.1 : 1);
    y->applyNiceNumbers();
}

int ForecastChartView::forecastPointCount() const { return d->forecastPoints; }
bool ForecastChartView::hasBand() const { return d->band; }

bool ForecastChartView::exportPng(const QString &path, QString *error)
{
    if (!d->view->grab().save(path, "PNG")) {
        if (error)
            *error = tr("The chart could not be saved to %1.").arg(path);
        return false;
    }
    return true;
}

} // namespace Billing
