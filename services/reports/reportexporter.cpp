#include "services/reports/reportexporter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPointer>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Reports", text); }

} // namespace

Result<ExportSummary> exportReport(ReportSource &source, const QString &path, const CsvOptions &options,
                                   const ExportProgress &progress, const std::atomic_bool *cancel,
                                   qint64 progressEvery)
{
    qint64 estimate = -1;
    if (progress) {
        Result<qint64> e = source.estimateRows();
        if (!e)
            return e.error();
        estimate = *e;
        progress(0, estimate);
    }
    CsvWriter writer(source.columns(), options);
    if (Status st = writer.open(path); !st)
        return st.error();
    std::optional<Error> writeError;
    const qint64 every = qMax<qint64>(1, progressEvery);
    Status read = source.read([&](const ReportRow &row) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return false;
        if (Status st = writer.writeRow(row); !st) {
            writeError = st.error();
            return false;
        }
        if (progress && writer.rowsWritten() % every == 0)
            progress(writer.rowsWritten(), estimate);
        return true;
    });
    if (writeError)
        return *writeError; // the writer removed its partial file
    if (!read) {
        writer.abort();
        return read.error();
    }
    if (cancel && cancel->load()) {
        writer.abort();
        return Error::make(Error::Kind::Cancelled, tr("The export was cancelled."));
    }
    const qint64 rows = writer.rowsWritten();
    if (Status st = writer.commit(); !st)
        return st.error();
    if (progress)
        progress(rows, estimate < 0 ? rows : estimate);
    return ExportSummary{QFileInfo(path).absoluteFilePath(), rows, writer.bytesWritten()};
}

ExportJob::ExportJob(QObject *parent) : QObject(parent) {}

ExportJob::~ExportJob()
{
    m_cancel = true;
    if (m_thread)
        m_thread->wait();
}

bool ExportJob::isRunning() const { return m_thread && m_thread->isRunning(); }

void ExportJob::start(Request request, QObject *context, ExportProgress progress,
                      std::function<void(Result<ExportSummary>)> done)
{
    if (m_thread) {
        m_thread->wait();
        m_thread.reset();
    }
    m_cancel = false;
    QPointer<QObject> guard(context);
    auto post = [guard](auto f) {
        if (guard)
            QMetaObject::invokeMethod(guard.data(), [guard, f = std::move(f)]() mutable {
                if (guard)
                    f();
            }, Qt::QueuedConnection);
    };
    m_thread.reset(QThread::create([this, request = std::move(request), progress = std::move(progress),
                                    done = std::move(done), post]() {
        Result<ExportSummary> result = [&]() -> Result<ExportSummary> {
            CacheReadConnection connection;
            ReportInputs inputs;
            inputs.audit = request.audit;
            if (request.kind != ReportKind::AuditLog) {
                if (Status st = connection.open(request.cacheFilePath); !st)
                    return st.error();
                inputs.cache = connection.database();
            }
            Result<std::unique_ptr<ReportSource>> source = makeReport(request.kind, inputs, request.filter);
            if (!source)
                return source.error();
            QElapsedTimer sinceProgress;
            sinceProgress.start();
            ExportProgress throttled;
            if (progress)
                throttled = [&](qint64 rows, qint64 total) {
                    if (rows != 0 && rows != total && sinceProgress.elapsed() < 100)
                        return;
                    sinceProgress.restart();
                    post([progress, rows, total] { progress(rows, total); });
                };
            Result<ExportSummary> r = exportReport(**source, request.outputPath, request.csv, throttled, &m_cancel, 1000);
            source->reset(); // queries go before the connection
            return r;
        }();
        post([done, result] { done(result); });
    }));
    m_thread->setObjectName(QStringLiteral("report-export"));
    m_thread->start();
}

} // namespace Billing
