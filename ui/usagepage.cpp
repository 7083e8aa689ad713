#include "ui/usagepage.h"

#include "models/usageseriesmodel.h"
#include "services/storage/cachereader.h"
#include "services/storage/usage.h"
#include "ui/charts/usagechartview.h"

#include <QComboBox>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace Billing {

UsagePage::UsagePage(UsageReader *usage, CacheReader *cache, QWidget *parent)
    : QWidget(parent), m_reader(usage), m_cache(cache), m_model(new UsageSeriesModel(usage, this))
{
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(this->title());
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_stale = new QLabel(tr("Data may be out of date — press F5 to refresh"));
    m_stale->setObjectName(QStringLiteral("StaleHint"));
    m_stale->hide();
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
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

    auto *card = new QFrame;
    card->setObjectName(QStringLiteral("ChartCard"));
    auto *cardLayout = new QVBoxLayout(card);
    cardLayout->setContentsMargins(8, 8, 8, 8);
    m_chart = new UsageChartView(m_model);
    m_empty = new QLabel(tr("No usage recorded in this range."));
    m_empty->setObjectName(QStringLiteral("EmptyState"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->hide();
    cardLayout->addWidget(m_chart, 1);
    cardLayout->addWidget(m_empty, 1);
    root->addWidget(card, 1);

    m_totals = new QLabel;
    m_totals->setObjectName(QStringLiteral("Footer"));
    m_totals->setTextFormat(Qt::RichText);
    root->addWidget(m_totals);

    connect(m_model, &UsageSeriesModel::reloaded, this, &UsagePage::updateTotals);
    connect(m_model, &UsageSeriesModel::loadFailed, this, [this](const QString &message) {
        m_totals->setText(tr("Could not read usage: %1").arg(message.toHtmlEscaped()));
    });
    connect(m_granularity, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setGranularity(UsageGranularity(m_granularity->currentData().toInt()));
    });
    connect(m_range, &QComboBox::currentIndexChanged, this, &UsagePage::applyRange);
    connect(m_customer, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setCustomerId(m_customer->currentData().toString()); });
    if (m_reader) {
        connect(m_reader, &UsageReader::usageChanged, this, [this] {
            if (m_loaded)
                findDataEnd();
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
}

bool UsagePage::isReady() const
{
    return m_loaded && !m_anchoring && !m_model->isLoading() && m_model->query().to.isValid();
}

void UsagePage::setStale(bool stale)
{
    m_stale->setVisible(stale);
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
    CustomerQuery q;
    q.limit = 1000;
    m_cache->customers(q, this, [this](Result<QList<Customer>> result) {
        if (!result.ok())
            return;
        for (const Customer &c : result.value())
            m_customer->addItem(c.name.isEmpty() ? c.id : tr("%1 (%2)").arg(c.name, c.id), c.id);
    });
}

void UsagePage::updateTotals()
{
    const QLocale loc;
    QStringList parts;
    for (int i = 0; i < m_model->meters().size(); ++i)
        parts << tr("<b>%1</b>&nbsp;%2").arg(loc.toString(m_model->total(i)), m_model->meters().at(i).toHtmlEscaped());
    m_totals->setText(parts.isEmpty() ? QString() : tr("Totals in range:&nbsp;&nbsp;%1").arg(parts.join(QStringLiteral("&nbsp;&nbsp;·&nbsp;&nbsp;"))));
    m_count->setText(m_model->meters().size() == 1 ? tr("1 meter") : tr("%1 meters").arg(m_model->meters().size()));
    const bool empty = m_model->rowCount() == 0;
    m_chart->setVisible(!empty);
    m_empty->setVisible(empty);
}

} // namespace Billing
