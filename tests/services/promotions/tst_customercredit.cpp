#include "services/promotions/customercreditservice.h"
#include "tests/services/paymentmethods/paymentstack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The customer's credit balance: the ledger as Stripe keeps it and goodwill credits through the
// whole stack (CustomerCreditService -> OperationRunner -> outbox -> sandbox), role and limit checked.
class tst_CustomerCredit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void ledgerShowsCreditsDebitsAndTheBalanceInPlainWords();
    void goodwillWithinTheSupportLimitIsCreditedOnceAndAudited();
    void goodwillAboveTheSupportLimitIsRefusedForSupportAndAllowedForFinance();
    void typedAmountsFollowTheCurrencysDecimals_data();
    void typedAmountsFollowTheCurrencysDecimals();
    void invalidRequestsSendNothing();
    void balanceInPlainWords_data();
    void balanceInPlainWords();

private:
    static QString customerWithBalance(const QString &currency, const QList<qint64> &amounts)
    {
        const QString cus = newCustomer(QStringLiteral("Ledger %1 Ltd").arg(currency.toUpper()));
        for (qint64 a : amounts)
            stripeCall("POST", QStringLiteral("/v1/customers/%1/balance_transactions").arg(cus),
                       {{QStringLiteral("amount"), QString::number(a)}, {QStringLiteral("currency"), currency}});
        return cus;
    }
    static QJsonArray stripeLedger(const QString &cus)
    {
        return stripeList(QStringLiteral("/v1/customers/%1/balance_transactions?limit=100").arg(cus));
    }
    static CreditLedger offlineLedger(const QString &code)
    {
        CreditLedger l;
        l.customerId = QStringLiteral("cus_offline");
        l.currency = *Currency::fromCode(code);
        l.balance = Money(0, l.currency);
        return l;
    }
};

void tst_CustomerCredit::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
}

void tst_CustomerCredit::ledgerShowsCreditsDebitsAndTheBalanceInPlainWords()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = customerWithBalance(QStringLiteral("usd"), {-1500, 500, -250});
    Result<CreditLedger> ledger = stack.ledger(cus);
    QVERIFY2(ledger.ok(), qPrintable(ledger.ok() ? QString() : ledger.error().detail));
    QCOMPARE(ledger->currency.code(), QStringLiteral("USD"));
    QCOMPARE(ledger->transactions.size(), 3);
    // Newest first, as Stripe lists them; signs as Stripe sends them.
    QCOMPARE(ledger->transactions.at(0).amount.minor(), -250);
    QCOMPARE(ledger->transactions.at(1).amount.minor(), 500);
    QCOMPARE(ledger->transactions.at(2).amount.minor(), -1500);
    QVERIFY(ledger->transactions.at(0).isCredit());
    QVERIFY(!ledger->transactions.at(1).isCredit());
    QCOMPARE(ledger->transactions.at(0).endingBalance.minor(), -1250);
    QCOMPARE(ledger->totalCredits().minor(), 1750);
    QCOMPARE(ledger->totalDebits().minor(), 500);
    // Stripe's balance: -12.50 USD is a credit the customer holds.
    QCOMPARE(ledger->balance.minor(), -1250);
    QCOMPARE(ledger->balance.minor(), stripeCall("GET", QStringLiteral("/v1/customers/") + cus).value(QLatin1String("balance")).toInteger());
    QCOMPARE(Billing::balanceInWords(ledger->balance, QLocale::c()).left(10), QStringLiteral("Credit of "));
    QCOMPARE(balanceTransactionKind(ledger->transactions.at(0)), QStringLiteral("Credit"));
    QCOMPARE(balanceTransactionKind(ledger->transactions.at(1)), QStringLiteral("Debit"));
}

