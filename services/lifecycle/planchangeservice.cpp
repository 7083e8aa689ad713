#include "services/lifecycle/planchangeservice.h"

#include "services/operations/operationrunner.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PlanChangeService", text); }

Error noService()
{
    return Error::make(Error::Kind::Cancelled, tr("The console is shutting down."));
}

// Length of one billing period in days, for comparing prices of different intervals.
qint64 periodDays(const Price &price)
{
    const qint64 n = std::max(1, price.intervalCount);
    if (price.interval == QLatin1String("day"))
        return n;
    if (price.interval == QLatin1String("week"))
        return 7 * n;
    if (price.interval == QLatin1String("year"))
        return 365 * n;
    return 30 * n;
}

QDateTime addPeriod(const QDateTime &from, const Price &price)
{
    const int n = std::max(1, price.intervalCount);
    if (price.interval == QLatin1String("day"))
        return from.addDays(n);
    if (price.interval == QLatin1String("week"))
        return from.addDays(7 * n);
    if (price.interval == QLatin1String("year"))
        return from.addYears(n);
    return from.addMonths(n);
}

StripeRequestOptions expandProduct()
{
    StripeRequestOptions o;
    o.expand = {QStringLiteral("product")};
    return o;
}

Money money(qint64 minor, const QString &currency)
{
    const auto c = Currency::fromCode(currency);
    return c ? Money(minor, *c) : Money();
}

struct PreviewState
{
    PlanChangeRequest request;
    PlanChangePreview preview;
    QJsonObject currentProductMetadata;
    QJsonObject targetProductMetadata;
    std::function<void(Result<PlanChangePreview>)> handler;
};

} // namespace

PlanChangeService::PlanChangeService(StripeClient *client, OperationRunner *runner, QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner)
{
}

PlanChangeService::~PlanChangeService() = default;

void PlanChangeService::plans(const QString &currency, QObject *context,
                              std::function<void(Result<QList<PlanOption>>)> handler)
{
    if (!m_client)
        return handler(noService());
    auto prices = std::make_shared<QList<Price>>();
    auto failed = std::make_shared<std::optional<Error>>();
    const FormParams params = formParamsFromJson(QJsonObject{{QStringLiteral("currency"), currency.toLower()},
                                                             {QStringLiteral("active"), true},
                                                             {QStringLiteral("type"), QStringLiteral("recurring")}});
    QPointer<StripeClient> client = m_client;
    m_client->listAll(
        QStringLiteral("/v1/prices"), params, context,
        [prices, failed](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                auto p = StripeParser::price(v.toObject());
                if (!p) {
                    *failed = p.error();
                    return false;
                }
                if (p->active && p->type == QLatin1String("recurring") && p->usageType != QLatin1String("metered"))
                    prices->append(*p);
            }
            return true;
        },
        [client, prices, failed, context, handler](Status status) {
            if (!status.ok())
                return handler(status.error());
            if (*failed)
                return handler(**failed);
            if (!client)
                return handler(noService());
            auto names = std::make_shared<QHash<QString, QString>>();
            client->listAll(
                QStringLiteral("/v1/products"), {}, context,
                [names](const QJsonArray &page) {
                    for (const QJsonValue &v : page)
                        names->insert(v[QStringLiteral("id")].toString(), v[QStringLiteral("name")].toString());
                    return true;
                },
                [prices, names, handler](Status st) {
                    if (!st.ok())
                        return handler(st.error());
                    QList<PlanOption> out;
                    for (const Price &p : *prices)
                        out.append({p, names->value(p.productId)});
                    std::sort(out.begin(), out.end(), [](const PlanOption &a, const PlanOption &b) {
                        if (a.productName != b.productName)
                            return a.productName < b.productName;
                        if (periodDays(a.price) != periodDays(b.price))
                            return periodDays(a.price) < periodDays(b.price);
                        return a.price.id < b.price.id;
                    });
                    handler(out);
                });
        });
}

