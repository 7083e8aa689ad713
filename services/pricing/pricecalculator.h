#pragma once

#include "services/domain/catalog.h"
#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QList>
#include <QString>

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
};

} // namespace Billing
