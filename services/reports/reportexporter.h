#pragma once

#include "services/domain/result.h"
#include "services/reports/csvwriter.h"
#include "services/reports/reportsource.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace Billing {

struct ExportSummary
{
    QString path;   // the final file
    qint64 rows = 0;
    qint64 bytes = 0;
};

// rows written so far and the source's estimate (-1 unknown).
using ExportProgress = std::function<void(qint64 rows, qint64 estimatedTotal)>;

// Streams `source` into a CSV file at `path` (CsvWriter: partial file, fsync, atomic rename).
// progress is called on this thread about every progressEvery rows and once at the end; `cancel`
// (may be null) is polled per row: when set, the partial file is removed and the result is
// Cancelled. On any error the final name is left untouched. Runs on the calling thread, which must
// own the source's connection.
Result<ExportSummary> exportReport(ReportSource &source, const QString &path, const CsvOptions &options,
                                   const ExportProgress &progress = {}, const std::atomic_bool *cancel = nullptr,
                                   qint64 progressEvery = 10000);

// One export on a thread of its own with its own read-only connection to the cache file, so a long
// export never queues behind (or blocks) the panes' queries on the cache's worker.
// start() returns at once; progress and done run on `context`'s thread while it lives (progress
// at most every 100 ms). cancel() may be called from any thread. The destructor cancels and waits.
// The audit pager (for the audit-log and refunds reports) is called on the export thread.
class ExportJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportJob)
public:
    struct Request
    {
        ReportKind kind = ReportKind::Invoices;
        ReportFilter filter;
        QString cacheFilePath;
        AuditPager audit;
        QString outputPath;
        CsvOptions csv;
    };

    explicit ExportJob(QObject *parent = nullptr);
    ~ExportJob() override;

    void start(Request request, QObject *context, ExportProgress progress,
               std::function<void(Result<ExportSummary>)> done);
    void cancel() { m_cancel = true; }
    bool isRunning() const;

private:
    std::atomic_bool m_cancel{false};
    std::unique_ptr<QThread> m_thread;
};

} // namespace Billing
