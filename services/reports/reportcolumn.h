#pragma once

#include "services/domain/money.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace Billing {

// What a report column holds. The CSV writer (and the UI) format by type, never by guessing:
//  Text      user or Stripe text: the only type the CSV writer defuses against formula injection
//  Amount    a Money, written as Money::toDecimalString() (major units, dot, exact, may be negative)
//  Currency  an ISO 4217 code, upper case, from Currency
//  Date      a UTC instant, written ISO 8601 with Z ("2026-01-31T12:00:00Z")
//  Integer   a count or id number
enum class ColumnType { Text, Amount, Currency, Date, Integer };

QString columnTypeName(ColumnType type); // "text", "amount", "currency", "date", "integer"

struct ReportColumn
{
    QString name; // machine name, the CSV header: "amount_remaining"
    ColumnType type = ColumnType::Text;
};

// One typed cell. The factory functions are the only way to build a non-null value, so an Amount
// cell can only come from a Money and a Currency cell only from a Currency.
class ReportValue
{
public:
    ReportValue() = default; // null: an empty CSV field

    static ReportValue text(QString value)
    {
        ReportValue v(ColumnType::Text);
        v.m_text = std::move(value);
        return v;
    }
    static ReportValue amount(const Money &value)
    {
        ReportValue v(ColumnType::Amount);
        v.m_money = value;
        return v;
    }
    static ReportValue currency(const Currency &value)
    {
        ReportValue v(ColumnType::Currency);
        v.m_text = value.code();
        v.m_null = !value.isValid();
        return v;
    }
    // UTC seconds since the epoch.
    static ReportValue date(qint64 secsSinceEpoch)
    {
        ReportValue v(ColumnType::Date);
        v.m_number = secsSinceEpoch;
        return v;
    }
    static ReportValue date(const QDateTime &value)
    {
        if (!value.isValid())
            return ReportValue(ColumnType::Date, true);
        return date(value.toSecsSinceEpoch());
    }
    static ReportValue integer(qint64 value)
    {
        ReportValue v(ColumnType::Integer);
        v.m_number = value;
        return v;
    }
    static ReportValue null(ColumnType type) { return ReportValue(type, true); }

    // Makes this a Text cell holding `utf8`, reusing the string's buffer when it can (no
    // allocation per cell for ASCII text of a streamed row that is not shared).
    void setTextUtf8(const char *utf8, qsizetype size)
    {
        m_type = ColumnType::Text;
        m_null = false;
        m_text.resize(size);
        QChar *out = m_text.data();
        for (qsizetype i = 0; i < size; ++i) {
            const auto b = static_cast<unsigned char>(utf8[i]);
            if (b >= 0x80) {
                m_text = QString::fromUtf8(utf8, size);
                return;
            }
            out[i] = QChar(b);
        }
    }

    bool isNull() const { return m_null; }
    ColumnType type() const { return m_type; }
    const QString &textValue() const { return m_text; }   // Text, Currency
    const Money &money() const { return m_money; }        // Amount
    qint64 number() const { return m_number; }            // Integer; Date (epoch seconds)

private:
    explicit ReportValue(ColumnType type, bool null = false) : m_type(type), m_null(null) {}

    ColumnType m_type = ColumnType::Text;
    bool m_null = true;
    QString m_text;
    Money m_money;
    qint64 m_number = 0;
};

using ReportRow = QList<ReportValue>;

// "2026-01-31T12:00:00Z" for UTC epoch seconds (proleptic Gregorian, no QDateTime on the hot path).
QString isoUtc(qint64 secsSinceEpoch);

} // namespace Billing
