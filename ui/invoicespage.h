#pragma once

#include "ui/tablepage.h"

#include "services/invoices/invoicepdfdownloader.h"

#include <QDateTime>

#include <functional>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QPushButton;

namespace Billing {

class CacheReader;
class InvoiceTableModel;
struct InvoiceRow;

class InvoicesPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoicesPage)
public:
    explicit InvoicesPage(CacheReader *reader, QWidget *parent = nullptr);
    InvoiceTableModel *invoices() const { return m_invoices; }
    QCheckBox *overdueFilter() const { return m_overdue; }
    QPushButton *downloadPdfsButton() const { return m_download; }
    InvoicePdfDownloader *pdfDownloader() const { return m_downloader; }
    // The Stripe key is sent with PDF downloads from this host only (the sandbox's hosted PDFs;
    // Stripe's own invoice_pdf links need none).
    void setPdfAuthorization(const QString &apiKey, const QString &host);
    // "Now" for the overdue filter (default: the wall clock, UTC).
    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }
    // Downloads the PDFs of the selected invoices into `folder` with a progress dialog (Cancel);
    // the outcome shows under the table. Returns false when nothing is selected or one is running.
    bool downloadSelectedPdfs(const QString &folder);
    QStringList selectedInvoiceIds() const;

Q_SIGNALS:
    void pdfDownloadFinished(const QList<Billing::InvoicePdfOutcome> &outcomes);

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    void rowsReloaded() override;
    std::optional<ReportExport> reportExport() const override;

private:
    void applyDates();

    CacheReader *m_reader;
    InvoiceTableModel *m_invoices;
    QComboBox *m_status;
    QComboBox *m_currency;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QCheckBox *m_overdue;
    QPushButton *m_download;
    InvoicePdfDownloader *m_downloader;
    std::function<QDateTime()> m_clock;
};

// "Open hosted invoice" / "Open PDF" links and the lines of an invoice, shared with the dunning pane.
void addInvoiceLines(DetailBuilder &d, CacheReader *reader, const QString &invoiceId, const QLocale &locale);
// "$1,234.00 · €56.00" from per-currency minor-unit totals.
QString formatTotals(const QList<QPair<QString, qint64>> &totals, const QLocale &locale);

} // namespace Billing
