#include "ui/budgetbardelegate.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace Billing {

BudgetBarDelegate::BudgetBarDelegate(int permilleRole, QObject *parent)
    : QStyledItemDelegate(parent), m_role(permilleRole)
{
}

QColor BudgetBarDelegate::colorFor(int permille)
{
    if (permille >= 1000)
        return QColor(0xdc, 0x26, 0x26); // red
    if (permille >= 800)
        return QColor(0xd9, 0x77, 0x06); // amber
    return QColor(0x16, 0xa3, 0x4a);     // green
}

void BudgetBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant v = index.data(m_role);
    const int permille = v.isValid() ? v.toInt() : -1;
    // Background and selection as for any cell, without text.
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (permille < 0)
        return;

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QRect cell = option.rect.adjusted(8, 0, -8, 0);
    // A flagged account (the display text starts with the flag "⚑"): a red flag before the bar.
    if (index.data(Qt::DisplayRole).toString().startsWith(QChar(0x2691))) {
        const QString flag(QChar(0x2691));
        const int flagWidth = QFontMetrics(option.font).horizontalAdvance(flag) + 6;
        painter->setPen(option.state & QStyle::State_Selected ? option.palette.highlightedText().color()
                                                              : QColor(0xdc, 0x26, 0x26));
        painter->drawText(QRect(cell.left(), cell.top(), flagWidth, cell.height()), Qt::AlignVCenter | Qt::AlignLeft, flag);
        cell.setLeft(cell.left() + flagWidth);
    }
    const QString label = QStringLiteral("%1%").arg(option.locale.toString(permille / 10));
    const QFontMetrics fm(option.font);
    const int textWidth = fm.horizontalAdvance(QStringLiteral("000%")) + 6;
    const int barHeight = 8;
    QRectF track(cell.left(), cell.center().y() - barHeight / 2.0, qMax(10, cell.width() - textWidth), barHeight);
    QPainterPath trackPath;
    trackPath.addRoundedRect(track, 4, 4);
    painter->fillPath(trackPath, QColor(0xe5, 0xe7, 0xeb));
    const double share = qMin(1.0, permille / 1000.0);
    if (share > 0) {
        QRectF fill = track;
        fill.setWidth(qMax(barHeight * 1.0, track.width() * share));
        QPainterPath fillPath;
        fillPath.addRoundedRect(fill, 4, 4);
        painter->fillPath(fillPath, colorFor(permille));
    }
    painter->setPen(option.state & QStyle::State_Selected ? option.palette.highlightedText().color()
                                                          : (permille >= 1000 ? colorFor(permille)
                                                                              : option.palette.text().color()));
    QRect textRect(int(track.right()) + 6, cell.top(), textWidth, cell.height());
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, label);
    painter->restore();
}

QSize BudgetBarDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(qMax(s.width(), 140));
    return s;
}

} // namespace Billing
