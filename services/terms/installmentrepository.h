#pragma once

#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"
#include "services/terms/installmentplan.h"

namespace Billing {

// Installment plans and their installments in the billing database (SQLite or PostgreSQL), through
// the BillingDatabase's connection; tables from ensureSchema() (CREATE TABLE IF NOT EXISTS under the
// migration lock). Threading: the BillingDatabase's thread. Errors: Database with a plain message,
// Validation for bad input (nothing written), NotFound for an unknown plan.
class InstallmentRepository final
{
public:
    explicit InstallmentRepository(BillingDatabase &db) : m_db(db) {}

    Status ensureSchema();
    // The plan and all its installments (and an audit row) in one transaction; returns the id.
    Result<qint64> create(const InstallmentPlan &plan, const QString &actor);
    Result<InstallmentPlan> plan(qint64 id) const;
    // Plans of one customer (every plan when empty), newest first.
    Result<QList<InstallmentPlan>> plans(const QString &customerId = {}) const;
    // (plan id, installment) whose invoice is due to be created or finished by `now`.
    Result<QList<QPair<qint64, Installment>>> due(const QDateTime &now) const;
    // Records the stage an installment reached and the Stripe ids it got (one transaction).
    Status advance(qint64 planId, int seq, Installment::Stage stage, const QString &invoiceId, const QString &itemId);
    Status recordInvoiceStatus(qint64 planId, int seq, const QString &status, qint64 amountPaidMinor);

private:
    BillingDatabase &m_db;
};

} // namespace Billing
