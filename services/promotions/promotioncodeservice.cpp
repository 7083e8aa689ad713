#include "services/promotions/promotioncodeservice.h"

#include "services/operations/operationrunner.h"
#include "services/promotions/couponservice.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QLocale>
#include <QRegularExpression>
#include <QUuid>

#include <memory>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::PromotionCodeService", text); }

Error validation(const QString &message) { return Error::make(Error::Kind::Validation, message); }

Error cancelled() { return Error::make(Error::Kind::Cancelled, tr("The console is shutting down.")); }

} // namespace

PromotionCodeService::PromotionCodeService(StripeClient *client, OperationRunner *runner, CouponService *coupons,
                                           QObject *parent)
    : QObject(parent), m_client(client), m_runner(runner), m_coupons(coupons)
{
}

PromotionCodeService::~PromotionCodeService() = default;

Status PromotionCodeService::validate(const PromotionCodeDraft &d, const QDateTime &now)
{
    if (d.couponId.trimmed().isEmpty())
        return validation(tr("Choose the coupon this code redeems."));
    if (!d.code.isEmpty() && !QRegularExpression(QStringLiteral("^[A-Za-z0-9]{1,500}$")).match(d.code).hasMatch())
        return validation(tr("A promotion code may only contain letters and digits (no spaces)."));
    if (!d.customerId.isEmpty() && !d.customerId.startsWith(QLatin1String("cus_")))
        return validation(tr("That is not a customer id."));
    if (d.minimumAmount) {
        if (!d.minimumAmount->isValid() || d.minimumAmount->minor() <= 0)
            return validation(tr("The minimum amount must be more than zero."));
    }
    if (d.expiresAt.isValid() && d.expiresAt <= now)
        return validation(tr("The expiry must be in the future."));
    if (d.maxRedemptions && *d.maxRedemptions < 1)
        return validation(tr("The maximum number of redemptions must be 1 or more."));
    return {};
}

OutboxOperation PromotionCodeService::operationFor(const PromotionCodeDraft &d)
{
    OutboxOperation op;
    op.operation = QStringLiteral("promotion_code.create");
    op.method = QStringLiteral("POST");
    op.path = QStringLiteral("/v1/promotion_codes");
    op.clientOpId = d.clientOpId;
    QJsonObject p{{QStringLiteral("promotion"),
                   QJsonObject{{QStringLiteral("type"), QStringLiteral("coupon")}, {QStringLiteral("coupon"), d.couponId.trimmed()}}}};
    if (!d.code.isEmpty())
        p.insert(QStringLiteral("code"), d.code);
    if (!d.customerId.isEmpty())
        p.insert(QStringLiteral("customer"), d.customerId);
    if (d.expiresAt.isValid())
        p.insert(QStringLiteral("expires_at"), d.expiresAt.toSecsSinceEpoch());
    if (d.maxRedemptions)
        p.insert(QStringLiteral("max_redemptions"), *d.maxRedemptions);
    QJsonObject restrictions;
    if (d.firstTimeTransaction)
        restrictions.insert(QStringLiteral("first_time_transaction"), true);
    if (d.minimumAmount) {
        restrictions.insert(QStringLiteral("minimum_amount"), d.minimumAmount->minor());
        restrictions.insert(QStringLiteral("minimum_amount_currency"), d.minimumAmount->currency().stripeCode());
    }
    if (!restrictions.isEmpty())
        p.insert(QStringLiteral("restrictions"), restrictions);
    op.params = p;
    return op;
}