void PlanChangeService::currentPlan(const QString &subscriptionId, QObject *context,
                                    std::function<void(Result<CurrentPlan>)> handler)
{
    if (!m_client)
        return handler(noService());
    QPointer<StripeClient> client = m_client;
    m_client->get(QStringLiteral("/v1/subscriptions/%1").arg(subscriptionId), {}, context,
                  [client, context, handler](Result<QJsonObject> json) {
                      if (!json)
                          return handler(json.error());
                      auto sub = StripeParser::subscription(*json);
                      if (!sub)
                          return handler(sub.error());
                      if (sub->items.isEmpty())
                          return handler(Error::make(Error::Kind::Validation, tr("This subscription has no items.")));
                      if (!client)
                          return handler(noService());
                      CurrentPlan plan{*sub, {}, {}};
                      client->request(QStringLiteral("GET"), QStringLiteral("/v1/prices/%1").arg(sub->items.first().priceId),
                                  {}, expandProduct(), context,
                                  [plan, handler](Result<QJsonObject> priceJson) mutable {
                                      if (!priceJson)
                                          return handler(priceJson.error());
                                      QJsonObject pj = *priceJson;
                                      const QJsonObject product = pj.value(QStringLiteral("product")).toObject();
                                      if (!product.isEmpty())
                                          pj.insert(QStringLiteral("product"), product.value(QStringLiteral("id")));
                                      auto price = StripeParser::price(pj);
                                      if (!price)
                                          return handler(price.error());
                                      plan.price = *price;
                                      plan.productName = product.value(QStringLiteral("name")).toString();
                                      handler(plan);
                                  });
                  });
}

