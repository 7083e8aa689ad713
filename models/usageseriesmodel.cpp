#include "models/usageseriesmodel.h"

#include <QMap>

#include <algorithm>

namespace Billing {

UsageSeriesModel::UsageSeriesModel(UsageReader *reader, QObject *parent)
    : QAbstractTableModel(parent), m_reader(reader)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_query.to = QDateTime(now.date().addDays(1), QTime(0, 0), Qt::UTC);
    m_query.from = m_query.to.addDays(-60);
    if (m_reader)
        connect(m_reader, &UsageReader::usageChanged, this, &UsageSeriesModel::reload);
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

QVariant UsageSeriesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    if (index.column() == BucketStart) {
        const QDateTime local = m_buckets.at(row).toLocalTime();
        switch (role) {
        case Qt::DisplayRole:
            switch (m_query.granularity) {
            case UsageGranularity::Hour: return m_locale.toString(local, QLocale::ShortFormat);
            case UsageGranularity::Day: return m_locale.toString(local.date(), QLocale::ShortFormat);
            case UsageGranularity::Month: return m_locale.toString(local.date(), QStringLiteral("MMM yyyy"));
            }
            break;
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
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    if (section == BucketStart)
        return tr("Period");
    return m_meters.value(section - FirstMeter);
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

void UsageSeriesModel::reload()
{
    if (!m_reader)
        return;
    const quint64 ticket = ++m_ticket;
    m_loading = true;
    // Meters first (so meters without events in the range still get a series), then the rollup.
    m_reader->meters(this, [this, ticket](Result<QStringList> meters) {
        if (ticket != m_ticket)
            return;
        const QStringList known = meters.ok() ? meters.value() : QStringList();
        m_reader->series(m_query, this, [this, ticket, known](Result<QList<UsagePoint>> points) {
            if (ticket != m_ticket)
                return;
            if (!points.ok()) {
                m_loading = false;
                m_lastError = points.error().userMessage;
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            apply(ticket, known, points.value());
        });
    });
}

void UsageSeriesModel::apply(quint64, const QStringList &knownMeters, const QList<UsagePoint> &points)
{
    QStringList meters = knownMeters;
    QMap<QDateTime, QHash<QString, qint64>> byBucket;
    for (const UsagePoint &p : points) {
        if (!meters.contains(p.meter))
            meters.append(p.meter);
        byBucket[p.bucketStart.toUTC()][p.meter] += p.quantity;
    }
    std::sort(meters.begin(), meters.end());

    beginResetModel();
    m_meters = meters;
    m_buckets.clear();
    m_values.clear();
    for (auto it = byBucket.cbegin(); it != byBucket.cend(); ++it) {
        m_buckets.append(it.key());
        QList<qint64> row;
        row.reserve(m_meters.size());
        for (const QString &m : std::as_const(m_meters))
            row.append(it.value().value(m, 0));
        m_values.append(row);
    }
    endResetModel();
    m_loading = false;
    m_lastError.clear();
    Q_EMIT reloaded();
}

} // namespace Billing
