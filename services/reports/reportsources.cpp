#include "services/reports/reportsources.h"

#include "services/storage/cacheschema.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSqlDriver>
#include <QSqlError>
#include <QTimeZone>

#include <sqlite3.h>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Reports", text); }

const QString NullTime = QString::number(CacheSchema::NullTimeSentinel);

Error dbError(const QSqlQuery &q)
{
    return Error::make(Error::Kind::Database, tr("Could not read the local cache for the report."),
                       q.lastError().text() + QStringLiteral(" [") + q.lastQuery() + QLatin1Char(']'));
}

Error cancelled() { return Error::make(Error::Kind::Cancelled, tr("The export was cancelled.")); }

qint64 startOfDay(const QDate &d) { return QDateTime(d, QTime(0, 0), QTimeZone::utc()).toSecsSinceEpoch(); }

// A null QString binds as SQL NULL (and `x > NULL` selects nothing): bind '' instead.
QString sqlText(const QString &s) { return s.isNull() ? QString::fromLatin1("", 0) : s; }

ReportValue textAt(const QSqlQuery &q, int i) { return ReportValue::text(q.value(i).toString()); }

ReportValue dateAt(const QSqlQuery &q, int i)
{
    const QVariant v = q.value(i);
    return v.isNull() ? ReportValue::null(ColumnType::Date) : ReportValue::date(v.toLongLong());
}

ReportValue amountAt(const QSqlQuery &q, int i, const Currency *c)
{
    return c ? ReportValue::amount(Money(q.value(i).toLongLong(), *c)) : ReportValue::null(ColumnType::Amount);
}

ReportValue currencyValue(const Currency *c) { return c ? ReportValue::currency(*c) : ReportValue::null(ColumnType::Currency); }

QString placeholders(const QString &prefix, qsizetype n)
{
    QStringList p;
    for (qsizetype i = 0; i < n; ++i)
        p << QStringLiteral(":%1%2").arg(prefix).arg(i);
    return p.join(QLatin1Char(','));
}

ReportColumn col(const char *name, ColumnType type) { return {QString::fromLatin1(name), type}; }

bool addChecked(qint64 &sum, qint64 v)
{
    return !__builtin_add_overflow(sum, v, &sum);
}

Error overflow() { return Error::make(Error::Kind::Validation, tr("A report total is too large to add up exactly.")); }

// The sqlite3 handle behind a QSQLITE connection (Qt's plugin and this library use the same
// system libsqlite3), or nullptr for any other driver.
sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    if (!db.isValid() || db.driverName() != QLatin1String("QSQLITE") || !db.driver())
        return nullptr;
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

// A prepared sqlite3 statement, finalized when it goes.
class NativeStatement final
{
public:
    NativeStatement() = default;
    ~NativeStatement() { sqlite3_finalize(m_stmt); }
    NativeStatement(const NativeStatement &) = delete;
    NativeStatement &operator=(const NativeStatement &) = delete;
    bool prepare(sqlite3 *db, const QString &sql)
    {
        const QByteArray utf8 = sql.toUtf8();
        return sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &m_stmt, nullptr) == SQLITE_OK;
    }
    sqlite3_stmt *get() const { return m_stmt; }
    void bind(const char *name, qint64 v)
    {
        if (const int i = sqlite3_bind_parameter_index(m_stmt, name))
            sqlite3_bind_int64(m_stmt, i, v);
    }
    void bind(const char *name, const QString &v)
    {
        if (const int i = sqlite3_bind_parameter_index(m_stmt, name)) {
            const QByteArray utf8 = v.toUtf8();
            sqlite3_bind_text(m_stmt, i, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
        }
    }
    void bind(const char *name, const QByteArray &utf8)
    {
        if (const int i = sqlite3_bind_parameter_index(m_stmt, name))
            sqlite3_bind_text(m_stmt, i, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

Error nativeError(sqlite3 *db, const QString &sql)
{
    return Error::make(Error::Kind::Database, tr("Could not read the local cache for the report."),
                       QString::fromUtf8(sqlite3_errmsg(db)) + QStringLiteral(" [") + sql + QLatin1Char(']'));
}

} // namespace

const Currency *CurrencyCache::find(const QString &code)
{
    auto it = m_known.find(code);
    if (it == m_known.end())
        it = m_known.insert(code, Currency::fromCode(code));
    return it->has_value() ? &**it : nullptr;
}

// ------------------------------------------------------------------ invoices

QList<ReportColumn> InvoiceReport::columns() const
{
    using T = ColumnType;
    return {col("id", T::Text),           col("number", T::Text),          col("customer_id", T::Text),
            col("customer_name", T::Text), col("customer_email", T::Text), col("subscription_id", T::Text),
            col("status", T::Text),       col("collection_method", T::Text), col("billing_reason", T::Text),
            col("currency", T::Currency), col("subtotal", T::Amount),       col("total", T::Amount),
            col("amount_due", T::Amount), col("amount_paid", T::Amount),    col("amount_remaining", T::Amount),
            col("attempt_count", T::Integer), col("created", T::Date),     col("due_date", T::Date),
            col("period_start", T::Date), col("period_end", T::Date),       col("paid_at", T::Date)};
}

QString InvoiceReport::whereClause() const
{
    QStringList w{QStringLiteral("1")};
    if (m_filter.from)
        w << QStringLiteral("created >= :from");
    if (m_filter.to)
        w << QStringLiteral("created < :to");
    if (!m_filter.currency.isEmpty())
        w << QStringLiteral("currency = :currency");
    if (!m_filter.customerId.isEmpty())
        w << QStringLiteral("customer_id = :customer");
    if (!m_filter.statuses.isEmpty())
        w << QStringLiteral("status IN (%1)").arg(placeholders(QStringLiteral("s"), m_filter.statuses.size()));
    return w.join(QStringLiteral(" AND "));
}

void InvoiceReport::bindFilter(QSqlQuery &q) const
{
    if (m_filter.from)
        q.bindValue(QStringLiteral(":from"), startOfDay(*m_filter.from));
    if (m_filter.to)
        q.bindValue(QStringLiteral(":to"), startOfDay(m_filter.to->addDays(1)));
    if (!m_filter.currency.isEmpty())
        q.bindValue(QStringLiteral(":currency"), sqlText(m_filter.currency.toLower()));
    if (!m_filter.customerId.isEmpty())
        q.bindValue(QStringLiteral(":customer"), m_filter.customerId);
    for (qsizetype i = 0; i < m_filter.statuses.size(); ++i)
        q.bindValue(QStringLiteral(":s%1").arg(i), m_filter.statuses.at(i));
}

Result<qint64> InvoiceReport::estimateRows()
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.prepare(QStringLiteral("SELECT count(*) FROM invoices WHERE ") + whereClause()))
        return dbError(q);
    bindFilter(q);
    if (!q.exec() || !q.next())
        return dbError(q);
    return q.value(0).toLongLong();
}

