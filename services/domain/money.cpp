#include "services/domain/money.h"

#include <limits>

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("Billing::Money", text, nullptr, n);
}

Error validation(QString userMessage, QString detail = {})
{
    return Error::make(Error::Kind::Validation, std::move(userMessage), std::move(detail));
}

Error overflowError(const char *op)
{
    return validation(tr("The amount is too large."),
                      QStringLiteral("Money overflow in %1").arg(QLatin1String(op)));
}

Status sameCurrency(const Money &a, const Money &b)
{
    if (!a.isValid() || !b.isValid())
        return validation(tr("The amount has no currency."),
                          QStringLiteral("Money without a currency"));
    if (a.currency() != b.currency())
        return validation(tr("Amounts in %1 and %2 cannot be combined.")
                              .arg(a.currency().code(), b.currency().code()),
                          QStringLiteral("currency mismatch %1 vs %2")
                              .arg(a.currency().code(), b.currency().code()));
    return {};
}

quint64 pow10u(int exponent)
{
    quint64 p = 1;
    for (int i = 0; i < exponent; ++i)
        p *= 10;
    return p;
}

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

bool allDigits(QStringView s)
{
    for (QChar c : s)
        if (!isAsciiDigit(c))
            return false;
    return true;
}

bool isSpaceLike(QStringView s)
{
    return s == u" " || s == u"\u00a0" || s == u"\u202f";
}

struct Parts
{
    QString integer;  // digits only
    QString fraction; // digits only, may be empty
};

// Splits "1,234.56" into {"1234", "56"} given the decimal and group separators (group may be empty:
// no grouping allowed). Grouping must be regular: 1-3 digits, then groups of exactly 3.
std::optional<Parts> splitNumber(QStringView body, QStringView decimal, QStringView group)
{
    Parts parts;
    QStringView intPart = body;
    const qsizetype dot = body.indexOf(decimal);
    if (dot >= 0) {
        intPart = body.left(dot);
        const QStringView frac = body.mid(dot + decimal.size());
        if (frac.isEmpty() || !allDigits(frac))
            return std::nullopt;
        parts.fraction = frac.toString();
    }
    if (intPart.isEmpty())
        return std::nullopt;
    if (allDigits(intPart)) {
        parts.integer = intPart.toString();
        return parts;
    }
    if (group.isEmpty())
        return std::nullopt;
    // Normalise space-like group separators (fr_FR uses U+202F, others U+00A0; people type a
    // space).
    QString normalised = intPart.toString();
    QString sep = group.toString();
    if (isSpaceLike(group)) {
        normalised.replace(QChar(0x00a0), QChar(u' '));
        normalised.replace(QChar(0x202f), QChar(u' '));
        sep = QStringLiteral(" ");
    }
    const QStringList groups = normalised.split(sep);
    for (qsizetype i = 0; i < groups.size(); ++i) {
        const QString &g = groups.at(i);
        if (!allDigits(g))
            return std::nullopt;
        if (i == 0 ? (g.isEmpty() || g.size() > 3) : g.size() != 3)
            return std::nullopt;
        parts.integer += g;
    }
    return parts;
}

// Symbol for a currency in a locale: the locale's own symbol for its own currency, else the
// common international symbol, else the ISO code.
QString symbolFor(const Currency &currency, const QLocale &locale)
{
    if (locale.currencySymbol(QLocale::CurrencyIsoCode) == currency.code())
        return locale.currencySymbol(QLocale::CurrencySymbol);
    struct Sym
    {
        const char *code;
        const char16_t *symbol;
    };
    static constexpr Sym table[] = {
        {"USD", u"US$"},    {"EUR", u"\u20ac"}, {"GBP", u"\u00a3"},     {"JPY", u"\u00a5"},
        {"INR", u"\u20b9"}, {"KRW", u"\u20a9"}, {"CNY", u"CN\u00a5"},   {"CAD", u"CA$"},
        {"AUD", u"A$"},     {"NZD", u"NZ$"},    {"BRL", u"R$"},         {"MXN", u"MX$"},
        {"HKD", u"HK$"},    {"TWD", u"NT$"},    {"ILS", u"\u20aa"},     {"VND", u"\u20ab"},
        {"PHP", u"\u20b1"}, {"NGN", u"\u20a6"}, {"UAH", u"\u20b4"},     {"THB", u"\u0e3f"},
        {"TRY", u"\u20ba"}, {"XAF", u"FCFA"},   {"XOF", u"F\u202fCFA"}, {"XPF", u"CFPF"},
    };
    const QByteArray code = currency.code().toLatin1();
    for (const Sym &s : table)
        if (qstrcmp(code.constData(), s.code) == 0)
            return QString::fromUtf16(s.symbol);
    return currency.code();
}

} // namespace

