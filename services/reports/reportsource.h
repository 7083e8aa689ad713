#pragma once

#include "services/domain/result.h"
#include "services/reports/reportcolumn.h"
#include "services/storage/billingdatabase.h"
#include "services/storage/cachequeries.h"

#include <QDate>
#include <QSqlDatabase>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace Billing {

enum class ReportKind { Invoices, Customers, Subscriptions, Refunds, ArAging, MrrMovements, AuditLog, ExpiringCards };

// "invoices", "customers", "subscriptions", "refunds", "ar-aging", "mrr-movements", "audit-log",
// "expiring-cards" (cards whose expiry month lies in [from, to]; default today to 30 days later).
QString reportKindName(ReportKind kind);
std::optional<ReportKind> reportKindFromName(QStringView name);
QList<ReportKind> allReportKinds();

// What a report selects. Dates are UTC calendar days, both bounds inclusive.
struct ReportFilter
{
    std::optional<QDate> from; // invoices: created; audit/refunds: at; mrr: first month
    std::optional<QDate> to;   // same, inclusive; mrr: last month
    QString currency;          // ISO code, upper case; empty = every currency
    QStringList statuses;      // invoices, subscriptions; empty = any
    QString customerId;        // invoices, subscriptions, refunds; empty = any
    QDate asOf;                // ar-aging (invalid = today UTC); mrr: last month when `to` is unset
    int defaultTermsDays = 0;  // ar-aging: due = created + this when an invoice has no due_date
    int pageSize = 5000;       // rows per keyset page
    // A pane's own cache query (search, filters, sort, as its model sends it; `after` and `limit`
    // are ignored). When set, the customers / subscriptions / invoices report exports exactly the
    // rows that pane lists, every page of them, in the pane's order (see panereports.h); the
    // fields above, but pageSize, are then not used.
    std::optional<CustomerQuery> customerQuery;
    std::optional<SubscriptionQuery> subscriptionQuery;
    std::optional<InvoiceQuery> invoiceQuery;
    // The audit pane's filter (actor, operation, target, date range; beforeId and limit are
    // ignored): when set, the audit-log report exports every entry it selects, newest first.
    std::optional<AuditQuery> auditQuery;
};

// Reads audit rows (newest first, keyset on id), e.g. BillingDatabase::audit on its worker.
using AuditPager = std::function<Result<QList<AuditEntry>>(const AuditQuery &)>;

// Where reports read from. `cache` is a connection to the local cache file opened on the thread
// that runs the report (normally a read-only one of its own: see openCacheReadOnly). `audit` is
// needed by the audit-log and refunds reports only.
struct ReportInputs
{
    QSqlDatabase cache;
    AuditPager audit;
};

// A typed row source: its columns (for the CSV writer and the UI) and its rows, streamed.
// Threading: the thread that owns inputs.cache. Errors: Database (SQL), Validation (bad filter),
// Cancelled (the sink returned false).
class ReportSource
{
public:
    virtual ~ReportSource() = default;
    virtual ReportKind kind() const = 0;
    virtual QList<ReportColumn> columns() const = 0;
    // Rows the report will produce, or an estimate; -1 when unknown.
    virtual Result<qint64> estimateRows() = 0;
    // Calls sink once per row, in report order, reading page by page (constant memory for the
    // row reports; the aggregated reports hold one customer's history at a time).
    using RowSink = std::function<bool(const ReportRow &)>;
    virtual Status read(const RowSink &sink) = 0;
};

// Checks the filter for the report (currency known, from <= to, ...). Validation with plain words.
Status validateFilter(ReportKind kind, const ReportFilter &filter);
Result<std::unique_ptr<ReportSource>> makeReport(ReportKind kind, const ReportInputs &inputs, const ReportFilter &filter);

// A read-only connection to a cache file, on the calling thread, removed when the handle goes.
// SQLite in WAL mode lets it read while the cache's own worker writes.
class CacheReadConnection final
{
public:
    CacheReadConnection() = default;
    ~CacheReadConnection();
    CacheReadConnection(const CacheReadConnection &) = delete;
    CacheReadConnection &operator=(const CacheReadConnection &) = delete;

    Status open(const QString &cacheFilePath);
    QSqlDatabase database() const;

private:
    QString m_name;
};

} // namespace Billing