Status InvoiceReport::read(const RowSink &sink)
{
    const QString key = QStringLiteral("COALESCE(created, %1)").arg(NullTime);
    const QString select = QStringLiteral(
        "SELECT id, number, customer_id, customer_name, customer_email, subscription_id, status,"
        " collection_method, billing_reason, currency, subtotal, total, amount_due, amount_paid,"
        " amount_remaining, attempt_count, created, due_date, period_start, period_end, paid_at, %1"
        " FROM invoices INDEXED BY invoices_by_created WHERE %2");
    const QString first = select.arg(key, whereClause()) + QStringLiteral(" ORDER BY %1, id LIMIT :limit").arg(key);
    const QString next = select.arg(key, whereClause() + QStringLiteral(" AND %1 >= :k1 AND (%1 > :k2 OR id > :id)").arg(key))
                       + QStringLiteral(" ORDER BY %1, id LIMIT :limit").arg(key);
    if (sqlite3 *handle = sqliteHandle(m_db))
        return readNative(handle, first, next, sink);
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    ReportRow row(21);
    bool more = true;
    bool firstPage = true;
    qint64 lastKey = 0;
    QString lastId = sqlText({});
    while (more) {
        if (!q.prepare(firstPage ? first : next))
            return dbError(q);
        bindFilter(q);
        q.bindValue(QStringLiteral(":limit"), m_filter.pageSize);
        if (!firstPage) {
            // Spelled as a range on the index expression (SQLite does not seek an expression index
            // from a row-value comparison: every page would scan from the start).
            q.bindValue(QStringLiteral(":k1"), lastKey);
            q.bindValue(QStringLiteral(":k2"), lastKey);
            q.bindValue(QStringLiteral(":id"), lastId);
        }
        if (!q.exec())
            return dbError(q);
        int n = 0;
        while (q.next()) {
            ++n;
            const Currency *c = m_currencies.find(q.value(9).toString());
            for (int i = 0; i < 9; ++i)
                row[i] = textAt(q, i);
            row[9] = currencyValue(c);
            for (int i = 10; i < 15; ++i)
                row[i] = amountAt(q, i, c);
            row[15] = ReportValue::integer(q.value(15).toLongLong());
            for (int i = 16; i < 21; ++i)
                row[i] = dateAt(q, i);
            lastKey = q.value(21).toLongLong();
            lastId = row.at(0).textValue();
            if (!sink(row))
                return cancelled();
        }
        if (q.lastError().isValid())
            return dbError(q);
        q.finish();
        firstPage = false;
        more = n == m_filter.pageSize;
    }
    return {};
}

