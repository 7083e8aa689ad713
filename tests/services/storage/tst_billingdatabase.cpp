#include "services/storage/billingdatabase.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <latch>
#include <map>

#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QThread>

using namespace Billing;
using namespace Billing::Test;

namespace {

UsageEvent ev(const QString &id, const QString &customer, const QString &meter, qint64 qty,
              const QDateTime &at)
{
    return UsageEvent{id, customer, meter, qty, at};
}

qint64 countRows(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// The test's own idea of a bucket: wall-clock fields of the UTC time, truncated.
QDateTime expectedBucket(const QDateTime &at, UsageGranularity g)
{
    const QDateTime u = at.toUTC();
    switch (g) {
    case UsageGranularity::Hour:
        return QDateTime(u.date(), QTime(u.time().hour(), 0), Qt::UTC);
    case UsageGranularity::Day:
        return QDateTime(u.date(), QTime(0, 0), Qt::UTC);
    case UsageGranularity::Month:
        return QDateTime(QDate(u.date().year(), u.date().month(), 1), QTime(0, 0), Qt::UTC);
    }
    return u;
}

using SeriesMap = std::map<std::pair<qint64, QString>, qint64>; // (bucket secs, meter) -> sum

SeriesMap toMap(const QList<UsagePoint> &points)
{
    SeriesMap m;
    for (const UsagePoint &p : points)
        m[{p.bucketStart.toSecsSinceEpoch(), p.meter}] += p.quantity;
    return m;
}

} // namespace

Q_DECLARE_METATYPE(Billing::UsageEvent)

class tst_BillingDatabase final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }

    void migrationsAreIdempotent_data() { backendRows(); }
    void migrationsAreIdempotent();
    void concurrentOpenMigratesOnce_data() { backendRows(); }
    void concurrentOpenMigratesOnce();
    void settingsVersioned_data() { backendRows(); }
    void settingsVersioned();
    void staffCrud_data() { backendRows(); }
    void staffCrud();
    void staffEditConflictAcrossConnections_data() { backendRows(); }
    void staffEditConflictAcrossConnections();
    void dunningStateVersioned_data() { backendRows(); }
    void dunningStateVersioned();
    void auditAppendAndQuery_data() { backendRows(); }
    void auditAppendAndQuery();
    void auditRefusesRawChanges_data();
    void auditRefusesRawChanges();
    void usageDedupAndRollupsAtMonthBoundary_data() { backendRows(); }
    void usageDedupAndRollupsAtMonthBoundary();
    void usageRollupsMatchRawSums_data() { backendRows(); }
    void usageRollupsMatchRawSums();
    void badUsageRowRejectsWholeBatch_data();
    void badUsageRowRejectsWholeBatch();
    void csvImportGood_data() { backendRows(); }
    void csvImportGood();
    void csvImportBadRowWritesNothing_data();
    void csvImportBadRowWritesNothing();
    void unreachableDatabaseGivesClearError_data();
    void unreachableDatabaseGivesClearError();

private:
    void backendRows()
    {
        BillingDbFixture::addBackendColumn();
        for (const QString &b : BillingDbFixture::backends())
            QTest::newRow(qPrintable(b)) << b;
    }

    BillingDbFixture m_fixture;
};

void tst_BillingDatabase::migrationsAreIdempotent()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    {
        BillingDatabase db;
        const auto first = db.open(settings);
        BC_VERIFY_OK(first);
        QCOMPARE(first->migrationsApplied, BillingDatabase::SchemaVersion);
        QCOMPARE(first->schemaVersion, BillingDatabase::SchemaVersion);
        BC_VERIFY_OK(db.setSetting(QStringLiteral("workspace.name"), QStringLiteral("Demo"), 0,
                                   QStringLiteral("test")));
    }
    for (int i = 0; i < 2; ++i) {
        BillingDatabase db;
        const auto again = db.open(settings);
        BC_VERIFY_OK(again);
        QCOMPARE(again->migrationsApplied, 0);
        QCOMPARE(again->schemaVersion, BillingDatabase::SchemaVersion);
        // v3: audit rows are found by idempotency key through an index.
        QSqlQuery index(db.database());
        QVERIFY(index.exec(db.dialect().isPostgres()
                               ? QStringLiteral("SELECT indexname FROM pg_indexes WHERE indexname = 'audit_log_idempotency'")
                               : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'index' AND name = "
                                                "'audit_log_idempotency'")));
        QVERIFY(index.next());
        QCOMPARE(countRows(db.database(), QStringLiteral("schema_migrations")),
                 qint64(BillingDatabase::SchemaVersion));
        const auto kept = db.setting(QStringLiteral("workspace.name"));
        BC_VERIFY_OK(kept);
        QCOMPARE(kept->value, QStringLiteral("Demo"));
        for (const char *table : {"workspace_settings", "staff", "audit_log", "usage_events",
                                  "usage_rollups", "dunning_state"})
            QVERIFY2(countRows(db.database(), QString::fromLatin1(table)) >= 0, table);
    }
}

