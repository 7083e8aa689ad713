#pragma once

// Deterministic building blocks of the benchmark data set (bc-generate-cache), shared with
// bc-bench-cache so its search queries can name what the generator writes.

#include <QChar>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <iterator>

namespace Billing::BenchData {

// splitmix64: tiny, fast and identical on every platform (std distributions are not).
class Rng
{
public:
    explicit Rng(quint64 seed) : m_state(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
    quint64 next()
    {
        quint64 z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % quint64(n)); }
    double unit() { return double(next() >> 11) * (1.0 / 9007199254740992.0); } // [0, 1)

private:
    quint64 m_state;
};

inline quint64 mix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// 2023-01-01 .. 2026-01-01 UTC: three years of history.
constexpr qint64 EpochStart = 1672531200;
constexpr qint64 EpochEnd = 1767225600;

constexpr int CurrencyCount = 5;
constexpr const char *Currencies[CurrencyCount] = {"usd", "eur", "gbp", "jpy", "kwd"};
constexpr int Exponents[CurrencyCount] = {2, 2, 2, 0, 3};
constexpr const char *Symbols[CurrencyCount] = {"$", "€", "£", "¥", "KWD "};

// usd 50 %, eur 25 %, gbp 15 %, jpy 7 %, kwd 3 %.
inline int pickCurrency(Rng &rng)
{
    const int r = rng.below(100);
    return r < 50 ? 0 : r < 75 ? 1 : r < 90 ? 2 : r < 97 ? 3 : 4;
}

inline QString pickCountry(Rng &rng, int currency)
{
    static const char *const euro[] = {"DE", "FR", "ES", "NL", "IT", "IE", "AT", "BE"};
    switch (currency) {
    case 0: return rng.below(10) < 8 ? QStringLiteral("US") : QStringLiteral("CA");
    case 1: return QString::fromLatin1(euro[rng.below(int(std::size(euro)))]);
    case 2: return QStringLiteral("GB");
    case 3: return QStringLiteral("JP");
    default: return QStringLiteral("KW");
    }
}

inline QString phone(Rng &rng, int currency)
{
    static const char *const prefixes[CurrencyCount] = {"+1 415", "+49 30", "+44 20", "+81 3", "+965 2"};
    return QStringLiteral("%1 %2 %3")
        .arg(QString::fromLatin1(prefixes[currency]))
        .arg(100 + rng.below(900))
        .arg(1000 + rng.below(9000));
}

// Stripe-looking id: prefix_ + `length` base62 characters, a pure function of (prefix, n).
inline QString stripeId(const char *prefix, quint64 n, int length)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    QString id = QString::fromLatin1(prefix) + QLatin1Char('_');
    quint64 salt = 0;
    for (const char *p = prefix; *p; ++p)
        salt = salt * 131 + quint64(*p);
    quint64 h = mix(n ^ mix(salt));
    for (int i = 0; i < length; ++i) {
        if (i % 10 == 9)
            h = mix(h + quint64(i));
        id += QLatin1Char(alphabet[h % 62]);
        h /= 62;
    }
    return id;
}

// A customer's invoice number prefix: 8 upper-case hex characters, as Stripe makes them.
inline QString invoicePrefix(quint64 customerIndex)
{
    return QStringLiteral("%1").arg(mix(customerIndex ^ 0xC0FFEEULL) & 0xFFFFFFFFULL, 8, 16, QLatin1Char('0')).toUpper();
}

inline const QStringList &firstNames()
{
    static const QStringList names = QString::fromUtf8(
        "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
        "Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Sandra Mark Ashley "
        "Sophie Lukas Emma Noah Mia Léa Hugo Chloé Louis Lucía Mateo Sofía Marco Giulia Luca Anna Jan Eva "
        "Oliver Amelia Harry Isla Yuki Haruto Sakura Ren Ahmed Fatima Omar Noura José María Zoë Björn")
                                          .split(QLatin1Char(' '));
    return names;
}