Result<Money> Money::plus(const Money &other) const
{
    if (Status s = sameCurrency(*this, other); !s)
        return s.error();
    qint64 r = 0;
    if (__builtin_add_overflow(m_minor, other.m_minor, &r))
        return overflowError("plus");
    return Money(r, m_currency);
}

Result<Money> Money::minus(const Money &other) const
{
    if (Status s = sameCurrency(*this, other); !s)
        return s.error();
    qint64 r = 0;
    if (__builtin_sub_overflow(m_minor, other.m_minor, &r))
        return overflowError("minus");
    return Money(r, m_currency);
}

Result<Money> Money::times(qint64 factor) const
{
    qint64 r = 0;
    if (__builtin_mul_overflow(m_minor, factor, &r))
        return overflowError("times");
    return Money(r, m_currency);
}

Result<Money> Money::negated() const
{
    qint64 r = 0;
    if (__builtin_sub_overflow(qint64(0), m_minor, &r))
        return overflowError("negated");
    return Money(r, m_currency);
}

Result<Money> Money::scaled(qint64 numerator, qint64 denominator, Rounding rounding) const
{
    if (denominator == 0)
        return validation(tr("Cannot divide an amount by zero."),
                          QStringLiteral("Money::scaled with denominator 0"));
    __int128 num = static_cast<__int128>(m_minor) * numerator;
    __int128 den = denominator;
    if (den < 0) {
        num = -num;
        den = -den;
    }
    __int128 q = num / den;       // truncated toward zero
    const __int128 r = num % den; // same sign as num
    if (r != 0) {
        const int sign = num < 0 ? -1 : 1;
        const __int128 twiceRem = (r < 0 ? -r : r) * 2;
        switch (rounding) {
        case Rounding::Down:
            break;
        case Rounding::Up:
            q += sign;
            break;
        case Rounding::Floor:
            if (sign < 0)
                q -= 1;
            break;
        case Rounding::Ceiling:
            if (sign > 0)
                q += 1;
            break;
        case Rounding::HalfUp:
            if (twiceRem >= den)
                q += sign;
            break;
        case Rounding::HalfEven:
            if (twiceRem > den || (twiceRem == den && (q % 2) != 0))
                q += sign;
            break;
        }
    }
    if (q > std::numeric_limits<qint64>::max() || q < std::numeric_limits<qint64>::min())
        return overflowError("scaled");
    return Money(static_cast<qint64>(q), m_currency);
}

