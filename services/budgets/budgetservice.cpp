#include "services/budgets/budgetservice.h"

#include "services/budgets/alertcsv.h"
#include "services/lifecycle/pauseservice.h"
#include "services/operations/operationrunner.h"
#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"

#include <QJsonArray>

#ifdef BC_HAVE_PRICING
#include "services/pricing/pricecalculator.h"
#endif
#ifdef BC_HAVE_FORECASTER
#include "services/analytics/forecaster.h"
#endif

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace Billing {

namespace {

template <typename T>
void post(QObject *context, const std::function<void(Result<T>)> &handler, Result<T> value)
{
    QMetaObject::invokeMethod(context, [handler, value] { handler(value); }, Qt::QueuedConnection);
}

bool counts(const Invoice &inv)
{
    return inv.status == QLatin1String("open") || inv.status == QLatin1String("paid")
        || inv.status == QLatin1String("uncollectible");
}

struct Stage1
{
    QList<Budget> budgets;
    QHash<QString, QHash<QString, qint64>> usage; // customer -> meter -> units this month
    QHash<QString, QHash<QString, QList<qint64>>> daily; // customer -> meter -> units per completed day
};

} // namespace

BudgetService::BudgetService(AsyncBillingDatabase *billingDb, AsyncLocalCache *cache, OperationRunner *runner,
                             QObject *parent)
    : QObject(parent), m_db(billingDb), m_cache(cache), m_runner(runner), m_price(defaultPriceFunction())
{
}

BudgetService::~BudgetService() = default;

BudgetService::PriceFunction BudgetService::defaultPriceFunction()
{
    return [](const Price &price, qint64 quantity) -> Result<qint64> {
#ifdef BC_HAVE_PRICING
        Result<PriceCharge> charge = PriceCalculator::charge(price, quantity);
        if (!charge)
            return charge.error();
        return charge->total.minor();
#else
        // Without the pricing library: whole-unit per-unit prices only (exact), else say so.
        if (price.billingScheme == QLatin1String("tiered") || !price.unitAmount)
            return Error::make(Error::Kind::Validation,
                               tr("The price %1 is tiered or fractional; this build cannot price it.").arg(price.id));
        const __int128 total = static_cast<__int128>(*price.unitAmount) * quantity;
        if (total > std::numeric_limits<qint64>::max())
            return Error::make(Error::Kind::Validation, tr("The usage cost is too large to compute."));
        return static_cast<qint64>(total);
#endif
    };
}

std::optional<qint64> BudgetService::projectUsage(qint64 monthToDate, const QList<qint64> &completedDays,
                                                  const QDateTime &now, QString *method)
{
    const QDateTime start = ThresholdEvaluator::periodStart(now);
    const QDateTime end = ThresholdEvaluator::periodEnd(now);
    const int daysLeft = int(now.toUTC().date().daysTo(end.date())); // today included
#ifdef BC_HAVE_FORECASTER
    if (completedDays.size() >= 4 && daysLeft >= 1 && daysLeft <= 24) {
        QList<double> series;
        qint64 done = 0;
        for (qint64 v : completedDays) {
            series << double(v); // usage counts, not money (the forecaster works in doubles)
            done += v;
        }
        ForecastOptions options;
        options.horizon = daysLeft;
        options.seasonality = Seasonality::None;
        options.backtestPoints = 0;
        Result<Forecast> f = forecast(series, options);
        if (f) {
            double rest = 0;
            for (const ForecastPoint &p : std::as_const(f->points))
                rest += p.value;
            if (std::isfinite(rest) && rest >= 0 && rest < 9.0e18 - double(done)) {
                if (method)
                    *method = tr("Holt linear trend over %n day(s) of usage", nullptr, int(completedDays.size()));
                return std::max(monthToDate, done + qint64(std::llround(rest)));
            }
        }
    }
#else
    Q_UNUSED(completedDays);
    Q_UNUSED(daysLeft);
#endif
    if (method)
        *method = tr("linear run rate of the month so far");
    return ThresholdEvaluator::linearProjection(monthToDate, start, end, now);
}

bool BudgetService::mayManage() const
{
    return m_runner && AccessPolicy::allows(m_runner->actor().role, Permission::ManageBudgets);
}

Status BudgetService::checkManage() const
{
    if (!m_runner)
        return Error::make(Error::Kind::Cancelled, tr("The console is shutting down."));
    return m_runner->policy().check(m_runner->actor(), Permission::ManageBudgets);
}

BudgetSpend BudgetService::measure(const Budget &b, const BudgetInputs &in, const QDateTime &now,
                                   const PriceFunction &price)
{
    BudgetSpend s;
    s.forecastMethod = tr("linear run rate of the month so far");
    // A subscription-scoped budget counts a meter only when one of the subscription's prices
    // charges it: the usage rollups are per customer, and the customer's other subscriptions
    // (or unpriced meters) are not this subscription's spend.
    const bool subscriptionScoped = b.scope == BudgetScope::Subscription && !b.meter.isEmpty();
    if (subscriptionScoped && !in.subscriptionMeters.contains(b.subscriptionId)) {
        s.problem = tr("The subscription %1 is not in the local cache: sync, then evaluate again.").arg(b.subscriptionId);
        return s;
    }
    const bool meterOnSubscription = !subscriptionScoped || in.subscriptionMeters.value(b.subscriptionId).contains(b.meter);
    const qint64 meterUsage = meterOnSubscription ? in.usageByMeter.value(b.meter) : 0;
    if (b.unit == BudgetUnit::Units) {
        s.spend = meterUsage;
        s.basis = meterOnSubscription
                      ? tr("%1 units of %2 this month (usage rollups)").arg(s.spend).arg(b.meter)
                      : tr("no price on subscription %1 charges %2: none of its usage counts").arg(b.subscriptionId, b.meter);
        if (!meterOnSubscription)
            return s;
        s.projected = projectUsage(s.spend, in.dailyUsageByMeter.value(b.meter), now, &s.forecastMethod);
        return s;
    }
    if (!in.customerCurrency.isEmpty() && in.customerCurrency.compare(b.currency, Qt::CaseInsensitive) != 0) {
        s.problem = tr("The customer is billed in %1, the budget is in %2.")
                        .arg(in.customerCurrency.toUpper(), b.currency.toUpper());
        return s;
    }
    qint64 invoiced = 0;
    int invoiceCount = 0;
    for (const Invoice &inv : in.invoices) {
        if (!counts(inv) || inv.currency.compare(b.currency, Qt::CaseInsensitive) != 0)
            continue;
        if (b.scope == BudgetScope::Subscription && inv.subscriptionId != b.subscriptionId)
            continue;
        invoiced += inv.totalMinor;
        ++invoiceCount;
    }
    qint64 usageCost = 0;
    if (!b.priceId.isEmpty()) {
        const auto it = in.prices.constFind(b.priceId);
        if (it == in.prices.constEnd()) {
            s.problem = tr("The price %1 is not in the local cache: sync, then evaluate again.").arg(b.priceId);
            return s;
        }
        if (it->currency.compare(b.currency, Qt::CaseInsensitive) != 0) {
            s.problem = tr("The price %1 is in %2, the budget in %3.")
                            .arg(b.priceId, it->currency.toUpper(), b.currency.toUpper());
            return s;
        }
        Result<qint64> cost = price(*it, meterUsage);
        if (!cost) {
            s.problem = cost.error().userMessage;
            return s;
        }
        usageCost = *cost;
    }
    s.spend = invoiced + usageCost;
    if (b.priceId.isEmpty()) {
        s.basis = tr("invoiced this month (%n invoice(s))", nullptr, invoiceCount);
        // Invoices come in steps (a renewal on its day), so they are not projected: no forecast.
    } else {
        s.basis = tr("invoiced this month (%n invoice(s)) + %1 usage priced with %2", nullptr, invoiceCount)
                      .arg(b.meter, b.priceId);
        QString method;
        const std::optional<qint64> usageAtEnd =
            meterOnSubscription ? projectUsage(meterUsage, in.dailyUsageByMeter.value(b.meter), now, &method)
                                : std::optional<qint64>(0);
        if (usageAtEnd) {
            Result<qint64> projectedCost = price(in.prices.value(b.priceId), *usageAtEnd);
            if (projectedCost)
                s.projected = invoiced + *projectedCost;
        }
        s.forecastMethod = tr("invoiced so far + usage forecast (%1)").arg(method);
    }
    return s;
}

std::optional<qint64> BudgetService::capUnits(const Budget &b, const BudgetInputs &in, const BudgetSpend &spend,
                                             const PriceFunction &price)
{
    if (b.action != LimitAction::Cap || !spend.problem.isEmpty() || b.meter.isEmpty())
        return std::nullopt;
    if (b.unit == BudgetUnit::Units)
        return b.limit;
    // Money: the most units of the meter whose priced cost, added to what was invoiced this
    // month, stays within the limit. Prices never fall as the quantity grows, so a binary search
    // over quantities finds it exactly (with PriceCalculator's exact minor units).
    const auto it = in.prices.constFind(b.priceId);
    if (it == in.prices.constEnd())
        return std::nullopt;
    Result<qint64> atZero = price(*it, 0);
    if (!atZero)
        return std::nullopt;
    const qint64 usage = in.usageByMeter.value(b.meter);
    Result<qint64> atUsage = price(*it, usage);
    if (!atUsage)
        return std::nullopt;
    const qint64 invoiced = spend.spend - *atUsage;
    if (invoiced + *atZero > b.limit)
        return qint64(0);
    qint64 lo = 0, hi = qMax<qint64>(1, usage);
    // Grow hi until it is over the limit (or clearly beyond any usage seen).
    for (int i = 0; i < 62; ++i) {
        Result<qint64> c = price(*it, hi);
        if (!c || invoiced + *c > b.limit)
            break;
        lo = hi;
        if (hi > std::numeric_limits<qint64>::max() / 2)
            return hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        const qint64 mid = lo + (hi - lo) / 2;
        Result<qint64> c = price(*it, mid);
        if (c && invoiced + *c <= b.limit)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

UsageCaps BudgetService::usageCaps() const
{
    UsageCaps caps;
    for (const BudgetStatus &st : m_lastStatuses) {
        if (st.budget.active && st.capUnits)
            caps.setCap(st.budget.customerId, st.budget.meter, *st.capUnits);
    }
    return caps;
}

Result<OperationRequest> BudgetService::stripeAlertOperation(const Budget &b, const QString &meterId)
{
    if (b.unit != BudgetUnit::Units)
        return Error::make(Error::Kind::Validation,
                           tr("Stripe's usage alerts count meter units; a budget in money stays in the console."));
    if (meterId.isEmpty() || b.id == 0)
        return Error::make(Error::Kind::Validation,
                           tr("Stripe has no billing meter for %1, so no Stripe alert can watch it.").arg(b.meter));
    OperationRequest r;
    r.permission = Permission::ManageBudgets;
    r.targetType = QStringLiteral("customer");
    r.targetId = b.customerId;
    r.beforeSummary = QStringLiteral("budget %1: %2 %3 a month").arg(b.id).arg(b.limit).arg(b.meter);
    r.intentSummary = QStringLiteral("Stripe billing alert when %1 reaches %2 (one time)").arg(b.meter).arg(b.limit);
    r.outbox.operation = QStringLiteral("billing_alert.create");
    r.outbox.method = QStringLiteral("POST");
    r.outbox.path = QStringLiteral("/v1/billing/alerts");
    const QJsonObject filter{{QStringLiteral("type"), QStringLiteral("customer")},
                             {QStringLiteral("customer"), b.customerId}};
    r.outbox.params = QJsonObject{
        {QStringLiteral("alert_type"), QStringLiteral("usage_threshold")},
        {QStringLiteral("title"), QStringLiteral("Budget %1: %2 of %3").arg(b.id).arg(b.limit).arg(b.meter).left(256)},
        {QStringLiteral("usage_threshold"),
         QJsonObject{{QStringLiteral("gte"), b.limit},
                     {QStringLiteral("meter"), meterId},
                     {QStringLiteral("recurrence"), QStringLiteral("one_time")},
                     {QStringLiteral("filters"), QJsonArray{filter}}}}};
    r.outbox.clientOpId = QStringLiteral("budget-alert:%1:%2").arg(b.id).arg(b.version);
    return r;
}

void BudgetService::mirrorToStripe(const Budget &budget, QObject *context, Handler<OutboxEntry> queued)
{
    if (Status s = checkManage(); !s)
        return post<OutboxEntry>(context, queued, s.error());
    if (!m_stripe)
        return post<OutboxEntry>(context, queued, Error::make(Error::Kind::Cancelled, tr("Stripe is not connected.")));
    if (Result<OperationRequest> probe = stripeAlertOperation(budget, QStringLiteral("mtr_probe")); !probe)
        return post<OutboxEntry>(context, queued, probe.error());
    QPointer<BudgetService> self(this);
    QPointer<QObject> ctx(context);
    FormValue params = FormValue::object();
    params.insert(QStringLiteral("limit"), FormValue(QStringLiteral("100")));
    m_stripe->get(QStringLiteral("/v1/billing/meters"), params, this, [self, ctx, budget, queued](Result<QJsonObject> page) {
        if (!self || !ctx)
            return;
        if (!page)
            return queued(page.error());
        QString meterId;
        for (const QJsonValue &v : page->value(QLatin1String("data")).toArray()) {
            const QJsonObject m = v.toObject();
            if (m.value(QLatin1String("event_name")).toString() == budget.meter
                && m.value(QLatin1String("status")).toString() == QLatin1String("active"))
                meterId = m.value(QLatin1String("id")).toString();
        }
        Result<OperationRequest> op = stripeAlertOperation(budget, meterId);
        if (!op)
            return queued(op.error());
        if (!self->m_runner)
            return queued(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        self->m_runner->submit(*op, ctx.data(), [self, budget, queued](Result<OutboxEntry> entry) {
            if (entry && self) {
                // When Stripe answers, keep the alert's id on the budget.
                const qint64 entryId = entry->id;
                auto connection = std::make_shared<QMetaObject::Connection>();
                *connection = connect(self->m_runner.data(), &OperationRunner::operationFinished, self.data(),
                                      [self, budget, entryId, connection](const OutboxEntry &done) {
                                          if (done.id != entryId)
                                              return;
                                          QObject::disconnect(*connection);
                                          self->recordStripeAlert(budget, done);
                                      });
            }
            queued(std::move(entry));
        });
    });
}

void BudgetService::recordStripeAlert(const Budget &budget, const OutboxEntry &done)
{
    if (done.state != OutboxState::Succeeded) {
        Q_EMIT stripeAlertFinished(budget.id, {}, done.errorMessage.isEmpty() ? tr("Stripe refused the alert.")
                                                                              : done.errorMessage);
        return;
    }
    const QString alertId = done.resultObjectId.isEmpty() ? done.result.value(QLatin1String("id")).toString()
                                                          : done.resultObjectId;
    const QString actor = m_runner ? m_runner->actor().tag() : QStringLiteral("system");
    QPointer<BudgetService> self(this);
    m_db->thread().run(
        this,
        [id = budget.id, alertId, actor](BillingDatabase &db) {
            return BudgetRepository(db).setStripeAlertId(id, alertId, actor);
        },
        [self, id = budget.id, alertId](Status st) {
            if (!self)
                return;
            Q_EMIT self->stripeAlertFinished(id, st ? alertId : QString(), st ? QString() : st.error().userMessage);
            if (st)
                Q_EMIT self->budgetsChanged();
        });
}

void BudgetService::budgets(const QString &customerId, QObject *context, Handler<QList<Budget>> handler)
{
    m_db->thread().run(context, [customerId](BillingDatabase &db) { return BudgetRepository(db).budgets(customerId, false); },
                       std::move(handler));
}

void BudgetService::save(const Budget &budget, QObject *context, Handler<Budget> handler)
{
    if (Status s = checkManage(); !s)
        return post<Budget>(context, handler, s.error());
    const QString actor = m_runner->actor().tag();
    QPointer<BudgetService> self(this);
    QPointer<QObject> ctx(context);
    // The customer's currency comes from the cache; then the save runs on the billing DB worker.
    m_cache->thread().run(
        this,
        [id = budget.customerId](LocalCache &cache) -> Result<QString> {
            Result<Customer> c = cache.customer(id);
            if (!c)
                return c.error().kind == Error::Kind::NotFound ? Result<QString>(QString()) : Result<QString>(c.error());
            return c->currency;
        },
        [self, ctx, budget, actor, handler](Result<QString> currency) {
            if (!ctx)
                return;
            if (!currency)
                return handler(currency.error());
            self->m_db->thread().run(
                ctx.data(),
                [budget, actor, cur = *currency](BillingDatabase &db) {
                    return BudgetRepository(db).saveBudget(budget, cur, actor);
                },
                [self, handler](Result<Budget> saved) {
                    if (saved && self)
                        Q_EMIT self->budgetsChanged();
                    handler(std::move(saved));
                });
        });
}

void BudgetService::archive(qint64 id, qint64 version, QObject *context, Handler<Budget> handler)
{
    if (Status s = checkManage(); !s)
        return post<Budget>(context, handler, s.error());
    QPointer<BudgetService> self(this);
    m_db->thread().run(
        context,
        [id, version, actor = m_runner->actor().tag()](BillingDatabase &db) {
            return BudgetRepository(db).archiveBudget(id, version, actor);
        },
        [self, handler](Result<Budget> r) {
            if (r && self)
                Q_EMIT self->budgetsChanged();
            handler(std::move(r));
        });
}

void BudgetService::alerts(const AlertQuery &query, QObject *context, Handler<QList<BudgetAlert>> handler)
{
    m_db->thread().run(context, [query](BillingDatabase &db) { return BudgetRepository(db).alerts(query); },
                       std::move(handler));
}

void BudgetService::acknowledge(qint64 alertId, QObject *context, Handler<BudgetAlert> handler)
{
    if (Status s = checkManage(); !s)
        return post<BudgetAlert>(context, handler, s.error());
    QPointer<BudgetService> self(this);
    m_db->thread().run(
        context,
        [alertId, actor = m_runner->actor().tag()](BillingDatabase &db) {
            return BudgetRepository(db).acknowledge(alertId, actor);
        },
        [self, handler](Result<BudgetAlert> r) {
            if (r && self)
                Q_EMIT self->alertsChanged();
            handler(std::move(r));
        });
}

void BudgetService::snooze(qint64 alertId, const QDateTime &until, QObject *context, Handler<BudgetAlert> handler)
{
    if (Status s = checkManage(); !s)
        return post<BudgetAlert>(context, handler, s.error());
    QPointer<BudgetService> self(this);
    m_db->thread().run(
        context,
        [alertId, until, actor = m_runner->actor().tag()](BillingDatabase &db) {
            return BudgetRepository(db).snooze(alertId, until, actor);
        },
        [self, handler](Result<BudgetAlert> r) {
            if (r && self)
                Q_EMIT self->alertsChanged();
            handler(std::move(r));
        });
}

void BudgetService::flaggedCustomers(QObject *context, Handler<QSet<QString>> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return BudgetRepository(db).flaggedCustomers(); },
                       std::move(handler));
}

void BudgetService::meters(QObject *context, Handler<QStringList> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return db.usageMeters(); }, std::move(handler));
}

