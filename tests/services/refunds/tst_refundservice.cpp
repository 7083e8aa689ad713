#include "services/refunds/refundservice.h"
#include "tests/services/refunds/refundstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// Refunds and credit notes through the whole stack (RefundService -> OperationRunner -> outbox ->
// Stripe sandbox), with the numbers checked against the sandbox's own records.
class tst_RefundService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fullRefundLeavesNothingAndIsAudited();
    void doubleSubmitOfOneSessionIsOneEntry();
    void partialRefundsUntilExhausted();
    void amountAboveRefundableIsRejectedBeforeAnythingIsSent();
    void typedAmountsAreCheckedAgainstCurrencyAndRemainder_data();
    void typedAmountsAreCheckedAgainstCurrencyAndRemainder();
    void amountInAnotherCurrencyIsRejected();
    void supportAboveLimitIsRefusedAndAudited();
    void creditNoteWithRefundPreviewsThenRefundsOnce();
    void creditNoteInsteadMovesNoMoney();
    void crashMidRequestResumesWithOneRefund();
    void offlineRefundIsReservedThenSentOnceWhenOnline();

private:
    RefundRequest request(const RefundContext &c, qint64 minor, RefundMode mode = RefundMode::Refund) const
    {
        RefundRequest r;
        r.amount = Money(minor, c.currency);
        r.reason = RefundReason::RequestedByCustomer;
        r.note = QStringLiteral("customer asked on the phone");
        r.mode = mode;
        r.clientOpId = RefundService::newSessionOpId(c.invoiceId);
        return r;
    }
    QTemporaryDir m_dir;
    RefundContext m_usd; // loaded once for the pure validation tests
    RefundContext m_jpy;
};

void tst_RefundService::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})");
    RefundStack stack(m_dir.path(), financeActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString usd = freshPaidInvoice(QStringLiteral("usd"));
    const QString jpy = freshPaidInvoice(QStringLiteral("jpy"), 1000);
    QVERIFY2(!usd.isEmpty() && !jpy.isEmpty(), "the demo dataset has no unrefunded paid usd/jpy invoice");
    Result<RefundContext> u = stack.load(usd);
    QVERIFY2(u.ok(), qPrintable(u.ok() ? QString() : u.error().detail));
    Result<RefundContext> j = stack.load(jpy);
    QVERIFY2(j.ok(), qPrintable(j.ok() ? QString() : j.error().detail));
    m_usd = u.value();
    m_jpy = j.value();
    QCOMPARE(m_jpy.currency.exponent(), 0);
}

void tst_RefundService::fullRefundLeavesNothingAndIsAudited()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    // What the sandbox says was captured, independently of the service.
    const QJsonObject charge = sandboxCall("GET", QStringLiteral("/v1/charges/") + c->chargeId);
    QCOMPARE(c->paid.minor(), charge.value(QLatin1String("amount_captured")).toInteger());
    QCOMPARE(c->refunded.minor(), 0);
    QCOMPARE(c->refundable, c->paid);
    QVERIFY(!c->cardLast4.isEmpty());

    Result<OutboxEntry> e = stack.submit(*c, request(*c, c->refundable.minor()));
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    std::optional<OutboxEntry> done = stack.settled(e->id);
    QVERIFY(done);
    QCOMPARE(done->state, OutboxState::Succeeded);

    const QJsonArray refunds = sandboxRefunds(c->paymentIntentId);
    QCOMPARE(refunds.size(), 1);
    const QJsonObject re = refunds.first().toObject();
    QCOMPARE(re.value(QLatin1String("amount")).toInteger(), c->paid.minor());
    QCOMPARE(re.value(QLatin1String("reason")).toString(), QStringLiteral("requested_by_customer"));
    QCOMPARE(re.value(QLatin1String("metadata")).toObject().value(QLatin1String("note")).toString(),
             QStringLiteral("customer asked on the phone"));

    Result<RefundContext> after = stack.load(invoice);
    QVERIFY(after.ok());
    QCOMPARE(after->refunded, c->paid);
    QVERIFY(after->refundable.isZero());
    QVERIFY(!RefundService::parseAmount(*after, u"0.01", RefundMode::Refund).ok());

    // Audit: requested + ok, both with the entry's idempotency key, the note in the parameters.
    QTRY_VERIFY_WITH_TIMEOUT(stack.audit(invoice).size() >= 2, 10000);
    const QList<AuditEntry> rows = stack.audit(invoice);
    QStringList results;
    for (const AuditEntry &row : rows) {
        QCOMPARE(row.idempotencyKey, done->idempotencyKey);
        QCOMPARE(row.actor, financeActor().email);
        QCOMPARE(row.operation, QStringLiteral("refund.create"));
        results << row.result;
    }
    QVERIFY2(results.contains(QStringLiteral("requested")) && results.contains(QStringLiteral("ok")),
             qPrintable(results.join(u',')));
    bool noteAudited = false;
    for (const AuditEntry &row : rows)
        noteAudited = noteAudited || row.paramsJson.contains(QStringLiteral("customer asked on the phone"))
            || row.afterSummary.contains(QStringLiteral("customer asked on the phone"));
    QVERIFY(noteAudited);
}

