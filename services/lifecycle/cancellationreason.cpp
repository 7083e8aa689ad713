#include "services/lifecycle/cancellationreason.h"

#include <QCoreApplication>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::CancellationReason", text); }
} // namespace

QList<CancellationReason> allCancellationReasons()
{
    return {CancellationReason::TooExpensive,   CancellationReason::Unused,     CancellationReason::MissingFeatures,
            CancellationReason::SwitchedService, CancellationReason::TooComplex, CancellationReason::LowQuality,
            CancellationReason::CustomerService, CancellationReason::Other};
}

QString cancellationReasonName(CancellationReason reason)
{
    switch (reason) {
    case CancellationReason::CustomerService: return QStringLiteral("customer_service");
    case CancellationReason::LowQuality: return QStringLiteral("low_quality");
    case CancellationReason::MissingFeatures: return QStringLiteral("missing_features");
    case CancellationReason::Other: return QStringLiteral("other");
    case CancellationReason::SwitchedService: return QStringLiteral("switched_service");
    case CancellationReason::TooComplex: return QStringLiteral("too_complex");
    case CancellationReason::TooExpensive: return QStringLiteral("too_expensive");
    case CancellationReason::Unused: return QStringLiteral("unused");
    }
    return QStringLiteral("other");
}

QString cancellationReasonLabel(CancellationReason reason)
{
    switch (reason) {
    case CancellationReason::CustomerService: return tr("Unhappy with customer service");
    case CancellationReason::LowQuality: return tr("Quality was lower than expected");
    case CancellationReason::MissingFeatures: return tr("Missing features");
    case CancellationReason::Other: return tr("Other reason");
    case CancellationReason::SwitchedService: return tr("Switched to another service");
    case CancellationReason::TooComplex: return tr("Too complex to use");
    case CancellationReason::TooExpensive: return tr("Too expensive");
    case CancellationReason::Unused: return tr("Not using it enough");
    }
    return tr("Other reason");
}

std::optional<CancellationReason> cancellationReasonFromName(QStringView name)
{
    for (CancellationReason r : allCancellationReasons()) {
        if (name == cancellationReasonName(r))
            return r;
    }
    return std::nullopt;
}

} // namespace Billing
