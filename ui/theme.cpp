#include "ui/theme.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace Billing::Theme {

QColor accent()
{
    return QColor(0x4f, 0x46, 0xe5);
}

QString styleSheet()
{
    return QStringLiteral(R"(
QMainWindow, QDialog { background: #f6f7fb; }
QWidget#Sidebar { background: #111827; }
QLabel#SidebarTitle { color: #ffffff; font-size: 15pt; font-weight: 600; padding: 18px 16px 2px 16px; }
QLabel#SidebarSubtitle { color: #9ca3af; font-size: 9pt; padding: 0px 16px 14px 16px; }
QListWidget#Navigation { background: transparent; border: none; color: #d1d5db; font-size: 10.5pt; outline: 0; }
QListWidget#Navigation::item { padding: 9px 12px; margin: 2px 10px; border-radius: 6px; }
QListWidget#Navigation::item:hover { background: #1f2937; color: #ffffff; }
QListWidget#Navigation::item:selected { background: #4f46e5; color: #ffffff; }
QLabel#PageTitle { font-size: 17pt; font-weight: 600; color: #111827; }
QLabel#PageCount { color: #6b7280; font-size: 10pt; padding-top: 6px; }
QLabel#RangeLabel { color: #4b5563; }
QLabel#StaleHint { color: #92400e; background: #fef3c7; border-radius: 4px; padding: 3px 8px; }
QLabel#StaleHint[tone="ok"] { color: #1e7b34; background: #e6f4ea; }
QLabel#EmptyState { color: #6b7280; font-size: 12pt; }
QLabel#Footer { color: #374151; padding: 4px 2px; }
QLineEdit, QComboBox, QDateEdit, QSpinBox { background: #ffffff; border: 1px solid #d1d5db; border-radius: 6px; padding: 5px 8px; min-height: 20px; }
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QSpinBox:focus { border: 1px solid #4f46e5; }
QLineEdit[invalid="true"] { border: 1px solid #dc2626; }
QCheckBox { spacing: 6px; }
QTableView { background: #ffffff; alternate-background-color: #f9fafb; border: 1px solid #e5e7eb; border-radius: 8px;
             gridline-color: #f3f4f6; selection-background-color: #e0e7ff; selection-color: #111827; }
QHeaderView::section { background: #f3f4f6; color: #374151; font-weight: 600; border: none;
                       border-bottom: 1px solid #e5e7eb; padding: 6px 8px; }
QFrame#DetailPanel { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 8px; }
QLabel#DetailTitle { font-size: 13pt; font-weight: 600; color: #111827; }
QLabel#DetailSubtitle { color: #6b7280; }
QLabel#DetailSection { color: #4b5563; font-weight: 600; padding-top: 8px; }
QLabel#FieldLabel { color: #6b7280; }
QFrame#ChartCard, QFrame#TotalsCard { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 8px; }
QPushButton { background: #ffffff; border: 1px solid #d1d5db; border-radius: 6px; padding: 5px 14px; }
QPushButton:hover { background: #f3f4f6; }
QPushButton:default { background: #4f46e5; color: #ffffff; border: 1px solid #4338ca; }
QPushButton:disabled { color: #9ca3af; background: #f3f4f6; }
QStatusBar { background: #ffffff; border-top: 1px solid #e5e7eb; }
QStatusBar::item { border: none; }
QLabel#ModeBadge { border-radius: 9px; padding: 2px 10px; font-weight: 600; color: #ffffff; }
QLabel#ValidationMessage { color: #b91c1c; }
QLabel#KeySource, QLabel#FieldHint { color: #6b7280; }
QGroupBox { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 8px; margin-top: 26px;
            font-size: 11pt; font-weight: 600; color: #111827; }
QGroupBox::title { subcontrol-origin: margin; subcontrol-position: top left; left: 2px; top: 2px; padding: 0px 2px; }
QLineEdit[readOnly="true"] { background: #f3f4f6; color: #374151; }
QLabel#RestartNote { color: #6b7280; }
QLabel#RestartNote[changed="true"] { color: #92400e; }
QLabel#SaveError { color: #991b1b; background: #fee2e2; border: 1px solid #fecaca; border-radius: 6px; padding: 8px 10px; }
QLabel#SavingLabel { color: #4b5563; }
QSplitter::handle { background: transparent; }
)");
}

Chip chipFor(const QString &s)
{
    if (s == QLatin1String("paid") || s == QLatin1String("active") || s == QLatin1String("succeeded"))
        return {QColor(0xdc, 0xfc, 0xe7), QColor(0x16, 0x65, 0x34)};
    if (s == QLatin1String("open") || s == QLatin1String("trialing"))
        return {QColor(0xdb, 0xea, 0xfe), QColor(0x1e, 0x40, 0xaf)};
    if (s == QLatin1String("past_due") || s == QLatin1String("failed") || s == QLatin1String("unpaid")
        || s == QLatin1String("uncollectible") || s == QLatin1String("delinquent"))
        return {QColor(0xfe, 0xe2, 0xe2), QColor(0x99, 0x1b, 0x1b)};
    if (s == QLatin1String("paused") || s == QLatin1String("incomplete") || s == QLatin1String("draft"))
        return {QColor(0xfe, 0xf3, 0xc7), QColor(0x92, 0x40, 0x0e)};
    return {QColor(0xf3, 0xf4, 0xf6), QColor(0x4b, 0x55, 0x63)}; // void, canceled, unknown
}

QIcon icon(const QString &name, const QColor &color)
{
    QIcon result;
    for (const int size : {16, 20, 24, 32, 48}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 24.0, size / 24.0);
        QPen pen(color, 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        if (name == QLatin1String("customers")) {
            p.drawEllipse(QPointF(9, 8), 3.5, 3.5);
            p.drawArc(QRectF(2.5, 13, 13, 12), 0, 180 * 16);
            p.drawEllipse(QPointF(17, 9), 2.6, 2.6);
            p.drawArc(QRectF(13.5, 14, 9, 9), 0, 150 * 16);
        } else if (name == QLatin1String("subscriptions")) {
            p.drawArc(QRectF(4, 4, 16, 16), 40 * 16, 280 * 16);
            p.drawLine(QPointF(18.5, 4.5), QPointF(18.5, 8.5));
            p.drawLine(QPointF(18.5, 8.5), QPointF(14.5, 8.5));
            p.drawLine(QPointF(12, 8), QPointF(12, 12.5));
            p.drawLine(QPointF(12, 12.5), QPointF(15, 14.5));
        } else if (name == QLatin1String("invoices")) {
            QPainterPath path;
            path.moveTo(6, 3);
            path.lineTo(15, 3);
            path.lineTo(19, 7);
            path.lineTo(19, 21);
            path.lineTo(6, 21);
            path.closeSubpath();
            p.drawPath(path);
            p.drawLine(QPointF(9, 11), QPointF(16, 11));
            p.drawLine(QPointF(9, 14.5), QPointF(16, 14.5));
            p.drawLine(QPointF(9, 18), QPointF(13, 18));
        } else if (name == QLatin1String("usage")) {
            p.drawLine(QPointF(3, 21), QPointF(21, 21));
            p.drawPolyline(QPolygonF({QPointF(4, 17), QPointF(9, 11), QPointF(13, 14), QPointF(20, 5)}));
            p.drawEllipse(QPointF(20, 5), 1, 1);
        } else if (name == QLatin1String("dunning")) {
            QPainterPath path;
            path.moveTo(12, 3);
            path.lineTo(22, 20);
            path.lineTo(2, 20);
            path.closeSubpath();
            p.drawPath(path);
            p.drawLine(QPointF(12, 9), QPointF(12, 14));
            p.drawPoint(QPointF(12, 17));
        } else if (name == QLatin1String("audit")) {
            // a clipboard with check lines
            p.drawRoundedRect(QRectF(5, 4, 14, 17), 2, 2);
            p.drawLine(QPointF(9, 4), QPointF(9, 2.5));
            p.drawLine(QPointF(15, 4), QPointF(15, 2.5));
            p.drawLine(QPointF(9, 2.5), QPointF(15, 2.5));
            p.drawPolyline(QPolygonF({QPointF(8, 10), QPointF(9.5, 11.5), QPointF(12, 9)}));
            p.drawLine(QPointF(13.5, 10.5), QPointF(16, 10.5));
            p.drawPolyline(QPolygonF({QPointF(8, 15.5), QPointF(9.5, 17), QPointF(12, 14.5)}));
            p.drawLine(QPointF(13.5, 16), QPointF(16, 16));
        } else if (name == QLatin1String("outbox")) {
            // a tray with an arrow going out
            p.drawPolyline(QPolygonF({QPointF(3, 13), QPointF(3, 20), QPointF(21, 20), QPointF(21, 13)}));
            p.drawPolyline(QPolygonF({QPointF(3, 13), QPointF(8, 13), QPointF(9.5, 16), QPointF(14.5, 16), QPointF(16, 13), QPointF(21, 13)}));
            p.drawLine(QPointF(12, 12), QPointF(12, 3));
            p.drawPolyline(QPolygonF({QPointF(8.5, 6.5), QPointF(12, 3), QPointF(15.5, 6.5)}));
        } else if (name == QLatin1String("settings")) {
            p.drawEllipse(QPointF(12, 12), 3, 3);
            for (int i = 0; i < 8; ++i) {
                p.save();
                p.translate(12, 12);
                p.rotate(i * 45);
                p.drawLine(QPointF(0, -6.5), QPointF(0, -9.5));
                p.restore();
            }
            p.drawEllipse(QPointF(12, 12), 6.5, 6.5);
        } else if (name == QLatin1String("catalog")) {
            // a price tag
            QPainterPath path;
            path.moveTo(3, 11);
            path.lineTo(11, 3);
            path.lineTo(20, 3);
            path.lineTo(20, 12);
            path.lineTo(12, 20);
            path.closeSubpath();
            p.drawPath(path);
            p.drawEllipse(QPointF(15.5, 7.5), 1.5, 1.5);
        } else if (name == QLatin1String("promotions")) {
            // a percent sign in a ticket
            p.drawRoundedRect(QRectF(2.5, 6, 19, 12), 2, 2);
            p.drawLine(QPointF(9, 15), QPointF(15, 9));
            p.drawEllipse(QPointF(9, 9.5), 1.2, 1.2);
            p.drawEllipse(QPointF(15, 14.5), 1.2, 1.2);
        } else if (name == QLatin1String("alerts")) {
            // a bell
            QPainterPath path;
            path.moveTo(5, 17);
            path.cubicTo(7, 15, 6.5, 12, 6.5, 10);
            path.cubicTo(6.5, 6, 9, 4, 12, 4);
            path.cubicTo(15, 4, 17.5, 6, 17.5, 10);
            path.cubicTo(17.5, 12, 17, 15, 19, 17);
            path.closeSubpath();
            p.drawPath(path);
            p.drawArc(QRectF(10, 18, 4, 3.5), 180 * 16, 180 * 16);
        } else if (name == QLatin1String("analytics")) {
            // bars
            p.drawLine(QPointF(3, 21), QPointF(21, 21));
            p.drawLine(QPointF(6, 18), QPointF(6, 13));
            p.drawLine(QPointF(10.5, 18), QPointF(10.5, 8));
            p.drawLine(QPointF(15, 18), QPointF(15, 11));
            p.drawLine(QPointF(19.5, 18), QPointF(19.5, 4));
        } else if (name == QLatin1String("refresh")) {
            p.drawArc(QRectF(4, 4, 16, 16), 60 * 16, 300 * 16);
            p.drawLine(QPointF(16, 5.1), QPointF(19.5, 4));
            p.drawLine(QPointF(16, 5.1), QPointF(17, 8.5));
        }
        p.end();
        result.addPixmap(pm);
    }
    return result;
}

} // namespace Billing::Theme
