#include "models/usageseriesmodel.h"

#include "services/storage/billingdatabase.h"

#include <QColor>
#include <QMap>

#include <algorithm>

namespace Billing {

namespace {
const QString kTierSeparator = QStringLiteral(" · ");
}

UsageSeriesModel::UsageSeriesModel(UsageReader *reader, QObject *parent)
    : QAbstractTableModel(parent), m_reader(reader)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_query.to = QDateTime(now.date().addDays(1), QTime(0, 0), Qt::UTC);
    m_query.from = m_query.to.addDays(-60);
    if (m_reader) {
        connect(m_reader, &UsageReader::usageChangedFrom, this, &UsageSeriesModel::onUsageChangedFrom);
        connect(m_reader, &UsageReader::usageChanged, this, &UsageSeriesModel::onUsageChanged);
    }
}

int UsageSeriesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_buckets.size());
}

int UsageSeriesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstMeter + int(m_meters.size());
}

qint64 UsageSeriesModel::quantity(int row, int meterIndex) const
{
    if (row < 0 || row >= m_values.size() || meterIndex < 0 || meterIndex >= m_meters.size())
        return 0;
    return m_values.at(row).at(meterIndex);
}

qint64 UsageSeriesModel::total(int meterIndex) const
{
    qint64 sum = 0;
    for (int r = 0; r < m_values.size(); ++r)
        sum += quantity(r, meterIndex);
    return sum;
}

int UsageSeriesModel::flaggedRows() const
{
    return int(std::count_if(m_flags.cbegin(), m_flags.cend(), [](const QString &f) { return !f.isEmpty(); }));
}

QString UsageSeriesModel::seriesMeter(int meterIndex) const
{
    const QString name = m_meters.value(meterIndex);
    return m_breakdown == Breakdown::Tier ? name.section(kTierSeparator, 0, 0) : name;
}

QString UsageSeriesModel::seriesGroup(int meterIndex) const
{
    return m_breakdown == Breakdown::Tier ? m_meters.value(meterIndex).section(kTierSeparator, 1) : QString();
}

QString UsageSeriesModel::seriesNotice(int meterIndex) const
{
    return m_notices.value(seriesMeter(meterIndex));
}

QString UsageSeriesModel::bucketLabel(int row) const
{
    const QDateTime local = m_buckets.value(row).toLocalTime();
    switch (m_query.granularity) {
    case UsageGranularity::Hour: return m_locale.toString(local, QLocale::ShortFormat);
    case UsageGranularity::Day: return m_locale.toString(local.date(), QLocale::ShortFormat);
    case UsageGranularity::Month: return m_locale.toString(local.date(), QStringLiteral("MMM yyyy"));
    }
    return {};
}

QVariant UsageSeriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    const QString flagText = m_flags.value(row);
    switch (role) {
    case FlagRole: return flagText;
    case Qt::ToolTipRole:
        if (!flagText.isEmpty())
            return flagText;
        break;
    case Qt::BackgroundRole:
        if (!flagText.isEmpty())
            return QColor(0xfe, 0xf3, 0xc7);
        break;
    default: break;
    }
    if (index.column() == BucketStart) {
        switch (role) {
        case Qt::DisplayRole: return flagText.isEmpty() ? bucketLabel(row) : tr("⚠ %1").arg(bucketLabel(row));
        case RawRole: return m_buckets.at(row);
        }
        return {};
    }
    const qint64 q = quantity(row, index.column() - FirstMeter);
    switch (role) {
    case Qt::DisplayRole: return m_locale.toString(q);
    case RawRole: return q;
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant UsageSeriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (section == BucketStart)
        return role == Qt::DisplayRole ? QVariant(tr("Period")) : QVariant();
    const QString notice = seriesNotice(section - FirstMeter);
    if (role == Qt::DisplayRole)
        return notice.isEmpty() ? m_meters.value(section - FirstMeter) : tr("%1 ⚠").arg(m_meters.value(section - FirstMeter));
    if (role == Qt::ToolTipRole && !notice.isEmpty())
        return notice;
    return {};
}

