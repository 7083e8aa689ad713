#pragma once

#include "services/domain/result.h"
#include "services/pricing/customdeal.h"
#include "services/storage/billingdatabase.h"

namespace Billing {

// Custom-pricing deals and their approvals in the billing database (SQLite or PostgreSQL),
// through BillingDatabase::database()/dialect(), tables created by ensureSchema() (CREATE TABLE
// IF NOT EXISTS, RetentionRepository's pattern). Every write is one transaction; decide() changes
// a deal only while it is still pending (a second approver gets Conflict). Threading: the thread
// that owns the BillingDatabase (its DbThread worker). Errors: Database (plain userMessage),
// Validation (nothing written), NotFound, Conflict.
class CustomDealRepository final
{
public:
    explicit CustomDealRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();
    Result<qint64> insert(const CustomDeal &deal);
    Result<CustomDeal> deal(qint64 id) const;
    // Newest first; status empty = all.
    Result<QList<CustomDeal>> deals(const QString &status = {}) const;
    // Pending -> Approved/Rejected.
    Status decide(qint64 id, bool approve, const QString &by, const QString &note, const QDateTime &at);
    // Approved -> Sent (with the outbox entries) or Failed (with the reason).
    Status markSent(qint64 id, const QList<qint64> &entryIds);
    Status markFailed(qint64 id, const QString &reason);

private:
    Status transition(qint64 id, const QString &from, const QString &sql, const QVariantList &values);
    BillingDatabase &m_db;
};

} // namespace Billing
