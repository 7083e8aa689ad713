#include "models/formatting.h"
#include "models/invoicetablemodel.h"
#include "services/stripe/stripeparser.h"
#include "tests/services/invoices/invoicestack.h"
#include "ui/invoicespage.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The Invoices pane over a real cache file filled from the sandbox: the filters (status, currency,
// overdue) run in SQL, the totals per currency under the table match the selected rows, PDFs of
// selected invoices download from the sandbox, and Export CSV writes the filtered rows.
class tst_InvoicesPage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void overdueFilterShowsOnlyOverdueAndTotalsMatch();
    void statusAndCurrencyFiltersRunInSql_data();
    void statusAndCurrencyFiltersRunInSql();
    void detailShowsLinesAndLinks();
    void downloadsSelectedPdfs();
    void exportsFilteredInvoicesThroughTheReport();
    void exportsOverdueViewThroughThePaneQuery();

private:
    bool waitLoaded(InvoicesPage &page)
    {
        return QTest::qWaitFor([&] { return page.invoices()->hasLoadedOnce() && !page.invoices()->isLoading(); }, 10000);
    }
    bool loadAll(InvoicesPage &page)
    {
        return QTest::qWaitFor([&] {
            if (page.invoices()->isLoading())
                return false;
            if (page.invoices()->canFetchMore({})) {
                page.invoices()->fetchMore({});
                return false;
            }
            return true;
        }, 20000);
    }
    QSet<QString> shownIds(InvoicesPage &page)
    {
        QSet<QString> ids;
        for (int r = 0; r < page.invoices()->rowCount(); ++r)
            ids.insert(page.invoices()->rowId(r));
        return ids;
    }
    void shot(QWidget *w, const QString &name)
    {
        QApplication::processEvents();
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/invoicespage-%1.png").arg(name)));
    }
    std::unique_ptr<InvoicesPage> makePage()
    {
        auto page = std::make_unique<InvoicesPage>(m_cache.get());
        page->setClock([this] { return m_now; });
        page->setPdfAuthorization(sandboxKey(), QUrl(sandboxUrl()).host());
        page->setExportCacheFile(m_cacheFile);
        page->resize(1280, 760);
        page->show();
        page->ensureLoaded();
        return page;
    }

    QTemporaryDir m_dir;
    QString m_cacheFile;
    std::unique_ptr<AsyncLocalCache> m_cache;
    QList<QJsonObject> m_json; // every invoice put in the cache, as the sandbox sent it
    QDateTime m_now;           // the sandbox's clock
};

void tst_InvoicesPage::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_now = QDateTime::fromSecsSinceEpoch(invoiceSandboxCall("GET", QStringLiteral("/__sandbox/clock")).value(QLatin1String("now")).toInteger(), Qt::UTC);
    QVERIFY(m_now.isValid());
    QList<Customer> customers;
    QString after;
    for (int page = 0; page < 10; ++page) {
        const QJsonObject list = invoiceSandboxCall("GET", QStringLiteral("/v1/customers?limit=100") + (after.isEmpty() ? QString() : QStringLiteral("&starting_after=") + after));
        for (const QJsonValue &v : list.value(QLatin1String("data")).toArray()) {
            Result<Customer> c = StripeParser::customer(v.toObject());
            QVERIFY2(c.ok(), qPrintable(c.ok() ? QString() : c.error().detail));
            customers << c.value();
            after = c->id;
        }
        if (!list.value(QLatin1String("has_more")).toBool())
            break;
    }
    QList<Invoice> invoices;
    for (const char *status : {"open", "paid", "draft", "void", "uncollectible"}) {
        const QJsonArray data = invoiceSandboxCall("GET", QStringLiteral("/v1/invoices?limit=40&status=") + QLatin1String(status))
                                    .value(QLatin1String("data")).toArray();
        for (const QJsonValue &v : data) {
            Result<Invoice> i = StripeParser::invoice(v.toObject());
            QVERIFY2(i.ok(), qPrintable(i.ok() ? QString() : i.error().detail));
            invoices << i.value();
            m_json << v.toObject();
        }
    }
    m_cacheFile = m_dir.filePath(QStringLiteral("cache.sqlite"));
    m_cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-invoicespage"));
    QVERIFY(m_cache->openBlocking(m_cacheFile).ok());
    Status st = m_cache->thread().runBlocking([&](LocalCache &c) -> Status {
        if (Status s = c.upsertCustomers(customers); !s)
            return s;
        return c.upsertInvoices(invoices);
    });
    QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().detail));
}

