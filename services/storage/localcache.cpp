#include "services/storage/localcache.h"

#include "services/storage/cacheschema.h"
#include "services/storage/cachesql.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QtEndian>

#include <spdlog/spdlog.h>


namespace Billing {

namespace {

constexpr qint64 NullTime = CacheSchema::NullTimeSentinel;
// Files up to this size get a full PRAGMA quick_check on open; bigger ones get the cheap header,
// size and schema checks only, so a large cache still opens instantly.
constexpr qint64 QuickCheckLimit = 64LL * 1024 * 1024;

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::LocalCache", text);
}

void logError(const QString &message)
{
    const std::string text = message.toStdString();
    if (auto logger = spdlog::get("db"))
        logger->error("local cache: {}", text);
    else
        spdlog::error("local cache: {}", text);
}

void logInfo(const QString &message)
{
    const std::string text = message.toStdString();
    if (auto logger = spdlog::get("db"))
        logger->info("local cache: {}", text);
    else
        spdlog::info("local cache: {}", text);
}

Error databaseError(const QString &userMessage, const QString &detail)
{
    logError(detail);
    return Error::make(Error::Kind::Database, userMessage, detail);
}

Error readError(const QSqlQuery &q)
{
    return databaseError(tr("The local cache could not be read."),
                         QStringLiteral("read failed: %1 [%2]").arg(q.lastError().text(), q.lastQuery()));
}

Error writeError(const QSqlQuery &q)
{
    return databaseError(tr("The local cache could not be updated; nothing was changed."),
                         QStringLiteral("write failed: %1 [%2]").arg(q.lastError().text(), q.lastQuery()));
}

Error notOpenError()
{
    return Error::make(Error::Kind::Database, tr("The local cache is not open."),
                       QStringLiteral("local cache used before open()"));
}

// Text columns are NOT NULL: bind "" for a null QString.
QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(QString(QLatin1String(""))) : QVariant(s);
}

QVariant seconds(const QDateTime &d)
{
    return d.isValid() ? QVariant(d.toSecsSinceEpoch()) : QVariant();
}

QVariant optionalInt(const std::optional<qint64> &v)
{
    return v ? QVariant(*v) : QVariant();
}

