// DunningRepository on SQLite and PostgreSQL: rules (validation, versions), the exactly-once claim
// of (invoice, step) across two connections and across a reopen, contacts, recoveries, audit rows.

#include "services/dunning/dunningrepository.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QTest>
#include <QTimeZone>

using namespace Billing;
using namespace Billing::Test;

class tst_DunningRepository : public QObject
{
    Q_OBJECT

private:
    BillingDbFixture m_fixture;
    int m_conn = 0;

    std::unique_ptr<BillingDatabase> open(const BillingDbSettings &s)
    {
        auto db = std::make_unique<BillingDatabase>(QStringLiteral("tst-dunning-%1").arg(++m_conn));
        Result<BillingDatabase::OpenReport> r = db->open(s);
        if (!r)
            qWarning() << r.error().detail;
        return r ? std::move(db) : nullptr;
    }

    static int auditCount(BillingDatabase &db, const QString &operation, const QString &targetId)
    {
        AuditQuery q;
        q.operation = operation;
        q.targetId = targetId;
        Result<QList<AuditEntry>> r = db.audit(q);
        return r ? int(r->size()) : -1;
    }

private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }

    void rulesAreValidatedAndVersioned_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void rulesAreValidatedAndVersioned()
    {
        QFETCH(QString, backend);
        BillingDbSettings s;
        QString why;
        QVERIFY2(m_fixture.fresh(backend, s, &why), qPrintable(why));
        auto db = open(s);
        QVERIFY(db);
        DunningRepository repo(*db);

        DunningRule bad;
        bad.name = QStringLiteral("  ");
        QCOMPARE(repo.saveRule(bad, QStringLiteral("fin@example.com")).error().kind, Error::Kind::Validation);
        bad.name = QStringLiteral("Late");
        bad.trigger = DunningTrigger::AfterDays;
        bad.days = 0;
        QCOMPARE(repo.saveRule(bad, QStringLiteral("fin@example.com")).error().kind, Error::Kind::Validation);
        QCOMPARE(repo.rules()->size(), 0); // nothing half-written

        DunningRule r;
        r.name = QStringLiteral("Write off after 30 days");
        r.trigger = DunningTrigger::AfterDays;
        r.days = 30;
        r.action = DunningAction::MarkUncollectible;
        Result<DunningRule> saved = repo.saveRule(r, QStringLiteral("fin@example.com"));
        BC_VERIFY_OK(saved);
        QVERIFY(saved->id > 0);
        QCOMPARE(saved->version, 1);

        DunningRule edit = saved.value();
        edit.days = 21;
        Result<DunningRule> updated = repo.saveRule(edit, QStringLiteral("fin@example.com"));
        BC_VERIFY_OK(updated);
        QCOMPARE(updated->version, 2);
        // A second editor with the old version gets Conflict, and the row keeps 21 days.
        edit.days = 45;
        QCOMPARE(repo.saveRule(edit, QStringLiteral("ana@example.com")).error().kind, Error::Kind::Conflict);
        const QList<DunningRule> rules = repo.rules().value();
        QCOMPARE(rules.size(), 1);
        QCOMPARE(rules.first().days, 21);
        QCOMPARE(rules.first().action, DunningAction::MarkUncollectible);
        QCOMPARE(rules.first().updatedBy, QStringLiteral("fin@example.com"));
        QCOMPARE(auditCount(*db, QStringLiteral("dunning_rule.create"), QString::number(saved->id)), 1);
        QCOMPARE(auditCount(*db, QStringLiteral("dunning_rule.update"), QString::number(saved->id)), 1);

        QCOMPARE(repo.deleteRule(saved->id, 1, QStringLiteral("fin@example.com")).error().kind, Error::Kind::Conflict);
        BC_VERIFY_OK(repo.deleteRule(saved->id, 2, QStringLiteral("fin@example.com")));
        QCOMPARE(repo.rules()->size(), 0);
    }

    // Two connections (two consoles) and a reopen (a restart): each (invoice, step) is decided once;
    // the losing claim writes nothing (no notification, no audit row).
    void claimIsExactlyOnce_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void claimIsExactlyOnce()
    {
        QFETCH(QString, backend);
        BillingDbSettings s;
        QString why;
        QVERIFY2(m_fixture.fresh(backend, s, &why), qPrintable(why));
        auto a = open(s);
        auto b = open(s);
        QVERIFY(a && b);
        DunningRuleRun run;
        run.invoiceId = QStringLiteral("in_claim1");
        run.stepKey = QStringLiteral("r1:a1");
        run.ruleId = 1;
        run.action = QStringLiteral("notify_owner");
        run.state = QStringLiteral("done");
        run.actor = QStringLiteral("fin@example.com");
        DunningNotification note;
        note.message = QStringLiteral("INV-1 failed");
        note.owner = QStringLiteral("ana@example.com");

        Result<bool> first = DunningRepository(*a).claimStep(run, note);
        BC_VERIFY_OK(first);
        QVERIFY(first.value());
        Result<bool> second = DunningRepository(*b).claimStep(run, note);
        BC_VERIFY_OK(second);
        QVERIFY(!second.value());

        // Restart: a new connection after the others closed.
        a.reset();
        b.reset();
        auto c = open(s);
        QVERIFY(c);
        DunningRepository repo(*c);
        QVERIFY(!repo.claimStep(run, note).value());
        QCOMPARE(repo.notifications()->size(), 1);
        QCOMPARE(repo.notifications()->first().owner, QStringLiteral("ana@example.com"));
        QCOMPARE(repo.runs(QStringLiteral("in_claim1"))->size(), 1);
        QCOMPARE(auditCount(*c, QStringLiteral("dunning.rule_run"), QStringLiteral("in_claim1")), 1);

        // Another step of the same invoice is its own decision.
        run.stepKey = QStringLiteral("r1:a2");
        QVERIFY(repo.claimStep(run, std::nullopt).value());
        BC_VERIFY_OK(repo.updateRun(run.invoiceId, run.stepKey, QStringLiteral("queued"), 42, QStringLiteral("in the outbox")));
        const QList<DunningRuleRun> runs = repo.runs(QStringLiteral("in_claim1")).value();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs.last().state, QStringLiteral("queued"));
        QCOMPARE(runs.last().outboxEntryId, 42);
    }

    void contactsAndRecoveries_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void contactsAndRecoveries()
    {
        QFETCH(QString, backend);
        BillingDbSettings s;
        QString why;
        QVERIFY2(m_fixture.fresh(backend, s, &why), qPrintable(why));
        auto db = open(s);
        QVERIFY(db);
        DunningRepository repo(*db);
        DunningContact c;
        c.invoiceId = QStringLiteral("in_c1");
        c.actor = QStringLiteral("sam@example.com");
        c.kind = QStringLiteral("call");
        c.text = QStringLiteral("Customer will update the card on Friday");
        BC_VERIFY_OK(repo.addContact(c));
        c.kind = QStringLiteral("note");
        c.text = QString(4001, QLatin1Char('x'));
        QCOMPARE(repo.addContact(c).error().kind, Error::Kind::Validation);
        const QList<DunningContact> contacts = repo.contacts(QStringLiteral("in_c1")).value();
        QCOMPARE(contacts.size(), 1);
        QCOMPARE(contacts.first().kind, QStringLiteral("call"));
        QCOMPARE(auditCount(*db, QStringLiteral("dunning.call"), QStringLiteral("in_c1")), 1);

        DunningRecovery r;
        r.invoiceId = QStringLiteral("in_c1");
        r.amountMinor = 4900;
        r.currency = QStringLiteral("EUR");
        r.declineCode = QStringLiteral("insufficient_funds");
        r.attempts = 3;
        r.step = QStringLiteral("retry_now");
        r.recoveredAt = QDateTime(QDate(2026, 3, 2), QTime(8, 0), QTimeZone::utc());
        QVERIFY(repo.recordRecovery(r, QStringLiteral("fin@example.com")).value());
        QVERIFY(!repo.recordRecovery(r, QStringLiteral("fin@example.com")).value()); // counted once
        const QList<DunningRecovery> all = repo.recoveries().value();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().amountMinor, 4900);
        QCOMPARE(all.first().currency, QStringLiteral("eur"));
        QCOMPARE(all.first().recoveredAt, r.recoveredAt);
        QCOMPARE(repo.recoveries(r.recoveredAt.addSecs(1), {})->size(), 0);

        // A batch (the runner's invoices paid between two runs): only the new ones are counted,
        // each once, with an audit row; a bad row refuses the whole batch before any write.
        DunningRecovery second = r, third = r;
        second.invoiceId = QStringLiteral("in_c2");
        third.invoiceId = QStringLiteral("in_c3");
        DunningRecovery bad = r;
        bad.invoiceId = QStringLiteral("in_c4");
        bad.currency = QStringLiteral("EURO");
        QCOMPARE(repo.countRecoveries({second, bad}, QStringLiteral("fin@example.com")).error().kind, Error::Kind::Validation);
        QCOMPARE(repo.recoveries()->size(), 1);
        QCOMPARE(repo.countRecoveries({r, second, third}, QStringLiteral("fin@example.com")).value(),
                 (QStringList{QStringLiteral("in_c2"), QStringLiteral("in_c3")}));
        QCOMPARE(repo.countRecoveries({second, third}, QStringLiteral("fin@example.com")).value(), QStringList());
        QCOMPARE(repo.recoveries()->size(), 3);
        QCOMPARE(auditCount(*db, QStringLiteral("dunning.recovered"), QStringLiteral("in_c3")), 1);
    }

    // The queue as the runner saw it: invoices that left it are returned once; settling a paid one
    // counts its recovery and forgets it in one transaction, and a second settle counts nothing.
    void watchedQueueSettlesEachInvoiceOnce_data()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }
    void watchedQueueSettlesEachInvoiceOnce()
    {
        QFETCH(QString, backend);
        BillingDbSettings s;
        QString why;
        QVERIFY2(m_fixture.fresh(backend, s, &why), qPrintable(why));
        auto db = open(s);
        QVERIFY(db);
        DunningRepository repo(*db);
        const QDateTime t0(QDate(2026, 3, 1), QTime(9, 0), QTimeZone::utc());
        auto watch = [](const char *id, int attempts) {
            DunningWatch w;
            w.invoiceId = QString::fromLatin1(id);
            w.customerId = QStringLiteral("cus_w");
            w.amountMinor = 2500;
            w.currency = QStringLiteral("USD");
            w.declineCode = QStringLiteral("insufficient_funds");
            w.attempts = attempts;
            w.policyStep = QStringLiteral("smart retry %1").arg(attempts);
            return w;
        };
        QCOMPARE(repo.watchQueue({watch("in_w1", 1), watch("in_w2", 1)}, t0).value().size(), 0);
        // A second look: in_w1 has a new attempt, in_w2 is gone from the queue.
        const QList<DunningWatch> left = repo.watchQueue({watch("in_w1", 2)}, t0.addSecs(3600)).value();
        QCOMPARE(left.size(), 1);
        QCOMPARE(left.first().invoiceId, QStringLiteral("in_w2"));
        QCOMPARE(left.first().policyStep, QStringLiteral("smart retry 1"));
        QCOMPARE(left.first().currency, QStringLiteral("usd"));
        QCOMPARE(left.first().firstSeenAt, t0);
        const QList<DunningWatch> all = repo.watched().value();
        QCOMPARE(all.size(), 2); // still watched until settled
        QCOMPARE(all.first().attempts, 2);
        QCOMPARE(all.first().firstSeenAt, t0);
        QCOMPARE(all.first().lastSeenAt, t0.addSecs(3600));

        DunningRecovery r;
        r.invoiceId = QStringLiteral("in_w2");
        r.amountMinor = 2500;
        r.currency = QStringLiteral("usd");
        r.declineCode = QStringLiteral("insufficient_funds");
        r.attempts = 2;
        r.step = QStringLiteral("paid_in_stripe (smart retry 1)");
        QVERIFY(repo.settleWatched(QStringLiteral("in_w2"), r, QStringLiteral("system")).value());
        QVERIFY(!repo.settleWatched(QStringLiteral("in_w2"), r, QStringLiteral("system")).value()); // counted once
        QCOMPARE(repo.watched().value().size(), 1);
        QCOMPARE(repo.recoveries().value().size(), 1);
        QCOMPARE(repo.recoveries().value().first().step, r.step);
        QCOMPARE(auditCount(*db, QStringLiteral("dunning.recovered"), QStringLiteral("in_w2")), 1);
        // Voided or deleted: forgotten without a recovery.
        QVERIFY(!repo.settleWatched(QStringLiteral("in_w1"), std::nullopt, QStringLiteral("system")).value());
        QCOMPARE(repo.watched().value().size(), 0);
        QCOMPARE(repo.recoveries().value().size(), 1);
        // A recovery for another invoice is refused, nothing written.
        QCOMPARE(repo.settleWatched(QStringLiteral("in_w9"), r, QStringLiteral("system")).error().kind, Error::Kind::Validation);
    }
};

QTEST_GUILESS_MAIN(tst_DunningRepository)
#include "tst_dunningrepository.moc"
