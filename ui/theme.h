#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace Billing::Theme {

// One place for the console's colors, style sheet and painted icons.
QString styleSheet();
QColor accent();
// Chip colors for a raw Stripe status ("paid", "open", "past_due", "void", ...).
struct Chip
{
    QColor background;
    QColor foreground;
};
Chip chipFor(const QString &status);
// Sidebar icons: "customers", "subscriptions", "invoices", "usage", "dunning", "audit", "outbox",
// "catalog", "promotions", "alerts", "analytics", "settings", "refresh" (others: empty).
QIcon icon(const QString &name, const QColor &color = QColor(0xcb, 0xd5, 0xe1));

} // namespace Billing::Theme
