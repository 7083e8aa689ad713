#include "services/stripe/formencoder.h"

namespace Billing {

FormValue FormValue::array(std::initializer_list<FormValue> items)
{
    FormValue v;
    v.m_type = Type::Array;
    v.m_items.assign(items.begin(), items.end());
    return v;
}

FormValue FormValue::object(std::initializer_list<std::pair<QString, FormValue>> members)
{
    FormValue v;
    v.m_type = Type::Object;
    for (const auto &m : members)
        v.insert(m.first, m.second);
    return v;
}

FormValue &FormValue::insert(const QString &key, FormValue value)
{
    if (m_type == Type::Null)
        m_type = Type::Object;
    Q_ASSERT(m_type == Type::Object);
    for (auto &m : m_members) {
        if (m.first == key) {
            m.second = std::move(value);
            return *this;
        }
    }
    m_members.emplace_back(key, std::move(value));
    return *this;
}

FormValue &FormValue::append(FormValue value)
{
    if (m_type == Type::Null)
        m_type = Type::Array;
    Q_ASSERT(m_type == Type::Array);
    m_items.push_back(std::move(value));
    return *this;
}

const FormValue *FormValue::find(const QString &key) const
{
    for (const auto &m : m_members) {
        if (m.first == key)
            return &m.second;
    }
    return nullptr;
}

QStringList FormValue::keys() const
{
    QStringList out;
    for (const auto &m : m_members)
        out << m.first;
    return out;
}

int FormValue::size() const
{
    if (m_type == Type::Array)
        return int(m_items.size());
    if (m_type == Type::Object)
        return int(m_members.size());
    return 0;
}

QByteArray encodeFormComponent(const QString &text)
{
    // QByteArray::toPercentEncoding leaves exactly the RFC 3986 unreserved set; the SDK
    // additionally leaves the brackets readable.
    return text.toUtf8().toPercentEncoding(QByteArrayLiteral("[]"));
}

namespace {

void encodeNode(const QString &key, const FormValue &value, QList<QByteArray> &pairs)
{
    switch (value.type()) {
    case FormValue::Type::Null:
        pairs << encodeFormComponent(key) + '=';
        return;
    case FormValue::Type::Scalar:
        pairs << encodeFormComponent(key) + '=' + encodeFormComponent(value.scalar());
        return;
    case FormValue::Type::Array:
        for (size_t i = 0; i < value.items().size(); ++i)
            encodeNode(key + QLatin1Char('[') + QString::number(i) + QLatin1Char(']'), value.items()[i], pairs);
        return;
    case FormValue::Type::Object:
        for (const auto &m : value.members())
            encodeNode(key + QLatin1Char('[') + m.first + QLatin1Char(']'), m.second, pairs);
        return;
    }
}

} // namespace

QByteArray encodeForm(const FormParams &params)
{
    QList<QByteArray> pairs;
    for (const auto &m : params.members())
        encodeNode(m.first, m.second, pairs);
    return pairs.join('&');
}

} // namespace Billing
