#pragma once

#include "services/reports/reportsource.h"
#include "services/reports/reportsources.h"
#include "services/storage/cachequeries.h"

namespace Billing {

// Exports of what a pane lists: the pane's own cache query (search, filters, sort: the same SQL
// its lazily-loaded model pages through, CacheSql), read page after page with keyset cursors to
// the end, so the file holds every matching row and nothing else, in the pane's order, whatever
// the pane has loaded so far. Columns are those of the matching report (customers,
// subscriptions, invoices); the dunning queue (InvoiceQuery::onlyFailedPayments) adds
// next_payment_attempt and the latest decline/failure codes.
// Threading and errors: as ReportSource (the thread that owns the connection; Database, Cancelled).
class CustomerPaneReport final : public ReportSource
{
public:
    CustomerPaneReport(QSqlDatabase db, CustomerQuery query, int pageSize);
    ReportKind kind() const override { return ReportKind::Customers; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    CustomerQuery m_query;
    CurrencyCache m_currencies;
};

class SubscriptionPaneReport final : public ReportSource
{
public:
    SubscriptionPaneReport(QSqlDatabase db, SubscriptionQuery query, int pageSize);
    ReportKind kind() const override { return ReportKind::Subscriptions; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    SubscriptionQuery m_query;
    CurrencyCache m_currencies;
};

class InvoicePaneReport final : public ReportSource
{
public:
    InvoicePaneReport(QSqlDatabase db, InvoiceQuery query, int pageSize);
    ReportKind kind() const override { return ReportKind::Invoices; }
    QList<ReportColumn> columns() const override;
    Result<qint64> estimateRows() override;
    Status read(const RowSink &sink) override;

private:
    QSqlDatabase m_db;
    InvoiceQuery m_query;
    CurrencyCache m_currencies;
};

} // namespace Billing