void tst_CustomerCredit::goodwillWithinTheSupportLimitIsCreditedOnceAndAudited()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Support));
    const QString cus = customerWithBalance(QStringLiteral("usd"), {1000});
    Result<CreditLedger> ledger = stack.ledger(cus);
    QVERIFY(ledger.ok());
    Result<Money> amount = CustomerCreditService::parseAmount(*ledger, u"25.00");
    QVERIFY(amount.ok());
    GoodwillRequest req{*amount, QStringLiteral("Outage on 3 November"), CustomerCreditService::newSessionOpId(cus)};
    QSignalSpy finished(stack.credits.get(), &CustomerCreditService::creditFinished);
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { stack.credits->applyGoodwill(*ledger, req, ctx, cb); });
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    // The same dialog session submitted twice: one entry.
    Result<OutboxEntry> twice = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { stack.credits->applyGoodwill(*ledger, req, ctx, cb); });
    QVERIFY(twice.ok());
    QCOMPARE(twice->id, e->id);
    QCOMPARE(stack.settled(e->id)->state, OutboxState::Succeeded);
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(1).toString(), cus);

    const QJsonArray txns = stripeLedger(cus);
    QCOMPARE(txns.size(), 2);
    const QJsonObject credit = txns.first().toObject();
    QCOMPARE(credit.value(QLatin1String("amount")).toInteger(), -2500);
    QCOMPARE(credit.value(QLatin1String("currency")).toString(), QStringLiteral("usd"));
    QCOMPARE(credit.value(QLatin1String("metadata")).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("goodwill"));
    QCOMPARE(credit.value(QLatin1String("metadata")).toObject().value(QLatin1String("reason")).toString(), req.reason);
    QCOMPARE(stripeCall("GET", QStringLiteral("/v1/customers/") + cus).value(QLatin1String("balance")).toInteger(), -1500);
    QCOMPARE(appliedCount(e->idempotencyKey), 1);

    Result<CreditLedger> after = stack.ledger(cus);
    QCOMPARE(after->balance.minor(), -1500);
    QCOMPARE(balanceTransactionKind(after->transactions.first()), QStringLiteral("Goodwill credit"));
    const QList<AuditEntry> audit = stack.audit(cus);
    QVERIFY(audit.size() >= 2);
    QCOMPARE(audit.first().actor, staff(StaffRole::Support).tag());
    QVERIFY(audit.last().afterSummary.contains(QLatin1String("Outage on 3 November")));
}

void tst_CustomerCredit::goodwillAboveTheSupportLimitIsRefusedForSupportAndAllowedForFinance()
{
    QTemporaryDir dir;
    const QString cus = customerWithBalance(QStringLiteral("usd"), {100});
    {
        PaymentStack stack(dir.path(), staff(StaffRole::Support));
        Result<CreditLedger> ledger = stack.ledger(cus);
        QVERIFY(ledger.ok());
        GoodwillRequest req{Money(5001, ledger->currency), QStringLiteral("Angry customer"), CustomerCreditService::newSessionOpId(cus)};
        Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { stack.credits->applyGoodwill(*ledger, req, ctx, cb); });
        QVERIFY(!e.ok());
        QCOMPARE(e.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(stack.outboxCount(), 0);
        QCOMPARE(stripeLedger(cus).size(), 1);
        QVERIFY(stack.audit(cus).first().result.startsWith(QLatin1String("refused")));
        // Exactly the limit is fine for support.
        GoodwillRequest atLimit{Money(5000, ledger->currency), QStringLiteral("Angry customer"), CustomerCreditService::newSessionOpId(cus)};
        Result<OutboxEntry> ok = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { stack.credits->applyGoodwill(*ledger, atLimit, ctx, cb); });
        QVERIFY2(ok.ok(), qPrintable(ok.ok() ? QString() : ok.error().userMessage));
        QCOMPARE(stack.settled(ok->id)->state, OutboxState::Succeeded);
    }
    QTemporaryDir financeDir;
    PaymentStack finance(financeDir.path(), staff(StaffRole::Finance));
    Result<CreditLedger> ledger = finance.ledger(cus);
    GoodwillRequest big{Money(20000, ledger->currency), QStringLiteral("Contract dispute settled"), CustomerCreditService::newSessionOpId(cus)};
    Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { finance.credits->applyGoodwill(*ledger, big, ctx, cb); });
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().userMessage));
    QCOMPARE(finance.settled(e->id)->state, OutboxState::Succeeded);
    QCOMPARE(stripeLedger(cus).size(), 3);
    QCOMPARE(stripeCall("GET", QStringLiteral("/v1/customers/") + cus).value(QLatin1String("balance")).toInteger(), 100 - 5000 - 20000);
}

