// libFuzzer target for everything that reads a Stripe answer: the body of a 2xx answer
// (StripeClient::resultFromHttp, which StripeClient::onFinished uses), the non-2xx mapping
// (StripeClient::errorFromHttp) and every StripeParser function.
//
// Input layout: byte 0 picks the target (Target below, modulo TargetCount, so the letters 'A'..'M'
// name targets 0..12 and seeds stay readable); for the HTTP error mapping byte 1 picks the status
// (statusFor: 'a'..'l' are the common ones). The rest is the response body as received.
// Seeds: tests/fuzz/seeds/ (hand-written) and the official Stripe fixtures (run-fuzz.sh).
//
// Beyond "no crash, no leak, no UB", each call checks the promise the parser and the client make:
// a failure is a typed Error (InvalidResponse for data the console cannot read) with a detail for
// the log and a user text; a success carries the id the parser said was required.

#include "services/domain/error.h"
#include "services/domain/result.h"
#include "services/stripe/stripeclient.h"
#include "services/stripe/stripeparser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <spdlog/spdlog.h>

namespace {

using namespace Billing;

enum Target : std::uint8_t {
    CustomerTarget,
    ProductTarget,
    PriceTarget,
    SubscriptionItemTarget,
    SubscriptionTarget,
    InvoiceLineTarget,
    InvoiceTarget,
    PaymentAttemptTarget, // an invoice_payment object, or [invoice_payment, payment_intent]
    AccountTarget,
    EventTarget,          // the event, then its data.object through the parser for its type
    HttpErrorTarget,      // StripeClient::errorFromHttp(status from byte 1, body)
    SuccessBodyTarget,    // a 2xx body: must be a JSON object, else InvalidResponse
    PaymentIntentIdTarget,
    TargetCount
};

[[noreturn]] void violated(const char *what, const Error *e = nullptr)
{
    std::fprintf(stderr, "fuzz_stripeparser: contract violated: %s\n", what);
    if (e)
        std::fprintf(stderr, "  kind=%s status=%d detail=%s user=%s\n", qPrintable(Error::kindName(e->kind)),
                     e->httpStatus, qPrintable(e->detail), qPrintable(e->userMessage));
    std::abort();
}

// A parser failure: typed as InvalidResponse, with a detail that names where and a user text.
void checkParserError(const Error &e)
{
    if (e.kind != Error::Kind::InvalidResponse)
        violated("parser error is not InvalidResponse", &e);
    if (e.detail.isEmpty() || e.userMessage.isEmpty())
        violated("parser error without detail or user message", &e);
}

template <typename T>
void checkParsed(const Result<T> &r)
{
    if (r.ok()) {
        if (r.value().id.isEmpty())
            violated("parsed object without the required id");
    } else {
        checkParserError(r.error());
    }
}

// payment_method, coupon and promotion_code have no target byte of their own (the seed letters
// stay as they are): the 2xx body target and events reach them.
void parsePromotionsAndMethods(const QJsonObject &json)
{
    checkParsed(StripeParser::paymentMethod(json));
    const auto coupon = StripeParser::coupon(json);
    checkParsed(coupon);
    if (coupon.ok()) {
        if (coupon->percentOff.isEmpty() == !coupon->amountOff.has_value())
            violated("coupon without exactly one of percent_off and amount_off");
        if (!coupon->percentOff.isEmpty()) {
            bool ok = false;
            const double p = coupon->percentOff.toDouble(&ok);
            if (!ok || p <= 0 || p > 100 || coupon->percentOff.size() > 6)
                violated("coupon percent_off is not a decimal in (0, 100] with two decimals at most");
        }
    }
    checkParsed(StripeParser::promotionCode(json));
}

void parseObject(Target target, const QJsonObject &json)
{
    switch (target) {
    case CustomerTarget: checkParsed(StripeParser::customer(json)); break;
    case ProductTarget: checkParsed(StripeParser::product(json)); break;
    case PriceTarget: {
        const auto r = StripeParser::price(json);
        checkParsed(r);
        if (r.ok() && (r->productId.isEmpty() || r->currency.isEmpty()))
            violated("price without product or currency");
        break;
    }
    case SubscriptionItemTarget: checkParsed(StripeParser::subscriptionItem(json)); break;
    case SubscriptionTarget: {
        const auto r = StripeParser::subscription(json);
        checkParsed(r);
        if (r.ok() && (r->customerId.isEmpty() || r->status.isEmpty()))
            violated("subscription without customer or status");
        break;
    }
    case InvoiceLineTarget: checkParsed(StripeParser::invoiceLine(json)); break;
    case InvoiceTarget: {
        const auto r = StripeParser::invoice(json);
        checkParsed(r);
        if (r.ok() && (r->customerId.isEmpty() || r->currency.isEmpty() || !r->created.isValid()))
            violated("invoice without customer, currency or created");
        break;
    }
    case PaymentAttemptTarget: {
        const auto r = StripeParser::paymentAttempt(json);
        checkParsed(r);
        (void)StripeParser::paymentIntentIdOf(json);
        break;
    }
    case AccountTarget: checkParsed(StripeParser::account(json)); break;
    case EventTarget: {
        const auto r = StripeParser::event(json);
        checkParsed(r);
        if (!r.ok())
            break;
        // What incremental sync does next: hand data.object to the parser for its type.
        const QString type = r->objectType;
        const QJsonObject &object = r->object;
        if (type == QLatin1String("customer"))
            checkParsed(StripeParser::customer(object));
        else if (type == QLatin1String("product"))
            checkParsed(StripeParser::product(object));
        else if (type == QLatin1String("price"))
            checkParsed(StripeParser::price(object));
        else if (type == QLatin1String("subscription"))
            checkParsed(StripeParser::subscription(object));
        else if (type == QLatin1String("invoice"))
            checkParsed(StripeParser::invoice(object));
        else if (type == QLatin1String("invoice_payment"))
            checkParsed(StripeParser::paymentAttempt(object));
        else if (type == QLatin1String("payment_method"))
            checkParsed(StripeParser::paymentMethod(object));
        else if (type == QLatin1String("coupon"))
            checkParsed(StripeParser::coupon(object));
        else if (type == QLatin1String("promotion_code"))
            checkParsed(StripeParser::promotionCode(object));
        break;
    }
    case PaymentIntentIdTarget: (void)StripeParser::paymentIntentIdOf(json); break;
    default: break;
    }
}

// 'a'..'l': the statuses Stripe and proxies send; any other byte: an odd status from 100 to 1120.
int statusFor(std::uint8_t b)
{
    static const int common[] = {400, 401, 402, 403, 404, 409, 424, 429, 500, 502, 503, 504};
    constexpr int n = int(sizeof(common) / sizeof(common[0]));
    if (b >= 'a' && b < 'a' + n)
        return common[b - 'a'];
    return 100 + b * 4;
}

void fuzzHttpError(const QByteArray &input)
{
    if (input.isEmpty())
        return;
    const int status = statusFor(std::uint8_t(input.at(0)));
    const QByteArray body = input.mid(1);
    const Error e = StripeClient::errorFromHttp(status, body, QStringLiteral("req_fuzz"));
    if (e.httpStatus != status || e.requestId != QLatin1String("req_fuzz"))
        violated("errorFromHttp lost the status or the request id", &e);
    if (e.detail.isEmpty() || e.userMessage.isEmpty())
        violated("errorFromHttp without detail or user message", &e);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const bool stripeError = parseError.error == QJsonParseError::NoError && doc.isObject()
        && doc.object().value(QLatin1String("error")).isObject();
    if (!stripeError && e.kind != Error::Kind::InvalidResponse)
        violated("a body that is not a Stripe error object was not InvalidResponse", &e);
    if (stripeError && e.kind == Error::Kind::InvalidResponse)
        violated("a Stripe error object was mapped to InvalidResponse", &e);
}

// The answer path of StripeClient::onFinished, the real code: StripeClient::resultFromHttp with a 2xx
// status. Its promise: a JSON object comes back as that object; anything else (a list, garbage,
// an HTML page, a cut-off body) is an InvalidResponse with a detail, a user text and the request id.
void fuzzSuccessBody(const QByteArray &body)
{
    const auto result = StripeClient::resultFromHttp(200, body, QStringLiteral("req_fuzz"), false);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const bool isObject = parseError.error == QJsonParseError::NoError && doc.isObject();
    if (!result.ok()) {
        const Error &e = result.error();
        if (e.kind != Error::Kind::InvalidResponse || e.httpStatus != 200 || e.requestId != QLatin1String("req_fuzz"))
            violated("a 2xx body that is not a JSON object gave the wrong error", &e);
        if (e.detail.isEmpty() || e.userMessage.isEmpty())
            violated("resultFromHttp without detail or user message", &e);
        if (isObject)
            violated("a JSON object body was refused", &e);
        return;
    }
    if (!isObject)
        violated("resultFromHttp accepted a body that is not a JSON object");
    // The same bytes cut off by the transport: never a success.
    const auto cut = StripeClient::resultFromHttp(200, body, QStringLiteral("req_fuzz"), true, QStringLiteral("reset"));
    if (cut.ok())
        violated("a cut-off body was accepted");
    const QJsonObject object = result.value();
    // A list answer: each element through every parser, as a sync page would be.
    const QJsonValue data = object.value(QLatin1String("data"));
    if (object.value(QLatin1String("object")).toString() == QLatin1String("list") && data.isArray()) {
        for (const QJsonValue &v : data.toArray()) {
            for (int t = CustomerTarget; t <= EventTarget; ++t)
                parseObject(Target(t), v.toObject());
            parsePromotionsAndMethods(v.toObject());
        }
        return;
    }
    for (int t = CustomerTarget; t <= EventTarget; ++t)
        parseObject(Target(t), object);
    parsePromotionsAndMethods(object);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // StripeClient logs on the "api" logger (default logger when absent); keep the fuzzer quiet.
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const auto target = Target(data[0] % TargetCount);
    const QByteArray rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    switch (target) {
    case HttpErrorTarget: fuzzHttpError(rest); return 0;
    case SuccessBodyTarget: fuzzSuccessBody(rest); return 0;
    default: break;
    }

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(rest, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return 0;
    if (doc.isObject()) {
        const QJsonObject object = doc.object();
        parseObject(target, object);
    } else if (doc.isArray()) {
        const QJsonArray array = doc.array();
        if (target == PaymentAttemptTarget && array.size() == 2)
            checkParsed(StripeParser::paymentAttempt(array.at(0).toObject(), array.at(1).toObject()));
        for (const QJsonValue &v : array)
            parseObject(target, v.toObject());
    }
    return 0;
}
