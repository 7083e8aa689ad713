#include "services/fx/fxconverter.h"

#include <algorithm>

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::FxConverter", text); }

QString pairKey(const QString &base, const QString &quote) { return base.toUpper() + u'/' + quote.toUpper(); }

const FxRate *latestOnOrBefore(const QList<FxRate> &rows, QDate on)
{
    // rows ascending by date: the last one with date <= on
    auto it = std::upper_bound(rows.cbegin(), rows.cend(), on,
                               [](QDate d, const FxRate &r) { return d < r.date; });
    if (it == rows.cbegin())
        return nullptr;
    return &*(it - 1);
}

} // namespace

QString AppliedRate::describe() const
{
    if (identity)
        return tr("%1 needs no conversion").arg(from);
    if (!inverted)
        return tr("1 %1 = %2 %3, rate of %4%5")
            .arg(from, row.rate, to, row.date.toString(Qt::ISODate),
                 row.source.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(row.source));
    return tr("1 %1 = 1/%2 %3, inverse of the %4/%5 rate of %6%7")
        .arg(from, row.rate, to, row.base, row.quote, row.date.toString(Qt::ISODate),
             row.source.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(row.source));
}

FxConverter::FxConverter(const QList<FxRate> &rates)
{
    for (const FxRate &r : rates)
        m_byPair[pairKey(r.base, r.quote)] << r;
    for (auto it = m_byPair.begin(); it != m_byPair.end(); ++it)
        std::stable_sort(it->begin(), it->end(), [](const FxRate &a, const FxRate &b) { return a.date < b.date; });
}

QList<FxRate> FxConverter::rates() const
{
    QList<FxRate> out;
    for (auto it = m_byPair.cbegin(); it != m_byPair.cend(); ++it)
        out += *it;
    std::sort(out.begin(), out.end(), [](const FxRate &a, const FxRate &b) {
        return std::tie(a.base, a.quote, a.date) < std::tie(b.base, b.quote, b.date);
    });
    return out;
}

Result<AppliedRate> FxConverter::rateFor(const QString &from, const QString &to, QDate on) const
{
    AppliedRate applied;
    applied.from = from.toUpper();
    applied.to = to.toUpper();
    if (applied.from == applied.to) {
        applied.identity = true;
        applied.rate = {1, 1};
        return applied;
    }
    const FxRate *direct = nullptr;
    const FxRate *inverse = nullptr;
    if (auto it = m_byPair.constFind(pairKey(from, to)); it != m_byPair.cend())
        direct = latestOnOrBefore(*it, on);
    if (auto it = m_byPair.constFind(pairKey(to, from)); it != m_byPair.cend())
        inverse = latestOnOrBefore(*it, on);
    // Prefer the newer row; on the same day the direct one.
    const FxRate *use = direct;
    bool inverted = false;
    if (inverse && (!direct || inverse->date > direct->date)) {
        use = inverse;
        inverted = true;
    }
    if (!use)
        return Error::make(Error::Kind::NotFound,
                           tr("No %1 to %2 rate on or before %3. Enter or import one in Reports > FX rates.")
                               .arg(applied.from, applied.to, on.toString(Qt::ISODate)));
    Result<ExactRate> parsed = ExactRate::parse(use->rate);
    if (!parsed)
        return parsed.error();
    applied.row = *use;
    applied.inverted = inverted;
    applied.rate = inverted ? parsed->inverted() : *parsed;
    return applied;
}

FxConverter::MinorFactor FxConverter::minorFactor(const AppliedRate &applied, const Currency &from, const Currency &to)
{
    MinorFactor f;
    f.numerator = applied.rate.numerator;
    f.denominator = applied.rate.denominator;
    const int shift = to.exponent() - from.exponent();
    for (int i = 0; i < std::abs(shift); ++i) {
        if (shift > 0)
            f.numerator *= 10;
        else
            f.denominator *= 10;
    }
    return f;
}

Result<FxConversion> FxConverter::convert(const Money &money, const Currency &to, QDate on, Rounding rounding) const
{
    if (!money.isValid() || !to.isValid())
        return Error::make(Error::Kind::Validation, tr("The amount or the target currency is missing."));
    Result<AppliedRate> applied = rateFor(money.currency().code(), to.code(), on);
    if (!applied)
        return applied.error();
    const MinorFactor f = minorFactor(*applied, money.currency(), to);
    // Reduce, then scaled() (exact 128-bit product, one rounding).
    __int128 a = f.numerator, b = f.denominator;
    while (b != 0) {
        const __int128 t = a % b;
        a = b;
        b = t;
    }
    const __int128 num = f.numerator / a;
    const __int128 den = f.denominator / a;
    const __int128 limit = std::numeric_limits<qint64>::max();
    if (num > limit || den > limit)
        return Error::make(Error::Kind::Validation, tr("The rate is too precise to convert this amount exactly."));
    Result<Money> scaled = Money(money.minor(), to).scaled(qint64(num), qint64(den), rounding);
    if (!scaled)
        return scaled.error();
    FxConversion out;
    out.from = money;
    out.to = *scaled;
    out.applied = *applied;
    out.requestedDate = on;
    return out;
}

} // namespace Billing
