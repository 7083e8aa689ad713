#pragma once

#include "services/domain/customer.h"

#include <QByteArray>
#include <QString>
#include <QTimeZone>

namespace Billing {

// Where a customer's time zone came from. Stripe customers have no time-zone field.
//  Metadata  the customer's metadata key "timezone", a valid IANA id
//  Region    the address: country and state/province, for countries with several zones
//  Country   the address: the country's zone (its most populous one where it has several)
//  Utc       nothing usable: UTC
enum class TimeZoneSource { Metadata, Region, Country, Utc };

struct CustomerTimeZone
{
    QTimeZone zone = QTimeZone::utc();
    TimeZoneSource source = TimeZoneSource::Utc;
    QString detail; // for people: why this zone ("from the customer's metadata", ...)

    QByteArray id() const { return zone.id(); }
    // "America/Chicago (address: US, state not known: the most populous zone)"
    QString describe() const;
};

// Derives a customer's time zone for retry timing. Pure computation (tables + QTimeZone);
// thread-safe. Never fails: the fallback is UTC with the reason in detail.
class CustomerTimeZones final
{
public:
    static constexpr const char *MetadataKey = "timezone";

    // metadataZone: the metadata value (may be empty or invalid); country: ISO 3166-1 alpha-2
    // (any case); region: state/province code without the country prefix ("CA", "ON", "NSW"),
    // empty when unknown.
    static CustomerTimeZone resolve(const QString &metadataZone, const QString &country, const QString &region = {});
    // From the cached customer: metadata "timezone", else the address (state/province, else the
    // country's most populous zone), else UTC.
    static CustomerTimeZone forCustomer(const Customer &customer);

    static QString sourceName(TimeZoneSource source); // "metadata", "region", "country", "utc"
    static QString sourceLabel(TimeZoneSource source); // for people
    // The IANA id for a country's state/province, or empty when not in the table.
    static QByteArray regionZone(const QString &country, const QString &region);
    // The country's zone (its most populous where it has several), or empty for an unknown code.
    static QByteArray countryZone(const QString &country);
    static bool hasSeveralZones(const QString &country);
};

} // namespace Billing