void tst_BillingDatabase::concurrentOpenMigratesOnce()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    constexpr int Consoles = 3;
    std::latch start(Consoles);
    QList<QString> errors(Consoles);
    QList<int> applied(Consoles, -1);
    QList<QThread *> threads;
    for (int i = 0; i < Consoles; ++i) {
        threads << QThread::create([&, i] {
            BillingDatabase db;
            start.arrive_and_wait();
            const auto r = db.open(settings);
            if (r.ok())
                applied[i] = r->migrationsApplied;
            else
                errors[i] = r.error().detail;
        });
        threads.last()->start();
    }
    for (QThread *t : std::as_const(threads)) {
        QVERIFY(t->wait(60000));
        delete t;
    }
    int total = 0;
    for (int i = 0; i < Consoles; ++i) {
        QVERIFY2(errors[i].isEmpty(), qPrintable(errors[i]));
        total += applied[i];
    }
    // Exactly one console created the schema; the others found it current.
    QCOMPARE(total, BillingDatabase::SchemaVersion);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    QCOMPARE(countRows(db.database(), QStringLiteral("schema_migrations")),
             qint64(BillingDatabase::SchemaVersion));
}

void tst_BillingDatabase::settingsVersioned()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QString key = QStringLiteral("stripe.account");

    const auto missing = db.setting(key);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().kind, Error::Kind::NotFound);

    const auto v1 =
        db.setSetting(key, QStringLiteral("acct_1"), 0, QStringLiteral("ann@example.com"));
    BC_VERIFY_OK(v1);
    QCOMPARE(*v1, 1);
    const auto v2 =
        db.setSetting(key, QStringLiteral("acct_2"), 1, QStringLiteral("ann@example.com"));
    BC_VERIFY_OK(v2);
    QCOMPARE(*v2, 2);

    const auto stale =
        db.setSetting(key, QStringLiteral("acct_stale"), 1, QStringLiteral("bob@example.com"));
    QVERIFY(!stale.ok());
    QCOMPARE(stale.error().kind, Error::Kind::Conflict);
    const auto again =
        db.setSetting(key, QStringLiteral("acct_new"), 0, QStringLiteral("bob@example.com"));
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::Conflict);

    const auto now = db.setting(key);
    BC_VERIFY_OK(now);
    QCOMPARE(now->value, QStringLiteral("acct_2"));
    QCOMPARE(now->version, 2);
    const auto all = db.settingsList();
    BC_VERIFY_OK(all);
    QCOMPARE(all->size(), 1);

    AuditQuery q;
    q.targetType = QStringLiteral("workspace_setting");
    const auto log = db.audit(q);
    BC_VERIFY_OK(log);
    QCOMPARE(log->size(), 2); // the refused writes left no trace
    QCOMPARE(log->first().beforeSummary, QStringLiteral("acct_1"));
    QCOMPARE(log->first().afterSummary, QStringLiteral("acct_2"));
}