void tst_RefundService::doubleSubmitOfOneSessionIsOneEntry()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const RefundRequest req = request(*c, 500);
    // Two submits of one session at once (a double click), then a third after the first answer.
    std::optional<Result<OutboxEntry>> a, b;
    QObject ctx;
    stack.service->submit(*c, req, &ctx, [&](Result<OutboxEntry> r) { a.emplace(r); });
    stack.service->submit(*c, req, &ctx, [&](Result<OutboxEntry> r) { b.emplace(r); });
    QTRY_VERIFY_WITH_TIMEOUT(a && b, 20000);
    QVERIFY(a->ok() && b->ok());
    QCOMPARE(a->value().id, b->value().id);
    QVERIFY(stack.settled(a->value().id));
    Result<OutboxEntry> again = stack.submit(*c, req);
    QVERIFY(again.ok());
    QCOMPARE(again->id, a->value().id);
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 1);
    QCOMPARE(sandboxRefunds(c->paymentIntentId).size(), 1);
    QCOMPARE(appliedWithKey(again->idempotencyKey), 1);
}

void tst_RefundService::partialRefundsUntilExhausted()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const qint64 paid = c->paid.minor();
    const qint64 part = paid / 3; // two thirds, then whatever is left (not a multiple of 3 necessarily)
    QList<qint64> amounts{part, part, paid - 2 * part};
    qint64 refunded = 0;
    for (qint64 amount : amounts) {
        Result<RefundContext> now = stack.load(invoice);
        QVERIFY(now.ok());
        QCOMPARE(now->refundable.minor(), paid - refunded);
        Result<OutboxEntry> e = stack.submit(*now, request(*now, amount));
        QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
        std::optional<OutboxEntry> done = stack.settled(e->id);
        QVERIFY(done && done->state == OutboxState::Succeeded);
        refunded += amount;
    }
    Result<RefundContext> end = stack.load(invoice);
    QVERIFY(end.ok());
    QCOMPARE(end->refunded.minor(), paid);
    QVERIFY(end->refundable.isZero());
    Result<OutboxEntry> more = stack.submit(*end, request(*end, 1));
    QVERIFY(!more.ok());
    QCOMPARE(more.error().kind, Error::Kind::Validation);
    qint64 sum = 0;
    const QJsonArray refunds = sandboxRefunds(c->paymentIntentId);
    for (const QJsonValue &v : refunds)
        sum += v.toObject().value(QLatin1String("amount")).toInteger();
    QCOMPARE(refunds.size(), 3);
    QCOMPARE(sum, paid);
}

