#include "services/pricing/pricecalculator.h"

#include <QCoreApplication>

#include <limits>

namespace Billing {

// Stripe's rounding of line amounts, from "Decimal amounts for pricing"
// (https://docs.stripe.com/billing/subscriptions/decimal-amounts, section "Rounding"):
// rounding occurs on the line item level of the invoice, after the quantity is multiplied by the
// decimal unit amount (0.05 cents x 30 = 1.5 cents, "rounded up to 2 cents"; the amount is
// "rounded to the nearest whole cent"), and each line is rounded before the lines are summed.
// So: the exact product quantity x unit_amount_decimal (+ the tier's flat amount) is rounded once
// per line to the nearest minor unit, halves away from zero (Rounding::HalfUp; quantities are
// never negative, so this is the same as halves up). A graduated price charges one line per tier
// it reaches, each rounded on its own; volume, per-unit and package prices charge one line.
// Minor units are the currency's: whole yen for JPY/KRW (zero-decimal), fils for KWD/BHD
// (three-decimal). The "multiple of 10" rule for three-decimal currencies is a rule for payment
// amounts (Payment Intents, refunds; https://docs.stripe.com/currencies#three-decimal), not for
// how a line amount is computed, so it is not applied here.
// Quantity 0 charges nothing in every mode (no tier is reached; assumption, stated in the UI).

namespace {

using Int128 = __int128;

constexpr int kScaleDigits = 12;
constexpr Int128 kScale = Int128(1000000000000LL); // 10^12: decimals are kept as integers * 10^12

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::PriceCalculator", text);
}

Error validation(const QString &userMessage, const QString &detail = {})
{
    return Error::make(Error::Kind::Validation, userMessage, detail);
}

// An exact non-negative decimal scaled by 10^12. Integer part at most 18 digits.
std::optional<Int128> parseScaled(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    const qsizetype dot = text.indexOf(QLatin1Char('.'));
    const QStringView whole = dot < 0 ? QStringView(text) : QStringView(text).left(dot);
    const QStringView frac = dot < 0 ? QStringView() : QStringView(text).mid(dot + 1);
    if (whole.isEmpty() || whole.size() > 18 || (dot >= 0 && (frac.isEmpty() || frac.size() > kScaleDigits)))
        return std::nullopt;
    Int128 value = 0;
    for (QChar c : whole) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    Int128 fraction = 0;
    for (QChar c : frac) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        fraction = fraction * 10 + (c.unicode() - u'0');
    }
    for (qsizetype i = frac.size(); i < kScaleDigits; ++i)
        fraction *= 10;
    return value * kScale + fraction;
}

// The unit amount of a price or tier, scaled by 10^12: unit_amount (integer) or unit_amount_decimal.
std::optional<Int128> unitScaled(const std::optional<qint64> &integer, const QString &decimal, bool *present)
{
    *present = true;
    if (!decimal.isEmpty())
        return parseScaled(decimal);
    if (integer) {
        if (*integer < 0)
            return std::nullopt;
        return Int128(*integer) * kScale;
    }
    *present = false;
    return Int128(0);
}

bool mulOverflows(Int128 a, Int128 b, Int128 *out)
{
    return __builtin_mul_overflow(a, b, out);
}

// Rounds a non-negative scaled value to whole minor units, halves up. nullopt past qint64.
std::optional<qint64> roundHalfUp(Int128 scaled)
{
    Int128 whole = scaled / kScale;
    const Int128 rest = scaled % kScale;
    if (rest * 2 >= kScale)
        ++whole;
    if (whole > Int128(std::numeric_limits<qint64>::max()))
        return std::nullopt;
    return qint64(whole);
}

// Canonical decimal text of a scaled value in minor units ("0.15", "2000").
QString scaledToString(Int128 scaled)
{
    const Int128 whole = scaled / kScale;
    Int128 frac = scaled % kScale;
    QString text = QString::number(qint64(whole)); // whole <= 10^18 by construction
    if (frac == 0)
        return text;
    QString digits(kScaleDigits, QLatin1Char('0'));
    for (int i = kScaleDigits - 1; i >= 0; --i) {
        digits[i] = QChar(u'0' + int(frac % 10));
        frac /= 10;
    }
    while (digits.endsWith(QLatin1Char('0')))
        digits.chop(1);
    return text + QLatin1Char('.') + digits;
}

Error overflow()
{
    return validation(tr("The amount is too large to compute."), QStringLiteral("price charge overflow"));
}

struct TierAmounts
{
    Int128 unit = 0; // scaled
    Int128 flat = 0; // scaled
};

