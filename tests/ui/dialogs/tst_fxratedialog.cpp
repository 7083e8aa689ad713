#include "models/fxratetablemodel.h"
#include "services/storage/asyncbillingdatabase.h"
#include "tests/testsupport.h"
#include "ui/dialogs/fxratedialog.h"

#include <QComboBox>
#include <QDateEdit>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace Billing;
using namespace Billing::Test;

// The FX-rate dialog over a real SQLite billing database on its worker thread.
class tst_FxRateDialog final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    int m_counter = 0;

    std::unique_ptr<AsyncBillingDatabase> freshDb()
    {
        auto db = std::make_unique<AsyncBillingDatabase>(
            BillingDbSettings::sqlite(m_tmp.filePath(QStringLiteral("billing-%1.db").arg(++m_counter))));
        if (!db->openBlocking().ok())
            return nullptr;
        return db;
    }
    static Actor finance() { return {1, QStringLiteral("fin@example.com"), QStringLiteral("Fin"), StaffRole::Finance}; }
    static qint64 auditRows(AsyncBillingDatabase &db)
    {
        return db.thread().runBlocking([](BillingDatabase &d) {
            QSqlQuery q(d.database());
            return q.exec(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE operation LIKE 'fx.%'")) && q.next()
                       ? q.value(0).toLongLong()
                       : qint64(-1);
        });
    }
    static void shoot(QWidget &w, const QString &name)
    {
        QTest::qWait(50);
        QVERIFY(w.grab().save(screenshotDir() + QStringLiteral("/fxratedialog-%1.png").arg(name)));
    }
    static void typeRate(FxRateDialog &d, const QString &text)
    {
        d.rateEdit()->clear();
        QTest::keyClicks(d.rateEdit(), text);
    }

private Q_SLOTS:
    void zeroRateIsRefusedAndNothingSaved()
    {
        auto db = freshDb();
        QVERIFY(db);
        FxRateDialog d(*db, finance());
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QSignalSpy failed(&d, &FxRateDialog::failed);
        typeRate(d, QStringLiteral("0.000"));
        QTest::mouseClick(d.saveButton(), Qt::LeftButton);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(d.message().contains(QStringLiteral("zero")), qPrintable(d.message()));
        shoot(d, QStringLiteral("zero-refused"));
        // nothing reached the database
        QSignalSpy reloaded(&d, &FxRateDialog::reloaded);
        d.reload();
        QTRY_COMPARE(reloaded.count(), 1);
        QCOMPARE(d.model()->rowCount(), 0);
        QCOMPARE(auditRows(*db), 0);
        typeRate(d, QStringLiteral("-1.2"));
        QTest::keyClick(d.rateEdit(), Qt::Key_Return);
        QVERIFY(d.message().contains(QStringLiteral("negative")));
    }

    void savesARateAndListsIt()
    {
        auto db = freshDb();
        QVERIFY(db);
        FxRateDialog d(*db, finance());
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QSignalSpy saved(&d, &FxRateDialog::saved);
        QSignalSpy reloaded(&d, &FxRateDialog::reloaded);
        d.baseCombo()->setCurrentText(QStringLiteral("EUR"));
        d.quoteCombo()->setCurrentText(QStringLiteral("JPY"));
        d.dateEdit()->setDate(QDate(2026, 10, 31));
        QTest::keyClicks(d.sourceEdit(), QStringLiteral("ECB reference"));
        typeRate(d, QStringLiteral("163.2500"));
        QTest::mouseClick(d.saveButton(), Qt::LeftButton);
        QTRY_COMPARE(saved.count(), 1);
        QTRY_VERIFY(reloaded.count() >= 1 && d.model()->rowCount() == 1);
        const FxRate r = d.model()->rates().first();
        QCOMPARE(r.base, QStringLiteral("EUR"));
        QCOMPARE(r.quote, QStringLiteral("JPY"));
        QCOMPARE(r.rate, QStringLiteral("163.25")); // exact and canonical
        QCOMPARE(r.date, QDate(2026, 10, 31));
        QCOMPARE(r.enteredBy, QStringLiteral("fin@example.com"));
        QCOMPARE(auditRows(*db), 1);
        QVERIFY(d.message().contains(QStringLiteral("Saved 1 EUR = 163.25 JPY")));
        QVERIFY(d.rateEdit()->text().isEmpty());

        // A CSV with a bad line 3 imports nothing; a good one imports all.
        const QString bad = m_tmp.filePath(QStringLiteral("bad.csv"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("date,base,quote,rate,source\n2026-10-01,EUR,USD,1.0842,ECB\n2026-10-01,GBP,USD,0,ECB\n");
        f.close();
        QSignalSpy failed(&d, &FxRateDialog::failed);
        d.importFile(bad);
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY2(d.message().contains(QStringLiteral("Line 3")), qPrintable(d.message()));
        QVERIFY(d.message().contains(QStringLiteral("Nothing was imported")));
        shoot(d, QStringLiteral("import-refused"));
        QCOMPARE(auditRows(*db), 1);
        const QString good = m_tmp.filePath(QStringLiteral("good.csv"));
        QFile g(good);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("date,base,quote,rate,source\n2026-10-01,EUR,USD,1.0842,ECB\n2026-10-01,GBP,USD,1.2710,ECB\n"
                "2026-11-01,EUR,USD,1.0791,ECB\n2026-11-01,USD,KWD,0.3071,CBK\n");
        g.close();
        d.importFile(good);
        QTRY_COMPARE(saved.count(), 2);
        QTRY_COMPARE(d.model()->rowCount(), 5);
        QVERIFY(d.message().contains(QStringLiteral("Imported 4 rates")));
        shoot(d, QStringLiteral("imported"));
    }

    void supportReadsOnly()
    {
        auto db = freshDb();
        QVERIFY(db);
        const Actor support{2, QStringLiteral("sup@example.com"), QStringLiteral("Sup"), StaffRole::Support};
        FxRateDialog d(*db, support);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QVERIFY(!d.saveButton()->isEnabled() || !d.saveButton()->isVisibleTo(&d) || !d.saveButton()->parentWidget()->isEnabled());
        QVERIFY(d.message().contains(QStringLiteral("Only finance")));
        shoot(d, QStringLiteral("read-only"));
    }
};

QTEST_MAIN(tst_FxRateDialog)
#include "tst_fxratedialog.moc"
