#include "services/domain/currency.h"

#include <array>

namespace Billing {

namespace {

// Stripe's rules for amounts in minor units, from "Supported currencies"
// (https://docs.stripe.com/currencies, sections "Zero-decimal currencies", "Three-decimal
// currencies" and "Special cases"):
// - Zero-decimal: the amount is in major units (JPY 500 means 500 yen).
// - Three-decimal (BHD JOD KWD OMR TND): amounts have three decimals but must end in 0,
//   so they are multiples of 10 minor units (5.124 KWD is sent as 5120).
// - ISK became zero-decimal, but for backwards compatibility Stripe represents it as two-decimal
// with
//   the decimal part always 00 (5 ISK is sent as 500): exponent 2, multiples of 100.
// - HUF and TWD are two-decimal for charges (only payouts need whole units); UGX is in the
//   zero-decimal list.
// - Every other supported presentment currency is two-decimal.
struct Entry
{
    const char *code;
    int exponent;
    int step;
};

constexpr Entry kZero[] = {
    {"BIF", 0, 1}, {"CLP", 0, 1}, {"DJF", 0, 1}, {"GNF", 0, 1}, {"JPY", 0, 1}, {"KMF", 0, 1},
    {"KRW", 0, 1}, {"MGA", 0, 1}, {"PYG", 0, 1}, {"RWF", 0, 1}, {"UGX", 0, 1}, {"VND", 0, 1},
    {"VUV", 0, 1}, {"XAF", 0, 1}, {"XOF", 0, 1}, {"XPF", 0, 1},
};

constexpr Entry kThree[] = {
    {"BHD", 3, 10}, {"JOD", 3, 10}, {"KWD", 3, 10}, {"OMR", 3, 10}, {"TND", 3, 10},
};

constexpr Entry kSpecial[] = {
    {"ISK", 2, 100},
};

// Two-decimal presentment currencies Stripe supports.
constexpr const char *kTwo[] = {
    "USD", "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM",
    "BBD", "BDT", "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHF", "CNY", "COP", "CRC", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD",
    "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "JMD", "KES", "KGS", "KHR", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MKD", "MMK", "MNT", "MOP", "MUR",
    "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB",
    "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR",
    "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "STD", "SZL", "THB", "TJS", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UYU", "UZS", "WST", "XCD", "YER", "ZAR", "ZMW",
};

bool isAsciiLetters(QStringView code)
{
    for (QChar c : code) {
        if (!((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z')))
            return false;
    }
    return true;
}

} // namespace

std::optional<Currency> Currency::fromCode(QStringView code)
{
    if (code.size() != 3 || !isAsciiLetters(code))
        return std::nullopt;
    const QString upper = code.toString().toUpper();
    const QByteArray latin = upper.toLatin1();
    auto same = [&latin](const char *c) { return qstrcmp(latin.constData(), c) == 0; };
    for (const Entry &e : kZero)
        if (same(e.code))
            return Currency(upper, e.exponent, e.step);
    for (const Entry &e : kThree)
        if (same(e.code))
            return Currency(upper, e.exponent, e.step);
    for (const Entry &e : kSpecial)
        if (same(e.code))
            return Currency(upper, e.exponent, e.step);
    for (const char *c : kTwo)
        if (same(c))
            return Currency(upper, 2, 1);
    return std::nullopt;
}

QStringList Currency::supportedCodes()
{
    QStringList codes;
    for (const Entry &e : kZero)
        codes << QString::fromLatin1(e.code);
    for (const Entry &e : kThree)
        codes << QString::fromLatin1(e.code);
    for (const Entry &e : kSpecial)
        codes << QString::fromLatin1(e.code);
    for (const char *c : kTwo)
        codes << QString::fromLatin1(c);
    codes.sort();
    return codes;
}

} // namespace Billing
