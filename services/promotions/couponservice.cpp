#include "services/promotions/couponservice.h"

#include "services/operations/operationrunner.h"
#include "services/promotions/promotiondiscount.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::CouponService", text); }

Error validation(const QString &message) { return Error::make(Error::Kind::Validation, message); }

QString describe(const CouponDraft &d)
{
    QString off = d.percentOff.isEmpty()
        ? (d.amountOff ? d.amountOff->toDecimalString() + QLatin1Char(' ') + d.amountOff->currency().code() : QString())
        : d.percentOff + QLatin1Char('%');
    QString duration = d.duration;
    if (d.duration == QLatin1String("repeating"))
        duration = tr("for %1 months").arg(d.durationInMonths);
    return tr("Create coupon %1: %2 off, %3").arg(d.name.isEmpty() ? d.id : d.name, off, duration);
}

} // namespace

CouponService::CouponService(StripeClient *client, OperationRunner *runner, AsyncLocalCache *cache, QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_cache(cache)
{
}

CouponService::~CouponService() = default;

Status CouponService::validate(const CouponDraft &d, const QDateTime &now)
{
    if (d.name.trimmed().isEmpty())
        return validation(tr("Give the coupon a name."));
    if (d.name.size() > MaxNameLength)
        return validation(tr("The name is too long (Stripe allows at most %1 characters).").arg(MaxNameLength));
    if (!d.id.isEmpty() && !QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]{1,200}$")).match(d.id).hasMatch())
        return validation(tr("A coupon id may only contain letters, digits, '-' and '_'."));
    const bool percent = !d.percentOff.trimmed().isEmpty();
    if (percent == d.amountOff.has_value())
        return validation(tr("Choose either a percentage or an amount off."));
    if (percent) {
        static const QRegularExpression re(QStringLiteral("^(\\d{1,3})(?:\\.(\\d{1,2}))?$"));
        const auto m = re.match(d.percentOff.trimmed());
        if (!m.hasMatch())
            return validation(tr("The percentage must be a number with at most two decimals, like 25 or 12.5."));
        const int hundredths = m.captured(1).toInt() * 100 + m.captured(2).leftJustified(2, QLatin1Char('0')).toInt();
        if (hundredths <= 0 || hundredths > 10000)
            return validation(tr("The percentage must be more than 0 and at most 100."));
        if (!d.currencyOptions.isEmpty())
            return validation(tr("Amounts in other currencies only apply to an amount-off coupon."));
    } else {
        if (!d.amountOff->isValid() || d.amountOff->minor() <= 0)
            return validation(tr("The amount off must be more than zero."));
        QSet<QString> seen{d.amountOff->currency().code()};
        for (const Money &m : d.currencyOptions) {
            if (!m.isValid() || m.minor() <= 0)
                return validation(tr("Every amount off must be more than zero."));
            if (seen.contains(m.currency().code()))
                return validation(tr("%1 is given twice.").arg(m.currency().code()));
            seen.insert(m.currency().code());
        }
        for (const Money &m : QList<Money>{*d.amountOff} + d.currencyOptions) {
            const int step = m.currency().stripeAmountStep();
            if (step > 1 && m.minor() % step != 0)
                return validation(tr("Stripe only accepts %1 amounts in steps of %2.")
                                      .arg(m.currency().code(), Money(step, m.currency()).toDecimalString()));
        }
    }
    if (d.duration == QLatin1String("repeating")) {
        if (d.durationInMonths < 1)
            return validation(tr("A repeating coupon needs a number of months (1 or more)."));
    } else if (d.duration != QLatin1String("once") && d.duration != QLatin1String("forever")) {
        return validation(tr("The duration must be once, repeating or forever."));
    }
    if (d.maxRedemptions && *d.maxRedemptions < 1)
        return validation(tr("The maximum number of redemptions must be 1 or more."));
    if (d.redeemBy.isValid() && d.redeemBy <= now)
        return validation(tr("The redeem-by date must be in the future."));
    return {};
}

OutboxOperation CouponService::operationFor(const CouponDraft &d)
{
    OutboxOperation op;
    op.operation = QStringLiteral("coupon.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/coupons");
    op.clientOpId = d.clientOpId;
    QJsonObject p{{QStringLiteral("name"), d.name.trimmed()}, {QStringLiteral("duration"), d.duration}};
    if (!d.id.isEmpty())
        p.insert(QStringLiteral("id"), d.id);
    if (!d.percentOff.trimmed().isEmpty()) {
        p.insert(QStringLiteral("percent_off"), d.percentOff.trimmed()); // the exact decimal text
    } else if (d.amountOff) {
        p.insert(QStringLiteral("amount_off"), d.amountOff->minor());
        p.insert(QStringLiteral("currency"), d.amountOff->currency().stripeCode());
        QJsonObject options;
        for (const Money &m : d.currencyOptions)
            options.insert(m.currency().stripeCode(), QJsonObject{{QStringLiteral("amount_off"), m.minor()}});
        if (!options.isEmpty())
            p.insert(QStringLiteral("currency_options"), options);
    }
    if (d.duration == QLatin1String("repeating"))
        p.insert(QStringLiteral("duration_in_months"), d.durationInMonths);
    if (d.maxRedemptions)
        p.insert(QStringLiteral("max_redemptions"), *d.maxRedemptions);
    if (d.redeemBy.isValid())
        p.insert(QStringLiteral("redeem_by"), d.redeemBy.toSecsSinceEpoch());
    op.params = p;
    return op;
}

bool CouponService::supportsCurrency(const Coupon &coupon, const Currency &currency)
{
    if (!coupon.amountOff)
        return true;
    const QString code = currency.stripeCode();
    return coupon.currency.compare(code, Qt::CaseInsensitive) == 0 || coupon.currencyOptionsAmountOff.contains(code);
}

Status CouponService::checkCurrency(const Coupon &coupon, const Currency &currency)
{
    if (supportsCurrency(coupon, currency))
        return {};
    QStringList has{coupon.currency.toUpper()};
    for (auto it = coupon.currencyOptionsAmountOff.cbegin(); it != coupon.currencyOptionsAmountOff.cend(); ++it)
        has << it.key().toUpper();
    return validation(tr("Coupon \"%1\" takes an amount off in %2 only, but this customer pays in %3. "
                         "Add a %3 amount to the coupon or choose another one.")
                          .arg(coupon.name.isEmpty() ? coupon.id : coupon.name, has.join(QLatin1String(", ")), currency.code()));
}

Status CouponService::checkRedeemable(const Coupon &coupon, const QDateTime &now)
{
    const QString label = coupon.name.isEmpty() ? coupon.id : coupon.name;
    if (coupon.redeemBy.isValid() && coupon.redeemBy <= now)
        return validation(tr("Coupon \"%1\" expired on %2.").arg(label, QLocale().toString(coupon.redeemBy.toLocalTime(), QLocale::ShortFormat)));
    if (coupon.maxRedemptions && coupon.timesRedeemed >= *coupon.maxRedemptions)
        return validation(tr("Coupon \"%1\" has been redeemed %2 times, its maximum.").arg(label).arg(coupon.timesRedeemed));
    if (!coupon.valid)
        return validation(tr("Coupon \"%1\" can no longer be redeemed.").arg(label));
    return {};
}

void CouponService::create(const CouponDraft &draft, QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    if (Status st = validate(draft); !st)
        return PromotionDiscount::failLater(context, queued, st.error());
    if (!m_runner)
        return PromotionDiscount::failLater(context, queued, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    OperationRequest req;
    req.permission = Permission::ManagePromotions;
    CouponDraft d = draft;
    if (d.clientOpId.isEmpty())
        d.clientOpId = QStringLiteral("coupon:%1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
    req.outbox = operationFor(d);
    req.targetType = QStringLiteral("coupon");
    req.targetId = d.id.isEmpty() ? d.name.trimmed() : d.id;
    req.beforeSummary = tr("No such coupon yet");
    req.intentSummary = describe(d);
    m_runner->submit(req, context, std::move(queued));
}

void CouponService::list(QObject *context, std::function<void(Result<QList<Coupon>>)> handler)
{
    auto out = std::make_shared<QList<Coupon>>();
    auto failure = std::make_shared<std::optional<Error>>();
    if (!m_client) {
        QMetaObject::invokeMethod(context, [handler] { handler(Error::make(Error::Kind::Cancelled, tr("The console is shutting down."))); },
                                  Qt::QueuedConnection);
        return;
    }
    // Lists leave currency_options out unless expanded (as Stripe does).
    m_client->listAll(
        QStringLiteral("/v1/coupons"),
        FormValue::object({{QStringLiteral("expand"), FormValue::array({QStringLiteral("data.currency_options")})}}), context,
        [out, failure](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                Result<Coupon> c = StripeParser::coupon(v.toObject());
                if (c)
                    out->append(c.value());
                else if (!*failure)
                    *failure = c.error();
            }
            return true;
        },
        [out, handler](Status st) {
            if (!st)
                return handler(st.error());
            handler(*out);
        });
}

void CouponService::fetch(const QString &couponId, QObject *context, std::function<void(Result<Coupon>)> handler)
{
    if (!m_client) {
        QMetaObject::invokeMethod(context, [handler] { handler(Error::make(Error::Kind::Cancelled, tr("The console is shutting down."))); },
                                  Qt::QueuedConnection);
        return;
    }
    StripeRequestOptions options;
    options.expand = QStringList{QStringLiteral("currency_options")};
    m_client->request(QStringLiteral("GET"), QStringLiteral("/v1/coupons/") + couponId, {}, options, context,
                      [handler](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        handler(StripeParser::coupon(r.value()));
    });
}

void CouponService::applyToSubscription(const QString &subscriptionId, const QString &couponId, const QString &clientOpId,
                                        QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    if (couponId.trimmed().isEmpty())
        return PromotionDiscount::failLater(context, queued, validation(tr("Choose a coupon.")));
    if (!m_client)
        return PromotionDiscount::failLater(context, queued, Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
    QPointer<CouponService> self(this);
    PromotionDiscount::loadTarget(m_client, subscriptionId, context,
                                  [self, couponId, clientOpId, context, queued](Result<DiscountTarget> target) {
        if (!target)
            return queued(target.error());
        if (!self)
            return queued(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
        self->fetch(couponId, context, [self, target = target.value(), clientOpId, context, queued](Result<Coupon> coupon) {
            if (!coupon)
                return queued(coupon.error());
            if (Status st = checkRedeemable(coupon.value()); !st)
                return queued(st.error());
            if (Status st = checkCurrency(coupon.value(), target.currency); !st)
                return queued(st.error());
            if (!self)
                return queued(Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")));
            const Coupon &c = coupon.value();
            PromotionDiscount::submit(self->m_runner, target, QJsonObject{{QStringLiteral("coupon"), c.id}},
                                      tr("coupon %1").arg(c.name.isEmpty() ? c.id : c.name), clientOpId, context, queued);
        });
    });
}

} // namespace Billing
