#include "services/storage/cachesql.h"

#include "services/storage/cacheschema.h"

#include <QDateTime>
#include <QStringList>

namespace Billing::CacheSql {

namespace {

constexpr qint64 NullTime = CacheSchema::NullTimeSentinel;

QString escapeLike(const QString &s)
{
    QString out;
    out.reserve(s.size() + 2);
    for (QChar c : s) {
        if (c == u'\\' || c == u'%' || c == u'_')
            out += u'\\';
        out += c;
    }
    return out;
}

QString containsPattern(const QString &s)
{
    return QLatin1Char('%') + escapeLike(s.trimmed()) + QLatin1Char('%');
}

QString placeholders(qsizetype n)
{
    QStringList p;
    p.reserve(n);
    for (qsizetype i = 0; i < n; ++i)
        p << QStringLiteral("?");
    return p.join(QLatin1Char(','));
}

enum class SortType { Text, Integer, Time };

struct SortSpec
{
    QString expr;
    SortType type = SortType::Text;
    bool isId = false;
};

QVariant cursorValue(const QVariant &v, SortType type)
{
    switch (type) {
    case SortType::Text:
        return text(v.toString());
    case SortType::Time:
        if (!v.isValid() || v.isNull())
            return NullTime;
        if (v.metaType() == QMetaType::fromType<QDateTime>()) {
            const QDateTime d = v.toDateTime();
            return d.isValid() ? d.toSecsSinceEpoch() : NullTime;
        }
        return v.toLongLong();
    case SortType::Integer:
        return v.toLongLong();
    }
    return v;
}

// Appends the keyset condition and returns the ORDER BY clause (without LIMIT).
QString applyKeyset(const SortSpec &sort, const QString &idExpr, SortOrder order,
                    const std::optional<PageCursor> &after, QStringList &where, QVariantList &binds)
{
    const bool asc = order == SortOrder::Ascending;
    const QString dir = asc ? QStringLiteral("ASC") : QStringLiteral("DESC");
    const QString cmp = asc ? QStringLiteral(">") : QStringLiteral("<");
    if (sort.isId) {
        if (after) {
            where << QStringLiteral("%1 %2 ?").arg(idExpr, cmp);
            binds << text(after->id);
        }
        return QStringLiteral(" ORDER BY %1 %2").arg(idExpr, dir);
    }
    if (after) {
        // The single-column bound lets SQLite start the index search at the cursor; the row
        // value comparison then skips the rows of equal sort value already shown.
        const QVariant value = cursorValue(after->sortValue, sort.type);
        where << QStringLiteral("%1 %2= ?").arg(sort.expr, cmp)
              << QStringLiteral("(%1, %2) %3 (?, ?)").arg(sort.expr, idExpr, cmp);
        binds << value << value << text(after->id);
    }
    return QStringLiteral(" ORDER BY %1 %3, %2 %3").arg(sort.expr, idExpr, dir);
}

QString whereClause(const QStringList &where)
{
    return where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
}

QString nullTime(const char *column)
{
    return QStringLiteral("COALESCE(%1, %2)").arg(QLatin1String(column)).arg(NullTime);
}

SortSpec customerSort(CustomerQuery::SortKey key)
{
    using K = CustomerQuery::SortKey;
    switch (key) {
    case K::Name: return {QStringLiteral("c.name COLLATE NOCASE"), SortType::Text};
    case K::Email: return {QStringLiteral("c.email COLLATE NOCASE"), SortType::Text};
    case K::Created: return {nullTime("c.created"), SortType::Time};
    case K::Balance: return {QStringLiteral("c.balance"), SortType::Integer};
    case K::Currency: return {QStringLiteral("c.currency"), SortType::Text};
    case K::Id: break;
    }
    return {QStringLiteral("c.id"), SortType::Text, true};
}

SortSpec subscriptionSort(SubscriptionQuery::SortKey key)
{
    using K = SubscriptionQuery::SortKey;
    switch (key) {
    case K::Customer: return {QStringLiteral("s.customer_name COLLATE NOCASE"), SortType::Text};
    case K::Status: return {QStringLiteral("s.status"), SortType::Text};
    case K::Plan: return {QStringLiteral("s.plan_name COLLATE NOCASE"), SortType::Text};
    case K::Amount: return {QStringLiteral("s.amount"), SortType::Integer};
    case K::PeriodEnd: return {nullTime("s.period_end"), SortType::Time};
    case K::Created: return {nullTime("s.created"), SortType::Time};
    case K::TrialEnd: return {nullTime("s.trial_end"), SortType::Time};
    case K::Id: break;
    }
    return {QStringLiteral("s.id"), SortType::Text, true};
}

SortSpec invoiceSort(InvoiceQuery::SortKey key)
{
    using K = InvoiceQuery::SortKey;
    switch (key) {
    case K::Number: return {QStringLiteral("i.number COLLATE NOCASE"), SortType::Text};
    case K::Customer: return {QStringLiteral("i.customer_name COLLATE NOCASE"), SortType::Text};
    case K::Status: return {QStringLiteral("i.status"), SortType::Text};
    case K::Total: return {QStringLiteral("i.total"), SortType::Integer};
    case K::AmountDue: return {QStringLiteral("i.amount_due"), SortType::Integer};
    case K::AmountRemaining: return {QStringLiteral("i.amount_remaining"), SortType::Integer};
    case K::Created: return {nullTime("i.created"), SortType::Time};
    case K::DueDate: return {nullTime("i.due_date"), SortType::Time};
    case K::Attempts: return {QStringLiteral("i.attempt_count"), SortType::Integer};
    case K::NextAttempt: return {nullTime("i.next_payment_attempt"), SortType::Time};
    case K::Id: break;
    }
    return {QStringLiteral("i.id"), SortType::Text, true};
}

int clampLimit(int limit)
{
    return limit <= 0 ? 200 : qMin(limit, 10000);
}

void addStatuses(const QString &column, const QStringList &statuses, QStringList &where, QVariantList &binds)
{
    if (statuses.isEmpty())
        return;
    where << QStringLiteral("%1 IN (%2)").arg(column, placeholders(statuses.size()));
    for (const QString &s : statuses)
        binds << text(s);
}

// How an invoice query reaches its rows, decided from the query alone so the plan never depends on
// table statistics (ANALYZE or not, the same index is walked):
// - Page queries walk the index of their sort key and filter on the way; the status terms are
//   written as +i.status, which no index can serve, so SQLite never prefers invoices_by_status and
//   then sorts every open invoice (the unanalysed planner's choice). Sorting by status keeps them.
// - The dunning queue sorted by next attempt walks the partial index invoices_dunning (INDEXED BY:
//   its WHERE terms are written exactly as in the index), unless a customer or a search narrows the
//   rows further.
// - Totals (no ORDER BY) keep plain terms: there the status index is the right filter.
enum class InvoiceAccess { Totals, Page, DunningIndex };

InvoiceAccess invoiceAccess(const InvoiceQuery &q)
{
    if (q.onlyFailedPayments && q.sortKey == InvoiceQuery::SortKey::NextAttempt && q.customerId.isEmpty()
        && ftsQuery(q.search).isEmpty())
        return InvoiceAccess::DunningIndex;
    return InvoiceAccess::Page;
}

// Filters shared by invoices() and remainingTotals().
void invoiceFilters(const InvoiceQuery &q, InvoiceAccess access, QStringList &where, QVariantList &binds)
{
    // Only the sort-key index may order a page: the filter columns are hidden from the planner.
    const bool hide = access == InvoiceAccess::Page && q.sortKey != InvoiceQuery::SortKey::Status;
    const QString plus = hide ? QStringLiteral("+") : QString();
    const QString match = ftsQuery(q.search);
    if (!match.isEmpty()) {
        where << QStringLiteral("i.rowid IN (SELECT rowid FROM invoices_fts WHERE invoices_fts MATCH ?)");
        binds << match;
    }
    addStatuses(plus + QStringLiteral("i.status"), q.statuses, where, binds);
    if (!q.currency.isEmpty()) {
        where << QStringLiteral("i.currency = ?");
        binds << q.currency.toLower();
    }
    if (!q.customerId.isEmpty()) {
        where << QStringLiteral("i.customer_id = ?");
        binds << q.customerId;
    }
    // On the indexed expression, so the range bounds a search of invoices_by_created. NULL
    // (no date) is the sentinel, above every bound, so undated invoices stay out as before.
    const QString created = nullTime("i.created");
    if (q.createdFrom && q.createdFrom->isValid()) {
        where << QStringLiteral("%1 >= ?").arg(created);
        binds << q.createdFrom->startOfDay(Qt::UTC).toSecsSinceEpoch();
    }
    if (q.createdTo && q.createdTo->isValid()) {
        where << QStringLiteral("%1 < ?").arg(created);
        binds << q.createdTo->addDays(1).startOfDay(Qt::UTC).toSecsSinceEpoch();
    }
    if (q.overdueAt && q.overdueAt->isValid()) {
        where << QStringLiteral("%1i.status = 'open' AND +i.amount_remaining > 0 AND +i.due_date IS NOT NULL"
                                " AND +i.due_date < ?").arg(plus);
        binds << q.overdueAt->toSecsSinceEpoch();
    }
    if (q.paidAfterFailureFrom && q.paidAfterFailureFrom->isValid()) {
        where << QStringLiteral("%1i.status = 'paid' AND +i.paid_at >= ? AND (+i.attempt_count > 1 OR EXISTS ("
                                "SELECT 1 FROM payment_attempts a WHERE a.invoice_id = i.id"
                                " AND (a.failure_code <> '' OR a.decline_code <> '' OR a.failure_message <> '')))").arg(plus);
        binds << q.paidAfterFailureFrom->toSecsSinceEpoch();
    }
    if (q.onlyFailedPayments) {
        if (access == InvoiceAccess::Page)
            where << QStringLiteral("%1i.status = 'open' AND +i.attempt_count > 0 AND +i.amount_remaining > 0").arg(plus);
        else // exactly the partial index's terms, so invoices_dunning can serve it
            where << QStringLiteral("i.status = 'open' AND i.attempt_count > 0 AND i.amount_remaining > 0");
    }
}

const QString CustomerColumns = QStringLiteral(
    "c.id, c.name, c.email, c.currency, c.balance, c.delinquent, c.default_payment_method,"
    " c.description, c.phone, c.country, c.created, c.livemode, c.metadata, c.region");

const QString SubscriptionColumns = QStringLiteral(
    "s.id, s.customer_id, s.status, s.currency, s.collection_method, s.default_payment_method,"
    " s.latest_invoice, s.cancel_at_period_end, s.created, s.start_date, s.cancel_at, s.canceled_at,"
    " s.ended_at, s.trial_start, s.trial_end, s.pause_behavior, s.pause_resumes_at,"
    " s.cancellation_feedback, s.customer_name, s.customer_email, s.plan_name, s.amount,"
    " s.plan_interval, s.plan_interval_count");

const QString InvoiceColumns = QStringLiteral(
    "i.id, i.number, i.customer_id, i.subscription_id, i.status, i.currency, i.collection_method,"
    " i.billing_reason, i.subtotal, i.total, i.amount_due, i.amount_paid, i.amount_remaining,"
    " i.attempt_count, i.attempted, i.created, i.due_date, i.period_start, i.period_end,"
    " i.next_payment_attempt, i.paid_at, i.hosted_invoice_url, i.invoice_pdf,"
    " i.customer_name, i.customer_email");

} // namespace

QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(QString(QLatin1String(""))) : QVariant(s);
}