void UsageSeriesModel::setCustomerId(const QString &customerId)
{
    if (customerId == m_query.customerId)
        return;
    m_query.customerId = customerId;
    reload();
}

void UsageSeriesModel::setGranularity(UsageGranularity granularity)
{
    if (granularity == m_query.granularity)
        return;
    m_query.granularity = granularity;
    reload();
}

void UsageSeriesModel::setRange(const QDateTime &fromUtc, const QDateTime &toUtc)
{
    if (fromUtc == m_query.from && toUtc == m_query.to)
        return;
    m_query.from = fromUtc;
    m_query.to = toUtc;
    reload();
}

void UsageSeriesModel::setSource(const QString &source)
{
    if (source == m_query.source)
        return;
    m_query.source = source;
    reload();
}

void UsageSeriesModel::setBreakdown(Breakdown breakdown)
{
    if (breakdown == m_breakdown)
        return;
    m_breakdown = breakdown;
    reload();
}

void UsageSeriesModel::setCustomerTiers(const QHash<QString, QString> &tiers)
{
    m_tiers = tiers;
    if (m_breakdown == Breakdown::Tier)
        reload();
}

void UsageSeriesModel::setMeterInfos(const QList<UsageMeterInfo> &infos)
{
    QHash<QString, QString> notices;
    for (const UsageMeterInfo &i : infos) {
        const QString key = usageSeriesKey(i.meter, i.source);
        const QString since = i.missingSince.isValid() ? m_locale.toString(i.missingSince.toLocalTime().date(), QLocale::ShortFormat) : QString();
        if (i.status == QLatin1String("missing"))
            notices.insert(key, tr("Meter %1 is no longer in Stripe (gone since %2): the usage shown is what was synced before; nothing new arrives.").arg(i.meter, since));
        else if (i.status == QLatin1String("inactive"))
            notices.insert(key, tr("Meter %1 is deactivated in Stripe (since %2): it records no new usage.").arg(i.meter, since));
    }
    if (notices == m_notices)
        return;
    m_notices = notices;
    if (!m_meters.isEmpty())
        Q_EMIT headerDataChanged(Qt::Horizontal, FirstMeter, FirstMeter + int(m_meters.size()) - 1);
}

QString UsageSeriesModel::seriesName(const UsagePoint &p) const
{
    const QString key = usageSeriesKey(p.meter, p.source);
    if (m_breakdown != Breakdown::Tier)
        return key;
    const QString tier = m_tiers.value(p.customerId);
    return key + kTierSeparator + (tier.isEmpty() ? tr("No plan") : tier);
}

UsageSeriesModel::Table UsageSeriesModel::tabulate(const QStringList &knownMeters, const QList<UsagePoint> &points) const
{
    Table t;
    t.series = m_breakdown == Breakdown::Tier ? QStringList() : knownMeters;
    QMap<QDateTime, QHash<QString, qint64>> byBucket;
    for (const UsagePoint &p : points) {
        const QString name = seriesName(p);
        if (!t.series.contains(name))
            t.series.append(name);
        byBucket[p.bucketStart.toUTC()][name] += p.quantity;
    }
    std::sort(t.series.begin(), t.series.end());
    for (auto it = byBucket.cbegin(); it != byBucket.cend(); ++it) {
        t.buckets.append(it.key());
        QList<qint64> row;
        row.reserve(t.series.size());
        for (const QString &m : std::as_const(t.series))
            row.append(it.value().value(m, 0));
        t.values.append(row);
    }
    return t;
}

QString UsageSeriesModel::flagFor(int row) const
{
    QStringList why;
    if (m_buckets.at(row) > QDateTime::currentDateTimeUtc())
        why << tr("In the future: usage recorded with a time after now (a clock or input error?)");
    else if (m_future.value(m_buckets.at(row)) > 0)
        why << tr("Holds %1 units recorded with a time after now (a clock or input error?)")
                   .arg(m_locale.toString(m_future.value(m_buckets.at(row))));
    for (int m = 0; m < m_meters.size(); ++m) {
        const qint64 q = m_values.at(row).at(m);
        if (q < 0)
            why << tr("Negative quantity %1 for %2").arg(m_locale.toString(q), m_meters.at(m));
        else if (q > UsageAbsurdQuantity)
            why << tr("Implausible quantity %1 for %2").arg(m_locale.toString(q), m_meters.at(m));
    }
    return why.join(QStringLiteral("; "));
}

