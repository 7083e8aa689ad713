#include "models/outboxtablemodel.h"
#include "services/outbox/outboxservice.h"
#include "services/stripe/stripeclient.h"
#include "ui/outboxpage.h"

#include "csvreadback.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;

class tst_OutboxPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exportsTheOperationsShown();
    void exportToAnUnwritableFolderSaysSo();
};

namespace {

QString screenshotDir()
{
    const QString dir = qEnvironmentVariable("BC_SCREENSHOT_DIR", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

StripeConfig deadStripe()
{
    StripeConfig config;
    config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:9")); // nothing listens: every send fails
    config.maxRetries = 0;
    return config;
}

} // namespace

void tst_OutboxPage::exportsTheOperationsShown()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    StripeClient stripe(deadStripe());
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), &stripe);
    QVERIFY(outbox.openBlocking().ok());

    OutboxOperation first;
    first.operation = QStringLiteral("customer.update");
    first.method = QStringLiteral("POST");
    first.path = QStringLiteral("/v1/customers/cus_1Export");
    first.params.insert(QStringLiteral("name"), QStringLiteral("Müller, \"Acme\" GmbH"));
    first.actor = QStringLiteral("=cmd|' /C calc'!A0"); // formula injection must be defused
    const Result<OutboxEntry> a = outbox.enqueueBlocking(first);
    QVERIFY(a.ok());
    // Sending fails (nothing listens): the entry keeps its last error.
    (void)outbox.drainBlocking(a->id);

    OutboxOperation second;
    second.operation = QStringLiteral("refund.create");
    second.method = QStringLiteral("POST");
    second.path = QStringLiteral("/v1/refunds");
    second.params.insert(QStringLiteral("amount"), 2500);
    second.actor = QStringLiteral("support@demo.example");
    const Result<OutboxEntry> b = outbox.enqueueBlocking(second);
    QVERIFY(b.ok());

    const Result<QList<OutboxEntry>> stored = outbox.entriesBlocking(std::nullopt);
    QVERIFY(stored.ok());
    QCOMPARE(stored->size(), 2);
    const OutboxEntry failed = outbox.entryBlocking(a->id).value();
    QVERIFY2(!failed.errorKind.isEmpty(), "the failed send left no error to export");

    OutboxPage page;
    page.resize(1200, 640);
    page.attach(&outbox);
    page.show();
    QTRY_COMPARE(page.model()->rowCount(), 2);
    QVERIFY(page.exportButton()->isVisible());
    QCOMPARE(page.exportButton()->objectName(), QStringLiteral("ExportCsvButton"));

    const QString csv = dir.filePath(QStringLiteral("outbox.csv"));
    QSignalSpy finished(&page, &OutboxPage::exportFinished);
    page.exportCsvTo(csv);
    QVERIFY(page.isExporting());
    QVERIFY(!page.exportButton()->isEnabled());
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(1).toLongLong(), 2);
    QVERIFY(!page.isExporting());
    QVERIFY(page.exportButton()->isEnabled());
    QVERIFY(page.footerText().contains(QDir::toNativeSeparators(csv)));
    QVERIFY(!QDir(dir.path()).entryList({QStringLiteral("*.partial-*")}, QDir::Files | QDir::Hidden).size());

    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(CsvReadBack::endsRecordsWithCrlf(file.readAll()));
    QString error;
    const QList<QStringList> rows = CsvReadBack::read(csv, &error);
    QVERIFY2(rows.size() == 3, qPrintable(error));
    const QStringList header = rows.first();
    QCOMPARE(header, (QStringList{QStringLiteral("id"), QStringLiteral("created"), QStringLiteral("updated"),
                                  QStringLiteral("operation"), QStringLiteral("method"), QStringLiteral("path"),
                                  QStringLiteral("actor"), QStringLiteral("state"), QStringLiteral("attempts"),
                                  QStringLiteral("next_attempt"), QStringLiteral("idempotency_key"),
                                  QStringLiteral("result_object_id"), QStringLiteral("error_kind"),
                                  QStringLiteral("error_http_status"), QStringLiteral("error_request_id"),
                                  QStringLiteral("error_message")}));
    auto col = [&header](const char *name) { return int(header.indexOf(QString::fromLatin1(name))); };
    // The rows in the order shown, each against what the outbox stored.
    for (int r = 0; r < page.model()->rowCount(); ++r) {
        const qint64 id = page.model()->rowAt(r).id;
        const OutboxEntry e = outbox.entryBlocking(id).value();
        const QStringList &row = rows.at(r + 1);
        QCOMPARE(row.size(), header.size());
        QCOMPARE(row.at(col("id")), QString::number(e.id));
        QCOMPARE(row.at(col("operation")), e.operation);
        QCOMPARE(row.at(col("path")), e.path);
        QCOMPARE(row.at(col("state")), outboxStateName(e.state));
        QCOMPARE(row.at(col("attempts")), QString::number(e.attempts));
        QCOMPARE(row.at(col("idempotency_key")), e.idempotencyKey);
        QCOMPARE(row.at(col("error_kind")), e.errorKind);
        QCOMPARE(row.at(col("error_message")), e.errorMessage);
        QCOMPARE(row.at(col("created")), e.createdAt.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ")));
        if (e.id == a->id)
            QCOMPARE(row.at(col("actor")), QStringLiteral("'=cmd|' /C calc'!A0"));
        else
            QCOMPARE(row.at(col("actor")), QStringLiteral("support@demo.example"));
    }
    QVERIFY(page.grab().save(QDir(screenshotDir()).filePath(QStringLiteral("outboxpage-export.png"))));
}

void tst_OutboxPage::exportToAnUnwritableFolderSaysSo()
{
    QTemporaryDir dir;
    StripeClient stripe(deadStripe());
    OutboxService outbox(dir.filePath(QStringLiteral("outbox.sqlite")), &stripe);
    QVERIFY(outbox.openBlocking().ok());
    OutboxOperation op;
    op.operation = QStringLiteral("customer.update");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/customers/cus_1Nowhere");
    op.actor = QStringLiteral("admin@demo.example");
    QVERIFY(outbox.enqueueBlocking(op).ok());

    OutboxPage page;
    page.attach(&outbox);
    QTRY_COMPARE(page.model()->rowCount(), 1);
    const QString csv = dir.filePath(QStringLiteral("no-such-folder/outbox.csv"));
    QSignalSpy finished(&page, &OutboxPage::exportFinished);
    page.exportCsvTo(csv);
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(!finished.first().at(0).toBool());
    QVERIFY2(page.footerText().startsWith(QStringLiteral("Export failed")), qPrintable(page.footerText()));
    QVERIFY(!QFileInfo::exists(csv));
    QVERIFY(page.exportButton()->isEnabled());
}

QTEST_MAIN(tst_OutboxPage)
#include "tst_outboxpage.moc"