void tst_BillingDatabase::staffCrud()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QString admin = QStringLiteral("root@example.com");

    StaffMember zoe{0,
                    QStringLiteral("Zoe Finance"),
                    QStringLiteral("Zoe@Example.com"),
                    StaffRole::Finance,
                    true,
                    0,
                    {},
                    {}};
    StaffMember al{0,
                   QStringLiteral("Al Support"),
                   QStringLiteral("al@example.com"),
                   StaffRole::Support,
                   true,
                   0,
                   {},
                   {}};
    const auto z = db.addStaff(zoe, admin);
    BC_VERIFY_OK(z);
    QVERIFY(z->id > 0);
    QCOMPARE(z->version, 1);
    const auto a = db.addStaff(al, admin);
    BC_VERIFY_OK(a);
    QVERIFY(a->id != z->id);

    const auto dup = db.addStaff(StaffMember{0,
                                             QStringLiteral("Zed"),
                                             QStringLiteral("zoe@example.COM"),
                                             StaffRole::Admin,
                                             true,
                                             0,
                                             {},
                                             {}},
                                 admin);
    QVERIFY(!dup.ok());
    QCOMPARE(dup.error().kind, Error::Kind::Conflict);
    const auto bad = db.addStaff(StaffMember{0,
                                             QStringLiteral("No Mail"),
                                             QStringLiteral("not-an-email"),
                                             StaffRole::Admin,
                                             true,
                                             0,
                                             {},
                                             {}},
                                 admin);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().kind, Error::Kind::Validation);

    const auto list = db.staff();
    BC_VERIFY_OK(list);
    QCOMPARE(list->size(), 2);
    QCOMPARE(list->at(0).displayName, QStringLiteral("Al Support")); // sorted by name
    QCOMPARE(list->at(1).role, StaffRole::Finance);

    const auto byEmail = db.findStaffByEmail(QStringLiteral("zoe@example.com"));
    BC_VERIFY_OK(byEmail);
    QCOMPARE(byEmail->id, z->id);
    QCOMPARE(byEmail->updatedBy, admin);

    StaffMember edit = *byEmail;
    edit.role = StaffRole::ReadOnly;
    edit.active = false;
    const auto updated = db.updateStaff(edit, QStringLiteral("lead@example.com"));
    BC_VERIFY_OK(updated);
    QCOMPARE(updated->version, 2);
    const auto found = db.findStaff(z->id);
    BC_VERIFY_OK(found);
    QCOMPARE(found->role, StaffRole::ReadOnly);
    QCOMPARE(found->active, false);
    QCOMPARE(found->version, 2);
    QCOMPARE(found->updatedBy, QStringLiteral("lead@example.com"));

    const auto activeOnly = db.staff(false);
    BC_VERIFY_OK(activeOnly);
    QCOMPARE(activeOnly->size(), 1);
    QCOMPARE(activeOnly->first().email, QStringLiteral("al@example.com"));

    const auto none = db.findStaff(987654);
    QVERIFY(!none.ok());
    QCOMPARE(none.error().kind, Error::Kind::NotFound);

    AuditQuery q;
    q.targetType = QStringLiteral("staff");
    q.targetId = QString::number(z->id);
    const auto log = db.audit(q);
    BC_VERIFY_OK(log);
    QCOMPARE(log->size(), 2);
    QCOMPARE(log->at(0).operation, QStringLiteral("staff.update"));
    QVERIFY(log->at(0).beforeSummary.contains(QStringLiteral("role=finance")));
    QVERIFY(log->at(0).afterSummary.contains(QStringLiteral("role=read_only")));
    QCOMPARE(log->at(1).operation, QStringLiteral("staff.add"));
}

void tst_BillingDatabase::staffEditConflictAcrossConnections()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase first;
    BillingDatabase second;
    BC_VERIFY_OK(first.open(settings));
    BC_VERIFY_OK(second.open(settings));

    const auto added = first.addStaff(StaffMember{0,
                                                  QStringLiteral("Sam Shared"),
                                                  QStringLiteral("sam@example.com"),
                                                  StaffRole::Support,
                                                  true,
                                                  0,
                                                  {},
                                                  {}},
                                      QStringLiteral("root@example.com"));
    BC_VERIFY_OK(added);

    // Both consoles read version 1.
    auto mine = first.findStaff(added->id);
    auto theirs = second.findStaff(added->id);
    BC_VERIFY_OK(mine);
    BC_VERIFY_OK(theirs);
    QCOMPARE(theirs->version, 1);

    mine->role = StaffRole::Finance;
    BC_VERIFY_OK(first.updateStaff(*mine, QStringLiteral("ann@example.com")));

    theirs->displayName = QStringLiteral("Sam Overwritten");
    const auto clash = second.updateStaff(*theirs, QStringLiteral("bob@example.com"));
    QVERIFY(!clash.ok());
    QCOMPARE(clash.error().kind, Error::Kind::Conflict);
    QVERIFY2(clash.error().userMessage.contains(QStringLiteral("ann@example.com")),
             qPrintable(clash.error().userMessage));

    const auto now = second.findStaff(added->id);
    BC_VERIFY_OK(now);
    QCOMPARE(now->displayName, QStringLiteral("Sam Shared"));
    QCOMPARE(now->role, StaffRole::Finance);
    QCOMPARE(now->version, 2);

    // After reloading, the second console's edit goes through.
    StaffMember reloaded = *now;
    reloaded.displayName = QStringLiteral("Sam Renamed");
    const auto retried = second.updateStaff(reloaded, QStringLiteral("bob@example.com"));
    BC_VERIFY_OK(retried);
    QCOMPARE(retried->version, 3);
    QCOMPARE(first.findStaff(added->id)->role, StaffRole::Finance);
}

