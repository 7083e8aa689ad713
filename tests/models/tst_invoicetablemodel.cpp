#include "models/invoicetablemodel.h"
#include "models/serversortproxymodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include <QAbstractItemModelTester>
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

private:
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_InvoiceTableModel)
#include "tst_invoicetablemodel.moc"
