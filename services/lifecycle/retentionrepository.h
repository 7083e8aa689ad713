#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace Billing {

// Whether the Stripe write that followed a retention conversation took effect.
//  Pending    written before the write was queued; not counted until Stripe answers
//  Confirmed  the outbox entry succeeded (Stripe applied the discount, pause, plan or cancellation)
//  NotApplied the entry failed, needs attention, or was refused: the customer's choice is kept for
//             the record, but it is not counted as accepted and saved no revenue
enum class RetentionOutcome { Pending, Confirmed, NotApplied };
QString retentionOutcomeName(RetentionOutcome outcome); // "pending", "confirmed", "not_applied"
std::optional<RetentionOutcome> retentionOutcomeFromName(QStringView name);

// One retention offer made to a leaving customer, and whether it was accepted. kind "none" records
// a cancellation where no offer fitted (counted by reason, not as an offer).
struct RetentionRecord
{
    qint64 id = 0;            // assigned by record()
    QDateTime at;             // UTC; record() fills "now" when invalid
    QString subscriptionId;   // sub_...
    QString customerId;       // cus_...
    QString reason;           // Stripe cancellation_details.feedback value
    QString comment;
    QString offerKind;        // "discount", "pause", "cheaper_plan", "none"
    QString offerDetail;      // coupon id, price id or "3 months": what exactly was offered
    bool accepted = false;
    qint64 revenueAtStakeMinor = 0; // monthly amount before the offer
    qint64 revenueKeptMinor = 0;    // monthly amount kept (after the offer; 0 when not accepted)
    QString currency;               // lower case ISO 4217, as Stripe
    QString actor;                  // staff email
    qint64 outboxEntryId = 0;       // the outbox entry of the Stripe write that followed, 0 = none
    RetentionOutcome outcome = RetentionOutcome::Pending;
    QString clientOpId;     // the outbox clientOpId of that write ("retention:<session>:<sub>:accept")
    QString idempotencyKey; // its idempotency key once queued ("" before): links to the audit log
    QDateTime settledAt;    // UTC, when the outcome became Confirmed/NotApplied (invalid while pending)
};

// The retention records in the billing database (SQLite or PostgreSQL), through the
// BillingDatabase's own connection (BillingDatabase::database() and dialect()).
//
// Tables are created by ensureSchema() (CREATE TABLE IF NOT EXISTS under the same lock as the
// billing database's migrations), so this capability adds no step to BillingDatabase's schema.
// Threading: the thread that owns the BillingDatabase (its DbThread worker). Errors:
// Kind::Database with a plain userMessage; Kind::Validation for bad records (nothing written).
class RetentionRepository final
{
public:
    explicit RetentionRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();
    // All rows in one transaction; returns their ids in order. Idempotent per clientOpId: when rows
    // with the first record's non-empty clientOpId exist already (a double submit, a retry after a
    // crash), nothing is written and their ids are returned.
    Result<QList<qint64>> record(const QList<RetentionRecord> &records);
    // Rows with at in [from, to) (invalid = no bound), oldest first, whatever their outcome.
    Result<QList<RetentionRecord>> records(const QDateTime &from, const QDateTime &to) const;

    // Links the pending rows of clientOpId to their queued outbox entry. Returns rows changed.
    Result<int> attachEntry(const QString &clientOpId, qint64 outboxEntryId, const QString &idempotencyKey);
    // Settles the still pending rows of one Stripe write (matched by clientOpId, or by the
    // idempotency key when clientOpId is empty) to Confirmed or NotApplied, in one transaction.
    // NotApplied also clears accepted and the revenue kept. Rows already settled are left alone,
    // so settling twice changes nothing. Returns the subscription ids whose rows changed.
    Result<QStringList> settle(const QString &clientOpId, const QString &idempotencyKey, RetentionOutcome outcome,
                               const QDateTime &at);
    // Settles every pending row whose write already has an outcome row in the audit log (result
    // "ok" -> Confirmed; "error: ..."/"needs attention: ..." -> NotApplied): the start-up catch-up for
    // writes that finished while no console listened. Returns the subscription ids changed.
    Result<QStringList> settleFromAudit(const QDateTime &at);

private:
    BillingDatabase &m_db;
};

} // namespace Billing
