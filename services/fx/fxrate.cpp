#include "services/fx/fxrate.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::FxRate", text); }

Error invalid(const QString &message, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, message, detail);
}

qint64 gcd64(qint64 a, qint64 b)
{
    while (b != 0) {
        const qint64 t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}

} // namespace

Result<ExactRate> ExactRate::parse(QStringView text)
{
    const QStringView t = text.trimmed();
    const QString shown = t.toString();
    if (t.isEmpty())
        return invalid(tr("Enter a rate."));
    if (t.startsWith(u'-'))
        return invalid(tr("The rate %1 is negative; a rate must be above zero.").arg(shown));
    QString digits;
    int decimals = -1;
    for (QChar c : t) {
        if (c == u'.') {
            if (decimals >= 0)
                return invalid(tr("\"%1\" is not a rate: more than one decimal point.").arg(shown));
            decimals = 0;
            continue;
        }
        if (c < u'0' || c > u'9')
            return invalid(tr("\"%1\" is not a rate. Write it with digits and a dot, e.g. 1.0842.").arg(shown));
        digits += c;
        if (decimals >= 0)
            ++decimals;
    }
    if (decimals == 0 || digits.isEmpty() || t.startsWith(u'.'))
        return invalid(tr("\"%1\" is not a rate. Write it with digits and a dot, e.g. 1.0842.").arg(shown));
    if (decimals > 12)
        return invalid(tr("The rate %1 has more than 12 decimal places.").arg(shown));
    while (digits.size() > 1 && digits.startsWith(u'0'))
        digits.remove(0, 1);
    if (digits.size() > 18)
        return invalid(tr("The rate %1 has too many digits (at most 18).").arg(shown));
    const qint64 numerator = digits.toLongLong();
    if (numerator == 0)
        return invalid(tr("The rate is zero; a rate must be above zero."));
    qint64 denominator = 1;
    for (int i = 0; i < std::max(decimals, 0); ++i)
        denominator *= 10;
    const qint64 g = gcd64(numerator, denominator);
    return ExactRate{numerator / g, denominator / g};
}

QString ExactRate::toString() const
{
    // A finite decimal when the denominator is 2^a * 5^b (always so for parsed rates).
    qint64 d = denominator;
    int twos = 0, fives = 0;
    while (d % 2 == 0) {
        d /= 2;
        ++twos;
    }
    while (d % 5 == 0) {
        d /= 5;
        ++fives;
    }
    if (d != 1 || std::max(twos, fives) > 18)
        return QStringLiteral("%1/%2").arg(numerator).arg(denominator);
    const int places = std::max(twos, fives);
    __int128 scale = 1;
    for (int i = 0; i < places; ++i)
        scale *= 10;
    const __int128 scaled = static_cast<__int128>(numerator) * (scale / denominator);
    const qint64 whole = qint64(scaled / scale);
    qint64 frac = qint64(scaled % scale);
    QString out = QString::number(whole);
    if (places > 0) {
        QString f = QString::number(frac).rightJustified(places, u'0');
        while (f.endsWith(u'0'))
            f.chop(1);
        if (!f.isEmpty())
            out += u'.' + f;
    }
    return out;
}

QString FxRate::describe() const
{
    QString s = tr("1 %1 = %2 %3 on %4").arg(base, rate, quote, date.toString(Qt::ISODate));
    if (!source.isEmpty())
        s += QStringLiteral(" (%1)").arg(source);
    return s;
}

} // namespace Billing
