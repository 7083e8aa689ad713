#include "ui/dialogs/quotepdf.h"

#include "models/catalogtablemodel.h"
#include "models/formatting.h"

#include <QCoreApplication>
#include <QBuffer>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>

namespace Billing {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::QuotePdf", text);
}
} // namespace

QString QuotePdf::html(const Quote &quote, const QLocale &locale)
{
    const QString currency = quote.price.currency;
    const auto money = [&](qint64 minor) { return Format::money(minor, currency, locale).toHtmlEscaped(); };
    QString rows;
    for (const PriceChargeLine &l : quote.charge.lines) {
        rows += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3</td>"
                               "<td align='right'>%4</td><td align='right'>%5</td></tr>")
                    .arg(l.description.toHtmlEscaped(), locale.toString(l.quantity),
                         CatalogTableModel::unitAmountText(l.unitAmountDecimal, currency, locale).toHtmlEscaped(),
                         l.flatAmountMinor ? money(l.flatAmountMinor) : QStringLiteral("&ndash;"), money(l.amountMinor));
    }
    const QString customer = quote.customerName.isEmpty() ? QString()
                                                           : QStringLiteral("<p><b>%1</b> %2</p>")
                                                                 .arg(tr("Prepared for").toHtmlEscaped(),
                                                                      quote.customerName.toHtmlEscaped());
    return QStringLiteral(
               "<html><body style='font-family:sans-serif;font-size:10pt'>"
               "<h2>%1</h2>%2"
               "<p><b>%3</b> %4<br/><b>%5</b> %6 (%7)<br/><b>%8</b> %9</p>"
               "<table width='100%' cellspacing='0' cellpadding='4' border='1' style='border-collapse:collapse'>"
               "<tr style='background:#eef2f7'><th align='left'>%10</th><th align='right'>%11</th>"
               "<th align='right'>%12</th><th align='right'>%13</th><th align='right'>%14</th></tr>%15"
               "<tr><td colspan='4' align='right'><b>%16</b></td><td align='right'><b>%17</b></td></tr></table>"
               "<p style='color:#555'>%18</p><p style='color:#555'>%19</p></body></html>")
        .arg(tr("Price quote").toHtmlEscaped(), customer, tr("Product").toHtmlEscaped(),
             (quote.productName.isEmpty() ? quote.price.productId : quote.productName).toHtmlEscaped(),
             tr("Price").toHtmlEscaped(),
             (quote.price.nickname.isEmpty() ? quote.price.id : quote.price.nickname).toHtmlEscaped(),
             CatalogTableModel::modelText(quote.price).toHtmlEscaped(), tr("Quantity").toHtmlEscaped(),
             locale.toString(quote.quantity))
        .arg(tr("Line").toHtmlEscaped(), tr("Units").toHtmlEscaped(), tr("Unit price").toHtmlEscaped(),
             tr("Flat fee").toHtmlEscaped(), tr("Amount").toHtmlEscaped(), rows, tr("Total").toHtmlEscaped(),
             money(quote.charge.total.minor()))
        .arg(tr("Each line is rounded to the nearest %1 minor unit, as Stripe rounds invoice lines; the total is "
                "the sum of the lines.")
                 .arg(quote.charge.total.currency().code())
                 .toHtmlEscaped(),
             tr("Prepared %1%2.")
                 .arg(Format::dateTime(quote.created, locale),
                      quote.preparedBy.isEmpty() ? QString() : tr(" by %1").arg(quote.preparedBy))
                 .toHtmlEscaped());
}

QByteArray QuotePdf::render(const Quote &quote, const QLocale &locale)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(18, 18, 18, 18), QPageLayout::Millimeter);
        writer.setTitle(tr("Price quote"));
        writer.setCreator(QStringLiteral("Billing Console"));
        QTextDocument doc;
        doc.setHtml(html(quote, locale));
        doc.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size());
        doc.print(&writer);
    }
    return bytes;
}

Status QuotePdf::save(const QByteArray &pdf, const QString &path)
{
    QSaveFile file(path);
    if (pdf.isEmpty() || !file.open(QIODevice::WriteOnly) || file.write(pdf) != pdf.size() || !file.commit())
        return Error::make(Error::Kind::Database, tr("The quote could not be written to %1.").arg(path));
    return {};
}

} // namespace Billing
