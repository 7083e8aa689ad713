// Pane exports (ReportFilter::customerQuery / subscriptionQuery / invoiceQuery): a pane's filtered
// export holds every matching row of a table much larger than one page of the pane (200 rows) and
// of the export (pageSize), and nothing else, in the pane's order. Run through the real threaded
// path (ExportJob, own read-only connection); the file is parsed back by Python's csv module.
#include "services/reports/reportexporter.h"
#include "services/storage/billingdatabase.h"
#include "services/storage/localcache.h"
#include "tests/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <algorithm>

using namespace Billing;

namespace {

const QDateTime Base(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
// "Now" for the overdue view: every generated due date lies on one side of it.
const QDateTime Now(QDate(2026, 6, 1), QTime(0, 0), QTimeZone::utc());

constexpr int CustomerCount = 1300; // ids 0..1299
constexpr int InvoiceCount = 1200;
constexpr int SubscriptionCount = 900;

// ISO 8601 with Z, as the CSV writes dates.
QString iso(const QDateTime &t) { return t.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'")); }

QString customerId(int i) { return QStringLiteral("cus_%1").arg(i, 4, 10, QLatin1Char('0')); }
// Even customers are "Acme Widgets <n>", odd ones "Globex <n>"; every third one bills in EUR.
QString customerName(int i) { return (i % 2 == 0 ? QStringLiteral("Acme Widgets %1") : QStringLiteral("Globex %1")).arg(i); }
QString customerCurrency(int i) { return i % 3 == 0 ? QStringLiteral("eur") : QStringLiteral("usd"); }

QString invoiceId(int i) { return QStringLiteral("in_%1").arg(i, 4, 10, QLatin1Char('0')); }
// Invoice i: number ACME-<i> for even i, OTHER-<i> for odd; i % 4 == 0 open, past due, unpaid and
// attempted (the dunning queue; next attempt set when i % 8 == 0, none otherwise); i % 4 == 1
// open, due in the future; the rest paid. Currency: EUR when i % 3 == 0. Remaining = 1000 + 7 * (i % 50).
Invoice makeInvoice(int i)
{
    Invoice v;
    v.id = invoiceId(i);
    v.number = (i % 2 == 0 ? QStringLiteral("ACME-%1") : QStringLiteral("OTHER-%1")).arg(i);
    v.customerId = customerId(i % CustomerCount);
    v.currency = i % 3 == 0 ? QStringLiteral("eur") : QStringLiteral("usd");
    v.collectionMethod = QStringLiteral("send_invoice");
    v.billingReason = QStringLiteral("manual");
    v.created = Base.addSecs(3600LL * i);
    const qint64 amount = 1000 + 7 * (i % 50);
    v.subtotalMinor = v.totalMinor = v.amountDueMinor = amount;
    if (i % 4 == 0) {
        v.status = QStringLiteral("open");
        v.amountRemainingMinor = amount;
        v.dueDate = Now.addDays(-10 - i % 30);
        v.attemptCount = 1 + i % 3;
        v.attempted = true;
        if (i % 8 == 0)
            v.nextPaymentAttempt = Now.addSecs(3600LL * (i % 97));
    } else if (i % 4 == 1) {
        v.status = QStringLiteral("open");
        v.amountRemainingMinor = amount;
        v.dueDate = Now.addDays(5 + i % 30);
    } else {
        v.status = QStringLiteral("paid");
        v.amountPaidMinor = amount;
        v.paidAt = v.created;
        v.dueDate = Now.addDays(-40);
    }
    return v;
}

QStringList column(const QJsonArray &rows, const QString &name)
{
    const QJsonArray header = rows.isEmpty() ? QJsonArray() : rows.first().toArray();
    int index = -1;
    for (int c = 0; c < header.size(); ++c)
        if (header.at(c).toString() == name)
            index = c;
    QStringList out;
    if (index < 0)
        return out;
    for (qsizetype r = 1; r < rows.size(); ++r)
        out << rows.at(r).toArray().at(index).toString();
    return out;
}

} // namespace

class tst_PaneReports : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void customersPaneExportHasEveryMatchingRowInPaneOrder_data();
    void customersPaneExportHasEveryMatchingRowInPaneOrder();
    void overdueSearchOfInvoicesPaneExportsEveryMatch();
    void dunningQueueExportsEveryQueuedInvoiceWithTheirCodes();
    void subscriptionsPaneExportFollowsStatusFilter();
    void paneEstimateCountsAllMatchingRows();
    void auditPaneExportHasEveryEntryOfItsFilterNewestFirst();

private:
    QJsonArray exportAndParse(ReportKind kind, const ReportFilter &filter, const QString &name);

    QTemporaryDir m_dir;
    QString m_cachePath;
    QString m_billingPath;
};

void tst_PaneReports::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_cachePath = m_dir.filePath(QStringLiteral("cache.sqlite"));
    LocalCache cache(QStringLiteral("tst-panereports-writer"));
    QVERIFY(cache.open(m_cachePath).ok());
    QList<Customer> customers;
    for (int i = 0; i < CustomerCount; ++i) {
        Customer c;
        c.id = customerId(i);
        c.name = customerName(i);
        c.email = QStringLiteral("c%1@example.com").arg(i);
        c.currency = customerCurrency(i);
        c.balanceMinor = i % 11 - 5;
        c.created = Base.addSecs(60LL * i);
        customers << c;
    }
    QVERIFY(cache.upsertCustomers(customers).ok());
    Price p;
    p.id = QStringLiteral("price_m");
    p.productId = QStringLiteral("prod_1");
    p.currency = QStringLiteral("usd");
    p.type = QStringLiteral("recurring");
    p.unitAmount = 500;
    p.interval = QStringLiteral("month");
    p.intervalCount = 1;
    p.usageType = QStringLiteral("licensed");
    QVERIFY(cache.upsertPrices({p}).ok());
    QList<Subscription> subs;
    for (int i = 0; i < SubscriptionCount; ++i) {
        Subscription s;
        s.id = QStringLiteral("sub_%1").arg(i, 4, 10, QLatin1Char('0'));
        s.customerId = customerId(i);
        s.status = i % 2 == 0 ? QStringLiteral("active") : QStringLiteral("canceled");
        s.currency = QStringLiteral("usd");
        s.created = Base.addSecs(120LL * i);
        SubscriptionItem item;
        item.id = QStringLiteral("si_%1").arg(i);
        item.priceId = p.id;
        item.quantity = 1 + i % 7;
        item.currentPeriodEnd = Now.addDays(i % 28);
        s.items = {item};
        subs << s;
    }
    QVERIFY(cache.upsertSubscriptions(subs).ok());
    QList<Invoice> invoices;
    for (int i = 0; i < InvoiceCount; ++i)
        invoices << makeInvoice(i);
    QVERIFY(cache.upsertInvoices(invoices).ok());
    cache.close();

