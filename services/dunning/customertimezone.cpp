#include "services/dunning/customertimezone.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::CustomerTimeZones", text); }

struct Entry
{
    const char *key;  // country, or "country/region"
    const char *zone; // IANA id; "a|b" = b where the zone database lacks a (older tzdata names)
};

// The most populous zone of countries that span several (else the only zone, from Qt's tables).
// Sources: national statistics offices' population by state/province (US Census 2020, Statistics
// Canada 2021, ABS 2021, IBGE 2022, INEGI 2020, Rosstat 2021); the zone is where most people live.
const Entry CountryZones[] = {
    {"US", "America/New_York"},   {"CA", "America/Toronto"},     {"AU", "Australia/Sydney"},
    {"BR", "America/Sao_Paulo"},  {"MX", "America/Mexico_City"}, {"RU", "Europe/Moscow"},
    {"ID", "Asia/Jakarta"},       {"KZ", "Asia/Almaty"},         {"AR", "America/Argentina/Buenos_Aires"},
    {"CL", "America/Santiago"},   {"ES", "Europe/Madrid"},       {"PT", "Europe/Lisbon"},
    {"NZ", "Pacific/Auckland"},   {"DE", "Europe/Berlin"},       {"CD", "Africa/Kinshasa"},
    {"EC", "America/Guayaquil"},  {"MN", "Asia/Ulaanbaatar"},    {"UA", "Europe/Kyiv|Europe/Kiev"},
    {"CN", "Asia/Shanghai"},      {"MY", "Asia/Kuala_Lumpur"},   {"GB", "Europe/London"},
    {"FR", "Europe/Paris"},       {"NL", "Europe/Amsterdam"},    {"DK", "Europe/Copenhagen"},
    {"UZ", "Asia/Tashkent"},      {"GL", "America/Nuuk|America/Godthab"}, {"PF", "Pacific/Tahiti"},
    {"KI", "Pacific/Tarawa"},     {"FM", "Pacific/Pohnpei"},     {"PG", "Pacific/Port_Moresby"},
    {"CY", "Asia/Nicosia"},       {"IN", "Asia/Kolkata"},        {"VN", "Asia/Ho_Chi_Minh"},
    {"JP", "Asia/Tokyo"},         {"IT", "Europe/Rome"},         {"IE", "Europe/Dublin"},
    {"CH", "Europe/Zurich"},      {"SE", "Europe/Stockholm"},    {"NO", "Europe/Oslo"},
    {"PL", "Europe/Warsaw"},      {"BE", "Europe/Brussels"},     {"AT", "Europe/Vienna"},
    {"SG", "Asia/Singapore"},     {"HK", "Asia/Hong_Kong"},      {"ZA", "Africa/Johannesburg"},
    {"IL", "Asia/Jerusalem"},     {"AE", "Asia/Dubai"},          {"TR", "Europe/Istanbul"},
};

