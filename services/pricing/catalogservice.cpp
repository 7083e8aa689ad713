#include "services/pricing/catalogservice.h"

#include "services/platform/logging.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QJsonArray>
#include <QPointer>

#include <memory>

namespace Billing {

Product CatalogService::Catalog::product(const QString &id) const
{
    for (const Product &p : products)
        if (p.id == id)
            return p;
    return {};
}

Price CatalogService::Catalog::price(const QString &id) const
{
    for (const Price &p : prices)
        if (p.id == id)
            return p;
    return {};
}

CatalogService::CatalogService(StripeClient *stripe, AsyncLocalCache *cache, QObject *parent)
    : QObject(parent), m_stripe(stripe), m_cache(cache)
{
}

void CatalogService::load(QObject *context, std::function<void(Result<Catalog>)> done)
{
    m_cache->thread().run(
        context,
        [](LocalCache &cache) -> Result<Catalog> {
            auto products = cache.products();
            if (!products)
                return products.error();
            auto prices = cache.prices();
            if (!prices)
                return prices.error();
            return Catalog{*products, *prices};
        },
        std::move(done));
}

void CatalogService::refresh(QObject *context, std::function<void(Status)> done)
{
    struct State
    {
        Catalog catalog;
        std::optional<Error> error;
    };
    auto state = std::make_shared<State>();
    QPointer<QObject> guard(context);
    auto finish = [this, state, guard, done](Status s) {
        if (!s) {
            Logging::logger("api")->warn("catalog refresh failed: {}", s.error().detail.toStdString());
            if (guard)
                done(s);
            return;
        }
        m_cache->thread().run(
            this,
            [catalog = state->catalog](LocalCache &cache) -> Status {
                if (Status p = cache.upsertProducts(catalog.products); !p)
                    return p;
                return cache.upsertPrices(catalog.prices);
            },
            [this, guard, done](Status written) {
                if (!written)
                    Logging::logger("db")->warn("catalog not cached: {}", written.error().detail.toStdString());
                else {
                    m_cache->notifyChanged(QStringLiteral("price"), {});
                    Q_EMIT catalogChanged();
                }
                if (guard)
                    done(written);
            });
    };
    auto parsePage = [state](const QJsonArray &page, bool prices) {
        for (const QJsonValue &v : page) {
            if (prices) {
                auto p = StripeParser::price(v.toObject());
                if (!p) {
                    state->error = p.error();
                    return false;
                }
                state->catalog.prices << *p;
            } else {
                auto p = StripeParser::product(v.toObject());
                if (!p) {
                    state->error = p.error();
                    return false;
                }
                state->catalog.products << *p;
            }
        }
        return true;
    };
    m_stripe->listAll(
        QStringLiteral("/v1/products"), FormValue::object(), this,
        [parsePage](const QJsonArray &page) { return parsePage(page, false); },
        [this, state, parsePage, finish](Status products) {
            if (!products || state->error) {
                finish(products ? Status(*state->error) : products);
                return;
            }
            FormParams params = FormValue::object();
            params.insert(QStringLiteral("expand"),
                          FormValue::array({FormValue("data.tiers"), FormValue("data.currency_options")}));
            m_stripe->listAll(
                QStringLiteral("/v1/prices"), params, this,
                [parsePage](const QJsonArray &page) { return parsePage(page, true); },
                [state, finish](Status prices) { finish(prices && state->error ? Status(*state->error) : prices); });
        });
}

} // namespace Billing
