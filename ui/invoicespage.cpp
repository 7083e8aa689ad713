#include "ui/invoicespage.h"

#include "models/formatting.h"
#include "models/invoicetablemodel.h"
#include "services/storage/cachereader.h"
#include "ui/customerspage.h"

#include "services/invoices/invoicepdfdownloader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QItemSelectionModel>
#include <QProgressDialog>
#include <QPushButton>
#include <QTableView>
#include <QLineEdit>
#include <QDateEdit>
#include <QLabel>
#include <QPointer>

namespace Billing {

QString formatTotals(const QList<QPair<QString, qint64>> &totals, const QLocale &locale)
{
    QStringList parts;
    for (const auto &[currency, minor] : totals)
        parts << Format::money(minor, currency, locale);
    return parts.join(QStringLiteral("  ·  "));
}

void addInvoiceLines(DetailBuilder &d, CacheReader *reader, const QString &invoiceId, const QLocale &locale)
{
    d.section(InvoicesPage::tr("Lines"));
    QLabel *lines = d.richText(InvoicesPage::tr("Loading lines…"));
    reader->invoiceLines(invoiceId, lines, [lines, locale](Result<QList<InvoiceLine>> result) {
        if (!result.ok()) {
            lines->setText(result.error().userMessage.toHtmlEscaped());
            return;
        }
        if (result->isEmpty()) {
            lines->setText(InvoicesPage::tr("No lines."));
            return;
        }
        QString html = QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\">");
        for (const InvoiceLine &l : result.value()) {
            html += QStringLiteral("<tr><td>%1%2</td><td align=\"right\" style=\"white-space:nowrap\">%3</td></tr>")
                        .arg(l.description.toHtmlEscaped(),
                             l.proration ? QStringLiteral(" <i>(%1)</i>").arg(InvoicesPage::tr("proration")) : QString(),
                             Format::money(l.amountMinor, l.currency, locale).toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
        lines->setText(html);
    });
}

InvoicesPage::InvoicesPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Invoices"), new InvoiceTableModel(reader), parent), m_reader(reader),
      m_downloader(new InvoicePdfDownloader(this)), m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    model()->setParent(this);
    m_invoices = static_cast<InvoiceTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search number, customer or ID…"));
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("StatusFilter"));
    m_status->addItem(tr("All statuses"), QStringList());
    for (const char *s : {"draft", "open", "paid", "uncollectible", "void"})
        m_status->addItem(Format::statusLabel(QString::fromLatin1(s)), QStringList{QString::fromLatin1(s)});
    m_status->setMinimumWidth(140);
    m_currency = makeCurrencyCombo(this);

    auto makeDate = [this](const QString &name) {
        auto *edit = new QDateEdit(this);
        edit->setObjectName(name);
        edit->setCalendarPopup(true);
        edit->setMinimumDate(QDate(2000, 1, 1));
        edit->setSpecialValueText(tr("Any date"));
        edit->setDate(edit->minimumDate());
        edit->setMinimumWidth(130);
        return edit;
    };
    m_from = makeDate(QStringLiteral("CreatedFrom"));
    m_to = makeDate(QStringLiteral("CreatedTo"));
    auto *fromLabel = new QLabel(tr("Created from"), this);
    auto *toLabel = new QLabel(tr("to"), this);
    addFilterWidget(m_status);
    addFilterWidget(m_currency);
    addFilterWidget(fromLabel);
    addFilterWidget(m_from);
    addFilterWidget(toLabel);
    addFilterWidget(m_to);
    m_overdue = new QCheckBox(tr("Overdue"), this);
    m_overdue->setObjectName(QStringLiteral("OverdueFilter"));
    m_overdue->setToolTip(tr("Open invoices past their due date with something left to pay"));
    addFilterWidget(m_overdue);
    m_download = new QPushButton(tr("Download PDFs…"), this);
    m_download->setObjectName(QStringLiteral("DownloadPdfsButton"));
    m_download->setToolTip(tr("Save the PDFs of the selected invoices (Ctrl+click, Shift+click) to a folder"));
    addFilterWidget(m_download);
    view()->setSelectionMode(QAbstractItemView::ExtendedSelection);
    connect(m_overdue, &QCheckBox::toggled, this, [this](bool on) {
        m_invoices->setOverdueAt(on ? std::optional<QDateTime>(m_clock()) : std::nullopt);
    });
    connect(m_download, &QPushButton::clicked, this, [this] {
        if (selectedInvoiceIds().isEmpty()) {
            setFooterText(tr("Select the invoices to download first."));
            return;
        }
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Save invoice PDFs to"));
        if (!folder.isEmpty())
            downloadSelectedPdfs(folder);
    });
    connect(m_status, &QComboBox::currentIndexChanged, this,
            [this] { m_invoices->setStatuses(m_status->currentData().toStringList()); });
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this] { m_invoices->setCurrency(m_currency->currentData().toString()); });
    connect(m_from, &QDateEdit::dateChanged, this, &InvoicesPage::applyDates);
    connect(m_to, &QDateEdit::dateChanged, this, &InvoicesPage::applyDates);
    setColumnWidths({118, 180, 100, 110, 0, 110, 0, 92, 92, 0}, InvoiceTableModel::Customer);
}

