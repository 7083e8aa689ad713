#include "services/reports/csvfilejob.h"

#include "services/reports/csvwriter.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace Billing {

CsvFileJob::CsvFileJob(QObject *context) : QObject(context), m_shared(std::make_shared<Shared>()) {}

CsvFileJob *CsvFileJob::run(std::function<Result<qint64>()> work, QObject *context, Done done)
{
    auto *job = new CsvFileJob(context);
    auto *watcher = new QFutureWatcher<Result<qint64>>(job);
    connect(watcher, &QFutureWatcher<Result<qint64>>::finished, job, [job, watcher, done = std::move(done)] {
        const Result<qint64> r = watcher->result();
        job->deleteLater();
        if (done)
            done(r);
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
    return job;
}

CsvFileJob *CsvFileJob::start(const QString &path, QList<ReportColumn> columns, QList<ReportRow> rows, QObject *context,
                              Done done)
{
    auto shared = std::make_shared<Shared>();
    const qint64 count = rows.size();
    CsvFileJob *job = run(
        [path, shared, columns = std::move(columns), rows = std::move(rows)] {
            return write(path, columns, rows, &shared->cancelled, &shared->written);
        },
        context, std::move(done));
    job->m_shared = shared;
    job->m_path = path;
    job->m_rowCount = count;
    return job;
}

CsvFileJob::~CsvFileJob()
{
    m_shared->cancelled = true;
}

void CsvFileJob::cancel()
{
    m_shared->cancelled = true;
}

qint64 CsvFileJob::rowsWritten() const
{
    return m_shared->written;
}

Result<qint64> CsvFileJob::write(const QString &path, const QList<ReportColumn> &columns, const QList<ReportRow> &rows,
                                 const std::atomic_bool *cancelled, std::atomic<qint64> *written)
{
    CsvWriter writer(columns);
    if (Status st = writer.open(path); !st)
        return st.error();
    for (const ReportRow &row : rows) {
        if (cancelled && *cancelled) {
            writer.abort();
            return Error::make(Error::Kind::Cancelled,
                               QCoreApplication::translate("Billing::CsvFileJob", "Export cancelled; no file was written."));
        }
        if (Status st = writer.writeRow(row); !st) {
            writer.abort();
            return st.error();
        }
        if (written)
            ++*written;
    }
    if (Status st = writer.commit(); !st)
        return st.error();
    return qint64(rows.size());
}

} // namespace Billing
