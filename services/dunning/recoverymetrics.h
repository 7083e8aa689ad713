#pragma once

#include "services/domain/result.h"
#include "services/dunning/dunningrepository.h"
#include "services/storage/cachequeries.h"

#include <QDate>
#include <QList>
#include <QString>

namespace Billing {

// Recovery figures for the dunning pane, in one currency (amounts never mix currencies).
struct RecoveryMetrics
{
    struct Week
    {
        QDate start;             // Monday (UTC)
        int recovered = 0;       // recoveries counted that week
        qint64 recoveredMinor = 0;
        int stillOpen = 0;       // queue invoices whose first failure fell in that week
        double rate() const { return recovered + stillOpen ? double(recovered) / (recovered + stillOpen) : 0.0; }
    };
    struct Group
    {
        QString key;             // decline code, or "retry 2" for the step
        int recovered = 0;
        qint64 recoveredMinor = 0;
        int stillOpen = 0;
        double rate() const { return recovered + stillOpen ? double(recovered) / (recovered + stillOpen) : 0.0; }
    };
    QString currency; // lower case
    QList<Week> weeks;        // oldest first, no gaps
    QList<Group> byCode;      // most recovered amount first
    QList<Group> bySteps;     // by the attempt that paid: "1st retry", ... (stillOpen: invoices at that attempt count)
    int recovered = 0;
    qint64 recoveredMinor = 0;
    int stillOpen = 0;
    qint64 atRiskMinor = 0;

    // recoveries: dunning_recoveries rows; queue: the dunning queue's rows (open failed invoices).
    static RecoveryMetrics compute(const QList<DunningRecovery> &recoveries, const QList<InvoiceRow> &queue, const QString &currency);
    // The currencies that have anything, most recovered amount first.
    static QStringList currencies(const QList<DunningRecovery> &recoveries, const QList<InvoiceRow> &queue);
    // CSV (RFC 4180 through CsvWriter): section,key,recovered,recovered_amount,currency,still_open,rate_percent.
    Status exportCsv(const QString &path) const;
};

} // namespace Billing
