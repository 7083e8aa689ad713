#include "services/platform/secretstore.h"

#include <memory>

#include <QCoreApplication>
#include <QPointer>
#include <QTimer>
#include <QtGlobal>

#include <qt6keychain/keychain.h>

#include "services/platform/logging.h"

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::SecretStore", text);
}

bool isUnavailable(QKeychain::Error e)
{
    return e == QKeychain::NoBackendAvailable || e == QKeychain::NotImplemented ||
           e == QKeychain::OtherError;
}

Error toError(QKeychain::Error code, const QString &message, const QString &key)
{
    const QString detail = QStringLiteral("keychain %1: %2 (%3)").arg(key, message).arg(int(code));
    switch (code) {
    case QKeychain::EntryNotFound:
        return Error::make(Error::Kind::NotFound, tr("No secret is stored for this workspace."),
                           detail);
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Error::make(Error::Kind::Unauthorized, tr("The system keychain refused access."),
                           detail);
    case QKeychain::CouldNotDeleteEntry:
        return Error::make(Error::Kind::Server,
                           tr("The secret could not be deleted from the system keychain."), detail);
    default:
        return Error::make(Error::Kind::Network,
                           tr("No system keychain is available (a Secret Service such as GNOME "
                              "Keyring or KWallet)."),
                           detail);
    }
}

bool validName(const QString &workspace)
{
    return !workspace.trimmed().isEmpty() && !workspace.contains(u'\n');
}

// Runs a QtKeychain job and calls finish(job) once, on this thread, while context lives; a job that
// does not answer in time ends with Timeout.
void runJob(QKeychain::Job *job, QObject *context, std::function<void(QKeychain::Job *)> finish,
            std::function<void(Error)> timedOut)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    auto done = std::make_shared<bool>(false);
    QObject::connect(job, &QKeychain::Job::finished, context, [done, finish](QKeychain::Job *j) {
        if (*done)
            return;
        *done = true;
        finish(j);
    });
    QTimer::singleShot(SecretStore::kTimeoutMs, context, [done, timedOut, key = job->key()] {
        if (*done)
            return;
        *done = true;
        timedOut(Error::make(Error::Kind::Timeout, tr("The system keychain did not answer."),
                             QStringLiteral("keychain %1: no answer in %2 ms")
                                 .arg(key)
                                 .arg(SecretStore::kTimeoutMs)));
    });
    job->start();
}

} // namespace

SecretStore::SecretStore(QObject *parent) : SecretStore(QString::fromLatin1(kServiceName), parent)
{
}

SecretStore::SecretStore(const QString &serviceName, QObject *parent)
    : QObject(parent), m_service(serviceName)
{
}

QString SecretStore::stripeKeyName(const QString &workspace)
{
    return QStringLiteral("stripe-api-key/") + workspace;
}

QString SecretStore::postgresPasswordName(const QString &workspace)
{
    return QStringLiteral("postgres-password/") + workspace;
}

QString SecretStore::sourceName(SecretSource source)
{
    switch (source) {
    case SecretSource::Keychain:
        return QStringLiteral("keychain");
    case SecretSource::Environment:
        return QStringLiteral("environment");
    case SecretSource::None:
        return QStringLiteral("none");
    }
    return QStringLiteral("none");
}

void SecretStore::read(const QString &key, QObject *context, ReadHandler handler)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(key);
    QPointer<SecretStore> self(this);
    runJob(
        job, context,
        [self, handler, key](QKeychain::Job *j) {
            const QKeychain::Error code = j->error();
            if (self)
                self->m_keychainAvailable = !isUnavailable(code);
            if (code == QKeychain::NoError) {
                handler(static_cast<QKeychain::ReadPasswordJob *>(j)->textData());
                return;
            }
            const Error e = toError(code, j->errorString(), key);
            if (code != QKeychain::EntryNotFound)
                Logging::logger("app")->warn("{}", e.detail.toStdString());
            handler(e);
        },
        [handler](Error e) { handler(std::move(e)); });
}

