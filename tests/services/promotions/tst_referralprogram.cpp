#include "services/promotions/referralprogram.h"
#include "services/promotions/referralrepository.h"
#include "tests/services/paymentmethods/paymentstack.h"
#include "tests/services/storage/billingdbtestsupport.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The referral programme on SQLite and PostgreSQL: the referrer is credited exactly once when the
// referee has paid their first invoice, across runs, a crash before the credit was sent and a
// crash after Stripe applied it. Checked against the sandbox's ledger of the referrer.
class tst_ReferralProgram : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { m_db.dropSchemas(); }
    void backends_data();
    void recordRefusesBadAndDuplicateReferrals_data() { backends_data(); }
    void recordRefusesBadAndDuplicateReferrals();
    void rewardsExactlyOnceAcrossTwoRuns_data() { backends_data(); }
    void rewardsExactlyOnceAcrossTwoRuns();
    void crashBeforeTheCreditWasSentResumesWithTheSameEntry_data() { backends_data(); }
    void crashBeforeTheCreditWasSentResumesWithTheSameEntry();
    void crashAfterStripeAppliedItIsRecordedNotCreditedAgain_data() { backends_data(); }
    void crashAfterStripeAppliedItIsRecordedNotCreditedAgain();
    void onlyOneConsoleClaimsAReferral_data() { backends_data(); }
    void onlyOneConsoleClaimsAReferral();
    void noRuleMeansNoCreditAndSupportAboveTheLimitReleasesIt_data() { backends_data(); }
    void noRuleMeansNoCreditAndSupportAboveTheLimitReleasesIt();

private:
    // A demo customer with a paid USD invoice (amount_paid > 0), once per process.
    static QString payingReferee()
    {
        static QSet<QString> used;
        QString after;
        for (int page = 0; page < 20; ++page) {
            QString path = QStringLiteral("/v1/invoices?status=paid&limit=100");
            if (!after.isEmpty())
                path += QStringLiteral("&starting_after=") + after;
            const QJsonObject list = stripeCall("GET", path);
            for (const QJsonValue &v : list.value(QLatin1String("data")).toArray()) {
                const QJsonObject inv = v.toObject();
                after = inv.value(QLatin1String("id")).toString();
                const QString cus = inv.value(QLatin1String("customer")).toString();
                if (used.contains(cus) || inv.value(QLatin1String("currency")).toString() != QLatin1String("usd")
                    || inv.value(QLatin1String("amount_paid")).toInteger() <= 0)
                    continue;
                used.insert(cus);
                return cus;
            }
            if (!list.value(QLatin1String("has_more")).toBool())
                break;
        }
        return {};
    }
    static QJsonArray rewardsOf(const QString &referrer)
    {
        QJsonArray out;
        for (const QJsonValue &v : stripeList(QStringLiteral("/v1/customers/%1/balance_transactions?limit=100").arg(referrer))) {
            if (v.toObject().value(QLatin1String("metadata")).toObject().contains(QLatin1String("referral_id")))
                out.append(v);
        }
        return out;
    }
    Result<Referral> record(PaymentStack &s, const QString &referrer, const QString &referee)
    {
        Referral r;
        r.referrerId = referrer;
        r.refereeId = referee;
        r.code = QStringLiteral("FRIEND-%1").arg(referrer.right(4));
        r.actor = staff(StaffRole::Support).email;
        return waitFor<Referral>([&](QObject *ctx, auto cb) { s.referrals->record(r, ctx, cb); });
    }
    Result<ReferralRunReport> run(PaymentStack &s, int timeoutMs = 60000)
    {
        return waitFor<ReferralRunReport>([&](QObject *ctx, auto cb) { s.referrals->run(ctx, cb); }, timeoutMs);
    }
    Status setRule(PaymentStack &s, const QString &currency, qint64 minor)
    {
        Result<bool> r = waitFor<bool>([&](QObject *ctx, std::function<void(Result<bool>)> cb) {
            s.referrals->setRule(currency, minor, ctx, [cb](Status st) { cb(st.ok() ? Result<bool>(true) : Result<bool>(st.error())); });
        });
        return r.ok() ? Status() : Status(r.error());
    }
    static std::optional<Referral> stored(PaymentStack &s, qint64 id)
    {
        Result<std::optional<Referral>> r = s.billingDb->thread().runBlocking([id](BillingDatabase &db) {
            return ReferralRepository(db).referral(id);
        });
        return r ? *r : std::nullopt;
    }

    BillingDbFixture m_db;
};