void tst_RefundService::amountAboveRefundableIsRejectedBeforeAnythingIsSent()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const int appliedBefore = sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("count")).toInt();
    for (RefundMode mode : {RefundMode::Refund, RefundMode::RefundWithCreditNote, RefundMode::CreditToBalance}) {
        Result<OutboxEntry> e = stack.submit(*c, request(*c, c->refundable.minor() + 1, mode));
        QVERIFY(!e.ok());
        QCOMPARE(e.error().kind, Error::Kind::Validation);
        QVERIFY2(e.error().userMessage.contains(c->maximumFor(mode).toLocaleString(QLocale())),
                 qPrintable(e.error().userMessage));
    }
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 0);
    QCOMPARE(sandboxCall("GET", QStringLiteral("/__sandbox/applied")).value(QLatin1String("count")).toInt(), appliedBefore);
    QVERIFY(sandboxRefunds(c->paymentIntentId).isEmpty());
}

void tst_RefundService::typedAmountsAreCheckedAgainstCurrencyAndRemainder_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    // "max" / "max+1" stand for the loaded remainder (and one minor unit more).
    QTest::newRow("usd whole remainder") << "usd" << "max" << true;
    QTest::newRow("usd one cent") << "usd" << "0.01" << true;
    QTest::newRow("usd one decimal") << "usd" << "1.5" << true;
    QTest::newRow("usd three decimals") << "usd" << "1.234" << false;
    QTest::newRow("usd zero") << "usd" << "0" << false;
    QTest::newRow("usd zero with decimals") << "usd" << "0.00" << false;
    QTest::newRow("usd negative") << "usd" << "-5.00" << false;
    QTest::newRow("usd garbage") << "usd" << "ten" << false;
    QTest::newRow("usd exponent") << "usd" << "1e2" << false;
    QTest::newRow("usd empty") << "usd" << "  " << false;
    QTest::newRow("usd one cent above") << "usd" << "max+1" << false;
    QTest::newRow("jpy whole yen") << "jpy" << "500" << true;
    QTest::newRow("jpy remainder") << "jpy" << "max" << true;
    QTest::newRow("jpy any decimal") << "jpy" << "12.5" << false;
    QTest::newRow("jpy one yen above") << "jpy" << "max+1" << false;
}

void tst_RefundService::typedAmountsAreCheckedAgainstCurrencyAndRemainder()
{
    QFETCH(QString, currency);
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const RefundContext &c = currency == QLatin1String("usd") ? m_usd : m_jpy;
    if (text == QLatin1String("max"))
        text = c.refundable.toDecimalString();
    else if (text == QLatin1String("max+1"))
        text = Money(c.refundable.minor() + 1, c.currency).toDecimalString();
    Result<Money> m = RefundService::parseAmount(c, text, RefundMode::Refund);
    QCOMPARE(m.ok(), valid);
    if (!valid) {
        QCOMPARE(m.error().kind, Error::Kind::Validation);
        QVERIFY(!m.error().userMessage.isEmpty());
    } else {
        QCOMPARE(m->currency(), c.currency);
        QVERIFY(m->minor() > 0 && m->minor() <= c.refundable.minor());
    }
}

void tst_RefundService::amountInAnotherCurrencyIsRejected()
{
    RefundRequest r = request(m_usd, 100);
    r.amount = Money(100, *Currency::fromCode(u"eur"));
    Status st = RefundService::validate(m_usd, r);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().kind, Error::Kind::Validation);
    QVERIFY(st.error().userMessage.contains(QStringLiteral("USD")));
    // The same minor units in the invoice's own currency pass.
    r.amount = Money(100, m_usd.currency);
    QVERIFY(RefundService::validate(m_usd, r).ok());
}

