#include "services/access/accesspolicy.h"

#include "services/platform/logging.h"

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::AccessPolicy", text); }

// "A support agent", as the subject of a refusal.
QString roleSubject(StaffRole role)
{
    switch (role) {
    case StaffRole::Admin: return tr("An administrator");
    case StaffRole::Finance: return tr("A finance profile");
    case StaffRole::Support: return tr("A support agent");
    case StaffRole::ReadOnly: return tr("A read-only profile");
    }
    return tr("This profile");
}

// "refund payments", what the role cannot do.
QString action(Permission permission)
{
    switch (permission) {
    case Permission::ViewData: return tr("view billing data");
    case Permission::ChangePlan: return tr("change subscription plans");
    case Permission::CancelSubscription: return tr("cancel subscriptions");
    case Permission::PauseSubscription: return tr("pause or resume subscriptions");
    case Permission::ManageTrial: return tr("change trials");
    case Permission::Refund: return tr("refund payments");
    case Permission::IssueCreditNote: return tr("issue credit notes");
    case Permission::ApplyCredit: return tr("apply customer credit");
    case Permission::InvoiceActions: return tr("finalize, send or charge invoices");
    case Permission::WriteOff: return tr("void invoices or write them off");
    case Permission::ChangePrices: return tr("change prices");
    case Permission::ManageSeasonalPlans: return tr("manage seasonal plans");
    case Permission::ManageStaff: return tr("manage staff");
    case Permission::ManageSettings: return tr("change workspace settings");
    case Permission::EditCustomer: return tr("edit customers");
    case Permission::ManagePaymentMethods: return tr("manage payment methods");
    case Permission::ManagePaymentTerms: return tr("change payment terms");
    case Permission::RecordOfflinePayment: return tr("record offline payments");
    case Permission::WorkDunning: return tr("work the dunning queue");
    case Permission::ManageDunningRules: return tr("change dunning rules");
    case Permission::ManageBudgets: return tr("manage budgets and alerts");
    case Permission::ManageFxRates: return tr("change exchange rates");
    case Permission::ManagePromotions: return tr("manage coupons, promotion codes and referrals");
    case Permission::ApproveCustomPricing: return tr("approve custom pricing");
    }
    return tr("do this");
}

QString amountText(const Money &amount)
{
    return amount.toDecimalString() + QLatin1Char(' ') + amount.currency().code();
}

// The support limit for one currency (role check already passed).
Status checkLimit(const Actor &actor, const Money &amount, const QMap<QString, qint64> &limits, Permission permission,
                  const QString &limitKind)
{
    if (actor.role != StaffRole::Support)
        return {}; // admin and finance: no amount limit
    if (!amount.isValid())
        return Error::make(Error::Kind::Validation, tr("The amount has no currency."));
    if (amount.isNegative())
        return Error::make(Error::Kind::Validation, tr("The amount cannot be negative."));
    const QString cur = amount.currency().stripeCode();
    const auto it = limits.constFind(cur);
    if (it == limits.constEnd()) {
        Error e = Error::make(Error::Kind::Unauthorized,
                              tr("A support agent cannot %1 in %2: no %3 limit is set for this currency, so it "
                                 "needs the finance role.")
                                  .arg(action(permission), amount.currency().code(), limitKind));
        e.detail = QStringLiteral("%1: %2 %3 refused, no support limit for %4")
                       .arg(actor.tag(), permissionName(permission), amountText(amount), cur);
        return e;
    }
    if (amount.minor() > it.value()) {
        const Money limit(it.value(), amount.currency());
        Error e = Error::make(Error::Kind::Unauthorized,
                              tr("A support agent can %1 up to %2; %3 needs the finance role.")
                                  .arg(action(permission), amountText(limit), amountText(amount)));
        e.detail = QStringLiteral("%1: %2 %3 refused, above the support limit %4")
                       .arg(actor.tag(), permissionName(permission), amountText(amount), amountText(limit));
        return e;
    }
    return {};
}

} // namespace