void UsageSeriesModel::reload()
{
    if (!m_reader)
        return;
    const quint64 ticket = ++m_ticket;
    m_loading = true;
    m_refreshing = false; // a refresh under way answers to an old ticket and is dropped
    m_refreshPending = false;
    m_pendingAll = false;
    m_pendingFrom = QDateTime();
    UsageSeriesQuery q = m_query;
    q.byCustomer = m_breakdown == Breakdown::Tier;
    // Meters first (so meters without events in the range still get a series), then the rollup.
    m_reader->meters(this, [this, ticket, q](Result<QStringList> meters) {
        if (ticket != m_ticket)
            return;
        QStringList known = meters.ok() ? meters.value() : QStringList();
        if (!q.source.isEmpty()) {
            // Only the chosen source's meters.
            const bool stripe = q.source == UsageSourceStripe;
            known.erase(std::remove_if(known.begin(), known.end(),
                                       [stripe](const QString &k) { return k.endsWith(QStringLiteral(" (Stripe)")) != stripe; }),
                        known.end());
        }
        m_reader->series(q, this, [this, ticket, known](Result<QList<UsagePoint>> points) {
            if (ticket != m_ticket)
                return;
            if (!points.ok()) {
                m_loading = false;
                m_lastError = points.error().userMessage;
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            apply(known, points.value());
            if (m_refreshPending)
                startRefresh();
        });
    });
}

void UsageSeriesModel::apply(const QStringList &knownMeters, const QList<UsagePoint> &points)
{
    Table t = tabulate(knownMeters, points);
    beginResetModel();
    m_meters = t.series;
    m_buckets = t.buckets;
    m_values = t.values;
    m_flags.clear();
    for (int r = 0; r < m_buckets.size(); ++r)
        m_flags.append(flagFor(r));
    endResetModel();
    m_loading = false;
    m_refreshes = 0;
    m_lastError.clear();
    Q_EMIT reloaded();
    checkFuture();
}

// Usage recorded "after now" inside the current bucket cannot be seen at day or month
// granularity: look for it in the hour rollups (a range scan from the next hour on).
void UsageSeriesModel::checkFuture()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!m_reader || !m_query.to.isValid() || m_query.to <= now)
        return;
    UsageSeriesQuery q = m_query;
    q.granularity = UsageGranularity::Hour;
    q.from = BillingDatabase::bucketStart(now, UsageGranularity::Hour).addSecs(3600);
    q.byCustomer = false;
    const quint64 ticket = m_ticket;
    m_reader->series(q, this, [this, ticket](Result<QList<UsagePoint>> points) {
        if (ticket != m_ticket || !points.ok())
            return;
        QHash<QDateTime, qint64> future;
        for (const UsagePoint &p : points.value())
            future[BillingDatabase::bucketStart(p.bucketStart, m_query.granularity)] += p.quantity;
        if (future == m_future)
            return;
        m_future = future;
        for (int r = 0; r < m_buckets.size(); ++r) {
            const QString f = flagFor(r);
            if (f != m_flags.at(r)) {
                m_flags[r] = f;
                Q_EMIT dataChanged(index(r, 0), index(r, columnCount() - 1));
            }
        }
        Q_EMIT flagsChanged();
    });
}

void UsageSeriesModel::onUsageChangedFrom(const QDateTime &from)
{
    if (!from.isValid())
        return;
    if (!m_pendingFrom.isValid() || from < m_pendingFrom)
        m_pendingFrom = from;
    m_refreshPending = true;
}

void UsageSeriesModel::onUsageChanged()
{
    if (!m_pendingFrom.isValid())
        m_pendingAll = true; // no time given with this change: the whole range
    m_refreshPending = true;
    if (m_ticket == 0)
        return; // nothing loaded yet: the first load reads everything anyway
    if (!m_loading && !m_refreshing)
        startRefresh();
}