void BudgetService::customerNames(const QStringList &ids, QObject *context, Handler<QHash<QString, QString>> handler)
{
    m_cache->thread().run(
        context,
        [ids](LocalCache &cache) -> Result<QHash<QString, QString>> {
            QHash<QString, QString> out;
            for (const QString &id : ids) {
                Result<Customer> c = cache.customer(id);
                if (c)
                    out.insert(id, c->name.isEmpty() ? c->email : c->name);
            }
            return out;
        },
        std::move(handler));
}

void BudgetService::exportAlerts(const QString &path, const QList<BudgetAlert> &alerts,
                                 const QHash<QString, QString> &names, QObject *context,
                                 std::function<void(Status)> handler)
{
    m_db->thread().run(
        context,
        [path, alerts, names](BillingDatabase &) { return writeAlertsCsv(path, alerts, names, QDateTime::currentDateTimeUtc()); },
        std::move(handler));
}

void BudgetService::evaluate(const QDateTime &nowIn, QObject *context, Handler<BudgetEvaluationReport> handler,
                             bool record)
{
    const QDateTime now = nowIn.toUTC();
    const QDateTime start = ThresholdEvaluator::periodStart(now);
    const QDateTime end = ThresholdEvaluator::periodEnd(now);
    const QString actor = m_runner ? m_runner->actor().tag() : QStringLiteral("system");
    QPointer<BudgetService> self(this);
    QPointer<QObject> ctx(context);
    auto fail = [ctx, handler](const Error &e) {
        Logging::logger("app")->warn("budget evaluation failed: {}", e.detail.toStdString());
        if (ctx)
            handler(e);
    };

    // 1. Budgets and this month's usage (billing DB worker).
    m_db->thread().run(
        this,
        [start, end, now](BillingDatabase &db) -> Result<Stage1> {
            BudgetRepository repo(db);
            Result<QList<Budget>> budgets = repo.budgets({}, true);
            if (!budgets)
                return budgets.error();
            Stage1 s;
            s.budgets = *budgets;
            QSet<QString> customers;
            for (const Budget &b : std::as_const(s.budgets))
                customers.insert(b.customerId);
            for (const QString &c : std::as_const(customers)) {
                UsageSeriesQuery q;
                q.customerId = c;
                q.granularity = UsageGranularity::Month;
                q.from = start;
                q.to = end;
                Result<QList<UsagePoint>> points = db.usageSeries(q);
                if (!points)
                    return points.error();
                for (const UsagePoint &p : std::as_const(*points))
                    s.usage[c][p.meter] += p.quantity;
                // Completed days only (today is still filling), for the forecaster.
                q.granularity = UsageGranularity::Day;
                q.to = BillingDatabase::bucketStart(now, UsageGranularity::Day);
                const int days = int(start.daysTo(q.to));
                if (days > 0) {
                    Result<QList<UsagePoint>> dayPoints = db.usageSeries(q);
                    if (!dayPoints)
                        return dayPoints.error();
                    for (const UsagePoint &p : std::as_const(*dayPoints)) {
                        QList<qint64> &series = s.daily[c][p.meter];
                        if (series.isEmpty())
                            series.resize(days, 0);
                        const int index = int(start.daysTo(p.bucketStart));
                        if (index >= 0 && index < days)
                            series[index] += p.quantity;
                    }
                }
            }
            return s;
        },
        [self, ctx, now, start, actor, handler, fail, record](Result<Stage1> stage1) {
            if (!self)
                return;
            if (!stage1)
                return fail(stage1.error());
            const QList<Budget> budgets = stage1->budgets;
            const auto usage = stage1->usage;
            const auto daily = stage1->daily;
            // 2. Currency, invoices, subscriptions and prices (cache worker).
            self->m_cache->thread().run(
                self.data(),
                [budgets, start](LocalCache &cache) -> Result<QHash<QString, BudgetInputs>> {
                    QHash<QString, BudgetInputs> out;
                    QHash<QString, Price> prices;
                    bool needPrices = false;
                    for (const Budget &b : budgets)
                        needPrices = needPrices || !b.priceId.isEmpty() || b.scope == BudgetScope::Subscription;
                    if (needPrices) {
                        Result<QList<Price>> all = cache.prices();
                        if (!all)
                            return all.error();
                        for (const Price &p : std::as_const(*all))
                            prices.insert(p.id, p);
                    }
                    for (const Budget &b : budgets) {
                        if (out.contains(b.customerId))
                            continue;
                        BudgetInputs in;
                        Result<Customer> c = cache.customer(b.customerId);
                        if (c)
                            in.customerCurrency = c->currency;
                        InvoiceQuery iq;
                        iq.customerId = b.customerId;
                        iq.createdFrom = start.date();
                        iq.limit = 1000;
                        Result<QList<InvoiceRow>> rows = cache.invoices(iq);
                        if (!rows)
                            return rows.error();
                        for (const InvoiceRow &r : std::as_const(*rows))
                            in.invoices << r.invoice;
                        SubscriptionQuery sq;
                        sq.customerId = b.customerId;
                        sq.statuses = {QStringLiteral("active"), QStringLiteral("trialing"), QStringLiteral("past_due")};
                        sq.limit = 1000;
                        Result<QList<SubscriptionRow>> subs = cache.subscriptions(sq);
                        if (!subs)
                            return subs.error();
                        for (const SubscriptionRow &r : std::as_const(*subs)) {
                            if (r.subscription.pauseBehavior.isEmpty())
                                in.pausableSubscriptions << r.subscription.id;
                        }
                        in.prices = prices;
                        out.insert(b.customerId, in);
                    }
                    // Subscription-scoped budgets: the meters each subscription's prices charge.
                    for (const Budget &b : budgets) {
                        if (b.scope != BudgetScope::Subscription || b.subscriptionId.isEmpty())
                            continue;
                        BudgetInputs &in = out[b.customerId];
                        if (in.subscriptionMeters.contains(b.subscriptionId))
                            continue;
                        SubscriptionQuery one;
                        one.customerId = b.customerId;
                        one.limit = 1000;
                        Result<QList<SubscriptionRow>> rows = cache.subscriptions(one);
                        if (!rows)
                            return rows.error();
                        const bool known = std::any_of(rows->cbegin(), rows->cend(), [&](const SubscriptionRow &r) {
                            return r.subscription.id == b.subscriptionId;
                        });
                        if (!known)
                            continue; // measure() says the subscription is not in the cache
                        Result<QList<SubscriptionItem>> items = cache.subscriptionItems(b.subscriptionId);
                        if (!items)
                            return items.error();
                        QSet<QString> meters;
                        for (const SubscriptionItem &item : std::as_const(*items)) {
                            const QString meter = prices.value(item.priceId).metadata.value(QStringLiteral("meter"));
                            if (!meter.isEmpty())
                                meters.insert(meter);
                        }
                        in.subscriptionMeters.insert(b.subscriptionId, meters);
                    }
                    return out;
                },
                [self, ctx, now, budgets, usage, daily, actor, handler, fail, record](Result<QHash<QString, BudgetInputs>> inputs) {
                    if (!self)
                        return;
                    if (!inputs)
                        return fail(inputs.error());
                    auto report = std::make_shared<BudgetEvaluationReport>();
                    report->at = now;
                    report->period = ThresholdEvaluator::periodKey(now);
                    QList<DueAlert> due;
                    for (const Budget &b : budgets) {
                        BudgetInputs in = inputs->value(b.customerId);
                        in.usageByMeter = usage.value(b.customerId);
                        in.dailyUsageByMeter = daily.value(b.customerId);
                        BudgetStatus st;
                        st.budget = b;
                        st.spend = measure(b, in, now, self->m_price);
                        st.permille = ThresholdEvaluator::permilleUsed(st.spend.spend, b.limit);
                        st.capUnits = capUnits(b, in, st.spend, self->m_price);
                        if (st.capUnits) {
                            const qint64 used = b.unit == BudgetUnit::Units ? st.spend.spend : in.usageByMeter.value(b.meter);
                            st.overCap = qMax<qint64>(0, used - *st.capUnits);
                        }
                        st.flagged = b.action == LimitAction::Flag && st.spend.problem.isEmpty() && st.permille >= 1000;
                        report->statuses << st;
                        QStringList pauseTargets;
                        if (b.action == LimitAction::Pause) {
                            pauseTargets = b.scope == BudgetScope::Subscription
                                               ? (in.pausableSubscriptions.contains(b.subscriptionId)
                                                      ? QStringList{b.subscriptionId}
                                                      : QStringList{})
                                               : in.pausableSubscriptions;
                        }
                        for (const BudgetAlert &a : ThresholdEvaluator::dueAlerts(b, st.spend, now))
                            due << DueAlert{a, b.action, pauseTargets};
                    }
                    self->m_lastStatuses = report->statuses;
                    self->m_flagged.clear();
                    for (const BudgetStatus &st : std::as_const(report->statuses)) {
                        if (st.flagged)
                            self->m_flagged.insert(st.budget.customerId);
                    }
                    self->m_byCustomer.clear();
                    for (const BudgetStatus &st : std::as_const(report->statuses)) {
                        const auto it = self->m_byCustomer.constFind(st.budget.customerId);
                        if (it == self->m_byCustomer.constEnd() || it->permille < st.permille) {
                            BudgetStatus shown = st;
                            shown.flagged = self->m_flagged.contains(st.budget.customerId);
                            self->m_byCustomer.insert(st.budget.customerId, shown);
                        }
                    }
                    if (!record) {
                        Q_EMIT self->evaluated();
                        if (ctx)
                            handler(*report);
                        return;
                    }
                    // 3. Record what is new, exactly once; read the pauses still to queue.
                    self->m_db->thread().run(
                        self.data(),
                        [due, actor](BillingDatabase &db)
                            -> Result<QPair<QList<BudgetAlert>, QList<BudgetActionRecord>>> {
                            BudgetRepository repo(db);
                            Result<QList<BudgetAlert>> fresh = repo.recordAlerts(due, actor);
                            if (!fresh)
                                return fresh.error();
                            Result<QList<BudgetActionRecord>> pending = repo.dueActions();
                            if (!pending)
                                return pending.error();
                            return qMakePair(*fresh, *pending);
                        },
                        [self, ctx, report, handler, fail](
                            Result<QPair<QList<BudgetAlert>, QList<BudgetActionRecord>>> recorded) {
                            if (!self)
                                return;
                            if (!recorded)
                                return fail(recorded.error());
                            report->newAlerts = recorded->first;
                            if (!report->newAlerts.isEmpty())
                                Q_EMIT self->alertsChanged();
                            self->queuePauses(recorded->second, report, ctx.data(), handler);
                        });
                });
        });
}

