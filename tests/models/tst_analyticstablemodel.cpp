#include "models/analyticstablemodel.h"
#include "models/fxratetablemodel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QtTest>

using namespace Billing;

class tst_AnalyticsTableModel final : public QObject
{
    Q_OBJECT

private:
    static QList<MonthMetrics> rows()
    {
        MonthMetrics a;
        a.month = QDate(2026, 1, 1);
        a.currency = QStringLiteral("JPY");
        a.mrrMinor = 15000;
        a.arrMinor = 180000;
        a.activeCustomers = 1;
        a.logoChurn = 0.25;
        a.netRevenueRetention = 1.05;
        MonthMetrics b = a;
        b.month = QDate(2026, 2, 1);
        b.complete = false;
        b.note = QStringLiteral("No JPY to USD rate on or before 2026-02-28.");
        return {a, b};
    }

private Q_SLOTS:
    void metricsDisplayRawAndCsv()
    {
        AnalyticsTableModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
        m.setRows(rows());
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.columnCount(), int(AnalyticsTableModel::ColumnCount));
        // zero-decimal currency: 15000 yen, never "150.00"
        QVERIFY(m.data(m.index(0, AnalyticsTableModel::Mrr)).toString().contains(QStringLiteral("15,000")));
        QCOMPARE(m.data(m.index(0, AnalyticsTableModel::Mrr), AnalyticsTableModel::RawRole).toLongLong(), qint64(15000));
        QCOMPARE(m.data(m.index(0, AnalyticsTableModel::LogoChurn)).toString(), QStringLiteral("25.0\u202f%"));
        QCOMPARE(m.data(m.index(0, AnalyticsTableModel::NetRevenueRetention)).toString(), QStringLiteral("105.0\u202f%"));
        // undefined ratio: a dash and an invalid raw value
        QCOMPARE(m.data(m.index(0, AnalyticsTableModel::RevenueChurn)).toString(), QStringLiteral("\u2013"));
        QVERIFY(!m.data(m.index(0, AnalyticsTableModel::RevenueChurn), AnalyticsTableModel::RawRole).isValid());
        // an incomplete (missing rate) month shows dashes and says why
        QCOMPARE(m.data(m.index(1, AnalyticsTableModel::Mrr)).toString(), QStringLiteral("\u2013"));
        QVERIFY(m.data(m.index(1, AnalyticsTableModel::Mrr), Qt::ToolTipRole).toString().contains(QStringLiteral("No JPY")));
        const QList<QStringList> csv = m.csvRows();
        QCOMPARE(csv.size(), 3);
        QCOMPARE(csv.at(0).at(2), QStringLiteral("mrr"));
        QCOMPARE(csv.at(1).at(0), QStringLiteral("2026-01"));
        QCOMPARE(csv.at(1).at(2), QStringLiteral("15000"));     // exact, major units of JPY
        QCOMPARE(csv.at(1).at(8), QStringLiteral("0.250000"));  // logo churn
        QCOMPARE(csv.at(2).at(2), QString());                   // unknown, not 0
        QVERIFY(csv.at(2).last().contains(QStringLiteral("No JPY")));
    }

    void cohortHeatMap()
    {
        AnalyticsCohortModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
        CohortRow jan{QDate(2026, 1, 1), 4, {4, 3, 1}, {1.0, 0.75, 0.25}};
        CohortRow feb{QDate(2026, 2, 1), 2, {2, 2}, {1.0, 1.0}};
        m.setCohorts({jan, feb});
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.columnCount(), 2 + 3);
        QCOMPARE(m.data(m.index(0, 3)).toString(), QStringLiteral("75\u202f%"));
        QVERIFY(!m.data(m.index(1, 4)).isValid()); // February has no M2 yet
        const QColor full = m.data(m.index(0, 2), Qt::BackgroundRole).value<QColor>();
        const QColor quarter = m.data(m.index(0, 4), Qt::BackgroundRole).value<QColor>();
        QVERIFY(full.lightness() < quarter.lightness()); // more retained = darker
        const QList<QStringList> csv = m.csvRows();
        QCOMPARE(csv.at(0), (QStringList{QStringLiteral("cohort"), QStringLiteral("customers"), QStringLiteral("m0"),
                                         QStringLiteral("m1"), QStringLiteral("m2")}));
        QCOMPARE(csv.at(1).at(3), QStringLiteral("0.750000"));
        QCOMPARE(csv.at(2).at(4), QString());
    }

    void fxRatesKeepTheirExactText()
    {
        FxRateTableModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        FxRate r;
        r.base = QStringLiteral("USD");
        r.quote = QStringLiteral("KWD");
        r.date = QDate(2026, 11, 1);
        r.rate = QStringLiteral("0.307123456789");
        r.source = QStringLiteral("CBK");
        m.setRates({r});
        QCOMPARE(m.data(m.index(0, FxRateTableModel::Rate)).toString(), QStringLiteral("0.307123456789"));
        QCOMPARE(m.data(m.index(0, FxRateTableModel::Date), FxRateTableModel::RawRole).toDate(), QDate(2026, 11, 1));
        QCOMPARE(m.csvRows().at(1).mid(0, 5), (QStringList{QStringLiteral("2026-11-01"), QStringLiteral("USD"),
                                                            QStringLiteral("KWD"), QStringLiteral("0.307123456789"),
                                                            QStringLiteral("CBK")}));
    }
};

QTEST_GUILESS_MAIN(tst_AnalyticsTableModel)
#include "tst_analyticstablemodel.moc"
