#pragma once

#include "services/domain/error.h"
#include "services/stripe/formencoder.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringView>

#include <optional>

namespace Billing {

// Where one money operation stands in the outbox.
//  Pending        written, not confirmed; sent when due (offline queue, backoff)
//  InFlight       marked just before sending; found at start-up it means "maybe sent": resent
//                 with the same idempotency key
//  Succeeded      Stripe confirmed; result_object_id/result hold its answer
//  Failed         Stripe refused it for good (card declined, invalid request, ...): last error
//  NeedsAttention the console cannot tell whether Stripe applied it (key older than Stripe keeps
//                 it, idempotency clash): a person checks it in Stripe; never resent by itself
enum class OutboxState { Pending, InFlight, Succeeded, Failed, NeedsAttention };

QString outboxStateName(OutboxState state); // "pending", "in_flight", ...
std::optional<OutboxState> outboxStateFromName(QStringView name);

// What a caller asks to have done, once. params is the JSON form of the form parameters:
// strings (exact text sent), integers, booleans, null, nested objects and arrays.
struct OutboxOperation
{
    QString operation; // "refund.create", "customer.update", ...
    QString method;    // POST | DELETE
    QString path;      // "/v1/refunds", "/v1/customers/cus_123"
    QJsonObject params;
    QString actor;      // who asked: "cli:alice", "staff:42"
    QString clientOpId; // optional: the same logical operation enqueued again maps to one entry
};

struct OutboxEntry
{
    qint64 id = 0;
    QString operation;
    QString method;
    QString path;
    QJsonObject params;
    QString idempotencyKey; // UUID v4, made once at enqueue, used for every send
    QString actor;
    OutboxState state = OutboxState::Pending;
    int attempts = 0; // times marked in flight (so 0 means Stripe has never seen the key)
    // Last error (empty kind when none).
    QString errorKind; // Error::kindName
    int errorHttpStatus = 0;
    QString errorRequestId;
    QString errorMessage; // plain words, for people
    QString resultObjectId;
    QJsonObject result;
    QDateTime createdAt; // UTC; also when the idempotency key was made
    QDateTime updatedAt;
    QDateTime nextAttemptAt; // pending only: not before (invalid = now)
    QString clientOpId;

    bool isOpen() const { return state == OutboxState::Pending || state == OutboxState::InFlight; }
};

// JSON params <-> Stripe form parameters. Numbers must be integers (money is minor units).
FormParams formParamsFromJson(const QJsonObject &params);

} // namespace Billing
