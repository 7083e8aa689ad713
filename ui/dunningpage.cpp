#include "ui/dunningpage.h"

#include "models/dunningtablemodel.h"
#include "models/formatting.h"
#include "services/storage/cachereader.h"
#include "ui/customerspage.h"
#include "ui/invoicespage.h"

#include <QComboBox>
#include <QLineEdit>
#include <QLabel>

namespace Billing {

DunningPage::DunningPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Dunning"), new DunningTableModel(reader), parent), m_reader(reader)
{
    model()->setParent(this);
    m_dunning = static_cast<DunningTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search invoice number or customer…"));
    m_currency = makeCurrencyCombo(this);
    addFilterWidget(m_currency);
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this] { m_dunning->setCurrency(m_currency->currentData().toString()); });
    setColumnWidths({118, 118, 92, 0, 150, 120, 78, 112, 0}, DunningTableModel::Meaning);
    setDetailWidth(285);
}

void DunningPage::applySearch(const QString &text)
{
    m_dunning->setSearchText(text);
}

QString DunningPage::emptyText() const
{
    return tr("No failed payments — every open invoice is on track.");
}

bool DunningPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_currency->currentIndex() > 0;
}

QString DunningPage::countText(int rows, bool more) const
{
    if (more)
        return tr("%1+ failed payments").arg(locale().toString(rows));
    return rows == 1 ? tr("1 failed payment") : tr("%1 failed payments").arg(locale().toString(rows));
}

void DunningPage::rowsReloaded()
{
    const QLocale loc = m_dunning->locale();
    m_reader->remainingTotals(m_dunning->filterQuery(), this, [this, loc](Result<QList<QPair<QString, qint64>>> totals) {
        if (!totals.ok()) {
            setFooterText(totals.error().userMessage);
            return;
        }
        setFooterText(totals->isEmpty() ? QString() : tr("At risk:  %1").arg(formatTotals(totals.value(), loc)));
    });
}

void DunningPage::fillDetail(int row, DetailBuilder &d)
{
    const InvoiceRow &r = m_dunning->rowAt(row);
    const Invoice &i = r.invoice;
    const QLocale loc = m_dunning->locale();
    const QString code = r.declineCode.isEmpty() ? r.failureCode : r.declineCode;
    d.title(tr("Invoice %1").arg(i.number), i.id);
    d.field(tr("Customer"), Format::customer(r.customerName, r.customerEmail));
    d.field(tr("Remaining"), Format::money(i.amountRemainingMinor, i.currency, loc));
    d.field(tr("Decline"), code.isEmpty() ? QString() : tr("%1 — %2").arg(code, Format::declineMeaning(code)));
    if (!r.failureMessage.isEmpty())
        d.field(tr("Message"), r.failureMessage);
    d.field(tr("Attempts"), loc.toString(i.attemptCount));
    d.field(tr("Next attempt"), i.nextPaymentAttempt.isValid() ? Format::dateTime(i.nextPaymentAttempt, loc) : tr("No retry scheduled"));
    d.field(tr("Days overdue"), loc.toString(m_dunning->daysOverdue(i)));

    d.section(tr("Payment attempts"));
    QLabel *attempts = d.richText(tr("Loading attempts…"));
    m_reader->paymentAttempts(i.id, attempts, [attempts, loc](Result<QList<PaymentAttempt>> result) {
        if (!result.ok()) {
            attempts->setText(result.error().userMessage.toHtmlEscaped());
            return;
        }
        if (result->isEmpty()) {
            attempts->setText(tr("No attempts recorded."));
            return;
        }
        QString html = QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\">");
        for (const PaymentAttempt &a : result.value()) {
            const QString why = a.declineCode.isEmpty() ? a.failureCode : a.declineCode;
            html += QStringLiteral("<tr><td style=\"white-space:nowrap\">%1</td><td>%2</td><td align=\"right\" style=\"white-space:nowrap\">%3</td></tr>")
                        .arg(Format::dateTime(a.created, loc).toHtmlEscaped(),
                             QStringLiteral("<span style=\"color:#991b1b\">%1</span>").arg(Format::declineMeaning(why).toHtmlEscaped()),
                             Format::money(a.amountMinor, a.currency, loc).toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
        attempts->setText(html);
    });
    addInvoiceLines(d, m_reader, i.id, loc);
    d.links({{tr("Open hosted invoice"), i.hostedInvoiceUrl}, {tr("Open PDF"), i.invoicePdf}});
}

} // namespace Billing