void tst_InvoicesPage::cleanupTestCase()
{
    m_cache.reset();
}

void tst_InvoicesPage::overdueFilterShowsOnlyOverdueAndTotalsMatch()
{
    auto page = makePage();
    QVERIFY(waitLoaded(*page));
    shot(page.get(), QStringLiteral("all"));

    // Overdue by Stripe's fields, computed here from the sandbox's JSON.
    QSet<QString> expected;
    QMap<QString, qint64> expectedTotals;
    for (const QJsonObject &o : std::as_const(m_json)) {
        const qint64 due = o.value(QLatin1String("due_date")).toInteger();
        const qint64 remaining = o.value(QLatin1String("amount_remaining")).toInteger();
        if (o.value(QLatin1String("status")).toString() == QLatin1String("open") && remaining > 0 && due > 0
            && due < m_now.toSecsSinceEpoch()) {
            expected.insert(o.value(QLatin1String("id")).toString());
            expectedTotals[o.value(QLatin1String("currency")).toString()] += remaining;
        }
    }
    QVERIFY2(!expected.isEmpty(), "the demo data has no overdue invoice at the sandbox's clock");

    QTest::mouseClick(page->overdueFilter(), Qt::LeftButton, {}, QPoint(8, page->overdueFilter()->height() / 2));
    QVERIFY(page->overdueFilter()->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(page->invoices()->overdueOnly() && !page->invoices()->isLoading(), 10000);
    page->invoices()->setPageSize(3); // keyset paging under the filter
    page->invoices()->reload();
    QVERIFY(waitLoaded(*page));
    QVERIFY(loadAll(*page));
    QCOMPARE(shownIds(*page), expected);

    // The SQL aggregate under the table: per currency, exactly the overdue remainders.
    std::optional<Result<QList<QPair<QString, qint64>>>> totals;
    m_cache->remainingTotals(page->invoices()->filterQuery(), page.get(), [&](Result<QList<QPair<QString, qint64>>> r) { totals.emplace(std::move(r)); });
    QTRY_VERIFY(totals.has_value());
    QVERIFY(totals->ok());
    QMap<QString, qint64> got;
    for (const auto &[cur, minor] : totals->value())
        got.insert(cur, minor);
    QCOMPARE(got, expectedTotals);
    QTRY_VERIFY_WITH_TIMEOUT(page->footerLabel()->text().startsWith(QStringLiteral("Outstanding")), 10000);
    for (auto it = expectedTotals.cbegin(); it != expectedTotals.cend(); ++it)
        QVERIFY2(page->footerLabel()->text().contains(Format::money(it.value(), it.key(), page->invoices()->locale())),
                 qPrintable(page->footerLabel()->text()));
    page->selectRow(0);
    shot(page.get(), QStringLiteral("overdue"));
}

void tst_InvoicesPage::statusAndCurrencyFiltersRunInSql_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("currency");
    QTest::newRow("open") << "open" << "";
    QTest::newRow("paid usd") << "paid" << "usd";
    QTest::newRow("void") << "void" << "";
    QTest::newRow("uncollectible eur") << "uncollectible" << "eur";
    QTest::newRow("draft") << "draft" << "";
}

void tst_InvoicesPage::statusAndCurrencyFiltersRunInSql()
{
    QFETCH(QString, status);
    QFETCH(QString, currency);
    auto page = makePage();
    QVERIFY(waitLoaded(*page));
    auto *statusBox = page->findChild<QComboBox *>(QStringLiteral("StatusFilter"));
    QVERIFY(statusBox);
    statusBox->setCurrentIndex(statusBox->findData(QStringList{status}));
    if (!currency.isEmpty()) {
        const QList<QComboBox *> combos = page->findChildren<QComboBox *>();
        bool set = false;
        for (QComboBox *c : combos) {
            const int i = c->findData(currency);
            if (c != statusBox && i >= 0) {
                c->setCurrentIndex(i);
                set = true;
            }
        }
        QVERIFY(set);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!page->invoices()->isLoading(), 10000);
    QVERIFY(loadAll(*page));
    QSet<QString> expected;
    for (const QJsonObject &o : std::as_const(m_json)) {
        if (o.value(QLatin1String("status")).toString() == status
            && (currency.isEmpty() || o.value(QLatin1String("currency")).toString() == currency))
            expected.insert(o.value(QLatin1String("id")).toString());
    }
    QCOMPARE(shownIds(*page), expected);
    if (QTest::currentDataTag() == QLatin1String("open"))
        shot(page.get(), QStringLiteral("open"));
}

