#include "ui/charts/usagechartview.h"

#include "models/usageseriesmodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QPixmap>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <numeric>

namespace Billing {

namespace {
const QColor kPalette[] = {QColor(0x4f, 0x46, 0xe5), QColor(0x05, 0x96, 0x69), QColor(0xea, 0x58, 0x0c),
                           QColor(0xdb, 0x27, 0x77), QColor(0x08, 0x91, 0xb2), QColor(0x65, 0x73, 0x8b),
                           QColor(0xca, 0x8a, 0x04), QColor(0x7c, 0x3a, 0xed)};

QString axisFormat(UsageGranularity granularity)
{
    switch (granularity) {
    case UsageGranularity::Hour: return QStringLiteral("d MMM HH:mm");
    case UsageGranularity::Day: return QStringLiteral("d MMM");
    case UsageGranularity::Month: return QStringLiteral("MMM yyyy");
    }
    return QStringLiteral("d MMM");
}

struct Layer
{
    int column = 0; // series index in the model
    QLineSeries *upper = nullptr;
    QLineSeries *lower = nullptr;
    QAreaSeries *area = nullptr;
};

struct Panel
{
    QString title;
    QList<int> columns;
    QWidget *widget = nullptr;
    QLabel *titleLabel = nullptr;
    QChart *chart = nullptr;
    QDateTimeAxis *x = nullptr;
    QValueAxis *y = nullptr;
    QList<Layer> layers;
    QList<int> shownRows; // model rows drawn, ascending (every row unless decimated)
    qint64 maxStack = 0;
    QColor color;
};

// Display decimation. A chart a few hundred pixels wide cannot show thousands of buckets (a year
// of hours is 8,760 per series): above kMaxPointsPerSeries rows, the rows are cut into
// kDecimationGroups consecutive groups and each group draws its two extreme buckets (the ones
// with the smallest and the largest stacked total, in time order). What is drawn are real buckets
// with their exact values, so peaks and dips stay visible; nothing is averaged. The model (the
// data table, hover text, CSV export) keeps every bucket.
constexpr int kMaxPointsPerSeries = 1000;
constexpr int kDecimationGroups = 500;

QList<int> rowsToDraw(const UsageSeriesModel *m, const QList<int> &columns)
{
    const int rows = m->rowCount();
    QList<int> out;
    if (rows <= kMaxPointsPerSeries) {
        out.reserve(rows);
        for (int r = 0; r < rows; ++r)
            out << r;
        return out;
    }
    auto stackAt = [&](int r) {
        qint64 sum = 0;
        for (int c : columns)
            sum += m->quantity(r, c);
        return sum;
    };
    out.reserve(2 * kDecimationGroups + 2);
    for (int g = 0; g < kDecimationGroups; ++g) {
        const int lo = int(qint64(rows) * g / kDecimationGroups);
        const int hi = int(qint64(rows) * (g + 1) / kDecimationGroups); // exclusive
        if (lo >= hi)
            continue;
        int minRow = lo, maxRow = lo;
        qint64 minV = stackAt(lo), maxV = minV;
        for (int r = lo + 1; r < hi; ++r) {
            const qint64 v = stackAt(r);
            if (v < minV)
                minV = v, minRow = r;
            if (v > maxV)
                maxV = v, maxRow = r;
        }
        out << qMin(minRow, maxRow);
        if (minRow != maxRow)
            out << qMax(minRow, maxRow);
    }
    // The newest bucket is always drawn (the live edge of the chart).
    if (out.constLast() != rows - 1)
        out << rows - 1;
    return out;
}

QDateTime bucketEnd(const QDateTime &start, UsageGranularity granularity)
{
    switch (granularity) {
    case UsageGranularity::Hour: return start.addSecs(3600);
    case UsageGranularity::Day: return start.addDays(1);
    case UsageGranularity::Month: return start.addMonths(1);
    }
    return start.addSecs(3600);
}

// Sets every layer's points of a panel from the model (one bulk replace per series).
void fillPanel(const UsageSeriesModel *m, Panel &p)
{
    p.shownRows = rowsToDraw(m, p.columns);
    QList<QList<QPointF>> lower(p.layers.size()), upper(p.layers.size());
    for (int i = 0; i < p.layers.size(); ++i) {
        lower[i].reserve(p.shownRows.size());
        upper[i].reserve(p.shownRows.size());
    }
    p.maxStack = 0;
    for (int row : std::as_const(p.shownRows)) {
        const qreal t = qreal(m->bucketStart(row).toMSecsSinceEpoch());
        qint64 cum = 0;
        for (int i = 0; i < p.layers.size(); ++i) {
            lower[i].append(QPointF(t, qreal(cum)));
            cum += m->quantity(row, p.layers.at(i).column);
            upper[i].append(QPointF(t, qreal(cum)));
        }
        p.maxStack = qMax(p.maxStack, cum);
    }
    // A single bucket would be a zero-width area (nothing visible): draw it across the bucket.
    if (p.shownRows.size() == 1) {
        const qreal end = qreal(bucketEnd(m->bucketStart(p.shownRows.first()), m->query().granularity).toMSecsSinceEpoch());
        for (int i = 0; i < p.layers.size(); ++i) {
            lower[i].append(QPointF(end, lower.at(i).first().y()));
            upper[i].append(QPointF(end, upper.at(i).first().y()));
        }
    }
    for (int i = 0; i < p.layers.size(); ++i) {
        p.layers[i].lower->replace(lower.at(i));
        p.layers[i].upper->replace(upper.at(i));
    }
}
} // namespace

QString panelTitle(const UsageSeriesModel *m, const Panel &p, const QLocale &locale);

struct UsageChartView::Private
{
    UsageSeriesModel *model = nullptr;
    QGridLayout *grid = nullptr;
    Layout layout = Layout::PerMeter;
    QList<Panel> panels;
    bool alignQueued = false;
    int series = 0;
    int rebuilds = 0;
    QString lastHover;
    QLocale locale;
};

UsageChartView::UsageChartView(UsageSeriesModel *model, QWidget *parent) : QWidget(parent), d(new Private)
{
    d->model = model;
    d->grid = new QGridLayout(this);
    d->grid->setContentsMargins(0, 0, 0, 0);
    d->grid->setHorizontalSpacing(16);
    d->grid->setVerticalSpacing(6);
    connect(model, &UsageSeriesModel::reloaded, this, &UsageChartView::rebuild);
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(first, last); });
    connect(model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &tl, const QModelIndex &br) { onDataChanged(tl.row(), br.row()); });
    connect(model, &QAbstractItemModel::headerDataChanged, this, [this] {
        // Meter notices changed: the titles say so.
        for (const Panel &p : std::as_const(d->panels))
            p.titleLabel->setText(panelTitle(d->model, p, d->locale));
    });
    rebuild();
}

