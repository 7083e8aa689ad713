#include "models/customertablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_CustomerTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        m_cache = std::make_unique<FakeCacheReader>();
        fillDemoData(*m_cache, nullptr, m_now);
    }

    void fetchesPagesLazilyWithOneRequestInFlight()
    {
        CustomerTableModel model(m_cache.get());
        model.setPageSize(10);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 10);
        QVERIFY(model.canFetchMore({}));
        const int before = m_cache->requestCount.value(QStringLiteral("customers"));
        model.fetchMore({});
        model.fetchMore({}); // ignored: a page is in flight
        QVERIFY(!model.canFetchMore({}));
        QCOMPARE(m_cache->requestCount.value(QStringLiteral("customers")), before + 1);
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), int(m_cache->customerRows.size()));
        QSet<QString> ids;
        for (int r = 0; r < model.rowCount(); ++r)
            ids.insert(model.rowId(r));
        QCOMPARE(ids.size(), model.rowCount()); // keyset pages neither repeat nor skip rows
    }

    void sortingCoversAllRows_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::newRow("balance ascending") << int(CustomerTableModel::Balance) << Qt::AscendingOrder;
        QTest::newRow("name descending") << int(CustomerTableModel::Name) << Qt::DescendingOrder;
        QTest::newRow("created ascending") << int(CustomerTableModel::Created) << Qt::AscendingOrder;
    }

    void sortingCoversAllRows()
    {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        CustomerTableModel model(m_cache.get());
        model.setPageSize(7);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        model.sort(column, order);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 7);
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), int(m_cache->customerRows.size()));
        const QVariantList raw = Test::column(model, column, PagedTableModel::RawRole);
        for (int i = 1; i < raw.size(); ++i) {
            const QVariant &a = raw.at(i - 1), &b = raw.at(i);
            bool inOrder = true;
            if (a.metaType().id() == QMetaType::QString)
                inOrder = order == Qt::AscendingOrder ? a.toString().compare(b.toString(), Qt::CaseInsensitive) <= 0
                                                      : a.toString().compare(b.toString(), Qt::CaseInsensitive) >= 0;
            else if (a.metaType().id() == QMetaType::QDateTime)
                inOrder = order == Qt::AscendingOrder ? a.toDateTime() <= b.toDateTime() : a.toDateTime() >= b.toDateTime();
            else
                inOrder = order == Qt::AscendingOrder ? a.toLongLong() <= b.toLongLong() : a.toLongLong() >= b.toLongLong();
            QVERIFY2(inOrder, qPrintable(QStringLiteral("row %1: %2 then %3").arg(i).arg(a.toString(), b.toString())));
        }
    }

    void unsortableColumnIsIgnored()
    {
        CustomerTableModel model(m_cache.get());
        QVERIFY(waitLoaded(model));
        model.sort(CustomerTableModel::Country, Qt::AscendingOrder);
        QCOMPARE(model.sortColumn(), int(CustomerTableModel::Name));
        QVERIFY(!model.isLoading());
    }

    void searchAndCurrencyFilterInTheQuery()
    {
        CustomerTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        model.setSearchText(QStringLiteral("  acme "));
        QCOMPARE(model.query().search, QStringLiteral("acme"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, CustomerTableModel::Name).data().toString(), QStringLiteral("Acme Corporation"));

        model.setSearchText(QString());
        model.setCurrency(QStringLiteral("JPY"));
        QVERIFY(waitLoaded(model));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.index(r, CustomerTableModel::Currency).data().toString(), QStringLiteral("JPY"));

        model.setCurrency(QString());
        model.setDelinquentOnly(true);
        QVERIFY(waitLoaded(model));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r)
            QCOMPARE(model.index(r, CustomerTableModel::Status).data(PagedTableModel::RawRole).toBool(), true);
    }

    void reloadsOnChangedForCustomersOnly()
    {
        CustomerTableModel model(m_cache.get());
        model.setPageSize(10);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        model.fetchMore({});
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 20);

        const int requests = m_cache->requestCount.value(QStringLiteral("customers"));
        m_cache->notifyChanged(QStringLiteral("invoice"));
        QVERIFY(!model.isLoading());
        QCOMPARE(m_cache->requestCount.value(QStringLiteral("customers")), requests);

        const QString id = model.rowId(15);
        for (Customer &c : m_cache->customerRows) {
            if (c.id == id)
                c.name = QStringLiteral("Zzz Renamed Ltd");
        }
        QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
        m_cache->notifyChanged(QStringLiteral("customer"));
        QVERIFY(reloaded.wait());
        QCOMPARE(model.rowCount(), 20); // keeps as many rows as were loaded
        const int row = model.rowOfId(id);
        if (row >= 0)
            QCOMPARE(model.index(row, CustomerTableModel::Name).data().toString(), QStringLiteral("Zzz Renamed Ltd"));
        else // renamed to the end of the name order: no longer in the first 20
            QVERIFY(model.rowOfId(id) == -1 && model.canFetchMore({}));
    }

    void readerErrorIsReported()
    {
        CustomerTableModel model(m_cache.get());
        m_cache->failNext = QStringLiteral("The cache file is locked.");
        QSignalSpy failed(&model, &PagedTableModel::loadFailed);
        model.reload();
        QVERIFY(failed.wait());
        QCOMPARE(failed.first().first().toString(), QStringLiteral("The cache file is locked."));
        QCOMPARE(model.lastError(), QStringLiteral("The cache file is locked."));
        QVERIFY(!model.canFetchMore({}));
        QVERIFY(reloadAndWait(model));
        QVERIFY(model.rowCount() > 0);
        QVERIFY(model.lastError().isEmpty());
    }

private:
    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_CustomerTableModel)
#include "tst_customertablemodel.moc"
