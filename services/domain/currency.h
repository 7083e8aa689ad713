#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace Billing {

// An ISO 4217 currency as Stripe uses it. exponent() is the number of decimal places of the
// integer amounts Stripe sends and accepts (0 for JPY/KRW, 2 for USD/EUR, 3 for KWD/BHD/JOD/OMR/TND),
// which is what Money's minor units mean. Cheap to copy; immutable.
class Currency
{
public:
    Currency() = default; // invalid: code() is empty

    // Case-insensitive ("usd" as Stripe writes it, or "USD"). nullopt for unknown codes.
    static std::optional<Currency> fromCode(QStringView code);
    // Every code fromCode() knows, upper case, sorted.
    static QStringList supportedCodes();

    bool isValid() const { return !m_code.isEmpty(); }
    QString code() const { return m_code; }            // upper case, "USD"
    QString stripeCode() const { return m_code.toLower(); } // lower case, as Stripe sends it
    int exponent() const { return m_exponent; }
    bool isZeroDecimal() const { return m_exponent == 0; }
    // Stripe requires amounts in some currencies to be multiples of this many minor units
    // (three-decimal currencies: 10; ISK, which Stripe treats as two-decimal: 100). Else 1.
    int stripeAmountStep() const { return m_step; }

    friend bool operator==(const Currency &a, const Currency &b) { return a.m_code == b.m_code; }
    friend bool operator!=(const Currency &a, const Currency &b) { return !(a == b); }

private:
    Currency(QString code, int exponent, int step)
        : m_code(std::move(code)), m_exponent(exponent), m_step(step)
    {
    }

    QString m_code;
    int m_exponent = 2;
    int m_step = 1;
};

} // namespace Billing
