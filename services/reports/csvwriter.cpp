#include "services/reports/csvwriter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::CsvWriter", text); }

constexpr qsizetype BufferLimit = 256 * 1024;

// Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm), proleptic Gregorian.
void civilFromDays(qint64 z, qint64 &y, unsigned &m, unsigned &d)
{
    z += 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<qint64>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);
}

inline char *put2(char *p, unsigned v)
{
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
    return p + 2;
}

// No snprintf on the hot path: five dates per invoice row.
void appendIsoUtc(QByteArray &out, qint64 secs)
{
    qint64 days = secs / 86400;
    qint64 rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    qint64 y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    if (y < 0 || y > 9999) { // outside ISO 8601's four digits: the general (slow) path
        char buf[40];
        const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                                    d, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                                    static_cast<int>(rem % 60));
        out.append(buf, n);
        return;
    }
    char buf[20];
    char *p = put2(buf, static_cast<unsigned>(y / 100));
    p = put2(p, static_cast<unsigned>(y % 100));
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, static_cast<unsigned>(rem / 3600));
    *p++ = ':';
    p = put2(p, static_cast<unsigned>(rem / 60 % 60));
    *p++ = ':';
    p = put2(p, static_cast<unsigned>(rem % 60));
    *p++ = 'Z';
    out.append(buf, p - buf);
}

// Money::toDecimalString() without a QString: integer part, then exactly `exponent` decimals.
void appendDecimal(QByteArray &out, qint64 minor, int exponent)
{
    const bool negative = minor < 0;
    quint64 magnitude = negative ? quint64(0) - quint64(minor) : quint64(minor);
    char buf[48];
    char *const end = buf + sizeof buf;
    char *p = end;
    if (exponent > 0) {
        for (int k = 0; k < exponent && k < 20; ++k) {
            *--p = static_cast<char>('0' + magnitude % 10);
            magnitude /= 10;
        }
        *--p = '.';
    }
    do {
        *--p = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (negative)
        *--p = '-';
    out.append(p, end - p);
}

void appendInteger(QByteArray &out, qint64 value)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr - buf);
}

// UTF-16 -> UTF-8 straight into `out` (no temporary QByteArray), doubling quotes when asked. A lone
// surrogate becomes '?', as QString::toUtf8() writes it.
void appendUtf8(QByteArray &out, QStringView text, bool doubleQuotes)
{
    const qsizetype n = text.size();
    const qsizetype start = out.size();
    out.resize(start + 3 * n); // worst case: 3 bytes per UTF-16 unit (a quote doubled is 2)
    char *const base = out.data() + start;
    char *p = base;
    const char16_t *s = text.utf16();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t u = s[i];
        if (u < 0x80) {
            if (u == u'"' && doubleQuotes)
                *p++ = '"';
            *p++ = static_cast<char>(u);
        } else if (u < 0x800) {
            *p++ = static_cast<char>(0xC0 | (u >> 6));
            *p++ = static_cast<char>(0x80 | (u & 0x3F));
        } else if (QChar::isSurrogate(u)) {
            if (QChar::isHighSurrogate(u) && i + 1 < n && QChar::isLowSurrogate(s[i + 1])) {
                const char32_t cp = QChar::surrogateToUcs4(u, s[i + 1]);
                ++i;
                *p++ = static_cast<char>(0xF0 | (cp >> 18));
                *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
                *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                *p++ = static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                *p++ = '?';
            }
        } else {
            *p++ = static_cast<char>(0xE0 | (u >> 12));
            *p++ = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
            *p++ = static_cast<char>(0x80 | (u & 0x3F));
        }
    }
    out.resize(start + (p - base));
}

