#include "tests/models/demodata.h"

#include "tests/models/fakecachereader.h"

namespace Billing::Test {

void fillDemoData(FakeCacheReader &cache, FakeUsageReader *usage, const QDateTime &now)
{
    static const char *const names[] = {
        "Acme Corporation", "Globex Industries", "Initech LLC", "Umbrella Health", "Hooli",
        "Stark Logistics", "Wayne Enterprises", "Wonka Confectionery", "Cyberdyne Systems", "Soylent Foods",
        "Tyrell Biotech", "Vandelay Imports", "Pied Piper", "Aperture Science", "Black Mesa Research",
        "Monarch Solutions", "Nakatomi Trading", "Oceanic Airlines", "Gringotts Ledger", "Duff Brewing",
        "Kaiju Robotics", "Sirius Cybernetics", "Massive Dynamic", "Virtucon", "Blue Sun Corp",
        "Yoyodyne Propulsion", "Ollivander Wands", "Sterling Cooper", "Dunder Mifflin", "Bluth Company",
        "Prestige Worldwide", "Los Pollos Hermanos", "Kuwait Desert Freight", "Tokyo Lantern Studio", "Osaka Bento Co",
        "Gulf Pearl Trading",
    };
    static const char *const currencies[] = {"usd", "usd", "eur", "usd", "eur", "jpy"};
    static const char *const countries[] = {"US", "US", "DE", "US", "FR", "JP"};
    struct Plan { const char *name; qint64 usd; qint64 eur; qint64 jpy; qint64 kwd; };
    static const Plan plans[] = {
        {"Starter", 1900, 1900, 2500, 6000},
        {"Growth", 4900, 4500, 7500, 15000},
        {"Scale", 19900, 18900, 30000, 61000},
    };
    static const char *const declines[] = {"insufficient_funds", "expired_card", "do_not_honor", "card_velocity_exceeded",
                                           "generic_decline", "incorrect_cvc"};

    cache.customerRows.clear();
    cache.subscriptionRows.clear();
    cache.invoiceRows.clear();
    cache.attempts.clear();
    const int n = int(std::size(names));
    int invoiceNo = 1000;
    for (int i = 0; i < n; ++i) {
        Customer c;
        c.id = QStringLiteral("cus_%1").arg(1000 + i * 7, 6, 10, QLatin1Char('0'));
        c.name = QString::fromLatin1(names[i]);
        QString slug = c.name.toLower();
        slug.remove(QLatin1Char(' '));
        c.email = QStringLiteral("billing@%1.example").arg(slug.left(14));
        c.currency = QString::fromLatin1(currencies[i % 6]);
        c.country = QString::fromLatin1(countries[i % 6]);
        if (c.name.startsWith(QLatin1String("Kuwait")) || c.name.startsWith(QLatin1String("Gulf"))) {
            c.currency = QStringLiteral("kwd");
            c.country = QStringLiteral("KW");
        } else if (c.name.startsWith(QLatin1String("Tokyo")) || c.name.startsWith(QLatin1String("Osaka"))) {
            c.currency = QStringLiteral("jpy");
            c.country = QStringLiteral("JP");
        }
        c.created = now.addDays(-540 + i * 13).addSecs(i * 3671);
        c.balanceMinor = (i % 5 == 0) ? -(500 + i * 10) : 0;
        c.delinquent = (i % 4 == 1);
        c.phone = QStringLiteral("+1 555 01%1").arg(i, 2, 10, QLatin1Char('0'));
        c.description = QStringLiteral("Account managed by team %1").arg(QChar(u'A' + i % 4));
        c.defaultPaymentMethod = QStringLiteral("pm_card_%1").arg(i);
        cache.customerRows.append(c);

        const Plan &plan = plans[i % 3];
        const qint64 price = c.currency == QLatin1String("usd") ? plan.usd
                           : c.currency == QLatin1String("eur") ? plan.eur
                           : c.currency == QLatin1String("jpy") ? plan.jpy
                                                                 : plan.kwd;
        SubscriptionRow s;
        s.subscription.id = QStringLiteral("sub_%1").arg(5000 + i * 11);
        s.subscription.customerId = c.id;
        s.subscription.currency = c.currency;
        s.subscription.collectionMethod = QStringLiteral("charge_automatically");
        s.subscription.created = c.created.addDays(1);
        s.subscription.startDate = s.subscription.created;
        static const char *const statuses[] = {"active", "active", "trialing", "past_due", "active", "canceled", "active", "trialing", "paused"};
        s.subscription.status = QString::fromLatin1(statuses[i % 9]);
        if (c.delinquent)
            s.subscription.status = QStringLiteral("past_due");
        if (s.subscription.status == QLatin1String("trialing")) {
            s.subscription.trialStart = now.addDays(-10);
            s.subscription.trialEnd = now.addDays(i % 2 == 0 ? 3 + i % 4 : 12 + i % 5);
        }
        s.subscription.cancelAtPeriodEnd = (i % 10 == 4);
        SubscriptionItem item;
        item.id = QStringLiteral("si_%1").arg(i);
        item.priceId = QStringLiteral("price_%1_%2").arg(QString::fromLatin1(plan.name).toLower(), c.currency);
        item.quantity = 1 + i % 3;
        item.currentPeriodStart = now.addDays(-(i % 28));
        item.currentPeriodEnd = item.currentPeriodStart.addMonths(1);
        s.subscription.items = {item};
        s.customerName = c.name;
        s.customerEmail = c.email;
        s.planName = QString::fromLatin1(plan.name) + QStringLiteral(" (monthly)");
        s.amountMinor = price * item.quantity;
        s.interval = QStringLiteral("month");
        s.intervalCount = 1;
        cache.subscriptionRows.append(s);

        for (int k = 0; k < 6; ++k) {
            InvoiceRow r;
            Invoice &inv = r.invoice;
            inv.id = QStringLiteral("in_%1").arg(700000 + i * 50 + k);
            inv.number = QStringLiteral("INV-%1").arg(++invoiceNo);
            inv.customerId = c.id;
            inv.subscriptionId = s.subscription.id;
            inv.currency = c.currency;
            inv.collectionMethod = QStringLiteral("charge_automatically");
            inv.billingReason = k == 5 ? QStringLiteral("subscription_create") : QStringLiteral("subscription_cycle");
            inv.created = now.addDays(-(k * 30) - (i % 9)).addSecs(-i * 600);
            inv.periodStart = inv.created.addMonths(-1);
            inv.periodEnd = inv.created;
            inv.subtotalMinor = s.amountMinor;
            inv.totalMinor = s.amountMinor;
            inv.amountDueMinor = s.amountMinor;
            inv.hostedInvoiceUrl = QStringLiteral("https://invoice.example/i/%1").arg(inv.id);
            inv.invoicePdf = QStringLiteral("https://invoice.example/i/%1/pdf").arg(inv.id);
            const bool failed = k == 0 && (c.delinquent || i % 7 == 3);
            if (failed) {
                inv.status = QStringLiteral("open");
                inv.attempted = true;
                inv.attemptCount = 1 + i % 4;
                inv.amountRemainingMinor = inv.amountDueMinor;
                inv.nextPaymentAttempt = i % 3 == 0 ? QDateTime() : now.addDays(1 + i % 5);
                r.declineCode = QString::fromLatin1(declines[i % 6]);
                r.failureCode = QStringLiteral("card_declined");
                r.failureMessage = QStringLiteral("Your card was declined.");
                QList<PaymentAttempt> list;
                for (int a = 0; a < inv.attemptCount; ++a) {
                    PaymentAttempt p;
                    p.id = QStringLiteral("inpay_%1_%2").arg(i).arg(a);
                    p.invoiceId = inv.id;
                    p.paymentIntentId = QStringLiteral("pi_%1_%2").arg(i).arg(a);
                    p.status = QStringLiteral("open");
                    p.intentStatus = QStringLiteral("requires_payment_method");
                    p.failureCode = r.failureCode;
                    p.declineCode = r.declineCode;
                    p.failureMessage = r.failureMessage;
                    p.amountMinor = inv.amountDueMinor;
                    p.currency = inv.currency;
                    p.created = inv.created.addDays(a * 3);
                    list.append(p);
                }
                cache.attempts.insert(inv.id, list);
            } else if (k == 0 && i % 11 == 2) {
                inv.status = QStringLiteral("open");
                inv.amountRemainingMinor = inv.amountDueMinor;
            } else if (k == 3 && i % 8 == 5) {
                inv.status = QStringLiteral("void");
            } else if (k == 4 && i % 12 == 6) {
                inv.status = QStringLiteral("uncollectible");
                inv.amountRemainingMinor = inv.amountDueMinor;
            } else {
                inv.status = QStringLiteral("paid");
                inv.amountPaidMinor = inv.amountDueMinor;
                inv.attempted = true;
                inv.attemptCount = 1;
                inv.paidAt = inv.created.addSecs(3600);
            }
            InvoiceLine line;
            line.id = QStringLiteral("il_%1").arg(inv.id.mid(3));
            line.description = QStringLiteral("%1 × %2").arg(item.quantity).arg(s.planName);
            line.amountMinor = inv.totalMinor;
            line.currency = inv.currency;
            line.quantity = item.quantity;
            line.priceId = item.priceId;
            line.periodStart = inv.periodStart;
            line.periodEnd = inv.periodEnd;
            inv.lines = {line};
            r.customerName = c.name;
            r.customerEmail = c.email;
            cache.invoiceRows.append(r);
        }
    }

    if (!usage)
        return;
    usage->meterNames = {QStringLiteral("api_calls"), QStringLiteral("storage_gb_hours"), QStringLiteral("emails_sent")};
    usage->events.clear();
    const QDateTime start = QDateTime(now.date().addDays(-60), QTime(0, 0), Qt::UTC);
    int seq = 0;
    for (int d = 0; d < 60; ++d) {
        for (int h = 0; h < 24; h += 6) {
            const QDateTime t = start.addDays(d).addSecs(h * 3600 + 120);
            for (int c = 0; c < 4; ++c) {
                const QString customer = cache.customerRows.at(c).id;
                const qint64 weekday = t.date().dayOfWeek() <= 5 ? 3 : 1;
                usage->events.append({QStringLiteral("ev_%1").arg(++seq), customer, QStringLiteral("api_calls"),
                                      (400 + ((d * 37 + h * 11 + c * 13) % 250) + d * 6) * weekday, t});
                usage->events.append({QStringLiteral("ev_%1").arg(++seq), customer, QStringLiteral("storage_gb_hours"),
                                      120 + d * 2 + c * 10, t});
                if (h == 12)
                    usage->events.append({QStringLiteral("ev_%1").arg(++seq), customer, QStringLiteral("emails_sent"),
                                          150 + (d * 53 + c * 29) % 300, t});
            }
        }
    }
}

} // namespace Billing::Test
