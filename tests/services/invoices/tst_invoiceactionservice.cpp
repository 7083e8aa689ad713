#include "services/invoices/invoiceactionservice.h"
#include "tests/services/invoices/invoicestack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// Invoice actions through the whole stack (InvoiceActionService -> OperationRunner -> outbox ->
// Stripe sandbox), checked against the sandbox's own records, the cache and the audit log.
class tst_InvoiceActionService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void stateRules_data();
    void stateRules();
    void offlinePaymentValidation_data();
    void offlinePaymentValidation();
    void permissions();
    void actionChangesSandboxCacheAndAudit_data();
    void actionChangesSandboxCacheAndAudit();
    void finalizeThenPayNowCharges();
    void offlinePaymentKeepsMethodAndReference();
    void wrongStateIsRefusedAndNothingIsSent();
    void supportCannotWriteOff();
    void doubleSubmitSendsOnce();

private:
    QTemporaryDir m_dir;
};

void tst_InvoiceActionService::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    invoiceSandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})");
}

void tst_InvoiceActionService::stateRules_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("collection");
    QTest::addColumn<qint64>("remaining");
    QTest::addColumn<QString>("action");
    QTest::addColumn<bool>("allowed");
    const QString ca = QStringLiteral("charge_automatically");
    const QString si = QStringLiteral("send_invoice");
    // Stripe: finalize drafts only.
    QTest::newRow("finalize draft") << "draft" << ca << qint64(900) << "finalize" << true;
    QTest::newRow("finalize open") << "open" << ca << qint64(900) << "finalize" << false;
    // send: send_invoice only; open or paid.
    QTest::newRow("send open send_invoice") << "open" << si << qint64(900) << "send" << true;
    QTest::newRow("send paid send_invoice") << "paid" << si << qint64(0) << "send" << true;
    QTest::newRow("send open charge_automatically") << "open" << ca << qint64(900) << "send" << false;
    QTest::newRow("send draft") << "draft" << si << qint64(900) << "send" << false;
    QTest::newRow("send void") << "void" << si << qint64(0) << "send" << false;
    // void: open or uncollectible.
    QTest::newRow("void open") << "open" << ca << qint64(900) << "void" << true;
    QTest::newRow("void uncollectible") << "uncollectible" << ca << qint64(900) << "void" << true;
    QTest::newRow("void paid") << "paid" << ca << qint64(0) << "void" << false;
    QTest::newRow("void draft") << "draft" << ca << qint64(900) << "void" << false;
    QTest::newRow("void void") << "void" << ca << qint64(0) << "void" << false;
    // mark uncollectible: open only.
    QTest::newRow("uncollectible open") << "open" << ca << qint64(900) << "mark_uncollectible" << true;
    QTest::newRow("uncollectible uncollectible") << "uncollectible" << ca << qint64(900) << "mark_uncollectible" << false;
    QTest::newRow("uncollectible paid") << "paid" << ca << qint64(0) << "mark_uncollectible" << false;
    // pay (and offline payments): open or uncollectible with something left to pay.
    QTest::newRow("pay open") << "open" << ca << qint64(900) << "pay" << true;
    QTest::newRow("pay uncollectible") << "uncollectible" << ca << qint64(900) << "pay" << true;
    QTest::newRow("pay open nothing left") << "open" << ca << qint64(0) << "pay" << false;
    QTest::newRow("pay paid") << "paid" << ca << qint64(0) << "pay" << false;
    QTest::newRow("pay void") << "void" << ca << qint64(0) << "pay" << false;
    QTest::newRow("pay draft") << "draft" << ca << qint64(900) << "pay" << false;
    QTest::newRow("offline open") << "open" << si << qint64(900) << "pay_out_of_band" << true;
    QTest::newRow("offline paid") << "paid" << si << qint64(0) << "pay_out_of_band" << false;
}