void InvoicesPage::setPdfAuthorization(const QString &apiKey, const QString &host)
{
    m_downloader->setAuthorization(apiKey, host);
}

QStringList InvoicesPage::selectedInvoiceIds() const
{
    QStringList ids;
    const QModelIndexList rows = view()->selectionModel()->selectedRows();
    for (const QModelIndex &proxy : rows) {
        const QString id = proxy.siblingAtColumn(InvoiceTableModel::Id).data(InvoiceTableModel::RawRole).toString();
        if (!id.isEmpty() && !ids.contains(id))
            ids << id;
    }
    return ids;
}

bool InvoicesPage::downloadSelectedPdfs(const QString &folder)
{
    if (m_downloader->isRunning())
        return false;
    const QStringList ids = selectedInvoiceIds();
    QList<InvoicePdfJob> jobs;
    for (const QString &id : ids) {
        const int row = m_invoices->rowOfId(id);
        if (row < 0)
            continue;
        const Invoice &i = m_invoices->rowAt(row).invoice;
        jobs.append({i.id, i.number, QUrl(i.invoicePdf)});
    }
    if (Status st = m_downloader->start(jobs, folder); !st) {
        setFooterText(st.error().userMessage);
        return false;
    }
    auto *progress = new QProgressDialog(tr("Downloading %n invoice PDF(s)…", nullptr, int(jobs.size())), tr("Cancel"), 0,
                                         int(jobs.size()), this);
    progress->setObjectName(QStringLiteral("PdfProgress"));
    progress->setWindowTitle(tr("Download PDFs"));
    progress->setMinimumDuration(0);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    progress->setMinimumWidth(380);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    connect(progress, &QProgressDialog::canceled, m_downloader, &InvoicePdfDownloader::cancel);
    connect(m_downloader, &InvoicePdfDownloader::progressChanged, progress, [progress](int done, int total) {
        progress->setMaximum(total);
        progress->setValue(done);
    });
    connect(m_downloader, &InvoicePdfDownloader::finished, progress, [this, progress, folder](const QList<InvoicePdfOutcome> &outcomes) {
        progress->disconnect(m_downloader);
        m_downloader->disconnect(progress);
        progress->close();
        int ok = 0;
        QStringList failures;
        for (const InvoicePdfOutcome &o : outcomes) {
            if (!o.error)
                ++ok;
            else if (o.error->kind != Error::Kind::Cancelled)
                failures << QStringLiteral("%1: %2").arg(o.invoiceId, o.error->userMessage);
        }
        QString text = tr("%1 of %2 PDFs saved to %3.").arg(ok).arg(outcomes.size()).arg(QDir::toNativeSeparators(folder));
        if (ok < outcomes.size() && failures.isEmpty())
            text += QLatin1Char(' ') + tr("Cancelled: the rest were not saved.");
        if (!failures.isEmpty())
            text += QLatin1Char(' ') + tr("Not saved: %1").arg(failures.join(QStringLiteral("; ")));
        setFooterText(text);
        Q_EMIT pdfDownloadFinished(outcomes);
    });
    progress->show();
    return true;
}

