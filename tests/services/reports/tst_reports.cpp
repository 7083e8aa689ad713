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

using namespace Billing;

namespace {

QDateTime utc(int y, int m, int d, int h = 12) { return QDateTime(QDate(y, m, d), QTime(h, 0), QTimeZone::utc()); }

Customer customer(const QString &id, const QString &name, const QString &currency, qint64 balance = 0)
{
    Customer c;
    c.id = id;
    c.name = name;
    c.email = id + QStringLiteral("@example.com");
    c.currency = currency;
    c.balanceMinor = balance;
    c.created = utc(2025, 12, 1);
    return c;
}

Price price(const QString &id, const QString &currency, qint64 unit, const QString &type, const QString &interval,
            int count = 1)
{
    Price p;
    p.id = id;
    p.productId = QStringLiteral("prod_1");
    p.currency = currency;
    p.type = type;
    p.unitAmount = unit;
    p.interval = interval;
    p.intervalCount = interval.isEmpty() ? 0 : count;
    p.usageType = type == QLatin1String("recurring") ? QStringLiteral("licensed") : QString();
    return p;
}

InvoiceLine line(const QString &id, const QString &priceId, qint64 amount, const QString &currency,
                 const QDateTime &periodStart, bool proration = false)
{
    InvoiceLine l;
    l.id = id;
    l.priceId = priceId;
    l.amountMinor = amount;
    l.currency = currency;
    l.quantity = 1;
    l.proration = proration;
    l.periodStart = periodStart;
    l.periodEnd = periodStart.addMonths(1);
    return l;
}

Invoice invoice(const QString &id, const QString &customerId, const QString &currency, const QString &status,
                const QDateTime &created, qint64 due, qint64 remaining)
{
    Invoice i;
    i.id = id;
    i.number = id.toUpper();
    i.customerId = customerId;
    i.status = status;
    i.currency = currency;
    i.collectionMethod = QStringLiteral("charge_automatically");
    i.billingReason = QStringLiteral("subscription_cycle");
    i.subtotalMinor = due;
    i.totalMinor = due;
    i.amountDueMinor = due;
    i.amountPaidMinor = status == QLatin1String("paid") ? due : 0;
    i.amountRemainingMinor = remaining;
    i.created = created;
    i.periodStart = created;
    i.periodEnd = created.addMonths(1);
    if (status == QLatin1String("paid"))
        i.paidAt = created;
    return i;
}

// A paid subscription invoice with one recurring line.
Invoice mrrInvoice(const QString &id, const QString &customerId, const QString &sub, const QString &currency,
                   const QString &priceId, qint64 amount, const QDateTime &start, const QString &status = QStringLiteral("paid"))
{
    Invoice i = invoice(id, customerId, currency, status, start, amount, 0);
    i.subscriptionId = sub;
    i.lines = {line(id + QStringLiteral("_l1"), priceId, amount, currency, start)};
    return i;
}

} // namespace

class tst_Reports : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void invoicesMatchTheCacheRowByRow();
    void invoiceFiltersSelectTheRightRows_data();
    void invoiceFiltersSelectTheRightRows();
    void customersMatchTheCacheRowByRow();
    void subscriptionsListRecurringAmounts();
    void arAgingBucketsAsOfADate();
    void mrrMovementsPerMonthAndCurrency();
    void refundsComeFromTheAuditLog();
    void auditLogIsExportedNewestFirst();
    void badFiltersAreRefused_data();
    void badFiltersAreRefused();
    void exportJobCancelLeavesNoFile();

private:
    QJsonArray exportAndParse(ReportKind kind, const ReportFilter &filter, bool bom = false);
    QString runChecker(const QStringList &args, int *exitCode);

    QTemporaryDir m_dir;
    QString m_cachePath;
    QString m_billingPath;
};

