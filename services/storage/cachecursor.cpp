#include "services/storage/cachecursor.h"

namespace Billing {

PageCursor cacheCursor(const Customer &row, CustomerQuery::SortKey key)
{
    using K = CustomerQuery::SortKey;
    QVariant v;
    switch (key) {
    case K::Name: v = row.name; break;
    case K::Email: v = row.email; break;
    case K::Created: v = row.created; break;
    case K::Balance: v = row.balanceMinor; break;
    case K::Currency: v = row.currency; break;
    case K::Id: v = row.id; break;
    }
    return PageCursor{v, row.id};
}

PageCursor cacheCursor(const SubscriptionRow &row, SubscriptionQuery::SortKey key)
{
    using K = SubscriptionQuery::SortKey;
    const Subscription &s = row.subscription;
    QVariant v;
    switch (key) {
    case K::Customer: v = row.customerName; break;
    case K::Status: v = s.status; break;
    case K::Plan: v = row.planName; break;
    case K::Amount: v = row.amountMinor; break;
    case K::PeriodEnd: v = s.currentPeriodEnd(); break;
    case K::Created: v = s.created; break;
    case K::TrialEnd: v = s.trialEnd; break;
    case K::Id: v = s.id; break;
    }
    return PageCursor{v, s.id};
}

PageCursor cacheCursor(const InvoiceRow &row, InvoiceQuery::SortKey key)
{
    using K = InvoiceQuery::SortKey;
    const Invoice &i = row.invoice;
    QVariant v;
    switch (key) {
    case K::Number: v = i.number; break;
    case K::Customer: v = row.customerName; break;
    case K::Status: v = i.status; break;
    case K::Total: v = i.totalMinor; break;
    case K::AmountDue: v = i.amountDueMinor; break;
    case K::AmountRemaining: v = i.amountRemainingMinor; break;
    case K::Created: v = i.created; break;
    case K::DueDate: v = i.dueDate; break;
    case K::Attempts: v = qint64(i.attemptCount); break;
    case K::NextAttempt: v = i.nextPaymentAttempt; break;
    case K::Id: v = i.id; break;
    }
    return PageCursor{v, i.id};
}

} // namespace Billing
