#include "services/lifecycle/retentionoffer.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::RetentionOffer", text); }

Error validation(const QString &text) { return Error::make(Error::Kind::Validation, text); }

QString moneyText(const Money &m)
{
    return QStringLiteral("%1 %2").arg(m.toDecimalString(), m.currency().code());
}

} // namespace

QString retentionOfferKindName(RetentionOfferKind kind)
{
    switch (kind) {
    case RetentionOfferKind::None: return QStringLiteral("none");
    case RetentionOfferKind::Discount: return QStringLiteral("discount");
    case RetentionOfferKind::Pause: return QStringLiteral("pause");
    case RetentionOfferKind::CheaperPlan: return QStringLiteral("cheaper_plan");
    }
    return QStringLiteral("none");
}

std::optional<RetentionOfferKind> retentionOfferKindFromName(QStringView name)
{
    for (RetentionOfferKind k : {RetentionOfferKind::None, RetentionOfferKind::Discount, RetentionOfferKind::Pause,
                                 RetentionOfferKind::CheaperPlan}) {
        if (name == retentionOfferKindName(k))
            return k;
    }
    return std::nullopt;
}

QString RetentionOffer::summary() const
{
    switch (kind) {
    case RetentionOfferKind::Discount: {
        const QString how = durationMonths > 0 ? tr("%1 % off for %2 month(s)").arg(percentOff).arg(durationMonths)
                                               : tr("%1 % off for good").arg(percentOff);
        return tr("%1: %2/month instead of %3/month").arg(how, moneyText(monthlyAfter), moneyText(monthlyBefore));
    }
    case RetentionOfferKind::Pause:
        return tr("Pause collection for %1 month(s) instead of cancelling: no charge while paused "
                  "(%2/month kept afterwards)")
            .arg(pauseMonths)
            .arg(moneyText(monthlyBefore));
    case RetentionOfferKind::CheaperPlan:
        return tr("Switch to %1: %2/month instead of %3/month")
            .arg(planName, moneyText(monthlyAfter), moneyText(monthlyBefore));
    case RetentionOfferKind::None:
        break;
    }
    return tr("No offer");
}

RetentionRules RetentionRules::defaults()
{
    RetentionRules r;
    using K = RetentionOfferKind;
    r.offers[CancellationReason::TooExpensive] = {K::Discount, K::CheaperPlan};
    r.offers[CancellationReason::Unused] = {K::Pause};
    r.offers[CancellationReason::MissingFeatures] = {K::Discount};
    r.offers[CancellationReason::SwitchedService] = {K::Discount};
    r.offers[CancellationReason::LowQuality] = {K::Discount};
    r.offers[CancellationReason::CustomerService] = {K::Discount};
    r.offers[CancellationReason::TooComplex] = {K::Pause};
    r.offers[CancellationReason::Other] = {K::Discount};
    return r;
}

Result<RetentionRules> RetentionRules::fromSettings(const QList<WorkspaceSetting> &settings)
{
    RetentionRules r = defaults();
    auto number = [](const WorkspaceSetting &s, int min, int max) -> Result<int> {
        bool ok = false;
        const int v = s.value.trimmed().toInt(&ok);
        if (!ok || v < min || v > max)
            return validation(tr("The setting %1 must be a whole number from %2 to %3, not \"%4\".")
                                  .arg(s.key).arg(min).arg(max).arg(s.value));
        return v;
    };
    const QString offersPrefix = QStringLiteral("retention.offers.");
    for (const WorkspaceSetting &s : settings) {
        if (s.key == QLatin1String("retention.coupon")) {
            r.couponId = s.value.trimmed();
        } else if (s.key == QLatin1String("retention.percent_off")) {
            auto v = number(s, 1, 100);
            if (!v)
                return v.error();
            r.percentOff = *v;
        } else if (s.key == QLatin1String("retention.duration_months")) {
            auto v = number(s, 0, 36);
            if (!v)
                return v.error();
            r.durationMonths = *v;
        } else if (s.key == QLatin1String("retention.pause_months")) {
            auto v = number(s, 1, 12);
            if (!v)
                return v.error();
            r.pauseMonths = *v;
        } else if (s.key.startsWith(offersPrefix)) {
            const auto reason = cancellationReasonFromName(QStringView(s.key).mid(offersPrefix.size()));
            if (!reason)
                return validation(tr("The setting %1 names no Stripe cancellation reason.").arg(s.key));
            QList<RetentionOfferKind> kinds;
            for (const QString &part : s.value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const auto kind = retentionOfferKindFromName(part.trimmed());
                if (!kind || *kind == RetentionOfferKind::None)
                    return validation(tr("The setting %1: \"%2\" is not an offer (discount, pause, cheaper_plan).")
                                          .arg(s.key, part.trimmed()));
                kinds << *kind;
            }
            r.offers[*reason] = kinds;
        }
    }
    return r;
}