void tst_Reports::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_cachePath = m_dir.filePath(QStringLiteral("cache.sqlite"));
    m_billingPath = m_dir.filePath(QStringLiteral("billing.sqlite"));
    LocalCache cache(QStringLiteral("tst-reports-writer"));
    QVERIFY(cache.open(m_cachePath).ok());
    QVERIFY(cache.upsertCustomers({customer(QStringLiteral("cus_a"), QStringLiteral("Alice, \"A\" Ltd"), QStringLiteral("usd"), -2550),
                                   customer(QStringLiteral("cus_b"), QStringLiteral("=HYPERLINK(\"http://evil\")"), QStringLiteral("eur")),
                                   customer(QStringLiteral("cus_c"), QStringLiteral("Zoë Åström"), QStringLiteral("usd")),
                                   customer(QStringLiteral("cus_d"), QStringLiteral("+44 Trading\nLine two"), QStringLiteral("jpy"), 1500)})
                .ok());
    const QString usd = QStringLiteral("usd"), eur = QStringLiteral("eur"), jpy = QStringLiteral("jpy");
    QVERIFY(cache.upsertPrices({price(QStringLiteral("price_m_usd"), usd, 1000, QStringLiteral("recurring"), QStringLiteral("month")),
                                price(QStringLiteral("price_y_usd"), usd, 12000, QStringLiteral("recurring"), QStringLiteral("year")),
                                price(QStringLiteral("price_m_eur"), eur, 2000, QStringLiteral("recurring"), QStringLiteral("month")),
                                price(QStringLiteral("price_setup"), eur, 9900, QStringLiteral("one_time"), QString())})
                .ok());
    Subscription sa;
    sa.id = QStringLiteral("sub_a");
    sa.customerId = QStringLiteral("cus_a");
    sa.status = QStringLiteral("active");
    sa.currency = usd;
    sa.created = utc(2026, 1, 1);
    SubscriptionItem item;
    item.id = QStringLiteral("si_a");
    item.priceId = QStringLiteral("price_m_usd");
    item.quantity = 2;
    item.currentPeriodEnd = utc(2026, 6, 1);
    sa.items = {item};
    Subscription sb = sa;
    sb.id = QStringLiteral("sub_b");
    sb.customerId = QStringLiteral("cus_b");
    sb.status = QStringLiteral("canceled");
    sb.currency = eur;
    sb.items.first().id = QStringLiteral("si_b");
    sb.items.first().priceId = QStringLiteral("price_m_eur");
    sb.items.first().quantity = 1;
    QVERIFY(cache.upsertSubscriptions({sa, sb}).ok());

    // MRR history (see mrrMovementsPerMonthAndCurrency for the hand computation).
    QList<Invoice> inv{
        mrrInvoice(QStringLiteral("in_m01"), QStringLiteral("cus_a"), QStringLiteral("sub_a"), usd, QStringLiteral("price_m_usd"), 1000, utc(2026, 1, 5)),
        mrrInvoice(QStringLiteral("in_m02"), QStringLiteral("cus_a"), QStringLiteral("sub_a"), usd, QStringLiteral("price_m_usd"), 2000, utc(2026, 2, 5)),
        mrrInvoice(QStringLiteral("in_m03"), QStringLiteral("cus_a"), QStringLiteral("sub_a"), usd, QStringLiteral("price_m_usd"), 1500, utc(2026, 3, 5)),
        mrrInvoice(QStringLiteral("in_m05"), QStringLiteral("cus_a"), QStringLiteral("sub_a"), usd, QStringLiteral("price_m_usd"), 1000, utc(2026, 5, 5)),
        mrrInvoice(QStringLiteral("in_e02"), QStringLiteral("cus_b"), QStringLiteral("sub_b"), eur, QStringLiteral("price_m_eur"), 2000, utc(2026, 2, 10)),
        mrrInvoice(QStringLiteral("in_e03"), QStringLiteral("cus_b"), QStringLiteral("sub_b"), eur, QStringLiteral("price_m_eur"), 2000, utc(2026, 3, 10)),
        mrrInvoice(QStringLiteral("in_e04"), QStringLiteral("cus_b"), QStringLiteral("sub_b"), eur, QStringLiteral("price_m_eur"), 2000, utc(2026, 4, 10)),
        mrrInvoice(QStringLiteral("in_e05"), QStringLiteral("cus_b"), QStringLiteral("sub_b"), eur, QStringLiteral("price_m_eur"), 5000, utc(2026, 5, 10), QStringLiteral("void")),
        mrrInvoice(QStringLiteral("in_y03"), QStringLiteral("cus_c"), QStringLiteral("sub_c"), usd, QStringLiteral("price_y_usd"), 12000, utc(2026, 3, 10)),
    };
    // April's EUR invoice also carries a proration credit and a one-time setup fee: not MRR.
    inv[6].lines << line(QStringLiteral("in_e04_l2"), QStringLiteral("price_m_eur"), -700, eur, utc(2026, 4, 10), true)
                 << line(QStringLiteral("in_e04_l3"), QStringLiteral("price_setup"), 9900, eur, utc(2026, 4, 10));
    // AR aging as of 2026-06-30 (see arAgingBucketsAsOfADate).
    auto ar = [&](const char *id, const QString &cur, const QString &status, const QDateTime &created, qint64 due,
                  qint64 remaining, const QDateTime &dueDate) {
        Invoice i = invoice(QString::fromLatin1(id), QStringLiteral("cus_d"), cur, status, created, due, remaining);
        i.dueDate = dueDate;
        i.collectionMethod = QStringLiteral("send_invoice");
        i.billingReason = QStringLiteral("manual");
        return i;
    };
    inv << ar("in_ar1", usd, QStringLiteral("open"), utc(2026, 6, 1), 10000, 10000, utc(2026, 6, 30, 23))
        << ar("in_ar2", usd, QStringLiteral("open"), utc(2026, 6, 1), 2500, 2000, utc(2026, 6, 29))
        << ar("in_ar3", usd, QStringLiteral("open"), utc(2026, 5, 1), 3000, 3000, utc(2026, 5, 31))
        << ar("in_ar4", usd, QStringLiteral("open"), utc(2026, 5, 1), 4000, 4000, utc(2026, 5, 30))
        << ar("in_ar5", usd, QStringLiteral("open"), utc(2026, 4, 15), 5000, 5000, QDateTime())
        << ar("in_ar7", usd, QStringLiteral("open"), utc(2026, 7, 2), 8000, 8000, utc(2026, 7, 30))
        << ar("in_ar8", usd, QStringLiteral("void"), utc(2026, 1, 2), 999, 999, utc(2026, 2, 1))
        << ar("in_ar10", jpy, QStringLiteral("open"), utc(2026, 1, 2), 1500, 1500, utc(2026, 2, 1));
    Invoice paidLate = ar("in_ar6", eur, QStringLiteral("paid"), utc(2026, 3, 1), 7000, 0, utc(2026, 4, 1));
    paidLate.paidAt = utc(2026, 7, 5);
    Invoice paidEarly = ar("in_ar9", usd, QStringLiteral("paid"), utc(2026, 5, 1), 6000, 0, utc(2026, 5, 20));
    paidEarly.paidAt = utc(2026, 6, 1);
    Invoice noCreated = invoice(QStringLiteral("in_zz"), QStringLiteral("cus_d"), jpy, QStringLiteral("draft"), QDateTime(), 300, 300);
    noCreated.number = QStringLiteral("-5");
    inv << paidLate << paidEarly << noCreated;
    QVERIFY(cache.upsertInvoices(inv).ok());
    cache.close();

    BillingDatabase db(QStringLiteral("tst-reports-billing"));
    QVERIFY(db.open(BillingDbSettings::sqlite(m_billingPath)).ok());
    auto audit = [&db](const QDateTime &at, const QString &op, const QString &target, const QString &params,
                       const QString &key, const QString &result) {
        AuditEntry e;
        e.at = at;
        e.actor = QStringLiteral("finance@example.com");
        e.operation = op;
        e.targetType = QStringLiteral("invoice");
        e.targetId = target;
        e.paramsJson = params;
        e.idempotencyKey = key;
        e.result = result;
        return db.appendAudit(e).ok();
    };
    QVERIFY(audit(utc(2026, 3, 1, 9), QStringLiteral("refund.create"), QStringLiteral("in_m02"),
                  QStringLiteral(R"({"amount":550,"payment_intent":"pi_1","reason":"duplicate","metadata":{"invoice":"in_m02","note":"=cmd|' /C calc'!A0"}})"),
                  QStringLiteral("key-1"), QStringLiteral("requested")));
    QVERIFY(audit(utc(2026, 3, 1, 10), QStringLiteral("refund.create"), QStringLiteral("in_m02"),
                  QStringLiteral(R"({"outbox_entry":1,"object_id":"re_1"})"), QStringLiteral("key-1"), QStringLiteral("ok")));
    QVERIFY(audit(utc(2026, 3, 2, 9), QStringLiteral("refund.create"), QStringLiteral("in_m03"),
                  QStringLiteral(R"({"amount":100000,"payment_intent":"pi_2"})"), QString(),
                  QStringLiteral("refused: over the support limit")));
    QVERIFY(audit(utc(2026, 4, 20, 9), QStringLiteral("credit_note.create"), QStringLiteral("in_e04"),
                  QStringLiteral(R"({"amount":1999,"credit_amount":1999,"invoice":"in_e04"})"), QStringLiteral("key-2"),
                  QStringLiteral("requested")));
    QVERIFY(audit(utc(2026, 4, 21, 9), QStringLiteral("staff.update"), QStringLiteral("7"), QStringLiteral("{}"),
                  QString(), QStringLiteral("ok")));
    db.close();
}

