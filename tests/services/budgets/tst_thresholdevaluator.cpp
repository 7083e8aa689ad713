// Threshold evaluation: the pure rules (which thresholds a spend reaches, the linear projection),
// how spend is measured, and evaluation through the real stack (billing DB + cache + outbox +
// runner against the sandbox): each threshold alerts once, a rerun alerts nothing, a zero budget
// is refused, snoozed alerts stay hidden until their date, an early warning when the forecast
// crosses the budget, and a "stop" budget pauses collection exactly once.
#include "services/budgets/budgetservice.h"
#include "services/budgets/thresholdevaluator.h"
#include "services/stripe/stripeparser.h"
#include "services/usage/usagecost.h"
#include "tests/services/lifecycle/tst_cancelstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

namespace {

QDateTime utc(int y, int m, int d, int h = 0, int mi = 0)
{
    return QDateTime(QDate(y, m, d), QTime(h, mi), Qt::UTC);
}

QList<int> percents(const QString &text)
{
    QList<int> out;
    for (const QString &p : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        out << p.toInt();
    return out;
}

QList<int> thresholdPercents(const QList<BudgetAlert> &alerts)
{
    QList<int> out;
    for (const BudgetAlert &a : alerts) {
        if (a.kind == AlertKind::Threshold)
            out << a.thresholdPercent;
    }
    std::sort(out.begin(), out.end());
    return out;
}

int forecastCount(const QList<BudgetAlert> &alerts)
{
    return int(std::count_if(alerts.begin(), alerts.end(),
                             [](const BudgetAlert &a) { return a.kind == AlertKind::Forecast; }));
}

Invoice invoice(const QString &status, qint64 total, const QString &currency, const QString &sub = {})
{
    Invoice i;
    i.status = status;
    i.totalMinor = total;
    i.currency = currency;
    i.subscriptionId = sub;
    return i;
}

} // namespace

class tst_ThresholdEvaluator : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_stacks = 0;

    std::unique_ptr<LifecycleStack> stack(StaffRole role = StaffRole::Finance)
    {
        const QString tag = QString::number(++m_stacks);
        return std::make_unique<LifecycleStack>(
            m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.db").arg(tag))),
            actorWith(role), tag);
    }

    static Result<BudgetEvaluationReport> evaluate(BudgetService &service, const QDateTime &now)
    {
        return waitFor<BudgetEvaluationReport>([&](QObject *ctx, auto h) { service.evaluate(now, ctx, h); });
    }

    static Result<Budget> save(BudgetService &service, const Budget &b)
    {
        return waitFor<Budget>([&](QObject *ctx, auto h) { service.save(b, ctx, h); });
    }

    static Status recordUsage(LifecycleStack &s, const QString &customer, const QString &meter, qint64 quantity,
                              const QDateTime &at)
    {
        static int serial = 0;
        const UsageEvent e{QStringLiteral("evt_budget_%1").arg(++serial), customer, meter, quantity, at};
        Result<int> r = s.billingDb->thread().runBlocking([e](BillingDatabase &db) { return db.recordUsageEvents({e}); });
        if (!r)
            return r.error();
        return {};
    }

