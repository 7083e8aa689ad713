// Installment plans: the exact split in minor units (data-driven, incl. JPY and KWD with Stripe's
// steps of 10), monthly schedules, the plan tables on SQLite and PostgreSQL, and the scheduled run
// against the sandbox: each invoice written exactly once across repeated and interrupted runs, and
// the paid / remaining balance.

#include "termsstack.h"
#include "tests/services/storage/billingdbtestsupport.h"
#include "services/terms/installmentrepository.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

namespace {

QList<qint64> minors(const QList<Money> &parts)
{
    QList<qint64> out;
    for (const Money &m : parts)
        out << m.minor();
    return out;
}

} // namespace

class tst_InstallmentPlan final : public QObject
{
    Q_OBJECT

    BillingDbFixture m_db;

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void split_data()
    {
        QTest::addColumn<QString>("currency");
        QTest::addColumn<qint64>("total");
        QTest::addColumn<int>("count");
        QTest::addColumn<bool>("remainderFirst");
        QTest::addColumn<QList<qint64>>("expected"); // empty = refused
        using L = QList<qint64>;
        QTest::newRow("USD 100.00 / 3, remainder last") << "USD" << qint64(10000) << 3 << false << L{3333, 3333, 3334};
        QTest::newRow("USD 100.00 / 3, remainder first") << "USD" << qint64(10000) << 3 << true << L{3334, 3333, 3333};
        QTest::newRow("USD 100.00 / 4, even") << "USD" << qint64(10000) << 4 << false << L{2500, 2500, 2500, 2500};
        QTest::newRow("USD 0.05 / 2") << "USD" << qint64(5) << 2 << false << L{2, 3};
        QTest::newRow("USD 1,000.01 / 6") << "USD" << qint64(100001) << 6 << false << L{16666, 16666, 16666, 16666, 16666, 16671};
        QTest::newRow("EUR 999.99 / 12") << "EUR" << qint64(99999) << 12 << false
                                         << L{8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8333, 8336};
        QTest::newRow("JPY 10000 / 3") << "JPY" << qint64(10000) << 3 << false << L{3333, 3333, 3334};
        QTest::newRow("JPY 10 / 4, remainder first") << "JPY" << qint64(10) << 4 << true << L{4, 2, 2, 2};
        QTest::newRow("KWD 100.000 / 3 (steps of 0.010)") << "KWD" << qint64(100000) << 3 << false << L{33330, 33330, 33340};
        QTest::newRow("KWD 1.000 / 3, remainder first") << "KWD" << qint64(1000) << 3 << true << L{340, 330, 330};
        QTest::newRow("KWD 0.020 / 2") << "KWD" << qint64(20) << 2 << false << L{10, 10};
        QTest::newRow("KWD 1.005 is not a Stripe amount") << "KWD" << qint64(1005) << 2 << false << L{};
        QTest::newRow("KWD 0.020 / 3 too small") << "KWD" << qint64(20) << 3 << false << L{};
        QTest::newRow("USD 0.02 / 3 too small") << "USD" << qint64(2) << 3 << false << L{};
        QTest::newRow("one installment") << "USD" << qint64(10000) << 1 << false << L{};
        QTest::newRow("37 installments") << "USD" << qint64(1000000) << 37 << false << L{};
        QTest::newRow("zero") << "USD" << qint64(0) << 3 << false << L{};
        QTest::newRow("negative") << "USD" << qint64(-300) << 3 << false << L{};
    }

