#include "services/invoices/invoicepdfdownloader.h"

#include "services/platform/logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>

namespace Billing {

namespace {


constexpr qint64 MaxPdfBytes = 50 * 1024 * 1024; // a runaway answer is not a PDF
constexpr int TransferTimeoutMs = 60000;

} // namespace

struct InvoicePdfDownloader::Download
{
    InvoicePdfJob job;
    QString partPath;
    QString finalPath;
    QFile *file = nullptr;
    QPointer<QNetworkReply> reply;
    bool writeFailed = false;
    bool done = false;
};

InvoicePdfDownloader::InvoicePdfDownloader(QObject *parent) : QObject(parent), m_nam(new QNetworkAccessManager(this))
{
    m_nam->setTransferTimeout(TransferTimeoutMs);
}

InvoicePdfDownloader::~InvoicePdfDownloader()
{
    // No signals from here on; just leave no partial files behind.
    const auto active = m_active;
    for (const auto &d : active) {
        if (d->reply) {
            d->reply->disconnect(this);
            d->reply->abort();
        }
        if (d->file) {
            d->file->close();
            QFile::remove(d->partPath);
            delete d->file;
            d->file = nullptr;
        }
    }
}

void InvoicePdfDownloader::setAuthorization(const QString &apiKey, const QString &authHost)
{
    m_apiKey = apiKey;
    m_authHost = authHost;
}

QString InvoicePdfDownloader::fileNameFor(const InvoicePdfJob &job)
{
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]"));
    QString base = job.number.trimmed().isEmpty() ? job.invoiceId : job.number.trimmed();
    base.replace(unsafe, QStringLiteral("_"));
    while (base.startsWith(QLatin1Char('.')))
        base.remove(0, 1);
    if (base.isEmpty())
        base = QStringLiteral("invoice");
    return base + QStringLiteral(".pdf");
}

Status InvoicePdfDownloader::start(const QList<InvoicePdfJob> &jobs, const QString &folder)
{
    if (m_running)
        return Error::make(Error::Kind::Conflict, tr("A download is already running."));
    if (jobs.isEmpty())
        return Error::make(Error::Kind::Validation, tr("Select the invoices to download first."));
    const QFileInfo dir(folder);
    if (!dir.isDir())
        return Error::make(Error::Kind::Validation, tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(folder)));
    if (!dir.isWritable())
        return Error::make(Error::Kind::Validation, tr("The folder %1 cannot be written to.").arg(QDir::toNativeSeparators(folder)));
    m_queue = jobs;
    m_folder = dir.absoluteFilePath();
    m_total = int(jobs.size());
    m_done = 0;
    m_outcomes.clear();
    m_running = true;
    m_cancelling = false;
    Q_EMIT progressChanged(0, m_total);
    // Start on the next turn of the event loop: the caller connects first and sees every signal.
    QMetaObject::invokeMethod(this, [this] {
        if (m_running && !m_cancelling)
            startNext();
    }, Qt::QueuedConnection);
    return {};
}

