#include "models/alerttablemodel.h"

#include "models/formatting.h"
#include "services/budgets/thresholdevaluator.h"

namespace Billing {

AlertTableModel::AlertTableModel(QObject *parent) : QAbstractTableModel(parent) {}

int AlertTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AlertTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void AlertTableModel::setAlerts(const QList<BudgetAlert> &alerts, const QDateTime &now)
{
    beginResetModel();
    m_rows = alerts;
    m_now = now.isValid() ? now : QDateTime::currentDateTimeUtc();
    endResetModel();
}

void AlertTableModel::setCustomerNames(const QHash<QString, QString> &names)
{
    m_names = names;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, Customer), index(rowCount() - 1, Customer));
}

int AlertTableModel::rowOfId(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return i;
    }
    return -1;
}

QString AlertTableModel::customerName(const QString &customerId) const
{
    const QString name = m_names.value(customerId);
    return name.isEmpty() ? customerId : name;
}

QString AlertTableModel::amount(const BudgetAlert &a, qint64 value) const
{
    if (a.unit == BudgetUnit::Money)
        return Format::money(value, a.currency, m_locale);
    return m_locale.toString(value);
}

QString AlertTableModel::alertText(const BudgetAlert &a) const
{
    if (a.kind == AlertKind::Forecast)
        return tr("Forecast over budget");
    return tr("%1% of budget").arg(a.thresholdPercent);
}

QString AlertTableModel::spendText(const BudgetAlert &a) const
{
    const qint64 shown = a.kind == AlertKind::Forecast ? a.projected : a.spend;
    QString text = tr("%1 of %2").arg(amount(a, shown), amount(a, a.limit));
    if (a.unit == BudgetUnit::Units)
        text += QLatin1Char(' ') + a.meter;
    return text; // a forecast row shows the projection; its Alert column says so
}

QString AlertTableModel::kindKey(const BudgetAlert &a)
{
    if (a.kind == AlertKind::Forecast)
        return QStringLiteral("forecast");
    const bool acted = a.action != QLatin1String("notified");
    return a.thresholdPercent >= 100 && acted ? QStringLiteral("action") : QStringLiteral("threshold");
}

QString AlertTableModel::stateKey(const BudgetAlert &a) const
{
    if (a.acknowledgedAt.isValid())
        return QStringLiteral("acknowledged");
    if (a.isSnoozedAt(m_now))
        return QStringLiteral("snoozed");
    return QStringLiteral("open");
}

QString AlertTableModel::stateText(const BudgetAlert &a) const
{
    const QString key = stateKey(a);
    if (key == QLatin1String("acknowledged"))
        return tr("Acknowledged");
    if (key == QLatin1String("snoozed"))
        return tr("Snoozed to %1").arg(Format::date(a.snoozedUntil, m_locale));
    return tr("Open");
}

QVariant AlertTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BudgetAlert &a = m_rows.at(index.row());
    const int col = index.column();
    const int permille = ThresholdEvaluator::permilleUsed(a.kind == AlertKind::Forecast ? a.projected : a.spend, a.limit);
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Customer: return customerName(a.customerId);
        case Alert: return alertText(a);
        case Spend: return spendText(a);
        case Used: return QString(m_locale.toString(permille / 10) + QLatin1Char('%'));
        case When: return Format::date(a.triggeredAt, m_locale);
        case Action: return a.action;
        case State: return stateText(a);
        }
        break;
    case RawRole:
        switch (col) {
        case Customer: return customerName(a.customerId);
        case Alert: return a.kind == AlertKind::Forecast ? 1000 : a.thresholdPercent;
        case Spend: return a.kind == AlertKind::Forecast ? a.projected : a.spend;
        case Used: return permille;
        case When: return a.triggeredAt;
        case Action: return a.action;
        case State: return stateKey(a);
        }
        break;
    case Qt::TextAlignmentRole:
        if (col == Spend || col == Used)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == Customer)
            return QString(a.customerId + (a.subscriptionId.isEmpty() ? QString() : QStringLiteral(" · ") + a.subscriptionId));
        if (col == Spend || col == Alert)
            return a.note;
        if (col == When)
            return Format::dateTime(a.triggeredAt, m_locale);
        break;
    case IdRole: return a.id;
    case KindRole: return kindKey(a);
    case StateRole: return stateKey(a);
    case UsedPermilleRole: return permille;
    }
    return {};
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(((section == Spend || section == Used) ? Qt::AlignRight : Qt::AlignLeft)
                                   | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Customer: return tr("Customer");
    case Alert: return tr("Alert");
    case Spend: return tr("Spend vs budget");
    case Used: return tr("Used");
    case When: return tr("When");
    case Action: return tr("Action taken");
    case State: return tr("State");
    }
    return {};
}

AlertFilterProxyModel::AlertFilterProxyModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(AlertTableModel::RawRole);
}

void AlertFilterProxyModel::setKind(const QString &kind)
{
    if (kind == m_kind)
        return;
    m_kind = kind;
    invalidateFilter();
}

void AlertFilterProxyModel::setSearch(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_search)
        return;
    m_search = t;
    invalidateFilter();
}

bool AlertFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *m = qobject_cast<const AlertTableModel *>(sourceModel());
    if (!m || sourceParent.isValid())
        return true;
    const BudgetAlert &a = m->alertAt(sourceRow);
    if (!m_kind.isEmpty() && AlertTableModel::kindKey(a) != m_kind)
        return false;
    if (m_search.isEmpty())
        return true;
    for (const QString &s : {m->customerName(a.customerId), a.customerId, a.subscriptionId, a.meter, a.action}) {
        if (s.contains(m_search, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace Billing