QString tst_Reports::runChecker(const QStringList &args, int *exitCode)
{
    QProcess p;
    p.start(QStringLiteral("python3"),
            QStringList{Test::sourceDir() + QStringLiteral("/tests/services/reports/check_csv.py")} + args);
    if (!p.waitForFinished(60000))
        return QStringLiteral("python3 did not finish");
    *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()) + QString::fromUtf8(p.readAllStandardError());
}

// Exports through the real threaded path (ExportJob, own read-only connection) and parses the
// file back with Python's csv module. Returns the rows, header first.
QJsonArray tst_Reports::exportAndParse(ReportKind kind, const ReportFilter &filter, bool bom)
{
    const QString out = m_dir.filePath(reportKindName(kind) + QStringLiteral(".csv"));
    ExportJob job;
    ExportJob::Request r;
    r.kind = kind;
    r.filter = filter;
    r.cacheFilePath = m_cachePath;
    r.outputPath = out;
    r.csv.byteOrderMark = bom;
    const QString billingPath = m_billingPath;
    r.audit = [billingPath](const AuditQuery &q) -> Result<QList<AuditEntry>> {
        BillingDatabase db(QStringLiteral("tst-reports-audit"));
        if (Result<BillingDatabase::OpenReport> o = db.open(BillingDbSettings::sqlite(billingPath)); !o)
            return o.error();
        return db.audit(q);
    };
    std::optional<Result<ExportSummary>> result;
    job.start(r, this, {}, [&](Result<ExportSummary> s) { result = s; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 20000) || !*result) {
        qWarning() << "export failed" << (result ? result->error().detail : QStringLiteral("timeout"));
        return {};
    }
    int code = 0;
    const QString json = runChecker({QStringLiteral("dump"), out}, &code);
    if (code != 0) {
        qWarning() << json;
        return {};
    }
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    if (o.value(QLatin1String("bom")).toBool() != bom)
        return {};
    return o.value(QLatin1String("rows")).toArray();
}

