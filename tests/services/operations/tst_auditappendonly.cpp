#include "services/access/staffdirectory.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/stripe/stripeclient.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Billing;
using namespace Billing::Test;

// The audit rows OperationRunner writes cannot be changed or removed through the application:
// there is no API for it (BillingDatabase has appendAudit and audit only, OperationRunner only
// appends), and a raw UPDATE/DELETE on the billing database's own connection is refused by the
// database. On SQLite and PostgreSQL.
class tst_AuditAppendOnly : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanupTestCase() { m_fixture.dropSchemas(); }
    void runnerAuditRowsCannotBeChanged_data();
    void runnerAuditRowsCannotBeChanged();

private:
    BillingDbFixture m_fixture;
    int m_counter = 0;
};

void tst_AuditAppendOnly::runnerAuditRowsCannotBeChanged_data()
{
    BillingDbFixture::addBackendColumn();
    QTest::addColumn<QString>("statement");
    for (const QString &backend : BillingDbFixture::backends()) {
        QTest::addRow("%s update", qPrintable(backend)) << backend << "UPDATE audit_log SET result = 'ok' WHERE result LIKE 'refused%'";
        QTest::addRow("%s delete", qPrintable(backend)) << backend << "DELETE FROM audit_log WHERE result LIKE 'refused%'";
    }
}

void tst_AuditAppendOnly::runnerAuditRowsCannotBeChanged()
{
    QFETCH(QString, backend);
    QFETCH(QString, statement);
    BC_FRESH_SETTINGS(m_fixture, backend, settings);
    ++m_counter;

    // Nothing is sent in this test: the Stripe client points at a closed port.
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    StripeConfig config;
    config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    config.apiKey = QStringLiteral("sk_test_unused");
    StripeClient client(config);
    OutboxService outbox(m_fixture.tempPath(QStringLiteral("outbox-%1.sqlite").arg(m_counter)), &client);
    BC_VERIFY_OK(outbox.openBlocking());
    AsyncBillingDatabase billing(settings);
    BC_VERIFY_OK(billing.openBlocking());
    BC_VERIFY_OK(billing.thread().runBlocking([](BillingDatabase &db) { return StaffDirectory::seedDemoOn(db); }));
    auto reader = billing.thread().runBlocking(
        [](BillingDatabase &db) { return db.findStaffByEmail(QStringLiteral("readonly@demo.example")); });
    BC_VERIFY_OK(reader);

    OperationRunner runner(&outbox, &billing, nullptr, AccessPolicy(), Actor::fromStaff(*reader));
    OperationRequest r;
    r.permission = Permission::CancelSubscription;
    r.outbox = {QStringLiteral("subscription.cancel"), QStringLiteral("DELETE"), QStringLiteral("/v1/subscriptions/sub_1"),
                QJsonObject{}, QString(), QString()};
    r.targetType = QStringLiteral("subscription");
    r.targetId = QStringLiteral("sub_1");
    std::optional<Result<OutboxEntry>> queued;
    runner.submit(r, &runner, [&](Result<OutboxEntry> e) { queued = std::move(e); });
    QTRY_VERIFY(queued.has_value());
    QVERIFY(!queued->ok());
    QCOMPARE(queued->error().kind, Error::Kind::Unauthorized);

    const auto readRows = [&billing] {
        AuditQuery q;
        q.targetId = QStringLiteral("sub_1");
        return billing.thread().runBlocking([q](BillingDatabase &db) { return db.audit(q); });
    };
    auto before = readRows();
    BC_VERIFY_OK(before);
    QCOMPARE(before->size(), 1);
    QVERIFY(before->first().result.startsWith(QLatin1String("refused: ")));

    // The application's own connection (the worker's), raw SQL: refused by the database.
    const QString sqlError = billing.thread().runBlocking([statement](BillingDatabase &db) {
        QSqlQuery q(db.database());
        if (q.exec(statement))
            return QString();
        return q.lastError().text().isEmpty() ? QStringLiteral("refused") : q.lastError().text();
    });
    QVERIFY2(!sqlError.isEmpty(), "the database accepted a change to the audit log");

    auto after = readRows();
    BC_VERIFY_OK(after);
    QCOMPARE(after->size(), 1);
    QCOMPARE(after->first().id, before->first().id);
    QCOMPARE(after->first().result, before->first().result);
    QCOMPARE(after->first().actor, QStringLiteral("readonly@demo.example"));
}

QTEST_GUILESS_MAIN(tst_AuditAppendOnly)
#include "tst_auditappendonly.moc"
