#pragma once

#include "services/domain/catalog.h"
#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Billing {

// One line of what a price charges for a quantity: one tier (graduated), the whole quantity
// (per unit, volume, package), or a tier's flat fee.
struct PriceChargeLine
{
    int tierIndex = -1;         // index into Price::tiers; -1 for untiered prices
    qint64 quantity = 0;        // units charged on this line (after transform_quantity for package)
    QString unitAmountDecimal;  // exact unit amount in minor units as a decimal string ("0.15")
    qint64 flatAmountMinor = 0; // the tier's flat fee on this line
    qint64 amountMinor = 0;     // what this line charges, rounded the way Stripe rounds
    QString description;        // plain words: "Units 1-1000 at 0.15 each"
};

struct PriceCharge
{
    Money total; // sum of the lines' amountMinor, in the price's currency
    QList<PriceChargeLine> lines;
};

// What a Stripe price charges for a quantity, exactly in minor units: per_unit (unit_amount or
// unit_amount_decimal), package (transform_quantity divide_by with round up/down), tiered
// graduated and tiered volume (unit and flat amounts, decimal or integer). Rounding follows Stripe's
// invoicing rules; the result matches what Stripe puts on the invoice line.
// Thread-safe (pure). Errors: Kind::Validation with a plain userMessage for a negative quantity, a
// tier table with gaps, overlaps or no final "inf" tier, a decimal with more than 12 places, or
// an overflow.
class PriceCalculator final
{
public:
    static Result<PriceCharge> charge(const Price &price, qint64 quantity);
    // The tier table on its own (also used when a price is being created).
    static Status validateTiers(const QList<PriceTier> &tiers);

    // The price as it is charged in another currency: unit amounts and tiers from
    // currency_options[currency] (or the price itself for its own currency). NotFound when the
    // price has no option in that currency. Currency is case-insensitive.
    static Result<Price> inCurrency(const Price &price, const QString &currency);
    // Every currency the price can be charged in, lower case, its own currency first.
    static QStringList currencies(const Price &price);

    // A tier table as an editor shows it: explicit first and last unit per row (last empty = open
    // ended). Checks the rows start at 1, are sorted, have no gaps or overlaps, and end with an open
    // row; then returns Stripe's up_to form. Kind::Validation naming the row on failure.
    struct TierRow
    {
        qint64 firstUnit = 1;
        std::optional<qint64> lastUnit; // empty = "and above" (inf)
        PriceTier amounts;              // unitAmount/unitAmountDecimal/flatAmount/flatAmountDecimal
    };
    static Result<QList<PriceTier>> tiersFromRows(const QList<TierRow> &rows);

    // A decimal string in minor units ("0.0015", "2000"): digits with at most 12 decimals, not
    // negative. Kind::Validation otherwise. Used for unit_amount_decimal typed by staff.
    static Status validateDecimal(const QString &decimal);
    // An exact minor-unit decimal as major units with a dot, for descriptions and exports
    // ("0.15" cents in USD -> "0.0015"; "150" in JPY -> "150"; "1250" in KWD -> "1.25").
    static QString minorDecimalToMajor(const QString &minorDecimal, int exponent);
};

} // namespace Billing