QDateTime dateTime(const QVariant &v)
{
    return v.isNull() ? QDateTime() : QDateTime::fromSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

std::optional<qint64> optionalInt(const QVariant &v)
{
    if (v.isNull())
        return std::nullopt;
    return v.toLongLong();
}

// A prepared statement with positional parameters.
class Statement
{
public:
    Statement(const QSqlDatabase &db, const QString &sql) : m_query(db)
    {
        m_query.setForwardOnly(true);
        m_prepared = m_query.prepare(sql);
    }

    bool prepared() const { return m_prepared; }

    bool exec(const QVariantList &values)
    {
        if (!m_prepared)
            return false;
        for (int i = 0; i < values.size(); ++i)
            m_query.bindValue(i, values.at(i));
        return m_query.exec();
    }

    QSqlQuery &query() { return m_query; }

private:
    QSqlQuery m_query;
    bool m_prepared = false;
};

// Runs body inside BEGIN ... COMMIT; anything that fails rolls the whole call back.
template <typename Body>
Status inTransaction(QSqlDatabase db, Body body)
{
    if (!db.isOpen())
        return notOpenError();
    if (!db.transaction())
        return databaseError(tr("The local cache could not be updated; nothing was changed."),
                             QStringLiteral("BEGIN failed: %1").arg(db.lastError().text()));
    Status status = body(db);
    if (!status.ok()) {
        db.rollback();
        return status;
    }
    if (!db.commit()) {
        const QString detail = db.lastError().text();
        db.rollback();
        return databaseError(tr("The local cache could not be updated; nothing was changed."),
                             QStringLiteral("COMMIT failed: %1").arg(detail));
    }
    return {};
}

QString metadataJson(const QMap<QString, QString> &metadata)
{
    QJsonObject o;
    for (auto it = metadata.cbegin(); it != metadata.cend(); ++it)
        o.insert(it.key(), it.value());
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QMap<QString, QString> metadataFromJson(const QString &json)
{
    QMap<QString, QString> out;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = o.begin(); it != o.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

// Tier integers are kept as decimal strings so no value passes through a double.
QString tiersJson(const QList<PriceTier> &tiers)
{
    const auto num = [](const std::optional<qint64> &v) {
        return v ? QJsonValue(QString::number(*v)) : QJsonValue(QJsonValue::Null);
    };
    QJsonArray a;
    for (const PriceTier &t : tiers) {
        QJsonObject o;
        o.insert(QStringLiteral("up_to"), num(t.upTo));
        o.insert(QStringLiteral("unit_amount"), num(t.unitAmount));
        o.insert(QStringLiteral("unit_amount_decimal"), t.unitAmountDecimal);
        o.insert(QStringLiteral("flat_amount"), num(t.flatAmount));
        o.insert(QStringLiteral("flat_amount_decimal"), t.flatAmountDecimal);
        a.append(o);
    }
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

QList<PriceTier> tiersFromJson(const QString &json)
{
    const auto num = [](const QJsonValue &v) -> std::optional<qint64> {
        if (!v.isString())
            return std::nullopt;
        bool ok = false;
        const qint64 n = v.toString().toLongLong(&ok);
        return ok ? std::optional<qint64>(n) : std::nullopt;
    };
    QList<PriceTier> out;
    const QJsonArray a = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const QJsonValue &v : a) {
        const QJsonObject o = v.toObject();
        PriceTier t;
        t.upTo = num(o.value(QStringLiteral("up_to")));
        t.unitAmount = num(o.value(QStringLiteral("unit_amount")));
        t.unitAmountDecimal = o.value(QStringLiteral("unit_amount_decimal")).toString();
        t.flatAmount = num(o.value(QStringLiteral("flat_amount")));
        t.flatAmountDecimal = o.value(QStringLiteral("flat_amount_decimal")).toString();
        out << t;
    }
    return out;
}

// currency_options as a JSON object: code -> {unit_amount (string), unit_amount_decimal, tiers}.
QString currencyOptionsJson(const QMap<QString, PriceCurrencyOption> &options)
{
    QJsonObject o;
    for (auto it = options.cbegin(); it != options.cend(); ++it) {
        QJsonObject opt;
        opt.insert(QStringLiteral("unit_amount"),
                   it->unitAmount ? QJsonValue(QString::number(*it->unitAmount)) : QJsonValue(QJsonValue::Null));
        opt.insert(QStringLiteral("unit_amount_decimal"), it->unitAmountDecimal);
        opt.insert(QStringLiteral("tiers"), QJsonDocument::fromJson(tiersJson(it->tiers).toUtf8()).array());
        o.insert(it.key(), opt);
    }
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QMap<QString, PriceCurrencyOption> currencyOptionsFromJson(const QString &json)
{
    QMap<QString, PriceCurrencyOption> out;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonObject opt = it.value().toObject();
        PriceCurrencyOption option;
        bool ok = false;
        const qint64 unit = opt.value(QStringLiteral("unit_amount")).toString().toLongLong(&ok);
        if (ok)
            option.unitAmount = unit;
        option.unitAmountDecimal = opt.value(QStringLiteral("unit_amount_decimal")).toString();
        option.tiers = tiersFromJson(QString::fromUtf8(
            QJsonDocument(opt.value(QStringLiteral("tiers")).toArray()).toJson(QJsonDocument::Compact)));
        out.insert(it.key(), option);
    }
    return out;
}

QVariant optionalInt(const std::optional<int> &v)
{
    return v ? QVariant(*v) : QVariant();
}

std::optional<int> optionalInt32(const QVariant &v)
{
    if (v.isNull())
        return std::nullopt;
    return v.toInt();
}

// currency -> minor units, the integers as decimal strings (no double on the way).
QString amountsJson(const QMap<QString, qint64> &amounts)
{
    QJsonObject o;
    for (auto it = amounts.cbegin(); it != amounts.cend(); ++it)
        o.insert(it.key().toLower(), QString::number(it.value()));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QMap<QString, qint64> amountsFromJson(const QString &json)
{
    QMap<QString, qint64> out;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        bool ok = false;
        const qint64 n = it.value().toString().toLongLong(&ok);
        if (ok)
            out.insert(it.key(), n);
    }
    return out;
}

// Row readers: columns in the order of the CacheSql statements.
Customer readCustomer(const QSqlQuery &q)
{
    Customer c;
    c.id = q.value(0).toString();
    c.name = q.value(1).toString();
    c.email = q.value(2).toString();
    c.currency = q.value(3).toString();
    c.balanceMinor = q.value(4).toLongLong();
    c.delinquent = q.value(5).toBool();
    c.defaultPaymentMethod = q.value(6).toString();
    c.description = q.value(7).toString();
    c.phone = q.value(8).toString();
    c.country = q.value(9).toString();
    c.created = dateTime(q.value(10));
    c.livemode = q.value(11).toBool();
    c.metadata = metadataFromJson(q.value(12).toString());
    c.region = q.value(13).toString();
    return c;
}

SubscriptionRow readSubscriptionRow(const QSqlQuery &q)
{
    SubscriptionRow r;
    Subscription &s = r.subscription;
    s.id = q.value(0).toString();
    s.customerId = q.value(1).toString();
    s.status = q.value(2).toString();
    s.currency = q.value(3).toString();
    s.collectionMethod = q.value(4).toString();
    s.defaultPaymentMethod = q.value(5).toString();
    s.latestInvoice = q.value(6).toString();
    s.cancelAtPeriodEnd = q.value(7).toBool();
    s.created = dateTime(q.value(8));
    s.startDate = dateTime(q.value(9));
    s.cancelAt = dateTime(q.value(10));
    s.canceledAt = dateTime(q.value(11));
    s.endedAt = dateTime(q.value(12));
    s.trialStart = dateTime(q.value(13));
    s.trialEnd = dateTime(q.value(14));
    s.pauseBehavior = q.value(15).toString();
    s.pauseResumesAt = dateTime(q.value(16));
    s.cancellationFeedback = q.value(17).toString();
    r.customerName = q.value(18).toString();
    r.customerEmail = q.value(19).toString();
    r.planName = q.value(20).toString();
    r.amountMinor = q.value(21).toLongLong();
    r.interval = q.value(22).toString();
    r.intervalCount = q.value(23).toInt();
    return r;
}

Invoice readInvoice(const QSqlQuery &q)
{
    Invoice i;
    i.id = q.value(0).toString();
    i.number = q.value(1).toString();
    i.customerId = q.value(2).toString();
    i.subscriptionId = q.value(3).toString();
    i.status = q.value(4).toString();
    i.currency = q.value(5).toString();
    i.collectionMethod = q.value(6).toString();
    i.billingReason = q.value(7).toString();
    i.subtotalMinor = q.value(8).toLongLong();
    i.totalMinor = q.value(9).toLongLong();
    i.amountDueMinor = q.value(10).toLongLong();
    i.amountPaidMinor = q.value(11).toLongLong();
    i.amountRemainingMinor = q.value(12).toLongLong();
    i.attemptCount = q.value(13).toInt();
    i.attempted = q.value(14).toBool();
    i.created = dateTime(q.value(15));
    i.dueDate = dateTime(q.value(16));
    i.periodStart = dateTime(q.value(17));
    i.periodEnd = dateTime(q.value(18));
    i.nextPaymentAttempt = dateTime(q.value(19));
    i.paidAt = dateTime(q.value(20));
    i.hostedInvoiceUrl = q.value(21).toString();
    i.invoicePdf = q.value(22).toString();
    return i;
}

const QString PaymentAttemptColumns = QStringLiteral(
    "id, invoice_id, payment_intent_id, status, intent_status, failure_code, decline_code,"
    " failure_message, amount, currency, created");

PaymentAttempt readPaymentAttempt(const QSqlQuery &q)
{
    PaymentAttempt a;
    a.id = q.value(0).toString();
    a.invoiceId = q.value(1).toString();
    a.paymentIntentId = q.value(2).toString();
    a.status = q.value(3).toString();
    a.intentStatus = q.value(4).toString();
    a.failureCode = q.value(5).toString();
    a.declineCode = q.value(6).toString();
    a.failureMessage = q.value(7).toString();
    a.amountMinor = q.value(8).toLongLong();
    a.currency = q.value(9).toString();
    a.created = dateTime(q.value(10));
    return a;
}

const QString PaymentMethodColumns = QStringLiteral(
    "id, customer_id, type, brand, last4, exp_month, exp_year, bank_name, funding, created");

PaymentMethod readPaymentMethod(const QSqlQuery &q)
{
    PaymentMethod p;
    p.id = q.value(0).toString();
    p.customerId = q.value(1).toString();
    p.type = q.value(2).toString();
    p.brand = q.value(3).toString();
    p.last4 = q.value(4).toString();
    p.expMonth = q.value(5).toInt();
    p.expYear = q.value(6).toInt();
    p.bankName = q.value(7).toString();
    p.funding = q.value(8).toString();
    p.created = dateTime(q.value(9));
    return p;
}

const QString CouponColumns = QStringLiteral(
    "id, name, percent_off, amount_off, currency, currency_options, duration, duration_in_months,"
    " max_redemptions, times_redeemed, redeem_by, valid, created");

Coupon readCoupon(const QSqlQuery &q)
{
    Coupon c;
    c.id = q.value(0).toString();
    c.name = q.value(1).toString();
    c.percentOff = q.value(2).toString();
    c.amountOff = optionalInt(q.value(3));
    c.currency = q.value(4).toString();
    c.currencyOptionsAmountOff = amountsFromJson(q.value(5).toString());
    c.duration = q.value(6).toString();
    c.durationInMonths = optionalInt32(q.value(7));
    c.maxRedemptions = optionalInt32(q.value(8));
    c.timesRedeemed = q.value(9).toInt();
    c.redeemBy = dateTime(q.value(10));
    c.valid = q.value(11).toBool();
    c.created = dateTime(q.value(12));
    return c;
}

const QString PromotionCodeColumns = QStringLiteral(
    "id, code, coupon_id, customer_id, active, max_redemptions, times_redeemed, expires_at,"
    " first_time_transaction, minimum_amount, minimum_amount_currency, created");

PromotionCode readPromotionCode(const QSqlQuery &q)
{
    PromotionCode p;
    p.id = q.value(0).toString();
    p.code = q.value(1).toString();
    p.couponId = q.value(2).toString();
    p.customerId = q.value(3).toString();
    p.active = q.value(4).toBool();
    p.maxRedemptions = optionalInt32(q.value(5));
    p.timesRedeemed = q.value(6).toInt();
    p.expiresAt = dateTime(q.value(7));
    p.firstTimeTransaction = q.value(8).toBool();
    p.minimumAmount = optionalInt(q.value(9));
    p.minimumAmountCurrency = q.value(10).toString();
    p.created = dateTime(q.value(11));
    return p;
}

// ---- opening, checking and migrating the file ----

// Checks the 100-byte SQLite header and the file length against the page count it records.
// Returns a reason (for the log) when the file cannot be a sound database.
QString inspectFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read the file: %1").arg(f.errorString());
    const qint64 size = f.size();
    const QByteArray header = f.read(100);
    if (header.size() < 100 || !header.startsWith(QByteArrayLiteral("SQLite format 3\0")))
        return QStringLiteral("not an SQLite database");
    const auto *h = reinterpret_cast<const uchar *>(header.constData());
    quint32 pageSize = qFromBigEndian<quint16>(h + 16);
    if (pageSize == 1)
        pageSize = 65536;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
        return QStringLiteral("bad page size in header");
    const quint32 changeCounter = qFromBigEndian<quint32>(h + 24);
    const quint32 pageCount = qFromBigEndian<quint32>(h + 28);
    const quint32 validFor = qFromBigEndian<quint32>(h + 92);
    // With a non-empty WAL the main file may legitimately lag behind; SQLite replays it.
    const QFileInfo wal(path + QStringLiteral("-wal"));
    const bool walPending = wal.exists() && wal.size() > 0;
    if (!walPending && validFor == changeCounter && pageCount > 0
        && size < qint64(pageSize) * qint64(pageCount))
        return QStringLiteral("truncated: %1 bytes, header says %2 pages of %3").arg(size).arg(pageCount).arg(pageSize);
    return {};
}

QString moveAside(const QString &path, const QString &tag)
{
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString target = QStringLiteral("%1.%2-%3").arg(path, tag, stamp);
    for (int n = 1; QFileInfo::exists(target); ++n)
        target = QStringLiteral("%1.%2-%3-%4").arg(path, tag, stamp).arg(n);
    if (!QFile::rename(path, target)) {
        // Could not keep it: remove it so a fresh cache can be built (it is only a cache).
        QFile::remove(path);
        target.clear();
    }
    const QString wal = path + QStringLiteral("-wal");
    if (QFileInfo::exists(wal)) {
        if (target.isEmpty() || !QFile::rename(wal, target + QStringLiteral("-wal")))
            QFile::remove(wal);
    }
    QFile::remove(path + QStringLiteral("-shm"));
    return target;
}

int g_connectionSerial = 0;
QMutex g_namesMutex;
QSet<QString> g_namesInUse;

} // namespace

LocalCache::LocalCache(QString connectionName) : m_connectionName(std::move(connectionName))
{
    if (m_connectionName.isEmpty())
        m_connectionName = QStringLiteral("bc-cache");
    // Two caches in one process must not share (and so replace) one named connection.
    QMutexLocker lock(&g_namesMutex);
    const QString base = m_connectionName;
    while (g_namesInUse.contains(m_connectionName) || QSqlDatabase::contains(m_connectionName))
        m_connectionName = QStringLiteral("%1-%2").arg(base).arg(++g_connectionSerial);
    g_namesInUse.insert(m_connectionName);
}

LocalCache::~LocalCache()
{
    close();
    QMutexLocker lock(&g_namesMutex);
    g_namesInUse.remove(m_connectionName);
}

bool LocalCache::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && database().isOpen();
}

