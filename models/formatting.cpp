#include "models/formatting.h"

#include "services/domain/money.h"

#include <QHash>

namespace Billing {

QString Format::money(qint64 minor, const QString &currency, const QLocale &locale)
{
    const std::optional<Currency> c = Currency::fromCode(currency);
    if (!c)
        return locale.toString(minor) + QLatin1Char(' ') + currency.toUpper();
    return Money(minor, *c).toLocaleString(locale);
}

QString Format::date(const QDateTime &utc, const QLocale &locale)
{
    if (!utc.isValid())
        return {};
    return locale.toString(utc.toLocalTime().date(), QLocale::ShortFormat);
}

QString Format::dateTime(const QDateTime &utc, const QLocale &locale)
{
    if (!utc.isValid())
        return {};
    return locale.toString(utc.toLocalTime(), QLocale::ShortFormat);
}

QString Format::relative(const QDateTime &utc, const QDateTime &now, const QLocale &locale)
{
    if (!utc.isValid())
        return tr("never");
    const qint64 secs = utc.secsTo(now);
    if (secs < 60)
        return tr("just now");
    if (secs < 3600)
        return tr("%n min ago", nullptr, int(secs / 60));
    if (secs < 86400)
        return tr("%n h ago", nullptr, int(secs / 3600));
    if (secs < 7 * 86400)
        return tr("%n day(s) ago", nullptr, int(secs / 86400));
    return date(utc, locale);
}

QString Format::statusLabel(const QString &status)
{
    static const QHash<QString, const char *> labels = {
        {QStringLiteral("active"), QT_TR_NOOP("Active")},
        {QStringLiteral("trialing"), QT_TR_NOOP("Trialing")},
        {QStringLiteral("past_due"), QT_TR_NOOP("Past due")},
        {QStringLiteral("canceled"), QT_TR_NOOP("Canceled")},
        {QStringLiteral("unpaid"), QT_TR_NOOP("Unpaid")},
        {QStringLiteral("paused"), QT_TR_NOOP("Paused")},
        {QStringLiteral("incomplete"), QT_TR_NOOP("Incomplete")},
        {QStringLiteral("incomplete_expired"), QT_TR_NOOP("Incomplete, expired")},
        {QStringLiteral("draft"), QT_TR_NOOP("Draft")},
        {QStringLiteral("open"), QT_TR_NOOP("Open")},
        {QStringLiteral("paid"), QT_TR_NOOP("Paid")},
        {QStringLiteral("uncollectible"), QT_TR_NOOP("Uncollectible")},
        {QStringLiteral("void"), QT_TR_NOOP("Void")},
        {QStringLiteral("delinquent"), QT_TR_NOOP("Delinquent")},
        {QStringLiteral("failed"), QT_TR_NOOP("Failed")},
    };
    const auto it = labels.constFind(status);
    if (it != labels.constEnd())
        return tr(it.value());
    QString text = status;
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

QString Format::declineMeaning(const QString &code)
{
    if (code.isEmpty())
        return {};
    // Meanings from Stripe's decline code reference, in plain words for support staff.
    static const QHash<QString, const char *> meanings = {
        {QStringLiteral("insufficient_funds"), QT_TR_NOOP("Not enough money on the card")},
        {QStringLiteral("generic_decline"), QT_TR_NOOP("Declined by the bank without a reason")},
        {QStringLiteral("card_declined"), QT_TR_NOOP("The card was declined")},
        {QStringLiteral("do_not_honor"), QT_TR_NOOP("Declined by the bank without a reason")},
        {QStringLiteral("expired_card"), QT_TR_NOOP("The card has expired")},
        {QStringLiteral("incorrect_cvc"), QT_TR_NOOP("The security code is wrong")},
        {QStringLiteral("incorrect_number"), QT_TR_NOOP("The card number is wrong")},
        {QStringLiteral("lost_card"), QT_TR_NOOP("The card was reported lost")},
        {QStringLiteral("stolen_card"), QT_TR_NOOP("The card was reported stolen")},
        {QStringLiteral("pickup_card"), QT_TR_NOOP("The bank asks to retain the card (lost or stolen)")},
        {QStringLiteral("fraudulent"), QT_TR_NOOP("Suspected fraud")},
        {QStringLiteral("card_velocity_exceeded"), QT_TR_NOOP("The card's spending limit was reached")},
        {QStringLiteral("withdrawal_count_limit_exceeded"), QT_TR_NOOP("The card's transaction limit was reached")},
        {QStringLiteral("processing_error"), QT_TR_NOOP("A processing error; retrying may work")},
        {QStringLiteral("try_again_later"), QT_TR_NOOP("Temporary problem at the bank; retrying may work")},
        {QStringLiteral("authentication_required"), QT_TR_NOOP("The customer must authenticate (3-D Secure)")},
        {QStringLiteral("restricted_card"), QT_TR_NOOP("The card cannot be used for this payment")},
        {QStringLiteral("transaction_not_allowed"), QT_TR_NOOP("The bank does not allow this kind of payment")},
        {QStringLiteral("card_not_supported"), QT_TR_NOOP("The card does not support this kind of payment")},
        {QStringLiteral("currency_not_supported"), QT_TR_NOOP("The card does not support this currency")},
        {QStringLiteral("call_issuer"), QT_TR_NOOP("The customer must call the bank")},
        {QStringLiteral("do_not_try_again"), QT_TR_NOOP("The bank says: do not retry")},
        {QStringLiteral("invalid_account"), QT_TR_NOOP("The card or account is invalid")},
        {QStringLiteral("stop_payment_order"), QT_TR_NOOP("The customer stopped this payment at the bank")},
        {QStringLiteral("revocation_of_authorization"), QT_TR_NOOP("The customer revoked the authorization")},
    };
    const auto it = meanings.constFind(code);
    if (it != meanings.constEnd())
        return tr(it.value());
    return statusLabel(code);
}

QString Format::interval(const QString &interval, int count)
{
    if (interval.isEmpty())
        return {};
    if (count <= 1) {
        if (interval == QLatin1String("day"))
            return tr("day");
        if (interval == QLatin1String("week"))
            return tr("week");
        if (interval == QLatin1String("month"))
            return tr("month");
        if (interval == QLatin1String("year"))
            return tr("year");
        return interval;
    }
    if (interval == QLatin1String("day"))
        return tr("%n days", nullptr, count);
    if (interval == QLatin1String("week"))
        return tr("%n weeks", nullptr, count);
    if (interval == QLatin1String("month"))
        return tr("%n months", nullptr, count);
    if (interval == QLatin1String("year"))
        return tr("%n years", nullptr, count);
    return QString::number(count) + QLatin1Char(' ') + interval;
}

QString Format::customer(const QString &name, const QString &email)
{
    if (name.isEmpty())
        return email;
    if (email.isEmpty())
        return name;
    return tr("%1 (%2)").arg(name, email);
}

} // namespace Billing
