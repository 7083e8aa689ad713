#include "services/lifecycle/planchange.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonValue>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PlanChange", text); }

std::optional<qint64> jsonInteger(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    const qint64 i = v.toInteger();
    if (static_cast<double>(i) != d)
        return std::nullopt;
    return i;
}

bool isLive(const QString &status)
{
    return status != QLatin1String("canceled") && status != QLatin1String("incomplete_expired");
}

QString intervalText(const Price &price)
{
    if (price.intervalCount > 1)
        return QStringLiteral("%1 %2s").arg(price.intervalCount).arg(price.interval);
    return price.interval;
}

} // namespace

QString planChangeTimingName(PlanChangeTiming timing)
{
    switch (timing) {
    case PlanChangeTiming::NowProrated:
        return QStringLiteral("now_prorated");
    case PlanChangeTiming::NowWithoutProration:
        return QStringLiteral("now_unprorated");
    case PlanChangeTiming::AtPeriodEnd:
        return QStringLiteral("period_end");
    }
    return {};
}

PlanFeatures PlanFeatures::fromMetadata(const QJsonObject &metadata)
{
    PlanFeatures f;
    const QStringList keys = metadata.value(QStringLiteral("features")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &k : keys) {
        const QString key = k.trimmed().toLower();
        if (!key.isEmpty() && !f.features.contains(key))
            f.features << key;
    }
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
        if (!it.key().startsWith(QLatin1String("limit_")) || it.key().size() <= 6)
            continue;
        bool ok = false;
        const qint64 n = it.value().toString().trimmed().toLongLong(&ok);
        if (ok && n >= 0)
            f.limits.insert(it.key().mid(6), n);
    }
    return f;
}

