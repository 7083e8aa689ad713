#include "services/reports/csvwriter.h"
#include "services/reports/reportexporter.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <limits>
#include <sys/resource.h>

using namespace Billing;

namespace {

Currency cur(const char *code) { return *Currency::fromCode(QString::fromLatin1(code)); }

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

// A source of n rows (id text, amount) that counts what it produced.
class CountingSource final : public ReportSource
{
public:
    explicit CountingSource(qint64 n) : m_n(n) {}
    ReportKind kind() const override { return ReportKind::Invoices; }
    QList<ReportColumn> columns() const override
    {
        return {{QStringLiteral("id"), ColumnType::Text}, {QStringLiteral("amount"), ColumnType::Amount},
                {QStringLiteral("currency"), ColumnType::Currency}};
    }
    Result<qint64> estimateRows() override { return m_n; }
    Status read(const RowSink &sink) override
    {
        const Currency usd = cur("usd");
        for (qint64 i = 0; i < m_n; ++i) {
            ++produced;
            if (!sink({ReportValue::text(QStringLiteral("in_%1").arg(i)), ReportValue::amount(Money(i * 100 + 1, usd)),
                       ReportValue::currency(usd)}))
                return Error::make(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        }
        return {};
    }
    qint64 produced = 0;

private:
    qint64 m_n;
};

} // namespace

class tst_CsvWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textCellsAreQuotedAndDefused_data();
    void textCellsAreQuotedAndDefused();
    void typedCellsAreNeverDefused_data();
    void typedCellsAreNeverDefused();
    void textEncodingAgreesWithQtUtf8_data();
    void textEncodingAgreesWithQtUtf8();
    void fileHasHeaderCrlfAndOptionalBom();
    void rowNotMatchingColumnsIsRefused();
    void commitReplacesAnExistingFileAtomically();
    void cancelMidwayLeavesNoFileAndNoPartial();
    void failingWriteLeavesNoFileAndNoPartial();
    void missingFolderIsRefused();
    void exportJobReportsAMissingCacheOnTheCallersThread();
};

void tst_CsvWriter::textCellsAreQuotedAndDefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QStringLiteral("Acme") << QByteArray("Acme");
    QTest::newRow("empty") << QString() << QByteArray("");
    QTest::newRow("comma") << QStringLiteral("Acme, Inc.") << QByteArray("\"Acme, Inc.\"");
    QTest::newRow("quote") << QStringLiteral("The \"best\"") << QByteArray("\"The \"\"best\"\"\"");
    QTest::newRow("lf") << QStringLiteral("a\nb") << QByteArray("\"a\nb\"");
    QTest::newRow("crlf inside") << QStringLiteral("a\r\nb") << QByteArray("\"a\r\nb\"");
    QTest::newRow("formula") << QStringLiteral("=1+1") << QByteArray("'=1+1");
    QTest::newRow("plus phone") << QStringLiteral("+44 20 7946 0000") << QByteArray("'+44 20 7946 0000");
    QTest::newRow("minus text") << QStringLiteral("-x") << QByteArray("'-x");
    QTest::newRow("minus number as text") << QStringLiteral("-12.50") << QByteArray("'-12.50");
    QTest::newRow("at") << QStringLiteral("@SUM(A1:A2)") << QByteArray("'@SUM(A1:A2)");
    QTest::newRow("tab") << QStringLiteral("\tx") << QByteArray("'\tx");
    QTest::newRow("cr first") << QStringLiteral("\rx") << QByteArray("\"'\rx\"");
    QTest::newRow("formula with comma") << QStringLiteral("=HYPERLINK(\"http://x\",\"y\")")
                                        << QByteArray("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    QTest::newRow("equals later") << QStringLiteral("a=1") << QByteArray("a=1");
    QTest::newRow("unicode") << QStringLiteral("Zoë Åström · 東京") << QByteArray("Zo\xC3\xAB \xC3\x85str\xC3\xB6m \xC2\xB7 \xE6\x9D\xB1\xE4\xBA\xAC");
    QTest::newRow("emoji (surrogate pair)") << QStringLiteral("a\U0001F600b") << QByteArray("a\xF0\x9F\x98\x80" "b");
    QTest::newRow("quote after non-ascii") << QStringLiteral("\u00E9\"") << QByteArray("\"\xC3\xA9\"\"\"");
    QTest::newRow("defused non-ascii") << QStringLiteral("=\u00E9") << QByteArray("'=\xC3\xA9");
    QTest::newRow("unicode minus sign not ascii") << QStringLiteral("\u2212x") << QByteArray("\xE2\x88\x92x");
}