Result<Money> monthlyAmount(qint64 amountMinor, const Currency &currency, const QString &interval, int intervalCount)
{
    const Money amount(amountMinor, currency);
    const qint64 count = qMax(1, intervalCount);
    // periods per year * amount / 12
    qint64 perYearNum = 0;
    if (interval == QLatin1String("month"))
        perYearNum = 12;
    else if (interval == QLatin1String("year"))
        perYearNum = 1;
    else if (interval == QLatin1String("week"))
        perYearNum = 52;
    else if (interval == QLatin1String("day"))
        perYearNum = 365;
    else
        return validation(tr("\"%1\" is not a billing interval.").arg(interval));
    return amount.scaled(perYearNum, 12 * count, Rounding::HalfUp);
}

Result<QList<RetentionOffer>> retentionOffersFor(CancellationReason reason, const SubscriptionRow &row,
                                                 const QList<Price> &prices, const QList<Product> &products,
                                                 const RetentionRules &rules)
{
    const Subscription &sub = row.subscription;
    const auto currency = Currency::fromCode(sub.currency);
    if (!currency)
        return validation(tr("The subscription has no known currency."));
    auto before = monthlyAmount(row.amountMinor, *currency, row.interval, row.intervalCount);
    if (!before)
        return before.error();

    QList<RetentionOffer> offers;
    for (RetentionOfferKind kind : rules.offers.value(reason)) {
        RetentionOffer offer;
        offer.kind = kind;
        offer.monthlyBefore = *before;
        switch (kind) {
        case RetentionOfferKind::Discount: {
            if (rules.couponId.isEmpty())
                continue;
            auto off = before->scaled(rules.percentOff, 100, Rounding::HalfUp);
            if (!off)
                return off.error();
            auto after = before->minus(*off);
            if (!after)
                return after.error();
            offer.couponId = rules.couponId;
            offer.percentOff = rules.percentOff;
            offer.durationMonths = rules.durationMonths;
            offer.monthlyAfter = *after;
            break;
        }
        case RetentionOfferKind::Pause:
            if (!sub.pauseBehavior.isEmpty())
                continue; // already paused
            offer.pauseMonths = rules.pauseMonths;
            offer.monthlyAfter = Money(0, *currency);
            break;
        case RetentionOfferKind::CheaperPlan: {
            if (sub.items.size() != 1)
                continue;
            const SubscriptionItem &item = sub.items.first();
            std::optional<RetentionOffer> best;
            for (const Price &p : prices) {
                if (!p.active || p.type != QLatin1String("recurring") || p.id == item.priceId || !p.unitAmount
                    || p.currency.compare(sub.currency, Qt::CaseInsensitive) != 0
                    || p.usageType == QLatin1String("metered"))
                    continue;
                auto total = Money(*p.unitAmount, *currency).times(item.quantity);
                if (!total)
                    continue;
                auto monthly = monthlyAmount(total->minor(), *currency, p.interval, p.intervalCount);
                if (!monthly || monthly->minor() >= before->minor())
                    continue;
                if (best && best->monthlyAfter.minor() >= monthly->minor())
                    continue;
                RetentionOffer candidate = offer;
                candidate.priceId = p.id;
                candidate.monthlyAfter = *monthly;
                QString name = p.nickname;
                for (const Product &prod : products) {
                    if (prod.id == p.productId)
                        name = p.nickname.isEmpty() ? prod.name : prod.name + QStringLiteral(" ") + p.nickname;
                }
                candidate.planName = name.isEmpty() ? p.id : name;
                best = candidate;
            }
            if (!best)
                continue;
            offer = *best;
            break;
        }
        case RetentionOfferKind::None:
            continue;
        }
        offers << offer;
    }
    return offers;
}

} // namespace Billing