QSqlDatabase LocalCache::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

void LocalCache::close()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen()) {
            // SQLite's advice for every connection: refresh the statistics of the tables this
            // connection queried when they are missing or far off (bounded by analysis_limit).
            QSqlQuery q(db);
            q.exec(QStringLiteral("PRAGMA optimize"));
            q.finish();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

namespace {

enum class Verdict { Ok, Rebuild, Fail };

struct Attempt
{
    Verdict verdict = Verdict::Ok;
    QString tag;    // file name tag when moved aside: corrupt, newer, old
    QString reason; // user text
    QString detail; // log text
    int version = 0;
};

bool execAll(QSqlDatabase &db, const QStringList &statements, QString &failure)
{
    for (const QString &sql : statements) {
        QSqlQuery q(db);
        if (!q.exec(sql)) {
            failure = QStringLiteral("%1 [%2]").arg(q.lastError().text(), sql.left(200));
            return false;
        }
    }
    return true;
}

Attempt corrupt(const QString &detail)
{
    Attempt a;
    a.verdict = Verdict::Rebuild;
    a.tag = QStringLiteral("corrupt");
    a.detail = detail;
    return a;
}

// Opens the connection, applies the pragmas, checks the file and migrates it.
Attempt openAndMigrate(const QString &connectionName, const QString &path)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db.setDatabaseName(path);
    if (!db.open()) {
        Attempt a;
        a.verdict = Verdict::Fail;
        a.detail = QStringLiteral("cannot open %1: %2").arg(path, db.lastError().text());
        return a;
    }
    QSqlQuery q(db);
    // The first statement reads the header: "file is not a database" surfaces here.
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return corrupt(QStringLiteral("reading user_version: %1").arg(q.lastError().text()));
    const int version = q.value(0).toInt();
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next())
        return corrupt(QStringLiteral("reading the schema: %1").arg(q.lastError().text()));
    const int objects = q.value(0).toInt();

    if (QFileInfo(path).size() <= QuickCheckLimit) {
        if (!q.exec(QStringLiteral("PRAGMA quick_check(1)")) || !q.next())
            return corrupt(QStringLiteral("quick_check failed: %1").arg(q.lastError().text()));
        if (q.value(0).toString() != QLatin1String("ok"))
            return corrupt(QStringLiteral("quick_check: %1").arg(q.value(0).toString()));
    }
    q.finish();

    if (version > LocalCache::SchemaVersion) {
        Attempt a;
        a.verdict = Verdict::Rebuild;
        a.tag = QStringLiteral("newer");
        a.version = version;
        a.reason = tr("The local cache was written by a newer version of Billing Console (format %1; this "
                      "version reads format %2). A fresh cache was created; the next sync refills it.")
                       .arg(version)
                       .arg(LocalCache::SchemaVersion);
        a.detail = QStringLiteral("schema version %1 is newer than %2").arg(version).arg(LocalCache::SchemaVersion);
        return a;
    }
    if (version < CacheSchema::OldestMigratableVersion || (version == 0 && objects > 0)) {
        Attempt a;
        a.verdict = Verdict::Rebuild;
        a.tag = QStringLiteral("old");
        a.version = version;
        a.reason = tr("The local cache uses an old format that cannot be upgraded. A fresh cache was created; "
                      "the next sync refills it.");
        a.detail = QStringLiteral("schema version %1 (%2 objects) is too old to migrate").arg(version).arg(objects);
        return a;
    }

    // Pragmas: WAL so readers never block on the writer; NORMAL sync is durable enough for a
    // cache that can be refilled; 64 MiB page cache and 256 MiB of memory-mapped I/O; ANALYZE (and
    // PRAGMA optimize) look at no more than about 1000 rows per index, so they stay fast at any size.
    for (const char *pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                               "PRAGMA cache_size=-65536", "PRAGMA mmap_size=268435456",
                               "PRAGMA temp_store=MEMORY", "PRAGMA busy_timeout=5000",
                               "PRAGMA analysis_limit=1000"}) {
        if (!q.exec(QLatin1String(pragma)))
            return corrupt(QStringLiteral("%1: %2").arg(QLatin1String(pragma), q.lastError().text()));
    }
    q.finish();

    int current = version;
    for (const CacheSchema::Migration &step : CacheSchema::migrations()) {
        if (step.toVersion <= current)
            continue;
        QString failure;
        if (!db.transaction())
            return corrupt(QStringLiteral("BEGIN for migration %1: %2").arg(step.toVersion).arg(db.lastError().text()));
        QStringList statements = step.statements;
        statements << QStringLiteral("PRAGMA user_version = %1").arg(step.toVersion);
        if (!execAll(db, statements, failure)) {
            db.rollback();
            Attempt a = corrupt(QStringLiteral("migration to %1 failed: %2").arg(step.toVersion).arg(failure));
            a.tag = QStringLiteral("unmigratable");
            a.reason = tr("The local cache could not be upgraded to this version's format. A fresh cache was "
                          "created; the next sync refills it.");
            return a;
        }
        if (!db.commit()) {
            const QString error = db.lastError().text();
            db.rollback();
            return corrupt(QStringLiteral("COMMIT of migration %1: %2").arg(step.toVersion).arg(error));
        }
        logInfo(QStringLiteral("migrated %1 from schema %2 to %3").arg(path).arg(current).arg(step.toVersion));
        current = step.toVersion;
    }
    Attempt a;
    a.version = current;
    return a;
}

} // namespace