void tst_BillingDatabase::dunningStateVersioned()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QString inv = QStringLiteral("in_1Dunning");
    QCOMPARE(db.dunningState(inv).error().kind, Error::Kind::NotFound);

    const auto created = db.setDunningState(DunningState{inv,
                                                         QStringLiteral("reminded"),
                                                         QStringLiteral("al@example.com"),
                                                         QStringLiteral("called twice"),
                                                         0,
                                                         {},
                                                         {}},
                                            QStringLiteral("al@example.com"));
    BC_VERIFY_OK(created);
    QCOMPARE(created->version, 1);
    DunningState stale = *created;
    DunningState next = *created;
    next.stage = QStringLiteral("escalated");
    BC_VERIFY_OK(db.setDunningState(next, QStringLiteral("al@example.com")));
    stale.stage = QStringLiteral("closed");
    const auto clash = db.setDunningState(stale, QStringLiteral("bob@example.com"));
    QVERIFY(!clash.ok());
    QCOMPARE(clash.error().kind, Error::Kind::Conflict);
    const auto now = db.dunningState(inv);
    BC_VERIFY_OK(now);
    QCOMPARE(now->stage, QStringLiteral("escalated"));
    QCOMPARE(now->note, QStringLiteral("called twice"));
    QCOMPARE(now->version, 2);
}

void tst_BillingDatabase::auditAppendAndQuery()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));

    AuditEntry refund;
    refund.at = utc(2025, 3, 1, 12, 30, 5);
    refund.actor = QStringLiteral("zoe@example.com");
    refund.operation = QStringLiteral("refund.create");
    refund.targetType = QStringLiteral("charge");
    refund.targetId = QStringLiteral("ch_123");
    refund.paramsJson = QStringLiteral(
        "{\"amount\":1250,\"currency\":\"usd\",\"reason\":\"requested_by_customer\"}");
    refund.beforeSummary = QStringLiteral("captured 50.00 USD");
    refund.afterSummary = QStringLiteral("refunded 12.50 USD");
    refund.idempotencyKey = QStringLiteral("bc-refund-7f3a");
    refund.result = QStringLiteral("ok");
    const auto id1 = db.appendAudit(refund);
    BC_VERIFY_OK(id1);

    AuditEntry other = refund;
    other.at = utc(2025, 3, 2);
    other.actor = QStringLiteral("al@example.com");
    other.targetId = QStringLiteral("ch_456");
    other.idempotencyKey.clear();
    const auto id2 = db.appendAudit(other);
    BC_VERIFY_OK(id2);
    QVERIFY(*id2 > *id1);

    AuditQuery byTarget;
    byTarget.targetType = QStringLiteral("charge");
    byTarget.targetId = QStringLiteral("ch_123");
    const auto rows = db.audit(byTarget);
    BC_VERIFY_OK(rows);
    QCOMPARE(rows->size(), 1);
    const AuditEntry &got = rows->first();
    QCOMPARE(got.id, *id1);
    QCOMPARE(got.at, refund.at);
    QCOMPARE(got.actor, refund.actor);
    QCOMPARE(got.operation, refund.operation);
    QCOMPARE(got.beforeSummary, refund.beforeSummary);
    QCOMPARE(got.afterSummary, refund.afterSummary);
    QCOMPARE(got.idempotencyKey, refund.idempotencyKey);
    QCOMPARE(got.result, refund.result);
    QVERIFY2(got.paramsJson.contains(QStringLiteral("\"amount\"")) &&
                 got.paramsJson.contains(QStringLiteral("1250")),
             qPrintable(got.paramsJson));

    AuditQuery all;
    all.limit = 1;
    const auto page1 = db.audit(all);
    BC_VERIFY_OK(page1);
    QCOMPARE(page1->size(), 1);
    QCOMPARE(page1->first().id, *id2); // newest first
    all.beforeId = page1->first().id;
    const auto page2 = db.audit(all);
    BC_VERIFY_OK(page2);
    QCOMPARE(page2->first().id, *id1);

    AuditQuery window;
    window.from = utc(2025, 3, 2);
    const auto late = db.audit(window);
    BC_VERIFY_OK(late);
    QCOMPARE(late->size(), 1);
    QCOMPARE(late->first().actor, QStringLiteral("al@example.com"));
}

