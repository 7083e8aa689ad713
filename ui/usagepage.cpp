#include "ui/usagepage.h"

#include "models/usageseriesmodel.h"
#include "services/storage/cachereader.h"
#include "services/storage/usage.h"
#include "services/reports/csvfilejob.h"
#include "services/usage/usagecsv.h"
#include "ui/charts/usagechartview.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QTime>
#include <QVBoxLayout>

namespace Billing {

namespace {
enum ViewMode { PerMeter, StackedMeters, StackedTiers };

QString moneyList(const QList<Money> &amounts, const QLocale &loc)
{
    QStringList parts;
    for (const Money &m : amounts)
        parts << m.toLocaleString(loc);
    return parts.join(QStringLiteral(" + "));
}
} // namespace

UsagePage::UsagePage(UsageReader *usage, CacheReader *cache, QWidget *parent)
    : QWidget(parent), m_reader(usage), m_cache(cache), m_model(new UsageSeriesModel(usage, this))
{
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(10);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(this->title());
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_stale = new QLabel(tr("Data may be out of date — press F5 to refresh"));
    m_stale->setObjectName(QStringLiteral("StaleHint"));
    m_stale->hide();
    m_live = new QLabel;
    m_live->setObjectName(QStringLiteral("UsageLive"));
    m_live->setStyleSheet(QStringLiteral("color:#047857;"));
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_live);
    header->addSpacing(12);
    header->addWidget(m_stale);
    root->addLayout(header);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(8);
    m_customer = new QComboBox;
    m_customer->setObjectName(QStringLiteral("CustomerFilter"));
    m_customer->addItem(tr("All customers"), QString());
    m_customer->setMinimumWidth(260);
    m_range = new QComboBox;
    m_range->setObjectName(QStringLiteral("RangeFilter"));
    m_range->addItem(tr("Last 7 days"), 7);
    m_range->addItem(tr("Last 30 days"), 30);
    m_range->addItem(tr("Last 60 days"), 60);
    m_range->addItem(tr("Last 90 days"), 90);
    m_range->addItem(tr("Last 12 months"), 365);
    m_range->setCurrentIndex(1);
    m_granularity = new QComboBox;
    m_granularity->setObjectName(QStringLiteral("GranularityFilter"));
    m_granularity->addItem(tr("Hourly"), int(UsageGranularity::Hour));
    m_granularity->addItem(tr("Daily"), int(UsageGranularity::Day));
    m_granularity->addItem(tr("Monthly"), int(UsageGranularity::Month));
    m_granularity->setCurrentIndex(1);
    filters->addWidget(new QLabel(tr("Customer")));
    filters->addWidget(m_customer);
    filters->addSpacing(8);
    filters->addWidget(new QLabel(tr("Range")));
    filters->addWidget(m_range);
    filters->addSpacing(8);
    filters->addWidget(new QLabel(tr("Granularity")));
    filters->addWidget(m_granularity);
    filters->addStretch();
    m_rangeLabel = new QLabel;
    m_rangeLabel->setObjectName(QStringLiteral("RangeLabel"));
    filters->addWidget(m_rangeLabel);
    root->addLayout(filters);

    auto *options = new QHBoxLayout;
    options->setSpacing(8);
    m_source = new QComboBox;
    m_source->setObjectName(QStringLiteral("SourceFilter"));
    m_source->addItem(tr("All sources"), QString());
    m_source->addItem(tr("Product metering"), UsageSourceProduct);
    m_source->addItem(tr("Stripe meters"), UsageSourceStripe);
    m_view = new QComboBox;
    m_view->setObjectName(QStringLiteral("ViewMode"));
    m_view->addItem(tr("One chart per meter"), PerMeter);
    m_view->addItem(tr("Stacked by meter"), StackedMeters);
    m_view->addItem(tr("Stacked by customer tier"), StackedTiers);
    m_dataButton = new QPushButton(tr("Show numbers"));
    m_dataButton->setObjectName(QStringLiteral("ShowData"));
    m_dataButton->setCheckable(true);
    auto *png = new QPushButton(tr("Export PNG…"));
    png->setObjectName(QStringLiteral("ExportPng"));
    auto *csv = new QPushButton(tr("Export CSV…"));
    csv->setObjectName(QStringLiteral("ExportCsv"));
    options->addWidget(new QLabel(tr("Source")));
    options->addWidget(m_source);
    options->addSpacing(8);
    options->addWidget(new QLabel(tr("Show")));
    options->addWidget(m_view);
    options->addStretch();
    options->addWidget(m_dataButton);
    options->addWidget(png);
    options->addWidget(csv);
    root->addLayout(options);