Result<LocalCache::OpenReport> LocalCache::open(const QString &filePath)
{
    close();
    m_path = filePath;
    OpenReport report;

    const QFileInfo info(filePath);
    if (!info.absoluteDir().exists() && !QDir().mkpath(info.absolutePath()))
        return databaseError(tr("The folder for the local cache could not be created."),
                             QStringLiteral("mkpath %1 failed").arg(info.absolutePath()));
    // A missing or empty file is a new cache.
    report.created = !info.exists() || info.size() == 0;

    Attempt attempt;
    if (!report.created) {
        const QString problem = inspectFile(filePath);
        if (!problem.isEmpty())
            attempt = corrupt(problem);
    }
    if (attempt.verdict == Verdict::Ok)
        attempt = openAndMigrate(m_connectionName, filePath);

    if (attempt.verdict == Verdict::Rebuild) {
        close();
        const QString aside = moveAside(filePath, attempt.tag);
        logError(QStringLiteral("rebuilding %1: %2; old file %3").arg(filePath, attempt.detail,
                                                                     aside.isEmpty() ? QStringLiteral("removed") : aside));
        report.rebuilt = true;
        report.reason = attempt.reason;
        if (report.reason.isEmpty()) {
            report.reason = aside.isEmpty()
                ? tr("The local cache file was damaged and has been replaced by a fresh one; the next sync refills it.")
                : tr("The local cache file was damaged; it was moved aside to %1 and a fresh cache was created. The "
                     "next sync refills it.")
                      .arg(QDir::toNativeSeparators(aside));
        }
        attempt = openAndMigrate(m_connectionName, filePath);
        if (attempt.verdict != Verdict::Ok) {
            close();
            return databaseError(tr("The local cache could not be created at %1.").arg(QDir::toNativeSeparators(filePath)),
                                 QStringLiteral("fresh cache failed: %1").arg(attempt.detail));
        }
    } else if (attempt.verdict == Verdict::Fail) {
        close();
        return databaseError(tr("The local cache at %1 could not be opened.").arg(QDir::toNativeSeparators(filePath)),
                             attempt.detail);
    }
    report.schemaVersion = attempt.version;
    if (statisticsStale()) {
        const Status analysed = optimize();
        if (!analysed.ok()) // the cache works without statistics: not a reason to fail open()
            logError(QStringLiteral("statistics not refreshed: %1").arg(analysed.error().detail));
    }
    return report;
}

namespace {

// The largest rowid of the tables that grow: an O(log n) stand-in for their size.
QString rowidMarks(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COALESCE((SELECT max(rowid) FROM customers), 0),"
                               " COALESCE((SELECT max(rowid) FROM invoices), 0),"
                               " COALESCE((SELECT max(rowid) FROM subscriptions), 0)"))
        || !q.next())
        return {};
    return QStringLiteral("%1 %2 %3").arg(q.value(0).toLongLong()).arg(q.value(1).toLongLong()).arg(q.value(2).toLongLong());
}

} // namespace

bool LocalCache::statisticsStale() const
{
    const QSqlDatabase db = database();
    const QString now = rowidMarks(db);
    const QStringList current = now.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (current.size() != 3)
        return false;
    qint64 rows = 0;
    for (const QString &n : current)
        rows += n.toLongLong();
    if (rows == 0) // nothing to measure yet
        return false;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")) || !q.next()
        || q.value(0).toInt() == 0)
        return true;
    // Every big table that has rows must have statistics (PRAGMA optimize may have written some
    // tables only).
    const char *tables[] = {"customers", "invoices", "subscriptions"};
    for (int n = 0; n < 3; ++n) {
        if (current.at(n).toLongLong() == 0)
            continue;
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_stat1 WHERE tbl = '%1'").arg(QLatin1String(tables[n])))
            || !q.next() || q.value(0).toInt() == 0)
            return true;
    }
    q.finish();
    const auto recorded = meta(QStringLiteral("analysed_rowids"));
    const QStringList then = recorded.ok() ? recorded.value().split(QLatin1Char(' '), Qt::SkipEmptyParts) : QStringList();
    if (then.size() != 3)
        return true;
    for (int n = 0; n < 3; ++n) { // grown more than 4x (and by more than a few rows) since
        if (current.at(n).toLongLong() > 4 * then.at(n).toLongLong() + 1000)
            return true;
    }
    return false;
}

Status LocalCache::optimize()
{
    QSqlDatabase db = database();
    if (!db.isOpen())
        return notOpenError();
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA analysis_limit=1000")) || !q.exec(QStringLiteral("ANALYZE")))
        return writeError(q);
    q.finish();
    return setMeta(QStringLiteral("analysed_rowids"), rowidMarks(db));
}

// ---- writes ----