Result<TierAmounts> tierAmounts(const PriceTier &tier, int index)
{
    TierAmounts a;
    bool unitPresent = false;
    const auto unit = unitScaled(tier.unitAmount, tier.unitAmountDecimal, &unitPresent);
    if (!unit)
        return validation(tr("Tier %1 has an invalid unit amount: use a number of minor units with at most 12 decimals.")
                              .arg(index + 1));
    bool flatPresent = false;
    const auto flat = unitScaled(tier.flatAmount, tier.flatAmountDecimal, &flatPresent);
    if (!flat)
        return validation(tr("Tier %1 has an invalid flat amount: use a number of minor units with at most 12 decimals.")
                              .arg(index + 1));
    if (!unitPresent && !flatPresent)
        return validation(tr("Tier %1 has neither a unit amount nor a flat amount.").arg(index + 1));
    a.unit = *unit;
    a.flat = *flat;
    return a;
}

QString unitsText(qint64 first, std::optional<qint64> last)
{
    if (!last)
        return tr("Units %1 and above").arg(first);
    if (first == *last)
        return tr("Unit %1").arg(first);
    return tr("Units %1-%2").arg(first).arg(*last);
}

// Builds one line: quantity x unit + flat, rounded once.
Result<PriceChargeLine> makeLine(int tierIndex, qint64 quantity, Int128 unit, Int128 flat, const QString &what,
                                 const QString &currency, int exponent)
{
    PriceChargeLine line;
    line.tierIndex = tierIndex;
    line.quantity = quantity;
    line.unitAmountDecimal = scaledToString(unit);
    Int128 product = 0;
    if (mulOverflows(unit, Int128(quantity), &product))
        return overflow();
    Int128 sum = 0;
    if (__builtin_add_overflow(product, flat, &sum))
        return overflow();
    const auto rounded = roundHalfUp(sum);
    if (!rounded)
        return overflow();
    line.amountMinor = *rounded;
    const auto flatRounded = roundHalfUp(flat);
    line.flatAmountMinor = flatRounded.value_or(0);
    const QString unitMajor = PriceCalculator::minorDecimalToMajor(line.unitAmountDecimal, exponent);
    QString description = tr("%1 x %2 %3").arg(what, unitMajor, currency.toUpper());
    if (flat != 0)
        description += tr(" + flat %1 %2").arg(PriceCalculator::minorDecimalToMajor(scaledToString(flat), exponent),
                                               currency.toUpper());
    line.description = description;
    return line;
}

} // namespace

Status PriceCalculator::validateDecimal(const QString &decimal)
{
    if (!parseScaled(decimal))
        return validation(tr("'%1' is not a valid amount in minor units: use digits with at most 12 decimals, "
                             "for example 0.0015.")
                              .arg(decimal));
    return {};
}

QString PriceCalculator::minorDecimalToMajor(const QString &minorDecimal, int exponent)
{
    const auto scaled = parseScaled(minorDecimal);
    if (!scaled || exponent <= 0)
        return minorDecimal;
    // Shift the decimal point left by exponent digits, exactly, on the text.
    QString whole = minorDecimal.section(QLatin1Char('.'), 0, 0);
    const QString frac = minorDecimal.contains(QLatin1Char('.')) ? minorDecimal.section(QLatin1Char('.'), 1) : QString();
    while (whole.size() <= exponent)
        whole.prepend(QLatin1Char('0'));
    QString major = whole.left(whole.size() - exponent);
    QString decimals = whole.right(exponent) + frac;
    while (major.size() > 1 && major.startsWith(QLatin1Char('0')))
        major.remove(0, 1);
    // Keep at least the currency's own decimals ("12.50"), drop zeros beyond them.
    while (decimals.size() > exponent && decimals.endsWith(QLatin1Char('0')))
        decimals.chop(1);
    return major + QLatin1Char('.') + decimals;
}

