#include "models/customertablemodel.h"

#include "models/formatting.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

namespace Billing {

namespace {
std::optional<CustomerQuery::SortKey> sortKeyFor(int column)
{
    switch (column) {
    case CustomerTableModel::Name: return CustomerQuery::SortKey::Name;
    case CustomerTableModel::Email: return CustomerQuery::SortKey::Email;
    case CustomerTableModel::Balance: return CustomerQuery::SortKey::Balance;
    case CustomerTableModel::Currency: return CustomerQuery::SortKey::Currency;
    case CustomerTableModel::Created: return CustomerQuery::SortKey::Created;
    case CustomerTableModel::Id: return CustomerQuery::SortKey::Id;
    default: return std::nullopt;
    }
}
} // namespace

CustomerTableModel::CustomerTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<Customer>(reader, QStringLiteral("customer"), parent)
{
    setInitialSort(Name, Qt::AscendingOrder);
}

int CustomerTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString CustomerTableModel::rowId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : QString();
}

QVariant CustomerTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Customer &c = m_rows.at(index.row());
    const int col = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Name: return c.name.isEmpty() ? tr("(no name)") : c.name;
        case Email: return c.email;
        case Status: return c.delinquent ? Format::statusLabel(QStringLiteral("delinquent")) : tr("Good standing");
        case Balance: return c.balanceMinor == 0 ? QString() : Format::money(c.balanceMinor, c.currency, locale()); // zero: blank, like Stripe
        case Currency: return c.currency.toUpper();
        case Country: return c.country;
        case Created: return Format::date(c.created, locale());
        case Id: return c.id;
        case Budget: return m_budgetUse.value(c.id).label;
        }
        break;
    case RawRole:
        switch (col) {
        case Name: return c.name;
        case Email: return c.email;
        case Status: return c.delinquent;
        case Balance: return c.balanceMinor;
        case Currency: return c.currency;
        case Country: return c.country;
        case Created: return c.created;
        case Id: return c.id;
        case Budget: return m_budgetUse.value(c.id).permille;
        }
        break;
    case Qt::TextAlignmentRole:
        if (col == Balance)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == Name || col == Email)
            return c.description.isEmpty() ? c.email : c.description;
        if (col == Budget)
            return m_budgetUse.value(c.id).toolTip;
        break;
    case IdRole: return c.id;
    case StatusRole: return col == Status ? (c.delinquent ? QStringLiteral("delinquent") : QStringLiteral("active")) : QVariant();
    case CurrencyRole: return c.currency.toUpper();
    }
    return {};
}

QVariant CustomerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((section == Balance ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Name");
    case Email: return tr("Email");
    case Status: return tr("Status");
    case Balance: return tr("Balance");
    case Currency: return tr("Currency");
    case Country: return tr("Country");
    case Created: return tr("Created");
    case Id: return tr("ID");
    case Budget: return tr("Budget");
    }
    return {};
}

void CustomerTableModel::setBudgetUse(const QHash<QString, BudgetUse> &use)
{
    m_budgetUse = use;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Budget), index(rowCount() - 1, Budget));
}

void CustomerTableModel::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_query.search)
        return;
    m_query.search = t;
    reload();
}

void CustomerTableModel::setDelinquentOnly(bool only)
{
    const std::optional<bool> v = only ? std::optional<bool>(true) : std::nullopt;
    if (v == m_query.delinquent)
        return;
    m_query.delinquent = v;
    reload();
}

void CustomerTableModel::setCurrency(const QString &isoCode)
{
    const QString c = isoCode.toLower();
    if (c == m_query.currency)
        return;
    m_query.currency = c;
    reload();
}

bool CustomerTableModel::isSortable(int column) const
{
    return sortKeyFor(column).has_value();
}

PageCursor CustomerTableModel::cursorFor(const Customer &c) const
{
    return cacheCursor(c, m_query.sortKey);
}

void CustomerTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit)
{
    m_query.sortKey = sortKeyFor(sortColumn()).value_or(CustomerQuery::SortKey::Name);
    m_query.order = sqlOrder();
    CustomerQuery q = m_query;
    q.after = after;
    q.limit = limit;
    reader()->customers(q, this, [this, ticket](Result<QList<Customer>> result) { deliver(ticket, std::move(result)); });
}

} // namespace Billing
