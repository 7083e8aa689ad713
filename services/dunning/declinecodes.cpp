#include "services/dunning/declinecodes.h"

#include <QCoreApplication>
#include <QHash>

namespace Billing {

namespace {

struct Row
{
    const char *code;
    const char *meaning;
    const char *nextStep;
    DeclineClass cls;
    int maxRetries;
};

constexpr DeclineClass S = DeclineClass::Soft;
constexpr DeclineClass N = DeclineClass::NeedsPaymentMethod;
constexpr DeclineClass H = DeclineClass::Hard;

// From Stripe's decline-code reference (docs.stripe.com/declines/codes) and its list of
// non-retryable decline codes for Smart Retries (docs.stripe.com/billing/revenue-recovery/
// smart-retries): lost, stolen, pickup, fraud, revoked authorizations, do_not_try_again, invalid
// accounts are never retried; codes that mean "this card as stored cannot work" need a new
// payment method first. do_not_honor is the issuer's catch-all: a couple of tries at most.
const Row Rows[] = {
    {"approve_with_id", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank could not authorize the payment"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry; if it fails again the customer calls the bank."), S, 2},
    {"authentication_required", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The customer must authenticate (3-D Secure)"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Send the hosted invoice so the customer can authenticate."), N, 0},
    {"call_issuer", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The customer must call the bank"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to call their bank, then retry."), N, 0},
    {"card_not_supported", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card does not support this kind of payment"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for another card."), N, 0},
    {"card_velocity_exceeded", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card's spending limit was reached"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry after the limit resets (next day or month)."), S, -1},
    {"currency_not_supported", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card does not support this currency"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for another card."), N, 0},
    {"do_not_honor", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Declined by the bank without a reason"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry once or twice; then the customer calls the bank."), S, 2},
    {"do_not_try_again", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank says: do not retry"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another payment method."), H, 0},
    {"duplicate_transaction", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "An identical payment was just made"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Check whether the invoice was already paid."), N, 0},
    {"expired_card", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card has expired"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for an updated card."), N, 0},
    {"fraudulent", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Suspected fraud"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; review the account before contacting the customer."), H, 0},
    {"generic_decline", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Declined by the bank without a reason"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry a few times, spaced out."), S, -1},
    {"incorrect_cvc", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The security code is wrong"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to re-enter the card."), N, 0},
    {"incorrect_number", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card number is wrong"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to re-enter the card."), N, 0},
    {"incorrect_zip", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The postal code is wrong"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to correct the billing address."), N, 0},
    {"insufficient_funds", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Not enough money on the card"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry around pay day; offer another card."), S, -1},
    {"invalid_account", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card or account is invalid"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another payment method."), H, 0},
    {"invalid_amount", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The amount is not allowed for this card"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to call their bank."), N, 0},
    {"issuer_not_available", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank could not be reached"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry within hours."), S, -1},
    {"lost_card", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card was reported lost"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another card."), H, 0},
    {"merchant_blacklist", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Blocked by a block list"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; review the account."), H, 0},
    {"new_account_information_available", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank has newer card details"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for the updated card."), N, 0},
    {"no_action_taken", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Declined by the bank without a reason"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry once; then the customer calls the bank."), S, 1},
    {"not_permitted", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The payment is not permitted"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to call their bank."), N, 0},
    {"pickup_card", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank asks to retain the card (lost or stolen)"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another card."), H, 0},
    {"pin_try_exceeded", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Too many PIN attempts"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for another card."), N, 0},
    {"processing_error", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "A processing error; retrying may work"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry within hours."), S, -1},
    {"reenter_transaction", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank could not process it; retrying may work"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry within hours."), S, -1},
    {"restricted_card", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card cannot be used for this payment"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another card."), H, 0},
    {"revocation_of_all_authorizations", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The customer revoked every authorization"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; contact the customer."), H, 0},
    {"revocation_of_authorization", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The customer revoked the authorization"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; contact the customer."), H, 0},
    {"security_violation", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Declined for security reasons"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another card."), H, 0},
    {"service_not_allowed", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank does not allow this kind of payment"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to call their bank."), N, 0},
    {"stolen_card", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card was reported stolen"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; ask for another card."), H, 0},
    {"stop_payment_order", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The customer stopped this payment at the bank"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Never retry; contact the customer."), H, 0},
    {"testmode_decline", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "A test card was used in live mode"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask for a real card."), N, 0},
    {"transaction_not_allowed", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The bank does not allow this kind of payment"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Ask the customer to call their bank."), N, 0},
    {"try_again_later", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Temporary problem at the bank; retrying may work"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry within hours."), S, -1},
    {"withdrawal_count_limit_exceeded", QT_TRANSLATE_NOOP("Billing::DeclineCodes", "The card's transaction limit was reached"), QT_TRANSLATE_NOOP("Billing::DeclineCodes", "Retry after the limit resets (next day or month)."), S, -1},
};

DeclineCodeInfo toInfo(const Row &r)
{
    return DeclineCodeInfo{QString::fromLatin1(r.code), QCoreApplication::translate("Billing::DeclineCodes", r.meaning),
                           QCoreApplication::translate("Billing::DeclineCodes", r.nextStep), r.cls, r.maxRetries};
}

const QHash<QString, int> &index()
{
    static const QHash<QString, int> idx = [] {
        QHash<QString, int> h;
        for (int i = 0; i < int(std::size(Rows)); ++i)
            h.insert(QString::fromLatin1(Rows[i].code), i);
        return h;
    }();
    return idx;
}

} // namespace

QString declineClassName(DeclineClass cls)
{
    switch (cls) {
    case DeclineClass::Soft: return QStringLiteral("soft");
    case DeclineClass::NeedsPaymentMethod: return QStringLiteral("needs_payment_method");
    case DeclineClass::Hard: return QStringLiteral("hard");
    }
    return {};
}

QList<DeclineCodeInfo> DeclineCodes::all()
{
    QList<DeclineCodeInfo> out;
    for (const Row &r : Rows)
        out << toInfo(r);
    return out;
}

bool DeclineCodes::isKnown(QStringView code)
{
    return index().contains(code.toString());
}

DeclineCodeInfo DeclineCodes::lookup(QStringView code)
{
    const auto it = index().constFind(code.toString());
    if (it != index().constEnd())
        return toInfo(Rows[it.value()]);
    return DeclineCodeInfo{code.toString(),
                           QCoreApplication::translate("Billing::DeclineCodes", "Declined (code not in Stripe's reference)"),
                           QCoreApplication::translate("Billing::DeclineCodes", "Retry once or twice; then contact the customer."),
                           DeclineClass::Soft, 2};
}

QString DeclineCodes::effectiveCode(const QString &declineCode, const QString &failureCode)
{
    if (!declineCode.isEmpty())
        return declineCode;
    if (failureCode == QLatin1String("card_declined") || failureCode.isEmpty())
        return failureCode.isEmpty() ? QString() : QStringLiteral("generic_decline");
    return failureCode;
}

} // namespace Billing