    // Audit: 700 entries; every third by finance@, the rest by support@; "=SUM(A1)" summaries.
    m_billingPath = m_dir.filePath(QStringLiteral("billing.sqlite"));
    BillingDatabase db(QStringLiteral("tst-panereports-billing"));
    QVERIFY(db.open(BillingDbSettings::sqlite(m_billingPath)).ok());
    for (int i = 0; i < 700; ++i) {
        AuditEntry e;
        e.at = Base.addSecs(60LL * i);
        e.actor = i % 3 == 0 ? QStringLiteral("finance@example.com") : QStringLiteral("support@example.com");
        e.operation = QStringLiteral("invoice.void");
        e.targetType = QStringLiteral("invoice");
        e.targetId = invoiceId(i);
        e.afterSummary = QStringLiteral("=SUM(A%1)").arg(i);
        e.result = QStringLiteral("ok");
        QVERIFY(db.appendAudit(e).ok());
    }
    db.close();
}

QJsonArray tst_PaneReports::exportAndParse(ReportKind kind, const ReportFilter &filter, const QString &name)
{
    const QString out = m_dir.filePath(name + QStringLiteral(".csv"));
    ExportJob job;
    ExportJob::Request r;
    r.kind = kind;
    r.filter = filter;
    r.cacheFilePath = m_cachePath;
    r.outputPath = out;
    const QString billingPath = m_billingPath;
    r.audit = [billingPath](const AuditQuery &q) -> Result<QList<AuditEntry>> {
        BillingDatabase db(QStringLiteral("tst-panereports-audit"));
        if (Result<BillingDatabase::OpenReport> o = db.open(BillingDbSettings::sqlite(billingPath)); !o)
            return o.error();
        return db.audit(q);
    };
    std::optional<Result<ExportSummary>> result;
    qint64 lastTotal = -2;
    job.start(r, this, [&](qint64, qint64 total) { lastTotal = total; }, [&](Result<ExportSummary> s) { result = s; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 30000) || !*result) {
        qWarning() << "export failed" << (result ? result->error().detail : QStringLiteral("timeout"));
        return {};
    }
    if (kind != ReportKind::AuditLog && lastTotal != (*result)->rows) {
        qWarning() << "progress total" << lastTotal << "rows" << (*result)->rows;
        return {};
    }
    QProcess py;
    py.start(QStringLiteral("python3"), {Test::sourceDir() + QStringLiteral("/tests/services/reports/check_csv.py"),
                                         QStringLiteral("dump"), out});
    if (!py.waitForFinished(60000) || py.exitCode() != 0) {
        qWarning() << py.readAllStandardError();
        return {};
    }
    const QJsonArray rows = QJsonDocument::fromJson(py.readAllStandardOutput()).object().value(QLatin1String("rows")).toArray();
    if (rows.size() - 1 != (*result)->rows)
        qWarning() << "parsed" << rows.size() - 1 << "rows, the export says" << (*result)->rows;
    return rows;
}