void tst_CustomerCredit::typedAmountsFollowTheCurrencysDecimals_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("minor");
    QTest::newRow("usd 2 decimals") << "usd" << "10.50" << true << qint64(1050);
    QTest::newRow("usd whole") << "usd" << "10" << true << qint64(1000);
    QTest::newRow("usd 3 decimals") << "usd" << "10.005" << false << qint64(0);
    QTest::newRow("jpy whole") << "jpy" << "1500" << true << qint64(1500);
    QTest::newRow("jpy decimals") << "jpy" << "10.5" << false << qint64(0);
    QTest::newRow("kwd 3 decimals") << "kwd" << "1.250" << true << qint64(1250);
    QTest::newRow("kwd 4 decimals") << "kwd" << "1.0005" << false << qint64(0);
    QTest::newRow("kwd off step") << "kwd" << "1.251" << false << qint64(0);
    QTest::newRow("negative") << "usd" << "-5.00" << false << qint64(0);
    QTest::newRow("zero") << "usd" << "0.00" << false << qint64(0);
    QTest::newRow("garbage") << "eur" << "12,3x" << false << qint64(0);
    QTest::newRow("empty") << "eur" << "  " << false << qint64(0);
}

void tst_CustomerCredit::typedAmountsFollowTheCurrencysDecimals()
{
    QFETCH(QString, currency);
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qint64, minor);
    const CreditLedger ledger = offlineLedger(currency);
    Result<Money> m = CustomerCreditService::parseAmount(ledger, text);
    QCOMPARE(m.ok(), valid);
    if (valid) {
        QCOMPARE(m->minor(), minor);
        GoodwillRequest r{*m, QStringLiteral("reason"), {}};
        QVERIFY(CustomerCreditService::validate(ledger, r).ok());
    } else {
        QCOMPARE(m.error().kind, Error::Kind::Validation);
        QVERIFY(!m.error().userMessage.isEmpty());
    }
}

void tst_CustomerCredit::invalidRequestsSendNothing()
{
    QTemporaryDir dir;
    PaymentStack stack(dir.path(), staff(StaffRole::Admin));
    const QString cus = customerWithBalance(QStringLiteral("usd"), {100});
    Result<CreditLedger> ledger = stack.ledger(cus);
    QVERIFY(ledger.ok());
    const QList<GoodwillRequest> bad{
        {Money(1000, *Currency::fromCode(u"eur")), QStringLiteral("wrong currency"), {}},
        {Money(1000, ledger->currency), QStringLiteral("   "), {}},
        {Money(1000, ledger->currency), QString(501, QLatin1Char('x')), {}},
        {Money(-1000, ledger->currency), QStringLiteral("negative"), {}},
        {Money(0, ledger->currency), QStringLiteral("zero"), {}},
    };
    for (const GoodwillRequest &r : bad) {
        Result<OutboxEntry> e = waitFor<OutboxEntry>([&](QObject *ctx, auto cb) { stack.credits->applyGoodwill(*ledger, r, ctx, cb); });
        QVERIFY(!e.ok());
        QCOMPARE(e.error().kind, Error::Kind::Validation);
    }
    QCOMPARE(stack.outboxCount(), 0);
    QCOMPARE(stripeLedger(cus).size(), 1);
}

void tst_CustomerCredit::balanceInPlainWords_data()
{
    QTest::addColumn<qint64>("minor");
    QTest::addColumn<QString>("words");
    QTest::newRow("credit") << qint64(-2550) << "Credit of $25.50: the customer's next invoices are reduced by it.";
    QTest::newRow("owes") << qint64(1000) << "Owes $10.00: it is added to the customer's next invoice.";
    QTest::newRow("none") << qint64(0) << "No balance: the customer neither has credit nor owes anything.";
}

void tst_CustomerCredit::balanceInPlainWords()
{
    QFETCH(qint64, minor);
    QFETCH(QString, words);
    QCOMPARE(Billing::balanceInWords(Money(minor, *Currency::fromCode(u"usd")), QLocale(QLocale::English, QLocale::UnitedStates)), words);
}

QTEST_GUILESS_MAIN(tst_CustomerCredit)
#include "tst_customercredit.moc"
