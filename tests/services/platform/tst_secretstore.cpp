#include <QSignalSpy>
#include <QTest>
#include <QUuid>

#include "services/platform/secretstore.h"

using namespace Billing;

// Runs under run-with-keyring.sh: a private D-Bus session with an unlocked GNOME Keyring, so these
// are real Secret Service round trips through QtKeychain.
class tst_SecretStore : public QObject
{
    Q_OBJECT

    // Waits for an asynchronous call's handler; the handler must run on this thread.
    template <typename T, typename Start> T await(Start start)
    {
        std::optional<T> out;
        start([&out](T r) { out.emplace(std::move(r)); });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
        if (!out)
            return T(Error::make(Error::Kind::Timeout, QStringLiteral("test timed out")));
        return std::move(*out);
    }

    QString m_service = QStringLiteral("billing-console-test-") +
                        QUuid::createUuid().toString(QUuid::WithoutBraces);

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(
            !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
            "run this test through run-with-keyring.sh (needs a D-Bus session with gnome-keyring)");
        qunsetenv(SecretStore::kEnvironmentVariable);
    }

    void keyNamesArePerWorkspace()
    {
        QCOMPARE(SecretStore::stripeKeyName(QStringLiteral("demo")),
                 QStringLiteral("stripe-api-key/demo"));
        QCOMPARE(SecretStore::postgresPasswordName(QStringLiteral("team")),
                 QStringLiteral("postgres-password/team"));
        QCOMPARE(QString::fromLatin1(SecretStore::kServiceName), QStringLiteral("billing-console"));
    }

    void writeReadOverwriteDelete()
    {
        SecretStore store(m_service, nullptr);
        const QString key = QStringLiteral("raw/entry");

        const Status written = await<Status>(
            [&](auto done) { store.write(key, QStringLiteral("first-value"), this, done); });
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().detail));
        auto read = await<Result<QString>>([&](auto done) { store.read(key, this, done); });
        QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error().detail));
        QCOMPARE(*read, QStringLiteral("first-value"));
        QVERIFY(store.keychainAvailable());

        QVERIFY(await<Status>([&](auto done) {
                    store.write(key, QStringLiteral("second-välue"), this, done);
                }).ok());
        read = await<Result<QString>>([&](auto done) { store.read(key, this, done); });
        QVERIFY(read.ok());
        QCOMPARE(*read, QStringLiteral("second-välue"));

        QVERIFY(await<Status>([&](auto done) { store.remove(key, this, done); }).ok());
        read = await<Result<QString>>([&](auto done) { store.read(key, this, done); });
        QVERIFY(!read.ok());
        QCOMPARE(read.error().kind, Error::Kind::NotFound);
    }

    void readingAMissingEntryIsNotFound()
    {
        SecretStore store(m_service, nullptr);
        const auto r = await<Result<QString>>(
            [&](auto done) { store.read(QStringLiteral("never/written"), this, done); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY(!r.error().userMessage.isEmpty());
    }

    void emptySecretIsRefused()
    {
        SecretStore store(m_service, nullptr);
        const Status s = await<Status>(
            [&](auto done) { store.write(QStringLiteral("x"), QString(), this, done); });
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, Error::Kind::Validation);
    }

    void stripeKeyComesFromTheKeychainPerWorkspace()
    {
        SecretStore store(m_service, nullptr);
        QSignalSpy sourceSpy(&store, &SecretStore::stripeKeySourceChanged);
        QVERIFY(await<Status>([&](auto done) {
                    store.writeStripeKey(QStringLiteral("alpha"),
                                         QStringLiteral("sk_test_alpha123"), this, done);
                }).ok());
        QVERIFY(await<Status>([&](auto done) {
                    store.writeStripeKey(QStringLiteral("beta"), QStringLiteral("sk_test_beta456"),
                                         this, done);
                }).ok());
        auto alpha = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("alpha"), this, done); });
        QVERIFY(alpha.ok());
        QCOMPARE(alpha->value, QStringLiteral("sk_test_alpha123"));
        QCOMPARE(alpha->source, SecretSource::Keychain);
        QCOMPARE(store.stripeKeySource(), SecretSource::Keychain);
        QCOMPARE(sourceSpy.count(), 1);
        auto beta = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("beta"), this, done); });
        QCOMPARE(beta->value, QStringLiteral("sk_test_beta456"));

        // The environment does not override a key the keychain holds.
        qputenv(SecretStore::kEnvironmentVariable, "sk_test_from_env_999");
        alpha = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("alpha"), this, done); });
        QCOMPARE(alpha->source, SecretSource::Keychain);

        // With no keychain entry, the environment variable is used for this run.
        QVERIFY(await<Status>([&](auto done) {
                    store.removeStripeKey(QStringLiteral("alpha"), this, done);
                }).ok());
        alpha = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("alpha"), this, done); });
        QVERIFY(alpha.ok());
        QCOMPARE(alpha->source, SecretSource::Environment);
        QCOMPARE(alpha->value, QStringLiteral("sk_test_from_env_999"));
        QCOMPARE(store.stripeKeySource(), SecretSource::Environment);

        qunsetenv(SecretStore::kEnvironmentVariable);
        alpha = await<Result<Secret>>(
            [&](auto done) { store.readStripeKey(QStringLiteral("alpha"), this, done); });
        QVERIFY(!alpha.ok());
        QCOMPARE(alpha.error().kind, Error::Kind::NotFound);
        QCOMPARE(store.stripeKeySource(), SecretSource::None);
        QVERIFY(await<Status>([&](auto done) {
                    store.removeStripeKey(QStringLiteral("beta"), this, done);
                }).ok());
    }

    void handlerDoesNotRunAfterItsContextIsGone()
    {
        SecretStore store(m_service, nullptr);
        bool called = false;
        auto *context = new QObject;
        store.read(QStringLiteral("never/written"), context,
                   [&called](Result<QString>) { called = true; });
        delete context;
        // A second call on a live context finishes after the first job, so the first had its
        // chance.
        const auto r = await<Result<QString>>(
            [&](auto done) { store.read(QStringLiteral("never/written"), this, done); });
        QCOMPARE(r.error().kind, Error::Kind::NotFound);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(tst_SecretStore)
#include "tst_secretstore.moc"
