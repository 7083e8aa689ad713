#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

struct InvoiceLine
{
    QString id; // il_...
    QString description;
    qint64 amountMinor = 0;
    QString currency;
    qint64 quantity = 0;
    QString priceId;
    bool proration = false;
    QDateTime periodStart;
    QDateTime periodEnd;
};

// All amounts in minor units of `currency`.
struct Invoice
{
    QString id; // in_...
    QString number;
    QString customerId;
    QString subscriptionId; // parent.subscription_details.subscription
    QString status;         // draft | open | paid | uncollectible | void
    QString currency;
    QString collectionMethod;
    QString billingReason;
    qint64 subtotalMinor = 0;
    qint64 totalMinor = 0;
    qint64 amountDueMinor = 0;
    qint64 amountPaidMinor = 0;
    qint64 amountRemainingMinor = 0;
    int attemptCount = 0;
    bool attempted = false;
    QDateTime created;
    QDateTime dueDate;
    QDateTime periodStart;
    QDateTime periodEnd;
    QDateTime nextPaymentAttempt;
    QDateTime paidAt; // status_transitions.paid_at
    QString hostedInvoiceUrl;
    QString invoicePdf;
    QList<InvoiceLine> lines;
};

// One try at collecting an invoice: an invoice_payment joined with its PaymentIntent's last error.
struct PaymentAttempt
{
    QString id;            // inpay_... (invoice_payment id)
    QString invoiceId;
    QString paymentIntentId;
    QString status;        // invoice_payment status: default | open | paid | canceled
    QString intentStatus;  // requires_payment_method, succeeded, ...
    QString failureCode;   // last_payment_error.code (card_declined, expired_card, ...)
    QString declineCode;   // last_payment_error.decline_code (insufficient_funds, ...)
    QString failureMessage;
    qint64 amountMinor = 0;
    QString currency;
    QDateTime created;
};

} // namespace Billing
