#include "app/usagewiring.h"

#include "app/workspacesession.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"
#include "services/usage/metersyncservice.h"
#include "services/usage/usagecost.h"
#include "ui/mainwindow.h"
#include "ui/usagepage.h"

#include <QAction>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QStatusBar>

namespace Billing {

namespace {

// "Team monthly (USD)" / "Team (…)" -> "Team": the plan's product name.
QString tierOf(const QString &planName)
{
    QString t = planName.section(QStringLiteral(" ("), 0, 0).section(QStringLiteral(" · "), 0, 0).trimmed();
    return t.section(QLatin1Char(' '), 0, 0);
}

void loadTiersAndPrices(UsagePage *page, WorkspaceSession &session)
{
    SubscriptionQuery q;
    q.statuses = {QStringLiteral("active"), QStringLiteral("trialing"), QStringLiteral("past_due")};
    q.limit = 5000;
    session.cache().subscriptions(q, page, [page](Result<QList<SubscriptionRow>> rows) {
        if (!rows)
            return;
        QHash<QString, QString> tiers;
        for (const SubscriptionRow &r : rows.value()) {
            if (!tiers.contains(r.subscription.customerId))
                tiers.insert(r.subscription.customerId, tierOf(r.planName));
        }
        page->setCustomerTiers(tiers);
    });
    session.cache().thread().run(
        page, [](LocalCache &cache) { return cache.prices(); },
        [page](Result<QList<Price>> prices) {
            if (prices)
                page->setPriceBook(UsagePriceBook::fromPrices(prices.value()));
        });
}

} // namespace

void wireUsage(MainWindow &window, WorkspaceSession &session)
{
    UsagePage *page = window.usagePage();
    const bool postgres = session.billingDatabase().settings().backend == BillingDbSettings::Backend::Postgres;
    page->setLiveDescription(postgres ? QObject::tr("pushed by PostgreSQL") : QObject::tr("polled every 5 s"));
    loadTiersAndPrices(page, session);
    QObject::connect(&session.cache(), &CacheReader::changed, page, [page, &session](const QString &type, const QStringList &) {
        if (type == QLatin1String("subscription") || type == QLatin1String("price"))
            loadTiersAndPrices(page, session);
    });

    auto *sync = new MeterSyncService(&session.stripe(), &session.billingDatabase(), &window);
    QMenu *menu = window.menuNamed(QStringLiteral("actions"));
    if (!menu)
        return;
    QAction *action = menu->addAction(QObject::tr("Sync Stripe meters"));
    action->setObjectName(QStringLiteral("SyncStripeMeters"));
    action->setToolTip(QObject::tr("Bring the last 7 days of Stripe billing meter usage into the usage rollups (hourly)"));
    QObject::connect(sync, &MeterSyncService::progress, &window, [w = QPointer<MainWindow>(&window)](int done, int total) {
        if (w)
            w->statusBar()->showMessage(QObject::tr("Syncing Stripe meters: %1 of %2").arg(done).arg(total));
    });
    QObject::connect(action, &QAction::triggered, &window, [&window, &session, sync, action] {
        CustomerQuery q;
        q.limit = 5000;
        action->setEnabled(false);
        session.cache().customers(q, &window, [&window, sync, action](Result<QList<Customer>> customers) {
            if (!customers) {
                action->setEnabled(true);
                QMessageBox::warning(&window, QObject::tr("Sync Stripe meters"), customers.error().userMessage);
                return;
            }
            MeterSyncRequest request;
            for (const Customer &c : customers.value())
                request.customerIds << c.id;
            request.to = QDateTime::currentDateTimeUtc();
            request.from = request.to.addDays(-7);
            request.window = UsageGranularity::Hour;
            sync->sync(request, &window, [&window, action](Result<MeterSyncReport> report) {
                action->setEnabled(true);
                if (!report) {
                    QMessageBox::warning(&window, QObject::tr("Sync Stripe meters"), report.error().userMessage);
                    return;
                }
                window.statusBar()->showMessage(QObject::tr("Stripe meters synced: %1 meters, %2 summaries stored, %3 problems")
                                                    .arg(report->meters)
                                                    .arg(report->buckets)
                                                    .arg(report->problems.size()),
                                                10000);
                if (!report->problems.isEmpty()) {
                    QStringList lines;
                    for (const MeterSyncProblem &p : std::as_const(report->problems).mid(0, 10))
                        lines << (p.customerId.isEmpty() ? p.message : QObject::tr("%1 / %2: %3").arg(p.meter, p.customerId, p.message));
                    QMessageBox::information(&window, QObject::tr("Sync Stripe meters"),
                                             QObject::tr("Some usage was not stored (nothing of those windows was written):\n\n%1")
                                                 .arg(lines.join(QLatin1Char('\n'))));
                }
            });
        });
    });
}

} // namespace Billing