// States and provinces (ISO 3166-2 subdivision codes, as Stripe's address.state carries them) of
// countries with several zones; the zone most of the subdivision's people live in.
const Entry RegionZones[] = {
    // United States
    {"US/AL", "America/Chicago"}, {"US/AK", "America/Anchorage"}, {"US/AZ", "America/Phoenix"},
    {"US/AR", "America/Chicago"}, {"US/CA", "America/Los_Angeles"}, {"US/CO", "America/Denver"},
    {"US/CT", "America/New_York"}, {"US/DE", "America/New_York"}, {"US/DC", "America/New_York"},
    {"US/FL", "America/New_York"}, {"US/GA", "America/New_York"}, {"US/HI", "Pacific/Honolulu"},
    {"US/ID", "America/Boise"}, {"US/IL", "America/Chicago"}, {"US/IN", "America/Indiana/Indianapolis"},
    {"US/IA", "America/Chicago"}, {"US/KS", "America/Chicago"}, {"US/KY", "America/New_York"},
    {"US/LA", "America/Chicago"}, {"US/ME", "America/New_York"}, {"US/MD", "America/New_York"},
    {"US/MA", "America/New_York"}, {"US/MI", "America/Detroit"}, {"US/MN", "America/Chicago"},
    {"US/MS", "America/Chicago"}, {"US/MO", "America/Chicago"}, {"US/MT", "America/Denver"},
    {"US/NE", "America/Chicago"}, {"US/NV", "America/Los_Angeles"}, {"US/NH", "America/New_York"},
    {"US/NJ", "America/New_York"}, {"US/NM", "America/Denver"}, {"US/NY", "America/New_York"},
    {"US/NC", "America/New_York"}, {"US/ND", "America/Chicago"}, {"US/OH", "America/New_York"},
    {"US/OK", "America/Chicago"}, {"US/OR", "America/Los_Angeles"}, {"US/PA", "America/New_York"},
    {"US/RI", "America/New_York"}, {"US/SC", "America/New_York"}, {"US/SD", "America/Chicago"},
    {"US/TN", "America/Chicago"}, {"US/TX", "America/Chicago"}, {"US/UT", "America/Denver"},
    {"US/VT", "America/New_York"}, {"US/VA", "America/New_York"}, {"US/WA", "America/Los_Angeles"},
    {"US/WV", "America/New_York"}, {"US/WI", "America/Chicago"}, {"US/WY", "America/Denver"},
    {"US/PR", "America/Puerto_Rico"},
    // Canada
    {"CA/BC", "America/Vancouver"}, {"CA/AB", "America/Edmonton"}, {"CA/SK", "America/Regina"},
    {"CA/MB", "America/Winnipeg"}, {"CA/ON", "America/Toronto"}, {"CA/QC", "America/Toronto"},
    {"CA/NB", "America/Moncton"}, {"CA/NS", "America/Halifax"}, {"CA/PE", "America/Halifax"},
    {"CA/NL", "America/St_Johns"}, {"CA/YT", "America/Whitehorse"}, {"CA/NT", "America/Yellowknife|America/Edmonton"},
    {"CA/NU", "America/Iqaluit"},
    // Australia
    {"AU/NSW", "Australia/Sydney"}, {"AU/ACT", "Australia/Sydney"}, {"AU/VIC", "Australia/Melbourne"},
    {"AU/QLD", "Australia/Brisbane"}, {"AU/SA", "Australia/Adelaide"}, {"AU/WA", "Australia/Perth"},
    {"AU/TAS", "Australia/Hobart"}, {"AU/NT", "Australia/Darwin"},
    // Brazil
    {"BR/SP", "America/Sao_Paulo"}, {"BR/RJ", "America/Sao_Paulo"}, {"BR/MG", "America/Sao_Paulo"},
    {"BR/ES", "America/Sao_Paulo"}, {"BR/PR", "America/Sao_Paulo"}, {"BR/SC", "America/Sao_Paulo"},
    {"BR/RS", "America/Sao_Paulo"}, {"BR/GO", "America/Sao_Paulo"}, {"BR/DF", "America/Sao_Paulo"},
    {"BR/BA", "America/Bahia"}, {"BR/PE", "America/Recife"}, {"BR/CE", "America/Fortaleza"},
    {"BR/PA", "America/Belem"}, {"BR/AM", "America/Manaus"}, {"BR/MT", "America/Cuiaba"},
    {"BR/MS", "America/Campo_Grande"}, {"BR/RO", "America/Porto_Velho"}, {"BR/AC", "America/Rio_Branco"},
    {"BR/RR", "America/Boa_Vista"}, {"BR/AL", "America/Maceio"}, {"BR/TO", "America/Araguaina"},
    // Mexico
    {"MX/CMX", "America/Mexico_City"}, {"MX/MEX", "America/Mexico_City"}, {"MX/JAL", "America/Mexico_City"},
    {"MX/NLE", "America/Monterrey"}, {"MX/BCN", "America/Tijuana"}, {"MX/SON", "America/Hermosillo"},
    {"MX/CHH", "America/Chihuahua"}, {"MX/SIN", "America/Mazatlan"}, {"MX/ROO", "America/Cancun"},
    {"MX/BCS", "America/Mazatlan"}, {"MX/YUC", "America/Merida"},
    // Russia
    {"RU/MOW", "Europe/Moscow"}, {"RU/SPE", "Europe/Moscow"}, {"RU/KGD", "Europe/Kaliningrad"},
    {"RU/SAM", "Europe/Samara"}, {"RU/SVE", "Asia/Yekaterinburg"}, {"RU/NVS", "Asia/Novosibirsk"},
    {"RU/OMS", "Asia/Omsk"}, {"RU/KYA", "Asia/Krasnoyarsk"}, {"RU/IRK", "Asia/Irkutsk"},
    {"RU/PRI", "Asia/Vladivostok"}, {"RU/KHA", "Asia/Vladivostok"}, {"RU/KAM", "Asia/Kamchatka"},
};

