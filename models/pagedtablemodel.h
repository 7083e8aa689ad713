#pragma once

#include "services/domain/result.h"
#include "services/storage/cachequeries.h"

#include <QAbstractTableModel>
#include <QLocale>

#include <optional>

namespace Billing {

class CacheReader;

// Base of the cache-backed table models: lazy keyset pages through CacheReader, one request in
// flight at a time, reload on filter/sort changes and on CacheReader::changed for its object type.
// Subclasses hold typed rows and build the query; answers of superseded requests are dropped.
class PagedTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PagedTableModel)
public:
    enum Role {
        RawRole = Qt::UserRole + 1, // minor units (qint64), QDateTime (UTC) or raw strings, for sorting
        IdRole,                     // the Stripe id of the row's object
        StatusRole,                 // raw status string of the row (chips), when the row has one
        CurrencyRole,               // ISO code of the row's amounts, upper case
    };

    PagedTableModel(CacheReader *reader, QString objectType, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // Replaces the rows with the first page of the current query (keeps at least as many rows as
    // are loaded now when keepLoadedCount, so a selected row stays reachable).
    void reload(bool keepLoadedCount = false);

    bool isLoading() const { return m_requestInFlight; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }
    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows);
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    void setLocale(const QLocale &locale);
    QLocale locale() const { return m_locale; }

    // Stripe id of a row, and the row of an id (-1 when not loaded).
    virtual QString rowId(int row) const = 0;
    int rowOfId(const QString &id) const;

Q_SIGNALS:
    void loadingChanged(bool loading);
    void reloaded();               // rows replaced by a fresh first page (after reload())
    void loadFailed(const QString &userMessage);

protected:
    // Ask the reader for a page: after = cursor of the last loaded row (nullopt for the first page).
    // The handler hands the answer to TypedPagedModel::deliver() with the same ticket.
    virtual void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) = 0;
    // Whether a column can be sorted in SQL; sort() ignores other columns.
    virtual bool isSortable(int column) const = 0;
    virtual int storedRowCount() const = 0;
    virtual std::optional<PageCursor> cursorAfterLastRow() const = 0;

    bool isCurrent(quint64 ticket) const { return m_requestInFlight && ticket == m_ticket; }
    bool currentRequestIsReset() const { return m_requestIsReset; }
    int currentRequestLimit() const { return m_requestLimit; }
    void pageApplied(bool hasMore);
    void pageFailed(const QString &userMessage);

    CacheReader *reader() const { return m_reader; }
    SortOrder sqlOrder() const { return m_sortOrder == Qt::AscendingOrder ? SortOrder::Ascending : SortOrder::Descending; }
    void setInitialSort(int column, Qt::SortOrder order) { m_sortColumn = column; m_sortOrder = order; }

private:
    void startRequest(bool reset, int limit);
    void setInFlight(bool inFlight);

    CacheReader *m_reader = nullptr;
    QString m_objectType;
    QLocale m_locale;
    int m_pageSize = 200;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    quint64 m_ticket = 0;
    bool m_requestInFlight = false;
    bool m_requestIsReset = false;
    int m_requestLimit = 0;
    bool m_hasMore = true;
    bool m_loadedOnce = false;
    QString m_lastError;
};

// Typed storage for the rows of a PagedTableModel.
template <typename Row>
class TypedPagedModel : public PagedTableModel
{
public:
    using PagedTableModel::PagedTableModel;

    const Row &rowAt(int row) const { return m_rows.at(row); }
    const QList<Row> &rows() const { return m_rows; }

protected:
    int storedRowCount() const override { return int(m_rows.size()); }
    std::optional<PageCursor> cursorAfterLastRow() const override
    {
        if (m_rows.isEmpty())
            return std::nullopt;
        return cursorFor(m_rows.last());
    }
    // The keyset cursor after a row: the value of the current SQL sort key and the row's id.
    virtual PageCursor cursorFor(const Row &row) const = 0;

    // Applies an answer of the reader; answers of superseded requests are dropped. hasMore: whether
    // a next page may exist (default: the answer filled the request's limit).
    void deliver(quint64 ticket, Result<QList<Row>> result, std::optional<bool> hasMore = std::nullopt)
    {
        if (!isCurrent(ticket))
            return;
        if (!result.ok()) {
            pageFailed(result.error().userMessage);
            return;
        }
        QList<Row> rows = std::move(result).value();
        const bool more = hasMore.value_or(rows.size() >= currentRequestLimit());
        if (currentRequestIsReset()) {
            beginResetModel();
            m_rows = std::move(rows);
            endResetModel();
        } else if (!rows.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + rows.size() - 1));
            m_rows.append(std::move(rows));
            endInsertRows();
        }
        pageApplied(more);
    }

    QList<Row> m_rows;
};

} // namespace Billing
