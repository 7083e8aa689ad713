#include "services/lifecycle/retentionreport.h"

namespace Billing {

int RetentionReport::Line::acceptanceRatePermille() const
{
    if (offersMade == 0)
        return 0;
    return int((qint64(offersAccepted) * 2000 + offersMade) / (2 * qint64(offersMade)));
}

namespace {

void add(RetentionReport::Line &line, const RetentionRecord &r)
{
    if (r.offerKind == QLatin1String("none")) {
        ++line.cancellations;
        return;
    }
    ++line.offersMade;
    line.revenueAtStakeMinor[r.currency] += r.revenueAtStakeMinor;
    if (r.accepted) {
        ++line.offersAccepted;
        line.revenueSavedMinor[r.currency] += r.revenueKeptMinor;
    }
}

QList<RetentionReport::Line> lines(const QMap<QString, RetentionReport::Line> &map)
{
    QList<RetentionReport::Line> out;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        out << it.value();
    return out;
}

} // namespace

RetentionReport RetentionReport::build(const QList<RetentionRecord> &records)
{
    RetentionReport report;
    QMap<QString, Line> reasons;
    QMap<QString, Line> offers;
    for (const RetentionRecord &r : records) {
        if (r.outcome == RetentionOutcome::Pending) {
            ++report.awaitingStripe;
            continue;
        }
        if (r.outcome == RetentionOutcome::NotApplied) {
            ++report.notApplied;
            continue;
        }
        add(report.totals, r);
        Line &byReason = reasons[r.reason];
        byReason.key = r.reason;
        add(byReason, r);
        if (r.offerKind != QLatin1String("none")) {
            Line &byOffer = offers[r.offerKind];
            byOffer.key = r.offerKind;
            add(byOffer, r);
        }
    }
    report.byReason = lines(reasons);
    report.byOffer = lines(offers);
    return report;
}

QList<QStringList> RetentionReport::rows() const
{
    QList<QStringList> out;
    out << QStringList{QStringLiteral("section"),
                       QStringLiteral("key"),
                       QStringLiteral("currency"),
                       QStringLiteral("offers_made"),
                       QStringLiteral("offers_accepted"),
                       QStringLiteral("acceptance_rate_percent"),
                       QStringLiteral("revenue_at_stake_minor"),
                       QStringLiteral("revenue_saved_minor")};
    auto emitLine = [&out](const QString &section, const Line &line) {
        const int pm = line.acceptanceRatePermille();
        const QString rate = QStringLiteral("%1.%2").arg(pm / 10).arg(pm % 10);
        QStringList currencies = line.revenueAtStakeMinor.keys();
        if (currencies.isEmpty())
            currencies << QString();
        for (const QString &cur : currencies) {
            out << QStringList{section,
                               line.key,
                               cur,
                               QString::number(line.offersMade),
                               QString::number(line.offersAccepted),
                               rate,
                               QString::number(line.revenueAtStakeMinor.value(cur)),
                               QString::number(line.revenueSavedMinor.value(cur))};
        }
    };
    emitLine(QStringLiteral("total"), totals);
    for (const Line &l : byReason)
        emitLine(QStringLiteral("reason"), l);
    for (const Line &l : byOffer)
        emitLine(QStringLiteral("offer"), l);
    return out;
}

} // namespace Billing
