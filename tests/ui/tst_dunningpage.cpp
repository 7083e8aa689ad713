// The Dunning pane over a fake cache (demo data) with an overlay loader: the queue's columns,
// sorting and filtering by the overlay columns, the detail panel's policy reason, totals at risk.
// Screenshots of the queue to screenshotDir().

#include "models/dunningtablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"
#include "tests/testsupport.h"
#include "ui/dunningpage.h"
#include "csvreadback.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTest>

#include <memory>

using namespace Billing;
using namespace Billing::Test;

// The pane over the demo data at a pinned "now", at the screenshots' size, its first load asked for.
struct ShownPage
{
    explicit ShownPage(const QDateTime &now)
    {
        fillDemoData(cache, nullptr, now);
        page = std::make_unique<DunningPage>(&cache);
        page->dunning()->setReferenceTime(now);
        page->resize(1760, 620);
        page->show();
        page->ensureLoaded();
    }
    FakeCacheReader cache;
    std::unique_ptr<DunningPage> page;
};

class tst_DunningPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void queueWithOverlayColumns()
    {
        const QDateTime now(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        ShownPage fixture(now);
        DunningPage &page = *fixture.page;
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
        // The decline filter also lists the queue's own codes; with the age and retry filters.
        const int expired = page.classFilter()->findData(QStringLiteral("expired_card"));
        QVERIFY(expired > 0);
        page.classFilter()->setCurrentIndex(expired);
        QVERIFY(waitLoaded(*page.dunning()));
        QVERIFY(page.dunning()->rowCount() > 0);
        for (int r = 0; r < page.dunning()->rowCount(); ++r)
            QCOMPARE(DunningTableModel::declineCodeOf(page.dunning()->rowAt(r)), QStringLiteral("expired_card"));
        page.classFilter()->setCurrentIndex(0);
        page.retryFilter()->setCurrentIndex(page.retryFilter()->findData(int(DunningTableModel::RetryPlanned)));
        page.ageFilter()->setCurrentIndex(page.ageFilter()->findData(int(DunningTableModel::UnderAWeek)));
        QVERIFY(waitLoaded(*page.dunning()));
        QVERIFY(page.dunning()->rowCount() > 0);
        for (int r = 0; r < page.dunning()->rowCount(); ++r) {
            QVERIFY(page.dunning()->nextStep(page.dunning()->rowAt(r)).retry);
            QVERIFY(page.dunning()->daysOverdue(page.dunning()->rowAt(r).invoice) < 8);
        }
        QVERIFY(page.grab().save(screenshotDir() + QStringLiteral("/dunningpage-filtered.png")));
    }

    // Export CSV writes the queue as the pane shows it: the filtered rows in the pane's order, with
    // the console's own columns (stage, owner, next attempt and why), which no cache query has.
    void exportWritesTheFilteredQueueWithConsoleColumns()
    {
        const QDateTime now(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        ShownPage fixture(now);
        DunningPage &page = *fixture.page;
        QVERIFY(waitLoaded(*page.dunning()));
        const QString escalated = page.dunning()->rowId(0);
        page.setOverlayLoader([&](QObject *, std::function<void(QHash<QString, DunningOverlay>)> done) {
            done({{escalated, DunningOverlay{QStringLiteral("escalated"), QStringLiteral("fin@example.com"), {}, {}}}});
        });
        page.classFilter()->setCurrentIndex(page.classFilter()->findData(int(DeclineClass::Soft)));
        QVERIFY(waitLoaded(*page.dunning()));
        page.view()->sortByColumn(DunningTableModel::NextAttempt, Qt::AscendingOrder);
        QVERIFY(waitLoaded(*page.dunning()));
        const int shown = page.dunning()->rowCount();
        QVERIFY(shown > 0 && shown < page.dunning()->queueSize());

        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("dunning.csv"));
        QSignalSpy finished(&page, &TablePage::exportFinished);
        page.exportCsv(csv);
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
        QString error;
        const QList<QStringList> rows = CsvReadBack::read(csv, &error);
        QVERIFY2(!rows.isEmpty(), qPrintable(error));
        QCOMPARE(rows.size(), shown + 1);
        for (const char *column : {"decline_code", "next_attempt", "why_then", "stage", "owner", "last_contact"})
            QVERIFY2(rows.first().contains(QString::fromLatin1(column)), column);
        const int number = int(rows.first().indexOf(QStringLiteral("invoice")));
        const int why = int(rows.first().indexOf(QStringLiteral("why_then")));
        for (int r = 0; r < shown; ++r) {
            QCOMPARE(rows.at(r + 1).at(number), page.dunning()->index(r, DunningTableModel::Number).data().toString());
            QCOMPARE(rows.at(r + 1).at(why), page.dunning()->index(r, DunningTableModel::NextReason).data().toString());
        }
    }

    // The customer's time zone, per source: the smart policy's 06:00 is 06:00 in that zone, and the
    // detail panel names the zone and where it came from, with the attempt in the user's time too.
    void detailShowsCustomerZoneAndSource_data()
    {
        QTest::addColumn<QString>("metadata");
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("region");
        QTest::addColumn<QByteArray>("zone");
        QTest::addColumn<QString>("sourceText");
        QTest::newRow("metadata") << "Asia/Tokyo" << "US" << "" << QByteArray("Asia/Tokyo") << "metadata";
        QTest::newRow("region") << "" << "US" << "CA" << QByteArray("America/Los_Angeles") << "US, CA";
        QTest::newRow("country") << "" << "US" << "" << QByteArray("America/New_York") << "most populous";
        QTest::newRow("utc") << "" << "" << "" << QByteArray("UTC") << "UTC";
    }
    void detailShowsCustomerZoneAndSource()
    {
        QFETCH(QString, metadata);
        QFETCH(QString, country);
        QFETCH(QString, region);
        QFETCH(QByteArray, zone);
        QFETCH(QString, sourceText);
        const QDateTime now(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        ShownPage fixture(now);
        DunningPage &page = *fixture.page;
        QVERIFY(waitLoaded(*page.dunning()));
        QStringList asked;
        page.setZoneLoader([&](QObject *, QStringList ids, std::function<void(QHash<QString, CustomerTimeZone>)> done) {
            asked += ids;
            QHash<QString, CustomerTimeZone> zones;
            for (const QString &id : ids)
                zones.insert(id, CustomerTimeZones::resolve(metadata, country, region));
            done(zones);
        });
        QVERIFY(!asked.isEmpty());
        // A row the smart policy times at a local morning (a soft decline).
        int row = -1;
        for (int r = 0; r < page.dunning()->rowCount() && row < 0; ++r) {
            const RetryStep step = page.dunning()->nextStep(page.dunning()->rowAt(r));
            if (step.retry && step.reason.contains(QLatin1String("customer time")))
                row = r;
        }
        QVERIFY(row >= 0);
        const InvoiceRow &r = page.dunning()->rowAt(row);
        QVERIFY(asked.contains(r.invoice.customerId));
        const CustomerTimeZone z = page.dunning()->zoneFor(r.invoice.customerId);
        if (zone == "UTC")
            QCOMPARE(z.source, TimeZoneSource::Utc);
        else
            QCOMPARE(z.id(), zone);
        const RetryStep step = page.dunning()->nextStep(r);
        QCOMPARE(step.at.toTimeZone(z.zone).time(), QTime(6, 0));
        const QString cell = page.dunning()->index(row, DunningTableModel::NextAttempt).data().toString();
        QVERIFY2(cell.contains(z.zone.abbreviation(step.at)), qPrintable(cell));
        page.selectRow(row);
        QTest::qWait(100);
        QString detail;
        for (const QLabel *l : page.detailPanel()->findChildren<QLabel *>())
            detail += l->text() + QLatin1Char('\n');
        QVERIFY2(detail.contains(QLatin1String("Time zone")), qPrintable(detail));
        QVERIFY2(detail.contains(sourceText), qPrintable(detail));
        QVERIFY2(detail.contains(QLatin1String("customer time")), qPrintable(detail));
        QVERIFY2(detail.contains(QLatin1String("Your time")), qPrintable(detail));
        QVERIFY(page.grab().save(screenshotDir() + QStringLiteral("/dunningpage-zone-%1.png").arg(QString::fromLatin1(QTest::currentDataTag()))));
    }
};

QTEST_MAIN(tst_DunningPage)
#include "tst_dunningpage.moc"
