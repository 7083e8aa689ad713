#include "ui/dialogs/retentionreportdialog.h"
#include "services/lifecycle/cancellationservice.h"
#include "tests/ui/dialogs/lifecycledialogsupport.h"

#include <QCheckBox>
#include <QDateEdit>
#include <QHeaderView>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Billing;
using namespace Billing::Test;

// The retention report dialog over what CancellationService recorded for real conversations
// (offers accepted and declined, in two currencies, against the sandbox).
class tst_RetentionReportDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    static QTreeWidgetItem *section(QTreeWidget *tree, const QString &name)
    {
        for (int i = 0; i < tree->topLevelItemCount(); ++i) {
            if (tree->topLevelItem(i)->data(0, Qt::UserRole).toString() == name)
                return tree->topLevelItem(i);
        }
        return nullptr;
    }
    // The row of `key` (reason or offer kind; "" for totals) in `currency` (upper case).
    static QTreeWidgetItem *row(QTreeWidget *tree, const QString &sectionName, const QString &key, const QString &currency)
    {
        QTreeWidgetItem *s = section(tree, sectionName);
        if (!s)
            return nullptr;
        for (int i = 0; i < s->childCount(); ++i) {
            QTreeWidgetItem *c = s->child(i);
            if (c->data(0, Qt::UserRole).toString() == key && c->text(RetentionReportDialog::CurrencyCode) == currency)
                return c;
        }
        return nullptr;
    }
    static Result<OutboxEntry> run(std::function<void(QObject *, CancellationService::Handler)> call)
    {
        return waitFor<OutboxEntry>([&](QObject *ctx, auto h) { call(ctx, h); });
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    }

    void showsWhatTheServicesRecordedPerCurrency()
    {
        LifecycleStack s(m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing.sqlite"))),
                         actorWith(StaffRole::Support));
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        const QJsonObject coupon = sandboxCall("POST", QStringLiteral("/v1/coupons"),
                                               {{QStringLiteral("percent_off"), 20},
                                                {QStringLiteral("duration"), QStringLiteral("repeating")},
                                                {QStringLiteral("duration_in_months"), 3}});
        RetentionRules rules = RetentionRules::defaults();
        rules.couponId = coupon.value(QLatin1String("id")).toString();
        rules.percentOff = 20;
        rules.durationMonths = 3;
        CancellationService service(s.runner.get(), s.billingDb.get(), rules);

        RetentionReportDialog d(&service);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QTRY_VERIFY_WITH_TIMEOUT(d.isLoaded(), 10000);
        auto *status = d.findChild<QLabel *>(QStringLiteral("status"));
        QVERIFY(status->text().contains(QStringLiteral("No retention")));
        shoot(&d, QStringLiteral("empty"));

        // A: USD, too expensive, the discount accepted.
        const QJsonObject a = newSubscription(QStringLiteral("usd"));
        const SubscriptionRow rowA = dialogRow(a);
        auto offersA = service.offers(CancellationReason::TooExpensive, rowA, {}, {});
        QVERIFY(offersA && offersA->size() == 1);
        auto qa = run([&](QObject *ctx, auto h) {
            service.acceptOffer(CancellationCase{rowA, CancellationReason::TooExpensive, {}, *offersA, newSession()}, 0,
                                secs(a.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(qa, qPrintable(qa ? QString() : qa.error().detail));
        // B: EUR, too complex, the pause declined (cancelled at period end).
        const QJsonObject b = newSubscription(QStringLiteral("eur"));
        const SubscriptionRow rowB = dialogRow(b);
        auto offersB = service.offers(CancellationReason::TooComplex, rowB, {}, {});
        QVERIFY(offersB && offersB->size() == 1);
        auto qb = run([&](QObject *ctx, auto h) {
            service.cancel(CancellationCase{rowB, CancellationReason::TooComplex, {}, *offersB, newSession()},
                           CancelTiming{}, secs(b.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(qb, qPrintable(qb ? QString() : qb.error().detail));
        // C: USD, switched service, the discount declined.
        const QJsonObject c = newSubscription(QStringLiteral("usd"));
        const SubscriptionRow rowC = dialogRow(c);
        auto offersC = service.offers(CancellationReason::SwitchedService, rowC, {}, {});
        QVERIFY(offersC && offersC->size() == 1);
        auto qc = run([&](QObject *ctx, auto h) {
            service.cancel(CancellationCase{rowC, CancellationReason::SwitchedService, {}, *offersC, newSession()},
                           CancelTiming{}, secs(c.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(qc, qPrintable(qc ? QString() : qc.error().detail));

        // The dialog refreshes from the service's retentionRecorded signal.
        QTRY_COMPARE_WITH_TIMEOUT(d.report().totals.offersMade, 3, 10000);
        auto *tree = d.findChild<QTreeWidget *>(QStringLiteral("table"));
        const QLocale loc = d.locale();
        const Currency usd = *Currency::fromCode(QStringLiteral("usd"));
        const Currency eur = *Currency::fromCode(QStringLiteral("eur"));
        auto twentyOff = [](qint64 monthly) { return monthly - (monthly * 20 + 50) / 100; };
        const qint64 savedUsd = twentyOff(rowA.amountMinor);

        QTreeWidgetItem *totalUsd = row(tree, QStringLiteral("total"), QString(), QStringLiteral("USD"));
        QTreeWidgetItem *totalEur = row(tree, QStringLiteral("total"), QString(), QStringLiteral("EUR"));
        QVERIFY(totalUsd && totalEur);
        // Counts cover every currency: said once, on the first (EUR) row; the USD row has amounts only.
        QCOMPARE(totalEur->text(RetentionReportDialog::OffersMade), QStringLiteral("3"));
        QCOMPARE(totalEur->text(RetentionReportDialog::OffersAccepted), QStringLiteral("1"));
        QCOMPARE(totalUsd->text(RetentionReportDialog::OffersMade), QString());
        QCOMPARE(totalEur->text(RetentionReportDialog::AcceptanceRate),
                 QStringLiteral("33%1%2 %").arg(loc.decimalPoint()).arg(3));
        QCOMPARE(totalUsd->text(RetentionReportDialog::RevenueAtStake),
                 Money(rowA.amountMinor + rowC.amountMinor, usd).toLocaleString(loc));
        QCOMPARE(totalUsd->text(RetentionReportDialog::RevenueSaved), Money(savedUsd, usd).toLocaleString(loc));
        QCOMPARE(totalEur->text(RetentionReportDialog::RevenueAtStake), Money(rowB.amountMinor, eur).toLocaleString(loc));
        QCOMPARE(totalEur->text(RetentionReportDialog::RevenueSaved), Money(0, eur).toLocaleString(loc));

        QTreeWidgetItem *tooExpensive = row(tree, QStringLiteral("reason"), QStringLiteral("too_expensive"), QStringLiteral("USD"));
        QVERIFY(tooExpensive);
        QCOMPARE(tooExpensive->text(0), cancellationReasonLabel(CancellationReason::TooExpensive));
        QCOMPARE(tooExpensive->text(RetentionReportDialog::AcceptanceRate),
                 QStringLiteral("100%1%2 %").arg(loc.decimalPoint()).arg(0));
        QVERIFY(row(tree, QStringLiteral("reason"), QStringLiteral("too_complex"), QStringLiteral("EUR")));
        QVERIFY(!row(tree, QStringLiteral("reason"), QStringLiteral("too_complex"), QStringLiteral("USD")));

        QTreeWidgetItem *discount = row(tree, QStringLiteral("offer"), QStringLiteral("discount"), QStringLiteral("USD"));
        QVERIFY(discount);
        QCOMPARE(discount->text(RetentionReportDialog::OffersMade), QStringLiteral("2"));
        QCOMPARE(discount->text(RetentionReportDialog::OffersAccepted), QStringLiteral("1"));
        QCOMPARE(discount->text(RetentionReportDialog::AcceptanceRate),
                 QStringLiteral("50%1%2 %").arg(loc.decimalPoint()).arg(0));
        QTreeWidgetItem *pause = row(tree, QStringLiteral("offer"), QStringLiteral("pause"), QStringLiteral("EUR"));
        QVERIFY(pause);
        QCOMPARE(pause->text(RetentionReportDialog::OffersAccepted), QStringLiteral("0"));
        QCOMPARE(pause->text(RetentionReportDialog::AcceptanceRate), QStringLiteral("0%1%2 %").arg(loc.decimalPoint()).arg(0));
        QVERIFY(status->text().contains(QStringLiteral("3 offers made, 1 accepted")));
        shoot(&d, QStringLiteral("filled"));

        // A range that ends before the records: nothing in it.
        auto *limit = d.findChild<QCheckBox *>(QStringLiteral("limitRange"));
        d.findChild<QDateEdit *>(QStringLiteral("from"))->setDate(QDate(2001, 1, 1));
        d.findChild<QDateEdit *>(QStringLiteral("to"))->setDate(QDate(2001, 1, 31));
        clickCheckable(limit);
        QTRY_COMPARE_WITH_TIMEOUT(d.report().totals.offersMade, 0, 10000);
        QVERIFY(status->text().contains(QStringLiteral("No retention")));

        for (const auto &q : {qa, qb, qc})
            s.settled(q->id);
    }

    // An accepted offer whose Stripe write has not been answered is not counted yet: the dialog
    // says it waits, and counts it once Stripe confirmed it.
    void countsAnOfferOnlyOnceStripeConfirmed()
    {
        LifecycleStack s(m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing-wait.sqlite"))),
                         actorWith(StaffRole::Support), QStringLiteral("wait"));
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        const QJsonObject coupon = sandboxCall("POST", QStringLiteral("/v1/coupons"),
                                               {{QStringLiteral("percent_off"), 10},
                                                {QStringLiteral("duration"), QStringLiteral("repeating")},
                                                {QStringLiteral("duration_in_months"), 3}});
        RetentionRules rules = RetentionRules::defaults();
        rules.couponId = coupon.value(QLatin1String("id")).toString();
        rules.percentOff = 10;
        CancellationService service(s.runner.get(), s.billingDb.get(), rules);
        s.outbox->stop(); // Stripe has not answered yet

        const QJsonObject a = newSubscription(QStringLiteral("usd"));
        const SubscriptionRow rowA = dialogRow(a);
        auto offers = service.offers(CancellationReason::TooExpensive, rowA, {}, {});
        QVERIFY(offers && offers->size() == 1);
        auto qa = run([&](QObject *ctx, auto h) {
            service.acceptOffer(CancellationCase{rowA, CancellationReason::TooExpensive, {}, *offers, newSession()}, 0,
                                secs(a.value(QLatin1String("created"))), ctx, h);
        });
        QVERIFY2(qa, qPrintable(qa ? QString() : qa.error().detail));

        RetentionReportDialog d(&service);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QTRY_VERIFY_WITH_TIMEOUT(d.isLoaded(), 10000);
        auto *status = d.findChild<QLabel *>(QStringLiteral("status"));
        QCOMPARE(d.report().totals.offersMade, 0);
        QCOMPARE(d.report().awaitingStripe, 1);
        QVERIFY2(status->text().contains(QStringLiteral("1 waiting for Stripe")), qPrintable(status->text()));
        shoot(&d, QStringLiteral("waiting"));

        s.outbox->start();
        QVERIFY(s.settled(qa->id));
        QTRY_COMPARE_WITH_TIMEOUT(d.report().totals.offersAccepted, 1, 10000);
        QCOMPARE(d.report().awaitingStripe, 0);
        QVERIFY2(!status->text().contains(QStringLiteral("waiting")), qPrintable(status->text()));
        QVERIFY(status->text().contains(QStringLiteral("1 offers made, 1 accepted")));
    }

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QTest::qWait(50); // let posted layout requests settle, as the event loop would
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/retentionreportdialog-%1.png").arg(name)));
    }
};

QTEST_MAIN(tst_RetentionReportDialog)
#include "tst_retentionreportdialog.moc"
