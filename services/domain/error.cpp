#include "services/domain/error.h"

namespace Billing {

QString Error::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Network: return QStringLiteral("network");
    case Kind::Timeout: return QStringLiteral("timeout");
    case Kind::Unauthorized: return QStringLiteral("unauthorized");
    case Kind::NotFound: return QStringLiteral("not_found");
    case Kind::Conflict: return QStringLiteral("conflict");
    case Kind::Validation: return QStringLiteral("validation");
    case Kind::CardDeclined: return QStringLiteral("card_declined");
    case Kind::RateLimited: return QStringLiteral("rate_limited");
    case Kind::Server: return QStringLiteral("server");
    case Kind::Database: return QStringLiteral("database");
    case Kind::Cancelled: return QStringLiteral("cancelled");
    case Kind::InvalidResponse: return QStringLiteral("invalid_response");
    }
    return QStringLiteral("unknown");
}

} // namespace Billing
