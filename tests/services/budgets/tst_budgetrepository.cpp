// BudgetRepository on SQLite and PostgreSQL: budgets saved with versions and audit rows, bad
// budgets refused with nothing written, alerts and limit actions recorded exactly once,
// acknowledge and snooze.
#include "services/budgets/budgetrepository.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QSqlQuery>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

namespace {

const QString Actor = QStringLiteral("finance@example.com");

Budget moneyBudget()
{
    Budget b;
    b.customerId = QStringLiteral("cus_budget1");
    b.unit = BudgetUnit::Money;
    b.limit = 50000; // 500.00 USD
    b.currency = QStringLiteral("usd");
    return b;
}

Budget unitsBudget()
{
    Budget b;
    b.customerId = QStringLiteral("cus_budget2");
    b.unit = BudgetUnit::Units;
    b.limit = 1000;
    b.meter = QStringLiteral("api_calls");
    return b;
}

BudgetAlert alertFor(const Budget &b, int percent, AlertKind kind = AlertKind::Threshold)
{
    BudgetAlert a;
    a.budgetId = b.id;
    a.customerId = b.customerId;
    a.period = QStringLiteral("2026-11");
    a.kind = kind;
    a.thresholdPercent = percent;
    a.unit = b.unit;
    a.spend = b.limit * percent / 100;
    a.limit = b.limit;
    a.currency = b.currency;
    a.meter = b.meter;
    a.triggeredAt = QDateTime(QDate(2026, 11, 20), QTime(10, 0), Qt::UTC);
    return a;
}

qint64 count(BillingDatabase &db, const QString &table)
{
    QSqlQuery q(db.database());
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

} // namespace

class tst_BudgetRepository : public QObject
{
    Q_OBJECT

private:
    BillingDbFixture m_db;

    static void backendRows()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

private Q_SLOTS:
    void cleanupTestCase() { m_db.dropSchemas(); }

    void saveUpdateAndConflict_data() { backendRows(); }
    void saveUpdateAndConflict()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        BudgetRepository repo(db);

        Result<Budget> created = repo.saveBudget(moneyBudget(), QStringLiteral("usd"), Actor);
        BC_VERIFY_OK(created);
        QVERIFY(created->id > 0);
        QCOMPARE(created->version, qint64(1));
        QCOMPARE(created->thresholds, (QList<int>{50, 80, 100}));
        QCOMPARE(created->updatedBy, Actor);

        Budget changed = *created;
        changed.limit = 75000;
        changed.thresholds = {25, 75, 90, 100};
        changed.action = LimitAction::Flag;
        Result<Budget> updated = repo.saveBudget(changed, QStringLiteral("usd"), Actor);
        BC_VERIFY_OK(updated);
        QCOMPARE(updated->version, qint64(2));

        Result<Budget> read = repo.budget(created->id);
        BC_VERIFY_OK(read);
        QCOMPARE(read->limit, qint64(75000));
        QCOMPARE(read->thresholds, (QList<int>{25, 75, 90, 100}));
        QCOMPARE(read->action, LimitAction::Flag);
        QCOMPARE(read->currency, QStringLiteral("usd"));

        // A second console still holding version 1 cannot overwrite version 2.
        Result<Budget> stale = repo.saveBudget(changed, QStringLiteral("usd"), QStringLiteral("other@example.com"));
        QVERIFY(!stale);
        QCOMPARE(stale.error().kind, Error::Kind::Conflict);
        QCOMPARE(repo.budget(created->id)->limit, qint64(75000));

        // Units budget for another customer; the list filters by customer.
        BC_VERIFY_OK(repo.saveBudget(unitsBudget(), QString(), Actor));
        QCOMPARE(repo.budgets()->size(), 2);
        QCOMPARE(repo.budgets(QStringLiteral("cus_budget2"))->size(), 1);
        QCOMPARE(repo.budgets(QStringLiteral("cus_budget2"))->first().meter, QStringLiteral("api_calls"));

        // Archive: out of the active list, still readable.
        Result<Budget> archived = repo.archiveBudget(created->id, 2, Actor);
        BC_VERIFY_OK(archived);
        QVERIFY(!archived->active);
        QCOMPARE(repo.budgets()->size(), 1);
        QCOMPARE(repo.budgets({}, false)->size(), 2);

        AuditQuery q;
        q.targetType = QStringLiteral("budget");
        Result<QList<AuditEntry>> audit = db.audit(q);
        BC_VERIFY_OK(audit);
        QStringList ops;
        for (const AuditEntry &e : *audit)
            ops.prepend(e.operation);
        QCOMPARE(ops, (QStringList{QStringLiteral("budget.create"), QStringLiteral("budget.update"),
                                   QStringLiteral("budget.create"), QStringLiteral("budget.archive")}));
        QCOMPARE(audit->last().actor, Actor);
        QVERIFY(audit->at(2).afterSummary.contains(QStringLiteral("75000")));
    }