void PlanChangeService::preview(const PlanChangeRequest &request, QObject *context,
                                std::function<void(Result<PlanChangePreview>)> handler)
{
    if (!m_client)
        return handler(noService());
    if (request.quantity < 1)
        return handler(Error::make(Error::Kind::Validation, tr("The quantity must be at least 1.")));
    if (request.subscriptionId.isEmpty() || request.priceId.isEmpty())
        return handler(Error::make(Error::Kind::Validation, tr("Choose a subscription and a plan.")));

    auto st = std::make_shared<PreviewState>();
    st->request = request;
    st->preview.request = request;
    st->handler = std::move(handler);
    QPointer<StripeClient> client = m_client;

    // Steps, each after the previous one answered: subscription (+ its schedule id), current price
    // and product, target price and product, validation, Stripe's preview(s).
    auto fail = [st](const Error &e) { st->handler(e); };
    auto getPriceAndProduct = [client, context](const QString &priceId,
                                                std::function<void(Result<std::pair<Price, QJsonObject>>)> done) {
        if (!client)
            return done(noService());
        client->request(QStringLiteral("GET"), QStringLiteral("/v1/prices/%1").arg(priceId), {}, expandProduct(),
                    context, [done](Result<QJsonObject> json) {
                        if (!json)
                            return done(json.error());
                        QJsonObject pj = *json;
                        const QJsonObject product = pj.value(QStringLiteral("product")).toObject();
                        if (!product.isEmpty())
                            pj.insert(QStringLiteral("product"), product.value(QStringLiteral("id")));
                        auto price = StripeParser::price(pj);
                        if (!price)
                            return done(price.error());
                        done(std::make_pair(*price, product));
                    });
    };

    auto runPreviews = [client, context, st, fail]() {
        PlanChangePreview &pv = st->preview;
        const Subscription &sub = pv.subscription;
        const QString cur = sub.currency;
        const bool sameInterval = pv.currentPrice.interval == pv.targetPrice.interval
                                  && std::max(1, pv.currentPrice.intervalCount) == std::max(1, pv.targetPrice.intervalCount);
        const bool prorated = st->request.timing == PlanChangeTiming::NowProrated;
        const QString subId = sub.id;
        const QString itemId = sub.items.first().id;
        auto params = [st, subId, itemId](const QString &behavior, bool withDate) {
            QJsonObject details{{QStringLiteral("items"),
                                 QJsonArray{QJsonObject{{QStringLiteral("id"), itemId},
                                                        {QStringLiteral("price"), st->request.priceId},
                                                        {QStringLiteral("quantity"), st->request.quantity}}}},
                                {QStringLiteral("proration_behavior"), behavior}};
            if (withDate)
                details.insert(QStringLiteral("proration_date"), st->preview.prorationDate);
            return formParamsFromJson(QJsonObject{{QStringLiteral("subscription"), subId},
                                                  {QStringLiteral("subscription_details"), details}});
        };
        const QString path = QStringLiteral("/v1/invoices/create_preview");
        const StripeRequestOptions opts;
        auto finish = [st]() {
            PlanChangePreview &p = st->preview;
            const auto curAmount = periodAmountMinor(p.currentPrice, p.subscription.items.first().quantity);
            const auto newAmount = periodAmountMinor(p.targetPrice, st->request.quantity);
            const QMap<QString, qint64> usage{{QStringLiteral("seats"), p.subscription.items.first().quantity}};
            p.warnings = downgradeWarnings(PlanFeatures::fromMetadata(st->currentProductMetadata),
                                           PlanFeatures::fromMetadata(st->targetProductMetadata), usage);
            if (curAmount && newAmount)
                p.downgrade = *newAmount * periodDays(p.currentPrice) < *curAmount * periodDays(p.targetPrice);
            if (!p.warnings.isEmpty())
                p.downgrade = true;
            p.beforeSummary = planSummary(p.currentPrice, p.currentProductName, p.subscription.items.first().quantity);
            const QString target = planSummary(p.targetPrice, p.targetProductName, st->request.quantity);
            switch (st->request.timing) {
            case PlanChangeTiming::NowProrated:
                p.intentSummary = QStringLiteral("Switch to %1 now, prorated as of %2 (invoiced now)")
                                      .arg(target, QDateTime::fromSecsSinceEpoch(p.prorationDate, Qt::UTC).toString(Qt::ISODate));
                break;
            case PlanChangeTiming::NowWithoutProration:
                p.intentSummary = QStringLiteral("Switch to %1 now, without proration").arg(target);
                break;
            case PlanChangeTiming::AtPeriodEnd:
                p.intentSummary = QStringLiteral("Switch to %1 at the end of the period (%2), by subscription schedule")
                                      .arg(target, p.subscription.currentPeriodEnd().toString(Qt::ISODate));
                break;
            }
            st->handler(p);
        };
        auto nextInvoice = [client, context, st, fail, finish, cur, sameInterval, params, path, opts]() {
            PlanChangePreview &p = st->preview;
            if (!sameInterval && st->request.timing != PlanChangeTiming::AtPeriodEnd) {
                // A new interval restarts the billing cycle now (the preview above is that invoice);
                // the next one bills a full new period.
                const auto amount = periodAmountMinor(p.targetPrice, st->request.quantity);
                p.nextInvoiceTotal = money(amount.value_or(0), cur);
                p.nextInvoiceDate = addPeriod(QDateTime::currentDateTimeUtc(), p.targetPrice);
                return finish();
            }
            if (!client)
                return fail(noService());
            client->request(QStringLiteral("POST"), path, params(QStringLiteral("none"), false), opts, context,
                            [st, fail, finish, cur](Result<QJsonObject> json) {
                                if (!json)
                                    return fail(json.error());
                                auto a = previewAmounts(*json);
                                if (!a)
                                    return fail(a.error());
                                st->preview.nextInvoiceTotal = money(a->totalMinor, cur);
                                st->preview.nextInvoiceDate = a->date;
                                finish();
                            });
        };
        PlanChangePreview &p = st->preview;
        p.credit = money(0, cur);
        p.newCharge = money(0, cur);
        p.amountDueNow = money(0, cur);
        if (st->request.timing == PlanChangeTiming::AtPeriodEnd || (sameInterval && !prorated))
            return nextInvoice();
        if (!client)
            return fail(noService());
        client->request(QStringLiteral("POST"), path,
                        params(prorated ? QStringLiteral("always_invoice") : QStringLiteral("none"), false), opts,
                        context, [st, fail, nextInvoice, cur](Result<QJsonObject> json) {
                            if (!json)
                                return fail(json.error());
                            auto a = previewAmounts(*json);
                            if (!a)
                                return fail(a.error());
                            // The time Stripe prorated at, sent again on commit (see the header).
                            st->preview.prorationDate = a->prorationDate;
                            st->preview.credit = money(a->creditMinor, cur);
                            st->preview.newCharge = money(a->chargeMinor, cur);
                            st->preview.amountDueNow = money(a->amountDueMinor, cur);
                            nextInvoice();
                        });
    };

    auto loadTarget = [st, fail, getPriceAndProduct, runPreviews]() {
        getPriceAndProduct(st->request.priceId, [st, fail, runPreviews](Result<std::pair<Price, QJsonObject>> r) {
            if (!r)
                return fail(r.error());
            st->preview.targetPrice = r->first;
            st->preview.targetProductName = r->second.value(QStringLiteral("name")).toString();
            st->targetProductMetadata = r->second.value(QStringLiteral("metadata")).toObject();
            const Status valid = validatePlanChange(st->preview.subscription, st->preview.targetPrice, st->request);
            if (!valid)
                return fail(valid.error());
            runPreviews();
        });
    };

    m_client->get(QStringLiteral("/v1/subscriptions/%1").arg(request.subscriptionId), {}, context,
                  [st, fail, getPriceAndProduct, loadTarget](Result<QJsonObject> json) {
                      if (!json)
                          return fail(json.error());
                      auto sub = StripeParser::subscription(*json);
                      if (!sub)
                          return fail(sub.error());
                      st->preview.subscription = *sub;
                      const QJsonValue schedule = json->value(QStringLiteral("schedule"));
                      st->preview.scheduleId = schedule.isObject() ? schedule[QStringLiteral("id")].toString() : schedule.toString();
                      if (sub->items.isEmpty())
                          return fail(Error::make(Error::Kind::Validation, tr("This subscription has no items.")));
                      getPriceAndProduct(sub->items.first().priceId,
                                         [st, fail, loadTarget](Result<std::pair<Price, QJsonObject>> r) {
                                             if (!r)
                                                 return fail(r.error());
                                             st->preview.currentPrice = r->first;
                                             st->preview.currentProductName = r->second.value(QStringLiteral("name")).toString();
                                             st->currentProductMetadata = r->second.value(QStringLiteral("metadata")).toObject();
                                             loadTarget();
                                         });
                  });
}