inline const QStringList &lastNames()
{
    static const QStringList names = QString::fromUtf8(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
        "Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker Hall Young "
        "Müller Schmidt Schneider Fischer Weber Meyer Dubois Lefèvre Moreau Rossi Russo Bianchi Fernández "
        "González Jansen de Vries Bakker Sato Suzuki Takahashi Tanaka Al-Sabah Al-Mutairi O'Brien Kowalski "
        "Nowak Novák Andersson Johansson Nielsen")
                                          .split(QLatin1Char(' '));
    return names;
}

inline QString syllableName(Rng &rng, int syllables)
{
    static const char *const parts[] = {"ka", "ri", "mo", "lan", "der", "so", "vi", "na", "tor", "el",
                                        "ma", "jo", "ber", "ten", "li", "ra", "gu", "sha", "no", "ve",
                                        "da", "ric", "ton", "mi", "ash", "ford", "wen", "lo", "bel", "stein",
                                        "qua", "zen", "ox", "ty", "har", "mel", "pa", "dri", "cor", "fin"};
    QString s;
    for (int i = 0; i < syllables; ++i)
        s += QString::fromLatin1(parts[rng.below(int(std::size(parts)))]);
    s[0] = s[0].toUpper();
    return s;
}

// Lower-case ASCII of a name for an email local part (diacritics dropped, others removed).
inline QString asciiLocal(const QString &s)
{
    QString out;
    for (QChar c : s.normalized(QString::NormalizationForm_D)) {
        if (c.unicode() < 128 && c.isLetterOrNumber())
            out += c.toLower();
    }
    return out;
}

struct Person
{
    QString name;
    QString email;
};

// A person (88 %) or a company (12 %), with an email that follows from the name.
inline Person person(Rng &rng, int index)
{
    static const char *const mailDomains[] = {"gmail.com", "outlook.com", "yahoo.co.uk", "gmx.de", "icloud.com",
                                              "proton.me", "orange.fr", "libero.it", "web.de", "hotmail.com"};
    static const char *const companySuffix[] = {"Labs", "Logistics", "GmbH", "Ltd", "Inc.", "Studio",
                                                "Partners", "Trading", "Systems", "Analytics", "Foods", "Media"};
    Person p;
    if (rng.below(100) < 12) {
        const QString base = rng.below(2) ? lastNames().at(rng.below(int(lastNames().size())))
                                          : syllableName(rng, 2 + rng.below(2));
        const QString suffix = QString::fromLatin1(companySuffix[rng.below(int(std::size(companySuffix)))]);
        p.name = base + QLatin1Char(' ') + suffix;
        static const char *const roles[] = {"billing", "accounts", "finance", "ap", "admin"};
        p.email = QStringLiteral("%1@%2%3.%4")
                      .arg(QString::fromLatin1(roles[rng.below(int(std::size(roles)))]), asciiLocal(base),
                           asciiLocal(suffix), rng.below(2) ? QStringLiteral("com") : QStringLiteral("io"));
        return p;
    }
    const QString first = rng.below(2) ? firstNames().at(rng.below(int(firstNames().size())))
                                       : syllableName(rng, 2);
    const QString last = rng.below(10) < 4 ? lastNames().at(rng.below(int(lastNames().size())))
                                           : syllableName(rng, 2 + rng.below(2));
    p.name = first + QLatin1Char(' ') + last;
    const QString domain = QString::fromLatin1(mailDomains[rng.below(int(std::size(mailDomains)))]);
    switch (rng.below(3)) {
    case 0: p.email = asciiLocal(first) + QLatin1Char('.') + asciiLocal(last); break;
    case 1: p.email = asciiLocal(first).left(1) + asciiLocal(last); break;
    default: p.email = asciiLocal(first) + asciiLocal(last); break;
    }
    p.email += QString::number(index % 997) + QLatin1Char('@') + domain;
    return p;
}

} // namespace Billing::BenchData