void UsageSeriesModel::refreshFrom(const QDateTime &fromUtc)
{
    if (fromUtc.isValid())
        onUsageChangedFrom(fromUtc);
    onUsageChanged();
}

void UsageSeriesModel::startRefresh()
{
    if (!m_reader || !m_refreshPending)
        return;
    QDateTime from = m_query.from;
    if (!m_pendingAll && m_pendingFrom.isValid()) {
        const QDateTime b = BillingDatabase::bucketStart(m_pendingFrom, m_query.granularity);
        if (!from.isValid() || b > from)
            from = b;
    }
    m_refreshPending = false;
    m_pendingAll = false;
    m_pendingFrom = QDateTime();
    if (m_query.to.isValid() && from.isValid() && from >= m_query.to) {
        Q_EMIT refreshed(int(m_buckets.size()), int(m_buckets.size()) - 1); // nothing in range changed
        return;
    }
    m_refreshing = true;
    const quint64 ticket = m_ticket;
    UsageSeriesQuery q = m_query;
    q.from = from;
    q.byCustomer = m_breakdown == Breakdown::Tier;
    m_reader->series(q, this, [this, ticket, from](Result<QList<UsagePoint>> points) {
        if (ticket != m_ticket)
            return;
        m_refreshing = false;
        if (!points.ok()) {
            m_lastError = points.error().userMessage;
            Q_EMIT loadFailed(m_lastError);
            return;
        }
        merge(from, points.value());
        if (m_refreshPending && !m_loading)
            startRefresh();
    });
}

void UsageSeriesModel::merge(const QDateTime &from, const QList<UsagePoint> &points)
{
    const Table t = tabulate({}, points);
    for (const QString &s : t.series) {
        if (!m_meters.contains(s)) {
            reload(); // a new series: columns change, so the whole table does
            return;
        }
    }
    QList<int> map; // t column -> model column
    for (const QString &s : t.series)
        map << int(m_meters.indexOf(s));
    QHash<QDateTime, int> incoming;
    for (int i = 0; i < t.buckets.size(); ++i)
        incoming.insert(t.buckets.at(i), i);

    int first = int(m_buckets.size());
    // Buckets already shown, inside the refreshed window: new values (0 where Stripe's re-sync
    // dropped one).
    for (int r = 0; r < m_buckets.size(); ++r) {
        if (from.isValid() && m_buckets.at(r) < from)
            continue;
        first = qMin(first, r);
        QList<qint64> row(m_meters.size(), 0);
        const auto it = incoming.constFind(m_buckets.at(r));
        if (it != incoming.cend()) {
            for (int c = 0; c < map.size(); ++c)
                row[map.at(c)] = t.values.at(*it).at(c);
        }
        if (row != m_values.at(r)) {
            m_values[r] = row;
            m_flags[r] = flagFor(r);
            Q_EMIT dataChanged(index(r, 0), index(r, columnCount() - 1));
        }
    }
    // New buckets: inserted where they belong (normally at the end).
    for (int i = 0; i < t.buckets.size(); ++i) {
        const QDateTime b = t.buckets.at(i);
        const auto pos = std::lower_bound(m_buckets.cbegin(), m_buckets.cend(), b);
        if (pos != m_buckets.cend() && *pos == b)
            continue;
        const int r = int(pos - m_buckets.cbegin());
        QList<qint64> row(m_meters.size(), 0);
        for (int c = 0; c < map.size(); ++c)
            row[map.at(c)] = t.values.at(i).at(c);
        beginInsertRows({}, r, r);
        m_buckets.insert(r, b);
        m_values.insert(r, row);
        m_flags.insert(r, QString());
        m_flags[r] = flagFor(r);
        endInsertRows();
        first = qMin(first, r);
    }
    ++m_refreshes;
    Q_EMIT refreshed(first, int(m_buckets.size()) - 1);
    checkFuture();
}

} // namespace Billing
