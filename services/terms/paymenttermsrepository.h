#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"
#include "services/terms/paymentterms.h"

#include <QDateTime>
#include <optional>

namespace Billing {

// A customer's default payment terms as stored in the billing database.
struct StoredPaymentTerms
{
    QString customerId;
    PaymentTerms terms;
    QDateTime updatedAt; // UTC
    QString updatedBy;   // staff email
};

// Customer-level payment terms in the billing database (SQLite or PostgreSQL), through the
// BillingDatabase's own connection. Tables come from ensureSchema() (CREATE TABLE IF NOT EXISTS
// under the migration lock). Threading: the thread that owns the BillingDatabase. Errors:
// Database with a plain message; Validation for bad terms (nothing written).
class PaymentTermsRepository final
{
public:
    explicit PaymentTermsRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();
    // Inserts or replaces the customer's terms and appends an audit row, in one transaction.
    Status save(const QString &customerId, const PaymentTerms &terms, const QString &actor);
    // nullopt when the customer has no stored terms.
    Result<std::optional<StoredPaymentTerms>> load(const QString &customerId) const;
    Status remove(const QString &customerId, const QString &actor);

private:
    BillingDatabase &m_db;
};

} // namespace Billing
