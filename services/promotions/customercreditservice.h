#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"
#include "services/outbox/outboxentry.h"

#include <QDateTime>
#include <QList>
#include <QLocale>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

namespace Billing {

class OperationRunner;
class StripeClient;

// One entry of a customer's balance ledger (Stripe's customer balance transaction).
// Stripe's sign convention: a negative amount is a credit (the customer's balance moves in their
// favour: it pays part of their next invoices); a positive amount is a debit (added to the next
// invoice). ending_balance < 0 means the customer holds that much credit.
struct BalanceTransaction
{
    QString id;   // cbtxn_...
    QDateTime created; // UTC
    QString type; // adjustment, applied_to_invoice, credit_note, initial, invoice_overpaid, ...
    Money amount;        // signed, in the ledger's currency
    Money endingBalance; // signed
    QString description;
    QString invoiceId;
    QString creditNoteId;
    QMap<QString, QString> metadata;

    bool isCredit() const { return amount.isNegative(); }
};

// A customer's balance and its ledger, as Stripe has them now.
struct CreditLedger
{
    QString customerId;
    QString customerName;
    Currency currency;  // invalid while the customer has no currency yet
    Money balance;      // customer.balance, signed (Stripe's convention)
    QList<BalanceTransaction> transactions; // newest first, every page
    QDateTime loadedAt; // UTC

    Money totalCredits() const; // sum of the credits, as a positive amount
    Money totalDebits() const;  // sum of the debits, positive
};

// "Credit of 25.00 USD: the customer's next invoices are reduced by it" /
// "Owes 10.00 USD: added to the customer's next invoice" / "No balance".
QString balanceInWords(const Money &balance, const QLocale &locale = QLocale());
// The kind of entry in plain words ("Goodwill credit", "Applied to invoice", ...).
QString balanceTransactionKind(const BalanceTransaction &transaction);

struct GoodwillRequest
{
    Money amount;   // > 0, in the customer's currency: the credit given
    QString reason; // required, up to 500 characters; the description and metadata[reason]
    QString clientOpId; // the dialog session: one outbox entry however often it is submitted
};

// The customer's credit balance: the ledger (GET /v1/customers/{id} and
// /v1/customers/{id}/balance_transactions, all pages) and credits given to the customer
// (POST /v1/customers/{id}/balance_transactions with a negative amount) through OperationRunner with
// Permission::ApplyCredit, so AccessPolicy::checkCredit applies: support up to the workspace's credit
// limit for the currency, finance and admin above it; every request is audited, refusals too.
// Threading: GUI thread; calls return at once, handlers run on this thread while their context
// lives. Errors: Validation (plain words, nothing queued), Unauthorized, Stripe's errors.
class CustomerCreditService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CustomerCreditService)
public:
    static constexpr int MaxReasonLength = 500;
    static constexpr const char *GoodwillOp = "customer_balance.goodwill_credit";
    static constexpr const char *CreditOp = "customer_balance.credit";

    CustomerCreditService(StripeClient *client, OperationRunner *runner, QObject *parent = nullptr);
    ~CustomerCreditService() override;

    void load(const QString &customerId, QObject *context, std::function<void(Result<CreditLedger>)> handler);

    static QString newSessionOpId(const QString &customerId);
    // Strict parse of a typed credit in the ledger's currency (its exponent: "10.005" is refused
    // for USD, "10.5" for JPY), > 0.
    static Result<Money> parseAmount(const CreditLedger &ledger, QStringView text, const QLocale &locale = QLocale::c());
    static Status validate(const CreditLedger &ledger, const GoodwillRequest &request);
    static OutboxOperation goodwillOperation(const CreditLedger &ledger, const GoodwillRequest &request);

    // Queues the goodwill credit (`queued` gets the committed entry or the refusal); the outcome
    // follows through OperationRunner::operationFinished and creditFinished().
    void applyGoodwill(const CreditLedger &ledger, const GoodwillRequest &request, QObject *context,
                       std::function<void(Result<OutboxEntry>)> queued);

    // A credit for another reason (referral rewards): `amount` > 0 becomes a negative balance
    // transaction with `description` and `metadata`; same permission and limits as goodwill.
    void credit(const QString &customerId, const Money &amount, const QString &description,
                const QMap<QString, QString> &metadata, const QString &clientOpId, const QString &operation,
                const QString &intentSummary, QObject *context, std::function<void(Result<OutboxEntry>)> queued);

Q_SIGNALS:
    // A credit of this service left the outbox (Succeeded, Failed or NeedsAttention).
    void creditFinished(const Billing::OutboxEntry &entry, const QString &customerId);

private:
    void onFinished(const OutboxEntry &entry);

    QPointer<StripeClient> m_client;
    QPointer<OperationRunner> m_runner;
};

} // namespace Billing