// Stripe's address.state is what the customer typed: the code ("CA") or the name ("California").
// Names of the subdivisions above, upper case, to their codes.
struct RegionName
{
    const char *key;  // "country/NAME"
    const char *code; // the subdivision code of RegionZones
};
const RegionName RegionNames[] = {
    // United States
    {"US/ALABAMA", "AL"}, {"US/ALASKA", "AK"}, {"US/ARIZONA", "AZ"},
    {"US/ARKANSAS", "AR"}, {"US/CALIFORNIA", "CA"}, {"US/COLORADO", "CO"},
    {"US/CONNECTICUT", "CT"}, {"US/DELAWARE", "DE"}, {"US/DISTRICT OF COLUMBIA", "DC"},
    {"US/FLORIDA", "FL"}, {"US/GEORGIA", "GA"}, {"US/HAWAII", "HI"},
    {"US/IDAHO", "ID"}, {"US/ILLINOIS", "IL"}, {"US/INDIANA", "IN"},
    {"US/IOWA", "IA"}, {"US/KANSAS", "KS"}, {"US/KENTUCKY", "KY"},
    {"US/LOUISIANA", "LA"}, {"US/MAINE", "ME"}, {"US/MARYLAND", "MD"},
    {"US/MASSACHUSETTS", "MA"}, {"US/MICHIGAN", "MI"}, {"US/MINNESOTA", "MN"},
    {"US/MISSISSIPPI", "MS"}, {"US/MISSOURI", "MO"}, {"US/MONTANA", "MT"},
    {"US/NEBRASKA", "NE"}, {"US/NEVADA", "NV"}, {"US/NEW HAMPSHIRE", "NH"},
    {"US/NEW JERSEY", "NJ"}, {"US/NEW MEXICO", "NM"}, {"US/NEW YORK", "NY"},
    {"US/NORTH CAROLINA", "NC"}, {"US/NORTH DAKOTA", "ND"}, {"US/OHIO", "OH"},
    {"US/OKLAHOMA", "OK"}, {"US/OREGON", "OR"}, {"US/PENNSYLVANIA", "PA"},
    {"US/RHODE ISLAND", "RI"}, {"US/SOUTH CAROLINA", "SC"}, {"US/SOUTH DAKOTA", "SD"},
    {"US/TENNESSEE", "TN"}, {"US/TEXAS", "TX"}, {"US/UTAH", "UT"},
    {"US/VERMONT", "VT"}, {"US/VIRGINIA", "VA"}, {"US/WASHINGTON", "WA"},
    {"US/WEST VIRGINIA", "WV"}, {"US/WISCONSIN", "WI"}, {"US/WYOMING", "WY"},
    {"US/PUERTO RICO", "PR"},
    // Canada
    {"CA/BRITISH COLUMBIA", "BC"}, {"CA/ALBERTA", "AB"}, {"CA/SASKATCHEWAN", "SK"},
    {"CA/MANITOBA", "MB"}, {"CA/ONTARIO", "ON"}, {"CA/QUEBEC", "QC"},
    {"CA/QUÉBEC", "QC"}, {"CA/NEW BRUNSWICK", "NB"}, {"CA/NOVA SCOTIA", "NS"},
    {"CA/PRINCE EDWARD ISLAND", "PE"}, {"CA/NEWFOUNDLAND AND LABRADOR", "NL"}, {"CA/YUKON", "YT"},
    {"CA/NORTHWEST TERRITORIES", "NT"}, {"CA/NUNAVUT", "NU"},
    // Australia
    {"AU/NEW SOUTH WALES", "NSW"}, {"AU/AUSTRALIAN CAPITAL TERRITORY", "ACT"}, {"AU/VICTORIA", "VIC"},
    {"AU/QUEENSLAND", "QLD"}, {"AU/SOUTH AUSTRALIA", "SA"}, {"AU/WESTERN AUSTRALIA", "WA"},
    {"AU/TASMANIA", "TAS"}, {"AU/NORTHERN TERRITORY", "NT"},
};

QByteArray available(const char *candidates)
{
    const QList<QByteArray> ids = QByteArray(candidates).split('|');
    for (const QByteArray &id : ids)
        if (QTimeZone::isTimeZoneIdAvailable(id))
            return id;
    return {};
}

QByteArray lookup(const Entry *begin, const Entry *end, const QByteArray &key)
{
    const auto it = std::find_if(begin, end, [&](const Entry &e) { return key == e.key; });
    return it == end ? QByteArray() : available(it->zone);
}

QList<QByteArray> territoryZones(const QString &country)
{
    if (country.size() != 2)
        return {};
    const QLocale::Territory t = QLocale::codeToTerritory(country);
    if (t == QLocale::AnyTerritory)
        return {};
    return QTimeZone::availableTimeZoneIds(t);
}

} // namespace