    m_flags = new QLabel;
    m_flags->setObjectName(QStringLiteral("UsageFlags"));
    m_flags->setWordWrap(true);
    m_flags->setTextFormat(Qt::RichText);
    m_flags->setStyleSheet(QStringLiteral("QLabel#UsageFlags { background:#fffbeb; border:1px solid #f59e0b; "
                                          "border-radius:6px; padding:6px 10px; color:#78350f; }"));
    m_flags->hide();
    root->addWidget(m_flags);

    auto *card = new QFrame;
    card->setObjectName(QStringLiteral("ChartCard"));
    auto *cardLayout = new QVBoxLayout(card);
    cardLayout->setContentsMargins(8, 8, 8, 8);
    m_stack = new QStackedWidget;
    m_chart = new UsageChartView(m_model);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("UsageTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setAlternatingRowColors(true);
    m_stack->addWidget(m_chart);
    m_stack->addWidget(m_table);
    m_empty = new QLabel(tr("No usage recorded in this range."));
    m_empty->setObjectName(QStringLiteral("EmptyState"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->hide();
    cardLayout->addWidget(m_stack, 1);
    cardLayout->addWidget(m_empty, 1);
    root->addWidget(card, 1);

    m_totals = new QLabel;
    m_totals->setObjectName(QStringLiteral("Footer"));
    m_totals->setTextFormat(Qt::RichText);
    m_totals->setWordWrap(true);
    root->addWidget(m_totals);
    m_cost = new QLabel;
    m_cost->setObjectName(QStringLiteral("UsageCost"));
    m_cost->setTextFormat(Qt::RichText);
    m_cost->setWordWrap(true);
    root->addWidget(m_cost);

    connect(m_model, &UsageSeriesModel::reloaded, this, [this] {
        updateTotals();
        updateFlags();
        updateCost();
    });
    connect(m_model, &UsageSeriesModel::refreshed, this, [this] {
        updateTotals();
        updateFlags();
        updateCost();
        m_live->setText(tr("● Live%1 · updated %2").arg(m_liveText.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m_liveText),
                                                         QLocale().toString(QTime::currentTime(), QLocale::ShortFormat)));
    });
    connect(m_model, &UsageSeriesModel::flagsChanged, this, &UsagePage::updateFlags);
    connect(m_model, &UsageSeriesModel::loadFailed, this, [this](const QString &message) {
        m_totals->setText(tr("Could not read usage: %1").arg(message.toHtmlEscaped()));
    });
    connect(m_granularity, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setGranularity(UsageGranularity(m_granularity->currentData().toInt()));
    });
    connect(m_range, &QComboBox::currentIndexChanged, this, &UsagePage::applyRange);
    connect(m_customer, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setCustomerId(m_customer->currentData().toString()); });
    connect(m_source, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setSource(m_source->currentData().toString()); });
    connect(m_view, &QComboBox::currentIndexChanged, this, [this] {
        const int mode = m_view->currentData().toInt();
        m_chart->setChartLayout(mode == StackedMeters ? UsageChartView::Layout::StackedMeters : UsageChartView::Layout::PerMeter);
        m_model->setBreakdown(mode == StackedTiers ? UsageSeriesModel::Breakdown::Tier : UsageSeriesModel::Breakdown::Meter);
    });
    connect(m_dataButton, &QPushButton::toggled, this, [this](bool on) {
        m_stack->setCurrentIndex(on ? 1 : 0);
        m_dataButton->setText(on ? tr("Show chart") : tr("Show numbers"));
    });
    connect(png, &QPushButton::clicked, this, [this] { chooseExport(true); });
    connect(csv, &QPushButton::clicked, this, [this] { chooseExport(false); });
    if (m_reader) {
        connect(m_reader, &UsageReader::usageChangedFrom, this, [this](const QDateTime &from) {
            m_changeHint = from;
            m_changeHintValid = from.isValid();
        });
        connect(m_reader, &UsageReader::usageChanged, this, [this] {
            if (!m_loaded)
                return;
            // Only usage past the range's end can move it; the model refreshes the rest itself.
            // The hint is the earliest changed time, so a range ending before now may also have
            // gained usage after its end (usage recorded now, or with a time ahead of now).
            const bool inside = m_changeHintValid && m_dataEnd.isValid() && m_changeHint < m_dataEnd
                                && m_dataEnd > QDateTime::currentDateTimeUtc();
            m_changeHintValid = false;
            if (!inside)
                findDataEnd();
            loadMeterInfos();
        });
    }
}

QString UsagePage::title() const
{
    return tr("Usage");
}