    void split()
    {
        QFETCH(QString, currency);
        QFETCH(qint64, total);
        QFETCH(int, count);
        QFETCH(bool, remainderFirst);
        QFETCH(QList<qint64>, expected);
        const Money m(total, *Currency::fromCode(currency));
        Result<QList<Money>> parts = InstallmentSplit::split(m, count, remainderFirst ? RemainderPlacement::First : RemainderPlacement::Last);
        if (expected.isEmpty()) {
            QVERIFY(!parts);
            QCOMPARE(parts.error().kind, Error::Kind::Validation);
            return;
        }
        QVERIFY2(parts, qPrintable(parts ? QString() : parts.error().userMessage));
        QCOMPARE(minors(*parts), expected);
        qint64 sum = 0;
        for (const Money &p : *parts) {
            QCOMPARE(p.currency().code(), currency);
            QCOMPARE(p.minor() % m.currency().stripeAmountStep(), 0);
            sum += p.minor();
        }
        QCOMPARE(sum, total);
    }

    void scheduleIsMonthlyAndClampsShortMonths()
    {
        InstallmentPlanDraft d;
        d.customerId = QStringLiteral("cus_1");
        d.total = Money(30000, *Currency::fromCode(u"USD"));
        d.count = 3;
        d.firstDue = QDate(2027, 1, 31);
        d.issueDaysBefore = 10;
        d.description = QStringLiteral("Onboarding");
        Result<InstallmentPlan> p = d.build(QDate(2026, 11, 1));
        QVERIFY(p);
        QCOMPARE(p->installments.size(), 3);
        QCOMPARE(p->installments[0].dueAt.date(), QDate(2027, 1, 31));
        QCOMPARE(p->installments[1].dueAt.date(), QDate(2027, 2, 28));
        QCOMPARE(p->installments[2].dueAt.date(), QDate(2027, 3, 31));
        QCOMPARE(p->installments[1].issueAt.date(), QDate(2027, 2, 18));
        QCOMPARE(p->remaining().minor(), 30000);
        // Bad input: a clear message.
        d.firstDue = QDate(2026, 10, 1);
        QVERIFY(!d.build(QDate(2026, 11, 1)));
        d.firstDue = QDate(2027, 1, 1);
        d.description.clear();
        QVERIFY(!d.build(QDate(2026, 11, 1)));
    }