    static Budget unitsBudget(const QString &customer, qint64 limit)
    {
        Budget b;
        b.customerId = customer;
        b.unit = BudgetUnit::Units;
        b.meter = QStringLiteral("api_calls");
        b.limit = limit;
        return b;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!sandboxUrl().isEmpty(), "run through ctest: the sandbox fixture sets BC_SANDBOX_URL");
    }

    // --- pure rules -------------------------------------------------------------------------

    void dueAlertsAtSpend_data()
    {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("thresholds");
        QTest::addColumn<qint64>("spend");
        QTest::addColumn<QString>("expected");
        QTest::newRow("nothing spent") << qint64(1000) << "50,80,100" << qint64(0) << "";
        QTest::newRow("just under half") << qint64(1000) << "50,80,100" << qint64(499) << "";
        QTest::newRow("exactly half") << qint64(1000) << "50,80,100" << qint64(500) << "50";
        QTest::newRow("just under 80") << qint64(1000) << "50,80,100" << qint64(799) << "50";
        QTest::newRow("80") << qint64(1000) << "50,80,100" << qint64(800) << "50,80";
        QTest::newRow("at the limit") << qint64(1000) << "50,80,100" << qint64(1000) << "50,80,100";
        QTest::newRow("far over") << qint64(1000) << "50,80,100" << qint64(5000) << "50,80,100";
        // 1/3 of 7 units is 2.33: 2 units is below 33%, 3 above (exact, no rounding up).
        QTest::newRow("odd limit below") << qint64(7) << "33,100" << qint64(2) << "";
        QTest::newRow("odd limit above") << qint64(7) << "33,100" << qint64(3) << "33";
        QTest::newRow("custom thresholds") << qint64(20000) << "25,90,150" << qint64(30000) << "25,90,150";
        QTest::newRow("huge values do not overflow")
            << qint64(900000000000LL) << "50,80,100" << std::numeric_limits<qint64>::max() << "50,80,100";
    }
    void dueAlertsAtSpend()
    {
        QFETCH(qint64, limit);
        QFETCH(QString, thresholds);
        QFETCH(qint64, spend);
        QFETCH(QString, expected);
        Budget b = unitsBudget(QStringLiteral("cus_x"), limit);
        b.id = 3;
        b.thresholds = percents(thresholds);
        BudgetSpend s;
        s.spend = spend;
        const QDateTime now = utc(2026, 11, 20, 9);
        const QList<BudgetAlert> due = ThresholdEvaluator::dueAlerts(b, s, now);
        QCOMPARE(thresholdPercents(due), percents(expected));
        for (const BudgetAlert &a : due) {
            QCOMPARE(a.period, QStringLiteral("2026-11"));
            QCOMPARE(a.budgetId, qint64(3));
            QCOMPARE(a.spend, spend);
            QCOMPARE(a.limit, limit);
        }
        // An inactive budget or an unmeasurable spend alerts nothing.
        b.active = false;
        QVERIFY(ThresholdEvaluator::dueAlerts(b, s, now).isEmpty());
        b.active = true;
        s.problem = QStringLiteral("price missing");
        QVERIFY(ThresholdEvaluator::dueAlerts(b, s, now).isEmpty());
    }

    void linearProjection_data()
    {
        QTest::addColumn<qint64>("spend");
        QTest::addColumn<QDateTime>("now");
        QTest::addColumn<qint64>("expected"); // -1 = no projection
        // November has 30 days. Half-way through (15 days), spend doubles.
        QTest::newRow("half the month") << qint64(500) << utc(2026, 11, 16) << qint64(1000);
        // 10 days of 30: x3.
        QTest::newRow("a third") << qint64(333) << utc(2026, 11, 11) << qint64(999);
        // 7 of 30 days: 100 * 30 / 7 = 428.57 -> 429 (half up).
        QTest::newRow("rounds half up") << qint64(100) << utc(2026, 11, 8) << qint64(429);
        QTest::newRow("nothing spent") << qint64(0) << utc(2026, 11, 20) << qint64(0);
        QTest::newRow("too early in the month") << qint64(50) << utc(2026, 11, 1, 0, 30) << qint64(-1);
        // February 2026 has 28 days: 14 days = half.
        QTest::newRow("february") << qint64(70) << utc(2026, 2, 15) << qint64(140);
    }
    void linearProjection()
    {
        QFETCH(qint64, spend);
        QFETCH(QDateTime, now);
        QFETCH(qint64, expected);
        const std::optional<qint64> p = ThresholdEvaluator::linearProjection(
            spend, ThresholdEvaluator::periodStart(now), ThresholdEvaluator::periodEnd(now), now);
        if (expected < 0)
            QVERIFY(!p.has_value());
        else
            QCOMPARE(p.value_or(-1), expected);
    }

    void moneySpendIsInvoicedPlusPricedUsage()
    {
        Budget b;
        b.customerId = QStringLiteral("cus_m");
        b.unit = BudgetUnit::Money;
        b.currency = QStringLiteral("usd");
        b.limit = 10000;
        b.meter = QStringLiteral("api_calls");
        b.priceId = QStringLiteral("price_calls");
        BudgetInputs in;
        in.customerCurrency = QStringLiteral("usd");
        in.invoices = {invoice(QStringLiteral("paid"), 2000, QStringLiteral("usd")),
                       invoice(QStringLiteral("open"), 1000, QStringLiteral("usd")),
                       invoice(QStringLiteral("uncollectible"), 500, QStringLiteral("usd")),
                       invoice(QStringLiteral("void"), 9999, QStringLiteral("usd")),
                       invoice(QStringLiteral("draft"), 7777, QStringLiteral("usd")),
                       invoice(QStringLiteral("paid"), 4444, QStringLiteral("eur"))};
        in.usageByMeter.insert(QStringLiteral("api_calls"), 150);
        Price p;
        p.id = QStringLiteral("price_calls");
        p.currency = QStringLiteral("usd");
        p.billingScheme = QStringLiteral("per_unit");
        p.unitAmount = 2;
        p.usageType = QStringLiteral("metered");
        in.prices.insert(p.id, p);
        const QDateTime now = utc(2026, 11, 16);
        BudgetSpend s = BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction());
        QVERIFY2(s.problem.isEmpty(), qPrintable(s.problem));
        QCOMPARE(s.spend, qint64(2000 + 1000 + 500 + 150 * 2));
        // Half the month gone: usage doubles by the month end, invoices stay.
        QVERIFY(s.projected.has_value());
        QCOMPARE(*s.projected, qint64(3500 + 300 * 2));

        // A subscription budget counts only that subscription's invoices, and the meter's usage
        // only when a price on that subscription charges the meter.
        b.scope = BudgetScope::Subscription;
        b.subscriptionId = QStringLiteral("sub_1");
        in.invoices << invoice(QStringLiteral("paid"), 3000, QStringLiteral("usd"), QStringLiteral("sub_1"));
        in.subscriptionMeters.insert(QStringLiteral("sub_1"), {QStringLiteral("api_calls")});
        QCOMPARE(BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction()).spend, qint64(3000 + 300));
        in.subscriptionMeters.insert(QStringLiteral("sub_1"), {QStringLiteral("storage_gb")});
        QCOMPARE(BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction()).spend, qint64(3000));
        in.subscriptionMeters.insert(QStringLiteral("sub_1"), {QStringLiteral("api_calls")});

        // A price missing from the cache, or in another currency: a problem, never a wrong total.
        in.prices.clear();
        s = BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction());
        QVERIFY(s.problem.contains(QStringLiteral("price_calls")));
        QVERIFY(ThresholdEvaluator::dueAlerts(b, s, now).isEmpty());
        p.currency = QStringLiteral("eur");
        in.prices.insert(p.id, p);
        QVERIFY(!BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction()).problem.isEmpty());
        in.customerCurrency = QStringLiteral("gbp");
        QVERIFY(BudgetService::measure(b, in, now, BudgetService::defaultPriceFunction())
                    .problem.contains(QStringLiteral("GBP")));
    }

    // --- through the real stack -------------------------------------------------------------

    void eachThresholdAlertsOnce_data()
    {
        QTest::addColumn<QString>("usageSteps"); // units recorded before each evaluation
        QTest::addColumn<QStringList>("newPerStep"); // new threshold alerts expected at each step
        QTest::newRow("straight over the limit") << "1200" << QStringList{QStringLiteral("50,80,100")};
        QTest::newRow("step by step")
            << "400,100,300,200" << QStringList{QString(), QStringLiteral("50"), QStringLiteral("80"), QStringLiteral("100")};
        QTest::newRow("skips 80 between runs") << "600,500" << QStringList{QStringLiteral("50"), QStringLiteral("80,100")};
        QTest::newRow("never reaches half") << "100,200,100" << QStringList{QString(), QString(), QString()};
    }
    void eachThresholdAlertsOnce()
    {
        QFETCH(QString, usageSteps);
        QFETCH(QStringList, newPerStep);
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        const QString customer = QStringLiteral("cus_steps_%1").arg(m_stacks);
        Result<Budget> saved = save(service, unitsBudget(customer, 1000));
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().userMessage));

        // October 2026, evaluated on the 31st: usage on the 5th.
        const QDateTime now = utc(2026, 10, 31, 12);
        const QStringList steps = usageSteps.split(QLatin1Char(','));
        qint64 total = 0;
        for (int i = 0; i < steps.size(); ++i) {
            total += steps.at(i).toLongLong();
            QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), steps.at(i).toLongLong(), utc(2026, 10, 5, 10)));
            Result<BudgetEvaluationReport> first = evaluate(service, now);
            QVERIFY2(first, qPrintable(first ? QString() : first.error().detail));
            QCOMPARE(first->period, QStringLiteral("2026-10"));
            QCOMPARE(first->statuses.size(), 1);
            QCOMPARE(first->statuses.first().spend.spend, total);
            QCOMPARE(first->statuses.first().permille, int(total * 1000 / 1000));
            QCOMPARE(thresholdPercents(first->newAlerts), percents(newPerStep.at(i)));
            // The next refresh sees the same spend: no alert again.
            Result<BudgetEvaluationReport> again = evaluate(service, now);
            QVERIFY(again);
            QVERIFY(again->newAlerts.isEmpty());
        }
        // Everything alerted is in the list exactly once.
        AlertQuery q;
        q.customerId = customer;
        q.now = now;
        Result<QList<BudgetAlert>> listed = waitFor<QList<BudgetAlert>>([&](QObject *ctx, auto h) { service.alerts(q, ctx, h); });
        QVERIFY(listed);
        QStringList all;
        for (const QString &step : newPerStep) {
            if (!step.isEmpty())
                all << step;
        }
        QCOMPARE(thresholdPercents(*listed), percents(all.join(QLatin1Char(','))));
        // The next month starts afresh.
        QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 10, utc(2026, 11, 2)));
        Result<BudgetEvaluationReport> november = evaluate(service, utc(2026, 11, 20));
        QVERIFY(november);
        QCOMPARE(november->statuses.first().spend.spend, qint64(10));
        QVERIFY(thresholdPercents(november->newAlerts).isEmpty());
    }

    void zeroBudgetIsRefused_data()
    {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("zero") << qint64(0) << QStringLiteral("above zero");
        QTest::newRow("negative") << qint64(-5) << QStringLiteral("negative");
    }
    void zeroBudgetIsRefused()
    {
        QFETCH(qint64, limit);
        QFETCH(QString, messagePart);
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        Result<Budget> saved = save(service, unitsBudget(QStringLiteral("cus_zero"), limit));
        QVERIFY(!saved);
        QCOMPARE(saved.error().kind, Error::Kind::Validation);
        QVERIFY2(saved.error().userMessage.contains(messagePart), qPrintable(saved.error().userMessage));
        Result<QList<Budget>> listed = waitFor<QList<Budget>>([&](QObject *ctx, auto h) { service.budgets({}, ctx, h); });
        QVERIFY(listed);
        QVERIFY(listed->isEmpty());
        // Evaluating with no budget alerts nothing.
        Result<BudgetEvaluationReport> r = evaluate(service, utc(2026, 10, 20));
        QVERIFY(r);
        QVERIFY(r->statuses.isEmpty());
        QVERIFY(r->newAlerts.isEmpty());
    }

    void readOnlyStaffCannotChangeBudgets()
    {
        auto s = stack(StaffRole::ReadOnly);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        QVERIFY(!service.mayManage());
        Result<Budget> saved = save(service, unitsBudget(QStringLiteral("cus_ro"), 100));
        QVERIFY(!saved);
        QCOMPARE(saved.error().kind, Error::Kind::Unauthorized);
    }

    void snoozedAlertsStayHiddenUntilTheirDate()
    {
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        const QString customer = QStringLiteral("cus_snooze");
        QVERIFY(save(service, unitsBudget(customer, 100)));
        QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 60, utc(2026, 10, 3)));
        Result<BudgetEvaluationReport> r = evaluate(service, utc(2026, 10, 30));
        QVERIFY(r);
        QCOMPARE(thresholdPercents(r->newAlerts), QList<int>{50});
        const qint64 id = r->newAlerts.first().id;

        const QDateTime until = QDateTime::currentDateTimeUtc().addDays(3);
        Result<BudgetAlert> snoozed = waitFor<BudgetAlert>([&](QObject *ctx, auto h) { service.snooze(id, until, ctx, h); });
        QVERIFY2(snoozed, qPrintable(snoozed ? QString() : snoozed.error().userMessage));

        AlertQuery q;
        q.now = QDateTime::currentDateTimeUtc();
        auto visible = [&](const QDateTime &at) {
            AlertQuery query = q;
            query.now = at;
            return waitFor<QList<BudgetAlert>>([&](QObject *ctx, auto h) { service.alerts(query, ctx, h); })->size();
        };
        QCOMPARE(visible(q.now), 0);
        QCOMPARE(visible(until.addSecs(-60)), 0);
        QCOMPARE(visible(until.addSecs(1)), 1);
        // A rerun does not bring it back either.
        QVERIFY(evaluate(service, utc(2026, 10, 30))->newAlerts.isEmpty());
        QCOMPARE(visible(q.now), 0);

        // Acknowledged: gone from the open list for good.
        QVERIFY(waitFor<BudgetAlert>([&](QObject *ctx, auto h) { service.acknowledge(id, ctx, h); }));
        QCOMPARE(visible(until.addDays(1)), 0);
    }

    void earlyWarningWhenTheForecastCrossesTheBudget_data()
    {
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<bool>("warned");
        // 9 full days of 50 and 25 on the 10th: 475 by 10 Oct 12:00, heading for ~1550 by the 31st.
        QTest::newRow("heading over 1000") << qint64(1000) << true;
        QTest::newRow("heading for 1550 of 1500") << qint64(1500) << true;
        QTest::newRow("well within 3000") << qint64(3000) << false;
    }
    void earlyWarningWhenTheForecastCrossesTheBudget()
    {
        QFETCH(qint64, limit);
        QFETCH(bool, warned);
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        const QString customer = QStringLiteral("cus_forecast_%1").arg(m_stacks);
        QVERIFY(save(service, unitsBudget(customer, limit)));
        for (int day = 1; day <= 9; ++day)
            QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 50, utc(2026, 10, day, 14)));
        QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 25, utc(2026, 10, 10, 6)));
        const QDateTime now = utc(2026, 10, 10, 12);
        Result<BudgetEvaluationReport> r = evaluate(service, now);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().detail));
        const BudgetStatus st = r->statuses.first();
        QCOMPARE(st.spend.spend, qint64(475));
        QVERIFY(st.spend.projected.has_value());
        // Linear: 475 x 31 days / 9.5 days = 1550; Holt over nine days of 50: 450 + 22 x 50 = 1550.
        QVERIFY2(qAbs(*st.spend.projected - 1550) <= 5, qPrintable(QString::number(*st.spend.projected)));
        QVERIFY(thresholdPercents(r->newAlerts).isEmpty()); // 475 of 1000 is under half
        QCOMPARE(forecastCount(r->newAlerts), warned ? 1 : 0);
        if (warned) {
            const BudgetAlert &a = r->newAlerts.first();
            QCOMPARE(a.action, QStringLiteral("early warning"));
            QCOMPARE(a.projected, *st.spend.projected);
            QVERIFY2(a.note.contains(QStringLiteral("forecast")), qPrintable(a.note));
        }
        QCOMPARE(forecastCount(evaluate(service, now)->newAlerts), 0); // once per month
    }

    void unitsBudgetIsMirroredAsAStripeBillingAlert()
    {
        auto s = stack(StaffRole::Finance);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        QJsonObject meter;
        for (const QJsonValue &v : sandboxCall("GET", QStringLiteral("/v1/billing/meters?limit=100")).value(QLatin1String("data")).toArray()) {
            if (v.toObject().value(QLatin1String("status")).toString() == QLatin1String("active"))
                meter = v.toObject();
        }
        QVERIFY2(!meter.isEmpty(), "the sandbox has no active billing meter");
        const QString customer = sandboxCall("GET", QStringLiteral("/v1/customers?limit=1"))
                                     .value(QLatin1String("data")).toArray().first().toObject()
                                     .value(QLatin1String("id")).toString();
        QVERIFY(!customer.isEmpty());
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        service.setStripe(s->client.get());
        Budget b = unitsBudget(customer, 5000);
        b.meter = meter.value(QLatin1String("event_name")).toString();
        Result<Budget> saved = save(service, b);
        QVERIFY(saved);

        QSignalSpy finished(&service, &BudgetService::stripeAlertFinished);
        Result<OutboxEntry> queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.mirrorToStripe(*saved, ctx, h); });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        QCOMPARE(queued->clientOpId, QStringLiteral("budget-alert:%1:1").arg(saved->id));
        std::optional<OutboxEntry> done = s->settled(queued->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QVERIFY(finished.wait(10000) || finished.size() == 1);
        const QString alertId = finished.first().at(1).toString();
        QVERIFY2(alertId.startsWith(QStringLiteral("alrt_")), qPrintable(finished.first().at(2).toString()));

        // What Stripe holds: a one-time usage threshold on that meter for that customer.
        const QJsonObject alert = sandboxCall("GET", QStringLiteral("/v1/billing/alerts/") + alertId);
        const QJsonObject ut = alert.value(QLatin1String("usage_threshold")).toObject();
        QCOMPARE(alert.value(QLatin1String("alert_type")).toString(), QStringLiteral("usage_threshold"));
        QCOMPARE(ut.value(QLatin1String("gte")).toInteger(), qint64(5000));
        QCOMPARE(ut.value(QLatin1String("recurrence")).toString(), QStringLiteral("one_time"));
        const QJsonValue meterValue = ut.value(QLatin1String("meter"));
        QCOMPARE(meterValue.isObject() ? meterValue.toObject().value(QLatin1String("id")).toString() : meterValue.toString(),
                 meter.value(QLatin1String("id")).toString());
        const QJsonObject filter = ut.value(QLatin1String("filters")).toArray().first().toObject();
        QCOMPARE(filter.value(QLatin1String("type")).toString(), QStringLiteral("customer"));
        const QJsonValue filterCustomer = filter.value(QLatin1String("customer"));
        QCOMPARE(filterCustomer.isObject() ? filterCustomer.toObject().value(QLatin1String("id")).toString()
                                           : filterCustomer.toString(),
                 customer);
        // The budget remembers it.
        Result<QList<Budget>> budgets = waitFor<QList<Budget>>([&](QObject *ctx, auto h) { service.budgets(customer, ctx, h); });
        QVERIFY(budgets);
        QCOMPARE(budgets->first().stripeAlertId, alertId);

        // Asking again (a double click) is the same outbox entry, not a second alert.
        Result<OutboxEntry> again = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.mirrorToStripe(*saved, ctx, h); });
        QVERIFY(again);
        QCOMPARE(again->id, queued->id);

        // A money budget has no Stripe usage alert: refused, nothing sent.
        Budget money;
        money.id = 99;
        money.customerId = customer;
        money.unit = BudgetUnit::Money;
        money.currency = QStringLiteral("usd");
        money.limit = 100;
        const int before = s->outboxCount();
        Result<OutboxEntry> refused = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.mirrorToStripe(money, ctx, h); });
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, Error::Kind::Validation);
        QCOMPARE(s->outboxCount(), before);
    }

    void stopBudgetPausesCollectionExactlyOnce()
    {
        auto s = stack(StaffRole::Finance);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        const QJsonObject subJson = newSubscription();
        Result<Subscription> sub = StripeParser::subscription(subJson);
        QVERIFY(sub);
        const QJsonObject cusJson = sandboxCall("GET", QStringLiteral("/v1/customers/") + sub->customerId);
        Result<Customer> cus = StripeParser::customer(cusJson);
        QVERIFY(cus);
        QVERIFY(s->cache->thread().runBlocking([&](LocalCache &c) {
            Status a = c.upsertCustomers({*cus});
            return a ? c.upsertSubscriptions({*sub}) : a;
        }));

        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        Budget b = unitsBudget(sub->customerId, 100);
        b.action = LimitAction::Pause;
        QVERIFY(save(service, b));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(recordUsage(*s, sub->customerId, QStringLiteral("api_calls"), 150, now.addSecs(-30)));
        const int outboxBefore = s->outboxCount();

        Result<BudgetEvaluationReport> r = evaluate(service, now);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().detail));
        QCOMPARE(thresholdPercents(r->newAlerts), (QList<int>{50, 80, 100}));
        QCOMPARE(r->pausesQueued.size(), 1);
        QVERIFY(r->pausesFailed.isEmpty());
        QCOMPARE(r->pausesQueued.first().subscriptionId, sub->id);
        QCOMPARE(s->outboxCount(), outboxBefore + 1);
        std::optional<OutboxEntry> sent = s->settled(r->pausesQueued.first().outboxEntryId);
        QVERIFY(sent);
        QVERIFY2(sent->state == OutboxState::Succeeded, qPrintable(sent->errorMessage));
        QCOMPARE(sent->clientOpId, QStringLiteral("budget-stop:%1:%2:%3")
                                       .arg(r->statuses.first().budget.id)
                                       .arg(ThresholdEvaluator::periodKey(now), sub->id));
        QCOMPARE(sandboxSubscription(sub->id).value(QLatin1String("pause_collection")).toObject()
                     .value(QLatin1String("behavior")).toString(),
                 QStringLiteral("keep_as_draft"));

        // More usage and another run: no second alert, no second pause.
        QVERIFY(recordUsage(*s, sub->customerId, QStringLiteral("api_calls"), 50, now.addSecs(-20)));
        Result<BudgetEvaluationReport> again = evaluate(service, now);
        QVERIFY(again);
        QVERIFY(again->newAlerts.isEmpty());
        QVERIFY(again->pausesQueued.isEmpty());
        QCOMPARE(s->outboxCount(), outboxBefore + 1);

        AlertQuery q;
        q.customerId = sub->customerId;
        q.now = now;
        Result<QList<BudgetAlert>> listed = waitFor<QList<BudgetAlert>>([&](QObject *ctx, auto h) { service.alerts(q, ctx, h); });
        QVERIFY(listed);
        bool sawPause = false;
        for (const BudgetAlert &a : *listed) {
            if (a.thresholdPercent == 100 && a.kind == AlertKind::Threshold) {
                sawPause = true;
                QVERIFY2(a.action.startsWith(QStringLiteral("pause queued")), qPrintable(a.action));
                QCOMPARE(a.outboxEntryId, sent->id);
            }
        }
        QVERIFY(sawPause);
        QStringList ops;
        for (const AuditEntry &e : s->audit(sub->id))
            ops << e.operation;
        QVERIFY(ops.contains(QStringLiteral("subscription.pause")));
        QVERIFY(ops.contains(QStringLiteral("budget.pause")));
    }

    // --- subscription scope, limit actions ----------------------------------------------------

    void subscriptionUnitsBudgetCountsOnlyItsMeters_data()
    {
        QTest::addColumn<QStringList>("subscriptionMeters"); // meters the subscription's prices charge
        QTest::addColumn<bool>("subscriptionKnown");
        QTest::addColumn<qint64>("spend");
        QTest::addColumn<bool>("problem");
        QTest::newRow("meter priced on the subscription") << QStringList{QStringLiteral("api_calls")} << true << qint64(700) << false;
        QTest::newRow("two meters, one is the budget's")
            << QStringList{QStringLiteral("storage_gb"), QStringLiteral("api_calls")} << true << qint64(700) << false;
        QTest::newRow("meter not priced on it") << QStringList{QStringLiteral("storage_gb")} << true << qint64(0) << false;
        QTest::newRow("no metered price at all") << QStringList{} << true << qint64(0) << false;
        QTest::newRow("subscription not in the cache") << QStringList{} << false << qint64(0) << true;
    }
    void subscriptionUnitsBudgetCountsOnlyItsMeters()
    {
        QFETCH(QStringList, subscriptionMeters);
        QFETCH(bool, subscriptionKnown);
        QFETCH(qint64, spend);
        QFETCH(bool, problem);
        Budget b = unitsBudget(QStringLiteral("cus_s"), 1000);
        b.scope = BudgetScope::Subscription;
        b.subscriptionId = QStringLiteral("sub_s");
        BudgetInputs in;
        // The customer's usage: 700 api_calls, 90 storage_gb (rollups are per customer).
        in.usageByMeter.insert(QStringLiteral("api_calls"), 700);
        in.usageByMeter.insert(QStringLiteral("storage_gb"), 90);
        if (subscriptionKnown)
            in.subscriptionMeters.insert(b.subscriptionId, QSet<QString>(subscriptionMeters.cbegin(), subscriptionMeters.cend()));
        const BudgetSpend s = BudgetService::measure(b, in, utc(2026, 11, 16), BudgetService::defaultPriceFunction());
        QCOMPARE(s.spend, spend);
        QCOMPARE(!s.problem.isEmpty(), problem);
        // The same budget for the whole customer counts the meter whatever the subscriptions price.
        b.scope = BudgetScope::Customer;
        QCOMPARE(BudgetService::measure(b, in, utc(2026, 11, 16), BudgetService::defaultPriceFunction()).spend, qint64(700));
    }

    void capUnitsOfACapBudget_data()
    {
        QTest::addColumn<QString>("unit");      // "units" or "money"
        QTest::addColumn<QString>("action");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<qint64>("invoiced");   // money: paid this month
        QTest::addColumn<QString>("price");     // money: "per_unit:<minor>" or "graduated"
        QTest::addColumn<qint64>("cap");        // -1 = none
        QTest::newRow("units: the limit") << "units" << "cap" << qint64(1000) << qint64(0) << QString() << qint64(1000);
        QTest::newRow("units, notify: no cap") << "units" << "notify" << qint64(1000) << qint64(0) << QString() << qint64(-1);
        QTest::newRow("units, flag: no cap") << "units" << "flag" << qint64(1000) << qint64(0) << QString() << qint64(-1);
        // (10,000 - 3,000) / 2 cents = 3,500 calls.
        QTest::newRow("money, 2 cents a call") << "money" << "cap" << qint64(10000) << qint64(3000) << "per_unit:2" << qint64(3500);
        // (10,000 - 3,001) / 2 = 3,499.5: 3,499 calls fit, 3,500 would cost 10,001.
        QTest::newRow("money, rounds down") << "money" << "cap" << qint64(10000) << qint64(3001) << "per_unit:2" << qint64(3499);
        QTest::newRow("money, invoices already over") << "money" << "cap" << qint64(1000) << qint64(1500) << "per_unit:2" << qint64(0);
        // Graduated: first 100 at 5 cents (500), then 1 cent: 1,000 - 500 = 500 more: 600 calls.
        QTest::newRow("money, graduated tiers") << "money" << "cap" << qint64(1000) << qint64(0) << "graduated" << qint64(600);
    }
    void capUnitsOfACapBudget()
    {
        QFETCH(QString, unit);
        QFETCH(QString, action);
        QFETCH(qint64, limit);
        QFETCH(qint64, invoiced);
        QFETCH(QString, price);
        QFETCH(qint64, cap);
        Budget b = unitsBudget(QStringLiteral("cus_c"), limit);
        b.action = *limitActionFromName(action);
        BudgetInputs in;
        in.usageByMeter.insert(QStringLiteral("api_calls"), 40);
        if (unit == QLatin1String("money")) {
            b.unit = BudgetUnit::Money;
            b.currency = QStringLiteral("usd");
            b.priceId = QStringLiteral("price_calls");
            in.customerCurrency = QStringLiteral("usd");
            in.invoices << invoice(QStringLiteral("paid"), invoiced, QStringLiteral("usd"));
            Price p;
            p.id = b.priceId;
            p.currency = QStringLiteral("usd");
            p.usageType = QStringLiteral("metered");
            if (price.startsWith(QStringLiteral("per_unit:"))) {
                p.billingScheme = QStringLiteral("per_unit");
                p.unitAmount = price.section(QLatin1Char(':'), 1).toLongLong();
            } else {
                p.billingScheme = QStringLiteral("tiered");
                p.tiersMode = QStringLiteral("graduated");
                PriceTier t1;
                t1.upTo = 100;
                t1.unitAmount = 5;
                PriceTier t2;
                t2.unitAmount = 1;
                p.tiers = {t1, t2};
            }
            in.prices.insert(p.id, p);
        }
        const BudgetSpend s = BudgetService::measure(b, in, utc(2026, 11, 16), BudgetService::defaultPriceFunction());
        QVERIFY2(s.problem.isEmpty(), qPrintable(s.problem));
        const std::optional<qint64> got = BudgetService::capUnits(b, in, s, BudgetService::defaultPriceFunction());
        QCOMPARE(got.has_value(), cap >= 0);
        if (got)
            QCOMPARE(*got, cap);
    }

    void eachLimitActionAtTheLimit_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("alertAction"); // the 100% alert's action text starts with this
        QTest::addColumn<bool>("flagged");
        QTest::addColumn<qint64>("overCap");
        QTest::newRow("notify") << "notify" << "notified" << false << qint64(0);
        QTest::newRow("flag") << "flag" << "account flagged" << true << qint64(0);
        QTest::newRow("cap") << "cap" << "usage capped at 1000 api_calls: 250 over the cap" << false << qint64(250);
    }
    void eachLimitActionAtTheLimit()
    {
        QFETCH(QString, action);
        QFETCH(QString, alertAction);
        QFETCH(bool, flagged);
        QFETCH(qint64, overCap);
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        const QString customer = QStringLiteral("cus_limit_%1").arg(m_stacks);
        Budget b = unitsBudget(customer, 1000);
        b.action = *limitActionFromName(action);
        QVERIFY(save(service, b));
        const QDateTime now = utc(2026, 10, 31, 12);
        QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 900, utc(2026, 10, 5, 10)));
        Result<BudgetEvaluationReport> below = evaluate(service, now);
        QVERIFY(below);
        QVERIFY(!service.flaggedCustomerIds().contains(customer));
        QVERIFY(service.usageCaps().capFor(customer, QStringLiteral("api_calls")) == (action == QLatin1String("cap") ? std::optional<qint64>(1000) : std::nullopt));

        QVERIFY(recordUsage(*s, customer, QStringLiteral("api_calls"), 350, utc(2026, 10, 6, 10)));
        Result<BudgetEvaluationReport> r = evaluate(service, now);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().detail));
        QCOMPARE(thresholdPercents(r->newAlerts), (QList<int>{100}));
        QVERIFY2(r->newAlerts.first().action.startsWith(alertAction), qPrintable(r->newAlerts.first().action));
        QCOMPARE(r->statuses.first().flagged, flagged);
        QCOMPARE(r->statuses.first().overCap, overCap);
        QCOMPARE(service.flaggedCustomerIds().contains(customer), flagged);
        QCOMPARE(service.statusByCustomer().value(customer).flagged, flagged);
        // The repository holds the flag (the alert centre) and the cap decision.
        Result<QList<BudgetActionRecord>> actions =
            s->billingDb->thread().runBlocking([customer](BillingDatabase &db) { return BudgetRepository(db).actions(customer); });
        QVERIFY(actions);
        QCOMPARE(actions->size(), action == QLatin1String("notify") ? 0 : 1);
        Result<QSet<QString>> flaggedIds =
            s->billingDb->thread().runBlocking([](BillingDatabase &db) { return BudgetRepository(db).flaggedCustomers(); });
        QVERIFY(flaggedIds);
        QCOMPARE(flaggedIds->contains(customer), flagged);

        if (action == QLatin1String("cap")) {
            // The usage pane's cost applies the cap: of October's 1,250 units, 250 are kept but
            // flagged as capped and not priced.
            const UsageCaps caps = service.usageCaps();
            QCOMPARE(caps.capFor(customer, QStringLiteral("api_calls")), std::optional<qint64>(1000));
            UsageSeriesQuery q;
            q.customerId = customer;
            q.granularity = UsageGranularity::Day;
            q.from = utc(2026, 10, 1);
            q.to = utc(2026, 11, 1);
            q.byCustomer = true;
            Result<QList<UsagePoint>> points =
                s->billingDb->thread().runBlocking([q](BillingDatabase &db) { return db.usageSeries(q); });
            QVERIFY(points);
            UsagePriceBook book;
            Price p;
            p.id = QStringLiteral("price_calls");
            p.currency = QStringLiteral("usd");
            p.billingScheme = QStringLiteral("per_unit");
            p.unitAmount = 1;
            p.usageType = QStringLiteral("metered");
            book.setDefault(QStringLiteral("api_calls"), p);
            const UsageCost cost = UsageCostCalculator::compute(*points, book, caps);
            QCOMPARE(cost.cappedUnits, qint64(250));
            QCOMPARE(cost.total.value(QStringLiteral("USD")), qint64(1000));
        }
        // Another run: nothing new.
        Result<BudgetEvaluationReport> again = evaluate(service, now);
        QVERIFY(again);
        QVERIFY(again->newAlerts.isEmpty());
    }

    void subscriptionBudgetThroughTheCacheCountsOnlyItsMeters()
    {
        auto s = stack(StaffRole::Finance);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        const QJsonObject subJson = newSubscription();
        Result<Subscription> sub = StripeParser::subscription(subJson);
        QVERIFY(sub);
        QVERIFY(!sub->items.isEmpty());
        const QJsonObject cusJson = sandboxCall("GET", QStringLiteral("/v1/customers/") + sub->customerId);
        Result<Customer> cus = StripeParser::customer(cusJson);
        QVERIFY(cus);
        Result<Price> price = StripeParser::price(sandboxCall("GET", QStringLiteral("/v1/prices/") + sub->items.first().priceId));
        QVERIFY(price);
        // This workspace charges api_calls with the subscription's price (metadata "meter").
        Price metered = *price;
        metered.metadata.insert(QStringLiteral("meter"), QStringLiteral("api_calls"));
        QVERIFY(s->cache->thread().runBlocking([&](LocalCache &c) {
            Status a = c.upsertCustomers({*cus});
            if (a)
                a = c.upsertPrices({metered});
            return a ? c.upsertSubscriptions({*sub}) : a;
        }));

        BudgetService service(s->billingDb.get(), s->cache.get(), s->runner.get());
        Budget calls = unitsBudget(sub->customerId, 1000);
        calls.scope = BudgetScope::Subscription;
        calls.subscriptionId = sub->id;
        QVERIFY(save(service, calls));
        Budget storage = calls;
        storage.meter = QStringLiteral("storage_gb");
        QVERIFY(save(service, storage));
        Budget whole = unitsBudget(sub->customerId, 1000);
        whole.meter = QStringLiteral("storage_gb");
        QVERIFY(save(service, whole));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(recordUsage(*s, sub->customerId, QStringLiteral("api_calls"), 420, now.addSecs(-60)));
        QVERIFY(recordUsage(*s, sub->customerId, QStringLiteral("storage_gb"), 77, now.addSecs(-60)));

        Result<BudgetEvaluationReport> r = evaluate(service, now);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().detail));
        QCOMPARE(r->statuses.size(), 3);
        for (const BudgetStatus &st : std::as_const(r->statuses)) {
            QVERIFY2(st.spend.problem.isEmpty(), qPrintable(st.spend.problem));
            if (st.budget.scope == BudgetScope::Customer)
                QCOMPARE(st.spend.spend, qint64(77)); // the whole customer's storage
            else if (st.budget.meter == QLatin1String("api_calls"))
                QCOMPARE(st.spend.spend, qint64(420)); // priced on the subscription
            else
                QCOMPARE(st.spend.spend, qint64(0)); // storage_gb: no price on this subscription
        }
    }
};

QTEST_GUILESS_MAIN(tst_ThresholdEvaluator)
#include "tst_thresholdevaluator.moc"
