#include "services/pricing/quote.h"

#include "services/reports/csvwriter.h"

#include <QCoreApplication>

namespace Billing {

Result<Quote> Quote::make(const Price &price, const QString &productName, qint64 quantity,
                          const QString &customerName, const QString &preparedBy, const QDateTime &createdUtc)
{
    auto charge = PriceCalculator::charge(price, quantity);
    if (!charge)
        return charge.error();
    Quote q;
    q.customerName = customerName;
    q.productName = productName;
    q.price = price;
    q.quantity = quantity;
    q.charge = *charge;
    q.created = createdUtc;
    q.preparedBy = preparedBy;
    return q;
}

Status QuoteCsv::write(const Quote &quote, const QString &path)
{
    const QList<ReportColumn> columns{
        {QStringLiteral("line"), ColumnType::Integer},
        {QStringLiteral("description"), ColumnType::Text},
        {QStringLiteral("tier"), ColumnType::Integer},
        {QStringLiteral("quantity"), ColumnType::Integer},
        {QStringLiteral("unit_amount_minor"), ColumnType::Text},
        {QStringLiteral("flat_amount"), ColumnType::Amount},
        {QStringLiteral("amount"), ColumnType::Amount},
        {QStringLiteral("amount_minor"), ColumnType::Integer},
        {QStringLiteral("currency"), ColumnType::Currency},
    };
    const Currency currency = quote.charge.total.currency();
    CsvWriter writer(columns);
    if (Status s = writer.open(path); !s)
        return s;
    int n = 0;
    for (const PriceChargeLine &l : quote.charge.lines) {
        const ReportRow row{ReportValue::integer(++n),
                            ReportValue::text(l.description),
                            l.tierIndex >= 0 ? ReportValue::integer(l.tierIndex + 1) : ReportValue::null(ColumnType::Integer),
                            ReportValue::integer(l.quantity),
                            ReportValue::text(l.unitAmountDecimal),
                            ReportValue::amount(Money(l.flatAmountMinor, currency)),
                            ReportValue::amount(Money(l.amountMinor, currency)),
                            ReportValue::integer(l.amountMinor),
                            ReportValue::currency(currency)};
        if (Status s = writer.writeRow(row); !s)
            return s;
    }
    const QString total = QCoreApplication::translate("Billing::QuoteCsv", "Total for %1 units of %2")
                              .arg(quote.quantity)
                              .arg(quote.productName.isEmpty() ? quote.price.id : quote.productName);
    const ReportRow totalRow{ReportValue::null(ColumnType::Integer), ReportValue::text(total),
                             ReportValue::null(ColumnType::Integer),  ReportValue::integer(quote.quantity),
                             ReportValue::null(ColumnType::Text),     ReportValue::null(ColumnType::Amount),
                             ReportValue::amount(quote.charge.total), ReportValue::integer(quote.charge.total.minor()),
                             ReportValue::currency(currency)};
    if (Status s = writer.writeRow(totalRow); !s)
        return s;
    return writer.commit();
}

} // namespace Billing