// Turns what a user typed into a safe FTS5 query: every run of letters/digits becomes a quoted
// prefix term ("acm"*), all terms must match. Quotes, operators and brackets never reach FTS5 as
// syntax. Empty when nothing searchable is left.
QString ftsQuery(const QString &input)
{
    QStringList terms;
    QString current;
    const auto flush = [&] {
        if (!current.isEmpty())
            terms << QLatin1Char('"') + current + QStringLiteral("\"*");
        current.clear();
    };
    for (QChar c : input) {
        if (c.isLetterOrNumber())
            current += c;
        else
            flush();
    }
    flush();
    return terms.join(QLatin1Char(' '));
}


Statement customers(const CustomerQuery &query)
{
    QStringList where;
    QVariantList binds;
    const QString match = ftsQuery(query.search);
    if (!match.isEmpty()) {
        where << QStringLiteral("c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?)");
        binds << match;
    }
    if (query.delinquent) {
        where << QStringLiteral("c.delinquent = ?");
        binds << int(*query.delinquent);
    }
    if (!query.currency.isEmpty()) {
        where << QStringLiteral("c.currency = ?");
        binds << query.currency.toLower();
    }
    const QString order = applyKeyset(customerSort(query.sortKey), QStringLiteral("c.id"), query.order, query.after,
                                      where, binds);
    binds << clampLimit(query.limit);
    return {QStringLiteral("SELECT %1 FROM customers c").arg(CustomerColumns) + whereClause(where) + order
                + QStringLiteral(" LIMIT ?"),
            binds};
}

