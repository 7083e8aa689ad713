#pragma once

#include "services/domain/catalog.h"

#include <QAbstractTableModel>
#include <QLocale>

namespace Billing {

// The tier table of one price in one currency, as the catalog detail shows it: tier number,
// first and last unit ("and above" for the open tier), unit price and flat fee (by locale; exact
// decimals for fractions of a minor unit). Empty for untiered prices. GUI thread.
class CatalogTierModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogTierModel)
public:
    enum Column { Tier, FirstUnit, LastUnit, UnitPrice, FlatFee, ColumnCount };
    enum Role { RawRole = Qt::UserRole + 1 };

    explicit CatalogTierModel(QObject *parent = nullptr);

    // tiers of `price` resolved in `currency` (its own or one of its currency_options).
    void setPrice(const Price &price, const QString &currency);
    void setLocale(const QLocale &locale);
    QString currency() const { return m_currency; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<PriceTier> m_tiers;
    QString m_currency;
    QLocale m_locale;
};

} // namespace Billing
