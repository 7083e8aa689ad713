#include "services/reports/panereports.h"

#include "services/storage/cachesql.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Reports", text); }

Error dbError(const QSqlQuery &q)
{
    return Error::make(Error::Kind::Database, tr("Could not read the local cache for the report."),
                       q.lastError().text() + QStringLiteral(" [") + q.lastQuery() + QLatin1Char(']'));
}

Error cancelled() { return Error::make(Error::Kind::Cancelled, tr("The export was cancelled.")); }

ReportColumn col(const char *name, ColumnType type) { return {QString::fromLatin1(name), type}; }

// CacheSql pages at most 10,000 rows.
int pageLimit(int pageSize) { return qBound(1, pageSize, 10000); }

bool run(QSqlQuery &q, const CacheSql::Statement &st)
{
    if (!q.prepare(st.sql))
        return false;
    for (const QVariant &v : st.binds)
        q.addBindValue(v);
    return q.exec();
}

// count(*) of a page statement without its trailing " LIMIT ?" (the last bind).
Result<qint64> countOf(const QSqlDatabase &db, CacheSql::Statement st)
{
    const QString limit = QStringLiteral(" LIMIT ?");
    if (!st.sql.endsWith(limit) || st.binds.isEmpty())
        return qint64(-1);
    st.sql.chop(limit.size());
    st.sql = QStringLiteral("SELECT count(*) FROM (") + st.sql + QLatin1Char(')');
    st.binds.removeLast();
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!run(q, st) || !q.next())
        return dbError(q);
    return q.value(0).toLongLong();
}

// Column positions of a page's result, by name (the statements select "c.name" etc.).
struct Columns
{
    explicit Columns(const QSqlRecord &r) : record(r) {}
    int operator()(const char *name) const { return record.indexOf(QLatin1String(name)); }
    QSqlRecord record;
};

ReportValue text(const QSqlQuery &q, int i) { return ReportValue::text(i < 0 ? QString() : q.value(i).toString()); }
ReportValue date(const QSqlQuery &q, int i)
{
    const QVariant v = i < 0 ? QVariant() : q.value(i);
    return v.isNull() ? ReportValue::null(ColumnType::Date) : ReportValue::date(v.toLongLong());
}
ReportValue amount(const QSqlQuery &q, int i, const Currency *c)
{
    return c && i >= 0 ? ReportValue::amount(Money(q.value(i).toLongLong(), *c)) : ReportValue::null(ColumnType::Amount);
}
ReportValue currency(const Currency *c) { return c ? ReportValue::currency(*c) : ReportValue::null(ColumnType::Currency); }
ReportValue integer(const QSqlQuery &q, int i) { return ReportValue::integer(i < 0 ? 0 : q.value(i).toLongLong()); }

// Pages through `statementFor(after)` to the end. `fill` turns the current result row into the
// report row; the cursor's sort value is the raw value of the sort key's column (CacheSql turns a
// NULL time into its null sentinel, as the models' cursors do).
template <typename Query, typename Fill>
Status readPages(const QSqlDatabase &db, Query query, const char *sortColumn, const ReportSource::RowSink &sink, ReportRow &row,
                 Fill fill)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    for (;;) {
        CacheSql::Statement st;
        if constexpr (std::is_same_v<Query, CustomerQuery>)
            st = CacheSql::customers(query);
        else if constexpr (std::is_same_v<Query, SubscriptionQuery>)
            st = CacheSql::subscriptions(query);
        else
            st = CacheSql::invoices(query);
        if constexpr (std::is_same_v<Query, SubscriptionQuery>) {
            // The subscriptions page does not select the view's period_end: add it.
            const QString from = QStringLiteral(" FROM subscription_rows s");
            const qsizetype at = st.sql.indexOf(from);
            if (at > 0)
                st.sql.insert(at, QStringLiteral(", s.period_end AS period_end"));
        }
        if (!run(q, st))
            return dbError(q);
        const Columns c(q.record());
        const int idColumn = c("id");
        const int sortAt = c(sortColumn);
        int n = 0;
        QVariant lastSort;
        QString lastId;
        while (q.next()) {
            ++n;
            fill(q, c);
            lastSort = sortAt >= 0 ? q.value(sortAt) : QVariant();
            lastId = q.value(idColumn).toString();
            if (!sink(row))
                return cancelled();
        }
        if (q.lastError().isValid())
            return dbError(q);
        q.finish();
        if (n < query.limit)
            return {};
        query.after = PageCursor{lastSort, lastId};
    }
}

} // namespace

// ------------------------------------------------------------------ customers

CustomerPaneReport::CustomerPaneReport(QSqlDatabase db, CustomerQuery query, int pageSize)
    : m_db(std::move(db)), m_query(std::move(query))
{
    m_query.after.reset();
    m_query.limit = pageLimit(pageSize);
}

QList<ReportColumn> CustomerPaneReport::columns() const { return CustomerReport(m_db, {}).columns(); }

Result<qint64> CustomerPaneReport::estimateRows() { return countOf(m_db, CacheSql::customers(m_query)); }

Status CustomerPaneReport::read(const RowSink &sink)
{
    const char *sortColumn = "id";
    switch (m_query.sortKey) {
    case CustomerQuery::SortKey::Name: sortColumn = "name"; break;
    case CustomerQuery::SortKey::Email: sortColumn = "email"; break;
    case CustomerQuery::SortKey::Created: sortColumn = "created"; break;
    case CustomerQuery::SortKey::Balance: sortColumn = "balance"; break;
    case CustomerQuery::SortKey::Currency: sortColumn = "currency"; break;
    case CustomerQuery::SortKey::Id: break;
    }
    ReportRow row(10);
    return readPages(m_db, m_query, sortColumn, sink, row, [&](const QSqlQuery &q, const Columns &c) {
        row[0] = text(q, c("id"));
        row[1] = text(q, c("name"));
        row[2] = text(q, c("email"));
        row[3] = text(q, c("description"));
        row[4] = text(q, c("phone"));
        row[5] = text(q, c("country"));
        const Currency *cur = m_currencies.find(q.value(c("currency")).toString());
        row[6] = currency(cur);
        row[7] = amount(q, c("balance"), cur);
        row[8] = integer(q, c("delinquent"));
        row[9] = date(q, c("created"));
    });
}

