#include <QDirIterator>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "services/platform/secretstore.h"

using namespace Billing;

// Runs with no D-Bus session at all (as on a headless server): no keychain service is reachable.
class tst_SecretStoreFallback : public QObject
{
    Q_OBJECT

    template <typename T, typename Start> T await(Start start)
    {
        std::optional<T> out;
        start([&out](T r) { out.emplace(std::move(r)); });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
        if (!out)
            return T(Error::make(Error::Kind::Timeout, QStringLiteral("test timed out")));
        return std::move(*out);
    }

    // True if any file under the folder contains the text.
    static bool anyFileContains(const QString &root, const QByteArray &text)
    {
        QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains(text))
                return true;
        }
        return false;
    }

    QTemporaryDir m_runtimeDir;
    const QByteArray m_envKey = "sk_test_headless_fallback_7731";

private Q_SLOTS:
    void initTestCase()
    {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        qunsetenv("DISPLAY");
        qunsetenv("WAYLAND_DISPLAY");
        // Also no per-user bus at $XDG_RUNTIME_DIR/bus, which D-Bus clients try when the address is
        // unset.
        QVERIFY(m_runtimeDir.isValid());
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_runtimeDir.path()));
        QStandardPaths::setTestModeEnabled(true);
    }

    void environmentKeyIsUsedWhenNoKeychainExists()
    {
        qputenv(SecretStore::kEnvironmentVariable, m_envKey);
        SecretStore store;
        const auto r = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("demo"), this, done); });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().detail));
        QCOMPARE(r->source, SecretSource::Environment);
        QCOMPARE(r->value, QString::fromLatin1(m_envKey));
        QCOMPARE(store.stripeKeySource(), SecretSource::Environment);
        QVERIFY(!store.keychainAvailable());
    }

    void keyIsNeverWrittenToDisk()
    {
        SecretStore store;
        const Status s = await<Status>([&](auto done) {
            store.writeStripeKey(QStringLiteral("demo"), QString::fromLatin1(m_envKey), this, done);
        });
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, Error::Kind::Network);
        QVERIFY(s.error().userMessage.contains(QLatin1String(SecretStore::kEnvironmentVariable)));
        for (auto location :
             {QStandardPaths::GenericConfigLocation, QStandardPaths::AppConfigLocation,
              QStandardPaths::GenericDataLocation, QStandardPaths::AppLocalDataLocation}) {
            const QString dir = QStandardPaths::writableLocation(location);
            QVERIFY2(!anyFileContains(dir, m_envKey), qPrintable(dir));
        }
        QVERIFY(!anyFileContains(QDir::homePath() + QStringLiteral("/.config"), m_envKey));
    }

    void withoutKeychainOrEnvironmentTheSourceIsNone()
    {
        qunsetenv(SecretStore::kEnvironmentVariable);
        SecretStore store;
        const auto r = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("demo"), this, done); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::Network);
        QVERIFY(r.error().userMessage.contains(QLatin1String(SecretStore::kEnvironmentVariable)));
        QCOMPARE(store.stripeKeySource(), SecretSource::None);
    }
};

QTEST_GUILESS_MAIN(tst_SecretStoreFallback)
#include "tst_secretstore_fallback.moc"