void tst_CsvWriter::textCellsAreQuotedAndDefused()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, expected);
    QCOMPARE(CsvWriter::encodeRow({ReportValue::text(text)}), expected + "\r\n");
}

void tst_CsvWriter::typedCellsAreNeverDefused_data()
{
    QTest::addColumn<int>("kind"); // 0 amount, 1 date, 2 integer, 3 currency, 4 null amount
    QTest::addColumn<qint64>("value");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("negative amount") << 0 << qint64(-1250) << QStringLiteral("usd") << QByteArray("-12.50");
    QTest::newRow("small negative amount") << 0 << qint64(-5) << QStringLiteral("eur") << QByteArray("-0.05");
    QTest::newRow("positive amount") << 0 << qint64(123456789) << QStringLiteral("usd") << QByteArray("1234567.89");
    QTest::newRow("zero-decimal amount") << 0 << qint64(-1500) << QStringLiteral("jpy") << QByteArray("-1500");
    QTest::newRow("three-decimal amount") << 0 << qint64(1250) << QStringLiteral("kwd") << QByteArray("1.250");
    QTest::newRow("date epoch") << 1 << qint64(0) << QString() << QByteArray("1970-01-01T00:00:00Z");
    QTest::newRow("date leap day") << 1 << qint64(1709210096) << QString() << QByteArray("2024-02-29T12:34:56Z");
    QTest::newRow("date before epoch") << 1 << qint64(-1) << QString() << QByteArray("1969-12-31T23:59:59Z");
    QTest::newRow("largest amount") << 0 << std::numeric_limits<qint64>::max() << QStringLiteral("usd")
                                    << QByteArray("92233720368547758.07");
    QTest::newRow("smallest amount") << 0 << std::numeric_limits<qint64>::min() << QStringLiteral("usd")
                                     << QByteArray("-92233720368547758.08");
    QTest::newRow("zero amount") << 0 << qint64(0) << QStringLiteral("kwd") << QByteArray("0.000");
    QTest::newRow("date last second of 9999") << 1 << qint64(253402300799) << QString() << QByteArray("9999-12-31T23:59:59Z");
    QTest::newRow("date year 10000") << 1 << qint64(253402300800) << QString() << QByteArray("10000-01-01T00:00:00Z");
    QTest::newRow("date 2038") << 1 << qint64(2147483648) << QString() << QByteArray("2038-01-19T03:14:08Z");
    QTest::newRow("largest integer") << 2 << std::numeric_limits<qint64>::max() << QString() << QByteArray("9223372036854775807");
    QTest::newRow("negative integer") << 2 << qint64(-3) << QString() << QByteArray("-3");
    QTest::newRow("currency") << 3 << qint64(0) << QStringLiteral("eur") << QByteArray("EUR");
    QTest::newRow("null amount") << 4 << qint64(0) << QString() << QByteArray("");
}

void tst_CsvWriter::typedCellsAreNeverDefused()
{
    QFETCH(int, kind);
    QFETCH(qint64, value);
    QFETCH(QString, currency);
    QFETCH(QByteArray, expected);
    ReportValue v;
    switch (kind) {
    case 0: v = ReportValue::amount(Money(value, *Currency::fromCode(currency))); break;
    case 1: v = ReportValue::date(value); break;
    case 2: v = ReportValue::integer(value); break;
    case 3: v = ReportValue::currency(*Currency::fromCode(currency)); break;
    default: v = ReportValue::null(ColumnType::Amount); break;
    }
    QCOMPARE(CsvWriter::encodeRow({v, ReportValue::text(QStringLiteral("-"))}), expected + ",'-\r\n");
    if (kind == 0) // the writer formats amounts itself: it must agree with Money
        QCOMPARE(v.money().toDecimalString().toLatin1(), expected);
    if (kind == 1)
        QCOMPARE(isoUtc(value).toLatin1(), expected);
}

