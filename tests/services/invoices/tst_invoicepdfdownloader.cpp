#include "services/invoices/invoicepdfdownloader.h"
#include "tests/services/invoices/invoicestack.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// PDF downloads from the sandbox's hosted invoice_pdf links into a folder.
class tst_InvoicePdfDownloader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fileNames_data();
    void fileNames();
    void writesEveryFile();
    void missingPdfIsReportedPerInvoice();
    void cancelLeavesNoPartialFile();
    void refusesBadFolderAndSecondRun();

private:
    QList<InvoicePdfJob> m_jobs; // finalized invoices with a PDF link
};

void tst_InvoicePdfDownloader::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    const QJsonArray data = invoiceSandboxCall("GET", QStringLiteral("/v1/invoices?status=paid&limit=40")).value(QLatin1String("data")).toArray();
    for (const QJsonValue &v : data) {
        const QJsonObject o = v.toObject();
        m_jobs.append({o.value(QLatin1String("id")).toString(), o.value(QLatin1String("number")).toString(),
                       QUrl(o.value(QLatin1String("invoice_pdf")).toString())});
    }
    QVERIFY(m_jobs.size() >= 20);
    QVERIFY(m_jobs.first().pdfUrl.isValid());
}

void tst_InvoicePdfDownloader::fileNames_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("number");
    QTest::addColumn<QString>("file");
    QTest::newRow("number") << "in_1" << "ACME-0001" << "ACME-0001.pdf";
    QTest::newRow("no number") << "in_1" << "" << "in_1.pdf";
    QTest::newRow("slashes and dots") << "in_1" << "../x/y" << "_x_y.pdf";
    QTest::newRow("spaces") << "in_1" << "A B" << "A_B.pdf";
}

void tst_InvoicePdfDownloader::fileNames()
{
    QFETCH(QString, id);
    QFETCH(QString, number);
    QFETCH(QString, file);
    QCOMPARE(InvoicePdfDownloader::fileNameFor({id, number, {}}), file);
}

void tst_InvoicePdfDownloader::writesEveryFile()
{
    QTemporaryDir dir;
    InvoicePdfDownloader d;
    d.setAuthorization(sandboxKey(), QUrl(sandboxUrl()).host());
    QSignalSpy progress(&d, &InvoicePdfDownloader::progressChanged);
    QSignalSpy finished(&d, &InvoicePdfDownloader::finished);
    const QList<InvoicePdfJob> jobs = m_jobs.mid(0, 5);
    QVERIFY(d.start(jobs, dir.path()).ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    const auto outcomes = finished.first().first().value<QList<InvoicePdfOutcome>>();
    QCOMPARE(outcomes.size(), jobs.size());
    for (const InvoicePdfOutcome &o : outcomes) {
        QVERIFY2(!o.error, qPrintable(o.error ? o.error->detail : QString()));
        QFile f(o.filePath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.trimmed().endsWith("%%EOF"));
    }
    for (const InvoicePdfJob &j : jobs)
        QVERIFY(QFile::exists(dir.filePath(InvoicePdfDownloader::fileNameFor(j))));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), jobs.size());
    QCOMPARE(progress.last().at(0).toInt(), jobs.size());
    QCOMPARE(progress.last().at(1).toInt(), jobs.size());
    QVERIFY(!d.isRunning());
}

