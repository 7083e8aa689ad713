#include "services/dunning/customertimezone.h"
#include "services/dunning/retrypolicy.h"

#include <QTest>
#include <QTimeZone>

using namespace Billing;

Q_DECLARE_METATYPE(Billing::TimeZoneSource)

class tst_CustomerTimeZone : public QObject
{
    Q_OBJECT

private:
    static QDateTime utc(int y, int m, int d, int h = 0, int min = 0)
    {
        return QDateTime(QDate(y, m, d), QTime(h, min), QTimeZone::utc());
    }

private Q_SLOTS:
    // Each source in turn: metadata first, then the address (state/province, then country), then UTC.
    void resolvesZoneAndSaysFromWhere_data()
    {
        QTest::addColumn<QString>("metadata");
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("region");
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<TimeZoneSource>("source");
        QTest::addColumn<QString>("detailMentions");

        const auto M = TimeZoneSource::Metadata;
        const auto R = TimeZoneSource::Region;
        const auto C = TimeZoneSource::Country;
        const auto U = TimeZoneSource::Utc;
        QTest::newRow("metadata wins over the address") << "Asia/Tokyo" << "US" << "CA" << QByteArray("Asia/Tokyo") << M << "metadata";
        QTest::newRow("metadata trimmed") << " Europe/Paris " << "" << "" << QByteArray("Europe/Paris") << M << "metadata";
        QTest::newRow("invalid metadata: address country") << "Mars/Olympus" << "JP" << "" << QByteArray("Asia/Tokyo") << C << "Mars/Olympus";
        QTest::newRow("invalid metadata, nothing else: UTC") << "EST5EDT-nope" << "" << "" << QByteArray("UTC") << U << "EST5EDT-nope";
        QTest::newRow("US state CA") << "" << "US" << "CA" << QByteArray("America/Los_Angeles") << R << "CA";
        QTest::newRow("US state as ISO 3166-2 US-TX") << "" << "US" << "US-TX" << QByteArray("America/Chicago") << R << "US";
        QTest::newRow("US state AZ (no DST)") << "" << "US" << "AZ" << QByteArray("America/Phoenix") << R << "AZ";
        QTest::newRow("US state by name") << "" << "US" << "California" << QByteArray("America/Los_Angeles") << R << "California";
        QTest::newRow("US state by name, any case, spaces") << "" << "US" << " new mexico " << QByteArray("America/Denver") << R << "new mexico";
        QTest::newRow("Canada province by name, accented") << "" << "CA" << "Québec" << QByteArray("America/Toronto") << R << "Québec";
        QTest::newRow("Australia state by name") << "" << "AU" << "Western Australia" << QByteArray("Australia/Perth") << R << "Western Australia";
        QTest::newRow("Canada BC") << "" << "CA" << "BC" << QByteArray("America/Vancouver") << R << "BC";
        QTest::newRow("Australia WA") << "" << "AU" << "WA" << QByteArray("Australia/Perth") << R << "WA";
        QTest::newRow("Brazil AM") << "" << "BR" << "AM" << QByteArray("America/Manaus") << R << "AM";
        QTest::newRow("Mexico Baja California") << "" << "MX" << "BCN" << QByteArray("America/Tijuana") << R << "BCN";
        QTest::newRow("Russia Novosibirsk") << "" << "RU" << "NVS" << QByteArray("Asia/Novosibirsk") << R << "NVS";
        QTest::newRow("US without state: New York (most populous)") << "" << "US" << "" << QByteArray("America/New_York") << C << "most populous";
        QTest::newRow("US lower case") << "" << "us" << "" << QByteArray("America/New_York") << C << "US";
        QTest::newRow("US unknown state: most populous") << "" << "US" << "XX" << QByteArray("America/New_York") << C << "XX";
        QTest::newRow("Canada without province: Toronto") << "" << "CA" << "" << QByteArray("America/Toronto") << C << "most populous";
        QTest::newRow("Australia without state: Sydney") << "" << "AU" << "" << QByteArray("Australia/Sydney") << C << "AU";
        QTest::newRow("Brazil without state: Sao Paulo") << "" << "BR" << "" << QByteArray("America/Sao_Paulo") << C << "BR";
        QTest::newRow("Mexico without state: Mexico City") << "" << "MX" << "" << QByteArray("America/Mexico_City") << C << "MX";
        QTest::newRow("Russia without region: Moscow") << "" << "RU" << "" << QByteArray("Europe/Moscow") << C << "RU";
        QTest::newRow("single-zone country") << "" << "FR" << "" << QByteArray("Europe/Paris") << C << "FR";
        QTest::newRow("single-zone country from Qt's table") << "" << "KE" << "" << QByteArray("Africa/Nairobi") << C << "KE";
        QTest::newRow("unknown country: UTC") << "" << "ZZ" << "" << QByteArray("UTC") << U << "ZZ";
        QTest::newRow("nothing: UTC") << "" << "" << "" << QByteArray("UTC") << U << "UTC";
    }
    void resolvesZoneAndSaysFromWhere()
    {
        QFETCH(QString, metadata);
        QFETCH(QString, country);
        QFETCH(QString, region);
        QFETCH(QByteArray, zone);
        QFETCH(TimeZoneSource, source);
        QFETCH(QString, detailMentions);
        const CustomerTimeZone z = CustomerTimeZones::resolve(metadata, country, region);
        QCOMPARE(z.source, source);
        QVERIFY(z.zone.isValid());
        if (source == TimeZoneSource::Utc)
            QCOMPARE(z.zone.offsetFromUtc(utc(2026, 7, 1)), 0);
        else
            QCOMPARE(z.id(), zone);
        QVERIFY2(z.detail.contains(detailMentions), qPrintable(z.detail));
        QVERIFY(z.describe().contains(z.detail));
    }

