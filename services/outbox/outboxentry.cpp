#include "services/outbox/outboxentry.h"

#include <QJsonArray>

namespace Billing {

QString outboxStateName(OutboxState state)
{
    switch (state) {
    case OutboxState::Pending: return QStringLiteral("pending");
    case OutboxState::InFlight: return QStringLiteral("in_flight");
    case OutboxState::Succeeded: return QStringLiteral("succeeded");
    case OutboxState::Failed: return QStringLiteral("failed");
    case OutboxState::NeedsAttention: return QStringLiteral("needs_attention");
    }
    return QStringLiteral("pending");
}

std::optional<OutboxState> outboxStateFromName(QStringView name)
{
    for (OutboxState s : {OutboxState::Pending, OutboxState::InFlight, OutboxState::Succeeded, OutboxState::Failed,
                          OutboxState::NeedsAttention}) {
        if (name == outboxStateName(s))
            return s;
    }
    return std::nullopt;
}

namespace {

FormValue fromJson(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool: return FormValue(v.toBool());
    case QJsonValue::Double: return FormValue(qint64(v.toInteger()));
    case QJsonValue::String: return FormValue(v.toString());
    case QJsonValue::Array: {
        FormValue a = FormValue::array();
        for (const QJsonValue &item : v.toArray())
            a.append(fromJson(item));
        return a;
    }
    case QJsonValue::Object: {
        FormValue o = FormValue::object();
        const QJsonObject obj = v.toObject();
        for (auto it = obj.begin(); it != obj.end(); ++it)
            o.insert(it.key(), fromJson(it.value()));
        return o;
    }
    default: return FormValue();
    }
}

} // namespace

FormParams formParamsFromJson(const QJsonObject &params)
{
    return fromJson(QJsonValue(params));
}

} // namespace Billing
