#include "ui/statusdelegate.h"

#include "models/pagedtablemodel.h"
#include "ui/theme.h"

#include <QApplication>
#include <QPainter>

namespace Billing {

void StatusDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant status = index.data(PagedTableModel::StatusRole);
    if (!status.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget); // background, selection

    const Theme::Chip chip = Theme::chipFor(status.toString());
    QFont font = opt.font;
    font.setPointSizeF(font.pointSizeF() * 0.9);
    font.setWeight(QFont::DemiBold);
    const QFontMetrics fm(font);
    const int h = fm.height() + 4;
    const int w = qMin(fm.horizontalAdvance(text) + 16, opt.rect.width() - 8);
    const QRect chipRect(opt.rect.left() + 6, opt.rect.center().y() - h / 2 + 1, w, h);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(chip.background);
    painter->drawRoundedRect(chipRect, h / 2.0, h / 2.0);
    painter->setPen(chip.foreground);
    painter->setFont(font);
    painter->drawText(chipRect, Qt::AlignCenter, fm.elidedText(text, Qt::ElideRight, chipRect.width() - 8));
    painter->restore();
}

QSize StatusDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    if (index.data(PagedTableModel::StatusRole).isValid())
        s.rwidth() += 20;
    return s;
}

} // namespace Billing