namespace {

QJsonArray rowOf(const QStringList &cells)
{
    QJsonArray a;
    for (const QString &c : cells)
        a.append(c);
    return a;
}

QStringList column(const QJsonArray &rows, int index)
{
    QStringList out;
    for (qsizetype i = 1; i < rows.size(); ++i)
        out << rows.at(i).toArray().at(index).toString();
    return out;
}

} // namespace

void tst_Reports::invoicesMatchTheCacheRowByRow()
{
    const QString out = m_dir.filePath(QStringLiteral("all-invoices.csv"));
    CacheReadConnection connection;
    QVERIFY(connection.open(m_cachePath).ok());
    ReportFilter filter;
    filter.pageSize = 4; // several keyset pages
    auto source = makeReport(ReportKind::Invoices, {connection.database(), {}}, filter);
    QVERIFY(source.ok());
    Result<ExportSummary> s = exportReport(**source, out, CsvOptions{true});
    QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().detail));
    QCOMPARE(s->rows, qint64(20));
    int code = 0;
    const QString report = runChecker({QStringLiteral("invoices"), out, m_cachePath}, &code);
    QVERIFY2(code == 0, qPrintable(report));
    const QString customersOut = m_dir.filePath(QStringLiteral("all-customers.csv"));
    auto customers = makeReport(ReportKind::Customers, {connection.database(), {}}, filter);
    QVERIFY(customers.ok());
    QVERIFY(exportReport(**customers, customersOut, {}).ok());
    const QString report2 = runChecker({QStringLiteral("customers"), customersOut, m_cachePath}, &code);
    QVERIFY2(code == 0, qPrintable(report2));
}