Status InvoiceReport::readNative(sqlite3 *handle, const QString &firstSql, const QString &nextSql, const RowSink &sink)
{
    NativeStatement first;
    NativeStatement next;
    if (!first.prepare(handle, firstSql))
        return nativeError(handle, firstSql);
    if (!next.prepare(handle, nextSql))
        return nativeError(handle, nextSql);
    const auto bindFilter = [this](NativeStatement &st) {
        if (m_filter.from)
            st.bind(":from", startOfDay(*m_filter.from));
        if (m_filter.to)
            st.bind(":to", startOfDay(m_filter.to->addDays(1)));
        if (!m_filter.currency.isEmpty())
            st.bind(":currency", m_filter.currency.toLower());
        if (!m_filter.customerId.isEmpty())
            st.bind(":customer", m_filter.customerId);
        for (qsizetype i = 0; i < m_filter.statuses.size(); ++i)
            st.bind(QStringLiteral(":s%1").arg(i).toLatin1().constData(), m_filter.statuses.at(i));
        st.bind(":limit", qint64(m_filter.pageSize));
    };
    // The five or so currencies of a file, by their raw bytes (no QString per row).
    QList<QPair<QByteArray, const Currency *>> currencies;
    const auto currencyOf = [&](const char *code, int size) -> const Currency * {
        const QByteArrayView bytes(code, size);
        for (const auto &known : std::as_const(currencies))
            if (known.first == bytes)
                return known.second;
        const Currency *c = m_currencies.find(QString::fromUtf8(code, size));
        currencies.append({bytes.toByteArray(), c});
        return c;
    };
    ReportRow row(21);
    qint64 lastKey = 0;
    QByteArray lastId;
    for (bool firstPage = true;; firstPage = false) {
        NativeStatement &st = firstPage ? first : next;
        sqlite3_stmt *s = st.get();
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        bindFilter(st);
        if (!firstPage) {
            st.bind(":k1", lastKey);
            st.bind(":k2", lastKey);
            st.bind(":id", lastId);
        }
        int n = 0;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            ++n;
            const auto *code = reinterpret_cast<const char *>(sqlite3_column_text(s, 9));
            const Currency *currency = currencyOf(code ? code : "", code ? sqlite3_column_bytes(s, 9) : 0);
            for (int i = 0; i < 9; ++i) {
                const auto *t = reinterpret_cast<const char *>(sqlite3_column_text(s, i));
                if (t)
                    row[i].setTextUtf8(t, sqlite3_column_bytes(s, i));
                else
                    row[i] = ReportValue::text(QString());
            }
            row[9] = currencyValue(currency);
            for (int i = 10; i < 15; ++i)
                row[i] = currency ? ReportValue::amount(Money(sqlite3_column_int64(s, i), *currency))
                                  : ReportValue::null(ColumnType::Amount);
            row[15] = ReportValue::integer(sqlite3_column_int64(s, 15));
            for (int i = 16; i < 21; ++i)
                row[i] = sqlite3_column_type(s, i) == SQLITE_NULL ? ReportValue::null(ColumnType::Date)
                                                                  : ReportValue::date(sqlite3_column_int64(s, i));
            lastKey = sqlite3_column_int64(s, 21);
            lastId = QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(s, 0)), sqlite3_column_bytes(s, 0));
            if (!sink(row)) {
                sqlite3_reset(s);
                return cancelled();
            }
        }
        if (rc != SQLITE_DONE) {
            const Error e = nativeError(handle, firstPage ? firstSql : nextSql);
            sqlite3_reset(s);
            return e;
        }
        sqlite3_reset(s); // ends the read transaction between pages, as the Qt path does
        if (n < m_filter.pageSize)
            return {};
    }
}

// ------------------------------------------------------------------ customers

QList<ReportColumn> CustomerReport::columns() const
{
    using T = ColumnType;
    return {col("id", T::Text),          col("name", T::Text),       col("email", T::Text),
            col("description", T::Text), col("phone", T::Text),      col("country", T::Text),
            col("currency", T::Currency), col("balance", T::Amount), col("delinquent", T::Integer),
            col("created", T::Date)};
}

Result<qint64> CustomerReport::estimateRows()
{
    QSqlQuery q(m_db);
    if (!q.prepare(QStringLiteral("SELECT count(*) FROM customers WHERE (:c1 = '' OR currency = :c2)")))
        return dbError(q);
    q.bindValue(QStringLiteral(":c1"), sqlText(m_filter.currency.toLower()));
    q.bindValue(QStringLiteral(":c2"), sqlText(m_filter.currency.toLower()));
    if (!q.exec() || !q.next())
        return dbError(q);
    return q.value(0).toLongLong();
}

Status CustomerReport::read(const RowSink &sink)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    ReportRow row(10);
    QString lastId = sqlText({});
    for (;;) {
        if (!q.prepare(QStringLiteral("SELECT id, name, email, description, phone, country, currency, balance,"
                                      " delinquent, created FROM customers WHERE id > :after"
                                      " AND (:c1 = '' OR currency = :c2) ORDER BY id LIMIT :limit")))
            return dbError(q);
        q.bindValue(QStringLiteral(":after"), lastId);
        q.bindValue(QStringLiteral(":c1"), sqlText(m_filter.currency.toLower()));
    q.bindValue(QStringLiteral(":c2"), sqlText(m_filter.currency.toLower()));
        q.bindValue(QStringLiteral(":limit"), m_filter.pageSize);
        if (!q.exec())
            return dbError(q);
        int n = 0;
        while (q.next()) {
            ++n;
            for (int i = 0; i < 6; ++i)
                row[i] = textAt(q, i);
            const Currency *c = m_currencies.find(q.value(6).toString());
            row[6] = currencyValue(c);
            row[7] = amountAt(q, 7, c);
            row[8] = ReportValue::integer(q.value(8).toLongLong());
            row[9] = dateAt(q, 9);
            lastId = row.at(0).textValue();
            if (!sink(row))
                return cancelled();
        }
        q.finish();
        if (n < m_filter.pageSize)
            return {};
    }
}

// ------------------------------------------------------------------ subscriptions

QList<ReportColumn> SubscriptionReport::columns() const
{
    using T = ColumnType;
    return {col("id", T::Text),          col("customer_id", T::Text),   col("customer_name", T::Text),
            col("customer_email", T::Text), col("status", T::Text),     col("plan", T::Text),
            col("interval", T::Text),    col("collection_method", T::Text), col("currency", T::Currency),
            col("amount", T::Amount),    col("interval_count", T::Integer), col("cancel_at_period_end", T::Integer),
            col("created", T::Date),     col("start_date", T::Date),    col("current_period_end", T::Date),
            col("trial_end", T::Date),   col("cancel_at", T::Date),     col("canceled_at", T::Date),
            col("ended_at", T::Date)};
}

