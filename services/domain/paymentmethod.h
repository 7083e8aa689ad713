#pragma once

#include <QDateTime>
#include <QString>

namespace Billing {

// A customer's saved payment method (card, US bank account, SEPA debit, ...).
struct PaymentMethod
{
    QString id;         // pm_...
    QString customerId; // cus_...; empty when detached
    QString type;       // card | us_bank_account | sepa_debit | customer_balance | ...
    QString brand;      // card.brand ("visa"); empty for non-cards
    QString last4;      // card.last4 or us_bank_account.last4
    int expMonth = 0;   // cards only
    int expYear = 0;
    QString bankName;   // us_bank_account.bank_name
    QString funding;    // card.funding: credit | debit | prepaid | unknown
    QDateTime created;
};

} // namespace Billing