void tst_ReferralProgram::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
}

void tst_ReferralProgram::backends_data()
{
    BillingDbFixture::addBackendColumn();
    for (const QString &b : BillingDbFixture::backends())
        QTest::newRow(qPrintable(b)) << b;
}

void tst_ReferralProgram::recordRefusesBadAndDuplicateReferrals()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    QTemporaryDir dir;
    PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings);
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    Result<Referral> ok = record(s, QStringLiteral("cus_referrerA"), QStringLiteral("cus_refereeA"));
    QVERIFY2(ok.ok(), qPrintable(ok.ok() ? QString() : ok.error().detail));
    QVERIFY(ok->id > 0);
    QCOMPARE(ok->status, QStringLiteral("pending"));
    Result<Referral> again = record(s, QStringLiteral("cus_someoneElse"), QStringLiteral("cus_refereeA"));
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
    Result<Referral> self = record(s, QStringLiteral("cus_same"), QStringLiteral("cus_same"));
    QVERIFY(!self.ok());
    QCOMPARE(self.error().kind, Error::Kind::Validation);
    Result<Referral> notAnId = record(s, QStringLiteral("alice"), QStringLiteral("cus_refereeB"));
    QVERIFY(!notAnId.ok());
    QCOMPARE(notAnId.error().kind, Error::Kind::Validation);
    Result<QList<Referral>> of = waitFor<QList<Referral>>([&](QObject *ctx, auto cb) {
        s.referrals->referralsOf(QStringLiteral("cus_refereeA"), ctx, cb);
    });
    QVERIFY(of.ok());
    QCOMPARE(of->size(), 1);
    QCOMPARE(of->first().referrerId, QStringLiteral("cus_referrerA"));
    // Rules: bad currency and negative amounts refused.
    QVERIFY(!setRule(s, QStringLiteral("xyz"), 100).ok());
    QVERIFY(!setRule(s, QStringLiteral("usd"), -1).ok());
    QVERIFY(setRule(s, QStringLiteral("USD"), 2000).ok());
    Result<QList<ReferralRule>> rules = waitFor<QList<ReferralRule>>([&](QObject *ctx, auto cb) { s.referrals->rules(ctx, cb); });
    QCOMPARE(rules->size(), 1);
    QCOMPARE(rules->first().currency, QStringLiteral("usd"));
    QCOMPARE(rules->first().rewardMinor, 2000);
}

void tst_ReferralProgram::rewardsExactlyOnceAcrossTwoRuns()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    QTemporaryDir dir;
    PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings);
    QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
    QVERIFY(setRule(s, QStringLiteral("usd"), 2000).ok());
    const QString referrer = newCustomer(QStringLiteral("Referrer %1").arg(backend));
    const QString payer = payingReferee();
    const QString notYet = newCustomer(QStringLiteral("Has not paid yet"));
    QVERIFY(!payer.isEmpty());
    Result<Referral> paid = record(s, referrer, payer);
    Result<Referral> waiting = record(s, referrer, notYet);
    QVERIFY(paid.ok() && waiting.ok());

    QSignalSpy changed(s.referrals.get(), &ReferralProgram::referralChanged);
    Result<ReferralRunReport> first = run(s);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().detail));
    QCOMPARE(first->checked, 2);
    QCOMPARE(first->rewarded, 1);
    QCOMPARE(first->waiting, 1);
    QCOMPARE(first->failed, 0);
    QVERIFY(!changed.isEmpty());
    QJsonArray rewards = rewardsOf(referrer);
    QCOMPARE(rewards.size(), 1);
    const QJsonObject credit = rewards.first().toObject();
    QCOMPARE(credit.value(QLatin1String("amount")).toInteger(), -2000);
    QCOMPARE(credit.value(QLatin1String("metadata")).toObject().value(QLatin1String("referral_id")).toString(), QString::number(paid->id));
    const std::optional<Referral> after = stored(s, paid->id);
    QVERIFY(after);
    QCOMPARE(after->status, QStringLiteral("rewarded"));
    QCOMPARE(after->rewardTransactionId, credit.value(QLatin1String("id")).toString());
    QCOMPARE(after->rewardMinor, 2000);
    QCOMPARE(after->rewardCurrency, QStringLiteral("usd"));
    QVERIFY(after->rewardOutboxEntryId > 0);
    QVERIFY(!after->qualifyingInvoiceId.isEmpty());
    QCOMPARE(stored(s, waiting->id)->status, QStringLiteral("pending"));

    // A second run: the rewarded referral is not looked at again, nothing more is credited.
    Result<ReferralRunReport> second = run(s);
    QVERIFY(second.ok());
    QCOMPARE(second->checked, 1);
    QCOMPARE(second->rewarded, 0);
    QCOMPARE(second->waiting, 1);
    QCOMPARE(rewardsOf(referrer).size(), 1);
    // The credit was audited as the support agent's operation.
    QVERIFY(!s.audit(referrer).isEmpty());
}

