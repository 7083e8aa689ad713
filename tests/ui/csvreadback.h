#pragma once

// Reads a CSV file back with Python's csv module (an independent RFC 4180 reader), for the pane
// export tests: a list of rows, each a list of fields, the header first.

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace CsvReadBack {

inline QList<QStringList> read(const QString &path, QString *error = nullptr)
{
    QProcess python;
    python.start(QStringLiteral("python3"),
                 {QStringLiteral("-c"),
                  QStringLiteral("import csv, json, sys\n"
                                 "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
                                 "    print(json.dumps(list(csv.reader(f, strict=True))))\n"),
                  path});
    QList<QStringList> rows;
    if (!python.waitForFinished(30000) || python.exitCode() != 0) {
        if (error)
            *error = QString::fromUtf8(python.readAllStandardError());
        return rows;
    }
    const QJsonArray array = QJsonDocument::fromJson(python.readAllStandardOutput()).array();
    for (const QJsonValue &row : array) {
        QStringList fields;
        for (const QJsonValue &field : row.toArray())
            fields << field.toString();
        rows << fields;
    }
    return rows;
}

// The raw bytes end every record with CRLF (RFC 4180), which the Python reader accepts either way.
inline bool endsRecordsWithCrlf(const QByteArray &bytes)
{
    return bytes.endsWith("\r\n") && !bytes.contains("\n\n");
}

} // namespace CsvReadBack
