#include "models/coupontablemodel.h"

#include "models/formatting.h"

#include <QColor>

namespace Billing {

CouponTableModel::CouponTableModel(QObject *parent) : QAbstractTableModel(parent) {}

CouponTableModel::~CouponTableModel() = default;

void CouponTableModel::setCoupons(const QList<Coupon> &coupons)
{
    beginResetModel();
    m_rows = coupons;
    endResetModel();
}

const Coupon *CouponTableModel::couponAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

void CouponTableModel::setLocale(const QLocale &locale)
{
    beginResetModel();
    m_locale = locale;
    endResetModel();
}

QString CouponTableModel::offText(const Coupon &c, const QLocale &locale)
{
    if (!c.percentOff.isEmpty())
        return c.percentOff + QLatin1Char('%');
    if (!c.amountOff)
        return {};
    QStringList parts{Format::money(*c.amountOff, c.currency, locale)};
    for (auto it = c.currencyOptionsAmountOff.cbegin(); it != c.currencyOptionsAmountOff.cend(); ++it)
        parts << Format::money(it.value(), it.key(), locale);
    return parts.join(QStringLiteral(" · "));
}

QString CouponTableModel::durationText(const Coupon &c)
{
    if (c.duration == QLatin1String("repeating"))
        return c.durationInMonths.value_or(0) == 1 ? tr("1 month") : tr("%1 months").arg(c.durationInMonths.value_or(0));
    if (c.duration == QLatin1String("forever"))
        return tr("Forever");
    return tr("Once");
}

QString CouponTableModel::redeemedText(int times, const std::optional<int> &max)
{
    return max ? QStringLiteral("%1 / %2").arg(times).arg(*max) : QString::number(times);
}

int CouponTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int CouponTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CouponTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Coupon &c = m_rows[index.row()];
    const bool usedUp = c.maxRedemptions && c.timesRedeemed >= *c.maxRedemptions;
    if (role == IdRole)
        return c.id;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return c.name.isEmpty() ? c.id : c.name;
        case Id: return c.id;
        case Off: return offText(c, m_locale);
        case Duration: return durationText(c);
        case Redeemed: return redeemedText(c.timesRedeemed, c.maxRedemptions);
        case RedeemBy: return Format::date(c.redeemBy, m_locale);
        case Status: return usedUp ? tr("Used up") : !c.valid ? tr("Expired") : tr("Active");
        }
    }
    if (role == RawRole) {
        switch (index.column()) {
        case Name: return c.name.toLower();
        case Id: return c.id;
        case Off: return c.percentOff.isEmpty() ? QVariant(c.amountOff.value_or(0)) : QVariant(c.percentOff);
        case Duration: return c.durationInMonths.value_or(c.duration == QLatin1String("forever") ? 1000 : 0);
        case Redeemed: return c.timesRedeemed;
        case RedeemBy: return c.redeemBy;
        case Status: return c.valid && !usedUp;
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Off || index.column() == Redeemed))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Status && (!c.valid || usedUp))
        return QColor(QStringLiteral("#b3261e"));
    return {};
}

QVariant CouponTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Coupon");
    case Id: return tr("ID");
    case Off: return tr("Off");
    case Duration: return tr("Duration");
    case Redeemed: return tr("Redeemed");
    case RedeemBy: return tr("Redeem by");
    case Status: return tr("Status");
    }
    return {};
}

} // namespace Billing