void tst_PaneReports::customersPaneExportHasEveryMatchingRowInPaneOrder_data()
{
    QTest::addColumn<int>("pageSize");
    QTest::newRow("pages of 37") << 37;
    QTest::newRow("pages of 200 (the pane's)") << 200;
    QTest::newRow("one page") << 5000;
}

void tst_PaneReports::customersPaneExportHasEveryMatchingRowInPaneOrder()
{
    QFETCH(int, pageSize);
    // The pane: search "acme", currency EUR, sorted by name descending.
    CustomerQuery q;
    q.search = QStringLiteral("acme");
    q.currency = QStringLiteral("eur");
    q.sortKey = CustomerQuery::SortKey::Name;
    q.order = SortOrder::Descending;
    q.limit = 200;
    ReportFilter f;
    f.pageSize = pageSize;
    f.customerQuery = q;
    const QJsonArray rows = exportAndParse(ReportKind::Customers, f, QStringLiteral("customers-%1").arg(pageSize));
    QVERIFY(!rows.isEmpty());

    // Expected by hand: even (Acme) and every third (EUR) = multiples of 6, by name Z..A, then id.
    QList<int> expected;
    for (int i = 0; i < CustomerCount; i += 6)
        expected << i;
    std::sort(expected.begin(), expected.end(), [](int a, int b) {
        const int c = QString::compare(customerName(a), customerName(b), Qt::CaseInsensitive);
        return c != 0 ? c > 0 : customerId(a) > customerId(b);
    });
    QCOMPARE(expected.size(), 217); // more than one page of the pane
    QStringList ids, names;
    for (int i : std::as_const(expected)) {
        ids << customerId(i);
        names << customerName(i);
    }
    QCOMPARE(rows.size() - 1, qsizetype(expected.size()));
    QCOMPARE(column(rows, QStringLiteral("id")), ids);
    QCOMPARE(column(rows, QStringLiteral("name")), names);
    QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), ids.size());
    const QStringList currencies = column(rows, QStringLiteral("currency"));
    QVERIFY(std::all_of(currencies.begin(), currencies.end(), [](const QString &c) { return c == QLatin1String("EUR"); }));
    // balance = (i % 11 - 5) cents: customer 6 has 1 cent.
    const qsizetype at6 = ids.indexOf(customerId(6));
    QCOMPARE(column(rows, QStringLiteral("balance")).at(at6), QStringLiteral("0.01"));
}

