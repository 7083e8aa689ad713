#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Billing {

// One invoice custom field (Stripe: at most 4 per invoice, name up to 40 characters, value up to 140).
struct InvoiceCustomField
{
    QString name;
    QString value;
    bool operator==(const InvoiceCustomField &) const = default;
};

// How a customer or subscription pays: Stripe's collection_method with Net terms, the purchase-order
// number (an invoice custom field named "PO number"), memo (the invoice description) and footer,
// and the payment method types an invoice accepts (card, us_bank_account = ACH debit,
// customer_balance = bank transfer / wire into the customer's balance).
struct PaymentTerms
{
    static constexpr int MaxCustomFields = 4;
    static constexpr int MaxFieldNameLength = 40;
    static constexpr int MaxFieldValueLength = 140;
    static constexpr int MaxDaysUntilDue = 365;
    static constexpr int MaxMemoLength = 500;    // shown on the invoice; kept short for the PDF
    static constexpr int MaxFooterLength = 5000; // Stripe's limit for footer
    static QString poFieldName() { return QStringLiteral("PO number"); }

    enum class Collection { ChargeAutomatically, SendInvoice };
    Collection collection = Collection::ChargeAutomatically;
    int daysUntilDue = 30;               // SendInvoice only: Net 15 / 30 / 60 or any 0..365
    QString poNumber;                    // empty = none
    QList<InvoiceCustomField> extraFields; // besides the PO number; together at most 4
    QString memo;                        // invoice description
    QString footer;
    QStringList paymentMethodTypes;      // empty = Stripe's defaults from the Dashboard settings
    QString bankTransferCountry;         // EUR bank transfers: the customer's country (DE, FR, ...)

    bool operator==(const PaymentTerms &) const = default;

    // "charge_automatically" | "send_invoice"
    QString collectionMethodName() const;
    bool isSendInvoice() const { return collection == Collection::SendInvoice; }
    // The PO number (when set) followed by the extra fields, as sent.
    QList<InvoiceCustomField> customFields() const;
    // "Net 30", "Charge automatically"
    QString label() const;

    // Every rule Stripe enforces that can be checked here, with plain words. currency: the
    // customer's (bank transfers are per currency); may be invalid when not known yet.
    Status validate(const Currency &currency = {}) const;

    // Parameters for POST /v1/invoices (and /v1/invoices/{id}): collection_method, days_until_due,
    // custom_fields, description, footer, payment_settings.
    QJsonObject invoiceParams(const Currency &currency) const;
    // Parameters for POST /v1/subscriptions/{id}: collection_method, days_until_due (send_invoice
    // only), payment_settings (only when types are chosen). Memo, PO number and footer go on the
    // invoices the console creates.
    QJsonObject subscriptionParams(const Currency &currency) const;
    // Parameters for POST /v1/customers/{id}: invoice_settings {custom_fields (the PO number and
    // the extra fields; "" clears them), footer ("" clears it)}. Stripe copies both onto every
    // invoice it creates for the customer afterwards, subscription renewals included.
    QJsonObject customerParams() const;

    // customer_balance needs payment_method_options.customer_balance {funding_type: bank_transfer,
    // bank_transfer: {type}}; the type follows the currency (usd -> us_bank_transfer, eur ->
    // eu_bank_transfer with a country, gbp -> gb_, jpy -> jp_, mxn -> mx_). Empty when the currency
    // has no bank transfer.
    static QString bankTransferType(const Currency &currency);
    // The types this console offers, in order.
    static QStringList knownPaymentMethodTypes();

    // Round trip for the billing database (a compact JSON object).
    QJsonObject toJson() const;
    static PaymentTerms fromJson(const QJsonObject &json);
};

} // namespace Billing