Status PromotionCodeService::checkRestrictions(const PromotionCode &code, const Coupon &coupon, const DiscountTarget &target,
                                               const PromotionCheck &check, const QDateTime &now)
{
    const QLocale locale;
    if (!code.active)
        return validation(tr("Promotion code %1 is not active.").arg(code.code));
    if (code.expiresAt.isValid() && code.expiresAt <= now)
        return validation(tr("Promotion code %1 expired on %2.").arg(code.code, locale.toString(code.expiresAt.toLocalTime(), QLocale::ShortFormat)));
    if (code.maxRedemptions && code.timesRedeemed >= *code.maxRedemptions)
        return validation(tr("Promotion code %1 has been redeemed %2 times, its maximum.").arg(code.code).arg(code.timesRedeemed));
    if (!code.customerId.isEmpty() && code.customerId != target.customerId)
        return validation(tr("Promotion code %1 is reserved for another customer.").arg(code.code));
    if (code.firstTimeTransaction && !check.firstTimeCustomer)
        return validation(tr("Promotion code %1 is for first-time customers only, and this customer has already paid an invoice.").arg(code.code));
    if (code.minimumAmount) {
        const std::optional<Currency> cur = Currency::fromCode(code.minimumAmountCurrency);
        if (!cur || *cur != target.currency)
            return validation(tr("Promotion code %1 needs a minimum order in %2, but this subscription is in %3.")
                                  .arg(code.code, code.minimumAmountCurrency.toUpper(), target.currency.code()));
        if (target.recurringMinor < *code.minimumAmount) {
            return validation(tr("Promotion code %1 needs an amount of at least %2; this subscription comes to %3 per period.")
                                  .arg(code.code, Money(*code.minimumAmount, *cur).toLocaleString(locale),
                                       Money(target.recurringMinor, target.currency).toLocaleString(locale)));
        }
    }
    if (Status st = CouponService::checkRedeemable(coupon, now); !st)
        return st;
    return CouponService::checkCurrency(coupon, target.currency);
}

