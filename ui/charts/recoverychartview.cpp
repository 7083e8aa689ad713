#include "ui/charts/recoverychartview.h"

#include "services/domain/currency.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

namespace Billing {

struct RecoveryChartView::Charts
{
    QChartView *weekly = nullptr;
    QChartView *codes = nullptr;
    QChartView *steps = nullptr;
    int bars = 0;
};

namespace {

QChartView *makeView(QWidget *parent, const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    QFont f = chart->titleFont();
    f.setBold(true);
    chart->setTitleFont(f);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(4);
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(220);
    return view;
}

void clear(QChart *chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis *a : chart->axes())
        chart->removeAxis(a), delete a;
}

double major(qint64 minor, int exponent)
{
    return double(minor) / std::pow(10.0, exponent);
}

} // namespace

RecoveryChartView::RecoveryChartView(QWidget *parent) : QWidget(parent), m_charts(std::make_unique<Charts>())
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    m_charts->weekly = makeView(this, tr("Recovered per week"));
    m_charts->weekly->setObjectName(QStringLiteral("RecoveryWeeklyChart"));
    m_charts->codes = makeView(this, tr("Recovery rate by decline code"));
    m_charts->codes->setObjectName(QStringLiteral("RecoveryByCodeChart"));
    m_charts->steps = makeView(this, tr("Recoveries by policy step"));
    m_charts->steps->setObjectName(QStringLiteral("RecoveryByStepChart"));
    grid->addWidget(m_charts->weekly, 0, 0, 1, 2);
    grid->addWidget(m_charts->codes, 1, 0);
    grid->addWidget(m_charts->steps, 1, 1);
}

RecoveryChartView::~RecoveryChartView() = default;

int RecoveryChartView::chartCount() const
{
    return 3;
}

int RecoveryChartView::barCount() const
{
    return m_charts->bars;
}

void RecoveryChartView::setMetrics(const RecoveryMetrics &m)
{
    const int exponent = Currency::fromCode(m.currency).value_or(Currency{}).exponent();
    const QString cur = m.currency.toUpper();
    m_charts->bars = 0;

    // Weekly: amount bars (left axis) and the rate line (right axis, %).
    {
        QChart *chart = m_charts->weekly->chart();
        clear(chart);
        auto *amount = new QBarSet(tr("Recovered (%1)").arg(cur));
        amount->setColor(QColor(QStringLiteral("#2563eb")));
        auto *rate = new QLineSeries;
        rate->setName(tr("Recovery rate (%)"));
        rate->setColor(QColor(QStringLiteral("#16a34a")));
        QStringList labels;
        double top = 0;
        for (int i = 0; i < m.weeks.size(); ++i) {
            const RecoveryMetrics::Week &w = m.weeks.at(i);
            const double v = major(w.recoveredMinor, exponent);
            *amount << v;
            top = qMax(top, v);
            if (w.recovered + w.stillOpen > 0) // a week without failures has no rate
                rate->append(i, w.rate() * 100.0);
            labels << QLocale().toString(w.start, QStringLiteral("d MMM"));
            ++m_charts->bars;
        }
        auto *bars = new QBarSeries;
        bars->append(amount);
        chart->addSeries(bars);
        chart->addSeries(rate);
        auto *x = new QBarCategoryAxis;
        x->append(labels.isEmpty() ? QStringList{tr("no data")} : labels);
        chart->addAxis(x, Qt::AlignBottom);
        bars->attachAxis(x);
        auto *y = new QValueAxis;
        y->setRange(0, top > 0 ? top * 1.15 : 1);
        y->setLabelFormat(QStringLiteral("%.0f"));
        y->setTitleText(cur);
        chart->addAxis(y, Qt::AlignLeft);
        bars->attachAxis(y);
        auto *yr = new QValueAxis;
        yr->setRange(0, 100);
        yr->setLabelFormat(QStringLiteral("%.0f%%"));
        chart->addAxis(yr, Qt::AlignRight);
        auto *xr = new QValueAxis; // line points at category centres
        xr->setRange(-0.5, qMax(0.5, m.weeks.size() - 0.5));
        xr->setVisible(false);
        chart->addAxis(xr, Qt::AlignBottom);
        rate->attachAxis(xr);
        rate->attachAxis(yr);
    }
    // By decline code: rate in %.
    auto groupChart = [this](QChartView *view, const QList<RecoveryMetrics::Group> &groups, const QString &setName, bool percent) {
        QChart *chart = view->chart();
        clear(chart);
        auto *set = new QBarSet(setName);
        set->setColor(QColor(percent ? QStringLiteral("#0d9488") : QStringLiteral("#7c3aed")));
        QStringList labels;
        double top = 0;
        for (const RecoveryMetrics::Group &g : groups.mid(0, 8)) {
            const double v = percent ? std::round(g.rate() * 1000.0) / 10.0 : double(g.recovered);
            *set << v;
            top = qMax(top, v);
            labels << g.key;
            ++m_charts->bars;
        }
        auto *series = new QBarSeries;
        series->append(set);
        series->setLabelsVisible(true);
        series->setLabelsFormat(percent ? QStringLiteral("@value%") : QStringLiteral("@value"));
        chart->addSeries(series);
        auto *x = new QBarCategoryAxis;
        x->append(labels.isEmpty() ? QStringList{tr("no data")} : labels);
        x->setLabelsAngle(labels.size() > 2 ? -25 : 0);
        chart->addAxis(x, Qt::AlignBottom);
        series->attachAxis(x);
        auto *y = new QValueAxis;
        if (percent) {
            y->setRange(0, 100);
            y->setLabelFormat(QStringLiteral("%.0f%%"));
        } else {
            // Whole counts: one tick per unit up to 10, else about five ticks.
            const int high = qMax(1, int(std::ceil(top * 1.2)));
            y->setRange(0, high);
            y->setTickCount(high <= 10 ? high + 1 : 6);
            y->setLabelFormat(QStringLiteral("%.0f"));
        }
        chart->addAxis(y, Qt::AlignLeft);
        series->attachAxis(y);
    };
    groupChart(m_charts->codes, m.byCode, tr("Recovered / (recovered + still failing)"), true);
    groupChart(m_charts->steps, m.bySteps, tr("Invoices recovered on this retry"), false);
}

} // namespace Billing
