#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <initializer_list>
#include <utility>
#include <vector>

namespace Billing {

// One node of an ordered parameter tree as Stripe's form encoding sees it: null, a scalar (kept
// as the exact string sent), an array, or an object whose keys keep insertion order.
class FormValue
{
public:
    enum class Type { Null, Scalar, Array, Object };

    FormValue() = default; // null: encodes as "key=" (Stripe's way to clear an emptyable field)
    FormValue(const QString &text) : m_type(Type::Scalar), m_scalar(text) {}
    FormValue(const char *text) : m_type(Type::Scalar), m_scalar(QString::fromUtf8(text)) {}
    FormValue(qint64 number) : m_type(Type::Scalar), m_scalar(QString::number(number)) {}
    FormValue(int number) : m_type(Type::Scalar), m_scalar(QString::number(number)) {}
    FormValue(bool flag) : m_type(Type::Scalar), m_scalar(flag ? QStringLiteral("true") : QStringLiteral("false")) {}

    static FormValue array(std::initializer_list<FormValue> items = {});
    static FormValue object(std::initializer_list<std::pair<QString, FormValue>> members = {});

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isObject() const { return m_type == Type::Object; }
    bool isArray() const { return m_type == Type::Array; }
    QString scalar() const { return m_scalar; }

    // Object: sets key (replacing an existing one in place, else appending). Turns a null into
    // an object. Returns *this for chaining.
    FormValue &insert(const QString &key, FormValue value);
    // Array: appends. Turns a null into an array.
    FormValue &append(FormValue value);
    // Object member by key, nullptr when absent or not an object.
    const FormValue *find(const QString &key) const;
    QStringList keys() const; // object keys in order
    int size() const;         // array items or object members
    bool isEmpty() const { return size() == 0; }

    const std::vector<std::pair<QString, FormValue>> &members() const { return m_members; }
    const std::vector<FormValue> &items() const { return m_items; }

private:
    Type m_type = Type::Null;
    QString m_scalar;
    std::vector<FormValue> m_items;
    std::vector<std::pair<QString, FormValue>> m_members;
};

using FormParams = FormValue; // a request's parameters: an object (or null for none)

// Stripe's application/x-www-form-urlencoded body or query string, encoded exactly as the
// official Node SDK's stringifyRequestData does: nested objects as a[b]=, arrays with indices
// a[0]=, a[1][c]=, null as "a=", UTF-8 percent-encoding of everything but A-Z a-z 0-9 - . _ ~
// (RFC 3986 unreserved, as qs does), with the brackets [ ] left as they are. An empty object or
// array contributes nothing. Pure function; safe on any thread.
QByteArray encodeForm(const FormParams &params);

// Percent-encoding of one key or value as encodeForm applies it.
QByteArray encodeFormComponent(const QString &text);

} // namespace Billing
