#pragma once

#include "services/storage/cachequeries.h"

#include <QString>
#include <QVariantList>

namespace Billing {

// The SQL LocalCache runs for its paged reads, built from a query: keyset condition, filters,
// ORDER BY and LIMIT, with positional parameters. Private to the local cache; tests use it to
// check query plans. Row columns come in the order LocalCache's readers expect.
namespace CacheSql {

struct Statement
{
    QString sql;
    QVariantList binds;
};

Statement customers(const CustomerQuery &query);
Statement customerById(); // binds: the id
Statement subscriptions(const SubscriptionQuery &query);
Statement subscriptionItems(qsizetype subscriptionCount); // binds: the subscription ids
Statement invoices(const InvoiceQuery &query);
Statement remainingTotals(const InvoiceQuery &query);

// What a user typed, as a safe FTS5 prefix query ("acm" -> "acm"*); empty when nothing searchable.
QString ftsQuery(const QString &input);

// Text columns are NOT NULL: a null QString binds as "".
QVariant text(const QString &s);

} // namespace CacheSql
} // namespace Billing