void tst_BillingDatabase::auditRefusesRawChanges_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("statement");
    const QStringList statements = {QStringLiteral("UPDATE audit_log SET result = 'tampered'"),
                                    QStringLiteral("DELETE FROM audit_log")};
    for (const QString &b : BillingDbFixture::backends()) {
        QTest::addRow("%s/update", qPrintable(b)) << b << statements[0];
        QTest::addRow("%s/delete", qPrintable(b)) << b << statements[1];
    }
    QTest::addRow("postgres/truncate")
        << QStringLiteral("postgres") << QStringLiteral("TRUNCATE audit_log");
}

void tst_BillingDatabase::auditRefusesRawChanges()
{
    QFETCH(QString, backend);
    QFETCH(QString, statement);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    AuditEntry e;
    e.actor = QStringLiteral("zoe@example.com");
    e.operation = QStringLiteral("invoice.void");
    e.targetType = QStringLiteral("invoice");
    e.targetId = QStringLiteral("in_1");
    e.result = QStringLiteral("ok");
    BC_VERIFY_OK(db.appendAudit(e));

    QSqlQuery raw(db.database());
    QVERIFY2(!raw.exec(statement), "the audit log accepted a change");
    QVERIFY2(raw.lastError().text().contains(QStringLiteral("append-only")),
             qPrintable(raw.lastError().text()));

    const auto rows = db.audit({});
    BC_VERIFY_OK(rows);
    QCOMPARE(rows->size(), 1);
    QCOMPARE(rows->first().result, QStringLiteral("ok"));
}

