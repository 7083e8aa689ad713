#pragma once

#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/promotions/referralrepository.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <memory>

namespace Billing {

class AsyncBillingDatabase;
class CustomerCreditService;
class StripeClient;

// What one ReferralProgram::run did.
struct ReferralRunReport
{
    int checked = 0;   // open referrals looked at
    int waiting = 0;   // referee has not paid an invoice yet
    int rewarded = 0;  // credited in this run
    int recovered = 0; // Stripe already held the credit (an earlier run or console): recorded, not sent again
    int skipped = 0;   // no reward rule for the currency
    int failed = 0;    // refused or failed: see messages
    QStringList messages; // plain words, one per problem
};

// The referral programme: records who referred whom (billing database, ReferralRepository) and
// rewards the referrer once when the referee has paid their first invoice (an invoice with status
// paid and amount_paid > 0): a customer balance credit of the rule's amount for the referrer's
// currency (else the invoice's), through CustomerCreditService (OperationRunner: role and credit
// limit, audit, outbox).
//
// Exactly once: a referral is claimed (pending -> rewarding, in one transaction that only succeeds
// for one run or console); its credit carries clientOpId "referral-reward:<id>" (one outbox entry,
// one idempotency key) and metadata[referral_id]. Before crediting, a run looks for a balance
// transaction of the referrer with that metadata and, if Stripe has one, records it instead of
// crediting again (a crash after Stripe applied it, another console's outbox).
//
// Threading: GUI thread (or the CLI's main thread); asynchronous. One run at a time: run() while
// running answers with the running one's report too.
class ReferralProgram final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReferralProgram)
public:
    ReferralProgram(AsyncBillingDatabase *billingDb, StripeClient *client, CustomerCreditService *credits,
                    QObject *parent = nullptr);
    ~ReferralProgram() override;

    void record(const Referral &referral, QObject *context, std::function<void(Result<Referral>)> handler);
    void referralsOf(const QString &customerId, QObject *context, std::function<void(Result<QList<Referral>>)> handler);
    void rules(QObject *context, std::function<void(Result<QList<ReferralRule>>)> handler);
    void setRule(const QString &currency, qint64 rewardMinor, QObject *context, std::function<void(Status)> handler);

    bool isRunning() const { return bool(m_run); }
    void run(QObject *context, std::function<void(Result<ReferralRunReport>)> done);

Q_SIGNALS:
    // A referral's status changed (claimed, rewarded, released).
    void referralChanged(qint64 id, const QString &referrerId, const QString &refereeId);
    void runFinished(const Billing::ReferralRunReport &report);

private:
    struct Run;
    void next();
    void qualify(const Referral &r);
    void reward(const Referral &r);
    void credit(const Referral &r);
    void onCreditFinished(const OutboxEntry &entry);
    void finishCredit(const Referral &r, const OutboxEntry &entry);
    void problem(const Referral &r, const QString &text, bool release);
    void finishRun(std::optional<Error> error);

    QPointer<AsyncBillingDatabase> m_db;
    QPointer<StripeClient> m_client;
    QPointer<CustomerCreditService> m_credits;
    std::shared_ptr<Run> m_run;
    QHash<qint64, std::function<void(const OutboxEntry &)>> m_waiting; // outbox entry id -> continuation
};

} // namespace Billing
