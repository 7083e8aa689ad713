#pragma once

#include <QStyledItemDelegate>

namespace Billing {

// Paints budget use as a bar: the cell's `permilleRole` value (int, 1000 = 100%, negative = no
// budget: left blank) fills a track, green below 80%, amber from 80%, red at or over 100%, with
// the percentage beside it; a red flag "⚑" before the bar when the cell's display text starts with
// it (an account flagged by its budget). Used on the customers table's Budget column.
class BudgetBarDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BudgetBarDelegate)
public:
    explicit BudgetBarDelegate(int permilleRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    static QColor colorFor(int permille);

private:
    int m_role;
};

} // namespace Billing
