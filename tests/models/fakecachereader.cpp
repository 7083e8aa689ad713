#include "tests/models/fakecachereader.h"

#include <QMap>
#include <QTimer>

#include <algorithm>

namespace Billing::Test {

namespace {

int compareValues(const QVariant &a, const QVariant &b)
{
    if (a.metaType().id() == QMetaType::QDateTime || b.metaType().id() == QMetaType::QDateTime) {
        const QDateTime x = a.toDateTime(), y = b.toDateTime();
        if (!x.isValid() || !y.isValid())
            return int(y.isValid()) - int(x.isValid()); // NULL after every date
        const qint64 dx = x.toMSecsSinceEpoch(), dy = y.toMSecsSinceEpoch();
        return dx < dy ? -1 : (dx > dy ? 1 : 0);
    }
    if (a.metaType().id() == QMetaType::QString || b.metaType().id() == QMetaType::QString)
        return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive);
    const qint64 x = a.toLongLong(), y = b.toLongLong();
    return x < y ? -1 : (x > y ? 1 : 0);
}

// Sorts by (key, id) and applies the keyset cursor and limit.
template <typename Row, typename KeyFn, typename IdFn>
QList<Row> page(QList<Row> rows, KeyFn key, IdFn id, SortOrder order, const std::optional<PageCursor> &after, int limit)
{
    const int sign = order == SortOrder::Ascending ? 1 : -1;
    auto cmp = [&](const QVariant &ka, const QString &ia, const QVariant &kb, const QString &ib) {
        int c = compareValues(ka, kb);
        if (c == 0)
            c = QString::compare(ia, ib);
        return sign * c;
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const Row &a, const Row &b) { return cmp(key(a), id(a), key(b), id(b)) < 0; });
    QList<Row> out;
    for (const Row &r : rows) {
        if (after && cmp(key(r), id(r), after->sortValue, after->id) <= 0)
            continue;
        out.append(r);
        if (out.size() >= limit)
            break;
    }
    return out;
}

bool contains(const QString &hay, const QString &needle)
{
    return hay.contains(needle, Qt::CaseInsensitive);
}

template <typename T, typename F>
void answerLater(QObject *context, std::function<void(Result<T>)> handler, F produce)
{
    QTimer::singleShot(0, context, [handler = std::move(handler), produce = std::move(produce)]() { handler(produce()); });
}

} // namespace

FakeCacheReader::FakeCacheReader(QObject *parent) : CacheReader(parent) {}

QList<Customer> FakeCacheReader::matchingCustomers(const CustomerQuery &q) const
{
    QList<Customer> out;
    for (const Customer &c : customerRows) {
        if (!q.search.isEmpty() && !contains(c.name, q.search) && !contains(c.email, q.search) && !contains(c.id, q.search)
            && !contains(c.description, q.search) && !contains(c.phone, q.search))
            continue;
        if (q.delinquent && c.delinquent != *q.delinquent)
            continue;
        if (!q.currency.isEmpty() && c.currency != q.currency)
            continue;
        out.append(c);
    }
    return out;
}

void FakeCacheReader::customers(const CustomerQuery &q, QObject *context, Handler<QList<Customer>> handler)
{
    ++requestCount[QStringLiteral("customers")];
    const QString fail = std::exchange(failNext, QString());
    QList<Customer> rows = matchingCustomers(q);
    answerLater<QList<Customer>>(context, std::move(handler), [q, rows, fail]() -> Result<QList<Customer>> {
        if (!fail.isEmpty())
            return Error::make(Error::Kind::Database, fail);
        using K = CustomerQuery::SortKey;
        auto key = [&q](const Customer &c) -> QVariant {
            switch (q.sortKey) {
            case K::Name: return c.name;
            case K::Email: return c.email;
            case K::Created: return c.created;
            case K::Balance: return c.balanceMinor;
            case K::Currency: return c.currency;
            case K::Id: return c.id;
            }
            return c.id;
        };
        return page(rows, key, [](const Customer &c) { return c.id; }, q.order, q.after, q.limit);
    });
}