void UsagePage::ensureLoaded()
{
    if (m_loaded)
        return;
    m_loaded = true;
    m_model->setGranularity(UsageGranularity(m_granularity->currentData().toInt()));
    findDataEnd();
    loadCustomers();
    loadMeterInfos();
}

bool UsagePage::isReady() const
{
    return m_loaded && !m_anchoring && !m_model->isLoading() && m_model->query().to.isValid();
}

void UsagePage::setStale(bool stale)
{
    m_stale->setVisible(stale);
}

void UsagePage::setPriceBook(const UsagePriceBook &book)
{
    m_prices = book;
    updateCost();
}

void UsagePage::setUsageCaps(const UsageCaps &caps)
{
    if (caps == m_caps)
        return;
    m_caps = caps;
    updateCost();
}

void UsagePage::setCustomerTiers(const QHash<QString, QString> &tiers)
{
    m_model->setCustomerTiers(tiers);
}

void UsagePage::setLiveDescription(const QString &text)
{
    m_liveText = text;
    m_live->setText(text.isEmpty() ? QString() : tr("● Live (%1)").arg(text));
}

namespace {
QDateTime newestBucket(const Result<QList<UsagePoint>> &points)
{
    QDateTime newest;
    if (points.ok()) {
        for (const UsagePoint &p : points.value()) {
            if (p.quantity != 0 && (!newest.isValid() || p.bucketStart > newest))
                newest = p.bucketStart;
        }
    }
    return newest;
}
} // namespace

void UsagePage::findDataEnd()
{
    if (!m_reader) {
        applyRange();
        return;
    }
    // Monthly buckets over a wide window find the newest month cheaply, daily buckets of that
    // month the newest day. Over all customers, so a customer filter keeps the same range.
    const quint64 ticket = ++m_anchorTicket;
    m_anchoring = true;
    const QDate today = QDateTime::currentDateTimeUtc().date();
    UsageSeriesQuery months;
    months.granularity = UsageGranularity::Month;
    months.from = QDateTime(QDate(today.year() - 10, 1, 1), QTime(0, 0), Qt::UTC);
    months.to = QDateTime(QDate(today.year() + 2, 1, 1), QTime(0, 0), Qt::UTC);
    auto finish = [this, ticket](const QDateTime &end) {
        if (ticket != m_anchorTicket)
            return;
        m_anchoring = false;
        m_dataEnd = end;
        applyRange();
    };
    m_reader->series(months, this, [this, ticket, finish](Result<QList<UsagePoint>> byMonth) {
        if (ticket != m_anchorTicket)
            return;
        const QDateTime newestMonth = newestBucket(byMonth);
        if (!newestMonth.isValid()) {
            finish({});
            return;
        }
        UsageSeriesQuery days;
        days.granularity = UsageGranularity::Day;
        days.from = newestMonth;
        days.to = newestMonth.addMonths(1);
        m_reader->series(days, this, [finish](Result<QList<UsagePoint>> byDay) {
            const QDateTime newestDay = newestBucket(byDay);
            finish(newestDay.isValid() ? newestDay.addDays(1) : QDateTime());
        });
    });
}

void UsagePage::applyRange()
{
    const int days = m_range->currentData().toInt();
    const QDateTime tomorrow(QDateTime::currentDateTimeUtc().date().addDays(1), QTime(0, 0), Qt::UTC);
    const QDateTime end = m_dataEnd.isValid() ? m_dataEnd : tomorrow;
    const QDateTime from = end.addDays(-days);
    m_model->setRange(from, end);

    const QLocale loc;
    const QString format = QStringLiteral("d MMM yyyy");
    QString text = tr("%1 – %2").arg(loc.toString(from.date(), format), loc.toString(end.date().addDays(-1), format));
    if (m_dataEnd.isValid() && m_dataEnd < tomorrow)
        text = tr("%1 (up to the newest usage)").arg(text);
    m_rangeLabel->setText(text);
    m_rangeLabel->setToolTip(tr("Dates in UTC. The range ends on the day of the newest recorded usage."));
}

void UsagePage::loadCustomers()
{
    if (!m_cache)
        return;
    CustomerQuery q;
    q.limit = 1000;
    m_cache->customers(q, this, [this](Result<QList<Customer>> result) {
        if (!result.ok())
            return;
        for (const Customer &c : result.value())
            m_customer->addItem(c.name.isEmpty() ? c.id : tr("%1 (%2)").arg(c.name, c.id), c.id);
    });
}

