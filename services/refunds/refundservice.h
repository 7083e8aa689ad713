#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <optional>

namespace Billing {

class AsyncLocalCache;
class OperationRunner;
class OutboxService;
class StripeClient;

// Stripe's refund reasons (the `reason` of POST /v1/refunds).
enum class RefundReason { RequestedByCustomer, Duplicate, Fraudulent };
QString refundReasonName(RefundReason reason); // "requested_by_customer", "duplicate", "fraudulent"
std::optional<RefundReason> refundReasonFromName(QStringView name);

// What happens to the money.
//  Refund               POST /v1/refunds against the invoice's payment intent
//  RefundWithCreditNote POST /v1/credit_notes with refund_amount = amount (Stripe refunds the
//                       payment and documents it on the invoice)
//  CreditToBalance      POST /v1/credit_notes with credit_amount = amount: no money goes back to the
//                       card, the customer's balance pays their next invoices
//  CreditOutOfBand      POST /v1/credit_notes with out_of_band_amount = amount: paid back outside
//                       Stripe, documented on the invoice
enum class RefundMode { Refund, RefundWithCreditNote, CreditToBalance, CreditOutOfBand };
QString refundModeName(RefundMode mode); // "refund", "refund_with_credit_note", ...
inline bool refundModeIssuesCreditNote(RefundMode mode) { return mode != RefundMode::Refund; }
inline bool refundModeMovesMoney(RefundMode mode)
{
    return mode == RefundMode::Refund || mode == RefundMode::RefundWithCreditNote;
}

// A paid invoice's payment and what can still be given back, as loaded by RefundService::load.
// Every Money is in the invoice's currency.
struct RefundContext
{
    QString invoiceId;
    QString invoiceNumber;
    QString invoiceStatus;
    QString customerId;
    QString customerName;
    Currency currency;
    QString paymentIntentId;
    QString chargeId;
    QString cardBrand; // "visa", empty when not a card
    QString cardLast4;
    Money paid;           // captured on the charge
    Money refunded;       // charge.amount_refunded when loaded
    Money pendingRefunds; // refunds (and credit notes with refund_amount) still in the outbox
    Money pendingCredits; // every credit note or refund still in the outbox (limits credit notes)
    Money refundable;     // paid - refunded - pendingRefunds, never below zero
    // What a credit note may still cover: invoice amount_paid - refunds - credit notes that gave
    // balance or out-of-band credit - everything pending, never below zero (Stripe subtracts
    // refunds made through the Refunds API from what a credit note may cover).
    Money creditable;
    QDateTime loadedAt; // UTC

