#pragma once

#include "services/storage/usage.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QLocale>

namespace Billing {

// Usage rollups as a table for the chart: one row per bucket (ascending time), column 0 the
// bucket start, then one column per series: a meter (usageSeriesKey: "api_calls", or
// "api_calls (Stripe)" for a Stripe meter) or, split by customer tier, a (meter, tier) pair.
// Quantities are sums, 0 where a bucket has no events.
//
// Real time: UsageReader::usageChanged (after usageChangedFrom, when the reader knows the earliest
// changed time) refreshes only the buckets from that time to the range's end: rows are updated
// (dataChanged) or inserted (rowsInserted) in place, never a model reset, and refreshed() follows.
// A new series, or filter changes, reload the whole range (reloaded()). Changes arriving while a
// query runs are coalesced into one refresh after it.
//
// Flags: a bucket in the future, or with a quantity above UsageAbsurdQuantity, is flagged
// (flag(row), tooltip and background on its cells); a series whose Stripe meter disappeared or was
// deactivated carries a notice (seriesNotice). The numbers are shown as stored, never dropped.
class UsageSeriesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageSeriesModel)
public:
    enum Role { RawRole = Qt::UserRole + 1, FlagRole }; // Raw: bucket start (QDateTime UTC) or quantity (qint64)
    enum Column { BucketStart, FirstMeter };
    enum class Breakdown { Meter, Tier };

    static constexpr qint64 UsageAbsurdQuantity = 1'000'000'000'000; // in one bucket of one series

    explicit UsageSeriesModel(UsageReader *reader, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setCustomerId(const QString &customerId);
    void setGranularity(UsageGranularity granularity);
    void setRange(const QDateTime &fromUtc, const QDateTime &toUtc); // [from, to)
    void setSource(const QString &source); // empty = both
    void setBreakdown(Breakdown breakdown);
    Breakdown breakdown() const { return m_breakdown; }
    // Customer -> tier name ("Starter", "Team", ...), for Breakdown::Tier; others count as
    // tr("No plan").
    void setCustomerTiers(const QHash<QString, QString> &tiers);
    void setMeterInfos(const QList<UsageMeterInfo> &infos);
    const UsageSeriesQuery &query() const { return m_query; }
    void reload();
    // Re-reads buckets from `fromUtc` (null: the whole range) and merges them in place.
    void refreshFrom(const QDateTime &fromUtc);

    QStringList meters() const { return m_meters; } // series names, one per column after the first
    QString seriesMeter(int meterIndex) const;      // the meter key of a series (without the tier)
    QString seriesGroup(int meterIndex) const;      // the tier of a series (Breakdown::Tier), else empty
    QString seriesNotice(int meterIndex) const;     // why a series is flagged, empty when fine
    QDateTime bucketStart(int row) const { return m_buckets.value(row); }
    qint64 quantity(int row, int meterIndex) const;
    qint64 total(int meterIndex) const;
    QString flag(int row) const { return m_flags.value(row); }
    int flaggedRows() const;
    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_lastError; }
    void setLocale(const QLocale &locale) { m_locale = locale; }
    QString bucketLabel(int row) const;
    // Refreshes done in place since the last reload (for tests and the status line).
    int refreshCount() const { return m_refreshes; }

Q_SIGNALS:
    void reloaded();
    void refreshed(int firstRow, int lastRow); // rows touched by an in-place refresh (may be empty: first > last)
    void loadFailed(const QString &userMessage);
    void flagsChanged(); // after the check for usage recorded after "now" changed some flags

private:
    struct Table
    {
        QStringList series;
        QList<QDateTime> buckets;
        QList<QList<qint64>> values;
    };
    Table tabulate(const QStringList &knownMeters, const QList<UsagePoint> &points) const;
    QString seriesName(const UsagePoint &p) const;
    void apply(const QStringList &knownMeters, const QList<UsagePoint> &points);
    void merge(const QDateTime &from, const QList<UsagePoint> &points);
    QString flagFor(int row) const;
    void startRefresh();
    void onUsageChangedFrom(const QDateTime &from);
    void onUsageChanged();
    void checkFuture();

    UsageReader *m_reader = nullptr;
    UsageSeriesQuery m_query;
    Breakdown m_breakdown = Breakdown::Meter;
    QHash<QString, QString> m_tiers;
    QHash<QString, QString> m_notices; // meter key -> notice
    QLocale m_locale;
    quint64 m_ticket = 0;
    bool m_loading = false;
    bool m_refreshing = false;
    bool m_refreshPending = false;
    QDateTime m_pendingFrom;   // earliest change not yet refreshed (null with m_pendingAll)
    bool m_pendingAll = false; // a change without a known time: refresh the whole range
    int m_refreshes = 0;
    QString m_lastError;
    QStringList m_meters;
    QList<QDateTime> m_buckets;
    QList<QList<qint64>> m_values; // [row][meter]
    QStringList m_flags;           // [row]
    QHash<QDateTime, qint64> m_future; // bucket -> units recorded after now inside it
};

} // namespace Billing