void tst_ReferralProgram::crashBeforeTheCreditWasSentResumesWithTheSameEntry()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    QTemporaryDir dir;
    const QString referrer = newCustomer(QStringLiteral("Crash-before referrer"));
    const QString payer = payingReferee();
    qint64 referralId = 0;
    qint64 entryId = 0;
    {
        // The outbox never sends: the run claims, queues the credit and waits; then the "process dies".
        PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings, false);
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QVERIFY(setRule(s, QStringLiteral("usd"), 1500).ok());
        Result<Referral> r = record(s, referrer, payer);
        QVERIFY(r.ok());
        referralId = r->id;
        QObject ctx;
        bool finished = false;
        s.referrals->run(&ctx, [&](Result<ReferralRunReport>) { finished = true; });
        QTRY_VERIFY_WITH_TIMEOUT(stored(s, referralId) && stored(s, referralId)->rewardOutboxEntryId > 0, 30000);
        QVERIFY(!finished);
        entryId = stored(s, referralId)->rewardOutboxEntryId;
        QCOMPARE(stored(s, referralId)->status, QStringLiteral("rewarding"));
        QCOMPARE(rewardsOf(referrer).size(), 0);
    }
    PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings);
    Result<ReferralRunReport> report = run(s);
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error().detail));
    QCOMPARE(report->failed, 0);
    QCOMPARE(report->rewarded + report->recovered, 1);
    const QJsonArray rewards = rewardsOf(referrer);
    QCOMPARE(rewards.size(), 1);
    QCOMPARE(rewards.first().toObject().value(QLatin1String("amount")).toInteger(), -1500);
    const std::optional<Referral> after = stored(s, referralId);
    QCOMPARE(after->status, QStringLiteral("rewarded"));
    QCOMPARE(after->rewardTransactionId, rewards.first().toObject().value(QLatin1String("id")).toString());
    // The entry queued before the crash is the one that went out (same idempotency key).
    Result<OutboxEntry> entry = s.outbox->entryBlocking(entryId);
    QVERIFY(entry.ok());
    QCOMPARE(entry->state, OutboxState::Succeeded);
    QCOMPARE(appliedCount(entry->idempotencyKey), 1);
    // And a third run changes nothing.
    QVERIFY(run(s).ok());
    QCOMPARE(rewardsOf(referrer).size(), 1);
}

