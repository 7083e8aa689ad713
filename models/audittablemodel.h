#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QAbstractTableModel>
#include <QLocale>

#include <functional>

namespace Billing {

class AsyncBillingDatabase;

// The append-only audit log of the billing database, newest first, read-only. Keyset pages on id
// (AuditQuery::beforeId) fetched lazily; the filters (actor, operation, target, date range) are
// done in SQL. One request in flight at a time; answers of superseded requests are dropped.
class AuditTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditTableModel)
public:
    enum Column { When, Actor, Operation, Target, Outcome, IdempotencyKey, ColumnCount };
    enum Role { RawRole = Qt::UserRole + 1, IdRole, StatusRole };

    explicit AuditTableModel(AsyncBillingDatabase *db = nullptr, QObject *parent = nullptr);

    void setDatabase(AsyncBillingDatabase *db);
    AsyncBillingDatabase *database() const { return m_db; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    const AuditEntry &rowAt(int row) const { return m_rows.at(row); }
    int rowOfId(qint64 id) const;

    // Filters (empty / invalid = any); each reloads the first page.
    void setActor(const QString &actor);
    void setOperation(const QString &operation);
    void setTarget(const QString &targetType, const QString &targetId);
    void setRange(const QDateTime &fromUtc, const QDateTime &toUtc); // [from, to)
    // All filters at once (its beforeId and limit are ignored): one reload.
    void setFilter(const AuditQuery &filter);
    AuditQuery filterQuery() const { return m_filter; }

    // Replaces the rows with the first page (at least as many rows as loaded when keepLoadedCount).
    void reload(bool keepLoadedCount = false);
    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows) { m_pageSize = qBound(1, rows, 1000); }
    bool isLoading() const { return m_inFlight; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }
    void setLocale(const QLocale &locale) { m_locale = locale; }

    // Every row that matches the filters (not only the loaded ones) as CSV (RFC 4180, UTF-8, ISO
    // dates in UTC), written on the database's worker thread; done gets the number of rows.
    void exportCsv(const QString &filePath, QObject *context, std::function<void(Result<int>)> done) const;
    static QString csvHeader();
    static QString csvLine(const AuditEntry &entry);

    // "ok", "refused", "error", "pending"/"requested": the chip kind of a result text.
    static QString resultKind(const QString &result);

Q_SIGNALS:
    void reloaded();
    void loadingChanged(bool loading);
    void loadFailed(const QString &userMessage);

private:
    void request(bool reset, int limit);

    AsyncBillingDatabase *m_db = nullptr;
    AuditQuery m_filter;
    QList<AuditEntry> m_rows;
    QLocale m_locale;
    int m_pageSize = 100;
    quint64 m_ticket = 0;
    bool m_inFlight = false;
    bool m_hasMore = true;
    bool m_loadedOnce = false;
    QString m_lastError;
};

} // namespace Billing
