#include "services/platform/apppaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

namespace Billing {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("Billing::AppPaths", text);
}
} // namespace

AppPaths::AppPaths(QString dataRoot, QString configRoot)
    : m_dataRoot(QDir::cleanPath(std::move(dataRoot))),
      m_configRoot(QDir::cleanPath(std::move(configRoot)))
{
}

AppPaths AppPaths::standard()
{
    return AppPaths(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation),
                    QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
}

QString AppPaths::logDir() const
{
    return m_dataRoot + QStringLiteral("/logs");
}

QString AppPaths::settingsFile() const
{
    return m_configRoot + QStringLiteral("/billing-console.ini");
}

QString AppPaths::workspaceDir(const QString &workspace) const
{
    return m_dataRoot + u'/' + workspace;
}

QString AppPaths::defaultBillingDatabasePath(const QString &workspace) const
{
    return workspaceDir(workspace) + QStringLiteral("/billing.sqlite");
}

QString AppPaths::defaultCachePath(const QString &workspace) const
{
    return workspaceDir(workspace) + QStringLiteral("/cache.sqlite");
}

Status AppPaths::ensureWorkspaceDir(const QString &workspace) const
{
    if (Status s = validateWorkspaceName(workspace); !s)
        return s;
    const QString dir = workspaceDir(workspace);
    if (!QDir().mkpath(dir))
        return Error::make(
            Error::Kind::Database,
            tr("The folder %1 could not be created.").arg(QDir::toNativeSeparators(dir)));
    return {};
}

Status AppPaths::validateWorkspaceName(const QString &workspace)
{
    if (workspace.isEmpty())
        return Error::make(Error::Kind::Validation, tr("The workspace needs a name."));
    if (workspace.size() > 64)
        return Error::make(Error::Kind::Validation,
                           tr("The workspace name is longer than 64 characters."));
    if (workspace.front() == u'.' || workspace.front() == u' ' || workspace.back() == u' ')
        return Error::make(
            Error::Kind::Validation,
            tr("The workspace name cannot start with a dot or start or end with a space."));
    for (QChar c : workspace) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u' ' || c == u'.' || c == u'_' ||
                        c == u'-';
        if (!ok)
            return Error::make(Error::Kind::Validation,
                               tr("The workspace name may use only letters, digits, spaces, '.', "
                                  "'_' and '-': \"%1\".")
                                   .arg(workspace));
    }
    return {};
}

} // namespace Billing
