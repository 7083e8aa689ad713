// Recovery metrics: charts per currency from counted recoveries and the queue, and the CSV export.
// The loader is a fake (UI test); the metrics arithmetic is checked by hand-made figures.

#include "tests/testsupport.h"
#include "ui/charts/recoverychartview.h"
#include "ui/dialogs/recoverymetricsdialog.h"

#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Billing;
using namespace Billing::Test;

class tst_RecoveryMetricsDialog : public QObject
{
    Q_OBJECT

private:
    static QDateTime utc(int m, int d) { return QDateTime(QDate(2026, m, d), QTime(9, 0), QTimeZone::utc()); }
    static DunningRecovery rec(const QString &id, int m, int d, qint64 minor, const QString &cur, const QString &code, int attempts)
    {
        return DunningRecovery{id, utc(m, d), minor, cur, code, attempts, QStringLiteral("retry_now")};
    }
    static InvoiceRow open(const QString &id, int m, int d, qint64 minor, const QString &cur, const QString &code, int attempts)
    {
        InvoiceRow r;
        r.invoice.id = id;
        r.invoice.currency = cur;
        r.invoice.status = QStringLiteral("open");
        r.invoice.amountRemainingMinor = minor;
        r.invoice.attemptCount = attempts;
        r.invoice.created = utc(m, d);
        r.firstFailureAt = utc(m, d);
        r.declineCode = code;
        return r;
    }

private Q_SLOTS:
    void chartsAndCsv()
    {
        // USD: weeks of 2 Mar (Mon) and 16 Mar; 9 Mar has nothing (a gap kept as zero).
        const QList<DunningRecovery> recoveries{
            rec(QStringLiteral("in_1"), 3, 3, 4900, QStringLiteral("usd"), QStringLiteral("insufficient_funds"), 2),
            rec(QStringLiteral("in_2"), 3, 4, 2900, QStringLiteral("usd"), QStringLiteral("insufficient_funds"), 3),
            rec(QStringLiteral("in_3"), 3, 17, 9900, QStringLiteral("usd"), QStringLiteral("expired_card"), 2),
            rec(QStringLiteral("in_4"), 3, 5, 1000, QStringLiteral("eur"), QStringLiteral("do_not_honor"), 2)};
        const QList<InvoiceRow> queue{open(QStringLiteral("in_5"), 3, 16, 2900, QStringLiteral("usd"), QStringLiteral("do_not_honor"), 2),
                                      open(QStringLiteral("in_6"), 3, 2, 4900, QStringLiteral("usd"), QStringLiteral("insufficient_funds"), 1)};
        int loads = 0;
        RecoveryMetricsDialog dialog([&](QObject *, auto done) {
            ++loads;
            done(recoveries, queue, QString());
        });
        dialog.show();
        QCOMPARE(loads, 1);
        QCOMPARE(dialog.currencyBox()->count(), 2);
        QCOMPARE(dialog.currencyBox()->currentText(), QStringLiteral("USD")); // most recovered first
        const RecoveryMetrics &m = dialog.metrics();
        QCOMPARE(m.recovered, 3);
        QCOMPARE(m.recoveredMinor, 17700);
        QCOMPARE(m.stillOpen, 2);
        QCOMPARE(m.atRiskMinor, 7800);
        QCOMPARE(m.weeks.size(), 3);
        QCOMPARE(m.weeks.at(0).start, QDate(2026, 3, 2));
        QCOMPARE(m.weeks.at(0).recovered, 2);
        QCOMPARE(m.weeks.at(0).stillOpen, 1);   // in_6 failed on 2 Mar
        QCOMPARE(m.weeks.at(1).recovered, 0);   // the empty week
        QCOMPARE(m.weeks.at(2).recoveredMinor, 9900);
        QCOMPARE(m.byCode.size(), 3);
        QCOMPARE(m.byCode.at(0).key, QStringLiteral("expired_card")); // 99.00 recovered
        QCOMPARE(m.byCode.at(1).key, QStringLiteral("insufficient_funds")); // 78.00
        QCOMPARE(m.byCode.at(1).recovered, 2);
        QCOMPARE(m.byCode.at(1).stillOpen, 1);
        QCOMPARE(m.byCode.at(2).key, QStringLiteral("do_not_honor")); // nothing recovered, one open
        QCOMPARE(m.byCode.at(2).stillOpen, 1);
        // By step: paid on the 1st retry (attempts 2) twice, on the 2nd once; open at attempt 1 and 2.
        QCOMPARE(m.bySteps.size(), 2);
        QCOMPARE(m.bySteps.at(0).recovered, 2);
        QCOMPARE(m.bySteps.at(1).recovered, 1);
        QVERIFY(dialog.totalsLabel()->text().contains(QLatin1String("60.0")) || dialog.totalsLabel()->text().contains(QLatin1String("60,0")));
        QVERIFY(dialog.charts()->barCount() >= 3 + 3 + 2);
        QTest::qWait(100);
        QVERIFY(dialog.grab().save(screenshotDir() + QStringLiteral("/recoverymetricsdialog-usd.png")));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.csv"));
        QVERIFY(dialog.exportTo(path).ok());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString csv = QString::fromUtf8(f.readAll());
        QVERIFY(csv.startsWith(QLatin1String("section,key,recovered,recovered_amount,currency,still_open,rate_percent\r\n")));
        QVERIFY(csv.contains(QLatin1String("week,2026-03-02,2,78.00,USD,1,66.7\r\n")));
        QVERIFY(csv.contains(QLatin1String("decline_code,expired_card,1,99.00,USD,0,100.0\r\n")));

        dialog.currencyBox()->setCurrentIndex(1);
        QCOMPARE(dialog.metrics().currency, QStringLiteral("eur"));
        QCOMPARE(dialog.metrics().recoveredMinor, 1000);
    }
};

QTEST_MAIN(tst_RecoveryMetricsDialog)
#include "tst_recoverymetricsdialog.moc"