Status LocalCache::upsertCustomers(const QList<Customer> &customers)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO customers (id, name, email, currency, balance, delinquent, default_payment_method,"
            " description, phone, country, created, livemode, metadata, region) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
            " currency = excluded.currency, balance = excluded.balance, delinquent = excluded.delinquent,"
            " default_payment_method = excluded.default_payment_method, description = excluded.description,"
            " phone = excluded.phone, country = excluded.country, created = excluded.created,"
            " livemode = excluded.livemode, metadata = excluded.metadata, region = excluded.region"));
        // Keep the copies on invoices in step (the invoice table sorts by customer through them).
        Statement invoices(db, QStringLiteral(
            "UPDATE invoices SET customer_name = ?, customer_email = ?"
            " WHERE customer_id = ? AND (customer_name <> ? OR customer_email <> ?)"));
        for (const Customer &c : customers) {
            if (!upsert.exec({text(c.id), text(c.name), text(c.email), text(c.currency.toLower()), c.balanceMinor,
                              c.delinquent, text(c.defaultPaymentMethod), text(c.description), text(c.phone),
                              text(c.country), seconds(c.created), c.livemode, metadataJson(c.metadata), text(c.region)}))
                return writeError(upsert.query());
            if (!invoices.exec({text(c.name), text(c.email), text(c.id), text(c.name), text(c.email)}))
                return writeError(invoices.query());
        }
        return {};
    });
}

Status LocalCache::upsertProducts(const QList<Product> &products)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO products (id, name, description, active, default_price, created, unit_label, metadata)"
            " VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,"
            " active = excluded.active, default_price = excluded.default_price, created = excluded.created,"
            " unit_label = excluded.unit_label, metadata = excluded.metadata"));
        for (const Product &p : products) {
            if (!upsert.exec({text(p.id), text(p.name), text(p.description), p.active, text(p.defaultPrice),
                              seconds(p.created), text(p.unitLabel), metadataJson(p.metadata)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::upsertPrices(const QList<Price> &prices)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO prices (id, product_id, currency, nickname, lookup_key, active, type, billing_scheme,"
            " tiers_mode, unit_amount, unit_amount_decimal, interval, interval_count, usage_type,"
            " trial_period_days, tiers, created, transform_divide_by, transform_round, currency_options, metadata,"
            " tax_behavior) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, currency = excluded.currency,"
            " nickname = excluded.nickname, lookup_key = excluded.lookup_key, active = excluded.active,"
            " type = excluded.type, billing_scheme = excluded.billing_scheme, tiers_mode = excluded.tiers_mode,"
            " unit_amount = excluded.unit_amount, unit_amount_decimal = excluded.unit_amount_decimal,"
            " interval = excluded.interval, interval_count = excluded.interval_count,"
            " usage_type = excluded.usage_type, trial_period_days = excluded.trial_period_days,"
            " tiers = excluded.tiers, created = excluded.created, transform_divide_by = excluded.transform_divide_by,"
            " transform_round = excluded.transform_round, currency_options = excluded.currency_options,"
            " metadata = excluded.metadata, tax_behavior = excluded.tax_behavior"));
        for (const Price &p : prices) {
            const QVariant trial = p.trialPeriodDays ? QVariant(*p.trialPeriodDays) : QVariant();
            if (!upsert.exec({text(p.id), text(p.productId), text(p.currency.toLower()), text(p.nickname),
                              text(p.lookupKey), p.active, text(p.type), text(p.billingScheme), text(p.tiersMode),
                              optionalInt(p.unitAmount), text(p.unitAmountDecimal), text(p.interval),
                              p.intervalCount, text(p.usageType), trial, tiersJson(p.tiers), seconds(p.created),
                              p.transformQuantity.divideBy, text(p.transformQuantity.round),
                              currencyOptionsJson(p.currencyOptions), metadataJson(p.metadata), text(p.taxBehavior)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::upsertSubscriptions(const QList<Subscription> &subscriptions)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO subscriptions (id, customer_id, status, currency, collection_method,"
            " default_payment_method, latest_invoice, cancel_at_period_end, created, start_date, cancel_at,"
            " canceled_at, ended_at, trial_start, trial_end, pause_behavior, pause_resumes_at,"
            " cancellation_feedback) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, status = excluded.status,"
            " currency = excluded.currency, collection_method = excluded.collection_method,"
            " default_payment_method = excluded.default_payment_method, latest_invoice = excluded.latest_invoice,"
            " cancel_at_period_end = excluded.cancel_at_period_end, created = excluded.created,"
            " start_date = excluded.start_date, cancel_at = excluded.cancel_at, canceled_at = excluded.canceled_at,"
            " ended_at = excluded.ended_at, trial_start = excluded.trial_start, trial_end = excluded.trial_end,"
            " pause_behavior = excluded.pause_behavior, pause_resumes_at = excluded.pause_resumes_at,"
            " cancellation_feedback = excluded.cancellation_feedback"));
        Statement dropItems(db, QStringLiteral("DELETE FROM subscription_items WHERE subscription_id = ?"));
        Statement addItem(db, QStringLiteral(
            "INSERT INTO subscription_items (id, subscription_id, position, price_id, quantity,"
            " current_period_start, current_period_end) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET subscription_id = excluded.subscription_id,"
            " position = excluded.position, price_id = excluded.price_id, quantity = excluded.quantity,"
            " current_period_start = excluded.current_period_start,"
            " current_period_end = excluded.current_period_end"));
        for (const Subscription &s : subscriptions) {
            if (!upsert.exec({text(s.id), text(s.customerId), text(s.status), text(s.currency.toLower()),
                              text(s.collectionMethod), text(s.defaultPaymentMethod), text(s.latestInvoice),
                              s.cancelAtPeriodEnd, seconds(s.created), seconds(s.startDate), seconds(s.cancelAt),
                              seconds(s.canceledAt), seconds(s.endedAt), seconds(s.trialStart), seconds(s.trialEnd),
                              text(s.pauseBehavior), seconds(s.pauseResumesAt), text(s.cancellationFeedback)}))
                return writeError(upsert.query());
            if (!dropItems.exec({text(s.id)}))
                return writeError(dropItems.query());
            for (int n = 0; n < s.items.size(); ++n) {
                const SubscriptionItem &item = s.items.at(n);
                if (!addItem.exec({text(item.id), text(s.id), n, text(item.priceId), item.quantity,
                                   seconds(item.currentPeriodStart), seconds(item.currentPeriodEnd)}))
                    return writeError(addItem.query());
            }
        }
        return {};
    });
}

Status LocalCache::upsertInvoices(const QList<Invoice> &invoices)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO invoices (id, number, customer_id, customer_name, customer_email, subscription_id,"
            " status, currency, collection_method, billing_reason, subtotal, total, amount_due, amount_paid,"
            " amount_remaining, attempt_count, attempted, created, due_date, period_start, period_end,"
            " next_payment_attempt, paid_at, hosted_invoice_url, invoice_pdf) VALUES (?,?,?,"
            " COALESCE((SELECT name FROM customers WHERE id = ?), ''),"
            " COALESCE((SELECT email FROM customers WHERE id = ?), ''),"
            " ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET number = excluded.number, customer_id = excluded.customer_id,"
            " customer_name = excluded.customer_name, customer_email = excluded.customer_email,"
            " subscription_id = excluded.subscription_id, status = excluded.status, currency = excluded.currency,"
            " collection_method = excluded.collection_method, billing_reason = excluded.billing_reason,"
            " subtotal = excluded.subtotal, total = excluded.total, amount_due = excluded.amount_due,"
            " amount_paid = excluded.amount_paid, amount_remaining = excluded.amount_remaining,"
            " attempt_count = excluded.attempt_count, attempted = excluded.attempted, created = excluded.created,"
            " due_date = excluded.due_date, period_start = excluded.period_start, period_end = excluded.period_end,"
            " next_payment_attempt = excluded.next_payment_attempt, paid_at = excluded.paid_at,"
            " hosted_invoice_url = excluded.hosted_invoice_url, invoice_pdf = excluded.invoice_pdf"));
        Statement dropLines(db, QStringLiteral("DELETE FROM invoice_lines WHERE invoice_id = ?"));
        Statement addLine(db, QStringLiteral(
            "INSERT INTO invoice_lines (invoice_id, id, position, description, amount, currency, quantity,"
            " price_id, proration, period_start, period_end) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (invoice_id, id) DO UPDATE SET position = excluded.position,"
            " description = excluded.description, amount = excluded.amount, currency = excluded.currency,"
            " quantity = excluded.quantity, price_id = excluded.price_id, proration = excluded.proration,"
            " period_start = excluded.period_start, period_end = excluded.period_end"));
        for (const Invoice &i : invoices) {
            if (!upsert.exec({text(i.id), text(i.number), text(i.customerId), text(i.customerId), text(i.customerId),
                              text(i.subscriptionId), text(i.status), text(i.currency.toLower()),
                              text(i.collectionMethod), text(i.billingReason), i.subtotalMinor, i.totalMinor,
                              i.amountDueMinor, i.amountPaidMinor, i.amountRemainingMinor, i.attemptCount,
                              i.attempted, seconds(i.created), seconds(i.dueDate), seconds(i.periodStart),
                              seconds(i.periodEnd), seconds(i.nextPaymentAttempt), seconds(i.paidAt),
                              text(i.hostedInvoiceUrl), text(i.invoicePdf)}))
                return writeError(upsert.query());
            if (!dropLines.exec({text(i.id)}))
                return writeError(dropLines.query());
            for (int n = 0; n < i.lines.size(); ++n) {
                const InvoiceLine &l = i.lines.at(n);
                if (!addLine.exec({text(i.id), text(l.id), n, text(l.description), l.amountMinor,
                                   text(l.currency.toLower()), l.quantity, text(l.priceId), l.proration,
                                   seconds(l.periodStart), seconds(l.periodEnd)}))
                    return writeError(addLine.query());
            }
        }
        return {};
    });
}

