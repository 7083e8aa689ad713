// The recovery of one failed invoice against the sandbox, through the real stack: history, retry
// on the declining card (402 card_error, attempt counted), support may not write off, contact,
// owner and escalation recorded and audited, the customer attaches a new card, retry pays, the
// invoice leaves the dunning queue and the recovery is counted once.

#include "dunningstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_RecoveryFlow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<DunningStack> m_stack;
    FailedInvoice m_failed;

    QList<AuditEntry> audit(const QString &invoiceId)
    {
        AuditQuery q;
        q.targetId = invoiceId;
        Result<QList<AuditEntry>> r = m_stack->db([q](BillingDatabase &db) { return db.audit(q); });
        return r ? r.value() : QList<AuditEntry>{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(!sandboxUrl().isEmpty());
        const std::optional<FailedInvoice> f = makeFailedInvoice(QStringLiteral("Rita Recovery"), QStringLiteral("insufficient_funds"));
        QVERIFY2(f, "the sandbox made a failed invoice");
        m_failed = *f;
        m_stack = std::make_unique<DunningStack>(m_dir.path(), dunningFinance());
        QVERIFY2(m_stack->error.isEmpty(), qPrintable(m_stack->error));
        QVERIFY(m_stack->sync().ok());
    }
    void cleanupTestCase() { m_stack.reset(); }

    void failedInvoiceIsInTheQueueWithItsHistory()
    {
        const std::optional<InvoiceRow> row = m_stack->failedRow(m_failed.invoiceId);
        QVERIFY(row);
        QCOMPARE(row->declineCode, QStringLiteral("insufficient_funds"));
        QCOMPARE(row->invoice.attemptCount, 1);
        Result<RecoveryHistory> h = m_stack->wait<RecoveryHistory>(
            [&](QObject *ctx, auto done) { m_stack->recovery->loadHistory(m_failed.invoiceId, ctx, done); });
        QVERIFY(h.ok());
        QCOMPARE(h->attempts.size(), 1);
        QCOMPARE(h->attempts.first().declineCode, QStringLiteral("insufficient_funds"));
        QCOMPARE(h->attempts.first().amountMinor, m_failed.amountDue);
        QVERIFY(!h->state.has_value());
    }

    void retryOnTheDecliningCardFailsWithTheDecline()
    {
        const InvoiceRow row = m_stack->failedRow(m_failed.invoiceId).value();
        QSignalSpy finished(m_stack->recovery.get(), &RecoveryService::retryFinished);
        Result<OutboxEntry> queued = m_stack->wait<OutboxEntry>([&](QObject *ctx, auto done) {
            m_stack->recovery->retryNow(row.invoice, row.declineCode, RecoveryService::newSessionId(), ctx, done);
        });
        QVERIFY2(queued.ok(), qPrintable(queued ? QString() : queued.error().detail));
        const std::optional<OutboxEntry> e = m_stack->settled(queued->id);
        QVERIFY(e);
        QCOMPARE(e->state, OutboxState::Failed);
        QCOMPARE(e->errorHttpStatus, 402);
        QCOMPARE(e->errorKind, QStringLiteral("card_declined"));
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(1).toBool(), false);
        QVERIFY(finished.first().at(2).toString().contains(QLatin1String("insufficient"), Qt::CaseInsensitive));
        // Stripe counted the attempt; still open.
        const QJsonObject inv = sandboxForm("GET", QStringLiteral("/v1/invoices/") + m_failed.invoiceId);
        QCOMPARE(inv.value(QLatin1String("attempt_count")).toInt(), 2);
        QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("open"));
    }

    void supportMayNotWriteOff()
    {
        QTemporaryDir dir;
        DunningStack support(dir.path(), dunningSupport(), m_dir.filePath(QStringLiteral("billing.sqlite")));
        QVERIFY(!support.recovery->may(Permission::WriteOff));
        QVERIFY(support.recovery->may(Permission::WorkDunning));
        Invoice i;
        i.id = m_failed.invoiceId;
        i.status = QStringLiteral("open");
        Result<OutboxEntry> r = support.wait<OutboxEntry>([&](QObject *ctx, auto done) {
            support.recovery->writeOff(i, RecoveryService::newSessionId(), ctx, done);
        });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        const QJsonObject inv = sandboxForm("GET", QStringLiteral("/v1/invoices/") + m_failed.invoiceId);
        QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("open"));
        bool refusedAudited = false;
        for (const AuditEntry &a : audit(m_failed.invoiceId))
            refusedAudited |= a.operation == QLatin1String("invoice.mark_uncollectible") && a.result.startsWith(QLatin1String("refused"));
        QVERIFY(refusedAudited);
    }

    void contactOwnerAndEscalationAreRecorded()
    {
        RecoveryService *svc = m_stack->recovery.get();
        const QString id = m_failed.invoiceId;
        QVERIFY(m_stack->wait<qint64>([&](QObject *ctx, auto done) { svc->recordContact(id, QStringLiteral("call"), QStringLiteral("Rita will add a new card today"), ctx, done); }).ok());
        QCOMPARE(m_stack->wait<qint64>([&](QObject *ctx, auto done) { svc->recordContact(id, QStringLiteral("note"), QStringLiteral("   "), ctx, done); }).error().kind,
                 Error::Kind::Validation);
        Result<DunningState> owner = m_stack->wait<DunningState>([&](QObject *ctx, auto done) { svc->assignOwner(id, QStringLiteral("fin@example.com"), ctx, done); });
        QVERIFY(owner.ok());
        QCOMPARE(owner->owner, QStringLiteral("fin@example.com"));
        QCOMPARE(m_stack->wait<DunningState>([&](QObject *ctx, auto done) { svc->assignOwner(id, QStringLiteral("not an email"), ctx, done); }).error().kind,
                 Error::Kind::Validation);
        Result<DunningState> esc = m_stack->wait<DunningState>([&](QObject *ctx, auto done) { svc->escalate(id, QStringLiteral("Large account"), ctx, done); });
        QVERIFY(esc.ok());
        QCOMPARE(esc->stage, QStringLiteral("escalated"));
        QCOMPARE(esc->owner, QStringLiteral("fin@example.com"));

        Result<RecoveryHistory> h = m_stack->wait<RecoveryHistory>([&](QObject *ctx, auto done) { svc->loadHistory(id, ctx, done); });
        QVERIFY(h.ok());
        QCOMPARE(h->contacts.size(), 2); // the declined retry, then the call (newest first)
        QCOMPARE(h->contacts.first().kind, QStringLiteral("call"));
        QCOMPARE(h->contacts.last().kind, QStringLiteral("retry"));
        QCOMPARE(h->contacts.first().actor, QStringLiteral("fin@example.com"));
        QVERIFY(h->state.has_value());
        QCOMPARE(h->state->stage, QStringLiteral("escalated"));
        QSet<QString> ops;
        for (const AuditEntry &a : audit(id))
            ops.insert(a.operation);
        QVERIFY2(ops.contains(QStringLiteral("dunning.call")), qPrintable(QStringList(ops.values()).join(QLatin1Char(','))));
        QVERIFY(ops.contains(QStringLiteral("invoice.pay")));
    }

    void newCardThenRetryPaysAndCountsTheRecovery()
    {
        QVERIFY(!attachWorkingCard(m_failed.customerId).isEmpty());
        const InvoiceRow row = m_stack->failedRow(m_failed.invoiceId).value();
        QSignalSpy recovered(m_stack->recovery.get(), &RecoveryService::recovered);
        Result<OutboxEntry> queued = m_stack->wait<OutboxEntry>([&](QObject *ctx, auto done) {
            m_stack->recovery->retryNow(row.invoice, row.declineCode, RecoveryService::newSessionId(), ctx, done);
        });
        QVERIFY(queued.ok());
        const std::optional<OutboxEntry> e = m_stack->settled(queued->id);
        QVERIFY(e);
        QCOMPARE(e->state, OutboxState::Succeeded);
        QCOMPARE(e->result.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
        QTRY_COMPARE(recovered.size(), 1);
        // The runner upserted the paid invoice: it left the queue.
        QTRY_VERIFY(!m_stack->failedRow(m_failed.invoiceId).has_value());
        Result<QList<DunningRecovery>> rec = m_stack->db([](BillingDatabase &db) { return DunningRepository(db).recoveries(); });
        QVERIFY(rec.ok());
        QCOMPARE(rec->size(), 1);
        QCOMPARE(rec->first().invoiceId, m_failed.invoiceId);
        QCOMPARE(rec->first().amountMinor, m_failed.amountDue);
        QCOMPARE(rec->first().currency, m_failed.currency);
        QCOMPARE(rec->first().declineCode, QStringLiteral("insufficient_funds"));
        QCOMPARE(rec->first().attempts, 3);
        QCOMPARE(rec->first().step, QStringLiteral("retry_now"));
        // Paying again is refused by Stripe and counts nothing twice.
        Invoice paid = row.invoice;
        Result<OutboxEntry> again = m_stack->wait<OutboxEntry>([&](QObject *ctx, auto done) {
            paid.status = QStringLiteral("paid");
            m_stack->recovery->retryNow(paid, {}, RecoveryService::newSessionId(), ctx, done);
        });
        QCOMPARE(again.error().kind, Error::Kind::Validation);
    }
};

QTEST_GUILESS_MAIN(tst_RecoveryFlow)
#include "tst_recoveryflow.moc"
