#include "services/fx/fxraterepository.h"

#include "services/access/accesspolicy.h"
#include "services/domain/currency.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::FxRateRepository", text); }

Error dbError(const QString &user, const QSqlError &e) { return Error::make(Error::Kind::Database, user, e.text()); }

Error invalid(const QString &message) { return Error::make(Error::Kind::Validation, message); }

QString text(const QString &s) { return s.isNull() ? QStringLiteral("") : s; }

// RFC 4180 fields of one record; `pos` advances past the record (quoted fields may hold newlines).
// Returns false on an unterminated quote.
bool readRecord(const QString &s, qsizetype &pos, QStringList &fields, int &linesConsumed)
{
    fields.clear();
    linesConsumed = 1;
    QString field;
    bool quoted = false;
    bool wasQuoted = false;
    while (pos < s.size()) {
        const QChar c = s.at(pos);
        if (quoted) {
            if (c == u'"') {
                if (pos + 1 < s.size() && s.at(pos + 1) == u'"') {
                    field += u'"';
                    pos += 2;
                    continue;
                }
                quoted = false;
                ++pos;
                continue;
            }
            if (c == u'\n')
                ++linesConsumed;
            field += c;
            ++pos;
            continue;
        }
        if (c == u'"' && field.isEmpty() && !wasQuoted) {
            quoted = wasQuoted = true;
            ++pos;
            continue;
        }
        if (c == u',') {
            fields << field;
            field.clear();
            wasQuoted = false;
            ++pos;
            continue;
        }
        if (c == u'\r' || c == u'\n') {
            if (c == u'\r' && pos + 1 < s.size() && s.at(pos + 1) == u'\n')
                ++pos;
            ++pos;
            fields << field;
            return true;
        }
        field += c;
        ++pos;
    }
    if (quoted)
        return false;
    fields << field;
    return true;
}

} // namespace