void tst_Reports::invoiceFiltersSelectTheRightRows_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QStringList>("statuses");
    QTest::addColumn<QString>("customer");
    QTest::addColumn<QStringList>("ids");
    QTest::newRow("eur") << QString() << QString() << QStringLiteral("EUR") << QStringList() << QString()
                         << QStringList{QStringLiteral("in_e02"), QStringLiteral("in_ar6"), QStringLiteral("in_e03"), QStringLiteral("in_e04"), QStringLiteral("in_e05")};
    QTest::newRow("march usd") << QStringLiteral("2026-03-01") << QStringLiteral("2026-03-31") << QStringLiteral("USD")
                               << QStringList() << QString() << QStringList{QStringLiteral("in_m03"), QStringLiteral("in_y03")};
    QTest::newRow("to is inclusive") << QStringLiteral("2026-05-05") << QStringLiteral("2026-05-05") << QString()
                                     << QStringList() << QString() << QStringList{QStringLiteral("in_m05")};
    QTest::newRow("open jpy") << QString() << QString() << QStringLiteral("jpy") << QStringList{QStringLiteral("open")}
                              << QString() << QStringList{QStringLiteral("in_ar10")};
    QTest::newRow("customer and statuses") << QString() << QString() << QString()
                                           << QStringList{QStringLiteral("void"), QStringLiteral("draft")} << QStringLiteral("cus_d")
                                           << QStringList{QStringLiteral("in_ar8"), QStringLiteral("in_zz")};
}

void tst_Reports::invoiceFiltersSelectTheRightRows()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, currency);
    QFETCH(QStringList, statuses);
    QFETCH(QString, customer);
    QFETCH(QStringList, ids);
    ReportFilter f;
    if (!from.isEmpty())
        f.from = QDate::fromString(from, Qt::ISODate);
    if (!to.isEmpty())
        f.to = QDate::fromString(to, Qt::ISODate);
    f.currency = currency.toUpper();
    f.statuses = statuses;
    f.customerId = customer;
    f.pageSize = 2;
    const QJsonArray rows = exportAndParse(ReportKind::Invoices, f);
    QVERIFY(!rows.isEmpty());
    QCOMPARE(column(rows, 0), ids);
}

void tst_Reports::customersMatchTheCacheRowByRow()
{
    const QJsonArray rows = exportAndParse(ReportKind::Customers, {}, true);
    QCOMPARE(rows.size(), 5);
    // Hand-written expectations: defused formula and phone-like names, quoted newline, credit balance.
    QCOMPARE(rows.at(1).toArray().at(1).toString(), QStringLiteral("Alice, \"A\" Ltd"));
    QCOMPARE(rows.at(1).toArray().at(7).toString(), QStringLiteral("-25.50"));
    QCOMPARE(rows.at(2).toArray().at(1).toString(), QStringLiteral("'=HYPERLINK(\"http://evil\")"));
    QCOMPARE(rows.at(3).toArray().at(1).toString(), QStringLiteral("Zoë Åström"));
    QCOMPARE(rows.at(4).toArray().at(1).toString(), QStringLiteral("'+44 Trading\nLine two"));
    QCOMPARE(rows.at(4).toArray().at(6).toString(), QStringLiteral("JPY"));
    QCOMPARE(rows.at(4).toArray().at(7).toString(), QStringLiteral("1500"));
    QCOMPARE(rows.at(4).toArray().at(9).toString(), QStringLiteral("2025-12-01T12:00:00Z"));
}

