#include "models/catalogtablemodel.h"

#include "models/formatting.h"
#include "services/domain/currency.h"
#include "services/pricing/pricecalculator.h"

#include <QColor>

namespace Billing {

CatalogTableModel::CatalogTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void CatalogTableModel::setCatalog(const QList<Product> &products, const QList<Price> &prices)
{
    m_products.clear();
    for (const Product &p : products)
        m_products.insert(p.id, p);
    m_all = prices;
    rebuild();
}

void CatalogTableModel::setShowArchived(bool show)
{
    if (m_showArchived == show)
        return;
    m_showArchived = show;
    rebuild();
}

void CatalogTableModel::setSearchText(const QString &text)
{
    if (m_search == text.trimmed())
        return;
    m_search = text.trimmed();
    rebuild();
}

void CatalogTableModel::setLocale(const QLocale &locale)
{
    m_locale = locale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

bool CatalogTableModel::visible(const Price &price) const
{
    const Product product = m_products.value(price.productId);
    if (!m_showArchived && (!price.active || (!product.id.isEmpty() && !product.active)))
        return false;
    if (m_search.isEmpty())
        return true;
    for (const QString &field : {product.name, price.nickname, price.id, price.productId, price.lookupKey})
        if (field.contains(m_search, Qt::CaseInsensitive))
            return true;
    return false;
}

void CatalogTableModel::rebuild()
{
    beginResetModel();
    m_rows.clear();
    for (const Price &p : m_all)
        if (visible(p))
            m_rows << p;
    std::stable_sort(m_rows.begin(), m_rows.end(), [this](const Price &a, const Price &b) {
        const int byProduct = m_products.value(a.productId).name.compare(m_products.value(b.productId).name,
                                                                          Qt::CaseInsensitive);
        return byProduct < 0;
    });
    endResetModel();
}

int CatalogTableModel::rowOf(const QString &priceId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).id == priceId)
            return i;
    return -1;
}

int CatalogTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CatalogTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString CatalogTableModel::modelText(const Price &price)
{
    if (price.isTiered())
        return price.tiersMode == QLatin1String("volume") ? tr("Tiered, volume") : tr("Tiered, graduated");
    if (price.isPackage())
        return tr("Package of %1 (round %2)")
            .arg(price.transformQuantity.divideBy)
            .arg(price.transformQuantity.round == QLatin1String("up") ? tr("up") : tr("down"));
    if (price.usageType == QLatin1String("metered") || (!price.unitAmount && !price.unitAmountDecimal.isEmpty()))
        return tr("Per unit");
    return tr("Flat rate");
}

QString CatalogTableModel::unitAmountText(const QString &minorDecimal, const QString &currency, const QLocale &locale)
{
    const auto c = Currency::fromCode(currency);
    if (minorDecimal.isEmpty())
        return {};
    bool whole = false;
    const qint64 minor = minorDecimal.toLongLong(&whole);
    if (whole || !c)
        return whole ? Format::money(minor, currency, locale) : minorDecimal + QLatin1Char(' ') + currency.toUpper();
    // A fraction of a minor unit: the exact major-unit decimal, with the locale's decimal sign.
    QString major = PriceCalculator::minorDecimalToMajor(minorDecimal, c->exponent());
    major.replace(QLatin1Char('.'), locale.decimalPoint());
    return major + QChar(0x00a0) + c->code();
}

static QString unitDecimalOf(const std::optional<qint64> &integer, const QString &decimal)
{
    if (!decimal.isEmpty())
        return decimal;
    return integer ? QString::number(*integer) : QString();
}

QString CatalogTableModel::amountText(const Price &price, const QLocale &locale)
{
    if (price.isTiered()) {
        if (price.tiers.isEmpty())
            return tr("Tiered");
        const PriceTier &first = price.tiers.first();
        const QString unit = unitDecimalOf(first.unitAmount, first.unitAmountDecimal);
        const QString flat = unitDecimalOf(first.flatAmount, first.flatAmountDecimal);
        if (!unit.isEmpty() && unit != QLatin1String("0"))
            return tr("from %1 per unit").arg(unitAmountText(unit, price.currency, locale));
        if (!flat.isEmpty())
            return tr("from %1 flat").arg(unitAmountText(flat, price.currency, locale));
        return tr("Tiered");
    }
    const QString unit = unitDecimalOf(price.unitAmount, price.unitAmountDecimal);
    if (unit.isEmpty())
        return {};
    if (price.isPackage())
        return tr("%1 per %2 units").arg(unitAmountText(unit, price.currency, locale)).arg(price.transformQuantity.divideBy);
    if (modelText(price) == tr("Per unit"))
        return tr("%1 per unit").arg(unitAmountText(unit, price.currency, locale));
    return unitAmountText(unit, price.currency, locale);
}

QString CatalogTableModel::currenciesText(const Price &price)
{
    QStringList codes = PriceCalculator::currencies(price);
    for (QString &c : codes)
        c = c.toUpper();
    return codes.join(QStringLiteral(", "));
}

QVariant CatalogTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Price &p = m_rows.at(index.row());
    const Product product = m_products.value(p.productId);
    if (role == IdRole)
        return p.id;
    if (role == ActiveRole)
        return p.active && product.active;
    if (role == StatusRole)
        return index.column() == Status ? QVariant(p.active && product.active ? QStringLiteral("active") : QStringLiteral("void"))
                                        : QVariant();
    if (role == Qt::ForegroundRole && !(p.active && product.active))
        return QColor(0x6b, 0x72, 0x80);
    if (role == Qt::TextAlignmentRole && index.column() == Amount)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == PriceName)
        return p.lookupKey.isEmpty() ? p.id : tr("%1 (lookup key %2)").arg(p.id, p.lookupKey);
    if (role != Qt::DisplayRole && role != RawRole)
        return {};
    const bool raw = role == RawRole;
    switch (Column(index.column())) {
    case ProductName:
        return product.name.isEmpty() ? p.productId : product.name;
    case PriceName:
        return p.nickname.isEmpty() ? p.id : p.nickname;
    case Model:
        return modelText(p);
    case Amount:
        if (raw) {
            if (p.isTiered() && !p.tiers.isEmpty())
                return p.tiers.first().unitAmount.value_or(p.tiers.first().flatAmount.value_or(0));
            return p.unitAmount.value_or(0);
        }
        return amountText(p, m_locale);
    case Currencies:
        return currenciesText(p);
    case Interval:
        if (p.type == QLatin1String("recurring") || !p.interval.isEmpty())
            return QString(tr("Every %1").arg(Format::interval(p.interval, qMax(1, p.intervalCount)))
                           + (p.usageType == QLatin1String("metered") ? tr(", metered") : QString()));
        return tr("One time");
    case Status:
        if (!product.id.isEmpty() && !product.active)
            return tr("Product archived");
        return p.active ? tr("Active") : tr("Archived");
    case Id:
        return p.id;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant CatalogTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case ProductName: return tr("Product");
    case PriceName: return tr("Price");
    case Model: return tr("Pricing model");
    case Amount: return tr("Amount");
    case Currencies: return tr("Currencies");
    case Interval: return tr("Billing");
    case Status: return tr("Status");
    case Id: return tr("ID");
    case ColumnCount: break;
    }
    return {};
}

} // namespace Billing
