#pragma once

#include "services/storage/billingdatabase.h"
#include "tests/testsupport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

// Shared by the billing database tests: a fresh, empty database per case on either backend.
// SQLite: a new file in a temporary folder. PostgreSQL: a new schema in the fixture's database
// (dropped again in cleanup), so runs never see each other's rows.
namespace Billing::Test {

#define BC_VERIFY_OK(expr)                                                                         \
    do {                                                                                           \
        const auto &bcResult_ = (expr);                                                            \
        QVERIFY2(bcResult_.ok(),                                                                   \
                 qPrintable(bcResult_.ok() ? QString() : bcResult_.error().detail));               \
    } while (false)

class BillingDbFixture final
{
public:
    BillingDbFixture() { m_dir.setAutoRemove(true); }

    static QString pgHost() { return env("BC_PG_HOST"); }
    static int pgPort() { return env("BC_PG_PORT").toInt(); }

    static void addBackendColumn() { QTest::addColumn<QString>("backend"); }
    static QStringList backends() { return {QStringLiteral("sqlite"), QStringLiteral("postgres")}; }

    // Fills `out` with settings for a database nobody used yet. False (with `why`) when the
    // PostgreSQL fixture is missing: these tests must run through ctest.
    bool fresh(const QString &backend, BillingDbSettings &out, QString *why = nullptr)
    {
        ++m_counter;
        if (backend == QLatin1String("sqlite")) {
            out = BillingDbSettings::sqlite(
                m_dir.filePath(QStringLiteral("billing-%1.db").arg(m_counter)));
            return true;
        }
        if (pgHost().isEmpty()) {
            if (why)
                *why = QStringLiteral(
                    "BC_PG_HOST is not set: run this test through ctest (postgres fixture)");
            return false;
        }
        out = BillingDbSettings::postgres(pgHost(), pgPort(), env("BC_PG_DATABASE"),
                                          env("BC_PG_USER"));
        out.schema = QStringLiteral("bt_%1_%2_%3")
                         .arg(QCoreApplication::applicationPid())
                         .arg(QDateTime::currentMSecsSinceEpoch() % 100000000)
                         .arg(m_counter);
        m_schemas << out.schema;
        return true;
    }

    void dropSchemas()
    {
        if (m_schemas.isEmpty() || pgHost().isEmpty())
            return;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"),
                                                        QStringLiteral("bc-test-cleanup"));
            db.setHostName(pgHost());
            db.setPort(pgPort());
            db.setDatabaseName(env("BC_PG_DATABASE"));
            db.setUserName(env("BC_PG_USER"));
            if (db.open()) {
                QSqlQuery q(db);
                q.exec(QStringLiteral("SET client_min_messages TO warning"));
                for (const QString &schema : std::as_const(m_schemas))
                    q.exec(QStringLiteral("DROP SCHEMA IF EXISTS \"%1\" CASCADE").arg(schema));
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("bc-test-cleanup"));
        m_schemas.clear();
    }

    QString tempPath(const QString &name) const { return m_dir.filePath(name); }

private:
    QTemporaryDir m_dir;
    QStringList m_schemas;
    int m_counter = 0;
};

#define BC_FRESH_SETTINGS(fixture, backend, settings)                                              \
    BillingDbSettings settings;                                                                    \
    {                                                                                              \
        QString why_;                                                                              \
        QVERIFY2((fixture).fresh(backend, settings, &why_), qPrintable(why_));                     \
    }

inline QDateTime utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), Qt::UTC);
}

} // namespace Billing::Test
