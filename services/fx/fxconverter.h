#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/fx/fxrate.h"

#include <QDate>
#include <QHash>
#include <QList>

namespace Billing {

// The rate a conversion used: the dated row, and whether it was read the other way round (a USD->EUR
// conversion with only an EUR->USD row uses 1 / rate, exactly).
struct AppliedRate
{
    FxRate row;
    bool inverted = false;
    ExactRate rate;       // oriented from -> to, major units of `to` per major unit of `from`
    QString from;         // ISO codes, upper case
    QString to;
    bool identity = false; // same currency: no row

    // "1 EUR = 1.0842 USD, rate of 2026-10-31 (ECB)" or "1 USD = 1/1.0842 EUR (inverse of ...)".
    QString describe() const;
};

struct FxConversion
{
    Money from;
    Money to;
    AppliedRate applied;
    QDate requestedDate; // the day asked for; applied.row.date is on or before it
};

// Converts amounts with a snapshot of the dated FX-rate table. Pure and immutable once built, so
// the analytics worker can use it off the GUI thread.
// Lookup: the newest row of the pair dated on or before the requested day; when the pair only
// exists the other way round, its inverse. No chaining through a third currency (say so rather than
// guess). Errors: Kind::NotFound "No EUR to JPY rate on or before 2026-01-31." (userMessage);
// Kind::Validation for invalid money or overflow.
class FxConverter final
{
public:
    FxConverter() = default;
    explicit FxConverter(const QList<FxRate> &rates);

    Result<AppliedRate> rateFor(const QString &from, const QString &to, QDate on) const;

    // money * rate * 10^(exponent(to) - exponent(from)), rounded once with `rounding`.
    // JPY 0, USD 2, KWD 3: 10.00 USD -> JPY at 151.37 is 1514 JPY (HalfUp).
    Result<FxConversion> convert(const Money &money, const Currency &to, QDate on, Rounding rounding) const;

    // Exact rational form for callers that sum before they round (analytics): the factor that turns
    // minor units of `from` into minor units of `to` as numerator / denominator (both > 0).
    struct MinorFactor
    {
        __int128 numerator = 1;
        __int128 denominator = 1;
    };
    static MinorFactor minorFactor(const AppliedRate &applied, const Currency &from, const Currency &to);

    bool isEmpty() const { return m_byPair.isEmpty(); }
    QList<FxRate> rates() const;

private:
    // "EUR/USD" -> rows sorted by date ascending
    QHash<QString, QList<FxRate>> m_byPair;
};

} // namespace Billing