void tst_CsvWriter::textEncodingAgreesWithQtUtf8_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("lone high surrogate") << QString(QChar(0xD800));
    QTest::newRow("lone low surrogate in text") << (QStringLiteral("a") + QChar(0xDC00) + QStringLiteral("b"));
    QTest::newRow("high surrogate at the end") << (QStringLiteral("ab") + QChar(0xDBFF));
    QTest::newRow("two-byte boundary") << QString(QChar(0x7FF)) + QChar(0x800) + QChar(0x80) + QChar(0x7F);
    QTest::newRow("last BMP") << QString(QChar(0xFFFD)) + QChar(0xFFFF);
    QTest::newRow("mixed scripts") << QStringLiteral("M\u00FCller \u0416 \u05D0 \U0001F4B6 \u6771");
}

// Plain text (no quoting or defusing) must come out exactly as QString::toUtf8 encodes it.
void tst_CsvWriter::textEncodingAgreesWithQtUtf8()
{
    QFETCH(QString, text);
    QCOMPARE(CsvWriter::encodeRow({ReportValue::text(text)}), text.toUtf8() + "\r\n");
}

void tst_CsvWriter::fileHasHeaderCrlfAndOptionalBom()
{
    QTemporaryDir dir;
    const QList<ReportColumn> columns{{QStringLiteral("name"), ColumnType::Text},
                                      {QStringLiteral("amount"), ColumnType::Amount},
                                      {QStringLiteral("currency"), ColumnType::Currency}};
    for (bool bom : {false, true}) {
        const QString path = dir.filePath(bom ? QStringLiteral("bom.csv") : QStringLiteral("plain.csv"));
        CsvWriter w(columns, CsvOptions{bom});
        QVERIFY(w.open(path).ok());
        QVERIFY(w.writeRow({ReportValue::text(QStringLiteral("Zoë, \"Z\"")), ReportValue::amount(Money(-1250, cur("usd"))),
                            ReportValue::currency(cur("usd"))}).ok());
        QVERIFY(w.writeRow({ReportValue::text(QStringLiteral("=cmd")), ReportValue::null(ColumnType::Amount),
                            ReportValue::null(ColumnType::Currency)}).ok());
        QVERIFY(!QFile::exists(path)); // nothing under the final name before commit
        QVERIFY(w.commit().ok());
        QByteArray expected = "name,amount,currency\r\n\"Zo\xC3\xAB, \"\"Z\"\"\",-12.50,USD\r\n'=cmd,,\r\n";
        if (bom)
            expected.prepend("\xEF\xBB\xBF");
        QCOMPARE(readAll(path), expected);
        QCOMPARE(w.rowsWritten(), qint64(2));
    }
    QCOMPARE(filesIn(dir.path()), QStringList({QStringLiteral("bom.csv"), QStringLiteral("plain.csv")}));
}

void tst_CsvWriter::rowNotMatchingColumnsIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("x.csv"));
    CsvWriter w({{QStringLiteral("amount"), ColumnType::Amount}});
    QVERIFY(w.open(path).ok());
    // A text value in an amount column: refused, so user text can never land in a machine column.
    Status st = w.writeRow({ReportValue::text(QStringLiteral("-12.50"))});
    QVERIFY(!st);
    QVERIFY(!w.isOpen());
    QVERIFY(filesIn(dir.path()).isEmpty());
}