    // The most `mode` can give back now.
    Money maximumFor(RefundMode mode) const;
    // "Visa •••• 4242", or "the original payment method".
    QString paymentMethodLabel() const;
};

struct RefundRequest
{
    Money amount; // in the invoice's currency, > 0
    RefundReason reason = RefundReason::RequestedByCustomer;
    QString note; // metadata[note] (and memo on credit notes) and the audit row; up to 500 chars
    RefundMode mode = RefundMode::Refund;
    // The dialog session: the same id maps to ONE outbox entry, however often it is submitted.
    QString clientOpId;
};

// Stripe's credit note preview for a request (GET /v1/credit_notes/preview).
struct CreditNotePreview
{
    QString number; // the number the credit note will get
    Money total;
    Money refundAmount;    // back to the card
    Money creditAmount;    // onto the customer's balance
    Money outOfBandAmount; // outside Stripe
};

// Refunds and credit notes for paid invoices. Loads the invoice's payment (cache payment attempts,
// then Stripe reads), computes exactly what can still be refunded (what Stripe captured, minus
// what Stripe refunded, minus what this console's outbox has queued for the same payment and not
// yet sent), validates typed amounts against it, and submits through OperationRunner (role and
// support-limit check, audit, outbox with one idempotency key: never sent twice).
//
// Threading: GUI thread. Every call returns at once; handlers run on this thread while their
// context lives. Errors: Validation (plain words, nothing sent or queued), Unauthorized (role or
// support limit), Network/Timeout/... from Stripe reads, Database from the outbox.
class RefundService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RefundService)
public:
    static constexpr int MaxNoteLength = 500; // Stripe's limit for a metadata value

    // Every pointer must outlive this service. cache may be null (payments then come from Stripe).
    RefundService(StripeClient *client, OutboxService *outbox, OperationRunner *runner, AsyncLocalCache *cache,
                  QObject *parent = nullptr);
    ~RefundService() override;

    // A new clientOpId for one dialog session ("refund:<invoice>:<uuid>").
    static QString newSessionOpId(const QString &invoiceId);

    // Loads the invoice's payment and the refundable remainder. Validation when the invoice is
    // not paid or has no captured card payment.
    void load(const QString &invoiceId, QObject *context, std::function<void(Result<RefundContext>)> handler);

    // Strict parse of a typed amount (major units, the invoice's currency and exponent) checked
    // against what `mode` can still give back. Validation with plain words when it is not valid.
    static Result<Money> parseAmount(const RefundContext &context, QStringView text, RefundMode mode,
                                     const QLocale &locale = QLocale::c());
    // Everything checkable without Stripe: currency, > 0, <= maximumFor(mode), note length.
    static Status validate(const RefundContext &context, const RefundRequest &request);

    // The outbox operation a request becomes (for the preview, the audit and tests).
    static OutboxOperation operationFor(const RefundContext &context, const RefundRequest &request);

    // Stripe's preview of the credit note a request would issue (modes with a credit note only).
    void previewCreditNote(const RefundContext &context, const RefundRequest &request, QObject *receiver,
                           std::function<void(Result<CreditNotePreview>)> handler);

    // Re-checks the amount against the outbox as it is now (pending entries for this payment,
    // including ones queued by other dialogs) and submits through OperationRunner. `queued` gets
    // the committed entry (or the refusal); the outcome follows through
    // OperationRunner::operationFinished. The same request.clientOpId always gives the same entry.
    void submit(const RefundContext &context, const RefundRequest &request, QObject *receiver,
                std::function<void(Result<OutboxEntry>)> queued);

    // Sum of the open outbox entries (and of those that succeeded after `since`) that refund
    // (refunds) or credit (credits) this payment, skipping `exceptClientOpId`.
    struct Reserved
    {
        qint64 refunds = 0;
        qint64 credits = 0;
    };
    static Reserved reservedBy(const QList<OutboxEntry> &entries, const RefundContext &context,
                               const QString &exceptClientOpId = {});

private:
    struct Load;
    void loadInvoice(const std::shared_ptr<Load> &load);
    void loadPaymentIntent(const std::shared_ptr<Load> &load);
    void loadCharge(const std::shared_ptr<Load> &load);
    void loadCreditNotes(const std::shared_ptr<Load> &load);
    void loadOutbox(const std::shared_ptr<Load> &load);
    void finishLoad(const std::shared_ptr<Load> &load, std::optional<Error> error);
    void openEntries(QObject *receiver, std::function<void(Result<QList<OutboxEntry>>)> handler);

    QPointer<StripeClient> m_client;
    QPointer<OutboxService> m_outbox;
    QPointer<OperationRunner> m_runner;
    QPointer<AsyncLocalCache> m_cache;
    // Amounts submitted but not yet committed to the outbox, by clientOpId (guards two dialogs
    // submitting at the same moment in this console).
    QHash<QString, QPair<QString, RefundRequest>> m_unconfirmed; // clientOpId -> (payment intent, request)
    // Everyone waiting for the answer of one clientOpId's submit.
    QHash<QString, QList<QPair<QPointer<QObject>, std::function<void(Result<OutboxEntry>)>>>> m_waiting;
};

} // namespace Billing
