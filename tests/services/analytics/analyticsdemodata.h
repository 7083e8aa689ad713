#pragma once

#include "services/analytics/metricscalculator.h"
#include "services/domain/customer.h"

#include <random>

// A seeded synthetic book of business for the analytics pane tests and screenshots: ~160 customers
// signing up over `months` months up to `lastMonth` (more each month), in USD, EUR and JPY, on
// monthly and yearly plans, a third of them with a 14-day trial (a quarter of those never pay),
// ~3% monthly churn, paid monthly invoices with a year-end bump, plus dated FX rates.
namespace Billing::Test {

struct AnalyticsDemo
{
    AnalyticsInput input;
    QList<Customer> customers;
    QList<FxRate> rates;
    QDateTime now;
};

inline AnalyticsDemo analyticsDemo(QDate lastMonth, int months = 24, quint32 seed = 4242)
{
    AnalyticsDemo demo;
    std::mt19937 rng(seed);
    auto uniform = [&](double a, double b) { return a + (b - a) * (double(rng()) / 4294967296.0); };
    const QDate last(lastMonth.year(), lastMonth.month(), 1);
    const QDate first = last.addMonths(-(months - 1));
    demo.now = QDateTime(last.addDays(25), QTime(12, 0), Qt::UTC);
    struct Plan { const char *id; const char *currency; const char *interval; qint64 unit; };
    const QList<Plan> plans{{"price_usd_starter", "usd", "month", 2900}, {"price_usd_team", "usd", "month", 9900},
                            {"price_usd_annual", "usd", "year", 99000}, {"price_eur_starter", "eur", "month", 2500},
                            {"price_eur_team", "eur", "month", 8900}, {"price_jpy_starter", "jpy", "month", 3000},
                            {"price_jpy_team", "jpy", "month", 12000}};
    for (const Plan &p : plans) {
        Price price;
        price.id = QLatin1String(p.id);
        price.productId = QStringLiteral("prod_demo");
        price.currency = QLatin1String(p.currency);
        price.type = QStringLiteral("recurring");
        price.billingScheme = QStringLiteral("per_unit");
        price.interval = QLatin1String(p.interval);
        price.intervalCount = 1;
        price.usageType = QStringLiteral("licensed");
        price.unitAmount = p.unit;
        price.active = true;
        demo.input.prices.insert(price.id, price);
    }
    int n = 0;
    for (int m = -6; m < months; ++m) {
        const QDate month = first.addMonths(m);
        const int signups = 4 + std::max(0, m) / 4;
        for (int k = 0; k < signups; ++k) {
            ++n;
            const double pick = uniform(0, 1);
            const QString currency = pick < 0.6 ? QStringLiteral("usd") : pick < 0.85 ? QStringLiteral("eur") : QStringLiteral("jpy");
            QList<const Plan *> options;
            for (const Plan &p : plans)
                if (QLatin1String(p.currency) == currency)
                    options << &p;
            const Plan *plan = options.at(int(uniform(0, options.size() - 0.001)));
            const QDateTime start(month.addDays(int(uniform(0, 27))), QTime(9, 0), Qt::UTC);
            if (start > demo.now)
                continue;
            Customer c;
            c.id = QStringLiteral("cus_demo%1").arg(n, 4, 10, QLatin1Char('0'));
            c.name = QStringLiteral("Demo customer %1").arg(n);
            c.email = QStringLiteral("demo%1@example.com").arg(n);
            c.currency = currency;
            c.created = start;
            demo.customers << c;
            Subscription s;
            s.id = QStringLiteral("sub_demo%1").arg(n, 4, 10, QLatin1Char('0'));
            s.customerId = c.id;
            s.currency = currency;
            s.status = QStringLiteral("active");
            s.collectionMethod = QStringLiteral("charge_automatically");
            s.created = start;
            s.startDate = start;
            const qint64 quantity = 1 + int(uniform(0, 3));
            SubscriptionItem item;
            item.id = QStringLiteral("si_demo%1").arg(n);
            item.priceId = QLatin1String(plan->id);
            item.quantity = quantity;
            s.items << item;
            QDateTime paysFrom = start;
            if (uniform(0, 1) < 0.33) {
                s.trialStart = start;
                s.trialEnd = start.addDays(14);
                paysFrom = s.trialEnd;
                if (uniform(0, 1) < 0.25) {
                    s.status = QStringLiteral("canceled");
                    s.endedAt = s.trialEnd;
                    s.canceledAt = s.trialEnd;
                }
            }
            if (!s.endedAt.isValid()) {
                for (QDate m2 = month.addMonths(1); m2 <= last; m2 = m2.addMonths(1))
                    if (uniform(0, 1) < 0.03) {
                        s.status = QStringLiteral("canceled");
                        s.endedAt = QDateTime(m2.addDays(int(uniform(0, 27))), QTime(10, 0), Qt::UTC);
                        s.canceledAt = s.endedAt;
                        break;
                    }
            }
            if (s.trialEnd.isValid() && s.trialEnd > demo.now)
                s.status = QStringLiteral("trialing");
            demo.input.subscriptions << s;
            // Paid invoices: every billing period while paying (yearly plans once a year), with a
            // year-end bump for seasonal add-ons.
            const bool yearly = QLatin1String(plan->interval) == QLatin1String("year");
            int period = 0;
            for (QDateTime at = paysFrom; at <= demo.now; at = yearly ? at.addYears(1) : at.addMonths(1), ++period) {
                if (s.endedAt.isValid() && at >= s.endedAt)
                    break;
                Invoice inv;
                inv.id = QStringLiteral("in_demo%1_%2").arg(n).arg(period);
                inv.customerId = c.id;
                inv.subscriptionId = s.id;
                inv.status = QStringLiteral("paid");
                inv.currency = currency;
                const int mo = at.date().month();
                const qint64 base = plan->unit * quantity;
                const qint64 amount = (mo == 11 || mo == 12) ? base + base / 5 : base;
                inv.subtotalMinor = inv.totalMinor = inv.amountDueMinor = inv.amountPaidMinor = amount;
                inv.created = at;
                inv.paidAt = at.addSecs(3600);
                inv.periodStart = at;
                inv.periodEnd = yearly ? at.addYears(1) : at.addMonths(1);
                demo.input.invoices << inv;
            }
        }
    }
    // Dated rates, one per month: EUR/USD drifting around 1.08, USD/JPY around 150.
    for (int m = -7; m < months; ++m) {
        const QDate day = first.addMonths(m);
        FxRate eur;
        eur.base = QStringLiteral("EUR");
        eur.quote = QStringLiteral("USD");
        eur.date = day;
        eur.rate = QStringLiteral("1.%1").arg(QString::number(500 + m * 37 % 700).rightJustified(4, u'0'));
        eur.source = QStringLiteral("ECB reference");
        FxRate jpy;
        jpy.base = QStringLiteral("USD");
        jpy.quote = QStringLiteral("JPY");
        jpy.date = day;
        jpy.rate = QStringLiteral("%1.25").arg(145 + (m * 3) % 11);
        jpy.source = QStringLiteral("ECB reference");
        demo.rates << eur << jpy;
    }
    return demo;
}

} // namespace Billing::Test
