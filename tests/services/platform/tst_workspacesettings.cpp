#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "services/platform/apppaths.h"
#include "services/platform/workspacesettings.h"

using namespace Billing;

class tst_WorkspaceSettings : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    AppPaths paths() const
    {
        return AppPaths(m_dir.filePath(QStringLiteral("data")),
                        m_dir.filePath(QStringLiteral("config")));
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QFile::remove(paths().settingsFile());
    }

    void defaultsFollowTheLayout()
    {
        const AppPaths p = paths();
        const auto w = WorkspaceSettings::defaults(QStringLiteral("demo"), p);
        QCOMPARE(w.stripeApiBase, QUrl(QStringLiteral("https://api.stripe.com")));
        QCOMPARE(w.database.backend, DatabaseBackend::Sqlite);
        QCOMPARE(w.database.sqlitePath, m_dir.filePath(QStringLiteral("data/demo/billing.sqlite")));
        QCOMPARE(w.cachePath, m_dir.filePath(QStringLiteral("data/demo/cache.sqlite")));
        QCOMPARE(p.logDir(), m_dir.filePath(QStringLiteral("data/logs")));
        QVERIFY(w.validate().ok());
        QVERIFY(p.ensureWorkspaceDir(QStringLiteral("demo")).ok());
        QVERIFY(QFileInfo(m_dir.filePath(QStringLiteral("data/demo"))).isDir());
    }

    void standardPathsUseAppLocalData()
    {
        QStandardPaths::setTestModeEnabled(true);
        const AppPaths p = AppPaths::standard();
        QCOMPARE(p.dataRoot(), QDir::cleanPath(QStandardPaths::writableLocation(
                                   QStandardPaths::AppLocalDataLocation)));
        QVERIFY(p.settingsFile().startsWith(
            QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)));
        QStandardPaths::setTestModeEnabled(false);
    }

    void sqliteRoundTrip()
    {
        WorkspaceSettingsStore store(paths());
        auto w = WorkspaceSettings::defaults(QStringLiteral("Team EU.1"), paths());
        w.stripeApiBase = QUrl(QStringLiteral("http://127.0.0.1:12180"));
        w.database.sqlitePath = m_dir.filePath(QStringLiteral("elsewhere/billing.db"));
        const Status saved = store.save(w);
        QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().detail));

        WorkspaceSettingsStore again(paths());
        QCOMPARE(again.workspaceNames(), QStringList{QStringLiteral("Team EU.1")});
        const auto loaded = again.load(QStringLiteral("Team EU.1"));
        QVERIFY(loaded.ok());
        QCOMPARE(*loaded, w);
    }

    void postgresRoundTripKeepsThePasswordOut()
    {
        WorkspaceSettingsStore store(paths());
        auto w = WorkspaceSettings::defaults(QStringLiteral("team"), paths());
        w.database.backend = DatabaseBackend::Postgres;
        w.database.postgres = {QStringLiteral("db.example.internal"), 6543,
                               QStringLiteral("billing"), QStringLiteral("agent"),
                               QStringLiteral("verify-full")};
        QVERIFY(store.save(w).ok());
        const auto loaded = store.load(QStringLiteral("team"));
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->database.postgres, w.database.postgres);
        QCOMPARE(loaded->database.backend, DatabaseBackend::Postgres);
        QCOMPARE(loaded->cachePath, w.cachePath);

        QSettings raw(paths().settingsFile(), QSettings::IniFormat);
        for (const QString &key : raw.allKeys())
            QVERIFY2(!key.contains(QLatin1String("password"), Qt::CaseInsensitive),
                     qPrintable(key));
    }

    void switchingBackendLeavesNoStaleKeys()
    {
        WorkspaceSettingsStore store(paths());
        auto w = WorkspaceSettings::defaults(QStringLiteral("x"), paths());
        w.database.backend = DatabaseBackend::Postgres;
        w.database.postgres = {QStringLiteral("h"), 5432, QStringLiteral("d"), QStringLiteral("u"),
                               QStringLiteral("prefer")};
        QVERIFY(store.save(w).ok());
        w.database.backend = DatabaseBackend::Sqlite;
        QVERIFY(store.save(w).ok());
        QSettings raw(paths().settingsFile(), QSettings::IniFormat);
        for (const QString &key : raw.allKeys())
            QVERIFY2(!key.contains(QLatin1String("pgHost")), qPrintable(key));
    }

    void currentWorkspaceAndRemove()
    {
        WorkspaceSettingsStore store(paths());
        QVERIFY(store.currentWorkspace().isEmpty());
        QCOMPARE(store.setCurrentWorkspace(QStringLiteral("nope")).error().kind,
                 Error::Kind::NotFound);
        QVERIFY(store.save(WorkspaceSettings::defaults(QStringLiteral("a"), paths())).ok());
        QVERIFY(store.save(WorkspaceSettings::defaults(QStringLiteral("b"), paths())).ok());
        QVERIFY(store.setCurrentWorkspace(QStringLiteral("b")).ok());
        QCOMPARE(store.currentWorkspace(), QStringLiteral("b"));
        QVERIFY(store.remove(QStringLiteral("b")).ok());
        QVERIFY(store.currentWorkspace().isEmpty());
        QCOMPARE(store.workspaceNames(), QStringList{QStringLiteral("a")});
        QCOMPARE(store.load(QStringLiteral("b")).error().kind, Error::Kind::NotFound);
        QCOMPARE(store.remove(QStringLiteral("b")).error().kind, Error::Kind::NotFound);
    }

    void invalidSettingsAreRefusedWithAReason_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("empty name") << "name"
                                    << ""
                                    << "name";
        QTest::newRow("slash in name") << "name"
                                       << "a/b"
                                       << "letters";
        QTest::newRow("dot name") << "name"
                                  << ".hidden"
                                  << "dot";
        QTest::newRow("long name") << "name" << QString(65, u'a') << "64";
        QTest::newRow("ftp url") << "url"
                                 << "ftp://api.stripe.com"
                                 << "https://";
        QTest::newRow("no host") << "url"
                                 << "https://"
                                 << "host";
        QTest::newRow("not a url") << "url"
                                   << "api.stripe.com"
                                   << "https://";
        QTest::newRow("http remote") << "url"
                                     << "http://api.stripe.com"
                                     << "localhost";
        QTest::newRow("credentials in url") << "url"
                                            << "https://user:pw@api.stripe.com"
                                            << "password";
        QTest::newRow("query in url") << "url"
                                      << "https://api.stripe.com/?x=1"
                                      << "?";
        QTest::newRow("relative sqlite") << "sqlite"
                                         << "billing.sqlite"
                                         << "full path";
        QTest::newRow("empty sqlite") << "sqlite"
                                      << ""
                                      << "billing database";
        QTest::newRow("relative cache") << "cache"
                                        << "cache.sqlite"
                                        << "full path";
        QTest::newRow("port zero") << "pgport"
                                   << "0"
                                   << "65535";
        QTest::newRow("port too big") << "pgport"
                                      << "65536"
                                      << "65535";
        QTest::newRow("no pg host") << "pghost"
                                    << ""
                                    << "host";
        QTest::newRow("bad sslmode") << "sslmode"
                                     << "maybe"
                                     << "verify-full";
    }
    void invalidSettingsAreRefusedWithAReason()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, messagePart);
        auto w = WorkspaceSettings::defaults(QStringLiteral("ok"), paths());
        if (field.startsWith(QLatin1String("pg")) || field == QLatin1String("sslmode")) {
            w.database.backend = DatabaseBackend::Postgres;
            w.database.postgres = {QStringLiteral("localhost"), 5432, QStringLiteral("billing"),
                                   QStringLiteral("u"), QStringLiteral("prefer")};
        }
        if (field == QLatin1String("name"))
            w.name = value;
        else if (field == QLatin1String("url"))
            w.stripeApiBase = QUrl(value);
        else if (field == QLatin1String("sqlite"))
            w.database.sqlitePath = value;
        else if (field == QLatin1String("cache"))
            w.cachePath = value;
        else if (field == QLatin1String("pgport"))
            w.database.postgres.port = value.toInt();
        else if (field == QLatin1String("pghost"))
            w.database.postgres.host = value;
        else if (field == QLatin1String("sslmode"))
            w.database.postgres.sslMode = value;

        const Status s = w.validate();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, Error::Kind::Validation);
        QVERIFY2(s.error().userMessage.contains(messagePart, Qt::CaseInsensitive),
                 qPrintable(s.error().userMessage));
        WorkspaceSettingsStore store(paths());
        QVERIFY(!store.save(w).ok());
        QVERIFY(store.workspaceNames().isEmpty());
    }

    void validEdgeValuesAreAccepted_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("stripe") << "https://api.stripe.com";
        QTest::newRow("localhost http") << "http://localhost:12180";
        QTest::newRow("loopback http") << "http://127.0.0.1:12180";
        QTest::newRow("ipv6 loopback") << "http://[::1]:8080";
        QTest::newRow("https proxy with path") << "https://proxy.example.com/stripe";
    }
    void validEdgeValuesAreAccepted()
    {
        QFETCH(QString, url);
        auto w = WorkspaceSettings::defaults(QStringLiteral("ok"), paths());
        w.stripeApiBase = QUrl(url);
        const Status s = w.validate();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().detail));
    }

    void aHandEditedFileIsValidatedOnLoad()
    {
        {
            QSettings raw(paths().settingsFile(), QSettings::IniFormat);
            raw.setValue(QStringLiteral("workspaces/hand/stripe/apiBase"),
                         QStringLiteral("gopher://x"));
            raw.setValue(QStringLiteral("workspaces/hand/database/backend"),
                         QStringLiteral("postgres"));
            raw.setValue(QStringLiteral("workspaces/hand/database/pgPort"), QStringLiteral("abc"));
        }
        WorkspaceSettingsStore store(paths());
        const auto r = store.load(QStringLiteral("hand"));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY(r.error().detail.contains(QLatin1String("65535")));
        QVERIFY(r.error().detail.contains(QLatin1String("https://")));
    }
};

QTEST_GUILESS_MAIN(tst_WorkspaceSettings)
#include "tst_workspacesettings.moc"