void tst_InvoiceActionService::stateRules()
{
    QFETCH(QString, status);
    QFETCH(QString, collection);
    QFETCH(qint64, remaining);
    QFETCH(QString, action);
    QFETCH(bool, allowed);
    InvoiceActionTarget t;
    t.invoiceId = QStringLiteral("in_test");
    t.status = status;
    t.collectionMethod = collection;
    t.amountRemaining = Money(remaining, *Currency::fromCode(QStringLiteral("usd")));
    const std::optional<InvoiceAction> a = invoiceActionFromName(action);
    QVERIFY(a);
    const Status st = InvoiceActionService::check(t, *a);
    QCOMPARE(st.ok(), allowed);
    if (!allowed) {
        QCOMPARE(st.error().kind, Error::Kind::Validation);
        QVERIFY(!st.error().userMessage.isEmpty());
    }
    QCOMPARE(InvoiceActionService::applicableActions(t).contains(*a), allowed);
}

void tst_InvoiceActionService::offlinePaymentValidation_data()
{
    QTest::addColumn<QString>("reference");
    QTest::addColumn<QDate>("date");
    QTest::addColumn<int>("noteLength");
    QTest::addColumn<bool>("valid");
    const QDate today(2026, 11, 20);
    QTest::newRow("complete") << "WIRE-2026-1142" << today.addDays(-2) << 10 << true;
    QTest::newRow("today") << "CHQ 000123" << today << 0 << true;
    QTest::newRow("no reference") << "  " << today << 0 << false;
    QTest::newRow("future date") << "WIRE-1" << today.addDays(1) << 0 << false;
    QTest::newRow("no date") << "WIRE-1" << QDate() << 0 << false;
    QTest::newRow("note too long") << "WIRE-1" << today << 501 << false;
    QTest::newRow("note at limit") << "WIRE-1" << today << 500 << true;
}

void tst_InvoiceActionService::offlinePaymentValidation()
{
    QFETCH(QString, reference);
    QFETCH(QDate, date);
    QFETCH(int, noteLength);
    QFETCH(bool, valid);
    OfflinePayment p;
    p.method = OfflinePaymentMethod::Cheque;
    p.reference = reference;
    p.receivedOn = date;
    p.note = QString(noteLength, QLatin1Char('n'));
    const Status st = InvoiceActionService::validateOfflinePayment(p, QDate(2026, 11, 20));
    QCOMPARE(st.ok(), valid);
    if (!valid)
        QCOMPARE(st.error().kind, Error::Kind::Validation);
}

void tst_InvoiceActionService::permissions()
{
    QCOMPARE(invoiceActionPermission(InvoiceAction::Finalize), Permission::InvoiceActions);
    QCOMPARE(invoiceActionPermission(InvoiceAction::Send), Permission::InvoiceActions);
    QCOMPARE(invoiceActionPermission(InvoiceAction::Pay), Permission::InvoiceActions);
    QCOMPARE(invoiceActionPermission(InvoiceAction::Void), Permission::WriteOff);
    QCOMPARE(invoiceActionPermission(InvoiceAction::MarkUncollectible), Permission::WriteOff);
    QCOMPARE(invoiceActionPermission(InvoiceAction::RecordOfflinePayment), Permission::RecordOfflinePayment);
    // The offline payment is the same endpoint as pay, with paid_out_of_band.
    InvoiceActionRequest r;
    r.action = InvoiceAction::RecordOfflinePayment;
    r.invoiceId = QStringLiteral("in_x");
    const OutboxOperation op = InvoiceActionService::operationFor(r);
    QCOMPARE(op.path, QStringLiteral("/v1/invoices/in_x/pay"));
    QCOMPARE(op.params.value(QLatin1String("paid_out_of_band")).toBool(), true);
}