void tst_CsvWriter::commitReplacesAnExistingFileAtomically()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.csv"));
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old contents\n");
    }
    CsvWriter w({{QStringLiteral("id"), ColumnType::Text}});
    QVERIFY(w.open(path).ok());
    QVERIFY(w.partialPath().startsWith(path + QStringLiteral(".partial-")));
    QVERIFY(QFile::exists(w.partialPath()));
    QVERIFY(w.writeRow({ReportValue::text(QStringLiteral("a"))}).ok());
    QCOMPARE(readAll(path), QByteArray("old contents\n")); // untouched until commit
    QVERIFY(w.commit().ok());
    QCOMPARE(readAll(path), QByteArray("id\r\na\r\n"));
    QCOMPARE(filesIn(dir.path()), QStringList{QStringLiteral("report.csv")});
}

void tst_CsvWriter::cancelMidwayLeavesNoFileAndNoPartial()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.csv"));
    CountingSource source(200000);
    std::atomic_bool cancel{false};
    QString partialSeen;
    qint64 lastProgress = 0;
    Result<ExportSummary> r = exportReport(source, path, {}, [&](qint64 rows, qint64 total) {
        QCOMPARE(total, qint64(200000));
        lastProgress = rows;
        if (rows >= 50000) {
            const QStringList files = filesIn(dir.path());
            if (!files.isEmpty())
                partialSeen = files.first();
            cancel = true;
        }
    }, &cancel, 10000);
    QVERIFY(!r);
    QCOMPARE(r.error().kind, Error::Kind::Cancelled);
    QVERIFY(partialSeen.startsWith(QStringLiteral("big.csv.partial-"))); // it was streaming to the partial file
    QCOMPARE(lastProgress, qint64(50000));
    QVERIFY(source.produced < 200000); // stopped reading, not just stopped writing
    QVERIFY(filesIn(dir.path()).isEmpty());
}

void tst_CsvWriter::failingWriteLeavesNoFileAndNoPartial()
{
    // A real write failure: the file size limit (EFBIG), as a full disk or quota would give.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.csv"));
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("previous export\n");
    }
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit saved{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    rlimit small = saved;
    small.rlim_cur = 1024 * 1024; // 1 MiB
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    CountingSource source(500000); // about 12 MB
    Result<ExportSummary> r = exportReport(source, path, {});
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &saved), 0);
    QVERIFY(!r);
    QCOMPARE(r.error().kind, Error::Kind::Database);
    QVERIFY2(r.error().userMessage.contains(QStringLiteral("big.csv")), qPrintable(r.error().userMessage));
    QVERIFY(source.produced < 500000);
    QCOMPARE(filesIn(dir.path()), QStringList{QStringLiteral("big.csv")});
    QCOMPARE(readAll(path), QByteArray("previous export\n"));
}

void tst_CsvWriter::missingFolderIsRefused()
{
    QTemporaryDir dir;
    CsvWriter w({{QStringLiteral("id"), ColumnType::Text}});
    Status st = w.open(dir.filePath(QStringLiteral("nope/x.csv")));
    QVERIFY(!st);
    QCOMPARE(st.error().kind, Error::Kind::Validation);
    QVERIFY(filesIn(dir.path()).isEmpty());
}

void tst_CsvWriter::exportJobReportsAMissingCacheOnTheCallersThread()
{
    // The job's failure path without a cache file: done arrives on this thread, nothing is written.
    QTemporaryDir dir;
    ExportJob job;
    ExportJob::Request request;
    request.kind = ReportKind::Invoices;
    request.cacheFilePath = dir.filePath(QStringLiteral("missing.db"));
    request.outputPath = dir.filePath(QStringLiteral("out.csv"));
    std::optional<Result<ExportSummary>> result;
    QThread *doneThread = nullptr;
    job.start(request, this, {}, [&](Result<ExportSummary> r) {
        doneThread = QThread::currentThread();
        result = r;
    });
    QTRY_VERIFY(result.has_value());
    QCOMPARE(doneThread, QThread::currentThread());
    QVERIFY(!*result);
    QVERIFY(result->error().userMessage.contains(QStringLiteral("sync first")));
    QVERIFY(filesIn(dir.path()).isEmpty());
}

QTEST_GUILESS_MAIN(tst_CsvWriter)
#include "tst_csvwriter.moc"