    // The cached customer: metadata "timezone", then the address (state, then country).
    void forCustomerReadsMetadataThenAddress()
    {
        Customer c;
        c.id = QStringLiteral("cus_tz");
        c.country = QStringLiteral("DE");
        QCOMPARE(CustomerTimeZones::forCustomer(c).id(), QByteArray("Europe/Berlin"));
        QCOMPARE(CustomerTimeZones::forCustomer(c).source, TimeZoneSource::Country);
        c.country = QStringLiteral("US");
        c.region = QStringLiteral("WA");
        QCOMPARE(CustomerTimeZones::forCustomer(c).id(), QByteArray("America/Los_Angeles"));
        QCOMPARE(CustomerTimeZones::forCustomer(c).source, TimeZoneSource::Region);
        c.metadata.insert(QStringLiteral("timezone"), QStringLiteral("America/Denver"));
        QCOMPARE(CustomerTimeZones::forCustomer(c).id(), QByteArray("America/Denver"));
        QCOMPARE(CustomerTimeZones::forCustomer(c).source, TimeZoneSource::Metadata);
        c.metadata.insert(QStringLiteral("timezone"), QStringLiteral("not a zone"));
        c.country.clear();
        QCOMPARE(CustomerTimeZones::forCustomer(c).source, TimeZoneSource::Utc);
    }

    // The resolved zone drives the smart policy: the customer's pay day and 06:00 in their zone.
    // Failure at 23:00 UTC on Mon 30 Nov 2026 (the last business day of November): for a UTC or
    // American customer it is still 30 Nov, so the next pay day is 1 Dec; in Tokyo and Paris it is
    // already 1 Dec, so the next pay day is Tue 15 Dec.
    void insufficientFundsRetryFollowsCustomerZone_data()
    {
        QTest::addColumn<QString>("metadata");
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("region");
        QTest::addColumn<QDateTime>("expected");
        QTest::newRow("metadata Tokyo: 15 Dec 06:00 JST") << "Asia/Tokyo" << "US" << "" << utc(2026, 12, 14, 21);
        QTest::newRow("region US/CA: 1 Dec 06:00 PST") << "" << "US" << "CA" << utc(2026, 12, 1, 14);
        QTest::newRow("country US: 1 Dec 06:00 EST") << "" << "US" << "" << utc(2026, 12, 1, 11);
        // Paris: 15 Dec 06:00 CET falls after the 14-day window (it closes 14 Dec 23:00 UTC), so the
        // window's last local morning, 14 Dec 06:00 CET.
        QTest::newRow("country FR: last morning of the window") << "" << "FR" << "" << utc(2026, 12, 14, 5);
        QTest::newRow("UTC: 1 Dec 06:00 UTC") << "" << "" << "" << utc(2026, 12, 1, 6);
    }
    void insufficientFundsRetryFollowsCustomerZone()
    {
        QFETCH(QString, metadata);
        QFETCH(QString, country);
        QFETCH(QString, region);
        QFETCH(QDateTime, expected);
        SmartRetrySettings settings;
        settings.minGapHours = 1;
        const SmartRetryPolicy policy(settings);
        FailedPayment f;
        f.invoiceId = QStringLiteral("in_tz");
        f.code = QStringLiteral("insufficient_funds");
        f.firstFailureAt = utc(2026, 11, 30, 23);
        f.lastAttemptAt = f.firstFailureAt;
        f.zone = CustomerTimeZones::resolve(metadata, country, region).zone;
        const RetryStep s = policy.next(f, f.firstFailureAt);
        QVERIFY(s.retry);
        QCOMPARE(s.at, expected);
        QCOMPARE(s.at.toTimeZone(f.zone).time(), QTime(6, 0));
        QVERIFY(s.reason.contains(QLatin1String("customer time")));
    }
};

QTEST_GUILESS_MAIN(tst_CustomerTimeZone)
#include "tst_customertimezone.moc"