Result<Money> Money::parse(QStringView text, const Currency &currency, const QLocale &locale,
                           ParseOptions options)
{
    if (!currency.isValid())
        return validation(tr("Choose a currency first."),
                          QStringLiteral("Money::parse without a currency"));
    const QStringView trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return validation(tr("Enter an amount."));

    QStringView body = trimmed;
    bool negative = false;
    const QString localeMinus = locale.negativeSign();
    const QString localePlus = locale.positiveSign();
    if (body.startsWith(u'-') || body.startsWith(QChar(0x2212))) {
        negative = true;
        body = body.mid(1);
    } else if (!localeMinus.isEmpty() && body.startsWith(localeMinus)) {
        negative = true;
        body = body.mid(localeMinus.size());
    } else if (body.startsWith(u'+')) {
        body = body.mid(1);
    } else if (!localePlus.isEmpty() && body.startsWith(localePlus)) {
        body = body.mid(localePlus.size());
    }
    const QString shown = trimmed.toString();
    const QString invalid =
        tr("\"%1\" is not a valid amount. Type digits with at most one decimal separator, e.g. %2.")
            .arg(shown, locale.toString(1234.5, 'f', 2));
    if (body.isEmpty())
        return validation(invalid);

    QString group = locale.groupSeparator();
    if (locale.numberOptions().testFlag(QLocale::OmitGroupSeparator))
        group.clear();
    std::optional<Parts> parts = splitNumber(body, locale.decimalPoint(), group);
    if (!parts)
        parts = splitNumber(body, u".", u"");
    if (!parts)
        return validation(invalid, QStringLiteral("unparsable amount '%1'").arg(shown));

    const int exponent = currency.exponent();
    if (parts->fraction.size() > exponent) {
        if (exponent == 0)
            return validation(
                tr("%1 amounts have no decimal places: \"%2\".").arg(currency.code(), shown));
        return validation(tr("%1 amounts have at most %n decimal place(s): \"%2\".", exponent)
                              .arg(currency.code(), shown));
    }

    // minor = integer * 10^exponent + fraction * 10^(exponent - fraction digits), overflow-checked.
    // Accumulated with the sign applied digit by digit, so that INT64_MIN parses too.
    qint64 value = 0;
    bool overflow = false;
    const qint64 sign = negative ? -1 : 1;
    auto pushDigit = [&](QChar c) {
        overflow = overflow || __builtin_mul_overflow(value, qint64(10), &value) ||
                   __builtin_add_overflow(value, sign * qint64(c.unicode() - u'0'), &value);
    };
    for (QChar c : std::as_const(parts->integer))
        pushDigit(c);
    for (int i = 0; i < exponent; ++i)
        pushDigit(i < parts->fraction.size() ? parts->fraction.at(i) : QChar(u'0'));
    if (overflow)
        return validation(tr("\"%1\" is too large.").arg(shown),
                          QStringLiteral("amount overflow '%1'").arg(shown));

    if (negative && value != 0 && !options.allowNegative)
        return validation(tr("The amount cannot be negative."));
    if (value == 0 && !options.allowZero)
        return validation(tr("The amount must be more than zero."));
    if (options.enforceStripeStep && currency.stripeAmountStep() > 1 &&
        value % currency.stripeAmountStep() != 0) {
        const qint64 step = currency.stripeAmountStep();
        return validation(tr("%1 amounts must be a multiple of %2.")
                              .arg(currency.code(), Money(step, currency).toDecimalString()));
    }
    return Money(value, currency);
}

QString Money::toDecimalString() const
{
    const bool negative = m_minor < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(m_minor) : quint64(m_minor);
    const int exponent = m_currency.exponent();
    const quint64 scale = pow10u(exponent);
    QString out = QString::number(magnitude / scale);
    if (exponent > 0)
        out += u'.' + QString::number(magnitude % scale).rightJustified(exponent, u'0');
    return negative ? u'-' + out : out;
}

QString Money::toLocaleString(const QLocale &locale) const
{
    const bool negative = m_minor < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(m_minor) : quint64(m_minor);
    const int exponent = m_currency.exponent();
    const quint64 scale = pow10u(exponent);

    // The number, built from exact integer parts (never a double).
    QString number = locale.toString(static_cast<qulonglong>(magnitude / scale));
    if (exponent > 0) {
        QLocale plain = locale;
        plain.setNumberOptions(plain.numberOptions() | QLocale::OmitGroupSeparator);
        QString frac = plain.toString(static_cast<qulonglong>(magnitude % scale));
        const QString zero = locale.zeroDigit();
        while (frac.size() < exponent * zero.size())
            frac.prepend(zero);
        number += locale.decimalPoint() + frac;
    }

    // Where the symbol and the sign go comes from QLocale's own currency pattern, shown for 1 / -1.
    const QString symbol = symbolFor(m_currency, locale);
    const QString pattern =
        locale.toCurrencyString(negative ? qlonglong(-1) : qlonglong(1), symbol);
    const QString one = locale.toString(1);
    const qsizetype at = pattern.lastIndexOf(one);
    if (at < 0)
        return (negative ? locale.negativeSign() : QString()) + number + u' ' + symbol;
    QString out = pattern;
    out.replace(at, one.size(), number);
    // CLDR currency spacing: a symbol that ends (or starts) with a letter, such as an ISO code, is
    // kept apart from the digits by a no-break space ("KWD 1,234.500", not "KWD1,234.500").
    const qsizetype symAt = out.indexOf(symbol);
    if (symAt >= 0 && !symbol.isEmpty()) {
        const qsizetype after = symAt + symbol.size();
        if (after < out.size() && symbol.back().isLetter() && !out.at(after).isSpace() &&
            out.at(after) != u'(')
            out.insert(after, QChar(0x00a0));
        else if (symAt > 0 && symbol.front().isLetter() && !out.at(symAt - 1).isSpace() &&
                 out.at(symAt - 1) != u'(')
            out.insert(symAt, QChar(0x00a0));
    }
    return out;
}

} // namespace Billing
