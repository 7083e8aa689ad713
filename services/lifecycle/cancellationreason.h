#pragma once

#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace Billing {

// Why a customer leaves: exactly Stripe's cancellation_details.feedback values (stripe-node 23.1.0,
// SubscriptionUpdateParams.CancellationDetails.Feedback). Sent to Stripe by name.
enum class CancellationReason {
    CustomerService,
    LowQuality,
    MissingFeatures,
    Other,
    SwitchedService,
    TooComplex,
    TooExpensive,
    Unused,
};

QList<CancellationReason> allCancellationReasons();
QString cancellationReasonName(CancellationReason reason);  // "too_expensive" (Stripe's value)
QString cancellationReasonLabel(CancellationReason reason); // "Too expensive" (tr'd, for people)
std::optional<CancellationReason> cancellationReasonFromName(QStringView name);

} // namespace Billing