    void badBudgetIsRefusedAndNothingSaved_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("messagePart");
        const QList<QStringList> cases{
            {QStringLiteral("zero budget"), QStringLiteral("limit"), QStringLiteral("0"), QStringLiteral("zero")},
            {QStringLiteral("negative budget"), QStringLiteral("limit"), QStringLiteral("-100"), QStringLiteral("negative")},
            {QStringLiteral("absurd budget"), QStringLiteral("limit"), QStringLiteral("1000000000000000"), QStringLiteral("implausibly")},
            {QStringLiteral("thresholds out of order"), QStringLiteral("thresholds"), QStringLiteral("80,50,100"), QStringLiteral("go up")},
            {QStringLiteral("repeated threshold"), QStringLiteral("thresholds"), QStringLiteral("50,50,100"), QStringLiteral("go up")},
            {QStringLiteral("threshold above bound"), QStringLiteral("thresholds"), QStringLiteral("50,100,250"), QStringLiteral("out of bounds")},
            {QStringLiteral("threshold zero"), QStringLiteral("thresholds"), QStringLiteral("0,50,100"), QStringLiteral("out of bounds")},
            {QStringLiteral("no thresholds"), QStringLiteral("thresholds"), QString(), QStringLiteral("at least one")},
            {QStringLiteral("other currency"), QStringLiteral("currency"), QStringLiteral("eur"), QStringLiteral("billed in USD")},
            {QStringLiteral("unknown currency"), QStringLiteral("currency"), QStringLiteral("xyz"), QStringLiteral("currency")},
            {QStringLiteral("units without meter"), QStringLiteral("unitsMeter"), QString(), QStringLiteral("meter")},
            {QStringLiteral("stop without 100%"), QStringLiteral("pauseThresholds"), QStringLiteral("50,80"), QStringLiteral("100%")},
            {QStringLiteral("no customer"), QStringLiteral("customer"), QString(), QStringLiteral("customer")},
        };
        for (const QString &b : BillingDbFixture::backends()) {
            for (const QStringList &c : cases)
                QTest::newRow(qPrintable(b + QStringLiteral(": ") + c.at(0))) << b << c.at(1) << c.at(2) << c.at(3);
        }
    }
    void badBudgetIsRefusedAndNothingSaved()
    {
        QFETCH(QString, backend);
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, messagePart);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        BudgetRepository repo(db);
        BC_VERIFY_OK(repo.ensureSchema());
        const qint64 auditBefore = count(db, QStringLiteral("audit_log"));

        Budget b = moneyBudget();
        auto thresholds = [](const QString &text) {
            QList<int> out;
            for (const QString &p : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
                out << p.toInt();
            return out;
        };
        if (field == QLatin1String("limit"))
            b.limit = value.toLongLong();
        else if (field == QLatin1String("thresholds"))
            b.thresholds = thresholds(value);
        else if (field == QLatin1String("currency"))
            b.currency = value;
        else if (field == QLatin1String("unitsMeter")) {
            b.unit = BudgetUnit::Units;
            b.currency.clear();
            b.meter = value;
        } else if (field == QLatin1String("pauseThresholds")) {
            b.action = LimitAction::Pause;
            b.thresholds = thresholds(value);
        } else if (field == QLatin1String("customer"))
            b.customerId = value;

        Result<Budget> saved = repo.saveBudget(b, QStringLiteral("usd"), Actor);
        QVERIFY(!saved);
        QCOMPARE(saved.error().kind, Error::Kind::Validation);
        QVERIFY2(saved.error().userMessage.contains(messagePart, Qt::CaseInsensitive),
                 qPrintable(saved.error().userMessage));
        QCOMPARE(count(db, QStringLiteral("budgets")), qint64(0));
        QCOMPARE(count(db, QStringLiteral("audit_log")), auditBefore);
    }

    void alertsAndActionsAreRecordedOnce_data() { backendRows(); }
    void alertsAndActionsAreRecordedOnce()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        BudgetRepository repo(db);

        Budget flag = moneyBudget();
        flag.action = LimitAction::Flag;
        flag = *repo.saveBudget(flag, QStringLiteral("usd"), Actor);
        Budget pause = unitsBudget();
        pause.action = LimitAction::Pause;
        pause = *repo.saveBudget(pause, QString(), Actor);

        const QList<DueAlert> due{
            {alertFor(flag, 50), LimitAction::Flag, {}},
            {alertFor(flag, 80), LimitAction::Flag, {}},
            {alertFor(flag, 100), LimitAction::Flag, {}},
            {alertFor(pause, 50), LimitAction::Pause, {QStringLiteral("sub_a"), QStringLiteral("sub_b")}},
            {alertFor(pause, 100), LimitAction::Pause, {QStringLiteral("sub_a"), QStringLiteral("sub_b")}},
        };
        Result<QList<BudgetAlert>> first = repo.recordAlerts(due, Actor);
        BC_VERIFY_OK(first);
        QCOMPARE(first->size(), 5);
        QCOMPARE(first->at(0).action, QStringLiteral("notified"));
        QCOMPARE(first->at(2).action, QStringLiteral("account flagged"));
        QCOMPARE(first->at(4).action, QStringLiteral("pause due"));

        // The same crossings again (the next refresh): nothing new, nothing doubled.
        Result<QList<BudgetAlert>> second = repo.recordAlerts(due, Actor);
        BC_VERIFY_OK(second);
        QCOMPARE(second->size(), 0);
        QCOMPARE(count(db, QStringLiteral("budget_alerts")), qint64(5));
        QCOMPARE(count(db, QStringLiteral("budget_actions")), qint64(3)); // flag + 2 pauses

        // A new period is a new crossing.
        BudgetAlert december = alertFor(flag, 50);
        december.period = QStringLiteral("2026-12");
        QCOMPARE(repo.recordAlerts({{december, LimitAction::Flag, {}}}, Actor)->size(), 1);

        QCOMPARE(*repo.flaggedCustomers(QStringLiteral("2026-11")), QSet<QString>{flag.customerId});
        QVERIFY(repo.flaggedCustomers(QStringLiteral("2026-10"))->isEmpty());

        Result<QList<BudgetActionRecord>> pending = repo.dueActions();
        BC_VERIFY_OK(pending);
        QCOMPARE(pending->size(), 2);
        QCOMPARE(pending->at(0).clientOpId, QStringLiteral("budget-stop:%1:2026-11:sub_a").arg(pause.id));
        QCOMPARE(pending->at(1).subscriptionId, QStringLiteral("sub_b"));

        BC_VERIFY_OK(repo.completeAction(pending->at(0).id, true, 42, {}, Actor));
        BC_VERIFY_OK(repo.completeAction(pending->at(1).id, false, 0, QStringLiteral("subscription ended"), Actor));
        QVERIFY(repo.dueActions()->isEmpty());
        AlertQuery q;
        q.budgetId = pause.id;
        Result<QList<BudgetAlert>> pauseAlerts = repo.alerts(q);
        BC_VERIFY_OK(pauseAlerts);
        QCOMPARE(pauseAlerts->size(), 2);
        bool sawLimit = false;
        for (const BudgetAlert &a : *pauseAlerts) {
            if (a.thresholdPercent == 100) {
                sawLimit = true;
                QVERIFY2(a.action.startsWith(QStringLiteral("pause failed")), qPrintable(a.action));
                QCOMPARE(a.outboxEntryId, qint64(0));
            }
        }
        QVERIFY(sawLimit);

        AuditQuery aq;
        aq.operation = QStringLiteral("budget.alert");
        QCOMPARE(db.audit(aq)->size(), 6);
        aq.operation = QStringLiteral("budget.pause");
        QCOMPARE(db.audit(aq)->size(), 4); // two due, one queued, one failed
    }

    void acknowledgeAndSnoozeHideAlerts_data() { backendRows(); }
    void acknowledgeAndSnoozeHideAlerts()
    {
        QFETCH(QString, backend);
        BC_FRESH_SETTINGS(m_db, backend, settings);
        BillingDatabase db;
        BC_VERIFY_OK(db.open(settings));
        BudgetRepository repo(db);
        const Budget b = *repo.saveBudget(moneyBudget(), QStringLiteral("usd"), Actor);
        const QList<BudgetAlert> alerts =
            *repo.recordAlerts({{alertFor(b, 50), LimitAction::Notify, {}}, {alertFor(b, 80), LimitAction::Notify, {}},
                                {alertFor(b, 100, AlertKind::Forecast), LimitAction::Notify, {}}},
                               Actor);
        QCOMPARE(alerts.size(), 3);
        QCOMPARE(alerts.at(2).action, QStringLiteral("early warning"));

        const QDateTime now = QDateTime::currentDateTimeUtc();
        AlertQuery open;
        open.now = now;
        QCOMPARE(repo.alerts(open)->size(), 3);

        Result<BudgetAlert> acked = repo.acknowledge(alerts.at(0).id, Actor);
        BC_VERIFY_OK(acked);
        QVERIFY(acked->acknowledgedAt.isValid());
        QCOMPARE(acked->acknowledgedBy, Actor);
        QCOMPARE(repo.alerts(open)->size(), 2);

        const QDateTime until = now.addDays(2);
        Result<BudgetAlert> snoozed = repo.snooze(alerts.at(1).id, until, Actor);
        BC_VERIFY_OK(snoozed);
        QCOMPARE(snoozed->snoozedUntil, QDateTime::fromSecsSinceEpoch(until.toSecsSinceEpoch(), Qt::UTC));
        QCOMPARE(repo.alerts(open)->size(), 1);
        AlertQuery later = open;
        later.now = until.addSecs(1);
        QCOMPARE(repo.alerts(later)->size(), 2); // back once its date has passed
        AlertQuery everything = open;
        everything.includeAcknowledged = true;
        everything.includeSnoozed = true;
        QCOMPARE(repo.alerts(everything)->size(), 3);

        Result<BudgetAlert> past = repo.snooze(alerts.at(2).id, now.addSecs(-60), Actor);
        QVERIFY(!past);
        QCOMPARE(past.error().kind, Error::Kind::Validation);
        QVERIFY(repo.alert(alerts.at(2).id)->snoozedUntil.isNull());
    }
};

QTEST_GUILESS_MAIN(tst_BudgetRepository)
#include "tst_budgetrepository.moc"
