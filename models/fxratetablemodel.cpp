#include "models/fxratetablemodel.h"

#include "models/formatting.h"

namespace Billing {

FxRateTableModel::FxRateTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void FxRateTableModel::setRates(const QList<FxRate> &rates)
{
    beginResetModel();
    m_rates = rates;
    endResetModel();
}

int FxRateTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rates.size()); }
int FxRateTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant FxRateTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rates.size())
        return {};
    const FxRate &r = m_rates.at(index.row());
    if (role == RawRole) {
        if (index.column() == Date)
            return r.date;
        if (index.column() == EnteredAt)
            return r.enteredAt;
        return data(index, Qt::DisplayRole);
    }
    if (role == Qt::TextAlignmentRole && index.column() == Rate)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Base: return r.base;
    case Quote: return r.quote;
    case Date: return r.date.toString(Qt::ISODate);
    case Rate: return r.rate; // exact, as entered: never reformatted through a double
    case Source: return r.source;
    case EnteredBy: return r.enteredBy;
    case EnteredAt: return Format::dateTime(r.enteredAt, m_locale);
    case ColumnCount: break;
    }
    return {};
}

QVariant FxRateTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Base: return tr("Base");
    case Quote: return tr("Quote");
    case Date: return tr("From date");
    case Rate: return tr("Rate");
    case Source: return tr("Source");
    case EnteredBy: return tr("Entered by");
    case EnteredAt: return tr("Entered at");
    case ColumnCount: break;
    }
    return {};
}

QList<QStringList> FxRateTableModel::csvRows() const
{
    QList<QStringList> out;
    out << QStringList{QStringLiteral("date"), QStringLiteral("base"), QStringLiteral("quote"), QStringLiteral("rate"),
                       QStringLiteral("source"), QStringLiteral("entered_by"), QStringLiteral("entered_at")};
    for (const FxRate &r : m_rates)
        out << QStringList{r.date.toString(Qt::ISODate), r.base, r.quote, r.rate, r.source, r.enteredBy,
                           r.enteredAt.toString(Qt::ISODate)};
    return out;
}

} // namespace Billing