QString permissionName(Permission permission)
{
    switch (permission) {
    case Permission::ViewData: return QStringLiteral("view_data");
    case Permission::ChangePlan: return QStringLiteral("change_plan");
    case Permission::CancelSubscription: return QStringLiteral("cancel_subscription");
    case Permission::PauseSubscription: return QStringLiteral("pause_subscription");
    case Permission::ManageTrial: return QStringLiteral("manage_trial");
    case Permission::Refund: return QStringLiteral("refund");
    case Permission::IssueCreditNote: return QStringLiteral("issue_credit_note");
    case Permission::ApplyCredit: return QStringLiteral("apply_credit");
    case Permission::InvoiceActions: return QStringLiteral("invoice_actions");
    case Permission::WriteOff: return QStringLiteral("write_off");
    case Permission::ChangePrices: return QStringLiteral("change_prices");
    case Permission::ManageSeasonalPlans: return QStringLiteral("manage_seasonal_plans");
    case Permission::ManageStaff: return QStringLiteral("manage_staff");
    case Permission::ManageSettings: return QStringLiteral("manage_settings");
    case Permission::EditCustomer: return QStringLiteral("edit_customer");
    case Permission::ManagePaymentMethods: return QStringLiteral("manage_payment_methods");
    case Permission::ManagePaymentTerms: return QStringLiteral("manage_payment_terms");
    case Permission::RecordOfflinePayment: return QStringLiteral("record_offline_payment");
    case Permission::WorkDunning: return QStringLiteral("work_dunning");
    case Permission::ManageDunningRules: return QStringLiteral("manage_dunning_rules");
    case Permission::ManageBudgets: return QStringLiteral("manage_budgets");
    case Permission::ManageFxRates: return QStringLiteral("manage_fx_rates");
    case Permission::ManagePromotions: return QStringLiteral("manage_promotions");
    case Permission::ApproveCustomPricing: return QStringLiteral("approve_custom_pricing");
    }
    return QStringLiteral("unknown");
}

bool AccessPolicy::allows(StaffRole role, Permission permission)
{
    switch (permission) {
    case Permission::ViewData: return true;
    case Permission::ChangePlan:
    case Permission::CancelSubscription:
    case Permission::PauseSubscription:
    case Permission::ManageTrial:
    case Permission::Refund:
    case Permission::IssueCreditNote:
    case Permission::ApplyCredit:
    case Permission::InvoiceActions:
    case Permission::ManageSeasonalPlans:
    case Permission::EditCustomer:
    case Permission::ManagePaymentMethods:
    case Permission::WorkDunning:
    case Permission::ManageBudgets:
        return role == StaffRole::Admin || role == StaffRole::Finance || role == StaffRole::Support;
    case Permission::WriteOff:
    case Permission::ManagePaymentTerms:
    case Permission::RecordOfflinePayment:
    case Permission::ManageDunningRules:
    case Permission::ManageFxRates:
    case Permission::ManagePromotions:
    case Permission::ApproveCustomPricing:
    case Permission::ChangePrices: return role == StaffRole::Admin || role == StaffRole::Finance;
    case Permission::ManageStaff:
    case Permission::ManageSettings: return role == StaffRole::Admin;
    }
    return false;
}

Status AccessPolicy::check(const Actor &actor, Permission permission) const
{
    if (allows(actor.role, permission))
        return {};
    Error e = Error::make(Error::Kind::Unauthorized,
                          tr("%1 cannot %2.").arg(roleSubject(actor.role), action(permission)));
    e.detail = QStringLiteral("%1 (%2) refused %3").arg(actor.tag(), staffRoleName(actor.role), permissionName(permission));
    return e;
}

Status AccessPolicy::checkRefund(const Actor &actor, const Money &amount) const
{
    if (Status s = check(actor, Permission::Refund); !s)
        return s;
    return checkLimit(actor, amount, m_limits.supportRefundMinor, Permission::Refund, tr("refund"));
}

Status AccessPolicy::checkCredit(const Actor &actor, const Money &amount) const
{
    if (Status s = check(actor, Permission::ApplyCredit); !s)
        return s;
    return checkLimit(actor, amount, m_limits.supportCreditMinor, Permission::ApplyCredit, tr("credit"));
}

AccessPolicy::Limits AccessPolicy::limitsFromSettings(const QList<WorkspaceSetting> &settings)
{
    static const QString refundPrefix = QStringLiteral("limit.refund.");
    static const QString creditPrefix = QStringLiteral("limit.credit.");
    Limits limits;
    for (const WorkspaceSetting &s : settings) {
        QMap<QString, qint64> *target = nullptr;
        QString cur;
        if (s.key.startsWith(refundPrefix)) {
            target = &limits.supportRefundMinor;
            cur = s.key.mid(refundPrefix.size());
        } else if (s.key.startsWith(creditPrefix)) {
            target = &limits.supportCreditMinor;
            cur = s.key.mid(creditPrefix.size());
        } else {
            continue;
        }
        const auto currency = Currency::fromCode(cur);
        const QString value = s.value.trimmed();
        bool ok = false;
        const qint64 minor = value.toLongLong(&ok);
        // Integers only: "500.00" or "5e4" would be guesses about the unit.
        bool digitsOnly = !value.isEmpty();
        for (QChar c : value)
            digitsOnly = digitsOnly && c.isDigit() && c.unicode() < 128;
        if (!currency || !ok || !digitsOnly || minor < 0) {
            Logging::logger("app")->warn("workspace setting {} = '{}' ignored: the key needs a currency code "
                                         "(limit.refund.usd) and the value a whole number of minor units",
                                         s.key.toStdString(), s.value.toStdString());
            continue;
        }
        target->insert(currency->stripeCode(), minor);
    }
    return limits;
}

} // namespace Billing
