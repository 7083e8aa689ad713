#pragma once

// A small, realistic catalog for the catalog pane and calculator tests (fakes for UI tests only):
// flat-rate seats in USD with EUR and GBP, graduated API calls with a sub-cent tier in USD, EUR
// and JPY, volume storage, an SMS package, a KWD support plan, an archived old price and a
// negotiated enterprise price.

#include "services/domain/catalog.h"

namespace Billing::Test {

inline PriceTier catalogTier(std::optional<qint64> upTo, std::optional<qint64> unit, const QString &unitDecimal = {},
                             std::optional<qint64> flat = std::nullopt)
{
    PriceTier t;
    t.upTo = upTo;
    t.unitAmount = unit;
    t.unitAmountDecimal = unitDecimal;
    t.flatAmount = flat;
    return t;
}

inline QList<Product> catalogProducts()
{
    auto product = [](const char *id, const char *name, bool active = true) {
        Product p;
        p.id = QString::fromLatin1(id);
        p.name = QString::fromLatin1(name);
        p.active = active;
        return p;
    };
    return {product("prod_seats", "Team seats"), product("prod_api", "API calls"), product("prod_storage", "Storage"),
            product("prod_sms", "SMS bundles"), product("prod_support", "Premium support"),
            product("prod_legacy", "Legacy add-on", false)};
}

inline QList<Price> catalogPrices()
{
    QList<Price> out;
    Price seats;
    seats.id = QStringLiteral("price_seats_monthly");
    seats.productId = QStringLiteral("prod_seats");
    seats.nickname = QStringLiteral("Seat, monthly");
    seats.currency = QStringLiteral("usd");
    seats.type = QStringLiteral("recurring");
    seats.billingScheme = QStringLiteral("per_unit");
    seats.unitAmount = 1200;
    seats.interval = QStringLiteral("month");
    seats.intervalCount = 1;
    seats.usageType = QStringLiteral("licensed");
    seats.currencyOptions.insert(QStringLiteral("eur"), PriceCurrencyOption{1100, QStringLiteral("1100"), {}});
    seats.currencyOptions.insert(QStringLiteral("gbp"), PriceCurrencyOption{950, QStringLiteral("950"), {}});
    out << seats;

    Price api;
    api.id = QStringLiteral("price_api_graduated");
    api.productId = QStringLiteral("prod_api");
    api.nickname = QStringLiteral("API calls, graduated");
    api.currency = QStringLiteral("usd");
    api.type = QStringLiteral("recurring");
    api.billingScheme = QStringLiteral("tiered");
    api.tiersMode = QStringLiteral("graduated");
    api.interval = QStringLiteral("month");
    api.intervalCount = 1;
    api.usageType = QStringLiteral("metered");
    api.tiers = {catalogTier(1000, 0, {}, 2000), catalogTier(100000, std::nullopt, QStringLiteral("0.15")),
                 catalogTier(std::nullopt, std::nullopt, QStringLiteral("0.1"))};
    PriceCurrencyOption apiEur;
    apiEur.tiers = {catalogTier(1000, 0, {}, 1800), catalogTier(100000, std::nullopt, QStringLiteral("0.14")),
                    catalogTier(std::nullopt, std::nullopt, QStringLiteral("0.09"))};
    api.currencyOptions.insert(QStringLiteral("eur"), apiEur);
    PriceCurrencyOption apiJpy;
    apiJpy.tiers = {catalogTier(1000, 0, {}, 3000), catalogTier(100000, std::nullopt, QStringLiteral("0.2")),
                    catalogTier(std::nullopt, std::nullopt, QStringLiteral("0.15"))};
    api.currencyOptions.insert(QStringLiteral("jpy"), apiJpy);
    out << api;

    Price storage;
    storage.id = QStringLiteral("price_storage_volume");
    storage.productId = QStringLiteral("prod_storage");
    storage.nickname = QStringLiteral("Storage GB, volume");
    storage.currency = QStringLiteral("usd");
    storage.type = QStringLiteral("recurring");
    storage.billingScheme = QStringLiteral("tiered");
    storage.tiersMode = QStringLiteral("volume");
    storage.interval = QStringLiteral("month");
    storage.intervalCount = 1;
    storage.tiers = {catalogTier(100, 50), catalogTier(1000, 40), catalogTier(std::nullopt, 25, {}, 5000)};
    out << storage;

    Price sms;
    sms.id = QStringLiteral("price_sms_pack");
    sms.productId = QStringLiteral("prod_sms");
    sms.nickname = QStringLiteral("SMS, per 100");
    sms.currency = QStringLiteral("usd");
    sms.type = QStringLiteral("one_time");
    sms.billingScheme = QStringLiteral("per_unit");
    sms.unitAmount = 500;
    sms.transformQuantity = TransformQuantity{100, QStringLiteral("up")};
    out << sms;

    Price support;
    support.id = QStringLiteral("price_support_kwd");
    support.productId = QStringLiteral("prod_support");
    support.nickname = QStringLiteral("Support, yearly (Kuwait)");
    support.currency = QStringLiteral("kwd");
    support.type = QStringLiteral("recurring");
    support.billingScheme = QStringLiteral("per_unit");
    support.unitAmount = 1250000;
    support.interval = QStringLiteral("year");
    support.intervalCount = 1;
    support.currencyOptions.insert(QStringLiteral("bhd"), PriceCurrencyOption{1530000, QStringLiteral("1530000"), {}});
    out << support;

    Price old = seats;
    old.id = QStringLiteral("price_seats_2023");
    old.nickname = QStringLiteral("Seat, monthly (2023)");
    old.unitAmount = 1000;
    old.active = false;
    old.currencyOptions.clear();
    out << old;

    Price legacy;
    legacy.id = QStringLiteral("price_legacy");
    legacy.productId = QStringLiteral("prod_legacy");
    legacy.nickname = QStringLiteral("Legacy add-on");
    legacy.currency = QStringLiteral("usd");
    legacy.type = QStringLiteral("one_time");
    legacy.billingScheme = QStringLiteral("per_unit");
    legacy.unitAmount = 300;
    out << legacy;
    return out;
}

} // namespace Billing::Test
