#pragma once

#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/terms/installmentplan.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace Billing {

class AsyncBillingDatabase;
class OperationRunner;
class OutboxService;
class StripeClient;

// What one run did.
struct InstallmentRunReport
{
    int due = 0;            // installments that were due (or unfinished) at the start
    int invoicesCreated = 0; // invoices finalized (sent for payment) by this run
    int pending = 0;        // still waiting in the outbox (offline, backoff): the next run resumes them
    QStringList errors;     // one line per installment that failed, plain words
};

// Installment plans: an amount split into N invoices (one-off invoices with send_invoice terms and a
// due date, each created on its issue date by `runDue`, the scheduler's job), kept in the billing
// database with their paid and remaining balance.
//
// Mechanism: for each due installment three Stripe writes, each through OperationRunner
// (Permission::ManagePaymentTerms) with its own clientOpId "installment:<plan>:<seq>:<step>":
// POST /v1/invoices (draft, pending items excluded, due_date, PO number), POST /v1/invoiceitems
// (the amount on that invoice), POST /v1/invoices/{id}/finalize. The stage each installment reached
// is stored after each write, and a repeated or interrupted run re-submits the same clientOpId, which
// the outbox maps to the same entry: Stripe gets each write exactly once.
//
// Threading: GUI thread (or the command line's event loop); answers arrive on it while the context
// lives. Errors: Validation (plain words, nothing written), Unauthorized, Database, Stripe's errors.
class InstallmentService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InstallmentService)
public:
    InstallmentService(StripeClient *client, OperationRunner *runner, OutboxService *outbox, AsyncBillingDatabase *billingDb,
                       QObject *parent = nullptr);
    ~InstallmentService() override;

    // How long runDue waits for one write before leaving it queued for the next run.
    void setWriteTimeoutMs(int ms) { m_writeTimeoutMs = ms; }

    void createPlan(const InstallmentPlanDraft &draft, QObject *context, std::function<void(Result<qint64>)> handler);
    void plans(const QString &customerId, QObject *context, std::function<void(Result<QList<InstallmentPlan>>)> handler);
    // Creates (or finishes creating) every installment invoice whose issue date is <= now.
    void runDue(const QDateTime &now, QObject *context, std::function<void(Result<InstallmentRunReport>)> handler);
    // Reads each created invoice's status and amount paid from Stripe and stores them; returns the
    // plan with its paid / remaining balance.
    void refresh(qint64 planId, QObject *context, std::function<void(Result<InstallmentPlan>)> handler);

    // The three writes of an installment (public for tests and the audit preview).
    static OutboxOperation invoiceOperation(const InstallmentPlan &plan, const Installment &installment);
    static OutboxOperation itemOperation(const InstallmentPlan &plan, const Installment &installment, const QString &invoiceId);
    static OutboxOperation finalizeOperation(qint64 planId, const Installment &installment, const QString &invoiceId);

Q_SIGNALS:
    void plansChanged(const QString &customerId);

private:
    struct Run;
    void step(const std::shared_ptr<Run> &run);
    void submitAndWait(const OutboxOperation &op, const QString &customerId, const QString &summary,
                       std::function<void(Result<OutboxEntry>)> done);
    void waitFor(qint64 entryId, int waitedMs, std::function<void(Result<OutboxEntry>)> done);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<OutboxService> m_outbox;
    QPointer<AsyncBillingDatabase> m_billingDb;
    int m_writeTimeoutMs = 60000;
};

} // namespace Billing
