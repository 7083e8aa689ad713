#pragma once

#include "services/fx/fxrate.h"

#include <QAbstractTableModel>
#include <QLocale>

namespace Billing {

// The dated FX-rate table as rows (base, quote, date, rate, source, entered by, entered at).
// RawRole: the date (QDate) or entered-at (QDateTime) for sorting; the rate stays its exact text.
class FxRateTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FxRateTableModel)

public:
    enum Role { RawRole = Qt::UserRole + 1 };
    enum Column { Base, Quote, Date, Rate, Source, EnteredBy, EnteredAt, ColumnCount };

    explicit FxRateTableModel(QObject *parent = nullptr);
    void setRates(const QList<FxRate> &rates);
    const QList<FxRate> &rates() const { return m_rates; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QList<QStringList> csvRows() const; // date,base,quote,rate,source (the import format) + entered_by, entered_at

private:
    QList<FxRate> m_rates;
    QLocale m_locale;
};

} // namespace Billing