Status PriceCalculator::validateTiers(const QList<PriceTier> &tiers)
{
    if (tiers.isEmpty())
        return validation(tr("A tiered price needs at least one tier."));
    std::optional<qint64> previous;
    for (int i = 0; i < tiers.size(); ++i) {
        const PriceTier &t = tiers.at(i);
        const bool last = i == tiers.size() - 1;
        if (!t.upTo) {
            if (!last)
                return validation(tr("Tier %1 is open-ended (\"and above\") but is not the last tier: only the last "
                                     "tier may have no upper bound.")
                                      .arg(i + 1));
        } else {
            if (*t.upTo < 1)
                return validation(tr("Tier %1 ends at %2: a tier must end at unit 1 or later.").arg(i + 1).arg(*t.upTo));
            if (previous && *t.upTo == *previous)
                return validation(tr("Tiers %1 and %2 both end at unit %3: the tiers overlap.")
                                      .arg(i)
                                      .arg(i + 1)
                                      .arg(*t.upTo));
            if (previous && *t.upTo < *previous)
                return validation(tr("Tier %1 ends at unit %2, before tier %3 (unit %4): the tiers are not sorted "
                                     "by their upper bound.")
                                      .arg(i + 1)
                                      .arg(*t.upTo)
                                      .arg(i)
                                      .arg(*previous));
            if (last)
                return validation(tr("The last tier ends at unit %1: the last tier must be open-ended (up to \"inf\") "
                                     "so every quantity has a price.")
                                      .arg(*t.upTo));
            previous = t.upTo;
        }
        if (!t.unitAmountDecimal.isEmpty() && t.unitAmount && !parseScaled(t.unitAmountDecimal))
            return validation(tr("Tier %1 has an invalid unit amount.").arg(i + 1));
        const auto amounts = tierAmounts(t, i);
        if (!amounts)
            return amounts.error();
    }
    return {};
}

Result<QList<PriceTier>> PriceCalculator::tiersFromRows(const QList<TierRow> &rows)
{
    if (rows.isEmpty())
        return validation(tr("A tiered price needs at least one tier."));
    QList<PriceTier> tiers;
    qint64 expectedFirst = 1;
    for (int i = 0; i < rows.size(); ++i) {
        const TierRow &row = rows.at(i);
        const bool last = i == rows.size() - 1;
        if (row.firstUnit < expectedFirst) {
            if (i == 0)
                return validation(tr("Tier 1 starts at unit %1: the first tier must start at unit 1.").arg(row.firstUnit));
            return validation(tr("Tier %1 starts at unit %2 but tier %3 already covers units up to %4: the tiers "
                                 "overlap.")
                                  .arg(i + 1)
                                  .arg(row.firstUnit)
                                  .arg(i)
                                  .arg(expectedFirst - 1));
        }
        if (row.firstUnit > expectedFirst) {
            if (i == 0)
                return validation(tr("Tier 1 starts at unit %1: the first tier must start at unit 1.").arg(row.firstUnit));
            return validation(tr("Units %1-%2 are in no tier: tier %3 ends at %4 and tier %5 starts at %6 (a gap).")
                                  .arg(expectedFirst)
                                  .arg(row.firstUnit - 1)
                                  .arg(i)
                                  .arg(expectedFirst - 1)
                                  .arg(i + 1)
                                  .arg(row.firstUnit));
        }
        if (!row.lastUnit && !last)
            return validation(tr("Tier %1 is open-ended (\"and above\") but is not the last tier.").arg(i + 1));
        if (row.lastUnit && *row.lastUnit < row.firstUnit)
            return validation(tr("Tier %1 ends at unit %2, before it starts (unit %3).")
                                  .arg(i + 1)
                                  .arg(*row.lastUnit)
                                  .arg(row.firstUnit));
        if (row.lastUnit && last)
            return validation(tr("The last tier ends at unit %1: the last tier must be open-ended (\"and above\") so "
                                 "every quantity has a price.")
                                  .arg(*row.lastUnit));
        PriceTier tier = row.amounts;
        tier.upTo = row.lastUnit;
        tiers << tier;
        if (row.lastUnit) {
            if (*row.lastUnit == std::numeric_limits<qint64>::max())
                return overflow();
            expectedFirst = *row.lastUnit + 1;
        }
    }
    if (const Status s = validateTiers(tiers); !s)
        return s.error();
    return tiers;
}

QStringList PriceCalculator::currencies(const Price &price)
{
    QStringList out;
    const QString own = price.currency.toLower();
    if (!own.isEmpty())
        out << own;
    for (auto it = price.currencyOptions.cbegin(); it != price.currencyOptions.cend(); ++it)
        if (it.key().toLower() != own)
            out << it.key().toLower();
    return out;
}

Result<Price> PriceCalculator::inCurrency(const Price &price, const QString &currency)
{
    const QString code = currency.toLower();
    if (code == price.currency.toLower())
        return price;
    const auto it = price.currencyOptions.constFind(code);
    if (it == price.currencyOptions.cend())
        return Error::make(Error::Kind::NotFound,
                           tr("Price %1 has no amount in %2.").arg(price.id, code.toUpper()));
    Price p = price;
    p.currency = code;
    p.unitAmount = it->unitAmount;
    p.unitAmountDecimal = it->unitAmountDecimal;
    p.tiers = it->tiers;
    p.currencyOptions.clear();
    return p;
}