OutboxOperation PlanChangeService::updateOperation(const PlanChangePreview &preview)
{
    const PlanChangeRequest &r = preview.request;
    QJsonObject item{{QStringLiteral("id"), preview.subscription.items.isEmpty() ? QString() : preview.subscription.items.first().id},
                     {QStringLiteral("price"), r.priceId},
                     {QStringLiteral("quantity"), r.quantity}};
    QJsonObject params{{QStringLiteral("items"), QJsonArray{item}}};
    if (r.timing == PlanChangeTiming::NowProrated) {
        params.insert(QStringLiteral("proration_behavior"), QStringLiteral("always_invoice"));
        if (preview.prorationDate > 0)
            params.insert(QStringLiteral("proration_date"), preview.prorationDate);
    } else {
        params.insert(QStringLiteral("proration_behavior"), QStringLiteral("none"));
    }
    OutboxOperation op;
    op.operation = QStringLiteral("subscription.change_plan");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/subscriptions/%1").arg(r.subscriptionId);
    op.params = params;
    return op;
}

void PlanChangeService::whenFinished(qint64 entryId, QObject *context, std::function<void(Result<OutboxEntry>)> handler)
{
    if (!handler || !m_runner)
        return;
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_runner, &OperationRunner::operationFinished, context,
                    [conn, entryId, handler](const OutboxEntry &entry) {
                        if (entry.id != entryId)
                            return;
                        QObject::disconnect(*conn);
                        handler(entry);
                    });
}

void PlanChangeService::commit(const PlanChangePreview &preview, const QString &clientOpId, QObject *context,
                               std::function<void(Result<OutboxEntry>)> queued,
                               std::function<void(Result<OutboxEntry>)> finished)
{
    if (!m_runner || !m_client)
        return queued(noService());
    const Status valid = validatePlanChange(preview.subscription, preview.targetPrice, preview.request);
    if (!valid)
        return queued(valid.error());
    if (preview.subscription.id != preview.request.subscriptionId || preview.targetPrice.id != preview.request.priceId)
        return queued(Error::make(Error::Kind::Validation, tr("Preview the change before confirming it.")));

    OperationRequest req;
    req.permission = Permission::ChangePlan;
    req.targetType = QStringLiteral("subscription");
    req.targetId = preview.request.subscriptionId;
    req.beforeSummary = preview.beforeSummary;
    req.intentSummary = preview.intentSummary;
    QPointer<PlanChangeService> self = this;

    auto settleOrWait = [self, context](const OutboxEntry &entry, std::function<void(Result<OutboxEntry>)> handler) {
        if (!handler)
            return;
        if (!entry.isOpen())
            return handler(entry); // the same clientOpId was already settled: nothing sent again
        if (self)
            self->whenFinished(entry.id, context, std::move(handler));
    };

    if (preview.request.timing != PlanChangeTiming::AtPeriodEnd) {
        req.outbox = updateOperation(preview);
        req.outbox.clientOpId = clientOpId;
        m_runner->submit(req, context, [queued, finished, settleOrWait](Result<OutboxEntry> entry) {
            queued(entry);
            if (entry)
                settleOrWait(*entry, finished);
        });
        return;
    }

    if (!preview.scheduleId.isEmpty()) {
        const QString scheduleId = preview.scheduleId;
        m_client->get(QStringLiteral("/v1/subscription_schedules/%1").arg(scheduleId), {}, context,
                      [self, preview, scheduleId, clientOpId, context, queued, finished](Result<QJsonObject> json) {
                          if (!json)
                              return queued(json.error());
                          if (!self)
                              return queued(noService());
                          self->submitScheduleUpdate(preview, scheduleId, *json, clientOpId, context, queued, finished);
                      });
        return;
    }

    req.outbox.operation = QStringLiteral("subscription_schedule.create");
    req.outbox.method = QStringLiteral("POST");
    req.outbox.path = QStringLiteral("/v1/subscription_schedules");
    req.outbox.params = QJsonObject{{QStringLiteral("from_subscription"), preview.request.subscriptionId}};
    req.outbox.clientOpId = clientOpId.isEmpty() ? QString() : clientOpId + QStringLiteral(":schedule");
    req.intentSummary = QStringLiteral("Put the subscription on a schedule (step 1 of 2): %1").arg(preview.intentSummary);
    m_runner->submit(req, context, [self, preview, clientOpId, context, queued, finished, settleOrWait](Result<OutboxEntry> entry) {
        queued(entry);
        if (!entry)
            return;
        settleOrWait(*entry, [self, preview, clientOpId, context, finished](Result<OutboxEntry> done) {
            if (!done || done->state != OutboxState::Succeeded) {
                if (finished)
                    finished(done);
                return;
            }
            if (!self) {
                if (finished)
                    finished(noService());
                return;
            }
            const QString scheduleId = done->resultObjectId.isEmpty() ? done->result.value(QStringLiteral("id")).toString()
                                                                      : done->resultObjectId;
            self->submitScheduleUpdate(preview, scheduleId, done->result, clientOpId, context, {}, finished);
        });
    });
}