Status LocalCache::upsertPaymentAttempts(const QList<PaymentAttempt> &attempts)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO payment_attempts (id, invoice_id, payment_intent_id, status, intent_status,"
            " failure_code, decline_code, failure_message, amount, currency, created)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET invoice_id = excluded.invoice_id,"
            " payment_intent_id = excluded.payment_intent_id, status = excluded.status,"
            " intent_status = excluded.intent_status, failure_code = excluded.failure_code,"
            " decline_code = excluded.decline_code, failure_message = excluded.failure_message,"
            " amount = excluded.amount, currency = excluded.currency, created = excluded.created"));
        for (const PaymentAttempt &a : attempts) {
            if (!upsert.exec({text(a.id), text(a.invoiceId), text(a.paymentIntentId), text(a.status),
                              text(a.intentStatus), text(a.failureCode), text(a.declineCode),
                              text(a.failureMessage), a.amountMinor, text(a.currency.toLower()),
                              seconds(a.created)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::upsertPaymentMethods(const QList<PaymentMethod> &paymentMethods)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO payment_methods (%1) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, type = excluded.type,"
            " brand = excluded.brand, last4 = excluded.last4, exp_month = excluded.exp_month,"
            " exp_year = excluded.exp_year, bank_name = excluded.bank_name, funding = excluded.funding,"
            " created = excluded.created").arg(PaymentMethodColumns));
        for (const PaymentMethod &p : paymentMethods) {
            if (!upsert.exec({text(p.id), text(p.customerId), text(p.type), text(p.brand), text(p.last4), p.expMonth,
                              p.expYear, text(p.bankName), text(p.funding), seconds(p.created)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::upsertCoupons(const QList<Coupon> &coupons)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO coupons (%1) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, percent_off = excluded.percent_off,"
            " amount_off = excluded.amount_off, currency = excluded.currency,"
            " currency_options = excluded.currency_options, duration = excluded.duration,"
            " duration_in_months = excluded.duration_in_months, max_redemptions = excluded.max_redemptions,"
            " times_redeemed = excluded.times_redeemed, redeem_by = excluded.redeem_by, valid = excluded.valid,"
            " created = excluded.created").arg(CouponColumns));
        for (const Coupon &c : coupons) {
            if (!upsert.exec({text(c.id), text(c.name), text(c.percentOff), optionalInt(c.amountOff),
                              text(c.currency.toLower()), amountsJson(c.currencyOptionsAmountOff), text(c.duration),
                              optionalInt(c.durationInMonths), optionalInt(c.maxRedemptions), c.timesRedeemed,
                              seconds(c.redeemBy), c.valid, seconds(c.created)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::upsertPromotionCodes(const QList<PromotionCode> &promotionCodes)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement upsert(db, QStringLiteral(
            "INSERT INTO promotion_codes (%1) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (id) DO UPDATE SET code = excluded.code, coupon_id = excluded.coupon_id,"
            " customer_id = excluded.customer_id, active = excluded.active,"
            " max_redemptions = excluded.max_redemptions, times_redeemed = excluded.times_redeemed,"
            " expires_at = excluded.expires_at, first_time_transaction = excluded.first_time_transaction,"
            " minimum_amount = excluded.minimum_amount, minimum_amount_currency = excluded.minimum_amount_currency,"
            " created = excluded.created").arg(PromotionCodeColumns));
        for (const PromotionCode &p : promotionCodes) {
            if (!upsert.exec({text(p.id), text(p.code), text(p.couponId), text(p.customerId), p.active,
                              optionalInt(p.maxRedemptions), p.timesRedeemed, seconds(p.expiresAt),
                              p.firstTimeTransaction, optionalInt(p.minimumAmount),
                              text(p.minimumAmountCurrency.toLower()), seconds(p.created)}))
                return writeError(upsert.query());
        }
        return {};
    });
}

Status LocalCache::remove(const QString &objectType, const QString &id)
{
    static const QMap<QString, QStringList> deletes{
        {QStringLiteral("customer"), {QStringLiteral("DELETE FROM customers WHERE id = ?")}},
        {QStringLiteral("product"), {QStringLiteral("DELETE FROM products WHERE id = ?")}},
        {QStringLiteral("price"), {QStringLiteral("DELETE FROM prices WHERE id = ?")}},
        {QStringLiteral("plan"), {QStringLiteral("DELETE FROM prices WHERE id = ?")}},
        {QStringLiteral("subscription"), {QStringLiteral("DELETE FROM subscriptions WHERE id = ?")}},
        {QStringLiteral("subscription_item"), {QStringLiteral("DELETE FROM subscription_items WHERE id = ?")}},
        {QStringLiteral("invoice"),
         {QStringLiteral("DELETE FROM payment_attempts WHERE invoice_id = ?"),
          QStringLiteral("DELETE FROM invoices WHERE id = ?")}},
        {QStringLiteral("invoice_payment"), {QStringLiteral("DELETE FROM payment_attempts WHERE id = ?")}},
        {QStringLiteral("payment_attempt"), {QStringLiteral("DELETE FROM payment_attempts WHERE id = ?")}},
        {QStringLiteral("payment_method"), {QStringLiteral("DELETE FROM payment_methods WHERE id = ?")}},
        {QStringLiteral("coupon"), {QStringLiteral("DELETE FROM coupons WHERE id = ?")}},
        {QStringLiteral("promotion_code"), {QStringLiteral("DELETE FROM promotion_codes WHERE id = ?")}},
    };
    const auto it = deletes.constFind(objectType);
    if (it == deletes.cend())
        return Error::make(Error::Kind::Validation, tr("This kind of record is not kept in the local cache."),
                           QStringLiteral("remove: unknown object type '%1'").arg(objectType));
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        for (const QString &sql : *it) {
            Statement del(db, sql);
            if (!del.exec({text(id)}))
                return writeError(del.query());
        }
        return {};
    });
}

Status LocalCache::clearStripeData()
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        for (const char *table : {"invoice_lines", "payment_attempts", "invoices", "subscription_items",
                                  "subscriptions", "prices", "products", "customers", "payment_methods",
                                  "promotion_codes", "coupons"}) {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("DELETE FROM %1").arg(QLatin1String(table))))
                return writeError(q);
        }
        return {};
    });
}

