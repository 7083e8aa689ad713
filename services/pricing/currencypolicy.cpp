#include "services/pricing/currencypolicy.h"

#include "services/domain/currency.h"
#include "services/pricing/pricecalculator.h"

#include <QCoreApplication>
#include <QHash>

#include <algorithm>

namespace Billing {

QString CurrencyPolicy::fixedCurrency(const Customer &customer)
{
    return customer.currency.trimmed().toLower();
}

Status CurrencyPolicy::checkCurrency(const Customer &customer, const QString &currency)
{
    const auto code = Currency::fromCode(currency);
    if (!code)
        return Error::make(Error::Kind::Validation,
                           QCoreApplication::translate("Billing::CurrencyPolicy", "'%1' is not a currency Stripe supports.")
                               .arg(currency));
    const QString fixed = fixedCurrency(customer);
    if (!fixed.isEmpty() && fixed != code->stripeCode())
        return Error::make(
            Error::Kind::Validation,
            QCoreApplication::translate("Billing::CurrencyPolicy",
                                        "%1 is billed in %2: once a customer has been invoiced, Stripe keeps that "
                                        "currency, so a price in %3 cannot be used.")
                .arg(customer.name.isEmpty() ? customer.id : customer.name, fixed.toUpper(), code->code()));
    return {};
}

QList<PriceOffer> CurrencyPolicy::offersFor(const QString &customerCurrency, const QList<Price> &prices,
                                            const QList<Product> &products, bool includeInactive)
{
    QHash<QString, Product> byId;
    for (const Product &p : products)
        byId.insert(p.id, p);
    const QString fixed = customerCurrency.trimmed().toLower();
    QList<PriceOffer> out;
    for (const Price &price : prices) {
        if (!price.active && !includeInactive)
            continue;
        const QStringList currencies = fixed.isEmpty() ? PriceCalculator::currencies(price) : QStringList{fixed};
        for (const QString &c : currencies) {
            const auto resolved = PriceCalculator::inCurrency(price, c);
            if (!resolved)
                continue;
            out << PriceOffer{*resolved, c, byId.value(price.productId)};
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const PriceOffer &a, const PriceOffer &b) {
        return a.product.name.compare(b.product.name, Qt::CaseInsensitive) < 0;
    });
    return out;
}

} // namespace Billing