void tst_BillingDatabase::usageDedupAndRollupsAtMonthBoundary()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));

    const QString cus = QStringLiteral("cus_A");
    const QList<UsageEvent> batch = {
        ev(QStringLiteral("e1"), cus, QStringLiteral("api_calls"), 5, utc(2024, 1, 31, 23, 30)),
        ev(QStringLiteral("e2"), cus, QStringLiteral("api_calls"), 7, utc(2024, 1, 31, 23, 59, 59)),
        ev(QStringLiteral("e3"), cus, QStringLiteral("api_calls"), 11, utc(2024, 2, 1, 0, 0, 0)),
        ev(QStringLiteral("e2"), cus, QStringLiteral("api_calls"), 7,
           utc(2024, 1, 31, 23, 59, 59)), // repeated in batch
        ev(QStringLiteral("e4"), QStringLiteral("cus_B"), QStringLiteral("storage_gb"), 3,
           utc(2024, 2, 29, 22, 15)),
    };
    const auto n = db.recordUsageEvents(batch);
    BC_VERIFY_OK(n);
    QCOMPARE(*n, 4);
    // The same batch again (a retry after a crash) adds nothing.
    const auto again = db.recordUsageEvents(batch);
    BC_VERIFY_OK(again);
    QCOMPARE(*again, 0);
    QCOMPARE(*db.usageEventCount(), 4);

    const auto series = [&](UsageGranularity g, const QString &customer = {}) {
        UsageSeriesQuery q;
        q.granularity = g;
        q.customerId = customer;
        q.from = utc(2024, 1, 1);
        q.to = utc(2024, 3, 1);
        return db.usageSeries(q);
    };
    const auto hours = series(UsageGranularity::Hour, cus);
    BC_VERIFY_OK(hours);
    QCOMPARE(hours->size(), 2);
    QCOMPARE(hours->at(0).bucketStart, utc(2024, 1, 31, 23));
    QCOMPARE(hours->at(0).quantity, 12);
    QCOMPARE(hours->at(1).bucketStart, utc(2024, 2, 1, 0));
    QCOMPARE(hours->at(1).quantity, 11);

    const auto days = series(UsageGranularity::Day);
    BC_VERIFY_OK(days);
    QCOMPARE(days->size(), 3);
    QCOMPARE(days->at(0).bucketStart, utc(2024, 1, 31));
    QCOMPARE(days->at(0).quantity, 12);
    QCOMPARE(days->at(1).quantity, 11);
    QCOMPARE(days->at(2).bucketStart, utc(2024, 2, 29)); // leap day
    QCOMPARE(days->at(2).meter, QStringLiteral("storage_gb"));
    QCOMPARE(days->at(2).quantity, 3);

    const auto months = series(UsageGranularity::Month);
    BC_VERIFY_OK(months);
    QCOMPARE(months->size(), 3);
    QCOMPARE(months->at(0).bucketStart, utc(2024, 1, 1));
    QCOMPARE(months->at(0).quantity, 12);
    QCOMPARE(months->at(1).bucketStart, utc(2024, 2, 1));
    QCOMPARE(months->at(1).meter, QStringLiteral("api_calls"));
    QCOMPARE(months->at(1).quantity, 11);
    QCOMPARE(months->at(2).meter, QStringLiteral("storage_gb"));

    // `to` is exclusive: February is cut off.
    UsageSeriesQuery jan;
    jan.granularity = UsageGranularity::Month;
    jan.from = utc(2024, 1, 1);
    jan.to = utc(2024, 2, 1);
    const auto onlyJan = db.usageSeries(jan);
    BC_VERIFY_OK(onlyJan);
    QCOMPARE(onlyJan->size(), 1);

    const auto meters = db.usageMeters();
    BC_VERIFY_OK(meters);
    QCOMPARE(*meters, (QStringList{QStringLiteral("api_calls"), QStringLiteral("storage_gb")}));
}

void tst_BillingDatabase::usageRollupsMatchRawSums()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));

    QRandomGenerator rng(20240229);
    const QStringList customers = {QStringLiteral("cus_1"), QStringLiteral("cus_2"),
                                   QStringLiteral("cus_3")};
    const QStringList meters = {QStringLiteral("api_calls"), QStringLiteral("emails")};
    const QDateTime start = utc(2024, 11, 20);
    QList<UsageEvent> events;
    for (int i = 0; i < 600; ++i) {
        const QDateTime at =
            start.addSecs(rng.bounded(86400 * 75)); // crosses two month ends and a year end
        events << ev(QStringLiteral("gen_%1").arg(i), customers[rng.bounded(3)],
                     meters[rng.bounded(2)], rng.bounded(1000), at);
    }
    // Recorded in several batches, with overlap, as a sync would.
    BC_VERIFY_OK(db.recordUsageEvents(events.mid(0, 250)));
    BC_VERIFY_OK(db.recordUsageEvents(events.mid(200, 250)));
    const auto last = db.recordUsageEvents(events.mid(400));
    BC_VERIFY_OK(last);
    QCOMPARE(*last, 150);

    for (UsageGranularity g :
         {UsageGranularity::Hour, UsageGranularity::Day, UsageGranularity::Month}) {
        for (const QString &customer : {QString(), customers[1]}) {
            SeriesMap expected;
            for (const UsageEvent &e : std::as_const(events)) {
                if (customer.isEmpty() || e.customerId == customer)
                    expected[{expectedBucket(e.occurredAt, g).toSecsSinceEpoch(), e.meter}] +=
                        e.quantity;
            }
            UsageSeriesQuery q;
            q.granularity = g;
            q.customerId = customer;
            q.from = utc(2024, 1, 1);
            q.to = utc(2026, 1, 1);
            const auto got = db.usageSeries(q);
            BC_VERIFY_OK(got);
            QCOMPARE(got->size(), qsizetype(expected.size()));
            QVERIFY(toMap(*got) == expected);
        }
    }
}