void tst_InvoiceActionService::actionChangesSandboxCacheAndAudit_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("fromStatus");
    QTest::addColumn<QString>("toStatus");
    QTest::addColumn<QString>("operation");
    QTest::newRow("finalize") << "finalize" << "draft" << "open" << "invoice.finalize";
    QTest::newRow("send") << "send" << "open" << "open" << "invoice.send";
    QTest::newRow("void") << "void" << "open" << "void" << "invoice.void";
    QTest::newRow("mark uncollectible") << "mark_uncollectible" << "open" << "uncollectible" << "invoice.mark_uncollectible";
    QTest::newRow("void uncollectible") << "void" << "uncollectible" << "void" << "invoice.void";
}

void tst_InvoiceActionService::actionChangesSandboxCacheAndAudit()
{
    QFETCH(QString, action);
    QFETCH(QString, fromStatus);
    QFETCH(QString, toStatus);
    QFETCH(QString, operation);
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString id = newInvoice(fromStatus);
    QVERIFY2(!id.isEmpty(), qPrintable(QStringLiteral("no %1 send_invoice invoice could be made in the sandbox").arg(fromStatus)));

    QSignalSpy finished(stack.actions.get(), &InvoiceActionService::invoiceActionFinished);
    InvoiceActionRequest req;
    req.action = *invoiceActionFromName(action);
    req.invoiceId = id;
    Result<OutboxEntry> queued = stack.submit(req);
    QVERIFY2(queued.ok(), qPrintable(queued.ok() ? QString() : queued.error().userMessage));
    QCOMPARE(queued->operation, operation);
    const std::optional<OutboxEntry> done = stack.settled(queued->id);
    QVERIFY(done);
    QCOMPARE(done->state, OutboxState::Succeeded);

    // Stripe (the sandbox) has it, and so does the cache.
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("status")).toString(), toStatus);
    QTRY_VERIFY_WITH_TIMEOUT(stack.cachedInvoice(id).has_value(), 10000);
    QCOMPARE(stack.cachedInvoice(id)->status, toStatus);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QCOMPARE(finished.first().at(0).toString(), id);
    QCOMPARE(finished.first().at(2).toBool(), true);

    // Audited: requested + outcome, with the entry's idempotency key, by the actor.
    QList<AuditEntry> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = stack.audit(id)).size() >= 2, 10000);
    QStringList results;
    for (const AuditEntry &row : rows) {
        QCOMPARE(row.operation, operation);
        QCOMPARE(row.actor, QStringLiteral("fin@example.com"));
        QCOMPARE(row.idempotencyKey, queued->idempotencyKey);
        results << row.result;
    }
    QVERIFY2(results.contains(QStringLiteral("requested")) && results.contains(QStringLiteral("ok")),
             qPrintable(results.join(QLatin1Char(','))));
    QCOMPARE(invoiceAppliedWithKey(queued->idempotencyKey), 1);
}

void tst_InvoiceActionService::finalizeThenPayNowCharges()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    // A charge_automatically draft whose customer has a working default card.
    const QString id = newInvoice(QStringLiteral("draft"), QStringLiteral("charge_automatically"));
    QVERIFY2(!id.isEmpty(), "no charge_automatically draft could be made in the sandbox");

    InvoiceActionRequest fin;
    fin.action = InvoiceAction::Finalize;
    fin.invoiceId = id;
    Result<OutboxEntry> f = stack.submit(fin);
    QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error().userMessage));
    QCOMPARE(stack.settled(f->id)->state, OutboxState::Succeeded);
    const qint64 due = sandboxInvoice(id).value(QLatin1String("amount_due")).toInteger();
    QVERIFY(due > 0);

    std::optional<Result<OutboxEntry>> p;
    QObject ctx;
    stack.actions->payNow(id, &ctx, [&](Result<OutboxEntry> r) { p.emplace(std::move(r)); });
    QTRY_VERIFY_WITH_TIMEOUT(p.has_value(), 30000);
    QVERIFY2(p->ok(), qPrintable(p->ok() ? QString() : p->error().userMessage));
    QCOMPARE(p->value().operation, QStringLiteral("invoice.pay"));
    QCOMPARE(stack.settled(p->value().id)->state, OutboxState::Succeeded);
    const QJsonObject inv = sandboxInvoice(id);
    QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
    QCOMPARE(inv.value(QLatin1String("amount_paid")).toInteger(), due);
    QTRY_COMPARE_WITH_TIMEOUT(stack.cachedInvoice(id)->status, QStringLiteral("paid"), 10000);
}