void tst_InvoicePdfDownloader::missingPdfIsReportedPerInvoice()
{
    QTemporaryDir dir;
    InvoicePdfDownloader d;
    QSignalSpy finished(&d, &InvoicePdfDownloader::finished);
    QList<InvoicePdfJob> jobs = m_jobs.mid(5, 2);
    const InvoicePdfJob missing{QStringLiteral("in_doesnotexist"), QStringLiteral("GONE-0001"),
                                QUrl(sandboxUrl() + QStringLiteral("/invoice/in_doesnotexist/pdf"))};
    const InvoicePdfJob draft{QStringLiteral("in_draft"), QString(), QUrl()};
    jobs.insert(1, missing);
    jobs.append(draft);
    QVERIFY(d.start(jobs, dir.path()).ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    const auto outcomes = finished.first().first().value<QList<InvoicePdfOutcome>>();
    QCOMPARE(outcomes.size(), 4);
    int ok = 0;
    for (const InvoicePdfOutcome &o : outcomes) {
        if (o.invoiceId == missing.invoiceId) {
            QVERIFY(o.error);
            QCOMPARE(o.error->kind, Error::Kind::NotFound);
            QCOMPARE(o.error->httpStatus, 404);
            QVERIFY(o.error->userMessage.contains(QStringLiteral("404")));
        } else if (o.invoiceId == draft.invoiceId) {
            QVERIFY(o.error);
            QCOMPARE(o.error->kind, Error::Kind::NotFound);
        } else {
            QVERIFY(!o.error);
            ++ok;
        }
    }
    QCOMPARE(ok, 2);
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("GONE-0001.pdf"))));
    // Only the two good files: no .part, no error page saved as a PDF.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
}

void tst_InvoicePdfDownloader::cancelLeavesNoPartialFile()
{
    // A server that sends the start of a PDF and then stalls: the cancel lands mid-file.
    QTcpServer stall;
    QVERIFY(stall.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> held;
    connect(&stall, &QTcpServer::newConnection, &stall, [&] {
        while (QTcpSocket *s = stall.nextPendingConnection()) {
            held.append(s);
            connect(s, &QTcpSocket::readyRead, s, [s] {
                s->readAll();
                s->write("HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-1.4\n");
                s->write(QByteArray(4000, 'x'));
                s->flush();
            });
        }
    });
    QTemporaryDir dir;
    InvoicePdfDownloader d;
    QSignalSpy finished(&d, &InvoicePdfDownloader::finished);
    QList<InvoicePdfJob> jobs = m_jobs.mid(7, 1); // one real file first
    for (int i = 0; i < 5; ++i)
        jobs.append({QStringLiteral("in_stall%1").arg(i), QStringLiteral("STALL-%1").arg(i),
                     QUrl(QStringLiteral("http://127.0.0.1:%1/invoice/in_stall%2/pdf").arg(stall.serverPort()).arg(i))});
    QVERIFY(d.start(jobs, dir.path()).ok());
    // Partial files exist while the stalled downloads run.
    QTRY_VERIFY_WITH_TIMEOUT(QDir(dir.path()).entryList({QStringLiteral("*.part")}, QDir::Files).size() >= 2, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(dir.filePath(QStringLiteral("STALL-0.pdf.part"))).size() > 4000, 20000);
    d.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const auto outcomes = finished.first().first().value<QList<InvoicePdfOutcome>>();
    QCOMPARE(outcomes.size(), jobs.size());
    for (const InvoicePdfOutcome &o : outcomes) {
        if (o.invoiceId == jobs.first().invoiceId) {
            QVERIFY2(!o.error, qPrintable(o.error ? o.error->detail : QString()));
            continue;
        }
        QVERIFY(o.error);
        QCOMPARE(o.error->kind, Error::Kind::Cancelled);
    }
    // Only the finished file: no .part, nothing under a stalled invoice's name.
    const QStringList files = QDir(dir.path()).entryList(QDir::Files);
    QCOMPARE(files, QStringList{InvoicePdfDownloader::fileNameFor(jobs.first())});
    QVERIFY(!d.isRunning());
    qDeleteAll(held);
}

void tst_InvoicePdfDownloader::refusesBadFolderAndSecondRun()
{
    InvoicePdfDownloader d;
    QCOMPARE(d.start(m_jobs.mid(0, 1), QStringLiteral("/nonexistent/folder")).error().kind, Error::Kind::Validation);
    QTemporaryDir dir;
    QCOMPARE(d.start({}, dir.path()).error().kind, Error::Kind::Validation);
    QVERIFY(d.start(m_jobs.mid(0, 2), dir.path()).ok());
    QCOMPARE(d.start(m_jobs.mid(0, 2), dir.path()).error().kind, Error::Kind::Conflict);
    QSignalSpy finished(&d, &InvoicePdfDownloader::finished);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
}

QTEST_GUILESS_MAIN(tst_InvoicePdfDownloader)
#include "tst_invoicepdfdownloader.moc"