QString SubscriptionReport::whereClause() const
{
    QStringList w{QStringLiteral("1")};
    if (!m_filter.currency.isEmpty())
        w << QStringLiteral("currency = :currency");
    if (!m_filter.customerId.isEmpty())
        w << QStringLiteral("customer_id = :customer");
    if (!m_filter.statuses.isEmpty())
        w << QStringLiteral("status IN (%1)").arg(placeholders(QStringLiteral("s"), m_filter.statuses.size()));
    return w.join(QStringLiteral(" AND "));
}

void SubscriptionReport::bindFilter(QSqlQuery &q) const
{
    if (!m_filter.currency.isEmpty())
        q.bindValue(QStringLiteral(":currency"), sqlText(m_filter.currency.toLower()));
    if (!m_filter.customerId.isEmpty())
        q.bindValue(QStringLiteral(":customer"), m_filter.customerId);
    for (qsizetype i = 0; i < m_filter.statuses.size(); ++i)
        q.bindValue(QStringLiteral(":s%1").arg(i), m_filter.statuses.at(i));
}

Result<qint64> SubscriptionReport::estimateRows()
{
    QSqlQuery q(m_db);
    if (!q.prepare(QStringLiteral("SELECT count(*) FROM subscriptions WHERE ") + whereClause()))
        return dbError(q);
    bindFilter(q);
    if (!q.exec() || !q.next())
        return dbError(q);
    return q.value(0).toLongLong();
}

Status SubscriptionReport::read(const RowSink &sink)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    ReportRow row(19);
    QString lastId = sqlText({});
    for (;;) {
        if (!q.prepare(QStringLiteral("SELECT id, customer_id, customer_name, customer_email, status, plan_name,"
                                      " plan_interval, collection_method, currency, amount, plan_interval_count,"
                                      " cancel_at_period_end, created, start_date, period_end, trial_end, cancel_at,"
                                      " canceled_at, ended_at FROM subscription_rows WHERE id > :after AND ")
                       + whereClause() + QStringLiteral(" ORDER BY id LIMIT :limit")))
            return dbError(q);
        bindFilter(q);
        q.bindValue(QStringLiteral(":after"), lastId);
        q.bindValue(QStringLiteral(":limit"), m_filter.pageSize);
        if (!q.exec())
            return dbError(q);
        int n = 0;
        while (q.next()) {
            ++n;
            for (int i = 0; i < 8; ++i)
                row[i] = textAt(q, i);
            const Currency *c = m_currencies.find(q.value(8).toString());
            row[8] = currencyValue(c);
            row[9] = amountAt(q, 9, c);
            row[10] = ReportValue::integer(q.value(10).toLongLong());
            row[11] = ReportValue::integer(q.value(11).toLongLong());
            for (int i = 12; i < 19; ++i)
                row[i] = dateAt(q, i);
            lastId = row.at(0).textValue();
            if (!sink(row))
                return cancelled();
        }
        q.finish();
        if (n < m_filter.pageSize)
            return {};
    }
}

// ------------------------------------------------------------------ refunds

QList<ReportColumn> RefundReport::columns() const
{
    using T = ColumnType;
    return {col("requested_at", T::Date), col("kind", T::Text),         col("invoice_id", T::Text),
            col("customer_id", T::Text),  col("currency", T::Currency), col("amount", T::Amount),
            col("reason", T::Text),       col("note", T::Text),         col("status", T::Text),
            col("stripe_object_id", T::Text), col("completed_at", T::Date), col("actor", T::Text),
            col("idempotency_key", T::Text)};
}