void tst_InvoiceActionService::offlinePaymentKeepsMethodAndReference()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    // A send_invoice draft, finalized first: the usual path of an invoice paid by wire.
    const QString id = newInvoice(QStringLiteral("draft"));
    QVERIFY2(!id.isEmpty(), "no send_invoice draft invoice could be made in the sandbox");
    InvoiceActionRequest fin;
    fin.action = InvoiceAction::Finalize;
    fin.invoiceId = id;
    Result<OutboxEntry> f = stack.submit(fin);
    QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error().userMessage));
    QCOMPARE(stack.settled(f->id)->state, OutboxState::Succeeded);
    const qint64 remaining = sandboxInvoice(id).value(QLatin1String("amount_remaining")).toInteger();

    OfflinePayment pay;
    pay.method = OfflinePaymentMethod::Wire;
    pay.reference = QStringLiteral("BANK-REF 2026/11/0042");
    pay.receivedOn = QDate::currentDate().addDays(-1);
    pay.note = QStringLiteral("received on the company account");
    std::optional<Result<OutboxEntry>> q;
    QObject ctx;
    stack.actions->recordOfflinePayment(id, pay, &ctx, [&](Result<OutboxEntry> r) { q.emplace(std::move(r)); });
    QTRY_VERIFY_WITH_TIMEOUT(q.has_value(), 30000);
    QVERIFY2(q->ok(), qPrintable(q->ok() ? QString() : q->error().userMessage));
    QCOMPARE(q->value().params.value(QLatin1String("paid_out_of_band")).toBool(), true);
    QCOMPARE(stack.settled(q->value().id)->state, OutboxState::Succeeded);

    // Paid out of band in Stripe, and the method and reference on the invoice's metadata.
    QJsonObject inv;
    QTRY_VERIFY_WITH_TIMEOUT((inv = sandboxInvoice(id)).value(QLatin1String("metadata")).toObject().contains(QLatin1String("offline_payment_reference")), 15000);
    QCOMPARE(inv.value(QLatin1String("status")).toString(), QStringLiteral("paid"));
    QCOMPARE(inv.value(QLatin1String("amount_paid")).toInteger(), remaining);
    const QJsonObject md = inv.value(QLatin1String("metadata")).toObject();
    QCOMPARE(md.value(QLatin1String("offline_payment_method")).toString(), QStringLiteral("wire"));
    QCOMPARE(md.value(QLatin1String("offline_payment_reference")).toString(), pay.reference);
    QCOMPARE(md.value(QLatin1String("offline_payment_date")).toString(), pay.receivedOn.toString(Qt::ISODate));

    // Audit: the pay row names the method and reference; the metadata update carries them as params.
    QList<AuditEntry> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = stack.audit(id)).size() >= 6, 15000);
    bool payRow = false, metadataRow = false;
    for (const AuditEntry &row : rows) {
        if (row.operation == QLatin1String("invoice.pay_out_of_band") && row.result == QLatin1String("requested"))
            payRow = row.afterSummary.contains(pay.reference) && row.afterSummary.contains(QStringLiteral("wire"));
        if (row.operation == QLatin1String("invoice.update") && row.result == QLatin1String("requested"))
            metadataRow = row.paramsJson.contains(QStringLiteral("BANK-REF 2026/11/0042"))
                          && row.paramsJson.contains(QStringLiteral("offline_payment_method"));
    }
    QVERIFY(payRow);
    QVERIFY(metadataRow);
}