QList<SubscriptionRow> FakeCacheReader::matchingSubscriptions(const SubscriptionQuery &q) const
{
    QList<SubscriptionRow> out;
    for (const SubscriptionRow &r : subscriptionRows) {
        const Subscription &s = r.subscription;
        if (!q.search.isEmpty() && !contains(r.customerName, q.search) && !contains(r.customerEmail, q.search)
            && !contains(s.id, q.search) && !contains(r.planName, q.search))
            continue;
        if (!q.statuses.isEmpty() && !q.statuses.contains(s.status))
            continue;
        if (!q.currency.isEmpty() && s.currency != q.currency)
            continue;
        if (!q.customerId.isEmpty() && s.customerId != q.customerId)
            continue;
        if (q.trialEndingBefore && (s.status != QLatin1String("trialing") || !s.trialEnd.isValid() || s.trialEnd > *q.trialEndingBefore))
            continue;
        out.append(r);
    }
    return out;
}

void FakeCacheReader::subscriptions(const SubscriptionQuery &q, QObject *context, Handler<QList<SubscriptionRow>> handler)
{
    ++requestCount[QStringLiteral("subscriptions")];
    const QString fail = std::exchange(failNext, QString());
    QList<SubscriptionRow> rows = matchingSubscriptions(q);
    answerLater<QList<SubscriptionRow>>(context, std::move(handler), [q, rows, fail]() -> Result<QList<SubscriptionRow>> {
        if (!fail.isEmpty())
            return Error::make(Error::Kind::Database, fail);
        using K = SubscriptionQuery::SortKey;
        auto key = [&q](const SubscriptionRow &r) -> QVariant {
            switch (q.sortKey) {
            case K::Customer: return r.customerName;
            case K::Status: return r.subscription.status;
            case K::Plan: return r.planName;
            case K::Amount: return r.amountMinor;
            case K::PeriodEnd: return r.subscription.currentPeriodEnd();
            case K::Created: return r.subscription.created;
            case K::TrialEnd: return r.subscription.trialEnd;
            case K::Id: return r.subscription.id;
            }
            return r.subscription.id;
        };
        return page(rows, key, [](const SubscriptionRow &r) { return r.subscription.id; }, q.order, q.after, q.limit);
    });
}

QList<InvoiceRow> FakeCacheReader::matchingInvoices(const InvoiceQuery &q) const
{
    QList<InvoiceRow> out;
    for (const InvoiceRow &r : invoiceRows) {
        const Invoice &i = r.invoice;
        if (!q.search.isEmpty() && !contains(i.number, q.search) && !contains(i.id, q.search)
            && !contains(r.customerName, q.search) && !contains(r.customerEmail, q.search))
            continue;
        if (!q.statuses.isEmpty() && !q.statuses.contains(i.status))
            continue;
        if (!q.currency.isEmpty() && i.currency != q.currency)
            continue;
        if (!q.customerId.isEmpty() && i.customerId != q.customerId)
            continue;
        const QDate created = i.created.toUTC().date();
        if (q.createdFrom && created < *q.createdFrom)
            continue;
        if (q.createdTo && created > *q.createdTo)
            continue;
        if (q.onlyFailedPayments && !(i.status == QLatin1String("open") && i.attempted && i.amountRemainingMinor > 0))
            continue;
        out.append(r);
    }
    return out;
}

void FakeCacheReader::invoices(const InvoiceQuery &q, QObject *context, Handler<QList<InvoiceRow>> handler)
{
    ++requestCount[q.onlyFailedPayments ? QStringLiteral("dunning") : QStringLiteral("invoices")];
    const QString fail = std::exchange(failNext, QString());
    QList<InvoiceRow> rows = matchingInvoices(q);
    answerLater<QList<InvoiceRow>>(context, std::move(handler), [q, rows, fail]() -> Result<QList<InvoiceRow>> {
        if (!fail.isEmpty())
            return Error::make(Error::Kind::Database, fail);
        using K = InvoiceQuery::SortKey;
        auto key = [&q](const InvoiceRow &r) -> QVariant {
            const Invoice &i = r.invoice;
            switch (q.sortKey) {
            case K::Number: return i.number;
            case K::Customer: return r.customerName;
            case K::Status: return i.status;
            case K::Total: return i.totalMinor;
            case K::AmountDue: return i.amountDueMinor;
            case K::AmountRemaining: return i.amountRemainingMinor;
            case K::Created: return i.created;
            case K::DueDate: return i.dueDate;
            case K::Attempts: return qint64(i.attemptCount);
            case K::NextAttempt: return i.nextPaymentAttempt;
            case K::Id: return i.id;
            }
            return i.id;
        };
        return page(rows, key, [](const InvoiceRow &r) { return r.invoice.id; }, q.order, q.after, q.limit);
    });
}

