#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>
#include <QString>

namespace Billing {

// Display formatting shared by the models (and the ui detail panels). Display only: sorting and
// arithmetic use the raw values (minor units, UTC QDateTime).
class Format final
{
    Q_DECLARE_TR_FUNCTIONS(Billing::Format)
public:
    // Amount in minor units of an ISO code ("usd" or "USD") through Money::toLocaleString.
    // Unknown codes fall back to "<minor> XXX" so nothing is ever shown as a double.
    static QString money(qint64 minor, const QString &currency, const QLocale &locale);
    // Short date / date and time in local time; empty for an invalid QDateTime.
    static QString date(const QDateTime &utc, const QLocale &locale);
    static QString dateTime(const QDateTime &utc, const QLocale &locale);
    // "5 min ago", "3 h ago", "2 days ago" (or the date when older than a week); "never" when invalid.
    static QString relative(const QDateTime &utc, const QDateTime &now, const QLocale &locale);
    // Human label of a Stripe status: "past_due" -> "Past due".
    static QString statusLabel(const QString &status);
    // Plain meaning of a Stripe decline code or failure code (insufficient_funds -> "Not enough
    // money on the card"). Empty code -> empty; unknown code -> the code made readable.
    static QString declineMeaning(const QString &code);
    // "month" x1 -> "month", x3 -> "3 months"
    static QString interval(const QString &interval, int count);
    // "Name (email)", or whichever of the two exists.
    static QString customer(const QString &name, const QString &email);
};

} // namespace Billing
