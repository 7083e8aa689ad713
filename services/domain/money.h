#pragma once

#include "services/domain/currency.h"
#include "services/domain/result.h"

#include <QLocale>
#include <QString>
#include <QtGlobal>

namespace Billing {

// How a value that falls between two minor units is settled. Rounding happens once, explicitly.
enum class Rounding {
    HalfUp,   // half away from zero (Stripe's rounding of line amounts)
    HalfEven, // banker's rounding
    Down,     // toward zero (truncate)
    Up,       // away from zero
    Floor,    // toward negative infinity
    Ceiling,  // toward positive infinity
};

// An exact amount: qint64 minor units plus its currency. Never built from or turned into a double.
// Arithmetic is overflow-checked and refuses to mix currencies (Error::Kind::Validation).
class Money
{
public:
    Money() = default; // zero of an invalid currency
    Money(qint64 minorUnits, Currency currency) : m_minor(minorUnits), m_currency(std::move(currency)) {}

    qint64 minor() const { return m_minor; }
    const Currency &currency() const { return m_currency; }
    bool isValid() const { return m_currency.isValid(); }
    bool isZero() const { return m_minor == 0; }
    bool isNegative() const { return m_minor < 0; }

    Result<Money> plus(const Money &other) const;
    Result<Money> minus(const Money &other) const;
    Result<Money> times(qint64 factor) const;
    Result<Money> negated() const;
    // this * numerator / denominator, rounded once with the given mode (proration, tax, FX).
    // The intermediate product is exact (128-bit), so only the final result can overflow.
    Result<Money> scaled(qint64 numerator, qint64 denominator, Rounding rounding) const;

    struct ParseOptions
    {
        bool allowNegative = false;
        bool allowZero = true;
        // Reject amounts Stripe would refuse for the currency: not a multiple of
        // Currency::stripeAmountStep() (three-decimal currencies must end in 0, ISK has no decimals).
        bool enforceStripeStep = true;
    };
    // Strict parse of a typed amount in major units: "12", "12.3", "12.34", "-5.00" (if allowed),
    // "1,234.56" / "1.234,56" grouped per locale; the plain C form "1234.56" is accepted in every locale
    // when the text is not valid in the locale's own form. Surrounding white space is ignored. Rejects more decimals than the currency has
    // ("1.234" for USD), exponents, garbage, overflow. Error::userMessage says why, in plain words.
    static Result<Money> parse(QStringView text, const Currency &currency, const QLocale &locale,
                               ParseOptions options);
    static Result<Money> parse(QStringView text, const Currency &currency)
    {
        return parse(text, currency, QLocale::c(), ParseOptions{});
    }

    // Exact machine form in major units with a dot: "1234.50", "-0.05", "1500" (JPY), "1.250" (KWD).
    QString toDecimalString() const;
    // For display only (models and ui call this): grouping, decimal sign and currency symbol by locale.
    QString toLocaleString(const QLocale &locale) const;

    friend bool operator==(const Money &a, const Money &b)
    {
        return a.m_minor == b.m_minor && a.m_currency == b.m_currency;
    }
    friend bool operator!=(const Money &a, const Money &b) { return !(a == b); }

private:
    qint64 m_minor = 0;
    Currency m_currency;
};

} // namespace Billing
