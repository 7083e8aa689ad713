#include "services/storage/cacheschema.h"
#include "services/storage/localcache.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;

namespace {

template <typename T>
QString errorText(const Result<T> &r)
{
    return r.ok() ? QString() : r.error().detail;
}

// Runs statements on a plain connection (not LocalCache), to build files the way older versions
// of the console, or accidents, left them.
bool runSql(const QString &path, const QStringList &statements)
{
    const QString name = QStringLiteral("tst-raw-%1").arg(QRandomGenerator::global()->generate());
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        ok = db.open();
        for (const QString &sql : statements) {
            if (!ok)
                break;
            QSqlQuery q(db);
            ok = q.exec(sql);
            if (!ok)
                qWarning() << sql << q.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QStringList asideFiles(const QString &path)
{
    const QFileInfo info(path);
    return QDir(info.absolutePath()).entryList({info.fileName() + QStringLiteral(".*")}, QDir::Files);
}

Customer customer(const QString &id, const QString &name)
{
    Customer c;
    c.id = id;
    c.name = name;
    c.email = id + QStringLiteral("@example.com");
    return c;
}

} // namespace

class tst_CacheMigrations final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_serial = 0;

    QString newPath() { return m_dir.filePath(QStringLiteral("cache-%1.sqlite").arg(++m_serial)); }

    // A real cache file with some rows, closed cleanly.
    QString populatedCache(int customers)
    {
        const QString path = newPath();
        LocalCache cache(QStringLiteral("tst-populate"));
        if (!cache.open(path).ok())
            return {};
        QList<Customer> list;
        for (int n = 0; n < customers; ++n)
            list << customer(QStringLiteral("cus_%1").arg(n), QStringLiteral("Customer number %1 with a long name").arg(n));
        if (!cache.upsertCustomers(list).ok())
            return {};
        return path;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void stepsAreOrderedAndEndAtTheCurrentVersion()
    {
        const auto &steps = CacheSchema::migrations();
        QVERIFY(!steps.isEmpty());
        int previous = 0;
        for (const auto &step : steps) {
            QVERIFY(step.toVersion > previous);
            QVERIFY(!step.statements.isEmpty());
            previous = step.toVersion;
        }
        QCOMPARE(previous, LocalCache::SchemaVersion);
    }

    // A file left at every older version is brought up to date with its rows kept.
    void olderVersionIsMigratedKeepingData_data()
    {
        QTest::addColumn<int>("version");
        for (const auto &step : CacheSchema::migrations())
            if (step.toVersion < LocalCache::SchemaVersion)
                QTest::addRow("from version %d", step.toVersion) << step.toVersion;
    }

    void olderVersionIsMigratedKeepingData()
    {
        QFETCH(int, version);
        const QString path = newPath();
        QStringList statements;
        for (const auto &step : CacheSchema::migrations())
            if (step.toVersion <= version)
                statements += step.statements;
        statements << QStringLiteral("PRAGMA user_version = %1").arg(version)
                   << QStringLiteral("INSERT INTO customers (id, name, email) VALUES ('cus_old', 'Acme Legacy', 'a@acme.example')")
                   << QStringLiteral("INSERT INTO invoices (id, number, customer_id, customer_name, status, currency, total, created)"
                                     " VALUES ('in_old', 'OLD-0042', 'cus_old', 'Acme Legacy', 'open', 'usd', 1200, 1700000000)")
                   << QStringLiteral("INSERT INTO meta (key, value) VALUES ('events_cursor', 'evt_old')");
        QVERIFY(runSql(path, statements));

        LocalCache cache(QStringLiteral("tst-migrate"));
        const auto report = cache.open(path);
        QVERIFY2(report.ok(), qPrintable(errorText(report)));
        QVERIFY(!report->created);
        QVERIFY(!report->rebuilt);
        QCOMPARE(report->schemaVersion, LocalCache::SchemaVersion);
        QCOMPARE(cache.customer(QStringLiteral("cus_old"))->name, QStringLiteral("Acme Legacy"));
        QCOMPARE(*cache.meta(QStringLiteral("events_cursor")), QStringLiteral("evt_old"));
        // What the later steps add works on the old rows: search finds them, the invoice page reads them.
        CustomerQuery search;
        search.search = QStringLiteral("legac");
        const auto found = cache.customers(search);
        QVERIFY(found.ok());
        QCOMPARE(found->size(), 1);
        const auto invoices = cache.invoices({});
        QVERIFY(invoices.ok());
        QCOMPARE(invoices->size(), 1);
        QCOMPARE(invoices->first().invoice.totalMinor, 1200);
        // Invoice search (version 3) indexes the rows that were there before it.
        for (const char *text : {"old-0042", "legacy", "in_old"}) {
            InvoiceQuery byText;
            byText.search = QLatin1String(text);
            const auto hits = cache.invoices(byText);
            QVERIFY2(hits.ok(), qPrintable(errorText(hits)));
            QCOMPARE(hits->size(), 1);
        }
        // A rename after the migration reaches the migrated invoice's search row.
        QVERIFY(cache.upsertCustomers({customer(QStringLiteral("cus_old"), QStringLiteral("Renamed Holdings"))}).ok());
        InvoiceQuery renamed;
        renamed.search = QStringLiteral("renamed");
        QCOMPARE(cache.invoices(renamed)->size(), 1);
        renamed.search = QStringLiteral("legacy");
        QCOMPARE(cache.invoices(renamed)->size(), 0);
        // The tables of version 3 exist and take rows.
        PaymentMethod pm;
        pm.id = QStringLiteral("pm_new");
        pm.customerId = QStringLiteral("cus_old");
        QVERIFY(cache.upsertPaymentMethods({pm}).ok());
        Coupon coupon;
        coupon.id = QStringLiteral("co_new");
        QVERIFY(cache.upsertCoupons({coupon}).ok());
        PromotionCode code;
        code.id = QStringLiteral("promo_new");
        code.couponId = coupon.id;
        QVERIFY(cache.upsertPromotionCodes({code}).ok());
        const auto counts = cache.counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->paymentMethods, 1);
        QCOMPARE(counts->coupons, 1);
        QCOMPARE(counts->promotionCodes, 1);
        QCOMPARE(counts->invoices, 1);
        QVERIFY(asideFiles(path).filter(QRegularExpression(QStringLiteral("\\.(corrupt|old|newer)-"))).isEmpty());
    }

    void emptyFilesAreInitialised_data()
    {
        QTest::addColumn<bool>("zeroBytes");
        QTest::newRow("zero-length file") << true;
        QTest::newRow("database without tables at version 0") << false;
    }

    void emptyFilesAreInitialised()
    {
        QFETCH(bool, zeroBytes);
        const QString path = newPath();
        if (zeroBytes)
            QVERIFY(writeAll(path, {}));
        else
            QVERIFY(runSql(path, {QStringLiteral("CREATE TABLE t (x)"), QStringLiteral("DROP TABLE t")}));
        LocalCache cache(QStringLiteral("tst-empty"));
        const auto report = cache.open(path);
        QVERIFY(report.ok());
        QVERIFY(!report->rebuilt);
        QCOMPARE(report->schemaVersion, LocalCache::SchemaVersion);
        QVERIFY(cache.upsertCustomers({customer(QStringLiteral("cus_1"), QStringLiteral("One"))}).ok());
    }

    // Everything that cannot be used or migrated is moved aside and replaced by an empty cache,
    // with a reason for the user; never a crash, never an error to the caller.
    void unusableFilesAreRebuilt_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("tag");
        QTest::newRow("newer version") << QStringLiteral("newer") << QStringLiteral("newer");
        QTest::newRow("unversioned old layout") << QStringLiteral("unversioned") << QStringLiteral("old");
        QTest::newRow("random bytes") << QStringLiteral("random") << QStringLiteral("corrupt");
        QTest::newRow("text file") << QStringLiteral("text") << QStringLiteral("corrupt");
        QTest::newRow("truncated database") << QStringLiteral("truncated") << QStringLiteral("corrupt");
        QTest::newRow("header only") << QStringLiteral("header") << QStringLiteral("corrupt");
        QTest::newRow("garbage pages after a valid header") << QStringLiteral("scrambled") << QStringLiteral("corrupt");
    }

