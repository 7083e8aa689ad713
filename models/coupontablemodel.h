#pragma once

#include "services/domain/promotion.h"

#include <QAbstractTableModel>
#include <QList>
#include <QLocale>

namespace Billing {

// Coupons as Stripe lists them: name, id, what comes off (percent, or amount per currency),
// duration, redemptions against the maximum, redeem-by date, whether Stripe still redeems it.
// Display role formats (QLocale); RawRole gives the sortable value (times redeemed, minor units,
// UTC date). setCoupons replaces the rows (a model reset); the model never edits.
class CouponTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CouponTableModel)
public:
    enum Column { Name, Id, Off, Duration, Redeemed, RedeemBy, Status, ColumnCount };
    enum Role { RawRole = Qt::UserRole + 1, IdRole };

    explicit CouponTableModel(QObject *parent = nullptr);
    ~CouponTableModel() override;

    void setCoupons(const QList<Coupon> &coupons);
    const QList<Coupon> &coupons() const { return m_rows; }
    const Coupon *couponAt(int row) const;
    void setLocale(const QLocale &locale);

    // "25%" or "$10.00 · €9.00 · ¥1,500"
    static QString offText(const Coupon &coupon, const QLocale &locale);
    // "Once", "3 months", "Forever"
    static QString durationText(const Coupon &coupon);
    // "3 / 10", "7" (no maximum)
    static QString redeemedText(int times, const std::optional<int> &max);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Coupon> m_rows;
    QLocale m_locale;
};

} // namespace Billing