Status LocalCache::setMeta(const QString &key, const QString &value)
{
    return inTransaction(database(), [&](QSqlDatabase &db) -> Status {
        Statement q(db, QStringLiteral("INSERT INTO meta (key, value) VALUES (?, ?)"
                                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
        if (!q.exec({text(key), text(value)}))
            return writeError(q.query());
        return {};
    });
}

// ---- reads ----

Result<QDateTime> LocalCache::lastSynced(const QString &objectType) const
{
    const auto value = meta(QStringLiteral("last_synced:") + objectType);
    if (!value.ok())
        return value.error();
    if (value.value().isEmpty())
        return QDateTime();
    QDateTime when = QDateTime::fromString(value.value(), Qt::ISODate);
    when.setTimeSpec(Qt::UTC);
    return when;
}

Status LocalCache::setLastSynced(const QStringList &objectTypes, const QDateTime &when)
{
    const QString value = when.toUTC().toString(Qt::ISODate);
    for (const QString &type : objectTypes) { // few rows; each its own upsert
        const Status s = setMeta(QStringLiteral("last_synced:") + type, value);
        if (!s.ok())
            return s;
    }
    return {};
}

Result<QString> LocalCache::meta(const QString &key) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    if (!q.exec({text(key)}))
        return readError(q.query());
    return q.query().next() ? q.query().value(0).toString() : QString(QLatin1String(""));
}

Result<QList<Customer>> LocalCache::customers(const CustomerQuery &query) const
{
    if (!isOpen())
        return notOpenError();
    const CacheSql::Statement sql = CacheSql::customers(query);
    Statement q(database(), sql.sql);
    if (!q.exec(sql.binds))
        return readError(q.query());
    QList<Customer> out;
    while (q.query().next())
        out << readCustomer(q.query());
    return out;
}

Result<Customer> LocalCache::customer(const QString &id) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), CacheSql::customerById().sql);
    if (!q.exec({text(id)}))
        return readError(q.query());
    if (!q.query().next())
        return Error::make(Error::Kind::NotFound, tr("This customer is not in the local cache."),
                           QStringLiteral("customer %1 not cached").arg(id));
    return readCustomer(q.query());
}

Result<QList<SubscriptionRow>> LocalCache::subscriptions(const SubscriptionQuery &query) const
{
    if (!isOpen())
        return notOpenError();
    const CacheSql::Statement sql = CacheSql::subscriptions(query);
    Statement q(database(), sql.sql);
    if (!q.exec(sql.binds))
        return readError(q.query());
    QList<SubscriptionRow> out;
    QHash<QString, qsizetype> index;
    QVariantList ids;
    while (q.query().next()) {
        out << readSubscriptionRow(q.query());
        index.insert(out.last().subscription.id, out.size() - 1);
        ids << out.last().subscription.id;
    }
    if (out.isEmpty())
        return out;

    Statement items(database(), CacheSql::subscriptionItems(ids.size()).sql);
    if (!items.exec(ids))
        return readError(items.query());
    while (items.query().next()) {
        const QSqlQuery &r = items.query();
        SubscriptionItem item;
        item.id = r.value(1).toString();
        item.priceId = r.value(2).toString();
        item.quantity = r.value(3).toLongLong();
        item.currentPeriodStart = dateTime(r.value(4));
        item.currentPeriodEnd = dateTime(r.value(5));
        const auto it = index.constFind(r.value(0).toString());
        if (it != index.cend())
            out[*it].subscription.items << item;
    }
    return out;
}

Result<QList<InvoiceRow>> LocalCache::invoices(const InvoiceQuery &query) const
{
    if (!isOpen())
        return notOpenError();
    const CacheSql::Statement sql = CacheSql::invoices(query);
    Statement q(database(), sql.sql);
    if (!q.exec(sql.binds))
        return readError(q.query());
    QList<InvoiceRow> out;
    while (q.query().next()) {
        InvoiceRow row;
        row.invoice = readInvoice(q.query());
        row.customerName = q.query().value(23).toString();
        row.customerEmail = q.query().value(24).toString();
        row.declineCode = q.query().value(25).toString();
        row.failureCode = q.query().value(26).toString();
        row.failureMessage = q.query().value(27).toString();
        row.firstFailureAt = dateTime(q.query().value(28));
        row.lastFailureAt = dateTime(q.query().value(29));
        out << row;
    }
    return out;
}

Result<QList<QPair<QString, qint64>>> LocalCache::remainingTotals(const InvoiceQuery &query) const
{
    if (!isOpen())
        return notOpenError();
    const CacheSql::Statement sql = CacheSql::remainingTotals(query);
    Statement q(database(), sql.sql);
    if (!q.exec(sql.binds))
        return readError(q.query());
    QList<QPair<QString, qint64>> out;
    while (q.query().next())
        out.append({q.query().value(0).toString(), q.query().value(1).toLongLong()});
    return out;
}

Result<QList<SubscriptionItem>> LocalCache::subscriptionItems(const QString &subscriptionId) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT id, price_id, quantity, current_period_start, current_period_end"
                                           " FROM subscription_items WHERE subscription_id = ? ORDER BY position"));
    if (!q.exec({text(subscriptionId)}))
        return readError(q.query());
    QList<SubscriptionItem> out;
    while (q.query().next()) {
        SubscriptionItem item;
        item.id = q.query().value(0).toString();
        item.priceId = q.query().value(1).toString();
        item.quantity = q.query().value(2).toLongLong();
        item.currentPeriodStart = dateTime(q.query().value(3));
        item.currentPeriodEnd = dateTime(q.query().value(4));
        out << item;
    }
    return out;
}

