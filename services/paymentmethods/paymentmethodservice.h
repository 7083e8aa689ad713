#pragma once

#include "services/access/accesspolicy.h"
#include "services/domain/paymentmethod.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>

namespace Billing {

class AsyncLocalCache;
class OperationRunner;
class StripeClient;

// One of the customer's subscriptions, as far as payment methods go.
struct PaymentMethodSubscription
{
    QString id;                   // sub_...
    QString status;               // active, trialing, past_due, ...
    QString defaultPaymentMethod; // the subscription's own default_payment_method (empty: none)
    // Subscriptions that still bill: a detach can leave them without a way to pay.
    bool bills() const;
};

// A customer's payment methods as Stripe has them now (PaymentMethodService::load).
struct PaymentMethodsView
{
    QString customerId;
    QString customerName;
    QString currency;             // lower case; empty until the customer was first invoiced
    QString defaultPaymentMethod; // invoice_settings.default_payment_method (empty: none)
    QList<PaymentMethod> methods; // newest first
    QList<PaymentMethodSubscription> subscriptions; // not canceled
    QDateTime loadedAt;           // UTC

    const PaymentMethod *method(const QString &id) const;
    // Subscriptions whose own default_payment_method is `id`.
    QStringList subscriptionsUsing(const QString &id) const;
    // The method a subscription's invoices are charged to: its own default, else the customer's.
    QString effectiveMethodOf(const PaymentMethodSubscription &subscription) const;
    // Plain words on what detaching `id` would break, or empty when nothing: the only method of a
    // customer with a billing subscription, the default of a billing subscription, or the
    // customer's default that billing subscriptions fall back to.
    QString detachWarning(const QString &id) const;
};

// "Visa •••• 4242, expires 04/2027" / "STRIPE TEST BANK •••• 6789 (bank account)".
QString paymentMethodLabel(const PaymentMethod &method);
// "04/2027", empty for methods without an expiry.
QString paymentMethodExpiry(const PaymentMethod &method);

// A hosted page where the customer adds a payment method (Checkout in setup mode).
struct SetupLink
{
    QString sessionId; // cs_...
    QUrl url;
    QDateTime expiresAt; // UTC
};

// Payment method management for one customer: reads from Stripe (and refreshes the cache with
// what it read), writes through OperationRunner with Permission::ManagePaymentMethods (role check,
// audit, outbox with its idempotency key). Stripe calls:
//   GET  /v1/customers/{id}, /v1/customers/{id}/payment_methods (all pages), /v1/subscriptions?customer=
//   POST /v1/customers/{id}               invoice_settings[default_payment_method]
//   POST /v1/subscriptions/{id}           default_payment_method
//   POST /v1/payment_methods/{id}/detach
//   POST /v1/checkout/sessions            mode=setup: a link where the customer adds a method
// Threading: GUI thread; every call returns at once and its handler runs on this thread while the
// context lives. Errors: Validation (plain words, nothing queued), Unauthorized (role), Network,
// NotFound, ... from Stripe, Database from the cache or outbox.
class PaymentMethodService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PaymentMethodService)
public:
    static constexpr const char *SetCustomerDefaultOp = "customer.default_payment_method";
    static constexpr const char *SetSubscriptionDefaultOp = "subscription.default_payment_method";
    static constexpr const char *DetachOp = "payment_method.detach";
    static constexpr const char *SetupLinkOp = "checkout_session.setup";

    // Every pointer must outlive this service; cache may be null (nothing is cached then).
    PaymentMethodService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache,
                         QObject *parent = nullptr);
    ~PaymentMethodService() override;

    // The customer, every payment method (all pages) and the subscriptions that are not canceled.
    // The methods replace the customer's cached ones (a method Stripe no longer lists leaves the
    // cache), and the customer and subscriptions are upserted.
    void load(const QString &customerId, QObject *context, std::function<void(Result<PaymentMethodsView>)> handler);
    // The cached methods only (no network): for the customer panel before a load answered.
    void cached(const QString &customerId, QObject *context, std::function<void(Result<QList<PaymentMethod>>)> handler);

    // The operations (for tests and the audit preview). Validation when the method is not the
    // customer's, the subscription not theirs, or (detach) a warning applies and was not accepted.
    static Result<OutboxOperation> setCustomerDefaultOperation(const PaymentMethodsView &view, const QString &methodId);
    static Result<OutboxOperation> setSubscriptionDefaultOperation(const PaymentMethodsView &view,
                                                                   const QString &subscriptionId,
                                                                   const QString &methodId);
    static Result<OutboxOperation> detachOperation(const PaymentMethodsView &view, const QString &methodId,
                                                   bool warningAccepted);

    // Each queues one outbox entry (`queued` gets it, or the refusal); the outcome follows through
    // OperationRunner::operationFinished and, for these operations, operationDone(). clientOpId:
    // the dialog session, so a double click queues one entry.
    void setCustomerDefault(const PaymentMethodsView &view, const QString &methodId, const QString &clientOpId,
                            QObject *context, std::function<void(Result<OutboxEntry>)> queued);
    void setSubscriptionDefault(const PaymentMethodsView &view, const QString &subscriptionId,
                                const QString &methodId, const QString &clientOpId, QObject *context,
                                std::function<void(Result<OutboxEntry>)> queued);
    void detach(const PaymentMethodsView &view, const QString &methodId, bool warningAccepted,
                const QString &clientOpId, QObject *context, std::function<void(Result<OutboxEntry>)> queued);

    // Where the customer lands after the hosted page when the workspace names no page of its own.
    static QUrl defaultReturnUrl();
    // Creates a Checkout Session in setup mode for the customer (currency: the customer's, else
    // `fallbackCurrency`; methods: card, plus us_bank_account for USD) and hands its link over once
    // Stripe answered (the session goes through the outbox and the audit like every write).
    void createSetupLink(const PaymentMethodsView &view, const QString &fallbackCurrency, const QUrl &successUrl,
                         const QUrl &cancelUrl, QObject *context, std::function<void(Result<SetupLink>)> done);

    static SetupLink setupLinkFrom(const QJsonObject &session);
    static QString newSessionOpId(const QString &customerId);

Q_SIGNALS:
    // One of this service's operations left the outbox (Succeeded, Failed or NeedsAttention) and
    // the cache holds its result; customerId names the customer it concerned.
    void operationDone(const Billing::OutboxEntry &entry, const QString &customerId);

private:
    void submit(Permission permission, const OutboxOperation &op, const QString &customerId,
                const QString &before, const QString &intent, QObject *context,
                std::function<void(Result<OutboxEntry>)> queued);
    void onFinished(const OutboxEntry &entry);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<AsyncLocalCache> m_cache;
    QHash<qint64, std::function<void(const OutboxEntry &)>> m_waiting;
};

} // namespace Billing