void tst_Reports::subscriptionsListRecurringAmounts()
{
    ReportFilter f;
    f.statuses = {QStringLiteral("active")};
    const QJsonArray rows = exportAndParse(ReportKind::Subscriptions, f);
    QCOMPARE(rows.size(), 2);
    const QJsonArray r = rows.at(1).toArray();
    QCOMPARE(r.at(0).toString(), QStringLiteral("sub_a"));
    QCOMPARE(r.at(2).toString(), QStringLiteral("Alice, \"A\" Ltd"));
    QCOMPARE(r.at(8).toString(), QStringLiteral("USD"));
    QCOMPARE(r.at(9).toString(), QStringLiteral("20.00")); // 2 x 10.00 per month
    QCOMPARE(r.at(6).toString(), QStringLiteral("month"));
    QCOMPARE(r.at(14).toString(), QStringLiteral("2026-06-01T12:00:00Z"));
}

void tst_Reports::arAgingBucketsAsOfADate()
{
    // As of 2026-06-30, terms 30 days for invoices without a due date:
    //  USD in_ar1 100.00 due 06-30 -> 0 days current; in_ar2 20.00 (remaining) due 06-29 -> 1 day;
    //      in_ar3 30.00 due 05-31 -> 30 days; in_ar4 40.00 due 05-30 -> 31 days; in_ar5 50.00 created
    //      04-15 + 30 = 05-15 -> 46 days; in_ar7 created after the date, in_ar8 void, in_ar9 paid
    //      before it: left out. -> current 100, 1-30 50, 31-60 90, total 240, 5 invoices.
    //  EUR in_ar6 paid on 07-05, so open on 06-30: 70.00 due 04-01 -> 90 days -> 61-90.
    //  JPY in_ar10 1500 due 02-01 -> 149 days -> 90+.
    ReportFilter f;
    f.asOf = QDate(2026, 6, 30);
    f.defaultTermsDays = 30;
    f.pageSize = 3;
    QJsonArray rows = exportAndParse(ReportKind::ArAging, f);
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(0).toArray(), rowOf({QStringLiteral("as_of"), QStringLiteral("currency"), QStringLiteral("current"),
                                          QStringLiteral("days_1_30"), QStringLiteral("days_31_60"), QStringLiteral("days_61_90"),
                                          QStringLiteral("days_over_90"), QStringLiteral("total"), QStringLiteral("open_invoices")}));
    const QString d = QStringLiteral("2026-06-30");
    QCOMPARE(rows.at(1).toArray(), rowOf({d, QStringLiteral("EUR"), QStringLiteral("0.00"), QStringLiteral("0.00"), QStringLiteral("0.00"),
                                          QStringLiteral("70.00"), QStringLiteral("0.00"), QStringLiteral("70.00"), QStringLiteral("1")}));
    QCOMPARE(rows.at(2).toArray(), rowOf({d, QStringLiteral("JPY"), QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("0"),
                                          QStringLiteral("0"), QStringLiteral("1500"), QStringLiteral("1500"), QStringLiteral("1")}));
    QCOMPARE(rows.at(3).toArray(), rowOf({d, QStringLiteral("USD"), QStringLiteral("100.00"), QStringLiteral("50.00"), QStringLiteral("90.00"),
                                          QStringLiteral("0.00"), QStringLiteral("0.00"), QStringLiteral("240.00"), QStringLiteral("5")}));
    // Without terms, in_ar5 is due on its creation day (04-15): 76 days -> 61-90.
    f.defaultTermsDays = 0;
    f.currency = QStringLiteral("USD");
    rows = exportAndParse(ReportKind::ArAging, f);
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.at(1).toArray(), rowOf({d, QStringLiteral("USD"), QStringLiteral("100.00"), QStringLiteral("50.00"), QStringLiteral("40.00"),
                                          QStringLiteral("50.00"), QStringLiteral("0.00"), QStringLiteral("240.00"), QStringLiteral("5")}));
}

