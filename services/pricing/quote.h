#pragma once

#include "services/domain/catalog.h"
#include "services/domain/result.h"
#include "services/pricing/pricecalculator.h"

#include <QDateTime>
#include <QString>

namespace Billing {

// A quote an agent hands to a customer: what one price charges for one quantity, line by line,
// in minor units of the price's currency (PriceCalculator::charge), with who and when.
struct Quote
{
    QString customerName; // may be empty (a quote for a prospect)
    QString productName;
    Price price;          // resolved in the quoted currency
    qint64 quantity = 0;
    PriceCharge charge;
    QDateTime created;    // UTC
    QString preparedBy;   // staff name

    // Builds the quote; the errors are PriceCalculator::charge's (Validation).
    static Result<Quote> make(const Price &price, const QString &productName, qint64 quantity,
                              const QString &customerName = {}, const QString &preparedBy = {},
                              const QDateTime &createdUtc = QDateTime::currentDateTimeUtc());
};

// Writes a quote as CSV (RFC 4180, services/reports CsvWriter: formula defusing, written to a
// partial file and renamed, so a failed export leaves nothing). One row per charge line and a
// final "total" row; columns: line, description, tier, quantity, unit_amount_minor (exact
// decimal of minor units), flat_amount, amount, amount_minor, currency. Blocking file I/O: call
// from a worker (QtConcurrent) in the GUI. Errors: CsvWriter's (Database, naming the file).
class QuoteCsv final
{
public:
    static Status write(const Quote &quote, const QString &path);
};

} // namespace Billing