UsageChartView::~UsageChartView()
{
    delete d;
}

void UsageChartView::setChartLayout(Layout layout)
{
    if (layout == d->layout)
        return;
    d->layout = layout;
    rebuild();
}

UsageChartView::Layout UsageChartView::chartLayout() const
{
    return d->layout;
}

int UsageChartView::seriesCount() const
{
    return d->series;
}

int UsageChartView::pointCount() const
{
    int n = 0;
    for (const Panel &p : d->panels) {
        for (const Layer &l : p.layers)
            n += int(l.upper->count());
    }
    return n;
}

bool UsageChartView::isDecimated() const
{
    for (const Panel &p : d->panels) {
        if (p.shownRows.size() < d->model->rowCount())
            return true;
    }
    return false;
}

int UsageChartView::chartCount() const
{
    return int(d->panels.size());
}

int UsageChartView::rebuildCount() const
{
    return d->rebuilds;
}

double UsageChartView::plottedValue(int row, int meterIndex) const
{
    for (const Panel &p : d->panels) {
        for (const Layer &l : p.layers) {
            if (l.column != meterIndex)
                continue;
            const auto it = std::lower_bound(p.shownRows.cbegin(), p.shownRows.cend(), row);
            if (it != p.shownRows.cend() && *it == row && it - p.shownRows.cbegin() < l.upper->count())
                return l.upper->at(int(it - p.shownRows.cbegin())).y();
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

QString UsageChartView::hoverText(int chartIndex, int row) const
{
    const UsageSeriesModel *m = d->model;
    if (chartIndex < 0 || chartIndex >= d->panels.size() || row < 0 || row >= m->rowCount())
        return {};
    const Panel &p = d->panels.at(chartIndex);
    QStringList lines{m->bucketLabel(row)};
    qint64 sum = 0;
    for (const Layer &l : p.layers) {
        const qint64 q = m->quantity(row, l.column);
        sum += q;
        lines << tr("%1: %2").arg(m->meters().at(l.column), d->locale.toString(q));
    }
    if (p.layers.size() > 1)
        lines << tr("Total: %1").arg(d->locale.toString(sum));
    if (!m->flag(row).isEmpty())
        lines << tr("⚠ %1").arg(m->flag(row));
    return lines.join(QLatin1Char('\n'));
}

void UsageChartView::hoverRow(int chartIndex, int row)
{
    d->lastHover = hoverText(chartIndex, row);
    if (chartIndex >= 0 && chartIndex < d->panels.size() && !d->lastHover.isEmpty()) {
        QWidget *w = d->panels.at(chartIndex).widget;
        QToolTip::showText(w->mapToGlobal(w->rect().center()), d->lastHover, w);
    }
}

QString UsageChartView::lastHoverText() const
{
    return d->lastHover;
}

bool UsageChartView::exportPng(const QString &path, QString *error)
{
    const QPixmap image = grab();
    if (image.isNull() || !image.save(path, "PNG")) {
        if (error)
            *error = tr("Could not write the chart image to %1.").arg(path);
        return false;
    }
    return true;
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
    for (const Panel &p : std::as_const(d->panels)) {
        const int base = p.chart->property("baseLeftMargin").toInt();
        const qreal left = p.chart->plotArea().left() - (p.chart->margins().left() - base);
        natural << left;
        target = qMax(target, left);
    }
    for (int i = 0; i < d->panels.size(); ++i) {
        QChart *chart = d->panels.at(i).chart;
        QMargins m = chart->margins();
        const int wanted = chart->property("baseLeftMargin").toInt() + qRound(target - natural.at(i));
        if (m.left() != wanted) {
            m.setLeft(wanted);
            chart->setMargins(m);
        }
    }
}

namespace {
} // namespace

QString panelTitle(const UsageSeriesModel *m, const Panel &p, const QLocale &locale)
{
    qint64 total = 0;
    for (int c : p.columns)
        total += m->total(c);
    QString notice;
    for (int c : p.columns) {
        if (!m->seriesNotice(c).isEmpty()) {
            notice = QStringLiteral("&nbsp;&nbsp;<span style=\"color:#b45309\">⚠ %1</span>").arg(m->seriesNotice(c).toHtmlEscaped());
            break;
        }
    }
    return UsageChartView::tr("<span style=\"color:%1\">●</span>&nbsp;<b>%2</b>&nbsp;&nbsp;<span style=\"color:#6b7280\">%3 in range</span>%4")
        .arg(p.color.name(), p.title.toHtmlEscaped(), locale.toString(total), notice);
}

void UsageChartView::rebuild()
{
    ++d->rebuilds;
    for (Panel &p : d->panels)
        delete p.widget;
    d->panels.clear();
    d->series = 0;

    const UsageSeriesModel *m = d->model;
    const int count = int(m->meters().size());
    // Panels: per meter (its tiers stacked) or one with everything stacked.
    if (d->layout == Layout::StackedMeters && count > 0) {
        Panel p;
        p.title = tr("All series, stacked");
        for (int c = 0; c < count; ++c)
            p.columns << c;
        d->panels << p;
    } else {
        QStringList order;
        for (int c = 0; c < count; ++c) {
            const QString meter = m->seriesMeter(c);
            int at = int(order.indexOf(meter));
            if (at < 0) {
                order << meter;
                Panel p;
                p.title = meter;
                d->panels << p;
                at = int(order.size()) - 1;
            }
            d->panels[at].columns << c;
        }
    }
    const int columns = d->panels.size() > 4 ? 2 : 1;
    QDateTime first, last;
    if (m->rowCount() > 0) {
        first = m->bucketStart(0).toLocalTime();
        last = m->bucketStart(m->rowCount() - 1).toLocalTime();
    } else {
        last = QDateTime::currentDateTime();
        first = last.addDays(-30);
    }
    if (first == last)
        last = bucketEnd(first, m->query().granularity);

    for (int pi = 0; pi < d->panels.size(); ++pi) {
        Panel &p = d->panels[pi];
        p.color = kPalette[pi % int(std::size(kPalette))];
        p.widget = new QWidget(this);
        p.widget->setObjectName(QStringLiteral("UsageMeterPanel"));
        auto *panelLayout = new QVBoxLayout(p.widget);
        panelLayout->setContentsMargins(0, 0, 0, 0);
        panelLayout->setSpacing(0);
        p.titleLabel = new QLabel(p.widget);
        p.titleLabel->setObjectName(QStringLiteral("UsageMeterTitle"));
        p.titleLabel->setTextFormat(Qt::RichText);
        p.titleLabel->setContentsMargins(8, 2, 0, 0);
        p.titleLabel->setText(panelTitle(m, p, d->locale));

        p.chart = new QChart;
        p.chart->setBackgroundVisible(false);
        p.chart->setPlotAreaBackgroundVisible(false);
        p.chart->setMargins(QMargins(4, 2, 8, 2));
        const bool stacked = p.columns.size() > 1;
        p.chart->legend()->setVisible(stacked);
        p.chart->legend()->setAlignment(Qt::AlignRight);
        p.chart->setAnimationOptions(QChart::NoAnimation);
        p.chart->setLocale(d->locale);
        p.chart->setLocalizeNumbers(true);

        p.x = new QDateTimeAxis;
        p.x->setFormat(axisFormat(m->query().granularity));
        // No more ticks than bucket edges (one month would otherwise repeat "Nov 2026" nine times).
        p.x->setTickCount(qBound(2, m->rowCount() + 1, columns == 1 ? 9 : 5));
        p.x->setGridLineColor(QColor(0xf0, 0xf1, 0xf4));
        p.x->setLabelsColor(QColor(0x4b, 0x55, 0x63));
        p.x->setRange(first, last);
        p.y = new QValueAxis;
        p.y->setLabelFormat(QStringLiteral("%.0f"));
        p.y->setGridLineColor(QColor(0xe5, 0xe7, 0xeb));
        p.y->setLabelsColor(QColor(0x4b, 0x55, 0x63));
        p.y->setTickCount(4);
        p.chart->addAxis(p.x, Qt::AlignBottom);
        p.chart->addAxis(p.y, Qt::AlignLeft);

        for (int li = 0; li < p.columns.size(); ++li) {
            Layer l;
            l.column = p.columns.at(li);
            l.upper = new QLineSeries;
            l.lower = new QLineSeries;
            l.area = new QAreaSeries(l.upper, l.lower);
            const QString group = m->seriesGroup(l.column);
            l.area->setName(stacked ? (group.isEmpty() ? m->meters().at(l.column) : group) : m->meters().at(l.column));
            const QColor color = stacked ? kPalette[li % int(std::size(kPalette))] : p.color;
            l.area->setPen(QPen(color, stacked ? 1.5 : 2.0));
            QColor fill = color;
            fill.setAlpha(stacked ? 120 : 38);
            l.area->setBrush(fill);
            p.layers << l;
            ++d->series;
        }
        // Points (chart coordinates are doubles by nature; the tooltip shows the exact integers),
        // decimated for display when there are more buckets than the chart can show.
        fillPanel(m, p);
        for (Layer &l : p.layers) {
            p.chart->addSeries(l.area);
            l.area->attachAxis(p.x);
            l.area->attachAxis(p.y);
            connect(l.area, &QAreaSeries::hovered, this, [this, pi](const QPointF &point, bool state) {
                if (!state) {
                    QToolTip::hideText();
                    return;
                }
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
                d->lastHover = hoverText(pi, best);
                QToolTip::showText(QCursor::pos(), d->lastHover, this);
            });
        }
        p.y->setRange(0, p.maxStack > 0 ? qreal(p.maxStack) * 1.08 : 10.0);
        p.y->applyNiceNumbers();

        auto *view = new QChartView(p.chart, p.widget);
        view->setObjectName(QStringLiteral("UsageChart"));
        view->setRenderHint(QPainter::Antialiasing);
        view->setBackgroundBrush(Qt::white);
        view->setFrameShape(QFrame::NoFrame);
        view->setMinimumHeight(120);
        panelLayout->addWidget(p.titleLabel);
        panelLayout->addWidget(view, 1);

        d->grid->addWidget(p.widget, pi / columns, pi % columns);
        p.chart->setProperty("baseLeftMargin", p.chart->margins().left());
        connect(p.chart, &QChart::plotAreaChanged, this, &UsageChartView::queueAlign);
    }
    const int rows = (int(d->panels.size()) + columns - 1) / columns;
    for (int r = 0; r < d->grid->rowCount(); ++r)
        d->grid->setRowStretch(r, r < rows ? 1 : 0);
}

void UsageChartView::onRowsInserted(int first, int last)
{
    updateRows(first, last, true);
}

void UsageChartView::onDataChanged(int first, int last)
{
    updateRows(first, last, false);
}

void UsageChartView::updateRows(int first, int last, bool inserted)
{
    const UsageSeriesModel *m = d->model;
    if (d->panels.isEmpty() || m->isLoading())
        return;
    for (Panel &p : d->panels) {
        if (p.layers.isEmpty())
            continue;
        const int rowsBefore = m->rowCount() - (inserted ? last - first + 1 : 0);
        if (m->rowCount() > kMaxPointsPerSeries || p.shownRows.size() != rowsBefore || rowsBefore <= 1) {
            // Decimated (or about to be): the drawn buckets of a group can change with any
            // update, so the panel's points are set again in bulk (still no chart rebuild).
            fillPanel(m, p);
            p.y->setRange(0, p.maxStack > 0 ? qreal(p.maxStack) * 1.08 : 10.0);
            p.y->applyNiceNumbers();
        } else {
            for (int row = first; row <= last && row < m->rowCount(); ++row) {
                const qreal t = qreal(m->bucketStart(row).toMSecsSinceEpoch());
                qint64 cum = 0;
                for (Layer &l : p.layers) {
                    const QPointF low(t, qreal(cum));
                    cum += m->quantity(row, l.column);
                    const QPointF up(t, qreal(cum));
                    if (inserted) {
                        l.lower->insert(row, low);
                        l.upper->insert(row, up);
                    } else if (row < l.upper->count()) {
                        l.lower->replace(row, low);
                        l.upper->replace(row, up);
                    }
                }
                if (cum > p.maxStack) {
                    p.maxStack = cum;
                    p.y->setRange(0, qreal(p.maxStack) * 1.08);
                    p.y->applyNiceNumbers();
                }
            }
            if (inserted) {
                p.shownRows.resize(m->rowCount());
                std::iota(p.shownRows.begin(), p.shownRows.end(), 0);
            }
        }
        if (inserted && m->rowCount() > 0) {
            QDateTime a = m->bucketStart(0).toLocalTime(), b = m->bucketStart(m->rowCount() - 1).toLocalTime();
            if (a == b)
                b = bucketEnd(a, m->query().granularity);
            p.x->setRange(a, b);
        }
        p.titleLabel->setText(panelTitle(m, p, d->locale));
    }
    Q_EMIT pointsUpdated();
}

} // namespace Billing