// ------------------------------------------------------------------ subscriptions

SubscriptionPaneReport::SubscriptionPaneReport(QSqlDatabase db, SubscriptionQuery query, int pageSize)
    : m_db(std::move(db)), m_query(std::move(query))
{
    m_query.after.reset();
    m_query.limit = pageLimit(pageSize);
}

QList<ReportColumn> SubscriptionPaneReport::columns() const { return SubscriptionReport(m_db, {}).columns(); }

Result<qint64> SubscriptionPaneReport::estimateRows() { return countOf(m_db, CacheSql::subscriptions(m_query)); }

Status SubscriptionPaneReport::read(const RowSink &sink)
{
    const char *sortColumn = "id";
    switch (m_query.sortKey) {
    case SubscriptionQuery::SortKey::Customer: sortColumn = "customer_name"; break;
    case SubscriptionQuery::SortKey::Status: sortColumn = "status"; break;
    case SubscriptionQuery::SortKey::Plan: sortColumn = "plan_name"; break;
    case SubscriptionQuery::SortKey::Amount: sortColumn = "amount"; break;
    case SubscriptionQuery::SortKey::PeriodEnd: sortColumn = "period_end"; break;
    case SubscriptionQuery::SortKey::Created: sortColumn = "created"; break;
    case SubscriptionQuery::SortKey::TrialEnd: sortColumn = "trial_end"; break;
    case SubscriptionQuery::SortKey::Id: break;
    }
    ReportRow row(19);
    return readPages(m_db, m_query, sortColumn, sink, row, [&](const QSqlQuery &q, const Columns &c) {
        int i = 0;
        for (const char *name : {"id", "customer_id", "customer_name", "customer_email", "status", "plan_name",
                                 "plan_interval", "collection_method"})
            row[i++] = text(q, c(name));
        const Currency *cur = m_currencies.find(q.value(c("currency")).toString());
        row[8] = currency(cur);
        row[9] = amount(q, c("amount"), cur);
        row[10] = integer(q, c("plan_interval_count"));
        row[11] = integer(q, c("cancel_at_period_end"));
        i = 12;
        for (const char *name : {"created", "start_date", "period_end", "trial_end", "cancel_at", "canceled_at", "ended_at"})
            row[i++] = date(q, c(name));
    });
}

// ------------------------------------------------------------------ invoices

InvoicePaneReport::InvoicePaneReport(QSqlDatabase db, InvoiceQuery query, int pageSize)
    : m_db(std::move(db)), m_query(std::move(query))
{
    m_query.after.reset();
    m_query.limit = pageLimit(pageSize);
}

QList<ReportColumn> InvoicePaneReport::columns() const
{
    QList<ReportColumn> out = InvoiceReport(m_db, {}).columns();
    if (m_query.onlyFailedPayments)
        out << col("next_payment_attempt", ColumnType::Date) << col("decline_code", ColumnType::Text)
            << col("failure_code", ColumnType::Text);
    return out;
}

Result<qint64> InvoicePaneReport::estimateRows() { return countOf(m_db, CacheSql::invoices(m_query)); }

Status InvoicePaneReport::read(const RowSink &sink)
{
    const char *sortColumn = "id";
    using K = InvoiceQuery::SortKey;
    switch (m_query.sortKey) {
    case K::Number: sortColumn = "number"; break;
    case K::Customer: sortColumn = "customer_name"; break;
    case K::Status: sortColumn = "status"; break;
    case K::Total: sortColumn = "total"; break;
    case K::AmountDue: sortColumn = "amount_due"; break;
    case K::AmountRemaining: sortColumn = "amount_remaining"; break;
    case K::Created: sortColumn = "created"; break;
    case K::DueDate: sortColumn = "due_date"; break;
    case K::Attempts: sortColumn = "attempt_count"; break;
    case K::NextAttempt: sortColumn = "next_payment_attempt"; break;
    case K::Id: break;
    }
    const bool dunning = m_query.onlyFailedPayments;
    ReportRow row(dunning ? 24 : 21);
    return readPages(m_db, m_query, sortColumn, sink, row, [&](const QSqlQuery &q, const Columns &c) {
        int i = 0;
        for (const char *name : {"id", "number", "customer_id", "customer_name", "customer_email", "subscription_id",
                                 "status", "collection_method", "billing_reason"})
            row[i++] = text(q, c(name));
        const Currency *cur = m_currencies.find(q.value(c("currency")).toString());
        row[9] = currency(cur);
        i = 10;
        for (const char *name : {"subtotal", "total", "amount_due", "amount_paid", "amount_remaining"})
            row[i++] = amount(q, c(name), cur);
        row[15] = integer(q, c("attempt_count"));
        i = 16;
        for (const char *name : {"created", "due_date", "period_start", "period_end", "paid_at"})
            row[i++] = date(q, c(name));
        if (dunning) {
            // After the 25 named invoice columns: latest decline code, failure code (unnamed subqueries).
            const int base = c("customer_email") + 1;
            row[21] = date(q, c("next_payment_attempt"));
            row[22] = text(q, base);
            row[23] = text(q, base + 1);
        }
    });
}

} // namespace Billing
