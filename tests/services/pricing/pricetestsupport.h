#pragma once

// Builds Price values from a compact tier notation shared by the pricing tests:
// "5:1000;10:800;inf:600" = up_to:unit[:flat], a unit or flat with a dot is a *_decimal string.

#include "services/domain/catalog.h"

#include <QStringList>

namespace Billing::Test {

inline PriceTier tierFromText(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char(':'));
    PriceTier t;
    if (parts.value(0) != QLatin1String("inf"))
        t.upTo = parts.value(0).toLongLong();
    const QString unit = parts.value(1);
    if (unit.contains(QLatin1Char('.')))
        t.unitAmountDecimal = unit;
    else if (!unit.isEmpty())
        t.unitAmount = unit.toLongLong();
    const QString flat = parts.value(2);
    if (flat.contains(QLatin1Char('.')))
        t.flatAmountDecimal = flat;
    else if (!flat.isEmpty())
        t.flatAmount = flat.toLongLong();
    return t;
}

inline QList<PriceTier> tiersFromText(const QString &text)
{
    QList<PriceTier> tiers;
    if (text.isEmpty())
        return tiers;
    for (const QString &t : text.split(QLatin1Char(';')))
        tiers << tierFromText(t);
    return tiers;
}

// scheme: "per_unit", "package:<divide_by>:<up|down>", "graduated", "volume".
// unit: integer unit_amount or (with a dot) unit_amount_decimal; ignored for tiered prices.
inline Price priceFromText(const QString &currency, const QString &scheme, const QString &unit, const QString &tiers)
{
    Price p;
    p.id = QStringLiteral("price_test");
    p.productId = QStringLiteral("prod_test");
    p.currency = currency.toLower();
    p.type = QStringLiteral("one_time");
    if (scheme == QLatin1String("graduated") || scheme == QLatin1String("volume")) {
        p.billingScheme = QStringLiteral("tiered");
        p.tiersMode = scheme;
        p.tiers = tiersFromText(tiers);
        return p;
    }
    p.billingScheme = QStringLiteral("per_unit");
    if (unit.contains(QLatin1Char('.')))
        p.unitAmountDecimal = unit;
    else
        p.unitAmount = unit.toLongLong();
    if (scheme.startsWith(QLatin1String("package:"))) {
        p.transformQuantity.divideBy = scheme.section(QLatin1Char(':'), 1, 1).toLongLong();
        p.transformQuantity.round = scheme.section(QLatin1Char(':'), 2, 2);
    }
    return p;
}

// The table of prices and quantities with amounts worked out by hand from Stripe's rules
// (line = quantity x unit (+ flat), rounded half up per line; graduated = one line per tier).
// Shared by the pure test and the sandbox cross-check.
struct ChargeCase
{
    const char *name;
    const char *currency;
    const char *scheme;
    const char *unit;
    const char *tiers;
    qint64 quantity;
    qint64 total;
    const char *lines; // comma-separated line amounts
};