void InvoicePdfDownloader::startNext()
{
    while (m_running && !m_cancelling && m_active.size() < MaxConcurrent && !m_queue.isEmpty()) {
        auto d = std::make_shared<Download>();
        d->job = m_queue.takeFirst();
        // Two invoices with the same number (or name) get distinct files.
        QString name = fileNameFor(d->job);
        QString path = QDir(m_folder).filePath(name);
        bool taken = QFileInfo::exists(path);
        for (const auto &other : std::as_const(m_active))
            taken = taken || other->finalPath == path;
        for (const auto &o : std::as_const(m_outcomes))
            taken = taken || o.filePath == path;
        if (taken && !d->job.number.isEmpty() && fileNameFor({d->job.invoiceId, {}, {}}) != name) {
            name = fileNameFor(d->job).chopped(4) + QLatin1Char('_') + fileNameFor({d->job.invoiceId, {}, {}});
            path = QDir(m_folder).filePath(name);
        }
        d->finalPath = path;
        d->partPath = path + QStringLiteral(".part");
        m_active.append(d);

        if (!d->job.pdfUrl.isValid() || d->job.pdfUrl.isEmpty()
            || (d->job.pdfUrl.scheme() != QLatin1String("https") && d->job.pdfUrl.scheme() != QLatin1String("http"))) {
            finishDownload(d, Error::make(Error::Kind::NotFound, tr("This invoice has no PDF (drafts have none).")));
            continue;
        }
        d->file = new QFile(d->partPath);
        if (!d->file->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            const QString why = d->file->errorString();
            delete d->file;
            d->file = nullptr;
            finishDownload(d, Error::make(Error::Kind::Database, tr("Could not write %1: %2").arg(d->partPath, why)));
            continue;
        }
        QNetworkRequest request(d->job.pdfUrl);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        if (!m_apiKey.isEmpty() && !m_authHost.isEmpty() && d->job.pdfUrl.host() == m_authHost)
            request.setRawHeader("Authorization", QByteArray("Bearer ") + m_apiKey.toUtf8());
        QNetworkReply *reply = m_nam->get(request);
        d->reply = reply;
        connect(reply, &QNetworkReply::readyRead, this, [this, d] {
            if (!d->reply || !d->file || d->done)
                return;
            const QByteArray chunk = d->reply->readAll();
            const int status = d->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status >= 300)
                return; // an error body: not written
            if (d->file->size() + chunk.size() > MaxPdfBytes || d->file->write(chunk) != chunk.size() || !d->file->flush()) {
                d->writeFailed = true;
                d->reply->abort();
            }
        });
        connect(reply, &QNetworkReply::finished, this, [this, d] {
            if (d->done)
                return;
            QNetworkReply *r = d->reply;
            const int status = r ? r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : 0;
            std::optional<Error> error;
            if (m_cancelling) {
                error = Error::make(Error::Kind::Cancelled, tr("Cancelled."));
            } else if (d->writeFailed) {
                error = Error::make(Error::Kind::Database, tr("Could not write the file (disk full, or the PDF is too large)."));
            } else if (status == 404) {
                error = Error::make(Error::Kind::NotFound, tr("The PDF was not found (HTTP 404)."));
                error->httpStatus = status;
            } else if (status >= 400) {
                error = Error::make(status == 401 || status == 403 ? Error::Kind::Unauthorized : Error::Kind::Server,
                                    tr("The download failed (HTTP %1).").arg(status));
                error->httpStatus = status;
            } else if (!r || r->error() != QNetworkReply::NoError) {
                const bool timedOut = r && r->error() == QNetworkReply::OperationCanceledError;
                error = Error::make(timedOut ? Error::Kind::Timeout : Error::Kind::Network,
                                    timedOut ? tr("The download took too long.") : tr("The download failed: %1").arg(r ? r->errorString() : QString()));
            } else {
                const QByteArray rest = r->readAll();
                if (!rest.isEmpty() && d->file->write(rest) != rest.size())
                    error = Error::make(Error::Kind::Database, tr("Could not write the file."));
                else if (d->file->size() < 5)
                    error = Error::make(Error::Kind::InvalidResponse, tr("The server sent an empty file."));
            }
            finishDownload(d, error);
        });
    }
    if (m_running && m_active.isEmpty() && (m_queue.isEmpty() || m_cancelling))
        finishRun();
}

void InvoicePdfDownloader::finishDownload(const std::shared_ptr<Download> &d, std::optional<Error> error)
{
    if (d->done)
        return;
    d->done = true;
    InvoicePdfOutcome outcome;
    outcome.invoiceId = d->job.invoiceId;
    if (d->file) {
        const bool flushed = d->file->flush();
        d->file->close();
        if (!error && !flushed)
            error = Error::make(Error::Kind::Database, tr("Could not write the file."));
        if (!error) {
            // Replace an older download of the same invoice; never leave a half file under the name.
            if (QFile::exists(d->finalPath))
                QFile::remove(d->finalPath);
            if (!QFile::rename(d->partPath, d->finalPath))
                error = Error::make(Error::Kind::Database, tr("Could not name the file %1.").arg(d->finalPath));
        }
        if (error)
            QFile::remove(d->partPath);
        delete d->file;
        d->file = nullptr;
    }
    if (d->reply) {
        d->reply->disconnect(this);
        d->reply->deleteLater();
    }
    if (error) {
        error->detail = QStringLiteral("invoice %1 pdf: %2").arg(d->job.invoiceId, error->detail);
        if (error->kind != Error::Kind::Cancelled)
            Logging::logger("app")->warn("{}", error->detail.toStdString());
        outcome.error = error;
    } else {
        outcome.filePath = d->finalPath;
    }
    m_active.removeOne(d);
    m_outcomes.append(outcome);
    ++m_done;
    Q_EMIT invoiceFinished(outcome);
    Q_EMIT progressChanged(m_done, m_total);
    if (!m_cancelling)
        QMetaObject::invokeMethod(this, [this] { startNext(); }, Qt::QueuedConnection);
    else if (m_active.isEmpty())
        finishRun();
}

void InvoicePdfDownloader::cancel()
{
    if (!m_running || m_cancelling)
        return;
    m_cancelling = true;
    const auto active = m_active;
    for (const auto &d : active) {
        if (d->reply)
            d->reply->abort(); // finished -> finishDownload with Cancelled, part file removed
        else
            finishDownload(d, Error::make(Error::Kind::Cancelled, tr("Cancelled.")));
    }
    if (m_running && m_active.isEmpty())
        finishRun();
}

void InvoicePdfDownloader::finishRun()
{
    if (!m_running)
        return;
    for (const InvoicePdfJob &job : std::as_const(m_queue)) {
        InvoicePdfOutcome o;
        o.invoiceId = job.invoiceId;
        o.error = Error::make(Error::Kind::Cancelled, tr("Cancelled before it started."));
        m_outcomes.append(o);
    }
    m_queue.clear();
    m_running = false;
    m_cancelling = false;
    const QList<InvoicePdfOutcome> outcomes = m_outcomes;
    Q_EMIT finished(outcomes);
}

} // namespace Billing
