#pragma once

#include <QString>

#include "services/domain/result.h"

namespace Billing {

// Where Billing Console keeps its files. Standard: data under QStandardPaths::AppLocalDataLocation
// (logs/, <workspace>/billing.sqlite, <workspace>/cache.sqlite) and settings in
// AppConfigLocation/billing-console.ini. Tests and portable installs pass explicit roots instead
// (or enable QStandardPaths::setTestModeEnabled before standard()). Cheap value type; no I/O but
// ensureWorkspaceDir().
class AppPaths final
{
public:
    AppPaths(QString dataRoot, QString configRoot);
    static AppPaths standard();

    QString dataRoot() const { return m_dataRoot; }
    QString configRoot() const { return m_configRoot; }

    QString logDir() const;                               // <data>/logs
    QString settingsFile() const;                         // <config>/billing-console.ini
    QString workspaceDir(const QString &workspace) const; // <data>/<workspace>
    QString
    defaultBillingDatabasePath(const QString &workspace) const; // <data>/<workspace>/billing.sqlite
    QString defaultCachePath(const QString &workspace) const;   // <data>/<workspace>/cache.sqlite

    // Creates <data>/<workspace>; Validation error for a bad name, Database error if it cannot be
    // made.
    Status ensureWorkspaceDir(const QString &workspace) const;

    // A workspace name becomes a folder name: 1-64 characters, letters, digits, space, '.', '_',
    // '-'; not starting with '.' or a space. Error::Kind::Validation with a plain message
    // otherwise.
    static Status validateWorkspaceName(const QString &workspace);

private:
    QString m_dataRoot;
    QString m_configRoot;
};

} // namespace Billing