inline const QList<ChargeCase> &chargeCases()
{
    static const QList<ChargeCase> cases = {
        {"usd per unit integer", "usd", "per_unit", "2000", "", 3, 6000, "6000"},
        {"usd per unit zero quantity", "usd", "per_unit", "2000", "", 0, 0, "0"},
        {"usd decimal 0.05 x 30 rounds 1.5 up (Stripe's example)", "usd", "per_unit", "0.05", "", 30, 2, "2"},
        {"usd decimal 0.05 x 29 rounds 1.45 down", "usd", "per_unit", "0.05", "", 29, 1, "1"},
        {"usd decimal 0.0015 x 1000 = 1.5 -> 2", "usd", "per_unit", "0.0015", "", 1000, 2, "2"},
        {"usd decimal 0.0015 x 999 = 1.4985 -> 1", "usd", "per_unit", "0.0015", "", 999, 1, "1"},
        {"usd decimal 105.5 (Stripe's $1.055)", "usd", "per_unit", "105.5", "", 1, 106, "106"},
        {"usd twelve decimal places", "usd", "per_unit", "0.000000000001", "", 1000000000000, 1, "1"},
        {"usd twelve decimal places just under half", "usd", "per_unit", "0.000000000001", "", 499999999999, 0, "0"},
        {"eur decimal large quantity", "eur", "per_unit", "0.123456789012", "", 1000000, 123457, "123457"},
        {"jpy per unit", "jpy", "per_unit", "500", "", 3, 1500, "1500"},
        {"jpy decimal half yen x 3 = 1.5 -> 2", "jpy", "per_unit", "0.5", "", 3, 2, "2"},
        {"krw per unit", "krw", "per_unit", "1000", "", 7, 7000, "7000"},
        {"kwd per unit 1.250", "kwd", "per_unit", "1250", "", 3, 3750, "3750"},
        {"kwd decimal 0.3333 fils x 3 = 0.9999 -> 1", "kwd", "per_unit", "0.3333", "", 3, 1, "1"},
        {"bhd decimal 12.5 fils x 3 = 37.5 -> 38", "bhd", "per_unit", "12.5", "", 3, 38, "38"},
        {"package of 10 round up, 25 units = 3 packages", "usd", "package:10:up", "500", "", 25, 1500, "1500"},
        {"package of 10 round down, 25 units = 2 packages", "usd", "package:10:down", "500", "", 25, 1000, "1000"},
        {"package of 10 round up, exact 10 units", "usd", "package:10:up", "500", "", 10, 500, "500"},
        {"package of 10 round down, 9 units = 0 packages", "usd", "package:10:down", "500", "", 9, 0, "0"},
        {"package jpy of 1000 round up", "jpy", "package:1000:up", "100", "", 1001, 200, "200"},
        {"graduated 12 units across three tiers", "usd", "graduated", "", "5:1000;10:800;inf:600", 12, 10200,
         "5000,4000,1200"},
        {"graduated exactly the first tier", "usd", "graduated", "", "5:1000;10:800;inf:600", 5, 5000, "5000"},
        {"graduated first unit of the second tier", "usd", "graduated", "", "5:1000;10:800;inf:600", 6, 5800,
         "5000,800"},
        {"graduated flat fee then decimal overage", "usd", "graduated", "", "100:0:2000;inf:0.4", 150, 2020,
         "2000,20"},
        {"graduated flat fee within the first tier", "usd", "graduated", "", "100:0:2000;inf:0.4", 1, 2000, "2000"},
        {"graduated each tier rounds on its own", "usd", "graduated", "", "3:0.5;inf:0.5", 6, 4, "2,2"},
        {"graduated kwd decimal tier", "kwd", "graduated", "", "10:1000;inf:333.3", 13, 11000, "10000,1000"},
        {"graduated krw with flat fees per tier", "krw", "graduated", "", "2:100:1000;inf:50:500", 4, 1800,
         "1200,600"},
        {"volume 12 units all at the last tier", "usd", "volume", "", "5:1000;10:800;inf:600", 12, 7200, "7200"},
        {"volume 10 units at the second tier", "usd", "volume", "", "5:1000;10:800;inf:600", 10, 8000, "8000"},
        {"volume 6 units at the second tier", "usd", "volume", "", "5:1000;10:800;inf:600", 6, 4800, "4800"},
        {"volume flat fee only tier", "usd", "volume", "", "10:0:5000;inf:400:1000", 8, 5000, "5000"},
        {"volume flat plus units above", "usd", "volume", "", "10:0:5000;inf:400:1000", 11, 5400, "5400"},
        {"volume jpy decimal 0.25 x 6 = 1.5 -> 2", "jpy", "volume", "", "inf:0.25", 6, 2, "2"},
        {"volume bhd decimal tier", "bhd", "volume", "", "100:2.5;inf:1.25", 101, 126, "126"},
    };
    return cases;
}

} // namespace Billing::Test