void tst_InvoiceActionService::wrongStateIsRefusedAndNothingIsSent()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString paid = newInvoice(QStringLiteral("paid"), QStringLiteral("charge_automatically"));
    QVERIFY(!paid.isEmpty());
    const int before = int(stack.outbox->entriesBlocking(std::nullopt)->size());
    const QJsonObject was = sandboxInvoice(paid);
    for (InvoiceAction a : {InvoiceAction::Void, InvoiceAction::MarkUncollectible, InvoiceAction::Finalize, InvoiceAction::Pay}) {
        InvoiceActionRequest req;
        req.action = a;
        req.invoiceId = paid;
        Result<OutboxEntry> r = stack.submit(req);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY2(r.error().userMessage.contains(QStringLiteral("paid")), qPrintable(r.error().userMessage));
    }
    // A charge_automatically invoice cannot be "sent".
    InvoiceActionRequest send;
    send.action = InvoiceAction::Send;
    send.invoiceId = paid;
    Result<OutboxEntry> s = stack.submit(send);
    QVERIFY(!s.ok());
    QVERIFY2(s.error().userMessage.contains(QStringLiteral("charged automatically")), qPrintable(s.error().userMessage));

    QCOMPARE(int(stack.outbox->entriesBlocking(std::nullopt)->size()), before);
    QCOMPARE(sandboxInvoice(paid).value(QLatin1String("status")).toString(), was.value(QLatin1String("status")).toString());
    // Not even a refusal is audited as a write: no row names this invoice.
    QCOMPARE(stack.audit(paid).size(), 0);
}

void tst_InvoiceActionService::supportCannotWriteOff()
{
    QTemporaryDir dir;
    InvoiceStack stack(dir.path(), invoiceSupportActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString id = newInvoice(QStringLiteral("open"));
    QVERIFY(!id.isEmpty());
    for (InvoiceAction a : {InvoiceAction::Void, InvoiceAction::MarkUncollectible, InvoiceAction::RecordOfflinePayment}) {
        InvoiceActionRequest req;
        req.action = a;
        req.invoiceId = id;
        req.offline.reference = QStringLiteral("CHQ 1");
        req.offline.receivedOn = QDate::currentDate();
        Result<OutboxEntry> r = stack.submit(req);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        QVERIFY(!r.error().userMessage.isEmpty());
    }
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 0);
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("status")).toString(), QStringLiteral("open"));
    // The refusals are audited.
    QList<AuditEntry> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = stack.audit(id)).size() == 3, 10000);
    for (const AuditEntry &row : rows)
        QVERIFY2(row.result.startsWith(QLatin1String("refused")), qPrintable(row.result));
}

void tst_InvoiceActionService::doubleSubmitSendsOnce()
{
    QTemporaryDir dir;
    InvoiceStack stack(dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString id = newInvoice(QStringLiteral("open"));
    QVERIFY(!id.isEmpty());
    InvoiceActionRequest req;
    req.action = InvoiceAction::MarkUncollectible;
    req.invoiceId = id;
    req.clientOpId = InvoiceActionService::newSessionOpId(req.action, id);
    // Two clicks before the first answer, then a third after it.
    std::optional<Result<OutboxEntry>> a, b;
    QObject ctx;
    stack.actions->submit(req, &ctx, [&](Result<OutboxEntry> r) { a.emplace(std::move(r)); });
    stack.actions->submit(req, &ctx, [&](Result<OutboxEntry> r) { b.emplace(std::move(r)); });
    QTRY_VERIFY_WITH_TIMEOUT(a.has_value() && b.has_value(), 30000);
    QVERIFY(a->ok() && b->ok());
    QCOMPARE(a->value().id, b->value().id);
    QCOMPARE(stack.settled(a->value().id)->state, OutboxState::Succeeded);
    Result<OutboxEntry> c = stack.submit(req);
    QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().userMessage));
    QCOMPARE(c->id, a->value().id);
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 1);
    QCOMPARE(invoiceAppliedWithKey(a->value().idempotencyKey), 1);
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("status")).toString(), QStringLiteral("uncollectible"));
}

QTEST_GUILESS_MAIN(tst_InvoiceActionService)
#include "tst_invoiceactionservice.moc"