QString featureDisplayName(const QString &key)
{
    static const QMap<QString, QString> known{
        {QStringLiteral("sso"), QStringLiteral("SSO")},
        {QStringLiteral("saml"), QStringLiteral("SAML")},
        {QStringLiteral("api"), QStringLiteral("API")},
        {QStringLiteral("api_access"), QStringLiteral("API access")},
        {QStringLiteral("scim"), QStringLiteral("SCIM")},
        {QStringLiteral("sla"), QStringLiteral("SLA")},
    };
    const auto it = known.find(key);
    if (it != known.end())
        return it.value();
    QString text = key;
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

QStringList downgradeWarnings(const PlanFeatures &from, const PlanFeatures &to, const QMap<QString, qint64> &usage)
{
    QStringList out;
    QStringList lost;
    for (const QString &f : from.features) {
        if (!to.features.contains(f))
            lost << featureDisplayName(f);
    }
    if (!lost.isEmpty())
        out << tr("Downgrade loses: %1").arg(lost.join(QStringLiteral(", ")));
    for (auto it = to.limits.begin(); it != to.limits.end(); ++it) {
        const QString &name = it.key();
        const qint64 newLimit = it.value();
        const QString noun = name;
        if (usage.contains(name) && usage.value(name) > newLimit) {
            out << tr("%1 %2 in use exceed the new limit of %3").arg(usage.value(name)).arg(noun).arg(newLimit);
            continue;
        }
        const bool hadLimit = from.limits.contains(name);
        if (!hadLimit)
            out << tr("%1 become limited to %2 (no limit before)").arg(featureDisplayName(name)).arg(newLimit);
        else if (from.limits.value(name) > newLimit)
            out << tr("%1 limit drops from %2 to %3").arg(featureDisplayName(name)).arg(from.limits.value(name)).arg(newLimit);
    }
    return out;
}

Status validatePlanChange(const Subscription &subscription, const Price &target, const PlanChangeRequest &request)
{
    auto invalid = [](const QString &text) { return Status(Error::make(Error::Kind::Validation, text)); };
    if (request.quantity < 1)
        return invalid(tr("The quantity must be at least 1."));
    if (!isLive(subscription.status))
        return invalid(tr("This subscription has ended (%1); its plan cannot be changed.").arg(subscription.status));
    if (subscription.items.size() != 1)
        return invalid(tr("This subscription has %1 items; the console changes plans of single-item subscriptions only.")
                           .arg(subscription.items.size()));
    if (target.id.isEmpty())
        return invalid(tr("Choose a plan."));
    if (!target.active)
        return invalid(tr("The price %1 is archived and cannot be subscribed to.").arg(target.id));
    if (target.type != QLatin1String("recurring"))
        return invalid(tr("The price %1 is a one-time price, not a plan.").arg(target.id));
    if (target.usageType == QLatin1String("metered"))
        return invalid(tr("The price %1 is metered; it has no quantity to change to.").arg(target.id));
    if (target.currency.compare(subscription.currency, Qt::CaseInsensitive) != 0)
        return invalid(tr("The plan is priced in %1, but this subscription bills in %2. Choose a plan in %2.")
                           .arg(target.currency.toUpper(), subscription.currency.toUpper()));
    const SubscriptionItem &item = subscription.items.first();
    if (item.priceId == target.id && item.quantity == request.quantity)
        return invalid(tr("The subscription is already on this plan with this quantity."));
    return {};
}

std::optional<qint64> periodAmountMinor(const Price &price, qint64 quantity)
{
    if (price.billingScheme != QLatin1String("tiered")) {
        if (!price.unitAmount)
            return std::nullopt;
        return *price.unitAmount * quantity;
    }
    if (price.tiers.isEmpty())
        return std::nullopt;
    if (price.tiersMode == QLatin1String("volume")) {
        for (const PriceTier &t : price.tiers) {
            if (!t.upTo || quantity <= *t.upTo) {
                if (!t.unitAmount && !t.unitAmountDecimal.isEmpty())
                    return std::nullopt;
                return t.unitAmount.value_or(0) * quantity + t.flatAmount.value_or(0);
            }
        }
        return std::nullopt;
    }
    qint64 total = 0;
    qint64 prev = 0;
    for (const PriceTier &t : price.tiers) {
        const qint64 upTo = t.upTo.value_or(std::numeric_limits<qint64>::max());
        const qint64 n = std::max<qint64>(0, std::min(quantity, upTo) - prev);
        if (n > 0) {
            if (!t.unitAmount && !t.unitAmountDecimal.isEmpty())
                return std::nullopt;
            total += n * t.unitAmount.value_or(0) + t.flatAmount.value_or(0);
        }
        prev = upTo;
        if (quantity <= upTo)
            break;
    }
    return total;
}

QString planSummary(const Price &price, const QString &productName, qint64 quantity)
{
    const QString name = productName.isEmpty() ? (price.nickname.isEmpty() ? price.id : price.nickname) : productName;
    QString text = QStringLiteral("%1 %2ly x%3").arg(name, price.interval).arg(quantity);
    if (price.interval == QLatin1String("day"))
        text = QStringLiteral("%1 daily x%2").arg(name).arg(quantity);
    const auto amount = periodAmountMinor(price, quantity);
    const auto currency = Currency::fromCode(price.currency);
    if (amount && currency)
        text += QStringLiteral(", %1 %2/%3").arg(Money(*amount, *currency).toDecimalString(), currency->code(), intervalText(price));
    return text;
}

Result<PreviewAmounts> previewAmounts(const QJsonObject &invoice)
{
    auto bad = [](const QString &field) {
        return Error::make(Error::Kind::InvalidResponse, tr("Stripe's preview could not be read."),
                           QStringLiteral("create_preview: missing or non-integer %1").arg(field));
    };
    PreviewAmounts a;
    a.currency = invoice.value(QStringLiteral("currency")).toString();
    if (a.currency.isEmpty())
        return bad(QStringLiteral("currency"));
    const auto due = jsonInteger(invoice.value(QStringLiteral("amount_due")));
    const auto total = jsonInteger(invoice.value(QStringLiteral("total")));
    if (!due)
        return bad(QStringLiteral("amount_due"));
    if (!total)
        return bad(QStringLiteral("total"));
    a.amountDueMinor = *due;
    a.totalMinor = *total;
    const auto created = jsonInteger(invoice.value(QStringLiteral("created")));
    const auto periodEnd = jsonInteger(invoice.value(QStringLiteral("period_end")));
    // A renewal invoice's period_end is the renewal moment (its period is the one just ended).
    if (periodEnd)
        a.date = QDateTime::fromSecsSinceEpoch(*periodEnd, Qt::UTC);
    else if (created)
        a.date = QDateTime::fromSecsSinceEpoch(*created, Qt::UTC);
    const QJsonArray lines = invoice.value(QStringLiteral("lines")).toObject().value(QStringLiteral("data")).toArray();
    for (const QJsonValue &v : lines) {
        const QJsonObject line = v.toObject();
        const auto amount = jsonInteger(line.value(QStringLiteral("amount")));
        if (!amount)
            return bad(QStringLiteral("lines.amount"));
        const QJsonObject parent = line.value(QStringLiteral("parent")).toObject();
        bool proration = line.value(QStringLiteral("proration")).toBool(); // older shapes
        for (const char *kind : {"subscription_item_details", "invoice_item_details"}) {
            const QJsonObject d = parent.value(QLatin1String(kind)).toObject();
            if (d.value(QStringLiteral("proration")).toBool())
                proration = true;
        }
        if (!proration)
            continue;
        const auto start = jsonInteger(line.value(QStringLiteral("period")).toObject().value(QStringLiteral("start")));
        if (start && (a.prorationDate == 0 || *start < a.prorationDate))
            a.prorationDate = *start;
        if (*amount < 0)
            a.creditMinor += *amount;
        else
            a.chargeMinor += *amount;
    }
    return a;
}

} // namespace Billing