void BudgetService::queuePauses(QList<BudgetActionRecord> due, std::shared_ptr<BudgetEvaluationReport> report,
                                QObject *context, Handler<BudgetEvaluationReport> handler)
{
    QPointer<QObject> ctx(context);
    if (due.isEmpty() || !m_runner) {
        Q_EMIT evaluated();
        if (ctx)
            handler(*report);
        return;
    }
    const BudgetActionRecord action = due.takeFirst();
    Subscription s;
    s.id = action.subscriptionId;
    s.customerId = action.customerId;
    s.status = QStringLiteral("active");
    PauseRequest request; // keep_as_draft, until resumed by hand
    OperationRequest op = PauseService::pauseOperation(s, request, action.clientOpId);
    op.intentSummary = tr("Pause collection: monthly budget %1 reached in %2").arg(action.budgetId).arg(action.period);
    QPointer<BudgetService> self(this);
    const QString actor = m_runner->actor().tag();
    m_runner->submit(op, this, [self, ctx, action, due, report, handler, actor](Result<OutboxEntry> queued) {
        if (!self)
            return;
        if (!queued && queued.error().kind == Error::Kind::Unauthorized) {
            // Left "due": a later run by someone allowed to pause queues it.
            report->pausesFailed << qMakePair(action, queued.error().userMessage);
            return self->queuePauses(due, report, ctx.data(), handler);
        }
        const bool ok = queued.ok();
        const qint64 entryId = ok ? queued->id : 0;
        const QString detail = ok ? QString() : queued.error().userMessage;
        self->m_db->thread().run(
            self.data(),
            [id = action.id, ok, entryId, detail, actor](BillingDatabase &db) {
                return BudgetRepository(db).completeAction(id, ok, entryId, detail, actor);
            },
            [self, ctx, action, due, report, handler, ok, entryId, detail](Status st) {
                if (!self)
                    return;
                BudgetActionRecord done = action;
                done.outboxEntryId = entryId;
                if (ok && st)
                    report->pausesQueued << done;
                else
                    report->pausesFailed << qMakePair(done, st ? detail : st.error().userMessage);
                Q_EMIT self->alertsChanged();
                self->queuePauses(due, report, ctx.data(), handler);
            });
    });
}

} // namespace Billing