Status FxRateRepository::ensureSchema()
{
    if (!m_db.isOpen())
        return Error::make(Error::Kind::Database, tr("The billing database is not open."));
    const BillingDbDialect &d = m_db.dialect();
    const QString failed = tr("The FX-rate table could not be created in the billing database.");
    QSqlQuery q(m_db.database());
    if (!q.exec(d.beginWrite()))
        return dbError(failed, q.lastError());
    QStringList statements = d.migrationLock();
    statements << QStringLiteral("CREATE TABLE IF NOT EXISTS fx_rates ("
                                 " id %1,"
                                 " base CHAR(3) NOT NULL,"
                                 " quote CHAR(3) NOT NULL,"
                                 " rate_date CHAR(10) NOT NULL,"
                                 " rate TEXT NOT NULL,"
                                 " source TEXT NOT NULL,"
                                 " entered_by TEXT NOT NULL,"
                                 " entered_at BIGINT NOT NULL,"
                                 " CHECK (base <> quote))")
                      .arg(d.identityPrimaryKey())
               << QStringLiteral("CREATE UNIQUE INDEX IF NOT EXISTS fx_rates_pair_date ON fx_rates (base, quote, rate_date)");
    for (const QString &sql : statements) {
        if (!q.exec(sql)) {
            const Error e = dbError(failed, q.lastError());
            q.exec(QStringLiteral("ROLLBACK"));
            return e;
        }
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return dbError(failed, q.lastError());
    return {};
}

Result<FxRate> FxRateRepository::normalised(const FxRate &rate, const QString &where)
{
    FxRate r = rate;
    const auto base = Currency::fromCode(r.base.trimmed());
    const auto quote = Currency::fromCode(r.quote.trimmed());
    if (!base)
        return invalid(where + tr("\"%1\" is not a currency code.").arg(r.base.trimmed()));
    if (!quote)
        return invalid(where + tr("\"%1\" is not a currency code.").arg(r.quote.trimmed()));
    if (*base == *quote)
        return invalid(where + tr("The base and quote currency are both %1.").arg(base->code()));
    if (!r.date.isValid())
        return invalid(where + tr("The date is missing or not a date (write it as 2026-10-31)."));
    Result<ExactRate> exact = ExactRate::parse(r.rate);
    if (!exact)
        return invalid(where + exact.error().userMessage);
    r.base = base->code();
    r.quote = quote->code();
    r.rate = exact->toString();
    r.source = r.source.trimmed();
    return r;
}

Result<QList<FxRate>> FxRateRepository::parseCsv(const QString &content, const QString &defaultSource)
{
    QString s = content;
    if (s.startsWith(QChar(0xfeff)))
        s.remove(0, 1);
    qsizetype pos = 0;
    int line = 1;
    QStringList fields;
    int consumed = 0;
    // Header
    while (pos < s.size()) {
        if (!readRecord(s, pos, fields, consumed))
            return invalid(tr("Line %1: a quoted field is not closed.").arg(line));
        line += consumed;
        if (!(fields.size() == 1 && fields.first().trimmed().isEmpty()))
            break;
        fields.clear();
    }
    if (fields.isEmpty())
        return invalid(tr("The file is empty. Expected the header date,base,quote,rate[,source]."));
    QHash<QString, int> column;
    for (int i = 0; i < fields.size(); ++i)
        column.insert(fields.at(i).trimmed().toLower(), i);
    for (const char *required : {"date", "base", "quote", "rate"})
        if (!column.contains(QLatin1String(required)))
            return invalid(tr("Line 1: the header has no \"%1\" column. Expected date,base,quote,rate[,source].")
                               .arg(QLatin1String(required)));
    const int sourceCol = column.value(QStringLiteral("source"), -1);
    QList<FxRate> out;
    QHash<QString, int> seen; // base/quote/date -> line
    while (pos < s.size()) {
        const int thisLine = line;
        if (!readRecord(s, pos, fields, consumed))
            return invalid(tr("Line %1: a quoted field is not closed.").arg(thisLine));
        line += consumed;
        if (fields.size() == 1 && fields.first().trimmed().isEmpty())
            continue; // blank line
        const QString where = tr("Line %1: ").arg(thisLine);
        if (fields.size() != column.size())
            return invalid(where + tr("expected %1 fields, found %2.").arg(column.size()).arg(fields.size()));
        FxRate r;
        const QString dateText = fields.at(column.value(QStringLiteral("date"))).trimmed();
        r.date = QDate::fromString(dateText, Qt::ISODate);
        if (!r.date.isValid())
            return invalid(where + tr("\"%1\" is not a date (write it as 2026-10-31).").arg(dateText));
        r.base = fields.at(column.value(QStringLiteral("base")));
        r.quote = fields.at(column.value(QStringLiteral("quote")));
        r.rate = fields.at(column.value(QStringLiteral("rate")));
        r.source = sourceCol >= 0 ? fields.at(sourceCol).trimmed() : QString();
        if (r.source.isEmpty())
            r.source = defaultSource;
        Result<FxRate> n = normalised(r, where);
        if (!n)
            return n.error();
        const QString key = n->base + u'/' + n->quote + u'/' + n->date.toString(Qt::ISODate);
        if (seen.contains(key))
            return invalid(where + tr("%1 to %2 on %3 is already on line %4.")
                                       .arg(n->base, n->quote, n->date.toString(Qt::ISODate))
                                       .arg(seen.value(key)));
        seen.insert(key, thisLine);
        out << *n;
    }
    if (out.isEmpty())
        return invalid(tr("The file has a header but no rates."));
    return out;
}

Result<FxSaveReport> FxRateRepository::save(const QList<FxRate> &input, const Actor &actor,
                                            const QString &auditOperation, const QString &auditTarget)
{
    if (Status s = AccessPolicy().check(actor, Permission::ManageFxRates); !s)
        return s.error();
    if (input.isEmpty())
        return invalid(tr("There are no rates to save."));
    QList<FxRate> rates;
    QHash<QString, int> seen;
    for (int i = 0; i < input.size(); ++i) {
        const QString where = input.size() > 1 ? tr("Row %1: ").arg(i + 1) : QString();
        Result<FxRate> n = normalised(input.at(i), where);
        if (!n)
            return n.error();
        const QString key = n->base + u'/' + n->quote + u'/' + n->date.toString(Qt::ISODate);
        if (seen.contains(key))
            return invalid(where + tr("%1 to %2 on %3 is given twice.").arg(n->base, n->quote, n->date.toString(Qt::ISODate)));
        seen.insert(key, i);
        rates << *n;
    }
    if (Status s = ensureSchema(); !s)
        return s.error();
    const QString failed = tr("The FX rates could not be saved.");
    QSqlQuery q(m_db.database());
    if (!q.exec(m_db.dialect().beginWrite()))
        return dbError(failed, q.lastError());
    auto fail = [&](const QSqlError &e) {
        const Error err = dbError(failed, e);
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        return err;
    };
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    FxSaveReport report;
    report.rows = int(rates.size());
    QStringList before;
    QStringList after;
    for (const FxRate &r : rates) {
        q.prepare(QStringLiteral("SELECT rate FROM fx_rates WHERE base = ? AND quote = ? AND rate_date = ?"));
        q.addBindValue(r.base);
        q.addBindValue(r.quote);
        q.addBindValue(r.date.toString(Qt::ISODate));
        if (!q.exec())
            return fail(q.lastError());
        const bool exists = q.next();
        const QString old = exists ? q.value(0).toString() : QString();
        q.finish();
        if (exists) {
            ++report.replaced;
            before << QStringLiteral("%1/%2 %3 %4").arg(r.base, r.quote, r.date.toString(Qt::ISODate), old);
            q.prepare(QStringLiteral("UPDATE fx_rates SET rate = ?, source = ?, entered_by = ?, entered_at = ? "
                                     "WHERE base = ? AND quote = ? AND rate_date = ?"));
            q.addBindValue(r.rate);
            q.addBindValue(text(r.source));
            q.addBindValue(actor.tag());
            q.addBindValue(now);
            q.addBindValue(r.base);
            q.addBindValue(r.quote);
            q.addBindValue(r.date.toString(Qt::ISODate));
        } else {
            ++report.inserted;
            q.prepare(QStringLiteral("INSERT INTO fx_rates (base, quote, rate_date, rate, source, entered_by, entered_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?)"));
            q.addBindValue(r.base);
            q.addBindValue(r.quote);
            q.addBindValue(r.date.toString(Qt::ISODate));
            q.addBindValue(r.rate);
            q.addBindValue(text(r.source));
            q.addBindValue(actor.tag());
            q.addBindValue(now);
        }
        if (!q.exec())
            return fail(q.lastError());
        q.finish();
        after << QStringLiteral("%1/%2 %3 %4").arg(r.base, r.quote, r.date.toString(Qt::ISODate), r.rate);
    }
    // The audit row, in the same transaction (the audit log is append-only).
    QJsonObject params;
    params.insert(QStringLiteral("rows"), report.rows);
    params.insert(QStringLiteral("inserted"), report.inserted);
    params.insert(QStringLiteral("replaced"), report.replaced);
    q.prepare(QStringLiteral("INSERT INTO audit_log (at, actor, operation, target_type, target_id, params, "
                             "before_summary, after_summary, idempotency_key, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(now);
    q.addBindValue(actor.tag());
    q.addBindValue(auditOperation);
    q.addBindValue(QStringLiteral("fx_rates"));
    q.addBindValue(text(auditTarget));
    q.addBindValue(QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)));
    const auto cap = [](const QStringList &l) {
        QString s = l.mid(0, 50).join(QStringLiteral("; "));
        if (l.size() > 50)
            s += QStringLiteral("; ... (%1 more)").arg(l.size() - 50);
        return s;
    };
    q.addBindValue(text(cap(before)));
    q.addBindValue(text(cap(after)));
    q.addBindValue(QStringLiteral(""));
    q.addBindValue(QStringLiteral("ok"));
    if (!q.exec())
        return fail(q.lastError());
    q.finish();
    if (!q.exec(QStringLiteral("COMMIT")))
        return fail(q.lastError());
    return report;
}

Result<FxSaveReport> FxRateRepository::importCsv(const QString &filePath, const Actor &actor)
{
    if (Status s = AccessPolicy().check(actor, Permission::ManageFxRates); !s)
        return s.error();
    QFile f(filePath);
    if (!f.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::NotFound, tr("The file %1 could not be opened.").arg(filePath), f.errorString());
    const QString content = QString::fromUtf8(f.readAll());
    const QString name = QFileInfo(filePath).fileName();
    Result<QList<FxRate>> rows = parseCsv(content, name);
    if (!rows)
        return rows.error();
    return save(*rows, actor, QStringLiteral("fx.import"), name);
}

Result<QList<FxRate>> FxRateRepository::rates() const
{
    if (Status s = const_cast<FxRateRepository *>(this)->ensureSchema(); !s)
        return s.error();
    QSqlQuery q(m_db.database());
    if (!q.exec(QStringLiteral("SELECT id, base, quote, rate_date, rate, source, entered_by, entered_at FROM fx_rates "
                               "ORDER BY base, quote, rate_date")))
        return dbError(tr("The FX rates could not be read."), q.lastError());
    QList<FxRate> out;
    while (q.next()) {
        FxRate r;
        r.id = q.value(0).toLongLong();
        r.base = q.value(1).toString().trimmed();
        r.quote = q.value(2).toString().trimmed();
        r.date = QDate::fromString(q.value(3).toString().trimmed(), Qt::ISODate);
        r.rate = q.value(4).toString();
        r.source = q.value(5).toString();
        r.enteredBy = q.value(6).toString();
        r.enteredAt = QDateTime::fromSecsSinceEpoch(q.value(7).toLongLong(), Qt::UTC);
        out << r;
    }
    return out;
}

} // namespace Billing
