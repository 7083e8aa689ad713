// The Dunning pane over a fake cache (demo data) with an overlay loader: the queue's columns,
// sorting and filtering by the overlay columns, the detail panel's policy reason, totals at risk.
// Screenshots of the queue to screenshotDir().

#include "models/dunningtablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"
#include "tests/testsupport.h"
#include "ui/dunningpage.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QTableView>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_DunningPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void queueWithOverlayColumns()
    {
        const QDateTime now(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        FakeCacheReader cache;
        fillDemoData(cache, nullptr, now);
        DunningPage page(&cache);
        page.dunning()->setReferenceTime(now);
        page.resize(1760, 620);
        page.show();
        page.ensureLoaded();
        QVERIFY(waitLoaded(*page.dunning()));
        const int rows = page.dunning()->rowCount();
        QVERIFY(rows >= 3);
        const QString a = page.dunning()->rowId(0), b = page.dunning()->rowId(1);
        int loads = 0;
        page.setOverlayLoader([&](QObject *, std::function<void(QHash<QString, DunningOverlay>)> done) {
            ++loads;
            QHash<QString, DunningOverlay> o;
            o[a] = DunningOverlay{QStringLiteral("escalated"), QStringLiteral("fin@example.com"), now.addDays(-2), QStringLiteral("call")};
            o[b] = DunningOverlay{QStringLiteral("reminded"), QStringLiteral("sam@example.com"), now.addDays(-1), QStringLiteral("email")};
            done(o);
        });
        QTRY_VERIFY(loads >= 1);
        auto *rules = new QAction(QStringLiteral("Rules…"), &page);
        auto *metrics = new QAction(QStringLiteral("Metrics…"), &page);
        page.addPageAction(rules);
        page.addPageAction(metrics);
        const int ra = page.dunning()->rowOfId(a);
        QCOMPARE(page.dunning()->index(ra, DunningTableModel::Stage).data().toString(), QStringLiteral("Escalated"));
        QCOMPARE(page.dunning()->index(ra, DunningTableModel::Owner).data().toString(), QStringLiteral("fin@example.com"));
        QVERIFY(!page.dunning()->index(ra, DunningTableModel::NextReason).data().toString().isEmpty());
        // The owner filter offers the owners it saw.
        QTRY_VERIFY(page.ownerFilter()->findData(QStringLiteral("sam@example.com")) >= 0);
        QTRY_VERIFY(page.footerLabel()->text().contains(QLatin1String("At risk")));
        page.selectRow(ra);
        QTest::qWait(100);
        QVERIFY(page.grab().save(screenshotDir() + QStringLiteral("/dunningpage-queue.png")));

        // Sort by stage through the header (a local column), then filter by owner and by stage.
        page.view()->sortByColumn(DunningTableModel::Stage, Qt::AscendingOrder);
        QVERIFY(waitLoaded(*page.dunning()));
        QCOMPARE(page.dunning()->rowId(0), a); // Escalated < New < Reminded
        page.ownerFilter()->setCurrentIndex(page.ownerFilter()->findData(QStringLiteral("sam@example.com")));
        QVERIFY(waitLoaded(*page.dunning()));
        QCOMPARE(page.dunning()->rowCount(), 1);
        QCOMPARE(page.dunning()->rowId(0), b);
        page.ownerFilter()->setCurrentIndex(0);
        page.stageFilter()->setCurrentIndex(page.stageFilter()->findData(QStringLiteral("new")));
        QVERIFY(waitLoaded(*page.dunning()));
        QCOMPARE(page.dunning()->rowCount(), rows - 2);
        page.stageFilter()->setCurrentIndex(0);
        page.classFilter()->setCurrentIndex(page.classFilter()->findData(int(DeclineClass::Soft)));
        QVERIFY(waitLoaded(*page.dunning()));
        QVERIFY(page.dunning()->rowCount() <= rows);
        for (int r = 0; r < page.dunning()->rowCount(); ++r)
            QCOMPARE(DeclineCodes::lookup(DunningTableModel::declineCodeOf(page.dunning()->rowAt(r))).cls, DeclineClass::Soft);
        QVERIFY(page.grab().save(screenshotDir() + QStringLiteral("/dunningpage-filtered.png")));
    }
};

QTEST_MAIN(tst_DunningPage)
#include "tst_dunningpage.moc"
