#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

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
    // All rows in one transaction; returns their ids in order.
    Result<QList<qint64>> record(const QList<RetentionRecord> &records);
    // Rows with at in [from, to) (invalid = no bound), oldest first.
    Result<QList<RetentionRecord>> records(const QDateTime &from, const QDateTime &to) const;

private:
    BillingDatabase &m_db;
};

} // namespace Billing