QString CustomerTimeZone::describe() const
{
    return QStringLiteral("%1 (%2)").arg(QString::fromUtf8(zone.id()), detail);
}

QString CustomerTimeZones::sourceName(TimeZoneSource source)
{
    switch (source) {
    case TimeZoneSource::Metadata: return QStringLiteral("metadata");
    case TimeZoneSource::Region: return QStringLiteral("region");
    case TimeZoneSource::Country: return QStringLiteral("country");
    case TimeZoneSource::Utc: return QStringLiteral("utc");
    }
    return {};
}

QString CustomerTimeZones::sourceLabel(TimeZoneSource source)
{
    switch (source) {
    case TimeZoneSource::Metadata: return tr("customer metadata");
    case TimeZoneSource::Region: return tr("address (state/province)");
    case TimeZoneSource::Country: return tr("address (country)");
    case TimeZoneSource::Utc: return tr("no zone known: UTC");
    }
    return {};
}

QByteArray CustomerTimeZones::regionZone(const QString &country, const QString &region)
{
    if (country.isEmpty() || region.isEmpty())
        return {};
    QString r = region.trimmed().toUpper();
    const QString c = country.trimmed().toUpper();
    if (r.startsWith(c + QLatin1Char('-'))) // "US-CA" as well as "CA"
        r = r.mid(3);
    const QByteArray key = (c + QLatin1Char('/') + r).toUtf8();
    const auto named = std::find_if(std::begin(RegionNames), std::end(RegionNames), [&](const RegionName &e) { return key == e.key; });
    if (named != std::end(RegionNames))
        r = QString::fromLatin1(named->code);
    return lookup(std::begin(RegionZones), std::end(RegionZones), (c + QLatin1Char('/') + r).toLatin1());
}

QByteArray CustomerTimeZones::countryZone(const QString &country)
{
    const QString c = country.trimmed().toUpper();
    if (c.size() != 2)
        return {};
    if (QByteArray z = lookup(std::begin(CountryZones), std::end(CountryZones), c.toLatin1()); !z.isEmpty())
        return z;
    const QList<QByteArray> zones = territoryZones(c);
    return zones.size() == 1 ? zones.first() : (zones.isEmpty() ? QByteArray() : zones.first());
}

bool CustomerTimeZones::hasSeveralZones(const QString &country)
{
    return territoryZones(country.trimmed().toUpper()).size() > 1;
}

CustomerTimeZone CustomerTimeZones::resolve(const QString &metadataZone, const QString &country, const QString &region)
{
    CustomerTimeZone out;
    QString rejected;
    const QString meta = metadataZone.trimmed();
    if (!meta.isEmpty()) {
        const QByteArray id = meta.toUtf8();
        if (QTimeZone::isTimeZoneIdAvailable(id)) {
            out.zone = QTimeZone(id);
            out.source = TimeZoneSource::Metadata;
            out.detail = tr("from the customer's metadata \"timezone\"");
            return out;
        }
        rejected = tr("metadata \"timezone\" %1 is not a known IANA zone; ").arg(meta);
    }
    const QString c = country.trimmed().toUpper();
    if (!c.isEmpty()) {
        if (const QByteArray z = regionZone(c, region); !z.isEmpty()) {
            out.zone = QTimeZone(z);
            out.source = TimeZoneSource::Region;
            out.detail = rejected + tr("from the address: %1, %2").arg(c, region.trimmed());
            return out;
        }
        if (const QByteArray z = countryZone(c); !z.isEmpty()) {
            out.zone = QTimeZone(z);
            out.source = TimeZoneSource::Country;
            if (hasSeveralZones(c))
                out.detail = rejected + (region.trimmed().isEmpty()
                                             ? tr("from the address: %1, state/province not known, so its most populous zone").arg(c)
                                             : tr("from the address: %1 (state/province %2 not in the table), its most populous zone")
                                                   .arg(c, region.trimmed()));
            else
                out.detail = rejected + tr("from the address: %1").arg(c);
            return out;
        }
        rejected += tr("address country %1 is not known; ").arg(c);
    }
    out.detail = rejected + tr("no time zone in metadata or address: UTC");
    return out;
}

CustomerTimeZone CustomerTimeZones::forCustomer(const Customer &customer)
{
    return resolve(customer.metadata.value(QString::fromLatin1(MetadataKey)), customer.country, customer.region);
}

} // namespace Billing
