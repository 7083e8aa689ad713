#pragma once

#include "services/domain/result.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <memory>
#include <optional>

class QFile;
class QNetworkAccessManager;
class QNetworkReply;

namespace Billing {

struct InvoicePdfJob
{
    QString invoiceId;
    QString number; // names the file ("<number>.pdf", else "<invoiceId>.pdf")
    QUrl pdfUrl;    // the invoice's invoice_pdf
};

struct InvoicePdfOutcome
{
    QString invoiceId;
    QString filePath; // written file (success only)
    std::optional<Error> error;
};

// Downloads the PDFs of several invoices into one folder, a few at a time, over its own
// QNetworkAccessManager (the GUI thread never waits). Each file is written to "<name>.part" and
// renamed to "<name>.pdf" once complete; a failed or cancelled download leaves no file. The Stripe
// key is sent as Bearer auth only to the configured API host (the sandbox); Stripe's real
// invoice_pdf links are public.
//
// Threading: GUI thread. One run at a time; start() while running fails with Conflict.
class InvoicePdfDownloader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoicePdfDownloader)
public:
    static constexpr int MaxConcurrent = 3;

    explicit InvoicePdfDownloader(QObject *parent = nullptr);
    ~InvoicePdfDownloader() override;

    // Bearer key sent to hosts matching authHost (empty: none).
    void setAuthorization(const QString &apiKey, const QString &authHost);

    // Validation when the folder does not exist or is not writable, or jobs is empty; Conflict when
    // running. Progress through progressChanged, one invoiceFinished per job, then finished.
    Status start(const QList<InvoicePdfJob> &jobs, const QString &folder);
    // Aborts every download, removes partial files; finished follows with the outcomes so far
    // (the rest with Cancelled).
    void cancel();
    bool isRunning() const { return m_running; }

    // The file name for a job: the number or id with anything but [A-Za-z0-9._-] replaced by '_'.
    static QString fileNameFor(const InvoicePdfJob &job);

Q_SIGNALS:
    void progressChanged(int done, int total);
    void invoiceFinished(const Billing::InvoicePdfOutcome &outcome);
    void finished(const QList<Billing::InvoicePdfOutcome> &outcomes);

private:
    struct Download;
    void startNext();
    void finishDownload(const std::shared_ptr<Download> &d, std::optional<Error> error);
    void finishRun();

    QNetworkAccessManager *m_nam = nullptr;
    QString m_apiKey;
    QString m_authHost;
    QList<InvoicePdfJob> m_queue;
    QString m_folder;
    int m_total = 0;
    int m_done = 0;
    bool m_running = false;
    bool m_cancelling = false;
    QList<std::shared_ptr<Download>> m_active;
    QList<InvoicePdfOutcome> m_outcomes;
};

} // namespace Billing
