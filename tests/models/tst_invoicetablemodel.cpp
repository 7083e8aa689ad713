#include "models/invoicetablemodel.h"
#include "models/serversortproxymodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include "services/storage/asynclocalcache.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_InvoiceTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_cache = std::make_unique<FakeCacheReader>();
        fillDemoData(*m_cache, nullptr, QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC));
    }

    void loadsAllPagesUnderTheTester()
    {
        InvoiceTableModel model(m_cache.get());
        model.setPageSize(25);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 25);
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), int(m_cache->invoiceRows.size()));
        // default order: newest first
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, InvoiceTableModel::Created).data(PagedTableModel::RawRole).toDateTime()
                    >= model.index(r, InvoiceTableModel::Created).data(PagedTableModel::RawRole).toDateTime());
    }

    void moneyIsFormattedPerCurrencyAndRawInMinorUnits_data()
    {
        QTest::addColumn<QString>("currency");
        QTest::addColumn<qint64>("minor");
        QTest::addColumn<QString>("number");     // the grouped number the display must contain (en_US)
        QTest::addColumn<QString>("notContains"); // what must not appear
        QTest::newRow("USD two decimals") << QStringLiteral("usd") << qint64(123450) << QStringLiteral("1,234.50") << QStringLiteral("1,234.500");
        QTest::newRow("JPY zero-decimal") << QStringLiteral("jpy") << qint64(123450) << QStringLiteral("123,450") << QStringLiteral("1,234.50");
        QTest::newRow("KWD three decimals") << QStringLiteral("kwd") << qint64(1234500) << QStringLiteral("1,234.500") << QStringLiteral("1,234,500");
    }

    void moneyIsFormattedPerCurrencyAndRawInMinorUnits()
    {
        QFETCH(QString, currency);
        QFETCH(qint64, minor);
        QFETCH(QString, number);
        QFETCH(QString, notContains);
        InvoiceRow row = m_cache->invoiceRows.first();
        row.invoice.id = QStringLiteral("in_money");
        row.invoice.currency = currency;
        row.invoice.totalMinor = minor;
        m_cache->invoiceRows = {row};

        InvoiceTableModel model(m_cache.get());
        model.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex total = model.index(0, InvoiceTableModel::Total);
        const QString shown = total.data().toString();
        QVERIFY2(shown.contains(number), qPrintable(shown));
        QVERIFY2(!shown.contains(notContains), qPrintable(shown));
        QCOMPARE(total.data(PagedTableModel::RawRole).toLongLong(), minor);
        QCOMPARE(total.data(PagedTableModel::CurrencyRole).toString(), currency.toUpper());
        QVERIFY(total.data(Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignRight);
        QVERIFY(model.headerData(InvoiceTableModel::Total, Qt::Horizontal, Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignRight);
    }

    void filtersNarrowTheQuery()
    {
        InvoiceTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        model.setStatuses({QStringLiteral("open")});
        model.setCurrency(QStringLiteral("EUR"));
        QVERIFY(waitLoaded(model));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r) {
            QCOMPARE(model.index(r, InvoiceTableModel::Status).data(PagedTableModel::RawRole).toString(), QStringLiteral("open"));
            QCOMPARE(model.index(r, InvoiceTableModel::Currency).data().toString(), QStringLiteral("EUR"));
        }
        model.setStatuses({});
        model.setCurrency({});
        const QDate from(2025, 5, 1), to(2025, 5, 31);
        model.setCreatedRange(from, to);
        QVERIFY(waitLoaded(model));
        QVERIFY(fetchAll(model));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r) {
            const QDate d = model.index(r, InvoiceTableModel::Created).data(PagedTableModel::RawRole).toDateTime().toUTC().date();
            QVERIFY(d >= from && d <= to);
        }
        model.setCreatedRange(std::nullopt, std::nullopt);
        model.setSearchText(QStringLiteral("INV-1003"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, InvoiceTableModel::Number).data().toString(), QStringLiteral("INV-1003"));
    }

    void proxyForwardsSortToSql()
    {
        InvoiceTableModel model(m_cache.get());
        model.setPageSize(20);
        ServerSortProxyModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        proxy.sort(InvoiceTableModel::Total, Qt::DescendingOrder);
        QCOMPARE(model.sortColumn(), int(InvoiceTableModel::Total));
        QVERIFY(waitLoaded(model));
        qint64 maxAll = 0;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows))
            maxAll = qMax(maxAll, r.invoice.totalMinor);
        // the first loaded row is the largest of ALL invoices, not only of the first page
        QCOMPARE(proxy.index(0, InvoiceTableModel::Total).data(PagedTableModel::RawRole).toLongLong(), maxAll);
        QCOMPARE(proxy.rowCount(), 20);
    }

    void reloadsOnInvoiceChanges()
    {
        InvoiceTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        const int before = model.rowCount();
        InvoiceRow extra = m_cache->invoiceRows.first();
        extra.invoice.id = QStringLiteral("in_new");
        extra.invoice.number = QStringLiteral("INV-9999");
        extra.invoice.created = QDateTime::currentDateTimeUtc();
        m_cache->invoiceRows.append(extra);
        QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
        m_cache->notifyChanged(QStringLiteral("invoice"));
        QVERIFY(reloaded.wait());
        QCOMPARE(model.rowCount(), qMin(before + 1, model.pageSize()));
        QCOMPARE(model.rowId(0), QStringLiteral("in_new"));
    }

    // The overdue view and the totals under the table are SQL over the real cache file (not the
    // fake): open, something left, due before "now"; keyset pages of 2 keep every row exactly once.
    void overdueFilterAndTotalsRunInSqlWithKeysetPaging()
    {
        QTemporaryDir dir;
        AsyncLocalCache cache(QStringLiteral("bc-cache-invoicemodel"));
        QVERIFY(cache.openBlocking(dir.filePath(QStringLiteral("cache.sqlite"))).ok());
        const QDateTime now(QDate(2026, 3, 10), QTime(12, 0), Qt::UTC);
        auto inv = [&](const QString &id, const QString &status, const QString &cur, qint64 remaining, int dueDaysAgo) {
            Invoice i;
            i.id = id;
            i.number = id.toUpper();
            i.customerId = QStringLiteral("cus_1");
            i.status = status;
            i.currency = cur;
            i.collectionMethod = QStringLiteral("send_invoice");
            i.totalMinor = i.amountDueMinor = 10000;
            i.amountRemainingMinor = remaining;
            i.amountPaidMinor = 10000 - remaining;
            i.created = now.addDays(-40);
            if (dueDaysAgo != 0)
                i.dueDate = now.addDays(-dueDaysAgo);
            return i;
        };
        const QList<Invoice> rows{
            inv(QStringLiteral("in_a"), QStringLiteral("open"), QStringLiteral("usd"), 10000, 5),      // overdue
            inv(QStringLiteral("in_b"), QStringLiteral("open"), QStringLiteral("usd"), 2550, 1),       // overdue, part paid
            inv(QStringLiteral("in_c"), QStringLiteral("open"), QStringLiteral("eur"), 7000, 30),      // overdue
            inv(QStringLiteral("in_d"), QStringLiteral("open"), QStringLiteral("usd"), 10000, -3),     // due in 3 days
            inv(QStringLiteral("in_e"), QStringLiteral("paid"), QStringLiteral("usd"), 0, 10),         // paid
            inv(QStringLiteral("in_f"), QStringLiteral("open"), QStringLiteral("usd"), 10000, 0),      // no due date
            inv(QStringLiteral("in_g"), QStringLiteral("uncollectible"), QStringLiteral("usd"), 10000, 20), // written off
            inv(QStringLiteral("in_h"), QStringLiteral("open"), QStringLiteral("jpy"), 500, 2),        // overdue
            inv(QStringLiteral("in_i"), QStringLiteral("open"), QStringLiteral("usd"), 0, 9),          // nothing left
        };
        QVERIFY(cache.thread().runBlocking([&](LocalCache &c) { return c.upsertInvoices(rows); }).ok());

        InvoiceTableModel model(&cache);
        model.setPageSize(2);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setOverdueAt(now);
        QVERIFY(model.overdueOnly());
        QVERIFY(waitLoaded(model));
        QVERIFY(fetchAll(model));
        QSet<QString> ids;
        for (int r = 0; r < model.rowCount(); ++r)
            ids.insert(model.rowId(r));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(ids, (QSet<QString>{QStringLiteral("in_a"), QStringLiteral("in_b"), QStringLiteral("in_c"), QStringLiteral("in_h")}));

        auto totalsOf = [&](const InvoiceQuery &q) {
            std::optional<Result<QList<QPair<QString, qint64>>>> out;
            QObject ctx;
            cache.remainingTotals(q, &ctx, [&](Result<QList<QPair<QString, qint64>>> r) { out.emplace(std::move(r)); });
            (void)QTest::qWaitFor([&] { return out.has_value(); }, 5000);
            QMap<QString, qint64> m;
            if (out && out->ok())
                for (const auto &[cur, minor] : out->value())
                    m.insert(cur, minor);
            return m;
        };
        QCOMPARE(totalsOf(model.filterQuery()),
                 (QMap<QString, qint64>{{QStringLiteral("eur"), 7000}, {QStringLiteral("jpy"), 500}, {QStringLiteral("usd"), 12550}}));

        // With a currency on top, sorted by amount: still SQL, still every row once.
        model.setCurrency(QStringLiteral("USD"));
        model.sort(InvoiceTableModel::AmountRemaining, Qt::AscendingOrder);
        QVERIFY(waitLoaded(model));
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowId(0), QStringLiteral("in_b"));
        QCOMPARE(model.rowId(1), QStringLiteral("in_a"));
        QCOMPARE(totalsOf(model.filterQuery()), (QMap<QString, qint64>{{QStringLiteral("usd"), 12550}}));

        // Off again: every invoice.
        model.setCurrency(QString());
        model.setOverdueAt(std::nullopt);
        QVERIFY(waitLoaded(model));
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), int(rows.size()));
    }

private:
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_InvoiceTableModel)
#include "tst_invoicetablemodel.moc"