    void unusableFilesAreRebuilt()
    {
        QFETCH(QString, kind);
        QFETCH(QString, tag);
        QString path = newPath();
        if (kind == QLatin1String("newer")) {
            QVERIFY(runSql(path, {QStringLiteral("CREATE TABLE customers (id TEXT PRIMARY KEY, shiny_new_column TEXT)"),
                                  QStringLiteral("PRAGMA user_version = 99")}));
        } else if (kind == QLatin1String("unversioned")) {
            QVERIFY(runSql(path, {QStringLiteral("CREATE TABLE customers (id TEXT, json TEXT)"),
                                  QStringLiteral("INSERT INTO customers VALUES ('cus_1', '{}')")}));
        } else if (kind == QLatin1String("random")) {
            QByteArray bytes(64 * 1024, Qt::Uninitialized);
            QRandomGenerator rng(42);
            rng.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
            QVERIFY(writeAll(path, bytes));
        } else if (kind == QLatin1String("text")) {
            QVERIFY(writeAll(path, QByteArrayLiteral("This is not a database.\nJust some notes someone saved here.\n")));
        } else {
            path = populatedCache(3000);
            QVERIFY(!path.isEmpty());
            QByteArray bytes = readAll(path);
            QVERIFY(bytes.size() > 64 * 1024);
            if (kind == QLatin1String("truncated"))
                bytes.truncate(bytes.size() / 2);
            else if (kind == QLatin1String("header"))
                bytes.truncate(100);
            else { // keep page 1 (header and schema root), overwrite the rest with noise
                QRandomGenerator rng(7);
                for (qsizetype n = 4096; n < bytes.size(); ++n)
                    bytes[n] = char(rng.bounded(256));
            }
            QVERIFY(writeAll(path, bytes));
        }
        const QByteArray original = readAll(path);

        LocalCache cache(QStringLiteral("tst-rebuild"));
        const auto report = cache.open(path);
        QVERIFY2(report.ok(), qPrintable(errorText(report)));
        QVERIFY(report->rebuilt);
        QVERIFY(!report->reason.isEmpty());
        if (kind == QLatin1String("newer"))
            QVERIFY2(report->reason.contains(QLatin1String("99")), qPrintable(report->reason));
        QCOMPARE(report->schemaVersion, LocalCache::SchemaVersion);

        // The fresh cache is empty and works.
        const auto counts = cache.counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->customers, 0);
        QCOMPARE(counts->invoices, 0);
        QVERIFY(cache.upsertCustomers({customer(QStringLiteral("cus_new"), QStringLiteral("Fresh Start"))}).ok());
        CustomerQuery q;
        q.search = QStringLiteral("fresh");
        QCOMPARE(cache.customers(q)->size(), 1);

