#pragma once

#include <QList>
#include <QString>
#include <QStringView>

namespace Billing {

// How a decline behaves under retries.
//  Soft                 temporary: the same card may succeed later (insufficient_funds,
//                       processing_error, ...)
//  NeedsPaymentMethod   the card as stored cannot succeed (expired, wrong number or CVC); retrying
//                       the same card is pointless, a new payment method fixes it
//  Hard                 the issuer or Stripe says never again for this card (lost, stolen, fraud,
//                       revoked authorization): no automatic retry at all, ever
enum class DeclineClass { Soft, NeedsPaymentMethod, Hard };
QString declineClassName(DeclineClass cls); // "soft", "needs_payment_method", "hard"

// One row of Stripe's decline-code reference (docs.stripe.com/declines/codes), with a meaning in
// plain words for support staff and the class the retry engine uses. Codes Stripe puts on its list
// of non-retryable decline codes for Smart Retries are Hard or NeedsPaymentMethod here.
struct DeclineCodeInfo
{
    QString code;        // Stripe's decline_code (or the error code when there is no decline_code)
    QString meaning;     // plain words (translated)
    QString nextStep;    // what the agent or the customer should do (translated)
    DeclineClass cls = DeclineClass::Soft;
    int maxRetries = -1; // retries of the same card the engine allows; -1 = policy maximum
};

// Stripe's decline codes. Pure data; thread-safe.
class DeclineCodes final
{
public:
    // Every known code, in Stripe's reference order.
    static QList<DeclineCodeInfo> all();
    // The row for a code; an unknown code gets a Soft row with a generic meaning and
    // maxRetries 2 (treated like generic_decline, but with fewer tries).
    static DeclineCodeInfo lookup(QStringView code);
    static bool isKnown(QStringView code);
    // The code to reason about for a failed attempt: decline_code when present, else the error
    // code (expired_card, incorrect_cvc, processing_error come without a decline_code).
    static QString effectiveCode(const QString &declineCode, const QString &failureCode);
};

} // namespace Billing
