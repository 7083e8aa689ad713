#pragma once

#include "services/domain/result.h"

#include <QDate>
#include <QDateTime>
#include <QString>
#include <QStringView>

namespace Billing {

// An exact exchange rate: numerator / denominator units of the quote currency per one unit of the
// base currency, in MAJOR units (1 EUR = 1.0842 USD is 10842 / 10000). Never a double.
struct ExactRate
{
    qint64 numerator = 0;
    qint64 denominator = 1;

    // Strict parse of a decimal rate: digits with at most one '.', up to 12 decimals and 18 digits in
    // all ("1.0842", "151.37", "0.000123"). Validation error, in plain words, for zero, negative,
    // empty, exponent or garbage input.
    static Result<ExactRate> parse(QStringView text);
    // The same rate the other way round (1 / rate), still exact.
    ExactRate inverted() const { return {denominator, numerator}; }
    // Canonical decimal form of a parsed rate ("1.0842"), or "n/d" when it is not a finite decimal.
    QString toString() const;
};

// One row of the dated FX-rate table: 1 base = rate quote, valid from `date` until the next dated
// row of the same pair.
struct FxRate
{
    qint64 id = 0;         // assigned by the repository
    QString base;          // ISO 4217, upper case: "EUR"
    QString quote;         // "USD"
    QDate date;            // the day the rate applies from (UTC)
    QString rate;          // exact decimal string as entered, canonical ("1.0842")
    QString source;        // "ECB reference", "manual", the CSV file name...
    QString enteredBy;     // staff email
    QDateTime enteredAt;   // UTC

    // "1 EUR = 1.0842 USD on 2026-10-31 (ECB reference)"
    QString describe() const;
};

} // namespace Billing