Result<PriceCharge> PriceCalculator::charge(const Price &price, qint64 quantity)
{
    const auto currency = Currency::fromCode(price.currency);
    if (!currency)
        return validation(tr("The price's currency '%1' is not supported.").arg(price.currency));
    if (quantity < 0)
        return validation(tr("The quantity cannot be negative (%1).").arg(quantity));
    const int exponent = currency->exponent();
    const QString code = currency->code();

    PriceCharge result;
    result.total = Money(0, *currency);

    auto addLine = [&result](const PriceChargeLine &line) -> Status {
        const auto total = result.total.plus(Money(line.amountMinor, result.total.currency()));
        if (!total)
            return total.error();
        result.total = *total;
        result.lines << line;
        return {};
    };

    if (!price.isTiered()) {
        bool present = false;
        const auto unit = unitScaled(price.unitAmount, price.unitAmountDecimal, &present);
        if (!unit || !present)
            return validation(tr("The price has no valid unit amount (use a number of minor units with at most 12 "
                                 "decimals)."));
        if (!price.transformQuantity.isSet()) {
            const auto line = makeLine(-1, quantity, *unit, 0, QString(), code, exponent);
            if (!line)
                return line.error();
            PriceChargeLine l = *line;
            l.description = tr("%1 units x %2 %3")
                                .arg(quantity)
                                .arg(minorDecimalToMajor(l.unitAmountDecimal, exponent), code);
            if (const Status s = addLine(l); !s)
                return s.error();
            return result;
        }
        // Package: quantity / divide_by, rounded up or down to whole packages.
        const TransformQuantity &tq = price.transformQuantity;
        const bool up = tq.round == QLatin1String("up");
        if (!up && tq.round != QLatin1String("down"))
            return validation(tr("The package price's rounding '%1' is neither up nor down.").arg(tq.round));
        qint64 packages = quantity / tq.divideBy;
        if (up && quantity % tq.divideBy != 0)
            ++packages;
        const auto line = makeLine(-1, packages, *unit, 0, QString(), code, exponent);
        if (!line)
            return line.error();
        PriceChargeLine l = *line;
        l.description = tr("%1 units in packages of %2 (rounded %3): %4 packages x %5 %6")
                            .arg(quantity)
                            .arg(tq.divideBy)
                            .arg(up ? tr("up") : tr("down"))
                            .arg(packages)
                            .arg(minorDecimalToMajor(l.unitAmountDecimal, exponent), code);
        if (const Status s = addLine(l); !s)
            return s.error();
        return result;
    }

    if (const Status s = validateTiers(price.tiers); !s)
        return s.error();
    const bool volume = price.tiersMode == QLatin1String("volume");
    if (!volume && price.tiersMode != QLatin1String("graduated"))
        return validation(tr("The tiered price has an unknown tiers mode '%1'.").arg(price.tiersMode));
    if (quantity == 0)
        return result;

    qint64 first = 1;
    for (int i = 0; i < price.tiers.size(); ++i) {
        const PriceTier &tier = price.tiers.at(i);
        const auto amounts = tierAmounts(tier, i);
        if (!amounts)
            return amounts.error();
        if (volume) {
            if (tier.upTo && quantity > *tier.upTo) {
                first = *tier.upTo + 1;
                continue;
            }
            // The whole quantity at this tier's price.
            const auto line = makeLine(i, quantity, amounts->unit, amounts->flat,
                                       tr("%1 units (tier %2: %3)").arg(quantity).arg(i + 1).arg(unitsText(first, tier.upTo)),
                                       code, exponent);
            if (!line)
                return line.error();
            if (const Status s = addLine(*line); !s)
                return s.error();
            return result;
        }
        // Graduated: the units that fall into this tier.
        const qint64 last = tier.upTo ? std::min(*tier.upTo, quantity) : quantity;
        if (last < first)
            break;
        const qint64 units = last - first + 1;
        const auto line = makeLine(i, units, amounts->unit, amounts->flat,
                                   tr("%1 (%2 units)").arg(unitsText(first, tier.upTo)).arg(units), code, exponent);
        if (!line)
            return line.error();
        if (const Status s = addLine(*line); !s)
            return s.error();
        if (!tier.upTo || quantity <= *tier.upTo)
            break;
        first = *tier.upTo + 1;
    }
    return result;
}

} // namespace Billing
