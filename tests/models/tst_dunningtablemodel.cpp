#include "models/dunningtablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_DunningTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        m_cache = std::make_unique<FakeCacheReader>();
        fillDemoData(*m_cache, nullptr, m_now);
    }

    void listsOnlyFailedPaymentsWithTheirDecline()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(4);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(fetchAll(model));
        int expected = 0;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows))
            expected += r.invoice.status == QLatin1String("open") && r.invoice.attempted && r.invoice.amountRemainingMinor > 0;
        QVERIFY(expected > 4);
        QCOMPARE(model.rowCount(), expected);
        for (int r = 0; r < model.rowCount(); ++r) {
            QVERIFY(!model.index(r, DunningTableModel::DeclineCode).data().toString().isEmpty());
            QVERIFY(!model.index(r, DunningTableModel::Meaning).data().toString().isEmpty());
            QVERIFY(model.index(r, DunningTableModel::Attempts).data(PagedTableModel::RawRole).toInt() >= 1);
        }
    }

    void declineCodesHavePlainMeanings_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("meaningWord");
        QTest::newRow("insufficient_funds") << QStringLiteral("insufficient_funds") << QStringLiteral("money");
        QTest::newRow("expired_card") << QStringLiteral("expired_card") << QStringLiteral("expired");
        QTest::newRow("unknown code made readable") << QStringLiteral("some_new_code") << QStringLiteral("Some new code");
    }

    void declineCodesHavePlainMeanings()
    {
        QFETCH(QString, code);
        QFETCH(QString, meaningWord);
        InvoiceRow row;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows)) {
            if (r.invoice.status == QLatin1String("open") && r.invoice.attempted)
                row = r;
        }
        row.declineCode = code;
        m_cache->invoiceRows = {row};
        DunningTableModel model(m_cache.get());
        QVERIFY(reloadAndWait(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, DunningTableModel::DeclineCode).data().toString(), code);
        QVERIFY(model.index(0, DunningTableModel::Meaning).data().toString().contains(meaningWord));
    }

    void daysOverdueSortsOldestFirst()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(3);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.sortColumn(), int(DunningTableModel::DaysOverdue));
        QVERIFY(fetchAll(model));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, DunningTableModel::DaysOverdue).data(PagedTableModel::RawRole).toInt()
                    >= model.index(r, DunningTableModel::DaysOverdue).data(PagedTableModel::RawRole).toInt());
        model.sort(DunningTableModel::AmountRemaining, Qt::DescendingOrder);
        QVERIFY(fetchAll(model));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, DunningTableModel::AmountRemaining).data(PagedTableModel::RawRole).toLongLong()
                    >= model.index(r, DunningTableModel::AmountRemaining).data(PagedTableModel::RawRole).toLongLong());
    }

    void paidInvoiceLeavesTheQueueOnChange()
    {
        DunningTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(fetchAll(model));
        const int before = model.rowCount();
        const QString id = model.rowId(0);
        for (InvoiceRow &r : m_cache->invoiceRows) {
            if (r.invoice.id == id) {
                r.invoice.status = QStringLiteral("paid");
                r.invoice.amountRemainingMinor = 0;
            }
        }
        QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
        m_cache->notifyChanged(QStringLiteral("invoice"));
        QVERIFY(reloaded.wait());
        QCOMPARE(model.rowCount(), before - 1);
        QCOMPARE(model.rowOfId(id), -1);
    }

private:
    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_DunningTableModel)
#include "tst_dunningtablemodel.moc"
