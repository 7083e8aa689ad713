#include "models/dunningtablemodel.h"

#include "models/formatting.h"
#include "models/invoicetablemodel.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

namespace Billing {

namespace {
std::optional<InvoiceQuery::SortKey> sortKeyFor(int column)
{
    using K = InvoiceQuery::SortKey;
    switch (column) {
    case DunningTableModel::Customer: return K::Customer;
    case DunningTableModel::Number: return K::Number;
    case DunningTableModel::AmountRemaining: return K::AmountRemaining;
    case DunningTableModel::Attempts: return K::Attempts;
    case DunningTableModel::NextAttempt: return K::NextAttempt;
    case DunningTableModel::DaysOverdue: return K::Created; // older = more days overdue (order inverted)
    default: return std::nullopt;
    }
}

bool rightAligned(int column)
{
    return column == DunningTableModel::AmountRemaining || column == DunningTableModel::Attempts
        || column == DunningTableModel::DaysOverdue;
}
} // namespace

DunningTableModel::DunningTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<InvoiceRow>(reader, QStringLiteral("invoice"), parent)
{
    m_query.onlyFailedPayments = true;
    setInitialSort(DaysOverdue, Qt::DescendingOrder);
}

int DunningTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString DunningTableModel::rowId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).invoice.id : QString();
}

int DunningTableModel::daysOverdue(const Invoice &invoice) const
{
    const QDateTime due = invoice.dueDate.isValid() ? invoice.dueDate : invoice.created;
    if (!due.isValid())
        return 0;
    const QDateTime now = m_referenceTime.isValid() ? m_referenceTime : QDateTime::currentDateTimeUtc();
    return int(qMax<qint64>(0, due.secsTo(now) / 86400));
}

QVariant DunningTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InvoiceRow &r = m_rows.at(index.row());
    const Invoice &i = r.invoice;
    const int col = index.column();
    const QString code = r.declineCode.isEmpty() ? r.failureCode : r.declineCode;
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Customer: return r.customerName.isEmpty() ? r.customerEmail : r.customerName;
        case Number: return i.number;
        case AmountRemaining: return Format::money(i.amountRemainingMinor, i.currency, locale());
        case Currency: return i.currency.toUpper();
        case DeclineCode: return code;
        case Meaning: return Format::declineMeaning(code);
        case Attempts: return locale().toString(i.attemptCount);
        case NextAttempt: return i.nextPaymentAttempt.isValid() ? Format::date(i.nextPaymentAttempt, locale()) : tr("None");
        case DaysOverdue: return locale().toString(daysOverdue(i));
        }
        break;
    case RawRole:
        switch (col) {
        case Customer: return r.customerName;
        case Number: return i.number;
        case AmountRemaining: return i.amountRemainingMinor;
        case Currency: return i.currency;
        case DeclineCode: return code;
        case Meaning: return code;
        case Attempts: return i.attemptCount;
        case NextAttempt: return i.nextPaymentAttempt;
        case DaysOverdue: return daysOverdue(i);
        }
        break;
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((rightAligned(col) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == DeclineCode || col == Meaning)
            return r.failureMessage;
        if (col == Customer)
            return r.customerEmail;
        break;
    case IdRole: return i.id;
    case StatusRole: return col == DeclineCode ? QVariant(QStringLiteral("failed")) : QVariant();
    case CurrencyRole: return i.currency.toUpper();
    }
    return {};
}

QVariant DunningTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((rightAligned(section) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Customer: return tr("Customer");
    case Number: return tr("Invoice");
    case AmountRemaining: return tr("Remaining");
    case Currency: return tr("Currency");
    case DeclineCode: return tr("Decline code");
    case Meaning: return tr("Meaning");
    case Attempts: return tr("Attempts");
    case NextAttempt: return tr("Next attempt");
    case DaysOverdue: return tr("Days overdue");
    }
    return {};
}

void DunningTableModel::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_query.search)
        return;
    m_query.search = t;
    reload();
}

void DunningTableModel::setCurrency(const QString &isoCode)
{
    const QString c = isoCode.toLower();
    if (c == m_query.currency)
        return;
    m_query.currency = c;
    reload();
}

void DunningTableModel::setReferenceTime(const QDateTime &utc)
{
    m_referenceTime = utc;
}

InvoiceQuery DunningTableModel::filterQuery() const
{
    InvoiceQuery q = m_query;
    q.after.reset();
    return q;
}

bool DunningTableModel::isSortable(int column) const
{
    return sortKeyFor(column).has_value();
}

PageCursor DunningTableModel::cursorFor(const InvoiceRow &row) const
{
    return cacheCursor(row, m_query.sortKey);
}

void DunningTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit)
{
    m_query.sortKey = sortKeyFor(sortColumn()).value_or(InvoiceQuery::SortKey::Created);
    SortOrder order = sqlOrder();
    if (sortColumn() == DaysOverdue)
        order = order == SortOrder::Ascending ? SortOrder::Descending : SortOrder::Ascending;
    m_query.order = order;
    InvoiceQuery q = m_query;
    q.after = after;
    q.limit = limit;
    reader()->invoices(q, this, [this, ticket](Result<QList<InvoiceRow>> result) { deliver(ticket, std::move(result)); });
}

} // namespace Billing