void tst_ReferralProgram::crashAfterStripeAppliedItIsRecordedNotCreditedAgain()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    QTemporaryDir dir;
    PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings);
    QVERIFY(setRule(s, QStringLiteral("usd"), 1000).ok());
    const QString referrer = newCustomer(QStringLiteral("Crash-after referrer"));
    const QString payer = payingReferee();
    Result<Referral> r = record(s, referrer, payer);
    QVERIFY(r.ok());
    // Another console claimed it and Stripe applied its credit, then that console died before it
    // could record the outcome (its outbox is gone with it): only Stripe and the claim remain.
    Result<bool> claimed = s.billingDb->thread().runBlocking([id = r->id](BillingDatabase &db) {
        return ReferralRepository(db).claim(id, Money(1000, *Currency::fromCode(u"usd")), QStringLiteral("in_elsewhere"));
    });
    QVERIFY(claimed.ok() && *claimed);
    const QJsonObject applied = stripeCall("POST", QStringLiteral("/v1/customers/%1/balance_transactions").arg(referrer),
                                           {{QStringLiteral("amount"), QStringLiteral("-1000")},
                                            {QStringLiteral("currency"), QStringLiteral("usd")},
                                            {QStringLiteral("metadata[kind]"), QStringLiteral("referral_reward")},
                                            {QStringLiteral("metadata[referral_id]"), QString::number(r->id)}});
    QVERIFY(!applied.value(QLatin1String("id")).toString().isEmpty());

    Result<ReferralRunReport> report = run(s);
    QVERIFY(report.ok());
    QCOMPARE(report->recovered, 1);
    QCOMPARE(report->rewarded, 0);
    QCOMPARE(rewardsOf(referrer).size(), 1);
    QCOMPARE(s.outboxCount(), 0);
    const std::optional<Referral> after = stored(s, r->id);
    QCOMPARE(after->status, QStringLiteral("rewarded"));
    QCOMPARE(after->rewardTransactionId, applied.value(QLatin1String("id")).toString());
}

void tst_ReferralProgram::onlyOneConsoleClaimsAReferral()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    AsyncBillingDatabase a(settings);
    AsyncBillingDatabase b(settings);
    QVERIFY(a.openBlocking().ok());
    QVERIFY(b.openBlocking().ok());
    Referral ref;
    ref.referrerId = QStringLiteral("cus_claimA");
    ref.refereeId = QStringLiteral("cus_claimB");
    Result<Referral> r = a.thread().runBlocking([ref](BillingDatabase &db) { return ReferralRepository(db).record(ref); });
    QVERIFY(r.ok());
    const Money reward(500, *Currency::fromCode(u"eur"));
    Result<bool> first = a.thread().runBlocking([id = r->id, reward](BillingDatabase &db) { return ReferralRepository(db).claim(id, reward, {}); });
    Result<bool> second = b.thread().runBlocking([id = r->id, reward](BillingDatabase &db) { return ReferralRepository(db).claim(id, reward, {}); });
    QVERIFY(first.ok() && second.ok());
    QVERIFY(*first);
    QVERIFY(!*second);
}

void tst_ReferralProgram::noRuleMeansNoCreditAndSupportAboveTheLimitReleasesIt()
{
    QFETCH(QString, backend);
    BC_FRESH_SETTINGS(m_db, backend, settings);
    QTemporaryDir dir;
    PaymentStack s(dir.path(), staff(StaffRole::Support), creditLimits(), settings);
    const QString referrer = newCustomer(QStringLiteral("No-rule referrer"));
    Result<Referral> r = record(s, referrer, payingReferee());
    QVERIFY(r.ok());
    // No rule for USD: skipped, stays pending, with the reason.
    Result<ReferralRunReport> report = run(s);
    QVERIFY(report.ok());
    QCOMPARE(report->skipped, 1);
    QCOMPARE(stored(s, r->id)->status, QStringLiteral("pending"));
    QVERIFY(stored(s, r->id)->lastError.contains(QLatin1String("USD")));
    // A reward above the support agent's credit limit (50.00 USD): refused, released, nothing sent.
    QVERIFY(setRule(s, QStringLiteral("usd"), 9000).ok());
    report = run(s);
    QVERIFY(report.ok());
    QCOMPARE(report->failed, 1);
    QCOMPARE(report->messages.size(), 1);
    QCOMPARE(stored(s, r->id)->status, QStringLiteral("pending"));
    QCOMPARE(s.outboxCount(), 0);
    QCOMPARE(rewardsOf(referrer).size(), 0);
}

QTEST_GUILESS_MAIN(tst_ReferralProgram)
#include "tst_referralprogram.moc"