void SecretStore::write(const QString &key, const QString &value, QObject *context,
                        StatusHandler handler)
{
    if (value.isEmpty()) {
        QTimer::singleShot(0, context, [handler] {
            handler(Error::make(Error::Kind::Validation, tr("The secret is empty."),
                                QStringLiteral("empty secret")));
        });
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(key);
    job->setTextData(value);
    QPointer<SecretStore> self(this);
    runJob(
        job, context,
        [self, handler, key](QKeychain::Job *j) {
            const QKeychain::Error code = j->error();
            if (self)
                self->m_keychainAvailable = !isUnavailable(code);
            if (code == QKeychain::NoError) {
                handler(Status());
                return;
            }
            const Error e = toError(code, j->errorString(), key);
            Logging::logger("app")->warn("{}", e.detail.toStdString());
            handler(e);
        },
        [handler](Error e) { handler(std::move(e)); });
}

void SecretStore::remove(const QString &key, QObject *context, StatusHandler handler)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(key);
    QPointer<SecretStore> self(this);
    runJob(
        job, context,
        [self, handler, key](QKeychain::Job *j) {
            const QKeychain::Error code = j->error();
            if (self)
                self->m_keychainAvailable = !isUnavailable(code);
            if (code == QKeychain::NoError) {
                handler(Status());
                return;
            }
            handler(toError(code, j->errorString(), key));
        },
        [handler](Error e) { handler(std::move(e)); });
}

void SecretStore::readStripeKey(const QString &workspace, QObject *context, SecretHandler handler)
{
    if (!validName(workspace)) {
        QTimer::singleShot(0, context, [handler] {
            handler(Error::make(Error::Kind::Validation, tr("The workspace has no name.")));
        });
        return;
    }
    QPointer<SecretStore> self(this);
    read(stripeKeyName(workspace), context, [self, handler](Result<QString> r) {
        if (r.ok()) {
            if (self)
                self->setSource(SecretSource::Keychain);
            handler(Secret{r.value(), SecretSource::Keychain});
            return;
        }
        const Error::Kind kind = r.error().kind;
        const QString fromEnv = qEnvironmentVariable(kEnvironmentVariable).trimmed();
        if ((kind == Error::Kind::NotFound || kind == Error::Kind::Network ||
             kind == Error::Kind::Timeout) &&
            !fromEnv.isEmpty()) {
            Logging::logger("app")->info("Stripe key from {} (this run only); keychain: {}",
                                         kEnvironmentVariable, r.error().detail.toStdString());
            if (self)
                self->setSource(SecretSource::Environment);
            handler(Secret{fromEnv, SecretSource::Environment});
            return;
        }
        if (self)
            self->setSource(SecretSource::None);
        Error e = r.error();
        if (kind == Error::Kind::Network)
            e.userMessage = tr("No system keychain is available. Set %1 to give a Stripe key for "
                               "this run only.")
                                .arg(QLatin1String(kEnvironmentVariable));
        handler(e);
    });
}

void SecretStore::writeStripeKey(const QString &workspace, const QString &apiKey, QObject *context,
                                 StatusHandler handler)
{
    if (!validName(workspace)) {
        QTimer::singleShot(0, context, [handler] {
            handler(Error::make(Error::Kind::Validation, tr("The workspace has no name.")));
        });
        return;
    }
    write(stripeKeyName(workspace), apiKey.trimmed(), context, [handler](Status s) {
        if (!s.ok() && s.error().kind == Error::Kind::Network) {
            Error e = s.error();
            e.userMessage = tr("No system keychain is available, so the key was not saved. Set %1 "
                               "to give a Stripe "
                               "key for this run only.")
                                .arg(QLatin1String(kEnvironmentVariable));
            handler(e);
            return;
        }
        handler(s);
    });
}

void SecretStore::removeStripeKey(const QString &workspace, QObject *context, StatusHandler handler)
{
    remove(stripeKeyName(workspace), context, std::move(handler));
}

void SecretStore::setSource(SecretSource source)
{
    if (m_stripeKeySource == source)
        return;
    m_stripeKeySource = source;
    Q_EMIT stripeKeySourceChanged(source);
}

} // namespace Billing