void tst_Reports::mrrMovementsPerMonthAndCurrency()
{
    // Hand computation, January to May 2026:
    //  USD cus_a monthly: Jan 10 (new), Feb 20 (+10 expansion), Mar 15 (-5 contraction), Apr none
    //      (-15 churn), May 10 (+10 reactivation). cus_c yearly 120.00 from March -> 10/month Mar..May (new in Mar).
    //  EUR cus_b: Feb 20 (new), Mar 20, Apr 20 (the proration credit and the one-time fee do not
    //      count), May void -> churn -20.
    ReportFilter f;
    f.from = QDate(2026, 1, 1);
    f.to = QDate(2026, 5, 31);
    f.pageSize = 1; // one customer per page
    const QJsonArray rows = exportAndParse(ReportKind::MrrMovements, f);
    const auto r = [](const char *m, const char *c, const char *s, const char *n, const char *e, const char *co,
                      const char *ch, const char *re, const char *end, const char *cs, const char *ce) {
        QStringList l;
        for (const char *x : {m, c, s, n, e, co, ch, re, end, cs, ce})
            l << QString::fromLatin1(x);
        return rowOf(l);
    };
    QJsonArray expected{
        r("month", "currency", "starting_mrr", "new", "expansion", "contraction", "churn", "reactivation", "ending_mrr", "customers_start", "customers_end"),
        r("2026-01", "USD", "0.00", "10.00", "0.00", "0.00", "0.00", "0.00", "10.00", "0", "1"),
        r("2026-02", "EUR", "0.00", "20.00", "0.00", "0.00", "0.00", "0.00", "20.00", "0", "1"),
        r("2026-02", "USD", "10.00", "0.00", "10.00", "0.00", "0.00", "0.00", "20.00", "1", "1"),
        r("2026-03", "EUR", "20.00", "0.00", "0.00", "0.00", "0.00", "0.00", "20.00", "1", "1"),
        r("2026-03", "USD", "20.00", "10.00", "0.00", "-5.00", "0.00", "0.00", "25.00", "1", "2"),
        r("2026-04", "EUR", "20.00", "0.00", "0.00", "0.00", "0.00", "0.00", "20.00", "1", "1"),
        r("2026-04", "USD", "25.00", "0.00", "0.00", "0.00", "-15.00", "0.00", "10.00", "2", "1"),
        r("2026-05", "EUR", "20.00", "0.00", "0.00", "0.00", "-20.00", "0.00", "0.00", "1", "0"),
        r("2026-05", "USD", "10.00", "0.00", "0.00", "0.00", "0.00", "10.00", "20.00", "1", "2"),
    };
    QCOMPARE(rows.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i)
        QCOMPARE(rows.at(i).toArray(), expected.at(i).toArray());
}

void tst_Reports::refundsComeFromTheAuditLog()
{
    const QJsonArray rows = exportAndParse(ReportKind::Refunds, {});
    QCOMPARE(rows.size(), 3); // the refused request moved no money
    const QJsonArray credit = rows.at(1).toArray();
    QCOMPARE(credit.at(0).toString(), QStringLiteral("2026-04-20T09:00:00Z"));
    QCOMPARE(credit.at(1).toString(), QStringLiteral("credit_note_balance"));
    QCOMPARE(credit.at(2).toString(), QStringLiteral("in_e04"));
    QCOMPARE(credit.at(3).toString(), QStringLiteral("cus_b"));
    QCOMPARE(credit.at(4).toString(), QStringLiteral("EUR"));
    QCOMPARE(credit.at(5).toString(), QStringLiteral("19.99"));
    QCOMPARE(credit.at(8).toString(), QStringLiteral("pending"));
    const QJsonArray refund = rows.at(2).toArray();
    QCOMPARE(refund.at(1).toString(), QStringLiteral("refund"));
    QCOMPARE(refund.at(3).toString(), QStringLiteral("cus_a"));
    QCOMPARE(refund.at(4).toString(), QStringLiteral("USD"));
    QCOMPARE(refund.at(5).toString(), QStringLiteral("5.50"));
    QCOMPARE(refund.at(6).toString(), QStringLiteral("duplicate"));
    QCOMPARE(refund.at(7).toString(), QStringLiteral("'=cmd|' /C calc'!A0"));
    QCOMPARE(refund.at(8).toString(), QStringLiteral("ok"));
    QCOMPARE(refund.at(9).toString(), QStringLiteral("re_1"));
    QCOMPARE(refund.at(10).toString(), QStringLiteral("2026-03-01T10:00:00Z"));

    ReportFilter usdOnly;
    usdOnly.currency = QStringLiteral("USD");
    usdOnly.from = QDate(2026, 3, 1);
    usdOnly.to = QDate(2026, 3, 31);
    QCOMPARE(exportAndParse(ReportKind::Refunds, usdOnly).size(), 2);
}