void tst_RefundService::supportAboveLimitIsRefusedAndAudited()
{
    QTemporaryDir dir;
    AccessPolicy::Limits limits;
    limits.supportRefundMinor.insert(QStringLiteral("usd"), 1000); // support may refund up to 10.00 USD
    RefundStack stack(dir.path(), supportActor(), AccessPolicy(limits));
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    QVERIFY(c->refundable.minor() > 1000);

    Result<OutboxEntry> above = stack.submit(*c, request(*c, 1001));
    QVERIFY(!above.ok());
    QCOMPARE(above.error().kind, Error::Kind::Unauthorized);
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 0);
    QVERIFY(sandboxRefunds(c->paymentIntentId).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!stack.audit(invoice).isEmpty(), 10000);
    QVERIFY(stack.audit(invoice).first().result.startsWith(QStringLiteral("refused")));

    // At the limit, support may.
    Result<OutboxEntry> at = stack.submit(*c, request(*c, 1000));
    QVERIFY2(at.ok(), qPrintable(at.ok() ? QString() : at.error().userMessage));
    std::optional<OutboxEntry> done = stack.settled(at->id);
    QVERIFY(done && done->state == OutboxState::Succeeded);
    QCOMPARE(sandboxRefunds(c->paymentIntentId).size(), 1);
}

void tst_RefundService::creditNoteWithRefundPreviewsThenRefundsOnce()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const qint64 amount = c->paid.minor() / 2;
    RefundRequest req = request(*c, amount, RefundMode::RefundWithCreditNote);
    req.reason = RefundReason::Duplicate;

    std::optional<Result<CreditNotePreview>> preview;
    QObject ctx;
    stack.service->previewCreditNote(*c, req, &ctx, [&](Result<CreditNotePreview> r) { preview.emplace(r); });
    QTRY_VERIFY_WITH_TIMEOUT(preview.has_value(), 20000);
    QVERIFY2(preview->ok(), qPrintable(preview->ok() ? QString() : preview->error().detail));
    QCOMPARE(preview->value().total.minor(), amount);
    QCOMPARE(preview->value().refundAmount.minor(), amount);
    QVERIFY(!preview->value().number.isEmpty());
    QVERIFY(sandboxCall("GET", QStringLiteral("/v1/credit_notes?invoice=") + invoice).value(QLatin1String("data")).toArray().isEmpty());

    Result<OutboxEntry> e = stack.submit(*c, req);
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    QCOMPARE(e->operation, QStringLiteral("credit_note.create"));
    std::optional<OutboxEntry> done = stack.settled(e->id);
    QVERIFY(done);
    QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));

    const QJsonArray notes = sandboxCall("GET", QStringLiteral("/v1/credit_notes?invoice=") + invoice).value(QLatin1String("data")).toArray();
    QCOMPARE(notes.size(), 1);
    const QJsonObject cn = notes.first().toObject();
    QCOMPARE(cn.value(QLatin1String("amount")).toInteger(), amount);
    QCOMPARE(cn.value(QLatin1String("number")).toString(), preview->value().number);
    QCOMPARE(cn.value(QLatin1String("reason")).toString(), QStringLiteral("duplicate"));
    const QJsonArray refunds = sandboxRefunds(c->paymentIntentId);
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.first().toObject().value(QLatin1String("amount")).toInteger(), amount);

    Result<RefundContext> after = stack.load(invoice);
    QVERIFY(after.ok());
    QCOMPARE(after->refunded.minor(), amount);
    QCOMPARE(after->refundable.minor(), c->paid.minor() - amount);
    QCOMPARE(after->creditable.minor(), c->paid.minor() - amount);
}

void tst_RefundService::creditNoteInsteadMovesNoMoney()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const qint64 amount = 700;
    Result<OutboxEntry> e = stack.submit(*c, request(*c, amount, RefundMode::CreditToBalance));
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    std::optional<OutboxEntry> done = stack.settled(e->id);
    QVERIFY(done);
    QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
    QVERIFY(sandboxRefunds(c->paymentIntentId).isEmpty());
    const QJsonObject cn = sandboxCall("GET", QStringLiteral("/v1/credit_notes?invoice=") + invoice)
                               .value(QLatin1String("data")).toArray().first().toObject();
    QVERIFY(!cn.value(QLatin1String("customer_balance_transaction")).toString().isEmpty());
    Result<RefundContext> after = stack.load(invoice);
    QVERIFY(after.ok());
    QVERIFY(after->refunded.isZero());
    // The card payment is untouched, but the credit counts against what may still be given back.
    QCOMPARE(after->creditable.minor(), c->paid.minor() - amount);
}

