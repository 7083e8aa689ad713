#pragma once

#include "services/domain/catalog.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QLocale>

namespace Billing {

// The price catalog: one row per price with its product, pricing model, amount, currencies and
// billing interval. Archived (inactive) prices and prices of archived products are hidden unless
// setShowArchived(true). Fed with setCatalog() (the catalog pane loads it through
// CatalogService); display formats by the model's locale, RawRole gives sortable values (minor
// units, strings). GUI thread.
class CatalogTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogTableModel)
public:
    enum Column { ProductName, PriceName, Model, Amount, Currencies, Status, Interval, Id, ColumnCount };
    // Same numbers as PagedTableModel's roles, so the shared StatusDelegate paints the Status
    // column as a chip ("active" green, "void" grey for archived) and nothing else.
    enum Role { RawRole = Qt::UserRole + 1, IdRole, StatusRole, ActiveRole = Qt::UserRole + 20 };

    explicit CatalogTableModel(QObject *parent = nullptr);

    void setCatalog(const QList<Product> &products, const QList<Price> &prices);
    void setShowArchived(bool show);
    bool showArchived() const { return m_showArchived; }
    void setSearchText(const QString &text);
    void setLocale(const QLocale &locale);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Price &priceAt(int row) const { return m_rows.at(row); }
    Product productOf(const Price &price) const { return m_products.value(price.productId); }
    int rowOf(const QString &priceId) const;
    int hiddenCount() const { return m_all.size() - m_rows.size(); }
    const QList<Price> &allPrices() const { return m_all; }
    QList<Product> products() const { return m_products.values(); }

    // Plain words for a price's pricing model: "Flat rate", "Per unit", "Package of 10 (round up)",
    // "Tiered, graduated", "Tiered, volume".
    static QString modelText(const Price &price);
    // A unit amount given as an exact decimal of minor units, shown by locale: an integer through
    // Money ("$12.50"), a fraction of a minor unit as its exact major-unit decimal and the code
    // ("0.0015 USD", "0,0015 USD" in German).
    static QString unitAmountText(const QString &minorDecimal, const QString &currency, const QLocale &locale);
    // "$12.50 per unit", "from $10.00 per unit" (tiered: the first tier), "$5.00 per 10 units".
    static QString amountText(const Price &price, const QLocale &locale);
    // "USD, EUR, JPY": the price's own currency first.
    static QString currenciesText(const Price &price);

private:
    void rebuild();
    bool visible(const Price &price) const;

    QHash<QString, Product> m_products;
    QList<Price> m_all;
    QList<Price> m_rows;
    bool m_showArchived = false;
    QString m_search;
    QLocale m_locale;
};

} // namespace Billing
