#pragma once

#include "services/access/actor.h"
#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QMap>
#include <QString>

namespace Billing {

// What a role may do. Enforced here, in the service layer, whatever the UI shows.
enum class Permission {
    ViewData,           // every role
    ChangePlan,         // admin, finance, support
    CancelSubscription, // admin, finance, support
    PauseSubscription,  // admin, finance, support
    ManageTrial,        // admin, finance, support
    Refund,             // admin, finance, support (support up to the refund limit)
    IssueCreditNote,    // admin, finance, support (as refunds)
    ApplyCredit,        // admin, finance, support (support up to the credit limit)
    InvoiceActions,     // finalize, send, pay now: admin, finance, support
    WriteOff,           // void, mark uncollectible: admin, finance
    ChangePrices,       // catalog and custom pricing: admin, finance
    ManageSeasonalPlans,// admin, finance, support
    ManageStaff,        // admin
    ManageSettings,     // admin
    EditCustomer,       // customer details (name, email, address, metadata): admin, finance, support
    ManagePaymentMethods, // set default, detach, send an add-method link: admin, finance, support
    ManagePaymentTerms, // collection method, Net terms, PO numbers, ACH/wire, installments: admin, finance
    RecordOfflinePayment, // mark an invoice paid out of band (wire, cheque): admin, finance
    WorkDunning,        // dunning queue: retry now, contact, notes, owner, escalate: admin, finance, support
    ManageDunningRules, // retry policy and automation rules: admin, finance
    ManageBudgets,      // budgets, thresholds, alert acknowledge/snooze: admin, finance, support
    ManageFxRates,      // the dated FX-rate table: admin, finance
    ManagePromotions,   // coupons, promotion codes, referral rules: admin, finance
    ApproveCustomPricing, // approve a negotiated price above the discount limit: admin, finance
};

QString permissionName(Permission permission); // "refund", "change_plan", ...

// Role rules plus the amount limits above which support needs finance. Limits are per currency in
// minor units (workspace settings "limit.refund.<cur>" / "limit.credit.<cur>"); a currency without a
// limit means support may not do it at all for that currency.
class AccessPolicy final
{
public:
    struct Limits
    {
        QMap<QString, qint64> supportRefundMinor; // lower-case currency -> max minor units
        QMap<QString, qint64> supportCreditMinor;
    };

    AccessPolicy() = default;
    explicit AccessPolicy(Limits limits) : m_limits(std::move(limits)) {}

    static bool allows(StaffRole role, Permission permission);
    // Unauthorized with a plain userMessage ("A support agent cannot change prices.") when refused.
    Status check(const Actor &actor, Permission permission) const;
    // Refund/credit note: role check plus the support limit for the amount's currency.
    Status checkRefund(const Actor &actor, const Money &amount) const;
    Status checkCredit(const Actor &actor, const Money &amount) const;

    const Limits &limits() const { return m_limits; }
    // Reads the limits from workspace settings rows (key "limit.refund.usd" = "50000").
    static Limits limitsFromSettings(const QList<WorkspaceSetting> &settings);

private:
    Limits m_limits;
};

} // namespace Billing