void UsagePage::loadMeterInfos()
{
    if (!m_reader)
        return;
    m_reader->meterInfos(this, [this](Result<QList<UsageMeterInfo>> infos) {
        if (!infos.ok())
            return;
        m_model->setMeterInfos(infos.value());
        QStringList notes;
        for (int i = 0; i < m_model->meters().size(); ++i) {
            const QString n = m_model->seriesNotice(i);
            if (!n.isEmpty() && !notes.contains(n))
                notes << n;
        }
        // Meters that left Stripe without usage in this range are worth saying too.
        for (const UsageMeterInfo &i : infos.value()) {
            if (i.status == QLatin1String("missing")) {
                const QString n = tr("Meter %1 is no longer in Stripe: no new usage of it is synced.").arg(i.meter);
                bool covered = false;
                for (const QString &x : std::as_const(notes))
                    covered = covered || x.contains(i.meter);
                if (!covered)
                    notes << n;
            }
        }
        m_meterNotice = notes.join(QStringLiteral("<br>"));
        updateFlags();
    });
}

void UsagePage::updateTotals()
{
    const QLocale loc;
    QStringList parts;
    for (int i = 0; i < m_model->meters().size(); ++i)
        parts << tr("<b>%1</b>&nbsp;%2").arg(loc.toString(m_model->total(i)), m_model->meters().at(i).toHtmlEscaped());
    m_totals->setText(parts.isEmpty() ? QString() : tr("Totals in range:&nbsp;&nbsp;%1").arg(parts.join(QStringLiteral("&nbsp;&nbsp;·&nbsp;&nbsp;"))));
    m_count->setText(m_model->meters().size() == 1 ? tr("1 series") : tr("%1 series").arg(m_model->meters().size()));
    const bool empty = m_model->rowCount() == 0;
    m_stack->setVisible(!empty);
    m_empty->setVisible(empty);
}

void UsagePage::updateFlags()
{
    QStringList lines;
    const int flagged = m_model->flaggedRows();
    if (flagged > 0) {
        QString first;
        for (int r = 0; r < m_model->rowCount() && first.isEmpty(); ++r)
            first = m_model->flag(r).isEmpty() ? QString() : tr("%1: %2").arg(m_model->bucketLabel(r), m_model->flag(r));
        const QString count = flagged == 1 ? tr("1 period flagged") : tr("%1 periods flagged").arg(flagged);
        lines << tr("<b>⚠ %1</b> and marked ⚠ in the numbers (kept in the totals as stored, not corrected): %2")
                     .arg(count, first.toHtmlEscaped());
    }
    if (!m_meterNotice.isEmpty())
        lines << m_meterNotice.toHtmlEscaped().replace(QStringLiteral("&lt;br&gt;"), QStringLiteral("<br>"));
    for (const QString &p : std::as_const(m_lastCost.problems))
        lines << tr("Cost not computed: %1").arg(p.toHtmlEscaped());
    m_flags->setText(lines.join(QStringLiteral("<br>")));
    m_flags->setVisible(!lines.isEmpty());
}

