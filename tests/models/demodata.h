#pragma once

#include <QDateTime>

namespace Billing::Test {

class FakeCacheReader;
class FakeUsageReader;

// Deterministic, realistic test data: 36 customers, a subscription each, ~6 invoices per customer
// in USD, EUR, JPY and KWD, failed payments with decline codes and attempts, 60 days of usage for
// 3 meters. `now` anchors every date (UTC).
void fillDemoData(FakeCacheReader &cache, FakeUsageReader *usage, const QDateTime &now);

} // namespace Billing::Test