bool fsyncPath(const QString &path, int flags)
{
    const int fd = ::open(QFile::encodeName(path).constData(), flags);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

QString columnTypeName(ColumnType type)
{
    switch (type) {
    case ColumnType::Amount: return QStringLiteral("amount");
    case ColumnType::Currency: return QStringLiteral("currency");
    case ColumnType::Date: return QStringLiteral("date");
    case ColumnType::Integer: return QStringLiteral("integer");
    case ColumnType::Text: break;
    }
    return QStringLiteral("text");
}

QString isoUtc(qint64 secsSinceEpoch)
{
    QByteArray b;
    appendIsoUtc(b, secsSinceEpoch);
    return QString::fromLatin1(b);
}

CsvWriter::CsvWriter(QList<ReportColumn> columns, CsvOptions options)
    : m_columns(std::move(columns)), m_options(options)
{
}

CsvWriter::~CsvWriter() { abort(); }

bool CsvWriter::isOpen() const { return m_file != nullptr; }

QString CsvWriter::partialPath() const { return m_file ? m_file->fileName() : QString(); }

bool CsvWriter::needsDefusing(QStringView text)
{
    if (text.isEmpty())
        return false;
    const QChar c = text.front();
    return c == QLatin1Char('=') || c == QLatin1Char('+') || c == QLatin1Char('-') || c == QLatin1Char('@')
        || c == QLatin1Char('\t') || c == QLatin1Char('\r');
}

void CsvWriter::appendText(QByteArray &out, QStringView text)
{
    const bool defuse = needsDefusing(text);
    bool quote = false;
    for (const QChar qc : text) {
        const char16_t u = qc.unicode();
        if (u == u',' || u == u'"' || u == u'\r' || u == u'\n') {
            quote = true;
            break;
        }
    }
    if (quote)
        out.append('"');
    if (defuse)
        out.append('\'');
    appendUtf8(out, text, quote);
    if (quote)
        out.append('"');
}

void CsvWriter::appendField(QByteArray &out, const ReportValue &value)
{
    if (value.isNull())
        return;
    switch (value.type()) {
    case ColumnType::Text: appendText(out, value.textValue()); return;
    case ColumnType::Amount:
        appendDecimal(out, value.money().minor(), value.money().currency().exponent());
        return;
    case ColumnType::Currency: appendUtf8(out, value.textValue(), false); return;
    case ColumnType::Date: appendIsoUtc(out, value.number()); return;
    case ColumnType::Integer: appendInteger(out, value.number()); return;
    }
}

QByteArray CsvWriter::encodeRow(const ReportRow &row)
{
    QByteArray out;
    for (qsizetype i = 0; i < row.size(); ++i) {
        if (i)
            out.append(',');
        appendField(out, row.at(i));
    }
    out.append("\r\n");
    return out;
}

QByteArray CsvWriter::encodeHeader(const QList<ReportColumn> &columns)
{
    QByteArray out;
    for (qsizetype i = 0; i < columns.size(); ++i) {
        if (i)
            out.append(',');
        appendText(out, columns.at(i).name);
    }
    out.append("\r\n");
    return out;
}

Status CsvWriter::fail(const QString &userMessage, const QString &detail)
{
    abort();
    return Error::make(Error::Kind::Database, userMessage, detail);
}

Status CsvWriter::open(const QString &finalPath)
{
    abort();
    m_rows = 0;
    m_bytes = 0;
    m_writebackFrom = 0;
    const QFileInfo info(finalPath);
    if (info.fileName().isEmpty())
        return Error::make(Error::Kind::Validation, tr("No file name given for the export."));
    if (!info.absoluteDir().exists())
        return Error::make(Error::Kind::Validation,
                           tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(info.absolutePath())));
    if (info.isDir())
        return Error::make(Error::Kind::Validation,
                           tr("%1 is a folder, not a file.").arg(QDir::toNativeSeparators(info.absoluteFilePath())));
    m_finalPath = info.absoluteFilePath();
    auto file = std::make_unique<QTemporaryFile>(m_finalPath + QStringLiteral(".partial-XXXXXX"));
    file->setAutoRemove(true);
    if (!file->open())
        return Error::make(Error::Kind::Database,
                           tr("Cannot write in the folder %1: %2")
                               .arg(QDir::toNativeSeparators(info.absolutePath()), file->errorString()),
                           file->errorString());
    // Qt may create an unnamed O_TMPFILE; asking for the name links it as <final>.partial-XXXXXX,
    // so a long export is visible as in progress and rename(2) can move it.
    if (file->fileName().isEmpty())
        return Error::make(Error::Kind::Database, tr("Cannot write in the folder %1.")
                                                      .arg(QDir::toNativeSeparators(info.absolutePath())));
    m_file = std::move(file);
    m_buffer.clear();
    m_buffer.reserve(BufferLimit + 64 * 1024);
    if (m_options.byteOrderMark)
        m_buffer.append("\xEF\xBB\xBF");
    m_buffer.append(encodeHeader(m_columns));
    return flushBuffer();
}

