#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// One referral: the referrer brought the referee. Lifecycle (status):
//  pending    recorded; the referee has not paid an invoice yet
//  rewarding  the referee paid; the reward is claimed for this referral (amount and currency
//             fixed) and is being credited: the outbox entry (reward_outbox_entry_id) carries it
//  rewarded   Stripe holds the referrer's credit (reward_transaction_id)
//  void       cancelled by staff; never rewarded
struct Referral
{
    qint64 id = 0;
    QDateTime createdAt; // UTC
    QString referrerId;  // cus_...
    QString refereeId;   // cus_...
    QString code;        // the referral code the referee used (may be empty)
    QString status = QStringLiteral("pending");
    qint64 rewardMinor = 0;   // set when claimed
    QString rewardCurrency;   // lower case, set when claimed
    QString qualifyingInvoiceId;
    qint64 rewardOutboxEntryId = 0;
    QString rewardTransactionId; // cbtxn_...
    QDateTime rewardedAt;
    QString actor; // who recorded it
    QString note;
    QString lastError; // the last run's problem with it, plain words

    // "referral-reward:<id>": the one clientOpId (and metadata[referral_id] on the credit) of its reward.
    QString rewardOpId() const { return QStringLiteral("referral-reward:%1").arg(id); }
};

// The reward for the referrer, per currency: `reward` of that currency when a referee paying in it
// (or a referrer billed in it) qualifies.
struct ReferralRule
{
    QString currency; // lower case
    qint64 rewardMinor = 0;
};

// Referral records and reward rules in the billing database (SQLite or PostgreSQL), through the
// BillingDatabase's own connection; tables created by ensureSchema() (CREATE TABLE IF NOT EXISTS,
// under the migration lock). Every write is one transaction.
// Threading: the BillingDatabase's thread. Errors: Database (plain userMessage), Validation for
// bad input, Conflict when the referee was already referred (nothing written).
class ReferralRepository final
{
public:
    explicit ReferralRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();

    Result<Referral> record(Referral referral);
    Result<std::optional<Referral>> referral(qint64 id) const;
    // Where the customer is the referrer or the referee, newest first.
    Result<QList<Referral>> referralsOf(const QString &customerId) const;
    // Pending and rewarding ones, oldest first (what a run looks at).
    Result<QList<Referral>> open() const;
    Result<QList<Referral>> all() const;

    // pending -> rewarding with the reward fixed. False (nothing changed) when another run or
    // console claimed it first or it is no longer pending.
    Result<bool> claim(qint64 id, const Money &reward, const QString &invoiceId);
    Status setRewardEntry(qint64 id, qint64 outboxEntryId);
    // rewarding -> rewarded.
    Status markRewarded(qint64 id, const QString &transactionId, const QDateTime &at);
    // rewarding -> pending (nothing was sent: e.g. the role was refused), with the reason.
    Status release(qint64 id, const QString &error);
    Status setError(qint64 id, const QString &error);
    Status voidReferral(qint64 id);

    Result<QList<ReferralRule>> rules() const;
    Result<std::optional<ReferralRule>> rule(const QString &currency) const;
    // rewardMinor > 0 sets the currency's reward; 0 removes it.
    Status setRule(const QString &currency, qint64 rewardMinor);

private:
    Status exec(const QString &failedText, const QString &sql, const QVariantList &values);
    Result<QList<Referral>> select(const QString &where, const QVariantList &values) const;

    BillingDatabase &m_db;
};

} // namespace Billing
