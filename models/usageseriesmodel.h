#pragma once

#include "services/storage/usage.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QLocale>

namespace Billing {

// Usage rollups as a table for the chart: one row per bucket (ascending time), column 0 the
// bucket start, then one column per meter (sum of quantity; 0 where a bucket has no events).
// Reloads on UsageReader::usageChanged and when the filters change.
class UsageSeriesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageSeriesModel)
public:
    enum Role { RawRole = Qt::UserRole + 1 }; // bucket start (QDateTime UTC) or quantity (qint64)
    enum Column { BucketStart, FirstMeter };

    explicit UsageSeriesModel(UsageReader *reader, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setCustomerId(const QString &customerId);
    void setGranularity(UsageGranularity granularity);
    void setRange(const QDateTime &fromUtc, const QDateTime &toUtc); // [from, to)
    const UsageSeriesQuery &query() const { return m_query; }
    void reload();

    QStringList meters() const { return m_meters; }
    QDateTime bucketStart(int row) const { return m_buckets.value(row); }
    qint64 quantity(int row, int meterIndex) const;
    qint64 total(int meterIndex) const;
    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_lastError; }
    void setLocale(const QLocale &locale) { m_locale = locale; }

Q_SIGNALS:
    void reloaded();
    void loadFailed(const QString &userMessage);

private:
    void apply(quint64 ticket, const QStringList &knownMeters, const QList<UsagePoint> &points);

    UsageReader *m_reader = nullptr;
    UsageSeriesQuery m_query;
    QLocale m_locale;
    quint64 m_ticket = 0;
    bool m_loading = false;
    QString m_lastError;
    QStringList m_meters;
    QList<QDateTime> m_buckets;
    QList<QList<qint64>> m_values; // [row][meter]
};

} // namespace Billing
