#pragma once

#include "services/reports/reportsource.h"

#include <QHash>
#include <QSqlQuery>

struct sqlite3;

namespace Billing {

// The concrete reports behind makeReport(). Columns are listed in each class's columns().

// Looks up Currency by Stripe's lower-case code once per code.
class CurrencyCache final
{
public:
    const Currency *find(const QString &code);

private:
    QHash<QString, std::optional<Currency>> m_known;
};

// Invoices, keyset-paged on (created, id) ascending through invoices_by_created.
// Filters: created in [from, to] (UTC days), currency, statuses, customer.
class InvoiceReport final : public ReportSource
{
public:
    InvoiceReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::Invoices; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QString whereClause() const;
    void bindFilter(QSqlQuery &q) const;
    // The same rows through the SQLite C API on the connection's own handle (used when the driver
    // is QSQLITE): no QVariant per cell, text bytes straight from SQLite. Output identical.
    Status readNative(sqlite3 *handle, const QString &firstSql, const QString &nextSql, const RowSink &sink);
    QSqlDatabase m_db;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// Customers by id. Filter: currency (the customer's default currency).
class CustomerReport final : public ReportSource
{
public:
    CustomerReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::Customers; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// Subscriptions (the subscription_rows view) by id. Filters: statuses, currency, customer.
class SubscriptionReport final : public ReportSource
{
public:
    SubscriptionReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::Subscriptions; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QString whereClause() const;
    void bindFilter(QSqlQuery &q) const;
    QSqlDatabase m_db;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// Refunds and credit notes made through this product. The local cache has no refunds table (the
// sync does not pull /v1/refunds), so the source is the billing database's audit log, which every
// console sharing the database writes through OperationRunner: one row per request (operation
// "refund.create" or "credit_note.create", result "requested", params = the exact Stripe
// parameters incl. the amount in minor units) and one outcome row with the same idempotency key
// ("ok" + the Stripe object id, "error: ...", "needs attention: ..."). Refused requests moved no
// money and are left out. The currency and customer come from the invoice in the cache (the
// request's target). Not included: refunds made outside the console (Stripe Dashboard, API).
// Filters: the request time in [from, to], currency, customer.
class RefundReport final : public ReportSource
{
public:
    RefundReport(QSqlDatabase db, AuditPager audit, ReportFilter filter)
        : m_db(std::move(db)), m_audit(std::move(audit)), m_filter(std::move(filter))
    {
    }
    ReportKind kind() const override { return ReportKind::Refunds; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override { return qint64(-1); }
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    AuditPager m_audit;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// Accounts receivable aging as of the end of `asOf` (UTC), one row per currency.
// An invoice counts when it was created by then and was unpaid then: status open with
// amount_remaining > 0 (its amount_remaining), or status paid with paid_at after asOf (its
// amount_due: it was wholly outstanding then). Void and uncollectible invoices are left out (the
// cache does not know when they changed). Due date: due_date, else created + defaultTermsDays.
// Days past due = due day -> asOf day (UTC calendar days): <= 0 current, 1-30, 31-60, 61-90, 90+.
class ArAgingReport final : public ReportSource
{
public:
    ArAgingReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::ArAging; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override { return qint64(-1); }
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// MRR movements per month and currency, derived from invoices (the cache holds current
// subscriptions, not their history). Method:
//  1. Lines counted: invoice status paid or open, not proration, with a recurring price that is not
//     metered (the cache's prices table gives interval and interval_count).
//  2. A line's monthly amount (minor units, rounded half up once): month interval / count;
//     year / (12 x count); week x 52 / (12 x count); day x 365 / (12 x count).
//  3. The line covers months from its period_start's month (UTC; else the invoice's period_start,
//     else created): `count` months for month intervals, 12 x count for years, one month for weeks
//     and days. Within a month, a (subscription, price) pair counts once: its line with the latest
//     period start.
//  4. A customer's MRR in a currency and month = the sum over its pairs.
//  5. Month over month per customer and currency: 0 -> >0 is new (first time ever) or reactivation;
//     >0 -> 0 churn; up expansion; down contraction. Contraction and churn are negative.
// Months: from `from` (else the first month with data) to `to` (else asOf's month, else the last
// month with data). Row checks: starting + movements = ending.
class MrrMovementReport final : public ReportSource
{
public:
    MrrMovementReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::MrrMovements; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override { return qint64(-1); }
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    ReportFilter m_filter;
    CurrencyCache m_currencies;
};

// The billing database's audit log, newest first. Filter: at in [from, to].
class AuditLogReport final : public ReportSource
{
public:
    AuditLogReport(AuditPager audit, ReportFilter filter) : m_audit(std::move(audit)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::AuditLog; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override { return qint64(-1); }
    Status read(const RowSink &sink) override;

private:
    AuditPager m_audit;
    ReportFilter m_filter;
};

// Cards (attached, type card) whose expiry month lies in [from's month, to's month]: a card is
// valid through the end of its expiry month. from defaults to today (UTC), to to 30 days after
// from. Soonest first, then customer and id; the same range expression as
// LocalCache::expiringCards (the payment_methods_expiry index). Filter: currency (the customer's).
class ExpiringCardsReport final : public ReportSource
{
public:
    ExpiringCardsReport(QSqlDatabase db, ReportFilter filter) : m_db(std::move(db)), m_filter(std::move(filter)) {}
    ReportKind kind() const override { return ReportKind::ExpiringCards; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;
    QDate firstDay() const;
    QDate lastDay() const;

private:
    QSqlDatabase m_db;
    ReportFilter m_filter;
};

} // namespace Billing