void tst_BillingDatabase::badUsageRowRejectsWholeBatch_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<UsageEvent>("bad");
    QTest::addColumn<QString>("mentions");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QList<std::tuple<const char *, UsageEvent, QString>> cases = {
        {"negative quantity",
         ev(QStringLiteral("bad_neg"), QStringLiteral("cus_1"), QStringLiteral("api"), -1, now),
         QStringLiteral("negative")},
        {"two days ahead",
         ev(QStringLiteral("bad_future"), QStringLiteral("cus_1"), QStringLiteral("api"), 1,
            now.addDays(2)),
         QStringLiteral("future")},
        {"empty id", ev(QString(), QStringLiteral("cus_1"), QStringLiteral("api"), 1, now),
         QStringLiteral("id")},
        {"no customer", ev(QStringLiteral("bad_cus"), QString(), QStringLiteral("api"), 1, now),
         QStringLiteral("customer")},
        {"no time",
         ev(QStringLiteral("bad_time"), QStringLiteral("cus_1"), QStringLiteral("api"), 1,
            QDateTime()),
         QStringLiteral("time")},
    };
    for (const QString &b : BillingDbFixture::backends()) {
        for (const auto &[name, event, mentions] : cases)
            QTest::addRow("%s/%s", qPrintable(b), name) << b << event << mentions;
    }
}

void tst_BillingDatabase::badUsageRowRejectsWholeBatch()
{
    QFETCH(QString, backend);
    QFETCH(UsageEvent, bad);
    QFETCH(QString, mentions);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QList<UsageEvent> good = {
        ev(QStringLiteral("ok_1"), QStringLiteral("cus_1"), QStringLiteral("api"), 4,
           now.addDays(-1)),
        ev(QStringLiteral("ok_2"), QStringLiteral("cus_1"), QStringLiteral("api"), 6,
           now.addSecs(23 * 3600)), // within a day ahead
    };
    const auto r = db.recordUsageEvents(good + QList<UsageEvent>{bad});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Validation);
    QVERIFY2(r.error().userMessage.contains(QStringLiteral("Usage event 3")),
             qPrintable(r.error().userMessage));
    QVERIFY2(r.error().userMessage.contains(mentions), qPrintable(r.error().userMessage));
    QCOMPARE(*db.usageEventCount(), 0);
    QCOMPARE(countRows(db.database(), QStringLiteral("usage_rollups")), 0);

    const auto fixed = db.recordUsageEvents(good);
    BC_VERIFY_OK(fixed);
    QCOMPARE(*fixed, 2);
}

void tst_BillingDatabase::csvImportGood()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QString path = m_fixture.tempPath(QStringLiteral("good-%1.csv").arg(backend));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\xEF\xBB\xBFid,customer_id,meter,quantity,occurred_at\r\n"
            "u1,cus_1,api_calls,10,2024-05-01T10:15:00Z\r\n"
            "\"u2\",cus_1,\"api_calls\",15,2024-05-01T12:15:00+02:00\r\n"
            "\r\n"
            "u3,cus_2,\"emails, bulk\",7,1714559400\r\n"
            "u1,cus_1,api_calls,10,2024-05-01T10:15:00Z\r\n"
            "u4,cus_2,api_calls,0,2024-05-02T00:00:00Z\r\n");
    f.close();

    const auto report = db.importUsageCsv(path);
    BC_VERIFY_OK(report);
    QCOMPARE(report->rows, 5);
    QCOMPARE(report->inserted, 4);
    QCOMPARE(report->duplicates, 1);

    UsageSeriesQuery q;
    q.granularity = UsageGranularity::Hour;
    q.customerId = QStringLiteral("cus_1");
    q.from = utc(2024, 5, 1);
    q.to = utc(2024, 5, 2);
    const auto hours = db.usageSeries(q);
    BC_VERIFY_OK(hours);
    QCOMPARE(hours->size(), 1); // 12:15+02:00 is 10:15Z
    QCOMPARE(hours->first().bucketStart, utc(2024, 5, 1, 10));
    QCOMPARE(hours->first().quantity, 25);
    const auto meters = db.usageMeters();
    BC_VERIFY_OK(meters);
    QVERIFY2(meters->contains(QStringLiteral("emails, bulk")),
             qPrintable(meters->join(QLatin1Char('|'))));

    const auto again = db.importUsageCsv(path);
    BC_VERIFY_OK(again);
    QCOMPARE(again->inserted, 0);
    QCOMPARE(again->duplicates, 5);
}