void PromotionCodeService::create(const PromotionCodeDraft &draft, QObject *context, std::function<void(Result<OutboxEntry>)> queued)
{
    if (Status st = validate(draft); !st)
        return PromotionDiscount::failLater(context, queued, st.error());
    if (!m_runner)
        return PromotionDiscount::failLater(context, queued, cancelled());
    PromotionCodeDraft d = draft;
    if (d.clientOpId.isEmpty())
        d.clientOpId = QStringLiteral("promotion_code:%1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
    OperationRequest req;
    req.permission = Permission::ManagePromotions;
    req.outbox = operationFor(d);
    req.targetType = QStringLiteral("coupon");
    req.targetId = d.couponId;
    req.beforeSummary = tr("No such promotion code yet");
    QStringList rules;
    if (!d.customerId.isEmpty())
        rules << tr("customer %1 only").arg(d.customerId);
    if (d.firstTimeTransaction)
        rules << tr("first-time customers");
    if (d.minimumAmount)
        rules << tr("minimum %1 %2").arg(d.minimumAmount->toDecimalString(), d.minimumAmount->currency().code());
    if (d.maxRedemptions)
        rules << tr("at most %1 redemptions").arg(*d.maxRedemptions);
    if (d.expiresAt.isValid())
        rules << tr("expires %1").arg(d.expiresAt.toString(Qt::ISODate));
    req.intentSummary = tr("Create promotion code %1 for coupon %2%3")
                            .arg(d.code.isEmpty() ? tr("(generated)") : d.code, d.couponId,
                                 rules.isEmpty() ? QString() : QStringLiteral(" (") + rules.join(QLatin1String(", ")) + QLatin1Char(')'));
    m_runner->submit(req, context, std::move(queued));
}

void PromotionCodeService::list(const QString &couponId, QObject *context, std::function<void(Result<QList<PromotionCode>>)> handler)
{
    if (!m_client) {
        QMetaObject::invokeMethod(context, [handler] { handler(cancelled()); }, Qt::QueuedConnection);
        return;
    }
    auto out = std::make_shared<QList<PromotionCode>>();
    FormParams params = couponId.isEmpty() ? FormParams{} : FormValue::object({{QStringLiteral("coupon"), couponId}});
    m_client->listAll(
        QStringLiteral("/v1/promotion_codes"), params, context,
        [out](const QJsonArray &page) {
            for (const QJsonValue &v : page) {
                if (Result<PromotionCode> c = StripeParser::promotionCode(v.toObject()))
                    out->append(c.value());
            }
            return true;
        },
        [out, handler](Status st) {
            if (!st)
                return handler(st.error());
            handler(*out);
        });
}

void PromotionCodeService::findCode(const QString &codeOrId, QObject *context, std::function<void(Result<PromotionCode>)> handler)
{
    if (codeOrId.startsWith(QLatin1String("promo_"))) {
        m_client->get(QStringLiteral("/v1/promotion_codes/") + codeOrId, {}, context, [handler](Result<QJsonObject> r) {
            if (!r)
                return handler(r.error());
            handler(StripeParser::promotionCode(r.value()));
        });
        return;
    }
    FormParams params = FormValue::object({{QStringLiteral("code"), codeOrId}, {QStringLiteral("limit"), 10}});
    m_client->get(QStringLiteral("/v1/promotion_codes"), params, context, [handler, codeOrId](Result<QJsonObject> r) {
        if (!r)
            return handler(r.error());
        const QJsonArray data = r->value(QLatin1String("data")).toArray();
        // An inactive code may share its text with the active one: prefer the active.
        std::optional<PromotionCode> found;
        for (const QJsonValue &v : data) {
            Result<PromotionCode> c = StripeParser::promotionCode(v.toObject());
            if (c && (!found || (c->active && !found->active)))
                found = c.value();
        }
        if (!found)
            return handler(Error::make(Error::Kind::Validation, tr("There is no promotion code %1.").arg(codeOrId)));
        handler(*found);
    });
}

void PromotionCodeService::applyToSubscription(const QString &subscriptionId, const QString &promotionCodeOrId,
                                               const QString &clientOpId, QObject *context,
                                               std::function<void(Result<OutboxEntry>)> queued)
{
    const QString codeText = promotionCodeOrId.trimmed();
    if (codeText.isEmpty())
        return PromotionDiscount::failLater(context, queued, validation(tr("Enter a promotion code.")));
    if (!m_client || !m_coupons)
        return PromotionDiscount::failLater(context, queued, cancelled());
    QPointer<PromotionCodeService> self(this);
    struct State
    {
        DiscountTarget target;
        PromotionCode code;
        Coupon coupon;
        PromotionCheck check;
    };
    auto state = std::make_shared<State>();
    PromotionDiscount::loadTarget(m_client, subscriptionId, context, [=](Result<DiscountTarget> target) {
        if (!target)
            return queued(target.error());
        if (!self)
            return queued(cancelled());
        state->target = target.value();
        self->findCode(codeText, context, [=](Result<PromotionCode> code) {
            if (!code)
                return queued(code.error());
            if (!self || !self->m_coupons)
                return queued(cancelled());
            state->code = code.value();
            self->m_coupons->fetch(state->code.couponId, context, [=](Result<Coupon> coupon) {
                if (!coupon)
                    return queued(coupon.error());
                if (!self)
                    return queued(cancelled());
                state->coupon = coupon.value();
                auto finish = [=] {
                    if (Status st = checkRestrictions(state->code, state->coupon, state->target, state->check); !st)
                        return queued(st.error());
                    if (!self)
                        return queued(cancelled());
                    PromotionDiscount::submit(self->m_runner, state->target,
                                              QJsonObject{{QStringLiteral("promotion_code"), state->code.id}},
                                              tr("promotion code %1").arg(state->code.code), clientOpId, context, queued);
                };
                if (!state->code.firstTimeTransaction)
                    return finish();
                // First-time only: a customer with any paid invoice has transacted before.
                FormParams params = FormValue::object({{QStringLiteral("customer"), state->target.customerId},
                                                       {QStringLiteral("status"), QStringLiteral("paid")},
                                                       {QStringLiteral("limit"), 1}});
                self->m_client->get(QStringLiteral("/v1/invoices"), params, context, [=](Result<QJsonObject> r) {
                    if (!r)
                        return queued(r.error());
                    state->check.firstTimeCustomer = r->value(QLatin1String("data")).toArray().isEmpty();
                    finish();
                });
            });
        });
    });
}

} // namespace Billing