void tst_InvoicesPage::detailShowsLinesAndLinks()
{
    auto page = makePage();
    QVERIFY(waitLoaded(*page));
    page->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(page->detailPanel()->findChild<QLabel *>(QStringLiteral("DetailLinks")) != nullptr
                                 || page->invoices()->rowAt(0).invoice.status == QLatin1String("draft"), 5000);
    const Invoice &i = page->invoices()->rowAt(0).invoice;
    bool linesShown = false;
    QTRY_VERIFY_WITH_TIMEOUT([&] {
        for (QLabel *l : page->detailPanel()->findChildren<QLabel *>())
            linesShown = linesShown || l->text().contains(QStringLiteral("<table"));
        return linesShown;
    }(), 5000);
    if (!i.hostedInvoiceUrl.isEmpty()) {
        QLabel *links = page->detailPanel()->findChild<QLabel *>(QStringLiteral("DetailLinks"));
        QVERIFY(links);
        QVERIFY(links->text().contains(i.hostedInvoiceUrl.toHtmlEscaped()));
        QVERIFY(links->text().contains(i.invoicePdf.toHtmlEscaped()));
    }
    shot(page.get(), QStringLiteral("detail"));
}

void tst_InvoicesPage::downloadsSelectedPdfs()
{
    auto page = makePage();
    auto *statusBox = page->findChild<QComboBox *>(QStringLiteral("StatusFilter"));
    statusBox->setCurrentIndex(statusBox->findData(QStringList{QStringLiteral("paid")}));
    QTRY_VERIFY_WITH_TIMEOUT(page->invoices()->hasLoadedOnce() && !page->invoices()->isLoading() && page->invoices()->rowCount() >= 3, 10000);
    QTableView *view = page->view();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(view->model()->index(0, 0)).center());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, view->visualRect(view->model()->index(1, 0)).center());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, view->visualRect(view->model()->index(2, 0)).center());
    const QStringList ids = page->selectedInvoiceIds();
    QCOMPARE(ids.size(), 3);
    QTemporaryDir folder;
    QSignalSpy done(page.get(), &InvoicesPage::pdfDownloadFinished);
    QVERIFY(page->downloadSelectedPdfs(folder.path()));
    QVERIFY(!page->downloadSelectedPdfs(folder.path())); // one run at a time
    shot(page.get(), QStringLiteral("pdf-progress"));
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
    for (const QString &id : ids) {
        const Invoice &i = page->invoices()->rowAt(page->invoices()->rowOfId(id)).invoice;
        QFile f(folder.filePath(InvoicePdfDownloader::fileNameFor({i.id, i.number, {}})));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        QVERIFY(f.readAll().startsWith("%PDF-"));
    }
    QVERIFY2(page->footerLabel()->text().contains(QStringLiteral("3 of 3 PDFs saved")), qPrintable(page->footerLabel()->text()));
    shot(page.get(), QStringLiteral("pdf-done"));
}