void tst_Reports::auditLogIsExportedNewestFirst()
{
    QJsonArray rows = exportAndParse(ReportKind::AuditLog, {});
    QCOMPARE(rows.size(), 6);
    QCOMPARE(column(rows, 3), QStringList({QStringLiteral("staff.update"), QStringLiteral("credit_note.create"),
                                           QStringLiteral("refund.create"), QStringLiteral("refund.create"),
                                           QStringLiteral("refund.create")}));
    QCOMPARE(column(rows, 0), QStringList({QStringLiteral("5"), QStringLiteral("4"), QStringLiteral("3"),
                                           QStringLiteral("2"), QStringLiteral("1")}));
    ReportFilter april;
    april.from = QDate(2026, 4, 1);
    april.to = QDate(2026, 4, 20);
    rows = exportAndParse(ReportKind::AuditLog, april);
    QCOMPARE(column(rows, 3), QStringList{QStringLiteral("credit_note.create")});
}

void tst_Reports::badFiltersAreRefused_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("status");
    QTest::addColumn<bool>("reversed");
    QTest::newRow("unknown currency") << int(ReportKind::Invoices) << QStringLiteral("XXQ") << QString() << false;
    QTest::newRow("to before from") << int(ReportKind::Invoices) << QString() << QString() << true;
    QTest::newRow("unknown invoice status") << int(ReportKind::Invoices) << QString() << QStringLiteral("active") << false;
    QTest::newRow("status on aging") << int(ReportKind::ArAging) << QString() << QStringLiteral("open") << false;
}

void tst_Reports::badFiltersAreRefused()
{
    QFETCH(int, kind);
    QFETCH(QString, currency);
    QFETCH(QString, status);
    QFETCH(bool, reversed);
    ReportFilter f;
    f.currency = currency;
    if (!status.isEmpty())
        f.statuses = {status};
    if (reversed) {
        f.from = QDate(2026, 2, 1);
        f.to = QDate(2026, 1, 1);
    }
    Status st = validateFilter(ReportKind(kind), f);
    QVERIFY(!st);
    QCOMPARE(st.error().kind, Error::Kind::Validation);
    QVERIFY(!st.error().userMessage.isEmpty());
}

void tst_Reports::exportJobCancelLeavesNoFile()
{
    QTemporaryDir out;
    ExportJob job;
    ExportJob::Request r;
    r.kind = ReportKind::Invoices;
    r.filter.pageSize = 1;
    r.cacheFilePath = m_cachePath;
    r.outputPath = out.filePath(QStringLiteral("x.csv"));
    std::optional<Result<ExportSummary>> result;
    job.cancel();
    job.start(r, this, {}, [&](Result<ExportSummary> s) { result = s; });
    job.cancel();
    QTRY_VERIFY(result.has_value());
    QVERIFY(!*result);
    QCOMPARE(result->error().kind, Error::Kind::Cancelled);
    QVERIFY(QDir(out.path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
}

QTEST_GUILESS_MAIN(tst_Reports)
#include "tst_reports.moc"