Status RefundReport::read(const RowSink &sink)
{
    const QString refundOp = QStringLiteral("refund.create");
    const QString creditOp = QStringLiteral("credit_note.create");
    const qint64 fromSecs = m_filter.from ? startOfDay(*m_filter.from) : std::numeric_limits<qint64>::min();
    const qint64 toSecs = m_filter.to ? startOfDay(m_filter.to->addDays(1)) : std::numeric_limits<qint64>::max();
    // Outcome rows come first (newest first); kept by key until their requested row arrives.
    QHash<QString, AuditEntry> outcomes;
    QSqlQuery inv(m_db);
    if (!inv.prepare(QStringLiteral("SELECT currency, customer_id FROM invoices WHERE id = :id")))
        return dbError(inv);
    ReportRow row(13);
    AuditQuery query;
    query.limit = m_filter.pageSize;
    if (m_filter.from)
        query.from = QDateTime(*m_filter.from, QTime(0, 0), QTimeZone::utc());
    for (;;) {
        Result<QList<AuditEntry>> page = m_audit(query);
        if (!page)
            return page.error();
        for (const AuditEntry &e : std::as_const(*page)) {
            query.beforeId = e.id;
            if (e.operation != refundOp && e.operation != creditOp)
                continue;
            if (e.result != QLatin1String("requested")) {
                if (!e.result.startsWith(QLatin1String("refused")) && !e.idempotencyKey.isEmpty())
                    outcomes.insert(e.idempotencyKey, e);
                continue;
            }
            const AuditEntry outcome = outcomes.take(e.idempotencyKey);
            const qint64 at = e.at.toSecsSinceEpoch();
            if (at < fromSecs || at >= toSecs)
                continue;
            const QJsonObject params = QJsonDocument::fromJson(e.paramsJson.toUtf8()).object();
            const QString invoiceId = e.targetId.isEmpty()
                                        ? params.value(QLatin1String("metadata")).toObject().value(QLatin1String("invoice")).toString()
                                        : e.targetId;
            inv.bindValue(QStringLiteral(":id"), invoiceId);
            if (!inv.exec())
                return dbError(inv);
            const Currency *c = nullptr;
            QString customer;
            if (inv.next()) {
                c = m_currencies.find(inv.value(0).toString());
                customer = inv.value(1).toString();
            }
            inv.finish();
            if (!m_filter.currency.isEmpty() && (!c || c->code() != m_filter.currency.toUpper()))
                continue;
            if (!m_filter.customerId.isEmpty() && customer != m_filter.customerId)
                continue;
            QString kind = QStringLiteral("refund");
            if (e.operation == creditOp) {
                if (params.contains(QLatin1String("refund_amount")))
                    kind = QStringLiteral("credit_note_refund");
                else if (params.contains(QLatin1String("credit_amount")))
                    kind = QStringLiteral("credit_note_balance");
                else
                    kind = QStringLiteral("credit_note_out_of_band");
            }
            const QJsonObject outcomeParams = QJsonDocument::fromJson(outcome.paramsJson.toUtf8()).object();
            row[0] = ReportValue::date(e.at);
            row[1] = ReportValue::text(kind);
            row[2] = ReportValue::text(invoiceId);
            row[3] = ReportValue::text(customer);
            row[4] = currencyValue(c);
            row[5] = c ? ReportValue::amount(Money(params.value(QLatin1String("amount")).toInteger(), *c))
                       : ReportValue::null(ColumnType::Amount);
            row[6] = ReportValue::text(params.value(QLatin1String("reason")).toString());
            row[7] = ReportValue::text(params.value(QLatin1String("metadata")).toObject().value(QLatin1String("note")).toString());
            row[8] = ReportValue::text(outcome.result.isEmpty() ? QStringLiteral("pending") : outcome.result);
            row[9] = ReportValue::text(outcomeParams.value(QLatin1String("object_id")).toString());
            row[10] = outcome.result.isEmpty() ? ReportValue::null(ColumnType::Date) : ReportValue::date(outcome.at);
            row[11] = ReportValue::text(e.actor);
            row[12] = ReportValue::text(e.idempotencyKey);
            if (!sink(row))
                return cancelled();
        }
        if (page->size() < query.limit)
            return {};
    }
}

// ------------------------------------------------------------------ AR aging

QList<ReportColumn> ArAgingReport::columns() const
{
    using T = ColumnType;
    return {col("as_of", T::Text),          col("currency", T::Currency),  col("current", T::Amount),
            col("days_1_30", T::Amount),    col("days_31_60", T::Amount),  col("days_61_90", T::Amount),
            col("days_over_90", T::Amount), col("total", T::Amount),       col("open_invoices", T::Integer)};
}

Status ArAgingReport::read(const RowSink &sink)
{
    const QDate asOf = m_filter.asOf.isValid() ? m_filter.asOf : QDateTime::currentDateTimeUtc().date();
    const qint64 asOfEnd = startOfDay(asOf.addDays(1));
    struct Buckets
    {
        qint64 b[5] = {0, 0, 0, 0, 0};
        qint64 count = 0;
    };
    QMap<QString, Buckets> byCurrency; // upper-case code -> buckets
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    QString lastId = sqlText({});
    for (;;) {
        if (!q.prepare(QStringLiteral(
                "SELECT id, currency, status, amount_remaining, amount_due, due_date, created FROM invoices"
                " WHERE id > :after AND created < :end1 AND (:c1 = '' OR currency = :c2)"
                " AND ((status = 'open' AND amount_remaining > 0) OR (status = 'paid' AND paid_at >= :end2))"
                " ORDER BY id LIMIT :limit")))
            return dbError(q);
        q.bindValue(QStringLiteral(":after"), lastId);
        q.bindValue(QStringLiteral(":end1"), asOfEnd);
        q.bindValue(QStringLiteral(":end2"), asOfEnd);
        q.bindValue(QStringLiteral(":c1"), sqlText(m_filter.currency.toLower()));
    q.bindValue(QStringLiteral(":c2"), sqlText(m_filter.currency.toLower()));
        q.bindValue(QStringLiteral(":limit"), m_filter.pageSize);
        if (!q.exec())
            return dbError(q);
        int n = 0;
        while (q.next()) {
            ++n;
            lastId = q.value(0).toString();
            const Currency *c = m_currencies.find(q.value(1).toString());
            if (!c)
                continue;
            const bool open = q.value(2).toString() == QLatin1String("open");
            const qint64 outstanding = open ? q.value(3).toLongLong() : q.value(4).toLongLong();
            const qint64 due = q.value(5).isNull()
                                 ? q.value(6).toLongLong() + qint64(m_filter.defaultTermsDays) * 86400
                                 : q.value(5).toLongLong();
            const QDate dueDay = QDateTime::fromSecsSinceEpoch(due, QTimeZone::utc()).date();
            const qint64 days = dueDay.daysTo(asOf);
            const int bucket = days <= 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4;
            Buckets &b = byCurrency[c->code()];
            if (!addChecked(b.b[bucket], outstanding))
                return overflow();
            ++b.count;
        }
        q.finish();
        if (n < m_filter.pageSize)
            break;
    }
    ReportRow row(9);
    for (auto it = byCurrency.cbegin(); it != byCurrency.cend(); ++it) {
        const Currency c = *Currency::fromCode(it.key());
        qint64 total = 0;
        row[0] = ReportValue::text(asOf.toString(Qt::ISODate));
        row[1] = ReportValue::currency(c);
        for (int i = 0; i < 5; ++i) {
            row[2 + i] = ReportValue::amount(Money(it->b[i], c));
            if (!addChecked(total, it->b[i]))
                return overflow();
        }
        row[7] = ReportValue::amount(Money(total, c));
        row[8] = ReportValue::integer(it->count);
        if (!sink(row))
            return cancelled();
    }
    return {};
}

