#include "models/pagedtablemodel.h"

#include "services/storage/cachereader.h"

namespace Billing {

PagedTableModel::PagedTableModel(CacheReader *reader, QString objectType, QObject *parent)
    : QAbstractTableModel(parent), m_reader(reader), m_objectType(std::move(objectType))
{
    if (m_reader) {
        connect(m_reader, &CacheReader::changed, this, [this](const QString &type, const QStringList &) {
            if (type == m_objectType)
                reload(true);
        });
    }
}

int PagedTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : storedRowCount();
}

bool PagedTableModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_reader)
        return false;
    if (!m_loadedOnce)
        return !m_requestInFlight; // the first page is fetched lazily, like any other
    return m_hasMore && !m_requestInFlight;
}

void PagedTableModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return; // a request is in flight (views and QAbstractItemModelTester call this repeatedly)
    startRequest(!m_loadedOnce, m_pageSize);
}

void PagedTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= columnCount() || !isSortable(column))
        return;
    if (column == m_sortColumn && order == m_sortOrder && m_loadedOnce)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    reload(false);
}

void PagedTableModel::reload(bool keepLoadedCount)
{
    if (!m_reader)
        return;
    int limit = m_pageSize;
    if (keepLoadedCount)
        limit = qMax(limit, storedRowCount());
    startRequest(true, limit);
}

void PagedTableModel::setPageSize(int rows)
{
    m_pageSize = qBound(1, rows, 100000);
}

void PagedTableModel::setLocale(const QLocale &locale)
{
    m_locale = locale;
    if (storedRowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(storedRowCount() - 1, columnCount() - 1), {Qt::DisplayRole});
}

int PagedTableModel::rowOfId(const QString &id) const
{
    if (id.isEmpty())
        return -1;
    for (int r = 0; r < storedRowCount(); ++r) {
        if (rowId(r) == id)
            return r;
    }
    return -1;
}

void PagedTableModel::startRequest(bool reset, int limit)
{
    ++m_ticket; // supersedes whatever is in flight
    m_requestIsReset = reset;
    m_requestLimit = limit;
    setInFlight(true);
    const std::optional<PageCursor> after = reset ? std::nullopt : cursorAfterLastRow();
    requestPage(m_ticket, after, limit);
}

void PagedTableModel::pageApplied(bool hasMore)
{
    const bool wasReset = m_requestIsReset;
    m_hasMore = hasMore;
    m_loadedOnce = true;
    m_lastError.clear();
    setInFlight(false);
    if (wasReset)
        Q_EMIT reloaded();
}

void PagedTableModel::pageFailed(const QString &userMessage)
{
    m_lastError = userMessage;
    m_hasMore = false; // do not hammer a failing reader; the next reload() tries again
    m_loadedOnce = true;
    setInFlight(false);
    Q_EMIT loadFailed(userMessage);
}

void PagedTableModel::setInFlight(bool inFlight)
{
    if (m_requestInFlight == inFlight)
        return;
    m_requestInFlight = inFlight;
    Q_EMIT loadingChanged(inFlight);
}

} // namespace Billing
