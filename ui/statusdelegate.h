#pragma once

#include <QStyledItemDelegate>

namespace Billing {

// Paints cells that carry PagedTableModel::StatusRole as colored chips (paid green, open blue,
// past_due/failed red, void grey); other cells as usual.
class StatusDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatusDelegate)
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace Billing
