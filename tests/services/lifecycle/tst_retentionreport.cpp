#include "services/lifecycle/retentionoffer.h"
#include "services/lifecycle/retentionreport.h"
#include "services/lifecycle/retentionrepository.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_RetentionReport : public QObject
{
    Q_OBJECT

private:
    BillingDbFixture m_db;

    static RetentionRecord rec(const QString &reason, const QString &kind, bool accepted, qint64 stake, qint64 kept,
                               const QString &cur)
    {
        RetentionRecord r;
        r.subscriptionId = QStringLiteral("sub_") + reason;
        r.customerId = QStringLiteral("cus_1");
        r.reason = reason;
        r.offerKind = kind;
        r.offerDetail = QStringLiteral("detail");
        r.accepted = accepted;
        r.revenueAtStakeMinor = stake;
        r.revenueKeptMinor = kept;
        r.currency = cur;
        r.actor = QStringLiteral("a@example.com");
        r.outcome = RetentionOutcome::Confirmed;
        return r;
    }

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void recordsRoundTripAndReport_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void recordsRoundTripAndReport()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        RetentionRepository repo(db);
        const QList<RetentionRecord> in{
            rec(QStringLiteral("too_expensive"), QStringLiteral("discount"), true, 4900, 3920, QStringLiteral("usd")),
            rec(QStringLiteral("too_expensive"), QStringLiteral("cheaper_plan"), false, 4900, 0, QStringLiteral("usd")),
            rec(QStringLiteral("unused"), QStringLiteral("pause"), true, 5000, 5000, QStringLiteral("jpy")),
            rec(QStringLiteral("unused"), QStringLiteral("pause"), false, 900, 0, QStringLiteral("eur")),
            rec(QStringLiteral("other"), QStringLiteral("none"), false, 1200, 0, QStringLiteral("eur")),
        };
        auto ids = repo.record(in);
        BC_VERIFY_OK(ids);
        QCOMPARE(ids->size(), in.size());
        auto out = repo.records({}, {});
        BC_VERIFY_OK(out);
        QCOMPARE(out->size(), in.size());
        QCOMPARE(out->at(2).currency, QStringLiteral("jpy"));
        QCOMPARE(out->at(0).accepted, true);
        QCOMPARE(out->at(1).accepted, false);
        QCOMPARE(out->at(0).revenueKeptMinor, qint64(3920));

        const RetentionReport report = RetentionReport::build(*out);
        QCOMPARE(report.totals.offersMade, 4);
        QCOMPARE(report.totals.offersAccepted, 2);
        QCOMPARE(report.totals.cancellations, 1);
        QCOMPARE(report.totals.acceptanceRatePermille(), 500);
        QCOMPARE(report.totals.revenueSavedMinor.value(QStringLiteral("usd")), qint64(3920));
        QCOMPARE(report.totals.revenueSavedMinor.value(QStringLiteral("jpy")), qint64(5000));
        QCOMPARE(report.totals.revenueSavedMinor.value(QStringLiteral("eur")), qint64(0));
        QCOMPARE(report.byReason.size(), 3);
        QCOMPARE(report.byOffer.size(), 3); // cheaper_plan, discount, pause
        const auto rows = report.rows();
        QCOMPARE(rows.first().first(), QStringLiteral("section"));
        bool sawPause = false;
        for (const QStringList &row : rows) {
            QCOMPARE(row.size(), 8);
            if (row.at(0) == QLatin1String("offer") && row.at(1) == QLatin1String("pause") && row.at(2) == QLatin1String("jpy")) {
                sawPause = true;
                QCOMPARE(row.at(3), QStringLiteral("2"));
                QCOMPARE(row.at(4), QStringLiteral("1"));
                QCOMPARE(row.at(5), QStringLiteral("50.0"));
                QCOMPARE(row.at(7), QStringLiteral("5000"));
            }
        }
        QVERIFY(sawPause);

        // A bad record writes nothing.
        RetentionRecord bad = in.first();
        bad.currency.clear();
        auto refused = repo.record({in.first(), bad});
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, Error::Kind::Validation);
        QCOMPARE(repo.records({}, {})->size(), in.size());
    }

    // Pending and not applied records are kept but never counted; settling is by the write's
    // clientOpId (or its key), once.
    void onlyConfirmedOutcomesCount_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void onlyConfirmedOutcomesCount()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        RetentionRepository repo(db);
        auto pending = [](const QString &op, const QString &sub, bool accepted) {
            RetentionRecord r = rec(QStringLiteral("too_expensive"), QStringLiteral("discount"), accepted, 4900,
                                    accepted ? 3920 : 0, QStringLiteral("usd"));
            r.subscriptionId = sub;
            r.outcome = RetentionOutcome::Pending;
            r.clientOpId = op;
            return r;
        };
        BC_VERIFY_OK(repo.record({pending(QStringLiteral("op-a"), QStringLiteral("sub_a"), true)}));
        BC_VERIFY_OK(repo.record({pending(QStringLiteral("op-b"), QStringLiteral("sub_b"), true)}));
        BC_VERIFY_OK(repo.record({pending(QStringLiteral("op-c"), QStringLiteral("sub_c"), true)}));
        // The same write recorded again (a double submit): nothing new.
        auto again = repo.record({pending(QStringLiteral("op-a"), QStringLiteral("sub_a"), true)});
        BC_VERIFY_OK(again);
        QCOMPARE(again->size(), 1);
        QCOMPARE(repo.records({}, {})->size(), 3);

        RetentionReport report = RetentionReport::build(*repo.records({}, {}));
        QCOMPARE(report.totals.offersMade, 0);
        QCOMPARE(report.awaitingStripe, 3);

        auto linked = repo.attachEntry(QStringLiteral("op-b"), 12, QStringLiteral("key-b"));
        BC_VERIFY_OK(linked);
        QCOMPARE(*linked, 1);
        const QDateTime at = QDateTime::fromSecsSinceEpoch(1790000000, Qt::UTC);
        auto a = repo.settle(QStringLiteral("op-a"), QStringLiteral("key-a"), RetentionOutcome::Confirmed, at);
        BC_VERIFY_OK(a);
        QCOMPARE(*a, QStringList{QStringLiteral("sub_a")});
        auto b = repo.settle({}, QStringLiteral("key-b"), RetentionOutcome::NotApplied, at);
        BC_VERIFY_OK(b);
        QCOMPARE(*b, QStringList{QStringLiteral("sub_b")});
        // Settling again (a second signal, a reconcile) changes nothing.
        auto twice = repo.settle(QStringLiteral("op-a"), QStringLiteral("key-a"), RetentionOutcome::NotApplied, at);
        BC_VERIFY_OK(twice);
        QVERIFY(twice->isEmpty());

        const auto out = *repo.records({}, {});
        QCOMPARE(out.at(0).outcome, RetentionOutcome::Confirmed);
        QCOMPARE(out.at(0).idempotencyKey, QStringLiteral("key-a"));
        QCOMPARE(out.at(0).settledAt, at);
        QCOMPARE(out.at(1).outcome, RetentionOutcome::NotApplied);
        QCOMPARE(out.at(1).accepted, false);
        QCOMPARE(out.at(1).revenueKeptMinor, qint64(0));
        QCOMPARE(out.at(1).outboxEntryId, qint64(12));
        QCOMPARE(out.at(2).outcome, RetentionOutcome::Pending);
        report = RetentionReport::build(out);
        QCOMPARE(report.totals.offersMade, 1);
        QCOMPARE(report.totals.offersAccepted, 1);
        QCOMPARE(report.totals.revenueSavedMinor.value(QStringLiteral("usd")), qint64(3920));
        QCOMPARE(report.awaitingStripe, 1);
        QCOMPARE(report.notApplied, 1);
    }

    // The outcome the runner audited ("ok" / "error: ...") settles pending records after a restart.
    void settlesFromTheAuditLog_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void settlesFromTheAuditLog()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        RetentionRepository repo(db);
        QList<RetentionRecord> in;
        for (const QString &k : {QStringLiteral("ok"), QStringLiteral("err"), QStringLiteral("open")}) {
            RetentionRecord r = rec(QStringLiteral("unused"), QStringLiteral("pause"), true, 900, 900, QStringLiteral("eur"));
            r.subscriptionId = QStringLiteral("sub_") + k;
            r.outcome = RetentionOutcome::Pending;
            r.clientOpId = QStringLiteral("op-") + k;
            BC_VERIFY_OK(repo.record({r}));
            BC_VERIFY_OK(repo.attachEntry(r.clientOpId, 1, QStringLiteral("key-") + k));
        }
        auto audit = [&db](const QString &key, const QString &result) {
            AuditEntry e;
            e.actor = QStringLiteral("a@example.com");
            e.operation = QStringLiteral("subscription.retention_pause");
            e.targetType = QStringLiteral("subscription");
            e.targetId = QStringLiteral("sub_x");
            e.paramsJson = QStringLiteral("{}");
            e.idempotencyKey = key;
            e.result = result;
            return db.appendAudit(e);
        };
        BC_VERIFY_OK(audit(QStringLiteral("key-ok"), QStringLiteral("requested")));
        BC_VERIFY_OK(audit(QStringLiteral("key-ok"), QStringLiteral("ok")));
        BC_VERIFY_OK(audit(QStringLiteral("key-err"), QStringLiteral("requested")));
        BC_VERIFY_OK(audit(QStringLiteral("key-err"), QStringLiteral("error: No such coupon")));
        BC_VERIFY_OK(audit(QStringLiteral("key-open"), QStringLiteral("requested")));

        auto settled = repo.settleFromAudit(QDateTime::currentDateTimeUtc());
        BC_VERIFY_OK(settled);
        QCOMPARE(settled->size(), 2);
        QVERIFY(settled->contains(QStringLiteral("sub_ok")) && settled->contains(QStringLiteral("sub_err")));
        auto again = repo.settleFromAudit(QDateTime::currentDateTimeUtc());
        BC_VERIFY_OK(again);
        QVERIFY(again->isEmpty());
        const auto out = *repo.records({}, {});
        QCOMPARE(out.at(0).outcome, RetentionOutcome::Confirmed);
        QCOMPARE(out.at(1).outcome, RetentionOutcome::NotApplied);
        QCOMPARE(out.at(2).outcome, RetentionOutcome::Pending);
    }

    // A table made before outcomes existed gains the columns; its rows stay counted.
    void upgradesAnOlderTable()
    {
        QTemporaryDir dir;
        BillingDatabase db;
        BC_VERIFY_OK(db.open(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("old.sqlite")))));
        QSqlQuery q(db.database());
        QVERIFY(q.exec(QStringLiteral(
            "CREATE TABLE retention_records (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, subscription_id "
            "TEXT NOT NULL, customer_id TEXT NOT NULL, reason TEXT NOT NULL, comment TEXT NOT NULL, offer_kind TEXT NOT "
            "NULL, offer_detail TEXT NOT NULL, accepted INTEGER NOT NULL, revenue_at_stake_minor BIGINT NOT NULL, "
            "revenue_kept_minor BIGINT NOT NULL, currency CHAR(3) NOT NULL, actor TEXT NOT NULL, outbox_entry_id "
            "BIGINT NOT NULL)")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO retention_records (at, subscription_id, customer_id, reason, comment, "
                                      "offer_kind, offer_detail, accepted, revenue_at_stake_minor, revenue_kept_minor, "
                                      "currency, actor, outbox_entry_id) VALUES (1790000000, 'sub_old', 'cus_1', "
                                      "'unused', '', 'pause', '3 months', 1, 900, 900, 'eur', 'a@example.com', 4)")));
        RetentionRepository repo(db);
        BC_VERIFY_OK(repo.ensureSchema());
        BC_VERIFY_OK(repo.ensureSchema()); // twice: nothing to add the second time
        const auto out = repo.records({}, {});
        BC_VERIFY_OK(out);
        QCOMPARE(out->size(), 1);
        QCOMPARE(out->first().outcome, RetentionOutcome::Confirmed);
        QCOMPARE(RetentionReport::build(*out).totals.offersAccepted, 1);
        RetentionRecord fresh = rec(QStringLiteral("unused"), QStringLiteral("pause"), false, 900, 0, QStringLiteral("eur"));
        fresh.outcome = RetentionOutcome::Pending;
        fresh.clientOpId = QStringLiteral("op-new");
        BC_VERIFY_OK(repo.record({fresh}));
        QCOMPARE(repo.records({}, {})->at(1).outcome, RetentionOutcome::Pending);
    }

    void acceptanceRateRounding_data()
    {
        QTest::addColumn<int>("made");
        QTest::addColumn<int>("accepted");
        QTest::addColumn<int>("permille");
        QTest::newRow("none made") << 0 << 0 << 0;
        QTest::newRow("1 of 3") << 3 << 1 << 333;
        QTest::newRow("2 of 3") << 3 << 2 << 667;
        QTest::newRow("1 of 8") << 8 << 1 << 125;
        QTest::newRow("all") << 7 << 7 << 1000;
    }
    void acceptanceRateRounding()
    {
        QFETCH(int, made);
        QFETCH(int, accepted);
        QFETCH(int, permille);
        RetentionReport::Line line;
        line.offersMade = made;
        line.offersAccepted = accepted;
        QCOMPARE(line.acceptanceRatePermille(), permille);
    }

    void monthlyAmounts_data()
    {
        QTest::addColumn<qint64>("amount");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<QString>("interval");
        QTest::addColumn<int>("count");
        QTest::addColumn<qint64>("monthly");
        QTest::newRow("usd monthly") << qint64(4900) << QStringLiteral("USD") << QStringLiteral("month") << 1 << qint64(4900);
        QTest::newRow("usd yearly") << qint64(49000) << QStringLiteral("USD") << QStringLiteral("year") << 1 << qint64(4083); // 4083.33
        QTest::newRow("jpy yearly half up") << qint64(6000) << QStringLiteral("JPY") << QStringLiteral("year") << 1 << qint64(500);
        QTest::newRow("quarterly") << qint64(9000) << QStringLiteral("EUR") << QStringLiteral("month") << 3 << qint64(3000);
        QTest::newRow("weekly") << qint64(1200) << QStringLiteral("USD") << QStringLiteral("week") << 1 << qint64(5200);
    }
    void monthlyAmounts()
    {
        QFETCH(qint64, amount);
        QFETCH(QString, currency);
        QFETCH(QString, interval);
        QFETCH(int, count);
        QFETCH(qint64, monthly);
        auto m = monthlyAmount(amount, *Currency::fromCode(currency), interval, count);
        BC_VERIFY_OK(m);
        QCOMPARE(m->minor(), monthly);
    }

    void offersFitTheReason_data()
    {
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QStringList>("kinds");
        QTest::newRow("too_expensive") << QStringLiteral("too_expensive") << QStringList{QStringLiteral("discount"), QStringLiteral("cheaper_plan")};
        QTest::newRow("unused") << QStringLiteral("unused") << QStringList{QStringLiteral("pause")};
        QTest::newRow("missing_features") << QStringLiteral("missing_features") << QStringList{QStringLiteral("discount")};
        QTest::newRow("switched_service") << QStringLiteral("switched_service") << QStringList{QStringLiteral("discount")};
    }
    void offersFitTheReason()
    {
        QFETCH(QString, reason);
        QFETCH(QStringList, kinds);
        SubscriptionRow row;
        row.subscription.id = QStringLiteral("sub_1");
        row.subscription.currency = QStringLiteral("usd");
        SubscriptionItem item;
        item.priceId = QStringLiteral("price_pro");
        item.quantity = 2;
        row.subscription.items << item;
        row.amountMinor = 9800;
        row.interval = QStringLiteral("month");
        Price cheap;
        cheap.id = QStringLiteral("price_basic");
        cheap.currency = QStringLiteral("usd");
        cheap.type = QStringLiteral("recurring");
        cheap.unitAmount = 1900;
        cheap.interval = QStringLiteral("month");
        cheap.intervalCount = 1;
        Price otherCurrency = cheap;
        otherCurrency.id = QStringLiteral("price_eur");
        otherCurrency.currency = QStringLiteral("eur");
        otherCurrency.unitAmount = 100;
        RetentionRules rules = RetentionRules::defaults();
        rules.couponId = QStringLiteral("RETAIN20");
        auto offers = retentionOffersFor(*cancellationReasonFromName(reason), row, {cheap, otherCurrency}, {}, rules);
        BC_VERIFY_OK(offers);
        QStringList got;
        for (const RetentionOffer &o : *offers) {
            got << retentionOfferKindName(o.kind);
            if (o.kind == RetentionOfferKind::CheaperPlan) {
                QCOMPARE(o.priceId, QStringLiteral("price_basic")); // never another currency
                QCOMPARE(o.monthlyAfter.minor(), qint64(3800));
            }
        }
        QCOMPARE(got, kinds);
    }

    void rulesFromSettings()
    {
        auto rules = RetentionRules::fromSettings({{QStringLiteral("retention.coupon"), QStringLiteral("KEEP")},
                                                   {QStringLiteral("retention.offers.unused"), QStringLiteral("discount,pause")}});
        BC_VERIFY_OK(rules);
        QCOMPARE(rules->couponId, QStringLiteral("KEEP"));
        QCOMPARE(rules->offers.value(CancellationReason::Unused),
                 (QList<RetentionOfferKind>{RetentionOfferKind::Discount, RetentionOfferKind::Pause}));
        auto bad = RetentionRules::fromSettings({{QStringLiteral("retention.offers.unused"), QStringLiteral("free_beer")}});
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind, Error::Kind::Validation);
        auto badPercent = RetentionRules::fromSettings({{QStringLiteral("retention.percent_off"), QStringLiteral("150")}});
        QVERIFY(!badPercent);
    }
};

QTEST_GUILESS_MAIN(tst_RetentionReport)
#include "tst_retentionreport.moc"