    void repositoryOnBothBackends_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    void repositoryOnBothBackends()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db(QStringLiteral("bc-installments-%1").arg(backend));
        BC_VERIFY_OK(db.open(settings));
        InstallmentRepository repo(db);
        InstallmentPlanDraft d;
        d.customerId = QStringLiteral("cus_repo");
        d.total = Money(100000, *Currency::fromCode(u"KWD"));
        d.count = 3;
        d.firstDue = QDate::currentDate().addDays(5);
        d.issueDaysBefore = 7;
        d.description = QStringLiteral("Hardware");
        d.poNumber = QStringLiteral("PO-9");
        Result<InstallmentPlan> built = d.build(QDate::currentDate());
        QVERIFY(built);
        Result<qint64> id = repo.create(*built, QStringLiteral("fin@example.com"));
        BC_VERIFY_OK(id);
        Result<InstallmentPlan> back = repo.plan(*id);
        BC_VERIFY_OK(back);
        QCOMPARE(back->total.currency().code(), QStringLiteral("KWD"));
        QCOMPARE(back->poNumber, QStringLiteral("PO-9"));
        QCOMPARE(minors({back->installments[0].amount, back->installments[1].amount, back->installments[2].amount}),
                 (QList<qint64>{33330, 33330, 33340}));
        // Only the first is due now (issued 7 days before a due date 5 days away).
        Result<QList<QPair<qint64, Installment>>> due = repo.due(QDateTime::currentDateTimeUtc());
        BC_VERIFY_OK(due);
        QCOMPARE(due->size(), 1);
        QCOMPARE(due->first().second.seq, 1);
        BC_VERIFY_OK(repo.advance(*id, 1, Installment::Stage::Finalized, QStringLiteral("in_1"), QStringLiteral("ii_1")));
        BC_VERIFY_OK(repo.recordInvoiceStatus(*id, 1, QStringLiteral("paid"), 33330));
        back = repo.plan(*id);
        QCOMPARE(back->installments[0].invoiceId, QStringLiteral("in_1"));
        QCOMPARE(back->paid().minor(), 33330);
        QCOMPARE(back->remaining().minor(), 66670);
        QCOMPARE(repo.due(QDateTime::currentDateTimeUtc())->size(), 0);
        // Parts that do not add up: refused, nothing written.
        InstallmentPlan broken = *built;
        broken.installments[2].amount = Money(1, broken.total.currency());
        QVERIFY(!repo.create(broken, QStringLiteral("x")));
        QCOMPARE(repo.plans()->size(), 1);
    }

    void runCreatesEachInvoiceExactlyOnce_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    void runCreatesEachInvoiceExactlyOnce()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        QTemporaryDir dir;
        const QString customer = termsFreshSubscription(QStringLiteral("jpy")).value(QLatin1String("customer")).toString();
        QVERIFY(!customer.isEmpty());
        qint64 planId = 0;
        {
            TermsStack stack(dir.path(), settings, termsFinance());
            QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
            InstallmentPlanDraft d;
            d.customerId = customer;
            d.total = Money(100000, *Currency::fromCode(u"JPY"));
            d.count = 3;
            d.firstDue = QDate::currentDate().addDays(3);
            d.description = QStringLiteral("Implementation fee");
            d.poNumber = QStringLiteral("PO-JP-1");
            Result<qint64> id = stack.wait<qint64>([&](QObject *c, auto h) { stack.installments->createPlan(d, c, h); });
            QVERIFY2(id, qPrintable(id ? QString() : id.error().userMessage));
            planId = *id;
            // First run: only the first installment is due.
            Result<InstallmentRunReport> r = stack.wait<InstallmentRunReport>([&](QObject *c, auto h) {
                stack.installments->runDue(QDateTime::currentDateTimeUtc(), c, h);
            });
            QVERIFY2(r, qPrintable(r ? QString() : r.error().userMessage));
            QVERIFY2(r->errors.isEmpty(), qPrintable(r->errors.join(QLatin1Char('\n'))));
            QCOMPARE(r->due, 1);
            QCOMPARE(r->invoicesCreated, 1);
            QCOMPARE(stack.outboxSize(), 3); // invoice, item, finalize
        }
        // A later run (a new console process on the same files), everything due: two more invoices.
        {
            TermsStack stack(dir.path(), settings, termsFinance());
            const QDateTime later = QDateTime::currentDateTimeUtc().addMonths(3);
            Result<InstallmentRunReport> r = stack.wait<InstallmentRunReport>([&](QObject *c, auto h) { stack.installments->runDue(later, c, h); });
            QVERIFY(r);
            QVERIFY2(r->errors.isEmpty(), qPrintable(r->errors.join(QLatin1Char('\n'))));
            QCOMPARE(r->invoicesCreated, 2);
            QCOMPARE(stack.outboxSize(), 9);
            // Interrupted after Stripe answered but before the stage was stored: the next run
            // re-submits the same clientOpIds and Stripe gets nothing new.
            auto reset = stack.billingDb->thread().runBlocking([planId](BillingDatabase &db) {
                return InstallmentRepository(db).advance(planId, 2, Installment::Stage::Scheduled, {}, {});
            });
            BC_VERIFY_OK(reset);
            const int applied = termsAppliedCount();
            r = stack.wait<InstallmentRunReport>([&](QObject *c, auto h) { stack.installments->runDue(later, c, h); });
            QVERIFY(r);
            QVERIFY2(r->errors.isEmpty(), qPrintable(r->errors.join(QLatin1Char('\n'))));
            QCOMPARE(r->due, 1);
            QCOMPARE(r->invoicesCreated, 1);
            QCOMPARE(termsAppliedCount(), applied);
            QCOMPARE(stack.outboxSize(), 9);
            // A run with nothing due writes nothing.
            r = stack.wait<InstallmentRunReport>([&](QObject *c, auto h) { stack.installments->runDue(later, c, h); });
            QCOMPARE(r->due, 0);
            QCOMPARE(termsAppliedCount(), applied);

            // Stripe has exactly three invoices of this plan, with the exact amounts and due dates.
            Result<QList<InstallmentPlan>> plans = stack.wait<QList<InstallmentPlan>>([&](QObject *c, auto h) { stack.installments->plans(customer, c, h); });
            QVERIFY(plans);
            QCOMPARE(plans->size(), 1);
            const InstallmentPlan plan = plans->first();
            const QList<qint64> expected{33333, 33333, 33334};
            QSet<QString> ids;
            for (int i = 0; i < 3; ++i) {
                const Installment &in = plan.installments[i];
                QCOMPARE(in.stage, Installment::Stage::Finalized);
                ids.insert(in.invoiceId);
                const QJsonObject inv = termsSandboxCall("GET", QStringLiteral("/v1/invoices/") + in.invoiceId);
                QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("open"));
                QCOMPARE(inv.value(QLatin1String("amount_due")).toInteger(), expected[i]);
                QCOMPARE(inv.value(QLatin1String("currency")).toString(), QStringLiteral("jpy"));
                QCOMPARE(inv.value(QLatin1String("due_date")).toInteger(), in.dueAt.toSecsSinceEpoch());
                QCOMPARE(inv.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
                QCOMPARE(inv.value(QLatin1String("metadata")).toObject().value(QLatin1String("installment_plan")).toString(),
                         QString::number(planId));
                QCOMPARE(inv.value(QLatin1String("custom_fields")).toArray().first().toObject().value(QLatin1String("value")).toString(),
                         QStringLiteral("PO-JP-1"));
            }
            QCOMPARE(ids.size(), 3);
            int ofPlan = 0;
            const QJsonArray all = termsSandboxCall("GET", QStringLiteral("/v1/invoices?limit=100&customer=") + customer).value(QLatin1String("data")).toArray();
            for (const QJsonValue &v : all)
                ofPlan += v.toObject().value(QLatin1String("metadata")).toObject().value(QLatin1String("installment_plan")).toString()
                        == QString::number(planId);
            QCOMPARE(ofPlan, 3);

            // The customer pays the first one (a wire, recorded out of band): paid and remaining.
            termsSandboxCall("POST", QStringLiteral("/v1/invoices/%1/pay").arg(plan.installments[0].invoiceId), "paid_out_of_band=true");
            Result<InstallmentPlan> fresh = stack.wait<InstallmentPlan>([&](QObject *c, auto h) { stack.installments->refresh(planId, c, h); });
            QVERIFY2(fresh, qPrintable(fresh ? QString() : fresh.error().userMessage));
            QCOMPARE(fresh->paidCount(), 1);
            QCOMPARE(fresh->paid().minor(), 33333);
            QCOMPARE(fresh->remaining().minor(), 66667);
            // Stored: the next read from the billing database shows the same.
            plans = stack.wait<QList<InstallmentPlan>>([&](QObject *c, auto h) { stack.installments->plans(customer, c, h); });
            QCOMPARE(plans->first().remaining().minor(), 66667);
        }
    }

    void supportMayNotCreatePlans()
    {
        BC_FRESH_SETTINGS(m_db, QStringLiteral("sqlite"), settings);
        QTemporaryDir dir;
        TermsStack stack(dir.path(), settings, termsSupport());
        InstallmentPlanDraft d;
        d.customerId = QStringLiteral("cus_1");
        d.total = Money(1000, *Currency::fromCode(u"USD"));
        d.count = 2;
        d.firstDue = QDate::currentDate().addDays(30);
        d.description = QStringLiteral("x");
        Result<qint64> id = stack.wait<qint64>([&](QObject *c, auto h) { stack.installments->createPlan(d, c, h); });
        QVERIFY(!id);
        QCOMPARE(id.error().kind, Error::Kind::Unauthorized);
    }
};

QTEST_GUILESS_MAIN(tst_InstallmentPlan)
#include "tst_installmentplan.moc"