void UsagePage::updateCost()
{
    const quint64 ticket = ++m_costTicket;
    m_costReady = false;
    if (m_prices.isEmpty() || !m_reader) {
        m_lastCost = UsageCost();
        m_cost->setText(tr("<span style=\"color:#6b7280\">Implied cost: no metered price is set up for these meters.</span>"));
        m_costReady = true;
        Q_EMIT costUpdated();
        return;
    }
    // Per customer and calendar month (tiers apply to a month's total), at day resolution.
    UsageSeriesQuery q = m_model->query();
    // Day resolution is enough for monthly prices; hours only when the range cuts a day (one row
    // per customer and hour over a month of all customers would be hundreds of thousands).
    auto dayAligned = [](const QDateTime &t) { return !t.isValid() || t.toUTC().time() == QTime(0, 0); };
    q.granularity = q.granularity == UsageGranularity::Hour && !(dayAligned(q.from) && dayAligned(q.to))
                        ? UsageGranularity::Hour
                        : UsageGranularity::Day;
    q.byCustomer = true;
    // With caps, read from the start of the range's first month: usage before the range uses up
    // the month's cap too (it is not counted or priced).
    const QDateTime countFrom = m_caps.isEmpty() || !q.from.isValid() ? QDateTime() : q.from;
    if (countFrom.isValid())
        q.from = QDateTime(QDate(q.from.toUTC().date().year(), q.from.toUTC().date().month(), 1), QTime(0, 0), Qt::UTC);
    m_reader->series(q, this, [this, ticket, countFrom](Result<QList<UsagePoint>> points) {
        if (ticket != m_costTicket)
            return;
        if (!points.ok()) {
            m_cost->setText(tr("Implied cost: could not read usage (%1).").arg(points.error().userMessage.toHtmlEscaped()));
            m_costReady = true;
            Q_EMIT costUpdated();
            return;
        }
        UsageCostCalculator::computeAsync(
            points.value(), m_prices, this, [this, ticket](UsageCost cost) {
            if (ticket != m_costTicket)
                return;
            m_lastCost = std::move(cost);
            const QLocale loc;
            QStringList per;
            for (auto it = m_lastCost.bySeries.cbegin(); it != m_lastCost.bySeries.cend(); ++it)
                per << tr("%1&nbsp;%2").arg(it.key().toHtmlEscaped(), moneyList(m_lastCost.amounts(it.key()), loc).toHtmlEscaped());
            QString text = m_lastCost.total.isEmpty()
                               ? tr("Implied cost in range: nothing priced.")
                               : tr("Implied cost in range: <b>%1</b>&nbsp;&nbsp;(%2)")
                                     .arg(moneyList(m_lastCost.amounts(), loc).toHtmlEscaped(), per.join(QStringLiteral(" · ")));
            if (!m_lastCost.unpriced.isEmpty())
                text += tr("&nbsp;&nbsp;<span style=\"color:#6b7280\">No price for %1.</span>")
                            .arg(m_lastCost.unpriced.join(QStringLiteral(", ")).toHtmlEscaped());
            QString tip = tr("Each customer's usage per calendar month through their price (tiers and volume pricing "
                             "exact in minor units); a range that cuts a month counts only the part inside it.");
            if (m_lastCost.cappedUnits > 0) {
                QStringList per;
                for (auto it = m_lastCost.cappedBySeries.cbegin(); it != m_lastCost.cappedBySeries.cend(); ++it)
                    per << tr("%1 %2").arg(loc.toString(it.value()), it.key());
                const int capped = int(m_lastCost.cappedCustomers.size());
                text += tr("&nbsp;&nbsp;<span style=\"color:#b45309\">⚠ Capped: %1 units over budget caps "
                           "(%2), kept but not billable</span>")
                            .arg(loc.toString(m_lastCost.cappedUnits),
                                 capped == 1 ? tr("1 customer") : tr("%1 customers").arg(loc.toString(capped)));
                tip += QLatin1Char('\n')
                       + tr("Over the cap (not in the cost above): %1. Customers: %2.")
                             .arg(per.join(QStringLiteral(", ")), m_lastCost.cappedCustomers.mid(0, 20).join(QStringLiteral(", ")));
            }
            m_cost->setText(text);
            m_cost->setToolTip(tip);
            updateFlags();
            m_costReady = true;
            Q_EMIT costUpdated();
        },
            m_caps, countFrom);
    });
}

bool UsagePage::exportPng(const QString &path, QString *error)
{
    return m_chart->exportPng(path, error);
}

void UsagePage::exportCsv(const QString &path)
{
    UsageTable table;
    table.granularity = m_model->query().granularity;
    table.customerId = m_model->query().customerId;
    table.series = m_model->meters();
    for (int r = 0; r < m_model->rowCount(); ++r) {
        table.buckets << m_model->bucketStart(r);
        QList<qint64> row;
        for (int c = 0; c < table.series.size(); ++c)
            row << m_model->quantity(r, c);
        table.values << row;
        table.flags << m_model->flag(r);
    }
    const qint64 rows = qint64(table.buckets.size()) * table.series.size();
    CsvFileJob::run(
        [path, table = std::move(table), rows]() -> Result<qint64> {
            if (Status s = writeUsageCsv(path, table); !s)
                return s.error();
            return rows;
        },
        this, [this, path](Result<qint64> r) {
            Q_EMIT csvExported(r.ok(), r ? tr("%n rows written to %1", nullptr, int(*r)).arg(QDir::toNativeSeparators(path))
                                         : r.error().userMessage);
        });
}

void UsagePage::chooseExport(bool png)
{
    const QString path = QFileDialog::getSaveFileName(this, png ? tr("Export chart") : tr("Export usage data"),
                                                      png ? QStringLiteral("usage.png") : QStringLiteral("usage.csv"),
                                                      png ? tr("PNG image (*.png)") : tr("CSV file (*.csv)"));
    if (path.isEmpty())
        return;
    if (!png) {
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(this, &UsagePage::csvExported, this, [this, once](bool ok, const QString &message) {
            disconnect(*once);
            if (!ok)
                QMessageBox::warning(this, tr("Export failed"), message);
        });
        exportCsv(path);
        return;
    }
    QString error;
    if (!exportPng(path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace Billing
