#pragma once

#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"
#include "services/terms/paymentterms.h"
#include "services/terms/paymenttermsrepository.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;
class OperationRunner;
class StripeClient;

// A subscription's current terms as Stripe has them.
struct SubscriptionTermsContext
{
    QString subscriptionId;
    QString customerId;
    Currency currency;
    PaymentTerms current; // collection method, days until due, payment method types
};

// Payment terms: customer defaults in the billing database, applied to the subscriptions and
// invoices the console creates. Writes to Stripe go through OperationRunner with
// Permission::ManagePaymentTerms (POST /v1/subscriptions/{id}, POST /v1/invoices); saving a
// customer's defaults checks the same permission and writes one billing-DB transaction with its
// audit row.
// Threading: GUI thread; handlers run on it while their context lives. Errors: Validation (plain
// words, nothing written or queued), Unauthorized, Database, Network/... from Stripe reads.
class PaymentTermsService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PaymentTermsService)
public:
    PaymentTermsService(StripeClient *client, OperationRunner *runner, AsyncBillingDatabase *billingDb,
                        QObject *parent = nullptr);
    ~PaymentTermsService() override;

    void customerDefaults(const QString &customerId, QObject *context,
                          std::function<void(Result<std::optional<StoredPaymentTerms>>)> handler);
    // Saves the defaults (one billing-DB transaction with its audit row), then queues POST
    // /v1/customers/{id} with invoice_settings custom_fields (PO number + extra fields) and footer
    // through the outbox, so the invoices Stripe creates itself (renewals) carry them too.
    // `handler` runs once both are done (or with the first error); `queued` (optional) gets the
    // outbox entry of the customer update.
    void saveCustomerDefaults(const QString &customerId, const PaymentTerms &terms, QObject *context,
                              std::function<void(Status)> handler,
                              std::function<void(Result<OutboxEntry>)> queued = {});
    // POST /v1/customers/{id} with the terms' customer parameters (PaymentTerms::customerParams).
    static OutboxOperation customerOperation(const QString &customerId, const PaymentTerms &terms, const QString &clientOpId);

    void loadSubscription(const QString &subscriptionId, QObject *context,
                          std::function<void(Result<SubscriptionTermsContext>)> handler);
    // POST /v1/subscriptions/{id} with the terms' subscription parameters.
    static OutboxOperation subscriptionOperation(const SubscriptionTermsContext &context, const PaymentTerms &terms,
                                                 const QString &clientOpId);
    void applyToSubscription(const SubscriptionTermsContext &context, const PaymentTerms &terms, const QString &clientOpId,
                             QObject *receiver, std::function<void(Result<OutboxEntry>)> queued);

    // POST /v1/invoices for `customerId` in `currency`: a draft invoice with the terms (pending
    // invoice items excluded; the caller adds lines). `extra` adds or overrides parameters
    // (due_date, metadata, auto_advance...).
    static OutboxOperation invoiceOperation(const QString &customerId, const Currency &currency, const PaymentTerms &terms,
                                            const QJsonObject &extra, const QString &clientOpId);
    void createInvoice(const QString &customerId, const Currency &currency, const PaymentTerms &terms,
                       const QJsonObject &extra, const QString &clientOpId, QObject *receiver,
                       std::function<void(Result<OutboxEntry>)> queued);
    // The same with the customer's stored defaults (charge automatically when none are stored).
    void createInvoiceWithDefaults(const QString &customerId, const Currency &currency, const QJsonObject &extra,
                                   const QString &clientOpId, QObject *receiver,
                                   std::function<void(Result<OutboxEntry>)> queued);

Q_SIGNALS:
    void customerTermsChanged(const QString &customerId);

private:
    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<AsyncBillingDatabase> m_billingDb;
};

} // namespace Billing
