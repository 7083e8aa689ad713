#pragma once

#include "services/domain/catalog.h"
#include "services/domain/customer.h"
#include "services/domain/result.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Billing {

// A price as it can be offered to one customer: resolved in one currency (PriceCalculator::
// inCurrency), with the product it belongs to.
struct PriceOffer
{
    Price price;     // price.currency = the offered currency; amounts/tiers of that currency
    QString currency; // lower case
    Product product;
};

// Stripe's rule that a customer's currency is fixed once the customer has been invoiced (or has
// a subscription): Customer::currency is empty until then and set for good afterwards
// (https://docs.stripe.com/currencies#presentment-currency: "a customer's currency cannot be
// changed after ..."), and every later invoice item, subscription and price must be in it.
// Pure functions, any thread. The plan pickers call offersFor() with the customer's currency.
class CurrencyPolicy final
{
public:
    // The customer's fixed currency, lower case, or empty when it is still open.
    static QString fixedCurrency(const Customer &customer);
    static bool isFixed(const Customer &customer) { return !fixedCurrency(customer).isEmpty(); }

    // Validation error (plain words, naming both currencies) when the customer's currency is fixed
    // and differs; also when the code is unknown.
    static Status checkCurrency(const Customer &customer, const QString &currency);

    // The prices a customer may be offered: each active price (inactive too when asked) that can
    // be charged in the customer's fixed currency, resolved in it; for a customer without a
    // fixed currency, every price in every currency it has. Products are looked up by id (a price
    // whose product is missing keeps an empty Product). Sorted by product name, then amount
    // order as given.
    static QList<PriceOffer> offersFor(const QString &customerCurrency, const QList<Price> &prices,
                                       const QList<Product> &products, bool includeInactive = false);
};

} // namespace Billing
