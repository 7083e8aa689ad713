#pragma once

#include "services/domain/customer.h"
#include "services/domain/invoice.h"
#include "services/domain/subscription.h"

#include <QDate>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

namespace Billing {

// Keyset pagination: the sort value and id of the last row of the previous page.
struct PageCursor
{
    QVariant sortValue;
    QString id;
};

enum class SortOrder { Ascending, Descending };

struct CustomerQuery
{
    enum class SortKey { Name, Email, Created, Balance, Currency, Id };
    QString search; // full text (FTS5) over name, email, id, description, phone; empty = all
    std::optional<bool> delinquent;
    QString currency; // lower case; empty = any
    SortKey sortKey = SortKey::Name;
    SortOrder order = SortOrder::Ascending;
    std::optional<PageCursor> after;
    int limit = 200;
};

struct SubscriptionRow
{
    Subscription subscription;
    QString customerName;
    QString customerEmail;
    QString planName;        // product name (+ price nickname)
    qint64 amountMinor = 0;  // recurring amount per interval over all items (unit_amount x quantity)
    QString interval;        // month, year, ...
    int intervalCount = 1;
};

struct SubscriptionQuery
{
    enum class SortKey { Customer, Status, Plan, Amount, PeriodEnd, Created, TrialEnd, Id };
    QString search; // customer name/email, subscription id, plan name
    QStringList statuses; // empty = any
    QString currency;
    QString customerId;
    std::optional<QDateTime> trialEndingBefore; // trialing, trial_end <= this
    SortKey sortKey = SortKey::Created;
    SortOrder order = SortOrder::Descending;
    std::optional<PageCursor> after;
    int limit = 200;
};

struct InvoiceRow
{
    Invoice invoice;
    QString customerName;
    QString customerEmail;
    // Latest failed attempt, when there is one (dunning).
    QString declineCode;
    QString failureCode;
    QString failureMessage;
    QDateTime firstFailureAt; // earliest failed attempt (dunning); invalid when none is cached
    QDateTime lastFailureAt;  // latest failed attempt
};

struct InvoiceQuery
{
    enum class SortKey { Number, Customer, Status, Total, AmountDue, AmountRemaining, Created, DueDate, Attempts, NextAttempt, Id };
    QString search; // number, id, customer name/email
    QStringList statuses;
    QString currency;
    QString customerId;
    std::optional<QDate> createdFrom; // inclusive, UTC
    std::optional<QDate> createdTo;   // inclusive, UTC
    bool onlyFailedPayments = false;  // the dunning queue: open, attempted, not paid
    // Overdue at this instant (UTC): open, something left to pay, due_date before it. Invoices
    // without a due date (charge_automatically) are never overdue.
    std::optional<QDateTime> overdueAt;
    // Recoveries: paid at or after this instant (UTC) after at least one failed payment attempt
    // (attempt_count above 1, or a failed attempt in the cache).
    std::optional<QDateTime> paidAfterFailureFrom;
    SortKey sortKey = SortKey::Created;
    SortOrder order = SortOrder::Descending;
    std::optional<PageCursor> after;
    int limit = 200;
};

struct CacheCounts
{
    qint64 customers = 0;
    qint64 subscriptions = 0;
    qint64 invoices = 0;
    qint64 products = 0;
    qint64 prices = 0;
    qint64 failedInvoices = 0;
    qint64 paymentMethods = 0;
    qint64 coupons = 0;
    qint64 promotionCodes = 0;
};

} // namespace Billing
