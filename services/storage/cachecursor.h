#pragma once

#include "services/storage/cachequeries.h"

namespace Billing {

// The keyset cursor that continues a page after `row`, for the query's sort key: pass it as
// query.after to fetch the next page. Sort values are QString (text keys, compared without case),
// qint64 (amounts, counts) or QDateTime (may be invalid: absent dates sort after every date).
PageCursor cacheCursor(const Customer &row, CustomerQuery::SortKey key);
PageCursor cacheCursor(const SubscriptionRow &row, SubscriptionQuery::SortKey key);
PageCursor cacheCursor(const InvoiceRow &row, InvoiceQuery::SortKey key);

} // namespace Billing