Statement customerById()
{
    return {QStringLiteral("SELECT %1 FROM customers c WHERE c.id = ?").arg(CustomerColumns), {}};
}

Statement subscriptions(const SubscriptionQuery &query)
{
    QStringList where;
    QVariantList binds;
    const QString search = query.search.trimmed();
    if (!search.isEmpty()) {
        where << QStringLiteral("(s.customer_name LIKE ? ESCAPE '\\' OR s.customer_email LIKE ? ESCAPE '\\'"
                                " OR s.id LIKE ? ESCAPE '\\' OR s.plan_name LIKE ? ESCAPE '\\')");
        const QString p = containsPattern(search);
        binds << p << p << p << p;
    }
    addStatuses(QStringLiteral("s.status"), query.statuses, where, binds);
    if (!query.currency.isEmpty()) {
        where << QStringLiteral("s.currency = ?");
        binds << query.currency.toLower();
    }
    if (!query.customerId.isEmpty()) {
        where << QStringLiteral("s.customer_id = ?");
        binds << query.customerId;
    }
    if (query.trialEndingBefore && query.trialEndingBefore->isValid()) {
        where << QStringLiteral("s.status = 'trialing' AND s.trial_end <= ?");
        binds << query.trialEndingBefore->toSecsSinceEpoch();
    }
    const QString order = applyKeyset(subscriptionSort(query.sortKey), QStringLiteral("s.id"), query.order,
                                      query.after, where, binds);
    binds << clampLimit(query.limit);
    return {QStringLiteral("SELECT %1 FROM subscription_rows s").arg(SubscriptionColumns) + whereClause(where)
                + order + QStringLiteral(" LIMIT ?"),
            binds};
}

