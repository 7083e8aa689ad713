#include "models/invoicetablemodel.h"

#include "models/formatting.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

namespace Billing {

namespace {
std::optional<InvoiceQuery::SortKey> sortKeyFor(int column)
{
    using K = InvoiceQuery::SortKey;
    switch (column) {
    case InvoiceTableModel::Number: return K::Number;
    case InvoiceTableModel::Customer: return K::Customer;
    case InvoiceTableModel::Status: return K::Status;
    case InvoiceTableModel::Total: return K::Total;
    case InvoiceTableModel::AmountDue: return K::AmountDue;
    case InvoiceTableModel::AmountRemaining: return K::AmountRemaining;
    case InvoiceTableModel::Created: return K::Created;
    case InvoiceTableModel::DueDate: return K::DueDate;
    case InvoiceTableModel::Id: return K::Id;
    default: return std::nullopt;
    }
}

bool isAmount(int column)
{
    return column == InvoiceTableModel::Total || column == InvoiceTableModel::AmountDue
        || column == InvoiceTableModel::AmountRemaining;
}
} // namespace

InvoiceTableModel::InvoiceTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<InvoiceRow>(reader, QStringLiteral("invoice"), parent)
{
    setInitialSort(Created, Qt::DescendingOrder);
}

int InvoiceTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString InvoiceTableModel::rowId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).invoice.id : QString();
}

QVariant InvoiceTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InvoiceRow &r = m_rows.at(index.row());
    const Invoice &i = r.invoice;
    const int col = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Number: return i.number.isEmpty() ? tr("(draft)") : i.number;
        case Customer: return r.customerName.isEmpty() ? r.customerEmail : r.customerName;
        case Status: return Format::statusLabel(i.status);
        case Total: return Format::money(i.totalMinor, i.currency, locale());
        case AmountDue: return Format::money(i.amountDueMinor, i.currency, locale());
        case AmountRemaining: return Format::money(i.amountRemainingMinor, i.currency, locale());
        case Currency: return i.currency.toUpper();
        case Created: return Format::date(i.created, locale());
        case DueDate: return Format::date(i.dueDate, locale());
        case Id: return i.id;
        }
        break;
    case RawRole:
        switch (col) {
        case Number: return i.number;
        case Customer: return r.customerName;
        case Status: return i.status;
        case Total: return i.totalMinor;
        case AmountDue: return i.amountDueMinor;
        case AmountRemaining: return i.amountRemainingMinor;
        case Currency: return i.currency;
        case Created: return i.created;
        case DueDate: return i.dueDate;
        case Id: return i.id;
        }
        break;
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((isAmount(col) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == Customer)
            return r.customerEmail;
        break;
    case IdRole: return i.id;
    case StatusRole: return col == Status ? QVariant(i.status) : QVariant();
    case CurrencyRole: return i.currency.toUpper();
    }
    return {};
}

QVariant InvoiceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((isAmount(section) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Number: return tr("Number");
    case Customer: return tr("Customer");
    case Status: return tr("Status");
    case Total: return tr("Total");
    case AmountDue: return tr("Amount due");
    case AmountRemaining: return tr("Remaining");
    case Currency: return tr("Currency");
    case Created: return tr("Created");
    case DueDate: return tr("Due");
    case Id: return tr("ID");
    }
    return {};
}

void InvoiceTableModel::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_query.search)
        return;
    m_query.search = t;
    reload();
}

void InvoiceTableModel::setStatuses(const QStringList &statuses)
{
    if (statuses == m_query.statuses)
        return;
    m_query.statuses = statuses;
    reload();
}

void InvoiceTableModel::setCurrency(const QString &isoCode)
{
    const QString c = isoCode.toLower();
    if (c == m_query.currency)
        return;
    m_query.currency = c;
    reload();
}

void InvoiceTableModel::setCustomerId(const QString &customerId)
{
    if (customerId == m_query.customerId)
        return;
    m_query.customerId = customerId;
    reload();
}

void InvoiceTableModel::setCreatedRange(std::optional<QDate> from, std::optional<QDate> to)
{
    if (from == m_query.createdFrom && to == m_query.createdTo)
        return;
    m_query.createdFrom = from;
    m_query.createdTo = to;
    reload();
}

void InvoiceTableModel::setOverdueAt(std::optional<QDateTime> at)
{
    if (at == m_query.overdueAt)
        return;
    m_query.overdueAt = at;
    reload();
}

InvoiceQuery InvoiceTableModel::filterQuery() const
{
    InvoiceQuery q = m_query;
    q.after.reset();
    return q;
}

bool InvoiceTableModel::isSortable(int column) const
{
    return sortKeyFor(column).has_value();
}

PageCursor InvoiceTableModel::cursorFor(const InvoiceRow &row) const
{
    return cacheCursor(row, m_query.sortKey);
}

void InvoiceTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit)
{
    m_query.sortKey = sortKeyFor(sortColumn()).value_or(InvoiceQuery::SortKey::Created);
    m_query.order = sqlOrder();
    InvoiceQuery q = m_query;
    q.after = after;
    q.limit = limit;
    reader()->invoices(q, this, [this, ticket](Result<QList<InvoiceRow>> result) { deliver(ticket, std::move(result)); });
}

} // namespace Billing