Status CsvWriter::flushBuffer()
{
    if (!m_file)
        return Error::make(Error::Kind::Validation, tr("The export file is not open."));
    qsizetype done = 0;
    while (done < m_buffer.size()) {
        const qint64 n = m_file->write(m_buffer.constData() + done, m_buffer.size() - done);
        if (n <= 0) {
            const QString why = m_file->errorString();
            return fail(tr("Could not write the export file %1: %2").arg(QDir::toNativeSeparators(m_finalPath), why),
                        why);
        }
        done += n;
    }
    m_bytes += m_buffer.size();
    m_buffer.clear();
    // QFile buffers too: push it to the kernel so a full disk shows up here, not at commit.
    if (!m_file->flush()) {
        const QString why = m_file->errorString();
        return fail(tr("Could not write the export file %1: %2").arg(QDir::toNativeSeparators(m_finalPath), why), why);
    }
#ifdef __linux__
    // Start the disk writes of every finished 8 MiB while the export goes on, so commit()'s fsync
    // has little left to wait for (asynchronous: no wait here; commit() still fsyncs everything).
    constexpr qint64 WritebackChunk = 8 * 1024 * 1024;
    if (m_bytes - m_writebackFrom >= WritebackChunk) {
        ::sync_file_range(m_file->handle(), m_writebackFrom, m_bytes - m_writebackFrom, SYNC_FILE_RANGE_WRITE);
        m_writebackFrom = m_bytes;
    }
#endif
    return {};
}

Status CsvWriter::writeRow(const ReportRow &row)
{
    if (!m_file)
        return Error::make(Error::Kind::Validation, tr("The export file is not open."));
    if (row.size() != m_columns.size())
        return fail(tr("Internal error: a report row does not match its columns."),
                    QStringLiteral("row has %1 cells, %2 columns").arg(row.size()).arg(m_columns.size()));
    for (qsizetype i = 0; i < row.size(); ++i) {
        const ReportValue &v = row.at(i);
        if (!v.isNull() && v.type() != m_columns.at(i).type)
            return fail(tr("Internal error: a report row does not match its columns."),
                        QStringLiteral("column %1 is %2, the value is %3")
                            .arg(m_columns.at(i).name, columnTypeName(m_columns.at(i).type), columnTypeName(v.type())));
        if (i)
            m_buffer.append(',');
        appendField(m_buffer, v);
    }
    m_buffer.append("\r\n");
    ++m_rows;
    if (m_buffer.size() >= BufferLimit)
        return flushBuffer();
    return {};
}

Status CsvWriter::commit()
{
    if (!m_file)
        return Error::make(Error::Kind::Validation, tr("The export file is not open."));
    if (Status st = flushBuffer(); !st)
        return st;
    const QString partial = m_file->fileName();
    if (::fsync(m_file->handle()) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        return fail(tr("Could not write the export file %1: %2").arg(QDir::toNativeSeparators(m_finalPath), why), why);
    }
    // Permissions as a plain new file would get (QTemporaryFile makes it 0600).
    m_file->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                           | QFileDevice::ReadOther);
    m_file->close();
    // rename(2) replaces an existing final file atomically (QFile::rename would refuse).
    if (::rename(QFile::encodeName(partial).constData(), QFile::encodeName(m_finalPath).constData()) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        return fail(tr("Could not save the export as %1: %2").arg(QDir::toNativeSeparators(m_finalPath), why), why);
    }
    m_file->setAutoRemove(false); // it is the final file now
    m_file.reset();
    fsyncPath(QFileInfo(m_finalPath).absolutePath(), O_RDONLY | O_DIRECTORY); // the rename itself
    return {};
}

void CsvWriter::abort()
{
    if (!m_file)
        return;
    const QString partial = m_file->fileName();
    m_file->close();
    m_file.reset(); // autoRemove deletes it
    if (!partial.isEmpty())
        QFile::remove(partial);
    m_buffer.clear();
}

} // namespace Billing
