#pragma once

#include "services/domain/result.h"
#include "services/reports/reportcolumn.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace Billing {

// Writes rows that the caller already copied (on the GUI thread) to one CSV file, off the caller's
// thread: CsvWriter (RFC 4180, formula defusing, partial file renamed over the final name) on a
// QtConcurrent worker. done(Result<rows written>) is called once, on the context object's thread,
// unless the context is destroyed first (then nothing is called; the worker still finishes or
// aborts its own partial file). cancel() from the caller's thread: the worker stops at the next row,
// removes its partial file and done gets a Cancelled error.
//
// Usage (a pane): CsvFileJob::start(path, columns, rows, this, [this](Result<qint64> r) { ... });
class CsvFileJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CsvFileJob)
public:
    using Done = std::function<void(Result<qint64>)>;

    // The job is a child of `context` and deletes itself after done.
    static CsvFileJob *start(const QString &path, QList<ReportColumn> columns, QList<ReportRow> rows, QObject *context,
                             Done done);

    // The same for a writer of its own (a report format kept in one place, e.g. writeUsageCsv):
    // `work` runs on the worker and returns the rows written. cancel() cannot stop such work (it
    // has nothing to poll); done still follows with its result.
    static CsvFileJob *run(std::function<Result<qint64>()> work, QObject *context, Done done);

    void cancel();
    qint64 rowsWritten() const;
    qint64 rowCount() const { return m_rowCount; }
    QString path() const { return m_path; }

    // The file writing itself, on whatever thread calls it (the worker). `cancelled` is polled
    // before each row; `written` counts the rows written so far. Both may be null.
    static Result<qint64> write(const QString &path, const QList<ReportColumn> &columns, const QList<ReportRow> &rows,
                                const std::atomic_bool *cancelled = nullptr, std::atomic<qint64> *written = nullptr);

private:
    struct Shared
    {
        std::atomic_bool cancelled = false;
        std::atomic<qint64> written = 0;
    };
    explicit CsvFileJob(QObject *context);
    ~CsvFileJob() override; // the context went away: the worker stops at the next row

    std::shared_ptr<Shared> m_shared;
    QString m_path;
    qint64 m_rowCount = 0;
};

} // namespace Billing
