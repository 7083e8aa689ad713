#include "models/subscriptiontablemodel.h"

#include "models/formatting.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

namespace Billing {

namespace {
std::optional<SubscriptionQuery::SortKey> sortKeyFor(int column)
{
    using K = SubscriptionQuery::SortKey;
    switch (column) {
    case SubscriptionTableModel::Customer: return K::Customer;
    case SubscriptionTableModel::Plan: return K::Plan;
    case SubscriptionTableModel::Status: return K::Status;
    case SubscriptionTableModel::Amount: return K::Amount;
    case SubscriptionTableModel::PeriodEnd: return K::PeriodEnd;
    case SubscriptionTableModel::TrialEnd: return K::TrialEnd;
    case SubscriptionTableModel::Created: return K::Created;
    case SubscriptionTableModel::Id: return K::Id;
    default: return std::nullopt;
    }
}
} // namespace

SubscriptionTableModel::SubscriptionTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<SubscriptionRow>(reader, QStringLiteral("subscription"), parent)
{
    setInitialSort(Created, Qt::DescendingOrder);
}

int SubscriptionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SubscriptionTableModel::rowId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).subscription.id : QString();
}

QVariant SubscriptionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SubscriptionRow &r = m_rows.at(index.row());
    const Subscription &s = r.subscription;
    const int col = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Customer: return r.customerName.isEmpty() ? r.customerEmail : r.customerName;
        case Plan: return r.planName;
        case Status: return Format::statusLabel(s.status);
        case Amount: {
            const QString amount = Format::money(r.amountMinor, s.currency, locale());
            const QString per = Format::interval(r.interval, r.intervalCount);
            return per.isEmpty() ? amount : tr("%1 / %2").arg(amount, per);
        }
        case PeriodEnd: return Format::date(s.currentPeriodEnd(), locale());
        case TrialEnd: return Format::date(s.trialEnd, locale());
        case Created: return Format::date(s.created, locale());
        case Id: return s.id;
        }
        break;
    case RawRole:
        switch (col) {
        case Customer: return r.customerName;
        case Plan: return r.planName;
        case Status: return s.status;
        case Amount: return r.amountMinor;
        case PeriodEnd: return s.currentPeriodEnd();
        case TrialEnd: return s.trialEnd;
        case Created: return s.created;
        case Id: return s.id;
        }
        break;
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((col == Amount ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == Customer)
            return r.customerEmail;
        if (col == Status && s.cancelAtPeriodEnd)
            return tr("Cancels at the end of the period");
        break;
    case IdRole: return s.id;
    case StatusRole: return col == Status ? QVariant(s.status) : QVariant();
    case CurrencyRole: return s.currency.toUpper();
    }
    return {};
}

QVariant SubscriptionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((section == Amount ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Customer: return tr("Customer");
    case Plan: return tr("Plan");
    case Status: return tr("Status");
    case Amount: return tr("Amount");
    case PeriodEnd: return tr("Period ends");
    case TrialEnd: return tr("Trial ends");
    case Created: return tr("Created");
    case Id: return tr("ID");
    }
    return {};
}

void SubscriptionTableModel::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_query.search)
        return;
    m_query.search = t;
    reload();
}

void SubscriptionTableModel::setStatuses(const QStringList &statuses)
{
    if (statuses == m_query.statuses)
        return;
    m_query.statuses = statuses;
    reload();
}

void SubscriptionTableModel::setCurrency(const QString &isoCode)
{
    const QString c = isoCode.toLower();
    if (c == m_query.currency)
        return;
    m_query.currency = c;
    reload();
}

void SubscriptionTableModel::setCustomerId(const QString &customerId)
{
    if (customerId == m_query.customerId)
        return;
    m_query.customerId = customerId;
    reload();
}

void SubscriptionTableModel::setTrialsEndingWithinDays(int days)
{
    days = qMax(0, days);
    if (days == m_trialDays)
        return;
    m_trialDays = days;
    reload();
}

void SubscriptionTableModel::setReferenceTime(const QDateTime &utc)
{
    m_referenceTime = utc;
}

bool SubscriptionTableModel::isSortable(int column) const
{
    return sortKeyFor(column).has_value();
}

PageCursor SubscriptionTableModel::cursorFor(const SubscriptionRow &r) const
{
    return cacheCursor(r, m_query.sortKey);
}

void SubscriptionTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit)
{
    m_query.sortKey = sortKeyFor(sortColumn()).value_or(SubscriptionQuery::SortKey::Created);
    m_query.order = sqlOrder();
    if (m_trialDays > 0) {
        const QDateTime now = m_referenceTime.isValid() ? m_referenceTime : QDateTime::currentDateTimeUtc();
        m_query.trialEndingBefore = now.addDays(m_trialDays);
    } else {
        m_query.trialEndingBefore.reset();
    }
    SubscriptionQuery q = m_query;
    q.after = after;
    q.limit = limit;
    reader()->subscriptions(q, this, [this, ticket](Result<QList<SubscriptionRow>> result) {
        deliver(ticket, std::move(result));
    });
}

} // namespace Billing