void tst_BillingDatabase::csvImportBadRowWritesNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("mentions");
    const QByteArray header = "id,customer_id,meter,quantity,occurred_at\n";
    const QByteArray good = "g1,cus_1,api,1,2024-05-01T10:00:00Z\n";
    const QList<std::tuple<const char *, QByteArray, QString>> cases = {
        {"quantity not a number", header + good + "g2,cus_1,api,12abc,2024-05-01T10:00:00Z\n",
         QStringLiteral("Line 3")},
        {"negative quantity", header + good + good + "g3,cus_1,api,-5,2024-05-01T10:00:00Z\n",
         QStringLiteral("Line 4")},
        {"fraction", header + "g2,cus_1,api,1.5,2024-05-01T10:00:00Z\n", QStringLiteral("Line 2")},
        {"missing field", header + good + "g2,cus_1,api,1\n", QStringLiteral("Line 3")},
        {"time without zone", header + good + "g2,cus_1,api,1,2024-05-01T10:00:00\n",
         QStringLiteral("Line 3")},
        {"bad time", header + good + "g2,cus_1,api,1,yesterday\n", QStringLiteral("Line 3")},
        {"missing column",
         QByteArray("id,customer_id,meter,occurred_at\n") + "g1,cus_1,api,2024-05-01T10:00:00Z\n",
         QStringLiteral("quantity")},
        {"unclosed quote", header + good + "\"g2,cus_1,api,1,2024-05-01T10:00:00Z\n",
         QStringLiteral("Line 3")},
    };
    for (const QString &b : BillingDbFixture::backends()) {
        for (const auto &[name, csv, mentions] : cases)
            QTest::addRow("%s/%s", qPrintable(b), name) << b << csv << mentions;
    }
}

void tst_BillingDatabase::csvImportBadRowWritesNothing()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, csv);
    QFETCH(QString, mentions);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    BillingDatabase db;
    BC_VERIFY_OK(db.open(settings));
    const QString path = m_fixture.tempPath(QStringLiteral("bad.csv"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(csv);
    f.close();
    const auto r = db.importUsageCsv(path);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Validation);
    QVERIFY2(r.error().userMessage.contains(mentions), qPrintable(r.error().userMessage));
    QCOMPARE(*db.usageEventCount(), 0);
}

void tst_BillingDatabase::unreachableDatabaseGivesClearError_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("where");
    QTest::addRow("postgres wrong port")
        << QStringLiteral("postgres") << QStringLiteral("127.0.0.1:1");
    QTest::addRow("postgres missing database")
        << QStringLiteral("postgres") << QStringLiteral("no_such_db");
    QTest::addRow("sqlite not a database") << QStringLiteral("sqlite") << QStringLiteral("garbage");
    QTest::addRow("sqlite unwritable place")
        << QStringLiteral("sqlite") << QStringLiteral("/proc/billing/billing.db");
}

void tst_BillingDatabase::unreachableDatabaseGivesClearError()
{
    QFETCH(QString, backend);
    QFETCH(QString, where);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    settings.connectTimeoutSeconds = 3;
    if (where == QLatin1String("127.0.0.1:1")) {
        settings.port = 1;
    } else if (where == QLatin1String("no_such_db")) {
        settings.database = where;
    } else if (where == QLatin1String("garbage")) {
        QFile f(settings.sqlitePath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'x'));
        f.close();
    } else {
        settings.sqlitePath = where;
    }
    BillingDatabase db;
    QElapsedTimer timer;
    timer.start();
    const auto r = db.open(settings);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, Error::Kind::Database);
    QVERIFY(!r.error().userMessage.isEmpty());
    qInfo("%s -> %s (%lld ms)", qPrintable(where), qPrintable(r.error().userMessage),
          timer.elapsed());
    if (backend == QLatin1String("postgres") && where.contains(QLatin1Char(':')))
        QVERIFY2(r.error().userMessage.contains(QStringLiteral("127.0.0.1:1")),
                 qPrintable(r.error().userMessage));
    QVERIFY(timer.elapsed() < 10000);
    QVERIFY(!db.isOpen());
    // Every call afterwards fails plainly instead of crashing.
    const auto s = db.staff();
    QVERIFY(!s.ok());
    QCOMPARE(s.error().kind, Error::Kind::Database);
}

QTEST_GUILESS_MAIN(tst_BillingDatabase)
#include "tst_billingdatabase.moc"
