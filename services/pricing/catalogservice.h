#pragma once

#include "services/domain/catalog.h"
#include "services/domain/result.h"

#include <QList>
#include <QObject>

#include <functional>

namespace Billing {

class AsyncLocalCache;
class StripeClient;

// Products and prices for the catalog pane, the calculator and the custom-price dialog.
// load() reads them from the local cache (worker thread, never the GUI thread). refresh() reads
// the full catalog from Stripe (GET /v1/products, GET /v1/prices with expand[]=data.tiers and
// data.currency_options: the regular sync lists prices without tiers), upserts it into the cache
// in one transaction and emits catalogChanged(). Reads only: creating prices goes through
// CustomPricingService and the OperationRunner. Handlers run on `context`'s thread while it lives.
// Errors: the cache's (Database) or Stripe's (Network, Unauthorized, ...), logged once.
class CatalogService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogService)
public:
    struct Catalog
    {
        QList<Product> products;
        QList<Price> prices;
        Product product(const QString &id) const;
        Price price(const QString &id) const;
    };

    CatalogService(StripeClient *stripe, AsyncLocalCache *cache, QObject *parent = nullptr);

    void load(QObject *context, std::function<void(Result<Catalog>)> done);
    void refresh(QObject *context, std::function<void(Status)> done);

Q_SIGNALS:
    void catalogChanged();

private:
    StripeClient *m_stripe;
    AsyncLocalCache *m_cache;
};

} // namespace Billing