// ------------------------------------------------------------------ MRR movements

QList<ReportColumn> MrrMovementReport::columns() const
{
    using T = ColumnType;
    return {col("month", T::Text),         col("currency", T::Currency),     col("starting_mrr", T::Amount),
            col("new", T::Amount),         col("expansion", T::Amount),      col("contraction", T::Amount),
            col("churn", T::Amount),       col("reactivation", T::Amount),   col("ending_mrr", T::Amount),
            col("customers_start", T::Integer), col("customers_end", T::Integer)};
}

namespace {

int monthIndex(const QDate &d) { return d.year() * 12 + d.month() - 1; }
QString monthName(int index)
{
    return QStringLiteral("%1-%2").arg(index / 12, 4, 10, QLatin1Char('0')).arg(index % 12 + 1, 2, 10, QLatin1Char('0'));
}

struct MonthTotals
{
    qint64 starting = 0, fresh = 0, expansion = 0, contraction = 0, churn = 0, reactivation = 0, ending = 0;
    qint64 customersStart = 0, customersEnd = 0;
};

// One customer's lines, per currency: month -> (subscription|price) -> (period start, monthly minor).
using PairMap = QHash<QString, QPair<qint64, qint64>>;
using CustomerHistory = QHash<QString, QMap<int, PairMap>>; // currency code -> month -> pairs

} // namespace

