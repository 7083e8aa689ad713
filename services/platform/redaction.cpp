#include "services/platform/redaction.h"

#include <QRegularExpression>

namespace Billing::Redaction {

namespace {

const QRegularExpression &secretPattern()
{
    static const QRegularExpression re(
        QStringLiteral(R"((?<![A-Za-z0-9])((?:sk|rk)_(?:live|test)_|whsec_)([A-Za-z0-9_]+))"));
    return re;
}

const QRegularExpression &authPattern()
{
    static const QRegularExpression re(
        QStringLiteral(R"(\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/=:*]+)"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

const QRegularExpression &authHeaderPattern()
{
    // Any other Authorization scheme: mask the whole value up to the end of the line.
    static const QRegularExpression re(
        QStringLiteral(R"(\b(Authorization\s*[:=]\s*+)(?!(?:Bearer|Basic)\s)([^\r\n]+))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

const QRegularExpression &cardPattern()
{
    // A run of digit groups joined by single spaces or dashes; card numbers are looked for inside
    // it.
    static const QRegularExpression re(
        QStringLiteral(R"((?<![0-9])[0-9]+(?:[ -][0-9]+)*(?![0-9]))"));
    return re;
}

// Masks every window of whole digit groups in the run that holds 13-19 digits and passes Luhn
// (longest windows first), keeping the window's last 4 digits.
QString maskCardsInRun(const QString &run)
{
    struct Group
    {
        qsizetype start;
        qsizetype length;
    };
    QList<Group> groups;
    for (qsizetype i = 0; i < run.size();) {
        if (!run.at(i).isDigit()) {
            ++i;
            continue;
        }
        qsizetype j = i;
        while (j < run.size() && run.at(j).isDigit())
            ++j;
        groups.append({i, j - i});
        i = j;
    }
    QString masked = run;
    bool changed = false;
    for (qsizetype first = 0; first < groups.size(); ++first) {
        for (qsizetype last = groups.size() - 1; last >= first; --last) {
            QString digits;
            for (qsizetype g = first; g <= last; ++g)
                digits += QStringView(run).mid(groups[g].start, groups[g].length);
            if (digits.size() < 13 || digits.size() > 19 || !luhnValid(digits))
                continue;
            const qsizetype end = groups[last].start + groups[last].length;
            int seen = 0;
            for (qsizetype i = end - 1; i >= groups[first].start; --i) {
                if (run.at(i).isDigit() && ++seen > 4)
                    masked[i] = u'*';
            }
            changed = true;
            first = last; // continue after this window
            break;
        }
    }
    return changed ? masked : run;
}

template <typename Replace>
QString replaceAll(const QString &in, const QRegularExpression &re, Replace replace)
{
    QString out;
    qsizetype last = 0;
    auto it = re.globalMatch(in);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(in).mid(last, m.capturedStart() - last);
        out += replace(m);
        last = m.capturedEnd();
    }
    if (last == 0)
        return in;
    out += QStringView(in).mid(last);
    return out;
}

} // namespace

bool luhnValid(QStringView digits)
{
    if (digits.isEmpty())
        return false;
    int sum = 0;
    bool doubleIt = false;
    for (qsizetype i = digits.size() - 1; i >= 0; --i) {
        const QChar c = digits.at(i);
        if (c < u'0' || c > u'9')
            return false;
        int d = c.unicode() - u'0';
        if (doubleIt) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        doubleIt = !doubleIt;
    }
    return sum % 10 == 0;
}

QString redact(QStringView text)
{
    QString s = text.toString();
    s = replaceAll(s, secretPattern(), [](const QRegularExpressionMatch &m) -> QString {
        const QString body = m.captured(2);
        const QString tail = body.size() > 8 ? body.right(4) : QString();
        return m.captured(1) + QStringLiteral("****") + tail;
    });
    s = replaceAll(s, authPattern(), [](const QRegularExpressionMatch &m) -> QString {
        return m.captured(1) + m.captured(2) + QStringLiteral("****");
    });
    s = replaceAll(s, authHeaderPattern(), [](const QRegularExpressionMatch &m) -> QString {
        return m.captured(1) + QStringLiteral("****");
    });
    s = replaceAll(s, cardPattern(), [](const QRegularExpressionMatch &m) -> QString {
        return maskCardsInRun(m.captured(0));
    });
    return s;
}

} // namespace Billing::Redaction