void FakeCacheReader::invoiceLines(const QString &invoiceId, QObject *context, Handler<QList<InvoiceLine>> handler)
{
    QList<InvoiceLine> lines;
    for (const InvoiceRow &r : std::as_const(invoiceRows)) {
        if (r.invoice.id == invoiceId)
            lines = r.invoice.lines;
    }
    answerLater<QList<InvoiceLine>>(context, std::move(handler), [lines]() -> Result<QList<InvoiceLine>> { return lines; });
}

void FakeCacheReader::paymentAttempts(const QString &invoiceId, QObject *context, Handler<QList<PaymentAttempt>> handler)
{
    const QList<PaymentAttempt> list = attempts.value(invoiceId);
    answerLater<QList<PaymentAttempt>>(context, std::move(handler), [list]() -> Result<QList<PaymentAttempt>> { return list; });
}

void FakeCacheReader::remainingTotals(const InvoiceQuery &q, QObject *context, Handler<QList<QPair<QString, qint64>>> handler)
{
    QMap<QString, qint64> sums;
    for (const InvoiceRow &r : matchingInvoices(q))
        sums[r.invoice.currency] += r.invoice.amountRemainingMinor;
    QList<QPair<QString, qint64>> out;
    for (auto it = sums.cbegin(); it != sums.cend(); ++it)
        out.append({it.key(), it.value()});
    answerLater<QList<QPair<QString, qint64>>>(context, std::move(handler),
                                               [out]() -> Result<QList<QPair<QString, qint64>>> { return out; });
}

void FakeCacheReader::counts(QObject *context, Handler<CacheCounts> handler)
{
    CacheCounts c;
    c.customers = customerRows.size();
    c.subscriptions = subscriptionRows.size();
    c.invoices = invoiceRows.size();
    InvoiceQuery failed;
    failed.onlyFailedPayments = true;
    c.failedInvoices = matchingInvoices(failed).size();
    answerLater<CacheCounts>(context, std::move(handler), [c]() -> Result<CacheCounts> { return c; });
}

QDateTime FakeUsageReader::bucketOf(const QDateTime &utc, UsageGranularity granularity)
{
    const QDateTime t = utc.toUTC();
    switch (granularity) {
    case UsageGranularity::Hour: return QDateTime(t.date(), QTime(t.time().hour(), 0), Qt::UTC);
    case UsageGranularity::Day: return QDateTime(t.date(), QTime(0, 0), Qt::UTC);
    case UsageGranularity::Month: return QDateTime(QDate(t.date().year(), t.date().month(), 1), QTime(0, 0), Qt::UTC);
    }
    return t;
}

void FakeUsageReader::series(const UsageSeriesQuery &query, QObject *context,
                             std::function<void(Result<QList<UsagePoint>>)> handler)
{
    QMap<QPair<QDateTime, QString>, qint64> sums;
    for (const UsageEvent &e : std::as_const(events)) {
        if (!query.customerId.isEmpty() && e.customerId != query.customerId)
            continue;
        if (e.occurredAt < query.from || e.occurredAt >= query.to)
            continue;
        sums[{bucketOf(e.occurredAt, query.granularity), e.meter}] += e.quantity;
    }
    QList<UsagePoint> out;
    for (auto it = sums.cbegin(); it != sums.cend(); ++it) {
        UsagePoint p;
        p.bucketStart = it.key().first;
        p.meter = it.key().second;
        p.quantity = it.value();
        out.append(p);
    }
    answerLater<QList<UsagePoint>>(context, std::move(handler), [out]() -> Result<QList<UsagePoint>> { return out; });
}

void FakeUsageReader::meters(QObject *context, std::function<void(Result<QStringList>)> handler)
{
    const QStringList names = meterNames;
    answerLater<QStringList>(context, std::move(handler), [names]() -> Result<QStringList> { return names; });
}

} // namespace Billing::Test