void tst_RefundService::crashMidRequestResumesWithOneRefund()
{
    QTemporaryDir dir;
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    RefundContext c;
    QString key;
    qint64 id = 0;
    {
        RefundStack stack(dir.path(), financeActor());
        Result<RefundContext> loaded = stack.load(invoice);
        QVERIFY(loaded.ok());
        c = loaded.value();
        // Stripe answers slowly: the console "crashes" while the request is on its way.
        sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":1500})");
        Result<OutboxEntry> e = stack.submit(c, request(c, 1234));
        QVERIFY(e.ok());
        id = e->id;
        key = e->idempotencyKey;
        QTRY_COMPARE_WITH_TIMEOUT(stack.outbox->entryBlocking(id)->state, OutboxState::InFlight, 10000);
        QTest::qWait(200);
    } // the whole stack is destroyed before Stripe's answer
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})");
    QTest::qWait(1800); // the first request has reached Stripe by now

    RefundStack again(dir.path(), financeActor());
    std::optional<OutboxEntry> done = again.settled(id);
    QVERIFY(done);
    QCOMPARE(done->state, OutboxState::Succeeded);
    QCOMPARE(done->idempotencyKey, key);
    const QJsonArray refunds = sandboxRefunds(c.paymentIntentId);
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.first().toObject().value(QLatin1String("amount")).toInteger(), 1234);
    QCOMPARE(appliedWithKey(key), 1);
}

void tst_RefundService::offlineRefundIsReservedThenSentOnceWhenOnline()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    Result<RefundContext> c = stack.load(invoice);
    QVERIFY(c.ok());
    const qint64 amount = c->paid.minor() - 100;

    stack.client->setConfig(sandboxConfig(closedPortUrl())); // the network goes away
    Result<OutboxEntry> e = stack.submit(*c, request(*c, amount));
    QVERIFY(e.ok());
    QTRY_VERIFY_WITH_TIMEOUT(stack.outbox->entryBlocking(e->id)->attempts > 0
                                 && stack.outbox->entryBlocking(e->id)->state == OutboxState::Pending,
                             20000);
    QVERIFY(!stack.outbox->entryBlocking(e->id)->errorKind.isEmpty());

    // A second agent on this console (same cached charge) can only refund what the queue leaves.
    Result<OutboxEntry> second = stack.submit(*c, request(*c, 101));
    QVERIFY(!second.ok());
    QCOMPARE(second.error().kind, Error::Kind::Validation);
    Result<OutboxEntry> fits = stack.submit(*c, request(*c, 100));
    QVERIFY2(fits.ok(), qPrintable(fits.ok() ? QString() : fits.error().userMessage));

    stack.client->setConfig(sandboxConfig()); // back online
    Result<RefundContext> reloaded = stack.load(invoice);
    QVERIFY(reloaded.ok());
    QCOMPARE(reloaded->pendingRefunds.minor() + reloaded->refunded.minor(), c->paid.minor());
    QVERIFY(reloaded->refundable.isZero());
    stack.outbox->retryNow();
    std::optional<OutboxEntry> done = stack.settled(e->id);
    std::optional<OutboxEntry> done2 = stack.settled(fits->id);
    QVERIFY(done && done2);
    QCOMPARE(done->state, OutboxState::Succeeded);
    QCOMPARE(done2->state, OutboxState::Succeeded);
    QCOMPARE(sandboxRefunds(c->paymentIntentId).size(), 2);
    QCOMPARE(appliedWithKey(done->idempotencyKey), 1);
    Result<RefundContext> end = stack.load(invoice);
    QVERIFY(end.ok());
    QCOMPARE(end->refunded, c->paid);
}

QTEST_GUILESS_MAIN(tst_RefundService)
#include "tst_refundservice.moc"
