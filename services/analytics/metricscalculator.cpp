#include "services/analytics/metricscalculator.h"

#include <QCoreApplication>
#include <QSet>

#include <algorithm>
#include <limits>

namespace Billing {

namespace {

using Fraction = MetricsCalculator::Fraction;

QString tr(const char *text) { return QCoreApplication::translate("Billing::MetricsCalculator", text); }

__int128 gcd128(__int128 a, __int128 b)
{
    if (a < 0)
        a = -a;
    if (b < 0)
        b = -b;
    while (b != 0) {
        const __int128 t = a % b;
        a = b;
        b = t;
    }
    return a == 0 ? 1 : a;
}

Fraction reduce(Fraction f)
{
    const __int128 g = gcd128(f.num, f.den);
    f.num /= g;
    f.den /= g;
    if (f.den < 0) {
        f.num = -f.num;
        f.den = -f.den;
    }
    return f;
}

Fraction add(const Fraction &a, const Fraction &b)
{
    if (a.num == 0)
        return b;
    if (b.num == 0)
        return a;
    if (a.den == b.den)
        return reduce({a.num + b.num, a.den});
    const __int128 g = gcd128(a.den, b.den);
    return reduce({a.num * (b.den / g) + b.num * (a.den / g), a.den / g * b.den});
}

Fraction negate(const Fraction &a) { return {-a.num, a.den}; }
Fraction sub(const Fraction &a, const Fraction &b) { return add(a, negate(b)); }

Fraction mul(const Fraction &a, __int128 num, __int128 den)
{
    const __int128 g1 = gcd128(a.num, den);
    const __int128 g2 = gcd128(num, a.den);
    return reduce({(a.num / g1) * (num / g2), (a.den / g2) * (den / g1)});
}

std::optional<double> ratioD(const Fraction &a, const Fraction &b)
{
    if (b.num == 0)
        return std::nullopt;
    return double(static_cast<long double>(a.num) * static_cast<long double>(b.den)
                  / (static_cast<long double>(a.den) * static_cast<long double>(b.num)));
}

// "0.0015" (minor units) -> 15/10000; nullopt for anything else than digits and one dot.
std::optional<Fraction> parseDecimal(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return std::nullopt;
    __int128 num = 0;
    __int128 den = 1;
    bool dot = false;
    bool negative = false;
    for (qsizetype i = 0; i < t.size(); ++i) {
        const QChar c = t.at(i);
        if (i == 0 && c == u'-') {
            negative = true;
            continue;
        }
        if (c == u'.' && !dot) {
            dot = true;
            continue;
        }
        if (c < u'0' || c > u'9')
            return std::nullopt;
        num = num * 10 + (c.unicode() - u'0');
        if (dot)
            den *= 10;
        if (num > (__int128(1) << 100))
            return std::nullopt;
    }
    return reduce({negative ? -num : num, den});
}

std::optional<Fraction> unitOf(std::optional<qint64> unitAmount, const QString &decimal)
{
    if (unitAmount)
        return Fraction{*unitAmount, 1};
    if (!decimal.isEmpty())
        return parseDecimal(decimal);
    return std::nullopt;
}

std::optional<Fraction> tierAmount(const Price &price, qint64 quantity)
{
    if (price.tiers.isEmpty())
        return std::nullopt;
    auto flatOf = [](const PriceTier &t) -> Fraction {
        if (t.flatAmount)
            return {*t.flatAmount, 1};
        if (auto d = parseDecimal(t.flatAmountDecimal))
            return *d;
        return {0, 1};
    };
    auto unitOfTier = [](const PriceTier &t) -> Fraction {
        if (auto u = unitOf(t.unitAmount, t.unitAmountDecimal))
            return *u;
        return {0, 1};
    };
    if (price.tiersMode == QLatin1String("volume")) {
        for (const PriceTier &t : price.tiers) {
            if (!t.upTo || quantity <= *t.upTo)
                return add(mul(unitOfTier(t), quantity, 1), flatOf(t));
        }
        return std::nullopt;
    }
    // graduated
    Fraction total;
    qint64 previous = 0;
    for (const PriceTier &t : price.tiers) {
        if (quantity <= previous)
            break;
        const qint64 top = t.upTo ? std::min(*t.upTo, quantity) : quantity;
        const qint64 units = top - previous;
        if (units > 0)
            total = add(total, add(mul(unitOfTier(t), units, 1), flatOf(t)));
        if (!t.upTo)
            break;
        previous = *t.upTo;
    }
    return total;
}

QDate monthStart(QDate d) { return QDate(d.year(), d.month(), 1); }
QDateTime instant(QDate d) { return QDateTime(d, QTime(0, 0), Qt::UTC); }

QDateTime startOf(const Subscription &s) { return s.startDate.isValid() ? s.startDate : s.created; }

QDateTime endOf(const Subscription &s)
{
    if (s.endedAt.isValid())
        return s.endedAt;
    if (s.status == QLatin1String("canceled") || s.status == QLatin1String("incomplete_expired"))
        return s.canceledAt.isValid() ? s.canceledAt : startOf(s);
    return {};
}

bool counted(const Subscription &s)
{
    return s.status != QLatin1String("incomplete") && s.status != QLatin1String("incomplete_expired")
           && startOf(s).isValid();
}

bool liveAt(const Subscription &s, const QDateTime &t)
{
    if (!counted(s) || !(startOf(s) < t))
        return false;
    const QDateTime end = endOf(s);
    return !end.isValid() || end > t;
}

bool payingAt(const Subscription &s, const QDateTime &t)
{
    return liveAt(s, t) && !(s.trialEnd.isValid() && s.trialEnd > t);
}

struct Snapshot
{
    // "customer|CUR" -> exact MRR; a key exists for every paying customer (even at 0)
    QHash<QString, Fraction> mrr;
};

QString currencyOf(const QString &key) { return key.section(u'|', 1, 1); }

qint64 roundFraction(const Fraction &f, Rounding rounding) { return MetricsCalculator::round(f, rounding); }

} // namespace

QString roundingName(Rounding rounding)
{
    switch (rounding) {
    case Rounding::HalfUp: return QCoreApplication::translate("Billing::Rounding", "half up");
    case Rounding::HalfEven: return QCoreApplication::translate("Billing::Rounding", "half even");
    case Rounding::Down: return QCoreApplication::translate("Billing::Rounding", "toward zero");
    case Rounding::Up: return QCoreApplication::translate("Billing::Rounding", "away from zero");
    case Rounding::Floor: return QCoreApplication::translate("Billing::Rounding", "floor");
    case Rounding::Ceiling: return QCoreApplication::translate("Billing::Rounding", "ceiling");
    }
    return {};
}

qint64 MetricsCalculator::round(const Fraction &in, Rounding rounding)
{
    Fraction f = reduce(in);
    __int128 q = f.num / f.den;
    const __int128 r = f.num % f.den;
    if (r != 0) {
        const int sign = f.num < 0 ? -1 : 1;
        const __int128 twice = (r < 0 ? -r : r) * 2;
        switch (rounding) {
        case Rounding::Down: break;
        case Rounding::Up: q += sign; break;
        case Rounding::Floor: if (sign < 0) q -= 1; break;
        case Rounding::Ceiling: if (sign > 0) q += 1; break;
        case Rounding::HalfUp: if (twice >= f.den) q += sign; break;
        case Rounding::HalfEven: if (twice > f.den || (twice == f.den && (q % 2) != 0)) q += sign; break;
        }
    }
    if (q > std::numeric_limits<qint64>::max())
        return std::numeric_limits<qint64>::max();
    if (q < std::numeric_limits<qint64>::min())
        return std::numeric_limits<qint64>::min();
    return qint64(q);
}

std::optional<Fraction> MetricsCalculator::monthlyAmount(const Price &price, qint64 quantity)
{
    if (price.type == QLatin1String("one_time") || price.usageType == QLatin1String("metered"))
        return std::nullopt;
    std::optional<Fraction> perInterval;
    if (price.billingScheme == QLatin1String("tiered"))
        perInterval = tierAmount(price, quantity);
    else if (auto unit = unitOf(price.unitAmount, price.unitAmountDecimal))
        perInterval = mul(*unit, quantity, 1);
    if (!perInterval)
        return std::nullopt;
    const __int128 count = std::max(1, price.intervalCount);
    __int128 k = 0; // monthly amount = per interval * k / (12 * count)
    if (price.interval == QLatin1String("month"))
        k = 12;
    else if (price.interval == QLatin1String("year"))
        k = 1;
    else if (price.interval == QLatin1String("week"))
        k = 52;
    else if (price.interval == QLatin1String("day"))
        k = 365;
    else
        return std::nullopt;
    return mul(*perInterval, k, 12 * count);
}

Result<AnalyticsReport> MetricsCalculator::compute(const AnalyticsInput &input, const FxConverter &fx,
                                                   const MetricsOptions &options)
{
    const QDateTime now = options.now.isValid() ? options.now.toUTC() : QDateTime::currentDateTimeUtc();
    if (!options.firstMonth.isValid() || !options.lastMonth.isValid())
        return Error::make(Error::Kind::Validation, tr("Choose the first and last month."));
    QDate first = monthStart(options.firstMonth);
    QDate last = monthStart(options.lastMonth);
    if (last > monthStart(now.date()))
        last = monthStart(now.date());
    if (first > last)
        return Error::make(Error::Kind::Validation, tr("The first month is after the last month."));
    std::optional<Currency> reporting;
    if (!options.reportingCurrency.isEmpty()) {
        reporting = Currency::fromCode(options.reportingCurrency);
        if (!reporting)
            return Error::make(Error::Kind::Validation,
                               tr("\"%1\" is not a currency code.").arg(options.reportingCurrency));
    }

    AnalyticsReport report;
    report.roundingName = roundingName(options.rounding);
    report.reportingCurrency = reporting ? reporting->code() : QString();
    for (QDate m = first; m <= last; m = m.addMonths(1))
        report.months << m;
    const int n = int(report.months.size());

    // Each item's exact monthly amount, once.
    struct SubAmount
    {
        const Subscription *sub;
        QString key; // customer|CUR
        Fraction monthly;
    };
    QList<SubAmount> amounts;
    QSet<QString> currencySet;
    QSet<QString> skippedPrices;
    for (const Subscription &s : input.subscriptions) {
        if (!counted(s))
            continue;
        SubAmount a{&s, {}, {}};
        QString currency = s.currency.toUpper();
        for (const SubscriptionItem &item : s.items) {
            const auto it = input.prices.constFind(item.priceId);
            if (it == input.prices.cend()) {
                ++report.skippedItems;
                skippedPrices.insert(item.priceId);
                continue;
            }
            if (currency.isEmpty())
                currency = it->currency.toUpper();
            if (auto m = monthlyAmount(*it, item.quantity))
                a.monthly = add(a.monthly, *m);
            else
                ++report.skippedItems;
        }
        if (currency.isEmpty())
            continue;
        currencySet.insert(currency);
        a.key = s.customerId + u'|' + currency;
        amounts << a;
    }
    if (!skippedPrices.isEmpty())
        report.warnings << QCoreApplication::translate("Billing::MetricsCalculator",
                                                       "%n subscription item(s) refer to prices missing from the cache and are left out of MRR.",
                                                       nullptr, int(skippedPrices.size()));
    for (const Invoice &inv : input.invoices)
        if (!inv.currency.isEmpty())
            currencySet.insert(inv.currency.toUpper());
    report.currencies = QStringList(currencySet.cbegin(), currencySet.cend());
    std::sort(report.currencies.begin(), report.currencies.end());

    // Snapshots at the end of each month (index i) and at the end of the month before the first (-1).
    auto snapshotAt = [&](const QDateTime &t) {
        Snapshot snap;
        for (const SubAmount &a : amounts) {
            if (!payingAt(*a.sub, t))
                continue;
            snap.mrr[a.key] = add(snap.mrr.value(a.key), a.monthly);
        }
        return snap;
    };
    auto endOfMonth = [&](QDate m) {
        const QDateTime end = instant(m.addMonths(1));
        return end < now ? end : now;
    };
    QList<Snapshot> snaps;
    snaps.reserve(n + 1);
    snaps << snapshotAt(endOfMonth(first.addMonths(-1)));
    for (const QDate &m : std::as_const(report.months))
        snaps << snapshotAt(endOfMonth(m));

    // Paid revenue per month, currency and customer.
    QHash<QString, QList<qint64>> revenue; // currency -> per month
    for (const Invoice &inv : input.invoices) {
        if (inv.status != QLatin1String("paid") || !inv.paidAt.isValid())
            continue;
        const QDate m = monthStart(inv.paidAt.toUTC().date());
        if (m < first || m > last)
            continue;
        const int idx = (m.year() - first.year()) * 12 + m.month() - first.month();
        const QString cur = inv.currency.toUpper();
        QList<qint64> &series = revenue[cur];
        if (series.isEmpty())
            series = QList<qint64>(n, 0);
        series[idx] += inv.amountPaidMinor;
        QList<qint64> &customerSeries = report.customerRevenue[inv.customerId][cur];
        if (customerSeries.isEmpty())
            customerSeries = QList<qint64>(n, 0);
        customerSeries[idx] += inv.amountPaidMinor;
    }

    // Month rows: `factor` turns a key's currency into the row's currency (identity per currency).
    struct Acc
    {
        Fraction mrr, startMrr, newMrr, expansion, contraction, churned, retainedEnd;
        int active = 0, start = 0, added = 0, churnedCount = 0;
    };
    auto accumulate = [&](int i, Acc &acc) {
        const Snapshot &before = snaps.at(i);
        const Snapshot &after = snaps.at(i + 1);
        QSet<QString> keys;
        for (auto it = before.mrr.cbegin(); it != before.mrr.cend(); ++it)
            keys.insert(it.key());
        for (auto it = after.mrr.cbegin(); it != after.mrr.cend(); ++it)
            keys.insert(it.key());
        for (const QString &key : std::as_const(keys)) {
            const bool wasActive = before.mrr.contains(key);
            const bool isActive = after.mrr.contains(key);
            const Fraction s = before.mrr.value(key);
            const Fraction e = after.mrr.value(key);
            if (isActive) {
                ++acc.active;
                acc.mrr = add(acc.mrr, e);
            }
            if (wasActive) {
                ++acc.start;
                acc.startMrr = add(acc.startMrr, s);
            }
            if (wasActive && !isActive) {
                ++acc.churnedCount;
                acc.churned = add(acc.churned, s);
            } else if (!wasActive && isActive) {
                ++acc.added;
                acc.newMrr = add(acc.newMrr, e);
            } else {
                acc.retainedEnd = add(acc.retainedEnd, e);
                const Fraction d = sub(e, s);
                if (d.num > 0)
                    acc.expansion = add(acc.expansion, d);
                else if (d.num < 0)
                    acc.contraction = add(acc.contraction, negate(d));
            }
        }
    };
    auto fill = [&](MonthMetrics &row, const Acc &acc) {
        row.mrrMinor = roundFraction(acc.mrr, options.rounding);
        row.arrMinor = roundFraction(mul(acc.mrr, 12, 1), options.rounding);
        row.activeCustomers = acc.active;
        row.arpaMinor = acc.active > 0 ? roundFraction(mul(acc.mrr, 1, acc.active), options.rounding) : 0;
        row.startCustomers = acc.start;
        row.newCustomers = acc.added;
        row.churnedCustomers = acc.churnedCount;
        row.startMrrMinor = roundFraction(acc.startMrr, options.rounding);
        row.newMrrMinor = roundFraction(acc.newMrr, options.rounding);
        row.expansionMinor = roundFraction(acc.expansion, options.rounding);
        row.contractionMinor = roundFraction(acc.contraction, options.rounding);
        row.churnedMrrMinor = roundFraction(acc.churned, options.rounding);
        if (acc.start > 0)
            row.logoChurn = double(acc.churnedCount) / acc.start;
        row.revenueChurn = ratioD(add(acc.churned, acc.contraction), acc.startMrr);
        row.netRevenueRetention = ratioD(acc.retainedEnd, acc.startMrr);
    };
    auto trialsIn = [&](QDate m, const QString &currency, int &ended, int &converted) {
        const QDateTime from = instant(m);
        const QDateTime to = instant(m.addMonths(1));
        for (const SubAmount &a : std::as_const(amounts)) {
            const Subscription &s = *a.sub;
            if (!currency.isEmpty() && currencyOf(a.key) != currency)
                continue;
            if (!s.trialEnd.isValid() || s.trialEnd < from || s.trialEnd >= to || s.trialEnd > now)
                continue;
            if (s.trialStart.isValid() && s.trialStart >= s.trialEnd)
                continue;
            ++ended;
            const QDateTime end = endOf(s);
            if (!end.isValid() || end > s.trialEnd)
                ++converted;
        }
    };

    for (const QString &currency : std::as_const(report.currencies)) {
        QList<MonthMetrics> rows;
        for (int i = 0; i < n; ++i) {
            MonthMetrics row;
            row.month = report.months.at(i);
            row.currency = currency;
            rows << row;
        }
        report.perCurrency.insert(currency, rows);
    }
    for (const QString &currency : std::as_const(report.currencies)) {
        QList<MonthMetrics> &rows = report.perCurrency[currency];
        for (int i = 0; i < n; ++i) {
            Snapshot before, after;
            for (auto it = snaps.at(i).mrr.cbegin(); it != snaps.at(i).mrr.cend(); ++it)
                if (currencyOf(it.key()) == currency)
                    before.mrr.insert(it.key(), it.value());
            for (auto it = snaps.at(i + 1).mrr.cbegin(); it != snaps.at(i + 1).mrr.cend(); ++it)
                if (currencyOf(it.key()) == currency)
                    after.mrr.insert(it.key(), it.value());
            const Snapshot keepBefore = snaps.at(i);
            const Snapshot keepAfter = snaps.at(i + 1);
            snaps[i] = before;
            snaps[i + 1] = after;
            Acc acc;
            accumulate(i, acc);
            snaps[i] = keepBefore;
            snaps[i + 1] = keepAfter;
            MonthMetrics &row = rows[i];
            fill(row, acc);
            trialsIn(row.month, currency, row.trialsEnded, row.trialsConverted);
            if (row.trialsEnded > 0)
                row.trialConversion = double(row.trialsConverted) / row.trialsEnded;
            row.revenueMinor = revenue.value(currency).value(i, 0);
        }
    }

    // Converted view.
    if (reporting) {
        QSet<QString> seenRates;
        QSet<QString> seenWarnings;
        for (int i = 0; i < n; ++i) {
            MonthMetrics row;
            row.month = report.months.at(i);
            row.currency = reporting->code();
            // the rate of the last day of the month (today for the current month)
            const QDate rateDay = endOfMonth(row.month).addSecs(-1).date();
            const QDate prevRateDay = endOfMonth(row.month.addMonths(-1)).addSecs(-1).date();
            QString missing;
            QString missingPair;
            auto factorFor = [&](const QString &currency, QDate day, FxConverter::MinorFactor &out) {
                const std::optional<Currency> from = Currency::fromCode(currency);
                if (!from)
                    return false;
                Result<AppliedRate> applied = fx.rateFor(currency, reporting->code(), day);
                if (!applied) {
                    missing = applied.error().userMessage;
                    missingPair = currency;
                    return false;
                }
                if (!applied->identity) {
                    const QString id = QStringLiteral("%1|%2|%3").arg(applied->row.base, applied->row.quote,
                                                                     applied->row.date.toString(Qt::ISODate));
                    if (!seenRates.contains(id)) {
                        seenRates.insert(id);
                        report.ratesUsed << *applied;
                    }
                }
                out = FxConverter::minorFactor(*applied, *from, *reporting);
                return true;
            };
            // Start-of-month values convert at the previous month's rate, end values at this month's,
            // so a converted MRR row equals the next row's start; churn ratios mix the two dates only
            // through the start value, as finance reports do.
            QHash<QString, FxConverter::MinorFactor> endFactors, startFactors;
            bool ok = true;
            for (const QString &currency : std::as_const(report.currencies)) {
                FxConverter::MinorFactor fe, fs;
                bool needed = false;
                for (int s = i; s <= i + 1 && !needed; ++s)
                    for (auto it = snaps.at(s).mrr.cbegin(); it != snaps.at(s).mrr.cend(); ++it)
                        if (currencyOf(it.key()) == currency) {
                            needed = true;
                            break;
                        }
                needed = needed || revenue.value(currency).value(i, 0) != 0;
                if (!needed)
                    continue;
                if (!factorFor(currency, rateDay, fe) || !factorFor(currency, prevRateDay, fs)) {
                    ok = false;
                    break;
                }
                endFactors.insert(currency, fe);
                startFactors.insert(currency, fs);
            }
            if (!ok) {
                row.complete = false;
                row.note = missing;
                if (!seenWarnings.contains(missingPair)) { // once per currency: the earliest month missing it
                    seenWarnings.insert(missingPair);
                    report.warnings << missing;
                }
                report.converted << row;
                continue;
            }
            // Convert the snapshots key by key, exactly, then accumulate as one currency.
            const Snapshot keepBefore = snaps.at(i);
            const Snapshot keepAfter = snaps.at(i + 1);
            Snapshot before, after;
            for (auto it = keepBefore.mrr.cbegin(); it != keepBefore.mrr.cend(); ++it) {
                const auto f = startFactors.value(currencyOf(it.key()));
                before.mrr.insert(it.key(), mul(it.value(), f.numerator, f.denominator));
            }
            for (auto it = keepAfter.mrr.cbegin(); it != keepAfter.mrr.cend(); ++it) {
                const auto f = endFactors.value(currencyOf(it.key()));
                after.mrr.insert(it.key(), mul(it.value(), f.numerator, f.denominator));
            }
            QHash<QString, Fraction> shares;
            for (auto it = after.mrr.cbegin(); it != after.mrr.cend(); ++it)
                shares[currencyOf(it.key())] = add(shares.value(currencyOf(it.key())), it.value());
            for (const QString &currency : std::as_const(report.currencies)) {
                QList<qint64> &series = report.convertedMrrByCurrency[currency];
                if (series.isEmpty())
                    series = QList<qint64>(n, 0);
                series[i] = roundFraction(shares.value(currency), options.rounding);
            }
            snaps[i] = before;
            snaps[i + 1] = after;
            Acc acc;
            accumulate(i, acc);
            snaps[i] = keepBefore;
            snaps[i + 1] = keepAfter;
            fill(row, acc);
            trialsIn(row.month, QString(), row.trialsEnded, row.trialsConverted);
            if (row.trialsEnded > 0)
                row.trialConversion = double(row.trialsConverted) / row.trialsEnded;
            Fraction rev;
            for (auto it = revenue.cbegin(); it != revenue.cend(); ++it) {
                const qint64 v = it.value().value(i, 0);
                if (v == 0)
                    continue;
                const auto f = endFactors.value(it.key());
                rev = add(rev, mul(Fraction{v, 1}, f.numerator, f.denominator));
            }
            row.revenueMinor = roundFraction(rev, options.rounding);
            report.converted << row;
        }
        std::sort(report.ratesUsed.begin(), report.ratesUsed.end(), [](const AppliedRate &a, const AppliedRate &b) {
            return std::tie(a.from, a.row.date) < std::tie(b.from, b.row.date);
        });
    }

    // Cohorts by signup month (first counted subscription of the customer).
    QHash<QString, QDate> signup;
    for (const SubAmount &a : std::as_const(amounts)) {
        const QDate m = monthStart(startOf(*a.sub).toUTC().date());
        const QString c = a.sub->customerId;
        if (!signup.contains(c) || m < signup.value(c))
            signup.insert(c, m);
    }
    QMap<QDate, QStringList> byCohort;
    for (auto it = signup.cbegin(); it != signup.cend(); ++it)
        if (it.value() >= first && it.value() <= last)
            byCohort[it.value()] << it.key();
    for (auto it = byCohort.cbegin(); it != byCohort.cend(); ++it) {
        CohortRow row;
        row.cohort = it.key();
        row.size = int(it.value().size());
        const QSet<QString> members(it.value().cbegin(), it.value().cend());
        for (QDate m = row.cohort; m <= last; m = m.addMonths(1)) {
            const QDateTime t = endOfMonth(m);
            QSet<QString> live;
            for (const SubAmount &a : std::as_const(amounts))
                if (members.contains(a.sub->customerId) && liveAt(*a.sub, t))
                    live.insert(a.sub->customerId);
            row.retained << int(live.size());
            row.retention << double(live.size()) / row.size;
        }
        report.cohorts << row;
    }
    return report;
}

} // namespace Billing