Result<QList<InvoiceLine>> LocalCache::invoiceLines(const QString &invoiceId) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT id, description, amount, currency, quantity, price_id, proration,"
                                           " period_start, period_end FROM invoice_lines WHERE invoice_id = ?"
                                           " ORDER BY position"));
    if (!q.exec({text(invoiceId)}))
        return readError(q.query());
    QList<InvoiceLine> out;
    while (q.query().next()) {
        const QSqlQuery &r = q.query();
        InvoiceLine l;
        l.id = r.value(0).toString();
        l.description = r.value(1).toString();
        l.amountMinor = r.value(2).toLongLong();
        l.currency = r.value(3).toString();
        l.quantity = r.value(4).toLongLong();
        l.priceId = r.value(5).toString();
        l.proration = r.value(6).toBool();
        l.periodStart = dateTime(r.value(7));
        l.periodEnd = dateTime(r.value(8));
        out << l;
    }
    return out;
}

Result<QList<PaymentAttempt>> LocalCache::paymentAttempts(const QString &invoiceId) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT %1 FROM payment_attempts WHERE invoice_id = ?"
                                           " ORDER BY created, id")
                                .arg(PaymentAttemptColumns));
    if (!q.exec({text(invoiceId)}))
        return readError(q.query());
    QList<PaymentAttempt> out;
    while (q.query().next())
        out << readPaymentAttempt(q.query());
    return out;
}

Result<QList<Product>> LocalCache::products() const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT id, name, description, active, default_price, created,"
                                           " unit_label, metadata FROM products ORDER BY name COLLATE NOCASE, id"));
    if (!q.exec({}))
        return readError(q.query());
    QList<Product> out;
    while (q.query().next()) {
        const QSqlQuery &r = q.query();
        Product p;
        p.id = r.value(0).toString();
        p.name = r.value(1).toString();
        p.description = r.value(2).toString();
        p.active = r.value(3).toBool();
        p.defaultPrice = r.value(4).toString();
        p.created = dateTime(r.value(5));
        p.unitLabel = r.value(6).toString();
        p.metadata = metadataFromJson(r.value(7).toString());
        out << p;
    }
    return out;
}

Result<QList<Price>> LocalCache::prices() const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral(
        "SELECT id, product_id, currency, nickname, lookup_key, active, type, billing_scheme, tiers_mode,"
        " unit_amount, unit_amount_decimal, interval, interval_count, usage_type, trial_period_days, tiers, created,"
        " transform_divide_by, transform_round, currency_options, metadata, tax_behavior"
        " FROM prices ORDER BY product_id, id"));
    if (!q.exec({}))
        return readError(q.query());
    QList<Price> out;
    while (q.query().next()) {
        const QSqlQuery &r = q.query();
        Price p;
        p.id = r.value(0).toString();
        p.productId = r.value(1).toString();
        p.currency = r.value(2).toString();
        p.nickname = r.value(3).toString();
        p.lookupKey = r.value(4).toString();
        p.active = r.value(5).toBool();
        p.type = r.value(6).toString();
        p.billingScheme = r.value(7).toString();
        p.tiersMode = r.value(8).toString();
        p.unitAmount = optionalInt(r.value(9));
        p.unitAmountDecimal = r.value(10).toString();
        p.interval = r.value(11).toString();
        p.intervalCount = r.value(12).toInt();
        p.usageType = r.value(13).toString();
        if (!r.value(14).isNull())
            p.trialPeriodDays = r.value(14).toInt();
        p.tiers = tiersFromJson(r.value(15).toString());
        p.created = dateTime(r.value(16));
        p.transformQuantity.divideBy = r.value(17).toLongLong();
        p.transformQuantity.round = r.value(18).toString();
        p.currencyOptions = currencyOptionsFromJson(r.value(19).toString());
        p.metadata = metadataFromJson(r.value(20).toString());
        p.taxBehavior = r.value(21).toString();
        out << p;
    }
    return out;
}

Result<QList<PaymentMethod>> LocalCache::paymentMethods(const QString &customerId) const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT %1 FROM payment_methods WHERE customer_id = ?"
                                           " ORDER BY COALESCE(created, %2) DESC, id DESC")
                                .arg(PaymentMethodColumns)
                                .arg(NullTime));
    if (!q.exec({text(customerId)}))
        return readError(q.query());
    QList<PaymentMethod> out;
    while (q.query().next())
        out << readPaymentMethod(q.query());
    return out;
}

Result<QList<PaymentMethod>> LocalCache::expiringCards(QDate from, QDate to) const
{
    if (!isOpen())
        return notOpenError();
    if (!from.isValid() || !to.isValid() || to < from)
        return QList<PaymentMethod>();
    // The same expression as the partial index payment_methods_expiry, so its range is searched.
    Statement q(database(), QStringLiteral("SELECT %1 FROM payment_methods"
                                           " WHERE type = 'card' AND exp_year * 100 + exp_month BETWEEN ? AND ?"
                                           " AND customer_id <> ''"
                                           " ORDER BY exp_year * 100 + exp_month, customer_id, id")
                                .arg(PaymentMethodColumns));
    if (!q.exec({from.year() * 100 + from.month(), to.year() * 100 + to.month()}))
        return readError(q.query());
    QList<PaymentMethod> out;
    while (q.query().next())
        out << readPaymentMethod(q.query());
    return out;
}

Result<QList<Coupon>> LocalCache::coupons() const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral("SELECT %1 FROM coupons ORDER BY name COLLATE NOCASE, id").arg(CouponColumns));
    if (!q.exec({}))
        return readError(q.query());
    QList<Coupon> out;
    while (q.query().next())
        out << readCoupon(q.query());
    return out;
}

Result<QList<PromotionCode>> LocalCache::promotionCodes(const QString &couponId) const
{
    if (!isOpen())
        return notOpenError();
    const QString sql = couponId.isEmpty()
        ? QStringLiteral("SELECT %1 FROM promotion_codes ORDER BY code COLLATE NOCASE, id")
        : QStringLiteral("SELECT %1 FROM promotion_codes WHERE coupon_id = ? ORDER BY code COLLATE NOCASE, id");
    Statement q(database(), sql.arg(PromotionCodeColumns));
    if (!q.exec(couponId.isEmpty() ? QVariantList() : QVariantList{couponId}))
        return readError(q.query());
    QList<PromotionCode> out;
    while (q.query().next())
        out << readPromotionCode(q.query());
    return out;
}

Result<CacheCounts> LocalCache::counts() const
{
    if (!isOpen())
        return notOpenError();
    Statement q(database(), QStringLiteral(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM subscriptions),"
        " (SELECT count(*) FROM invoices), (SELECT count(*) FROM products), (SELECT count(*) FROM prices),"
        " (SELECT count(*) FROM invoices WHERE status = 'open' AND attempt_count > 0 AND amount_remaining > 0),"
        " (SELECT count(*) FROM payment_methods), (SELECT count(*) FROM coupons),"
        " (SELECT count(*) FROM promotion_codes)"));
    if (!q.exec({}) || !q.query().next())
        return readError(q.query());
    const QSqlQuery &r = q.query();
    CacheCounts c;
    c.customers = r.value(0).toLongLong();
    c.subscriptions = r.value(1).toLongLong();
    c.invoices = r.value(2).toLongLong();
    c.products = r.value(3).toLongLong();
    c.prices = r.value(4).toLongLong();
    c.failedInvoices = r.value(5).toLongLong();
    c.paymentMethods = r.value(6).toLongLong();
    c.coupons = r.value(7).toLongLong();
    c.promotionCodes = r.value(8).toLongLong();
    return c;
}

} // namespace Billing