void tst_PaneReports::overdueSearchOfInvoicesPaneExportsEveryMatch()
{
    // The invoices pane with a search and the overdue view: pane query, remaining amount descending.
    InvoiceQuery q;
    q.search = QStringLiteral("acme");
    q.overdueAt = Now;
    q.sortKey = InvoiceQuery::SortKey::AmountRemaining;
    q.order = SortOrder::Descending;
    ReportFilter f;
    f.pageSize = 45;
    f.invoiceQuery = q;
    const QJsonArray rows = exportAndParse(ReportKind::Invoices, f, QStringLiteral("invoices-overdue"));
    QVERIFY(!rows.isEmpty());
    // ACME (even) and overdue (i % 4 == 0): every fourth invoice, 300 of 1200.
    QList<int> expected;
    for (int i = 0; i < InvoiceCount; i += 4)
        expected << i;
    std::sort(expected.begin(), expected.end(), [](int a, int b) {
        const qint64 ra = makeInvoice(a).amountRemainingMinor, rb = makeInvoice(b).amountRemainingMinor;
        return ra != rb ? ra > rb : invoiceId(a) > invoiceId(b);
    });
    QStringList ids;
    for (int i : std::as_const(expected))
        ids << invoiceId(i);
    QCOMPARE(ids.size(), 300);
    QCOMPARE(column(rows, QStringLiteral("id")), ids);
    const QStringList statuses = column(rows, QStringLiteral("status"));
    QVERIFY(std::all_of(statuses.begin(), statuses.end(), [](const QString &s) { return s == QLatin1String("open"); }));
    // in_0000: 1000 minor units of EUR remaining.
    QCOMPARE(column(rows, QStringLiteral("amount_remaining")).at(ids.indexOf(invoiceId(0))), QStringLiteral("10.00"));
}

void tst_PaneReports::dunningQueueExportsEveryQueuedInvoiceWithTheirCodes()
{
    // The dunning pane: the failed-payment queue in EUR, by next attempt (none last).
    InvoiceQuery q;
    q.onlyFailedPayments = true;
    q.currency = QStringLiteral("eur");
    q.sortKey = InvoiceQuery::SortKey::NextAttempt;
    q.order = SortOrder::Ascending;
    ReportFilter f;
    f.pageSize = 9;
    f.invoiceQuery = q;
    const QJsonArray rows = exportAndParse(ReportKind::Invoices, f, QStringLiteral("dunning"));
    QVERIFY(!rows.isEmpty());
    const QJsonArray header = rows.first().toArray();
    QCOMPARE(header.at(header.size() - 3).toString(), QStringLiteral("next_payment_attempt"));
    QCOMPARE(header.at(header.size() - 1).toString(), QStringLiteral("failure_code"));
    // Queued: i % 4 == 0; EUR: i % 3 == 0 -> multiples of 12 (100 invoices).
    QList<int> expected;
    for (int i = 0; i < InvoiceCount; i += 12)
        expected << i;
    std::sort(expected.begin(), expected.end(), [](int a, int b) {
        const QDateTime na = makeInvoice(a).nextPaymentAttempt, nb = makeInvoice(b).nextPaymentAttempt;
        if (na.isValid() != nb.isValid())
            return na.isValid(); // no next attempt sorts last
        if (na != nb)
            return na < nb;
        return invoiceId(a) < invoiceId(b);
    });
    QStringList ids, next;
    for (int i : std::as_const(expected)) {
        ids << invoiceId(i);
        const QDateTime n = makeInvoice(i).nextPaymentAttempt;
        next << (n.isValid() ? iso(n) : QString());
    }
    QCOMPARE(column(rows, QStringLiteral("id")), ids);
    QCOMPARE(column(rows, QStringLiteral("next_payment_attempt")), next);
}