Statement subscriptionItems(qsizetype subscriptionCount)
{
    return {QStringLiteral("SELECT subscription_id, id, price_id, quantity, current_period_start, current_period_end"
                           " FROM subscription_items WHERE subscription_id IN (%1)"
                           " ORDER BY subscription_id, position")
                .arg(placeholders(subscriptionCount)),
            {}};
}

Statement invoices(const InvoiceQuery &query)
{
    QStringList where;
    QVariantList binds;
    const InvoiceAccess access = invoiceAccess(query);
    invoiceFilters(query, access, where, binds);
    const QString order = applyKeyset(invoiceSort(query.sortKey), QStringLiteral("i.id"), query.order, query.after,
                                      where, binds);
    binds << clampLimit(query.limit);
    // The latest attempt that failed, for the dunning columns: scalar subqueries (one index probe
    // each, only for the rows of the page) keep the ORDER BY served by the invoice index.
    const QString latest = QStringLiteral(
        "(SELECT a.%1 FROM payment_attempts a WHERE a.invoice_id = i.id"
        " AND (a.failure_code <> '' OR a.decline_code <> '' OR a.failure_message <> '')"
        " ORDER BY a.created DESC, a.id DESC LIMIT 1)");
    const QString from = access == InvoiceAccess::DunningIndex
        ? QStringLiteral(" FROM invoices i INDEXED BY invoices_dunning")
        : QStringLiteral(" FROM invoices i");
    // When the failures happened (first and latest), for the retry policy's schedule.
    const QString failedAt = QStringLiteral(
        "(SELECT %1(a.created) FROM payment_attempts a WHERE a.invoice_id = i.id"
        " AND (a.failure_code <> '' OR a.decline_code <> '' OR a.failure_message <> ''))");
    return {QStringLiteral("SELECT %1, %2, %3, %4, %5, %6")
                    .arg(InvoiceColumns, latest.arg(QLatin1String("decline_code")),
                         latest.arg(QLatin1String("failure_code")), latest.arg(QLatin1String("failure_message")),
                         failedAt.arg(QLatin1String("MIN")), failedAt.arg(QLatin1String("MAX")))
                + from + whereClause(where) + order + QStringLiteral(" LIMIT ?"),
            binds};
}

Statement remainingTotals(const InvoiceQuery &query)
{
    QStringList where;
    QVariantList binds;
    invoiceFilters(query, InvoiceAccess::Totals, where, binds);
    return {QStringLiteral("SELECT i.currency, SUM(i.amount_remaining) FROM invoices i") + whereClause(where)
                + QStringLiteral(" GROUP BY i.currency ORDER BY i.currency"),
            binds};
}

} // namespace Billing::CacheSql
