#pragma once

#include "services/access/accesspolicy.h"
#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDate>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>

#include <functional>
#include <optional>

namespace Billing {

class AsyncLocalCache;
class OperationRunner;
class StripeClient;

// What can be done to an invoice from the console, and the Stripe request each one becomes.
//  Finalize             POST /v1/invoices/{id}/finalize             draft only
//  Send                 POST /v1/invoices/{id}/send                 open or paid, collection_method send_invoice
//  Void                 POST /v1/invoices/{id}/void                 open or uncollectible (finalized, not paid)
//  MarkUncollectible    POST /v1/invoices/{id}/mark_uncollectible   open only
//  Pay                  POST /v1/invoices/{id}/pay                  open or uncollectible, something left to pay
//  RecordOfflinePayment POST /v1/invoices/{id}/pay paid_out_of_band=true (then POST /v1/invoices/{id} with
//                       metadata[offline_payment_*]: /pay takes no metadata) open or uncollectible
enum class InvoiceAction { Finalize, Send, Void, MarkUncollectible, Pay, RecordOfflinePayment };

// "finalize", "send", "void", "mark_uncollectible", "pay", "pay_out_of_band"
QString invoiceActionName(InvoiceAction action);
std::optional<InvoiceAction> invoiceActionFromName(QStringView name);
// The role permission an action needs: InvoiceActions (finalize, send, pay), WriteOff (void, mark
// uncollectible), RecordOfflinePayment (offline payments).
Permission invoiceActionPermission(InvoiceAction action);
// "Finalize", "Send", "Void", "Mark uncollectible", "Pay now", "Record offline payment" (tr()'d)
QString invoiceActionLabel(InvoiceAction action);

// How money arrived outside Stripe.
enum class OfflinePaymentMethod { Wire, Cheque, Cash, Other };
QString offlinePaymentMethodName(OfflinePaymentMethod method); // "wire", "cheque", "cash", "other"
std::optional<OfflinePaymentMethod> offlinePaymentMethodFromName(QStringView name);
QString offlinePaymentMethodLabel(OfflinePaymentMethod method); // "Wire transfer", "Cheque", ... (tr()'d)

// A payment received outside Stripe: kept in the audit row and in the invoice's metadata
// (offline_payment_method, offline_payment_reference, offline_payment_date, offline_payment_note).
struct OfflinePayment
{
    OfflinePaymentMethod method = OfflinePaymentMethod::Wire;
    QString reference; // bank reference or cheque number: required, up to 500 characters
    QDate receivedOn;  // the day the money arrived: required, not in the future
    QString note;      // optional, up to 500 characters
};

// The invoice as Stripe has it now (what the state rules are checked against).
struct InvoiceActionTarget
{
    QString invoiceId;
    QString number;
    QString status;           // draft | open | paid | uncollectible | void
    QString collectionMethod; // charge_automatically | send_invoice
    QString customerId;
    Money amountDue;
    Money amountRemaining;
};

struct InvoiceActionRequest
{
    InvoiceAction action = InvoiceAction::Finalize;
    QString invoiceId;
    OfflinePayment offline; // RecordOfflinePayment only
    // One dialog session: the same id maps to ONE outbox entry, however often it is submitted.
    // Empty: a new one is made (newSessionOpId).
    QString clientOpId;
};

// Invoice actions by role, each through OperationRunner (role check, audit, outbox with one
// idempotency key, Stripe's answer into the cache). Before anything is queued the invoice is read
// from Stripe and checked against Stripe's state rules (the table above); a refusal is a
// Validation error in plain words and nothing is sent or queued.
//
// Threading: GUI thread. Every call returns at once; handlers run on this thread while their
// context lives. Errors: Validation (wrong state, bad offline payment), Unauthorized (role),
// NotFound/Network/... from the Stripe read, Database from the outbox.
class InvoiceActionService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoiceActionService)
public:
    static constexpr int MaxTextLength = 500; // Stripe's limit for a metadata value

    // Every pointer must outlive this service; cache may be null.
    InvoiceActionService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache,
                         QObject *parent = nullptr);
    ~InvoiceActionService() override;

    // A new clientOpId for one dialog session ("invoice.<action>:<invoice>:<uuid>").
    static QString newSessionOpId(InvoiceAction action, const QString &invoiceId);

    // Reads the invoice from Stripe (GET /v1/invoices/{id}).
    void load(const QString &invoiceId, QObject *context, std::function<void(Result<InvoiceActionTarget>)> handler);

    // Stripe's state rules for an action, in plain words (Validation) when it does not apply.
    static Status check(const InvoiceActionTarget &target, InvoiceAction action);
    // Which of the actions apply to an invoice in this state (for menus and buttons).
    static QList<InvoiceAction> applicableActions(const InvoiceActionTarget &target);
    // Reference required, date valid and not in the future, lengths within MaxTextLength.
    static Status validateOfflinePayment(const OfflinePayment &payment, const QDate &today = QDate::currentDate());

    // The outbox operation a request becomes (for the confirmation text, the audit and tests).
    static OutboxOperation operationFor(const InvoiceActionRequest &request);

    // Re-reads the invoice from Stripe, checks role and state, and submits through OperationRunner.
    // `queued` gets the committed entry (or the refusal); the outcome follows through
    // OperationRunner::operationFinished and invoiceActionFinished. A clientOpId already submitted
    // in this console gives its existing entry again without a second request.
    void submit(const InvoiceActionRequest &request, QObject *context, std::function<void(Result<OutboxEntry>)> queued);

    // Shorthands for callers outside the invoices pane (dunning queue).
    void payNow(const QString &invoiceId, QObject *context, std::function<void(Result<OutboxEntry>)> queued);
    void recordOfflinePayment(const QString &invoiceId, const OfflinePayment &payment, QObject *context,
                              std::function<void(Result<OutboxEntry>)> queued);

Q_SIGNALS:
    // Stripe answered an action submitted through this service (the cache is updated already).
    // ok false: error holds Stripe's message.
    void invoiceActionFinished(const QString &invoiceId, Billing::InvoiceAction action, bool ok, const QString &error);

private:
    void onOperationFinished(const OutboxEntry &entry);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
    QPointer<AsyncLocalCache> m_cache;
    // clientOpId -> everyone waiting for that submit's answer (a double submit joins the first).
    QHash<QString, QList<QPair<QPointer<QObject>, std::function<void(Result<OutboxEntry>)>>>> m_waiting;
    // clientOpId -> the entry it became (a later submit of the same session gets it again).
    QHash<QString, OutboxEntry> m_submitted;
    // outbox entry id -> (request) for entries whose outcome this service reports.
    QHash<qint64, InvoiceActionRequest> m_pending;
};

} // namespace Billing
