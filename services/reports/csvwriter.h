#pragma once

#include "services/domain/result.h"
#include "services/reports/reportcolumn.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

class QTemporaryFile;

namespace Billing {

struct CsvOptions
{
    bool byteOrderMark = false; // UTF-8 BOM first, for Excel
};

// Writes one CSV file (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted,
// quotes doubled; UTF-8) from typed rows, streaming: rows go to "<final>.partial-XXXXXX" in the
// final file's folder through a 256 KiB buffer; commit() flushes, fsyncs, renames the partial file
// over the final name (atomic on one file system) and fsyncs the folder. abort(), a failed write
// and the destructor without commit() remove the partial file, so the final name never holds a
// half-written file.
//
// Formula injection (OWASP "CSV Injection"): a Text cell whose first character is = + - @ TAB or
// CR gets a leading single quote. Only Text cells: Amount cells come from Money::toDecimalString
// ("-12.50" stays a number), Currency cells from Currency, Date and Integer cells are formatted
// here, so none of them can carry user text.
//
// Threading: use from one thread. Errors: Validation (a row that does not match the columns),
// Database (the file system refused: cannot create, write, sync or rename; userMessage names the
// file). After an error the writer is closed and its partial file removed.
class CsvWriter final
{
public:
    explicit CsvWriter(QList<ReportColumn> columns, CsvOptions options = {});
    ~CsvWriter();
    CsvWriter(const CsvWriter &) = delete;
    CsvWriter &operator=(const CsvWriter &) = delete;

    // Creates the partial file beside finalPath and writes the BOM (if asked) and the header row.
    Status open(const QString &finalPath);
    Status writeRow(const ReportRow &row);
    Status commit();
    void abort();

    bool isOpen() const;
    QString partialPath() const; // empty when not open
    qint64 rowsWritten() const { return m_rows; }
    qint64 bytesWritten() const { return m_bytes; }

    // Encoding helpers (pure; the tests check them directly).
    static bool needsDefusing(QStringView text);
    static void appendText(QByteArray &out, QStringView text);    // defused, then quoted if needed
    static void appendField(QByteArray &out, const ReportValue &value);
    static QByteArray encodeRow(const ReportRow &row);            // fields + CRLF, no type check
    static QByteArray encodeHeader(const QList<ReportColumn> &columns);

private:
    Status flushBuffer();
    Status fail(const QString &userMessage, const QString &detail);

    QList<ReportColumn> m_columns;
    CsvOptions m_options;
    QString m_finalPath;
    std::unique_ptr<QTemporaryFile> m_file;
    QByteArray m_buffer;
    qint64 m_rows = 0;
    qint64 m_bytes = 0;
    qint64 m_writebackFrom = 0; // first byte not yet handed to sync_file_range
};

} // namespace Billing
