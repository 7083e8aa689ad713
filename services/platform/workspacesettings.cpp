#include "services/platform/workspacesettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QSettings>

namespace Billing {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::WorkspaceSettings", text);
}

const QString kGroup = QStringLiteral("workspaces");

bool isLoopback(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    if (host == QLatin1String("::1"))
        return true;
    // 127.0.0.0/8, written as a dotted quad.
    const QStringList parts = host.split(u'.');
    if (parts.size() != 4 || parts.first() != QLatin1String("127"))
        return false;
    for (const QString &p : parts) {
        bool ok = false;
        const int v = p.toInt(&ok);
        if (!ok || v < 0 || v > 255)
            return false;
    }
    return true;
}

Status checkSettingsStatus(const QSettings &settings)
{
    if (settings.status() == QSettings::NoError)
        return {};
    return Error::make(Error::Kind::Database,
                       tr("The settings file %1 could not be written.")
                           .arg(QDir::toNativeSeparators(settings.fileName())),
                       QStringLiteral("QSettings status %1 for %2")
                           .arg(int(settings.status()))
                           .arg(settings.fileName()));
}

} // namespace

WorkspaceSettings WorkspaceSettings::defaults(const QString &name, const AppPaths &paths)
{
    WorkspaceSettings s;
    s.name = name;
    s.database.sqlitePath = paths.defaultBillingDatabasePath(name);
    s.cachePath = paths.defaultCachePath(name);
    return s;
}