void tst_PaneReports::subscriptionsPaneExportFollowsStatusFilter()
{
    SubscriptionQuery q;
    q.statuses = {QStringLiteral("active")};
    q.sortKey = SubscriptionQuery::SortKey::Amount;
    q.order = SortOrder::Descending;
    ReportFilter f;
    f.pageSize = 64;
    f.subscriptionQuery = q;
    const QJsonArray rows = exportAndParse(ReportKind::Subscriptions, f, QStringLiteral("subscriptions"));
    QVERIFY(!rows.isEmpty());
    // Active = even i (450); amount = 500 x (1 + i % 7), descending, then id descending.
    QList<int> expected;
    for (int i = 0; i < SubscriptionCount; i += 2)
        expected << i;
    std::sort(expected.begin(), expected.end(), [](int a, int b) {
        return a % 7 != b % 7 ? a % 7 > b % 7 : a > b;
    });
    QStringList ids, amounts, periodEnds;
    for (int i : std::as_const(expected)) {
        ids << QStringLiteral("sub_%1").arg(i, 4, 10, QLatin1Char('0'));
        amounts << QStringLiteral("%1.00").arg(5 * (1 + i % 7));
        periodEnds << iso(Now.addDays(i % 28));
    }
    QCOMPARE(column(rows, QStringLiteral("id")), ids);
    QCOMPARE(column(rows, QStringLiteral("amount")), amounts);
    QCOMPARE(column(rows, QStringLiteral("current_period_end")), periodEnds);
}

void tst_PaneReports::paneEstimateCountsAllMatchingRows()
{
    CacheReadConnection connection;
    QVERIFY(connection.open(m_cachePath).ok());
    CustomerQuery q;
    q.search = QStringLiteral("globex");
    q.limit = 200; // the pane's page: the estimate is not bounded by it
    ReportFilter f;
    f.customerQuery = q;
    auto source = makeReport(ReportKind::Customers, {connection.database(), {}}, f);
    QVERIFY(source.ok());
    const Result<qint64> n = (*source)->estimateRows();
    QVERIFY(n.ok());
    QCOMPARE(*n, qint64(CustomerCount / 2));
}

void tst_PaneReports::auditPaneExportHasEveryEntryOfItsFilterNewestFirst()
{
    AuditQuery q;
    q.actor = QStringLiteral("finance@example.com");
    q.limit = 100;   // the pane's page: not a bound of the export
    q.beforeId = 42; // a pane's cursor: ignored
    ReportFilter f;
    f.pageSize = 50;
    f.auditQuery = q;
    const QJsonArray rows = exportAndParse(ReportKind::AuditLog, f, QStringLiteral("audit"));
    QVERIFY(!rows.isEmpty());
    QStringList targets, after;
    for (int i = 699; i >= 0; --i) {
        if (i % 3 != 0)
            continue;
        targets << invoiceId(i);
        after << QStringLiteral("'=SUM(A%1)").arg(i); // defused
    }
    QCOMPARE(targets.size(), 234);
    QCOMPARE(column(rows, QStringLiteral("target_id")), targets);
    QCOMPARE(column(rows, QStringLiteral("after")), after);
    const QStringList actors = column(rows, QStringLiteral("actor"));
    QVERIFY(std::all_of(actors.begin(), actors.end(), [](const QString &a) { return a == QLatin1String("finance@example.com"); }));
}

QTEST_GUILESS_MAIN(tst_PaneReports)
#include "tst_panereports.moc"