Status MrrMovementReport::read(const RowSink &sink)
{
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    const QString cur = sqlText(m_filter.currency.toLower());
    const QString lineFilter = QStringLiteral(
        " FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id JOIN prices p ON p.id = l.price_id"
        " WHERE i.status IN ('paid', 'open') AND l.proration = 0 AND p.type = 'recurring'"
        " AND p.usage_type <> 'metered' AND (:c1 = '' OR i.currency = :c2)");
    const QString startExpr = QStringLiteral("COALESCE(l.period_start, i.period_start, i.created)");

    // The month range.
    int first = 0, last = -1;
    if (m_filter.from)
        first = monthIndex(*m_filter.from);
    if (m_filter.to)
        last = monthIndex(*m_filter.to);
    else if (m_filter.asOf.isValid())
        last = monthIndex(m_filter.asOf);
    if (!m_filter.from || last < 0) {
        if (!q.prepare(QStringLiteral("SELECT MIN(%1), MAX(%1)").arg(startExpr) + lineFilter))
            return dbError(q);
        q.bindValue(QStringLiteral(":c1"), cur);
        q.bindValue(QStringLiteral(":c2"), cur);
        if (!q.exec() || !q.next())
            return dbError(q);
        if (q.value(0).isNull())
            return {}; // no recurring revenue at all
        if (!m_filter.from)
            first = monthIndex(QDateTime::fromSecsSinceEpoch(q.value(0).toLongLong(), QTimeZone::utc()).date());
        if (last < 0)
            last = monthIndex(QDateTime::fromSecsSinceEpoch(q.value(1).toLongLong(), QTimeZone::utc()).date());
        q.finish();
    }
    if (last < first)
        return {};

    QMap<QPair<int, QString>, MonthTotals> totals;
    // Adds one customer's movements to the totals.
    auto account = [&](const CustomerHistory &history) -> Status {
        for (auto cit = history.cbegin(); cit != history.cend(); ++cit) {
            const QMap<int, PairMap> &months = cit.value();
            auto mrrOf = [&months](int m) -> qint64 {
                const auto it = months.constFind(m);
                qint64 s = 0;
                if (it != months.cend())
                    for (const auto &v : *it)
                        s += v.second;
                return s;
            };
            bool everBefore = false;
            for (auto it = months.cbegin(); it != months.cend() && it.key() < first - 1; ++it)
                everBefore = everBefore || mrrOf(it.key()) > 0;
            qint64 prev = mrrOf(first - 1);
            for (int m = first; m <= last; ++m) {
                everBefore = everBefore || prev > 0;
                const qint64 now = mrrOf(m);
                if (prev == 0 && now == 0) {
                    if (months.isEmpty() || months.lastKey() < m)
                        break; // nothing more for this customer
                    continue;
                }
                MonthTotals &t = totals[{m, cit.key()}];
                if (!addChecked(t.starting, prev) || !addChecked(t.ending, now))
                    return overflow();
                t.customersStart += prev > 0;
                t.customersEnd += now > 0;
                bool ok = true;
                if (prev == 0)
                    ok = addChecked(everBefore ? t.reactivation : t.fresh, now);
                else if (now == 0)
                    ok = addChecked(t.churn, -prev);
                else if (now > prev)
                    ok = addChecked(t.expansion, now - prev);
                else if (now < prev)
                    ok = addChecked(t.contraction, now - prev);
                if (!ok)
                    return overflow();
                prev = now;
            }
        }
        return {};
    };

    QSqlQuery customers(m_db);
    customers.setForwardOnly(true);
    QString after = sqlText({});
    const int customerPage = qMax(1, qMin(m_filter.pageSize, 1000));
    for (;;) {
        if (!customers.prepare(QStringLiteral("SELECT DISTINCT customer_id FROM invoices WHERE customer_id > :after"
                                              " ORDER BY customer_id LIMIT :limit")))
            return dbError(customers);
        customers.bindValue(QStringLiteral(":after"), after);
        customers.bindValue(QStringLiteral(":limit"), customerPage);
        if (!customers.exec())
            return dbError(customers);
        QString pageLast;
        int n = 0;
        while (customers.next()) {
            pageLast = customers.value(0).toString();
            ++n;
        }
        customers.finish();
        if (n == 0)
            break;
        if (!q.prepare(QStringLiteral("SELECT i.customer_id, i.currency, i.subscription_id, l.price_id, l.amount, %1,"
                                      " p.interval, p.interval_count")
                           .arg(startExpr)
                       + lineFilter
                       + QStringLiteral(" AND i.customer_id > :after AND i.customer_id <= :last ORDER BY i.customer_id")))
            return dbError(q);
        q.bindValue(QStringLiteral(":c1"), cur);
        q.bindValue(QStringLiteral(":c2"), cur);
        q.bindValue(QStringLiteral(":after"), after);
        q.bindValue(QStringLiteral(":last"), pageLast);
        if (!q.exec())
            return dbError(q);
        QString customer;
        CustomerHistory history;
        while (q.next()) {
            const QString id = q.value(0).toString();
            if (id != customer) {
                if (Status st = account(history); !st)
                    return st;
                history.clear();
                customer = id;
            }
            const Currency *c = m_currencies.find(q.value(1).toString());
            if (!c)
                continue;
            const QString interval = q.value(6).toString();
            const qint64 count = qMax<qint64>(1, q.value(7).toLongLong());
            qint64 num = 1, den = 1;
            int span = 1;
            if (interval == QLatin1String("month")) {
                den = count;
                span = int(count);
            } else if (interval == QLatin1String("year")) {
                den = 12 * count;
                span = int(12 * count);
            } else if (interval == QLatin1String("week")) {
                num = 52;
                den = 12 * count;
            } else if (interval == QLatin1String("day")) {
                num = 365;
                den = 12 * count;
            } else {
                continue;
            }
            Result<Money> monthly = Money(q.value(4).toLongLong(), *c).scaled(num, den, Rounding::HalfUp);
            if (!monthly)
                return monthly.error();
            const qint64 start = q.value(5).toLongLong();
            const int m0 = monthIndex(QDateTime::fromSecsSinceEpoch(start, QTimeZone::utc()).date());
            const QString pair = q.value(2).toString() + QLatin1Char('|') + q.value(3).toString();
            QMap<int, PairMap> &months = history[c->code()];
            for (int m = m0; m < m0 + span && m <= last; ++m) {
                auto &slot = months[m][pair];
                if (slot.second == 0 && slot.first == 0)
                    slot = {start, monthly->minor()};
                else if (start > slot.first)
                    slot = {start, monthly->minor()};
                else if (start == slot.first)
                    slot.second = qMax(slot.second, monthly->minor());
            }
        }
        if (q.lastError().isValid())
            return dbError(q);
        q.finish();
        if (Status st = account(history); !st)
            return st;
        after = pageLast;
        if (n < customerPage)
            break;
    }

    ReportRow row(11);
    for (auto it = totals.cbegin(); it != totals.cend(); ++it) {
        const Currency c = *Currency::fromCode(it.key().second);
        const MonthTotals &t = *it;
        row[0] = ReportValue::text(monthName(it.key().first));
        row[1] = ReportValue::currency(c);
        row[2] = ReportValue::amount(Money(t.starting, c));
        row[3] = ReportValue::amount(Money(t.fresh, c));
        row[4] = ReportValue::amount(Money(t.expansion, c));
        row[5] = ReportValue::amount(Money(t.contraction, c));
        row[6] = ReportValue::amount(Money(t.churn, c));
        row[7] = ReportValue::amount(Money(t.reactivation, c));
        row[8] = ReportValue::amount(Money(t.ending, c));
        row[9] = ReportValue::integer(t.customersStart);
        row[10] = ReportValue::integer(t.customersEnd);
        if (!sink(row))
            return cancelled();
    }
    return {};
}

// ------------------------------------------------------------------ audit log

QList<ReportColumn> AuditLogReport::columns() const
{
    using T = ColumnType;
    return {col("id", T::Integer),     col("at", T::Date),        col("actor", T::Text),
            col("operation", T::Text), col("target_type", T::Text), col("target_id", T::Text),
            col("result", T::Text),    col("idempotency_key", T::Text), col("before", T::Text),
            col("after", T::Text),     col("params", T::Text)};
}

