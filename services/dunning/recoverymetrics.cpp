#include "services/dunning/recoverymetrics.h"

#include "services/dunning/declinecodes.h"
#include "services/reports/csvwriter.h"

#include <QCoreApplication>
#include <QMap>

#include <algorithm>

namespace Billing {

namespace {

QDate weekOf(const QDateTime &at)
{
    const QDate d = at.toUTC().date();
    return d.addDays(1 - d.dayOfWeek());
}

QString stepKey(int attempts)
{
    // attempts when paid: 1 = the first charge (not in the queue), 2 = the 1st retry, ...
    const int retry = qMax(1, attempts - 1);
    return QCoreApplication::translate("Billing::RecoveryMetrics", "retry %1").arg(retry);
}

} // namespace

QStringList RecoveryMetrics::currencies(const QList<DunningRecovery> &recoveries, const QList<InvoiceRow> &queue)
{
    QMap<QString, qint64> sums;
    for (const DunningRecovery &r : recoveries)
        sums[r.currency.toLower()] += r.amountMinor;
    for (const InvoiceRow &q : queue)
        sums[q.invoice.currency.toLower()] += 0;
    QStringList out = sums.keys();
    std::stable_sort(out.begin(), out.end(), [&](const QString &a, const QString &b) { return sums.value(a) > sums.value(b); });
    return out;
}

RecoveryMetrics RecoveryMetrics::compute(const QList<DunningRecovery> &recoveries, const QList<InvoiceRow> &queue, const QString &currency)
{
    RecoveryMetrics m;
    m.currency = currency.toLower();
    QMap<QDate, Week> weeks;
    QMap<QString, Group> codes;
    QMap<int, Group> steps;
    for (const DunningRecovery &r : recoveries) {
        if (r.currency.toLower() != m.currency)
            continue;
        ++m.recovered;
        m.recoveredMinor += r.amountMinor;
        Week &w = weeks[weekOf(r.recoveredAt)];
        ++w.recovered;
        w.recoveredMinor += r.amountMinor;
        Group &g = codes[r.declineCode.isEmpty() ? QStringLiteral("unknown") : r.declineCode];
        ++g.recovered;
        g.recoveredMinor += r.amountMinor;
        Group &s = steps[qMax(1, r.attempts - 1)];
        ++s.recovered;
        s.recoveredMinor += r.amountMinor;
    }
    for (const InvoiceRow &q : queue) {
        if (q.invoice.currency.toLower() != m.currency)
            continue;
        ++m.stillOpen;
        m.atRiskMinor += q.invoice.amountRemainingMinor;
        const QDateTime first = q.firstFailureAt.isValid() ? q.firstFailureAt : q.invoice.created;
        if (first.isValid())
            ++weeks[weekOf(first)].stillOpen;
        const QString code = DeclineCodes::effectiveCode(q.declineCode, q.failureCode);
        ++codes[code.isEmpty() ? QStringLiteral("unknown") : code].stillOpen;
        ++steps[qMax(1, q.invoice.attemptCount)].stillOpen; // the next retry would be this one
    }
    if (!weeks.isEmpty()) {
        for (QDate d = weeks.firstKey(); d <= weeks.lastKey(); d = d.addDays(7)) {
            Week w = weeks.value(d);
            w.start = d;
            m.weeks << w;
        }
    }
    for (auto it = codes.cbegin(); it != codes.cend(); ++it) {
        Group g = it.value();
        g.key = it.key();
        m.byCode << g;
    }
    std::stable_sort(m.byCode.begin(), m.byCode.end(), [](const Group &a, const Group &b) {
        return a.recoveredMinor != b.recoveredMinor ? a.recoveredMinor > b.recoveredMinor : a.stillOpen > b.stillOpen;
    });
    for (auto it = steps.cbegin(); it != steps.cend(); ++it) {
        Group g = it.value();
        g.key = stepKey(it.key() + 1);
        m.bySteps << g;
    }
    return m;
}

Status RecoveryMetrics::exportCsv(const QString &path) const
{
    const std::optional<Currency> cur = Currency::fromCode(currency);
    if (!cur)
        return Error::make(Error::Kind::Validation, QCoreApplication::translate("Billing::RecoveryMetrics", "No currency to export."));
    CsvWriter w({{QStringLiteral("section"), ColumnType::Text},
                 {QStringLiteral("key"), ColumnType::Text},
                 {QStringLiteral("recovered"), ColumnType::Integer},
                 {QStringLiteral("recovered_amount"), ColumnType::Amount},
                 {QStringLiteral("currency"), ColumnType::Currency},
                 {QStringLiteral("still_open"), ColumnType::Integer},
                 {QStringLiteral("rate_percent"), ColumnType::Text}});
    if (Status s = w.open(path); !s)
        return s;
    auto row = [&](const QString &section, const QString &key, int recovered, qint64 minor, int open, double rate) -> Status {
        return w.writeRow({ReportValue::text(section), ReportValue::text(key), ReportValue::integer(recovered),
                           ReportValue::amount(Money(minor, *cur)), ReportValue::currency(*cur), ReportValue::integer(open),
                           ReportValue::text(QString::number(rate * 100.0, 'f', 1))});
    };
    for (const Week &wk : weeks)
        if (Status s = row(QStringLiteral("week"), wk.start.toString(Qt::ISODate), wk.recovered, wk.recoveredMinor, wk.stillOpen, wk.rate()); !s)
            return w.abort(), s;
    for (const Group &g : byCode)
        if (Status s = row(QStringLiteral("decline_code"), g.key, g.recovered, g.recoveredMinor, g.stillOpen, g.rate()); !s)
            return w.abort(), s;
    for (const Group &g : bySteps)
        if (Status s = row(QStringLiteral("policy_step"), g.key, g.recovered, g.recoveredMinor, g.stillOpen, g.rate()); !s)
            return w.abort(), s;
    return w.commit();
}

} // namespace Billing
