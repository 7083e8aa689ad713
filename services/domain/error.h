#pragma once

#include <QString>

namespace Billing {

// What went wrong, for code (kind, status) and for people (userMessage, already translated).
// detail is for the log only and may name internals; userMessage never does.
struct Error
{
    enum class Kind {
        Network,         // connection refused, reset, DNS, TLS
        Timeout,         // no answer in time
        Unauthorized,    // bad or revoked API key, missing role
        NotFound,
        Conflict,        // optimistic-concurrency clash, idempotency key reused, lock timeout
        Validation,      // bad input: rejected before anything was sent or written
        CardDeclined,    // Stripe card_error
        RateLimited,     // 429
        Server,          // 5xx from Stripe
        Database,        // SQL error, corrupt file, refused connection
        Cancelled,       // the user or the caller stopped it
        InvalidResponse, // malformed JSON, truncated body, a proxy's HTML page, missing fields
    };

    Kind kind = Kind::Server;
    int httpStatus = 0;
    QString requestId;   // Stripe's Request-Id header, when there was a response
    QString detail;      // for the log
    QString userMessage; // for the UI and CLI: plain words, tr()'d
    QString stripeType;  // error.type from Stripe (card_error, invalid_request_error, ...)
    QString stripeCode;  // error.code
    QString declineCode; // error.decline_code for card errors
    QString param;       // error.param for invalid_request_error

    static Error make(Kind kind, QString userMessage, QString detail = {})
    {
        Error e;
        e.kind = kind;
        e.userMessage = std::move(userMessage);
        e.detail = detail.isEmpty() ? e.userMessage : std::move(detail);
        return e;
    }

    // Short machine name of the kind ("network", "card_declined", ...), for logs and the CLI.
    static QString kindName(Kind kind);
};

} // namespace Billing
