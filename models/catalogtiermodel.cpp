#include "models/catalogtiermodel.h"

#include "models/catalogtablemodel.h"
#include "services/pricing/pricecalculator.h"

namespace Billing {

CatalogTierModel::CatalogTierModel(QObject *parent) : QAbstractTableModel(parent) {}

void CatalogTierModel::setPrice(const Price &price, const QString &currency)
{
    beginResetModel();
    m_tiers.clear();
    m_currency = currency.toLower();
    if (price.isTiered()) {
        const auto resolved = PriceCalculator::inCurrency(price, m_currency);
        if (resolved)
            m_tiers = resolved->tiers;
    }
    endResetModel();
}

void CatalogTierModel::setLocale(const QLocale &locale)
{
    beginResetModel();
    m_locale = locale;
    endResetModel();
}

int CatalogTierModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_tiers.size());
}

int CatalogTierModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogTierModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_tiers.size())
        return {};
    const PriceTier &t = m_tiers.at(index.row());
    const qint64 first = index.row() == 0 ? 1 : m_tiers.at(index.row() - 1).upTo.value_or(0) + 1;
    if (role == Qt::TextAlignmentRole)
        return QVariant((index.column() == Tier ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    const auto decimal = [](const std::optional<qint64> &i, const QString &d) {
        return !d.isEmpty() ? d : (i ? QString::number(*i) : QString());
    };
    if (role == RawRole) {
        switch (Column(index.column())) {
        case Tier: return index.row() + 1;
        case FirstUnit: return first;
        case LastUnit: return t.upTo ? QVariant(*t.upTo) : QVariant();
        case UnitPrice: return decimal(t.unitAmount, t.unitAmountDecimal);
        case FlatFee: return decimal(t.flatAmount, t.flatAmountDecimal);
        case ColumnCount: break;
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Tier:
        return tr("Tier %1").arg(index.row() + 1);
    case FirstUnit:
        return m_locale.toString(first);
    case LastUnit:
        return t.upTo ? m_locale.toString(*t.upTo) : tr("and above");
    case UnitPrice: {
        const QString d = decimal(t.unitAmount, t.unitAmountDecimal);
        return d.isEmpty() ? QStringLiteral("-") : CatalogTableModel::unitAmountText(d, m_currency, m_locale);
    }
    case FlatFee: {
        const QString d = decimal(t.flatAmount, t.flatAmountDecimal);
        return d.isEmpty() ? QStringLiteral("-") : CatalogTableModel::unitAmountText(d, m_currency, m_locale);
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant CatalogTierModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Tier: return tr("Tier");
    case FirstUnit: return tr("From unit");
    case LastUnit: return tr("To unit");
    case UnitPrice: return tr("Per unit");
    case FlatFee: return tr("Flat fee");
    case ColumnCount: break;
    }
    return {};
}

} // namespace Billing