        // The old file was kept aside, byte for byte, not deleted.
        const QStringList aside = asideFiles(path).filter(QStringLiteral(".%1-").arg(tag));
        QVERIFY2(aside.size() >= 1, qPrintable(asideFiles(path).join(QLatin1Char(' '))));
        const QString asidePath = QFileInfo(path).absolutePath() + QLatin1Char('/') + aside.first();
        QCOMPARE(readAll(asidePath), original);
        if (tag == QLatin1String("corrupt"))
            QVERIFY2(report->reason.contains(aside.first()), qPrintable(report->reason));

        // Reopening the rebuilt file is uneventful.
        cache.close();
        const auto again = cache.open(path);
        QVERIFY(again.ok());
        QVERIFY(!again->rebuilt);
        QCOMPARE(cache.counts()->customers, 1);
    }

    void unwritableLocationIsAnErrorNotACrash()
    {
        LocalCache cache(QStringLiteral("tst-unwritable"));
        QVERIFY(writeAll(m_dir.filePath(QStringLiteral("a-file")), "x"));
        // A path below a regular file can never be created.
        const auto report = cache.open(m_dir.filePath(QStringLiteral("a-file/sub/cache.sqlite")));
        QVERIFY(!report.ok());
        QCOMPARE(report.error().kind, Error::Kind::Database);
        QVERIFY(!report.error().userMessage.isEmpty());
        QVERIFY(!cache.isOpen());
        QVERIFY(!cache.customers({}).ok());
    }
};

QTEST_GUILESS_MAIN(tst_CacheMigrations)
#include "tst_cachemigrations.moc"