Status AuditLogReport::read(const RowSink &sink)
{
    AuditQuery query;
    if (m_filter.auditQuery) {
        query = *m_filter.auditQuery; // the audit pane's filter, from the first (newest) entry
        query.beforeId = 0;
    } else {
        if (m_filter.from)
            query.from = QDateTime(*m_filter.from, QTime(0, 0), QTimeZone::utc());
        if (m_filter.to)
            query.to = QDateTime(m_filter.to->addDays(1), QTime(0, 0), QTimeZone::utc());
    }
    query.limit = qMin(m_filter.pageSize, 1000);
    ReportRow row(11);
    for (;;) {
        Result<QList<AuditEntry>> page = m_audit(query);
        if (!page)
            return page.error();
        for (const AuditEntry &e : std::as_const(*page)) {
            query.beforeId = e.id;
            row[0] = ReportValue::integer(e.id);
            row[1] = ReportValue::date(e.at);
            row[2] = ReportValue::text(e.actor);
            row[3] = ReportValue::text(e.operation);
            row[4] = ReportValue::text(e.targetType);
            row[5] = ReportValue::text(e.targetId);
            row[6] = ReportValue::text(e.result);
            row[7] = ReportValue::text(e.idempotencyKey);
            row[8] = ReportValue::text(e.beforeSummary);
            row[9] = ReportValue::text(e.afterSummary);
            row[10] = ReportValue::text(e.paramsJson);
            if (!sink(row))
                return cancelled();
        }
        if (page->size() < query.limit)
            return {};
    }
}

// ------------------------------------------------------------------ expiring cards

QDate ExpiringCardsReport::firstDay() const
{
    return m_filter.from ? *m_filter.from : QDateTime::currentDateTimeUtc().date();
}

QDate ExpiringCardsReport::lastDay() const
{
    return m_filter.to ? *m_filter.to : firstDay().addDays(30);
}

QList<ReportColumn> ExpiringCardsReport::columns() const
{
    using T = ColumnType;
    return {col("payment_method_id", T::Text), col("customer_id", T::Text),   col("customer_name", T::Text),
            col("customer_email", T::Text),    col("brand", T::Text),         col("last4", T::Text),
            col("exp_month", T::Integer),      col("exp_year", T::Integer),   col("valid_through", T::Date),
            col("funding", T::Text),           col("is_default", T::Integer), col("currency", T::Currency)};
}

namespace {

const char *const ExpiringCardsFrom =
    " FROM payment_methods pm LEFT JOIN customers c ON c.id = pm.customer_id"
    " WHERE pm.type = 'card' AND pm.customer_id IS NOT NULL AND pm.customer_id <> ''"
    " AND pm.exp_year * 100 + pm.exp_month BETWEEN :lo AND :hi"
    " AND (:c1 = '' OR c.currency = :c2)";

} // namespace

Result<qint64> ExpiringCardsReport::estimateRows()
{
    QSqlQuery q(m_db);
    if (!q.prepare(QStringLiteral("SELECT count(*)") + QLatin1String(ExpiringCardsFrom)))
        return dbError(q);
    q.bindValue(QStringLiteral(":lo"), firstDay().year() * 100 + firstDay().month());
    q.bindValue(QStringLiteral(":hi"), lastDay().year() * 100 + lastDay().month());
    q.bindValue(QStringLiteral(":c1"), sqlText(m_filter.currency.toLower()));
    q.bindValue(QStringLiteral(":c2"), sqlText(m_filter.currency.toLower()));
    if (!q.exec() || !q.next())
        return dbError(q);
    return q.value(0).toLongLong();
}

Status ExpiringCardsReport::read(const RowSink &sink)
{
    if (lastDay() < firstDay())
        return Error::make(Error::Kind::Validation, tr("The end date is before the start date."));
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.prepare(QStringLiteral("SELECT pm.id, pm.customer_id, c.name, c.email, pm.brand, pm.last4, pm.exp_month,"
                                  " pm.exp_year, pm.funding, CASE WHEN c.default_payment_method = pm.id THEN 1 ELSE 0 END,"
                                  " c.currency")
                   + QLatin1String(ExpiringCardsFrom)
                   + QStringLiteral(" ORDER BY pm.exp_year * 100 + pm.exp_month, pm.customer_id, pm.id")))
        return dbError(q);
    q.bindValue(QStringLiteral(":lo"), firstDay().year() * 100 + firstDay().month());
    q.bindValue(QStringLiteral(":hi"), lastDay().year() * 100 + lastDay().month());
    q.bindValue(QStringLiteral(":c1"), sqlText(m_filter.currency.toLower()));
    q.bindValue(QStringLiteral(":c2"), sqlText(m_filter.currency.toLower()));
    if (!q.exec())
        return dbError(q);
    CurrencyCache currencies;
    ReportRow row(12);
    while (q.next()) {
        for (int i = 0; i < 6; ++i)
            row[i] = textAt(q, i);
        const int month = q.value(6).toInt();
        const int year = q.value(7).toInt();
        row[6] = ReportValue::integer(month);
        row[7] = ReportValue::integer(year);
        const QDate first(year, month, 1);
        row[8] = first.isValid()
            ? ReportValue::date(QDateTime(first.addMonths(1).addDays(-1), QTime(23, 59, 59), Qt::UTC))
            : ReportValue::null(ColumnType::Date);
        row[9] = textAt(q, 8);
        row[10] = ReportValue::integer(q.value(9).toLongLong());
        row[11] = currencyValue(currencies.find(q.value(10).toString()));
        if (!sink(row))
            return cancelled();
    }
    if (q.lastError().isValid())
        return dbError(q);
    return {};
}

} // namespace Billing