void tst_InvoicesPage::exportsFilteredInvoicesThroughTheReport()
{
    auto page = makePage();
    auto *statusBox = page->findChild<QComboBox *>(QStringLiteral("StatusFilter"));
    statusBox->setCurrentIndex(statusBox->findData(QStringList{QStringLiteral("paid")}));
    QTRY_VERIFY_WITH_TIMEOUT(page->invoices()->hasLoadedOnce() && !page->invoices()->isLoading(), 10000);
    int paid = 0;
    for (const QJsonObject &o : std::as_const(m_json))
        paid += o.value(QLatin1String("status")).toString() == QLatin1String("paid") ? 1 : 0;

    QTemporaryDir out;
    const QString path = out.filePath(QStringLiteral("paid.csv"));
    QSignalSpy finished(page.get(), &TablePage::exportFinished);
    QVERIFY(page->exportButton()->isEnabled());
    page->exportCsv(path);
    QVERIFY(page->isExporting());
    QVERIFY(page->exportProgress());
    QVERIFY(page->exportProgress()->isVisible());
    QVERIFY(!page->exportButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(1).toLongLong(), qint64(paid));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size() - 1, paid + 1); // header + rows, CRLF ends
    QVERIFY(lines.first().contains("amount"));
    for (int i = 1; i < lines.size() - 1; ++i)
        QVERIFY2(lines.at(i).contains(",paid,"), lines.at(i).constData());
    QVERIFY(!QFile::exists(path + QStringLiteral(".part")));
    QVERIFY(page->exportButton()->isEnabled());
    shot(page.get(), QStringLiteral("export-done"));
}

// The overdue view is the pane's own query: the export reads every page of it on its own thread
// (not only the two rows the table has loaded) and writes the invoices report's columns.
void tst_InvoicesPage::exportsOverdueViewThroughThePaneQuery()
{
    auto page = makePage();
    QVERIFY(waitLoaded(*page));
    QTest::mouseClick(page->overdueFilter(), Qt::LeftButton, {}, QPoint(8, page->overdueFilter()->height() / 2));
    QTRY_VERIFY_WITH_TIMEOUT(page->invoices()->overdueOnly() && !page->invoices()->isLoading(), 10000);
    page->invoices()->setPageSize(2); // the export loads the remaining pages itself
    page->invoices()->reload();
    QVERIFY(waitLoaded(*page));
    int overdue = 0;
    for (const QJsonObject &o : std::as_const(m_json)) {
        const qint64 due = o.value(QLatin1String("due_date")).toInteger();
        overdue += o.value(QLatin1String("status")).toString() == QLatin1String("open") && o.value(QLatin1String("amount_remaining")).toInteger() > 0
                           && due > 0 && due < m_now.toSecsSinceEpoch() ? 1 : 0;
    }
    QTemporaryDir out;
    const QString path = out.filePath(QStringLiteral("overdue.csv"));
    QSignalSpy finished(page.get(), &TablePage::exportFinished);
    page->exportCsv(path);
    QVERIFY(page->exportProgress());
    shot(page.get(), QStringLiteral("export-progress"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(1).toLongLong(), qint64(overdue));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size() - 1, overdue + 1);
    // The invoices report's columns: the rows came from the pane's query, not from the table (whose
    // view fetches pages on its own, so how many it had loaded is not fixed).
    QVERIFY2(lines.first().startsWith("id,number,customer_id,"), lines.first().constData());

    // Without the cache file the pane exports its table's rows (loading the pages itself on the
    // GUI thread); Cancel before the pages are in: no file at all.
    page->setExportCacheFile(QString());
    page->invoices()->reload();
    const QString cancelled = out.filePath(QStringLiteral("cancelled.csv"));
    page->exportCsv(cancelled);
    page->exportProgress()->cancel();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
    QCOMPARE(finished.last().at(0).toBool(), false);
    QVERIFY(!QFile::exists(cancelled));
    QCOMPARE(QDir(out.path()).entryList(QDir::Files), QStringList{QStringLiteral("overdue.csv")});

    // Through to the end: every page loaded, then the cells written by a worker, reported once.
    const QString rowsPath = out.filePath(QStringLiteral("rows.csv"));
    page->exportCsv(rowsPath);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);
    QVERIFY2(finished.last().at(0).toBool(), qPrintable(finished.last().at(2).toString()));
    QVERIFY(!page->invoices()->canFetchMore({}));
    const qint64 written = finished.last().at(1).toLongLong();
    QCOMPARE(written, qint64(page->invoices()->rowCount()));
    QFile rows(rowsPath);
    QVERIFY(rows.open(QIODevice::ReadOnly));
    QCOMPARE(rows.readAll().count('\n'), written + 1);
    QTest::qWait(200);
    QCOMPARE(finished.size(), 3);
    QVERIFY(!page->isExporting());
}

QTEST_MAIN(tst_InvoicesPage)
#include "tst_invoicespage.moc"