QStringList WorkspaceSettings::sslModes()
{
    return {QStringLiteral("disable"), QStringLiteral("allow"),     QStringLiteral("prefer"),
            QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
}

QStringList WorkspaceSettings::problems() const
{
    QStringList out;
    if (Status s = AppPaths::validateWorkspaceName(name); !s)
        out << s.error().userMessage;

    const QString url = stripeApiBase.toString();
    if (!stripeApiBase.isValid() || stripeApiBase.isEmpty()) {
        out << tr("The Stripe API address \"%1\" is not a valid URL.").arg(url);
    } else if (stripeApiBase.scheme() != QLatin1String("https") &&
               stripeApiBase.scheme() != QLatin1String("http")) {
        out << tr("The Stripe API address must start with https:// (or http:// for a local test "
                  "server): \"%1\".")
                   .arg(url);
    } else if (stripeApiBase.host().isEmpty()) {
        out << tr("The Stripe API address has no host name: \"%1\".").arg(url);
    } else {
        if (stripeApiBase.scheme() == QLatin1String("http") && !isLoopback(stripeApiBase.host()))
            out << tr("Plain http:// is allowed only for a test server on this computer "
                      "(localhost); use https:// for "
                      "\"%1\".")
                       .arg(stripeApiBase.host());
        if (!stripeApiBase.userInfo().isEmpty())
            out << tr("The Stripe API address must not contain a user name or password.");
        if (stripeApiBase.hasQuery() || stripeApiBase.hasFragment())
            out << tr("The Stripe API address must not contain '?' or '#' parts.");
    }

    if (database.backend == DatabaseBackend::Sqlite) {
        if (database.sqlitePath.trimmed().isEmpty())
            out << tr("Choose a file for the billing database.");
        else if (!QDir::isAbsolutePath(database.sqlitePath))
            out << tr("The billing database file must be a full path: \"%1\".")
                       .arg(database.sqlitePath);
    } else {
        const PostgresSettings &pg = database.postgres;
        if (pg.host.trimmed().isEmpty())
            out << tr("Enter the PostgreSQL server's host name.");
        if (pg.port < 1 || pg.port > 65535)
            out << tr("The PostgreSQL port must be between 1 and 65535, not %1.").arg(pg.port);
        if (pg.database.trimmed().isEmpty())
            out << tr("Enter the PostgreSQL database name.");
        if (pg.user.trimmed().isEmpty())
            out << tr("Enter the PostgreSQL user name.");
        if (!sslModes().contains(pg.sslMode))
            out << tr("The PostgreSQL SSL mode must be one of %1, not \"%2\".")
                       .arg(sslModes().join(QStringLiteral(", ")), pg.sslMode);
    }

    if (cachePath.trimmed().isEmpty())
        out << tr("Choose a file for the local cache.");
    else if (!QDir::isAbsolutePath(cachePath))
        out << tr("The cache file must be a full path: \"%1\".").arg(cachePath);
    else if (database.backend == DatabaseBackend::Sqlite &&
             QDir::cleanPath(cachePath) == QDir::cleanPath(database.sqlitePath))
        out << tr("The cache and the billing database must be different files.");
    return out;
}

Status WorkspaceSettings::validate() const
{
    const QStringList list = problems();
    if (list.isEmpty())
        return {};
    return Error::make(Error::Kind::Validation, list.first(), list.join(QStringLiteral("; ")));
}

WorkspaceSettingsStore::WorkspaceSettingsStore(AppPaths paths) : m_paths(std::move(paths)) {}

QStringList WorkspaceSettingsStore::workspaceNames() const
{
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    settings.beginGroup(kGroup);
    QStringList names = settings.childGroups();
    names.sort();
    return names;
}

Result<WorkspaceSettings> WorkspaceSettingsStore::load(const QString &name) const
{
    if (Status s = AppPaths::validateWorkspaceName(name); !s)
        return s.error();
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    settings.beginGroup(kGroup);
    if (!settings.childGroups().contains(name))
        return Error::make(Error::Kind::NotFound,
                           tr("There is no workspace named \"%1\".").arg(name));
    settings.beginGroup(name);
    WorkspaceSettings w = WorkspaceSettings::defaults(name, m_paths);
    w.stripeApiBase = QUrl(
        settings.value(QStringLiteral("stripe/apiBase"), w.stripeApiBase.toString()).toString());
    const QString backend =
        settings.value(QStringLiteral("database/backend"), QStringLiteral("sqlite")).toString();
    w.database.backend =
        backend == QLatin1String("postgres") ? DatabaseBackend::Postgres : DatabaseBackend::Sqlite;
    w.database.sqlitePath =
        settings.value(QStringLiteral("database/sqlitePath"), w.database.sqlitePath).toString();
    w.database.postgres.host = settings.value(QStringLiteral("database/pgHost")).toString();
    bool portOk = false;
    w.database.postgres.port =
        settings.value(QStringLiteral("database/pgPort"), 5432).toInt(&portOk);
    if (!portOk)
        w.database.postgres.port = 0; // shows as an invalid port
    w.database.postgres.database = settings.value(QStringLiteral("database/pgDatabase")).toString();
    w.database.postgres.user = settings.value(QStringLiteral("database/pgUser")).toString();
    w.database.postgres.sslMode =
        settings.value(QStringLiteral("database/pgSslMode"), QStringLiteral("prefer")).toString();
    w.cachePath = settings.value(QStringLiteral("cache/path"), w.cachePath).toString();
    if (backend != QLatin1String("sqlite") && backend != QLatin1String("postgres"))
        return Error::make(
            Error::Kind::Validation,
            tr("The workspace \"%1\" names an unknown database type \"%2\".").arg(name, backend));
    if (Status s = w.validate(); !s)
        return s.error();
    return w;
}

Status WorkspaceSettingsStore::save(const WorkspaceSettings &w)
{
    if (Status s = w.validate(); !s)
        return s;
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    settings.beginGroup(kGroup);
    settings.remove(w.name); // no stale keys from an earlier backend
    settings.beginGroup(w.name);
    settings.setValue(QStringLiteral("stripe/apiBase"), w.stripeApiBase.toString());
    const bool pg = w.database.backend == DatabaseBackend::Postgres;
    settings.setValue(QStringLiteral("database/backend"),
                      pg ? QStringLiteral("postgres") : QStringLiteral("sqlite"));
    if (pg) {
        settings.setValue(QStringLiteral("database/pgHost"), w.database.postgres.host);
        settings.setValue(QStringLiteral("database/pgPort"), w.database.postgres.port);
        settings.setValue(QStringLiteral("database/pgDatabase"), w.database.postgres.database);
        settings.setValue(QStringLiteral("database/pgUser"), w.database.postgres.user);
        settings.setValue(QStringLiteral("database/pgSslMode"), w.database.postgres.sslMode);
    } else {
        settings.setValue(QStringLiteral("database/sqlitePath"), w.database.sqlitePath);
    }
    settings.setValue(QStringLiteral("cache/path"), w.cachePath);
    settings.endGroup();
    settings.endGroup();
    settings.sync();
    return checkSettingsStatus(settings);
}

Status WorkspaceSettingsStore::remove(const QString &name)
{
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    settings.beginGroup(kGroup);
    if (!settings.childGroups().contains(name))
        return Error::make(Error::Kind::NotFound,
                           tr("There is no workspace named \"%1\".").arg(name));
    settings.remove(name);
    settings.endGroup();
    if (settings.value(QStringLiteral("current")).toString() == name)
        settings.remove(QStringLiteral("current"));
    settings.sync();
    return checkSettingsStatus(settings);
}

QString WorkspaceSettingsStore::currentWorkspace() const
{
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    return settings.value(QStringLiteral("current")).toString();
}

Status WorkspaceSettingsStore::setCurrentWorkspace(const QString &name)
{
    if (!workspaceNames().contains(name))
        return Error::make(Error::Kind::NotFound,
                           tr("There is no workspace named \"%1\".").arg(name));
    QSettings settings(m_paths.settingsFile(), QSettings::IniFormat);
    settings.setValue(QStringLiteral("current"), name);
    settings.sync();
    return checkSettingsStatus(settings);
}

} // namespace Billing
