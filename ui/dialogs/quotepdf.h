#pragma once

#include "services/domain/result.h"
#include "services/pricing/quote.h"

#include <QLocale>
#include <QString>

namespace Billing {

// A quote as a one-page A4 PDF through Qt's printing support (QPdfWriter + QTextDocument, Qt
// Gui): title, customer, product and price, quantity, one table row per charge line (units, unit
// price, flat fee, amount) and the total, amounts formatted by `locale`, plus the line that the
// amounts are computed the way Stripe invoices them. Blocking file I/O (a worker in the GUI).
// Errors: Database when the file cannot be written (userMessage names it); nothing is left
// behind on failure.
class QuotePdf final
{
public:
    static QString html(const Quote &quote, const QLocale &locale);
    // The PDF in memory (layout needs the GUI thread's fonts; no disk is touched).
    static QByteArray render(const Quote &quote, const QLocale &locale);
    // Writes rendered bytes to `path` atomically (nothing is left on failure). Blocking file
    // I/O: call from a worker.
    static Status save(const QByteArray &pdf, const QString &path);
};

} // namespace Billing