std::optional<TablePage::ReportExport> InvoicesPage::reportExport() const
{
    const InvoiceQuery q = m_invoices->filterQuery();
    ReportExport e;
    e.kind = ReportKind::Invoices;
    // The invoices report knows dates, currency, statuses and the customer; with a search or the
    // overdue view, the pane's own query (every page of it, in the pane's order).
    if (!q.search.isEmpty() || q.overdueAt) {
        e.filter.invoiceQuery = q;
        return e;
    }
    e.filter.from = q.createdFrom;
    e.filter.to = q.createdTo;
    e.filter.currency = q.currency.toUpper();
    e.filter.statuses = q.statuses;
    e.filter.customerId = q.customerId;
    return e;
}

void InvoicesPage::applyDates()
{
    const std::optional<QDate> from = m_from->date() == m_from->minimumDate() ? std::nullopt : std::optional<QDate>(m_from->date());
    const std::optional<QDate> to = m_to->date() == m_to->minimumDate() ? std::nullopt : std::optional<QDate>(m_to->date());
    m_invoices->setCreatedRange(from, to);
}

void InvoicesPage::applySearch(const QString &text)
{
    m_invoices->setSearchText(text);
}

QString InvoicesPage::emptyText() const
{
    return tr("No invoices yet — run a sync (F5)");
}

bool InvoicesPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_status->currentIndex() > 0 || m_currency->currentIndex() > 0
        || m_overdue->isChecked()
        || m_from->date() != m_from->minimumDate() || m_to->date() != m_to->minimumDate();
}

QString InvoicesPage::countText(int rows, bool more) const
{
    if (more)
        return tr("%1+ invoices").arg(locale().toString(rows));
    return rows == 1 ? tr("1 invoice") : tr("%1 invoices").arg(locale().toString(rows));
}

void InvoicesPage::rowsReloaded()
{
    const QLocale loc = m_invoices->locale();
    m_reader->remainingTotals(m_invoices->filterQuery(), this, [this, loc](Result<QList<QPair<QString, qint64>>> totals) {
        if (!totals.ok()) {
            setFooterText(totals.error().userMessage);
            return;
        }
        setFooterText(totals->isEmpty() ? tr("Nothing outstanding in these invoices.")
                                        : tr("Outstanding in these invoices:  %1").arg(formatTotals(totals.value(), loc)));
    });
}

void InvoicesPage::fillDetail(int row, DetailBuilder &d)
{
    const InvoiceRow &r = m_invoices->rowAt(row);
    const Invoice &i = r.invoice;
    const QLocale loc = m_invoices->locale();
    d.title(i.number.isEmpty() ? tr("Draft invoice") : tr("Invoice %1").arg(i.number), i.id);
    d.field(tr("Customer"), Format::customer(r.customerName, r.customerEmail));
    d.field(tr("Status"), Format::statusLabel(i.status));
    d.field(tr("Total"), Format::money(i.totalMinor, i.currency, loc));
    d.field(tr("Amount due"), Format::money(i.amountDueMinor, i.currency, loc));
    d.field(tr("Paid"), Format::money(i.amountPaidMinor, i.currency, loc));
    d.field(tr("Remaining"), Format::money(i.amountRemainingMinor, i.currency, loc));
    d.field(tr("Created"), Format::dateTime(i.created, loc));
    if (i.dueDate.isValid())
        d.field(tr("Due"), Format::date(i.dueDate, loc));
    if (i.paidAt.isValid())
        d.field(tr("Paid at"), Format::dateTime(i.paidAt, loc));
    d.field(tr("Period"), tr("%1 – %2").arg(Format::date(i.periodStart, loc), Format::date(i.periodEnd, loc)));
    d.field(tr("Attempts"), loc.toString(i.attemptCount));
    d.field(tr("Subscription"), i.subscriptionId);
    addInvoiceLines(d, m_reader, i.id, loc);
    d.links({{tr("Open hosted invoice"), i.hostedInvoiceUrl}, {tr("Open PDF"), i.invoicePdf}});
}

} // namespace Billing
