#pragma once

#include <functional>

#include <QObject>
#include <QString>

#include "services/domain/result.h"

namespace Billing {

// Where the Stripe API key in use came from; the UI says it ("Key from the system keychain",
// "Key from BILLING_CONSOLE_STRIPE_KEY, this run only", "No key").
enum class SecretSource { Keychain, Environment, None };

struct Secret
{
    QString value;
    SecretSource source = SecretSource::None;
};

// Secrets (the Stripe API key, the PostgreSQL password) in the system keychain through QtKeychain:
// service "billing-console", one entry per workspace ("stripe-api-key/<workspace>").
// Never written anywhere else: QtKeychain's plain-text fallback is off.
// Headless fallback: when no keychain service is available (or it has no key for the workspace),
// the Stripe key may come from the environment variable BILLING_CONSOLE_STRIPE_KEY for this run
// only; it is never stored.
//
// Threading: GUI (or main) thread; every call returns at once and runs its handler later on this
// thread, and only while `context` lives. Errors: NotFound (no entry), Unauthorized (the user or
// the keychain denied access), Network (no keychain service reachable), Timeout (no answer in 15
// s), Validation (bad workspace name or empty value).
class SecretStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    static constexpr const char *kServiceName = "billing-console";
    static constexpr const char *kEnvironmentVariable = "BILLING_CONSOLE_STRIPE_KEY";
    static constexpr int kTimeoutMs = 15000;

    explicit SecretStore(QObject *parent = nullptr);
    // A different keychain service name (tests use their own to keep clear of real entries).
    SecretStore(const QString &serviceName, QObject *parent);

    static QString stripeKeyName(const QString &workspace); // "stripe-api-key/<workspace>"
    static QString
    postgresPasswordName(const QString &workspace); // "postgres-password/<workspace>"

    using ReadHandler = std::function<void(Result<QString>)>;
    using StatusHandler = std::function<void(Status)>;
    using SecretHandler = std::function<void(Result<Secret>)>;

    // Raw keychain entries.
    void read(const QString &key, QObject *context, ReadHandler handler);
    void write(const QString &key, const QString &value, QObject *context, StatusHandler handler);
    void remove(const QString &key, QObject *context, StatusHandler handler);

    // The Stripe key of a workspace: the keychain entry, else the environment variable, else
    // NotFound (or the keychain's error). Updates stripeKeySource().
    void readStripeKey(const QString &workspace, QObject *context, SecretHandler handler);
    // Stores the key in the keychain only; fails (and stores nothing) when no keychain is
    // available.
    void writeStripeKey(const QString &workspace, const QString &apiKey, QObject *context,
                        StatusHandler handler);
    void removeStripeKey(const QString &workspace, QObject *context, StatusHandler handler);

    // Source of the key last read by readStripeKey(); None before.
    SecretSource stripeKeySource() const { return m_stripeKeySource; }
    // False once the keychain answered that it is not available; true before anyone asked.
    bool keychainAvailable() const { return m_keychainAvailable; }

    static QString sourceName(SecretSource source); // "keychain", "environment", "none"

Q_SIGNALS:
    void stripeKeySourceChanged(Billing::SecretSource source);

private:
    void setSource(SecretSource source);

    QString m_service;
    SecretSource m_stripeKeySource = SecretSource::None;
    bool m_keychainAvailable = true;
};

} // namespace Billing