void PlanChangeService::submitScheduleUpdate(const PlanChangePreview &preview, const QString &scheduleId,
                                             const QJsonObject &schedule, const QString &clientOpId, QObject *context,
                                             std::function<void(Result<OutboxEntry>)> queued,
                                             std::function<void(Result<OutboxEntry>)> finished)
{
    // Step 2 of a new schedule has no `queued` (step 1 reported that): only its failure to queue
    // goes to `finished`, which otherwise gets the settled entry below.
    auto report = [queued, finished](const Result<OutboxEntry> &r) {
        if (queued)
            queued(r);
        else if (!r && finished)
            finished(r);
    };
    if (!m_runner)
        return report(noService());
    // The phase running now, kept as it is; Stripe requires its start_date to stay unchanged.
    QJsonObject phase = schedule.value(QStringLiteral("current_phase")).toObject();
    const QJsonArray phases = schedule.value(QStringLiteral("phases")).toArray();
    if (!phases.isEmpty() && phase.isEmpty())
        phase = phases.first().toObject();
    const qint64 start = phase.value(QStringLiteral("start_date")).toInteger();
    qint64 end = phase.value(QStringLiteral("end_date")).toInteger();
    if (end <= 0)
        end = preview.subscription.currentPeriodEnd().toSecsSinceEpoch();
    if (start <= 0 || end <= 0)
        return report(Error::make(Error::Kind::InvalidResponse, tr("Stripe's subscription schedule could not be read."),
                                  QStringLiteral("schedule %1 without current phase dates").arg(scheduleId)));
    const SubscriptionItem &item = preview.subscription.items.first();
    QJsonObject phase0{{QStringLiteral("items"),
                        QJsonArray{QJsonObject{{QStringLiteral("price"), item.priceId}, {QStringLiteral("quantity"), item.quantity}}}},
                       {QStringLiteral("start_date"), start},
                       {QStringLiteral("end_date"), end}};
    QJsonObject phase1{{QStringLiteral("items"),
                        QJsonArray{QJsonObject{{QStringLiteral("price"), preview.request.priceId},
                                               {QStringLiteral("quantity"), preview.request.quantity}}}}};
    OperationRequest req;
    req.permission = Permission::ChangePlan;
    req.targetType = QStringLiteral("subscription");
    req.targetId = preview.request.subscriptionId;
    req.beforeSummary = preview.beforeSummary;
    req.intentSummary = preview.intentSummary;
    req.outbox.operation = QStringLiteral("subscription.change_plan_at_period_end");
    req.outbox.method = QStringLiteral("POST");
    req.outbox.path = QStringLiteral("/v1/subscription_schedules/%1").arg(scheduleId);
    req.outbox.params = QJsonObject{{QStringLiteral("phases"), QJsonArray{phase0, phase1}},
                                    {QStringLiteral("end_behavior"), QStringLiteral("release")},
                                    {QStringLiteral("proration_behavior"), QStringLiteral("none")}};
    req.outbox.clientOpId = clientOpId.isEmpty() ? QString() : clientOpId + QStringLiteral(":phases");
    QPointer<PlanChangeService> self = this;
    m_runner->submit(req, context, [self, context, report, finished](Result<OutboxEntry> entry) {
        report(entry);
        if (!entry || !finished)
            return;
        if (!entry->isOpen())
            return finished(*entry);
        if (self)
            self->whenFinished(entry->id, context, finished);
    });
}

} // namespace Billing
