#include "app/commandactor.h"

#include "app/commandoutput.h"
#include "app/workspacesession.h"
#include "services/access/staffdirectory.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::CommandActor", text); }
} // namespace

bool resolveCommandActor(WorkspaceSession &session, const QString &email)
{
    const QString osUser = StaffDirectory::osUserName();
    auto resolved = session.billingDatabase().thread().runBlocking(
        [email, osUser](BillingDatabase &db) -> Result<QPair<StaffDirectory::StartupChoice, AccessPolicy>> {
            // Without --staff the bootstrap administrator of this OS user acts (as if last used).
            QString user = osUser.trimmed().toLower();
            user.replace(QRegularExpression(QStringLiteral("[^a-z0-9._-]")), QStringLiteral("_"));
            const QString fallback = (user.isEmpty() ? QStringLiteral("admin") : user) + QStringLiteral("@localhost.localdomain");
            Result<StaffDirectory::StartupChoice> choice = StaffDirectory::resolveStartupOn(db, email, fallback, osUser);
            if (!choice)
                return choice.error();
            Result<AccessPolicy> policy = StaffDirectory::loadPolicyOn(db);
            if (!policy)
                return policy.error();
            return qMakePair(*choice, *policy);
        });
    if (!resolved) {
        if (resolved.error().kind == Error::Kind::NotFound)
            err() << tr("error: there is no active staff profile %1 in this workspace (see `staff list`).").arg(email) << Qt::endl;
        else if (resolved.error().kind == Error::Kind::Unauthorized)
            err() << tr("error: the staff profile %1 is not active.").arg(email) << Qt::endl;
        else
            err() << tr("error: %1").arg(resolved.error().userMessage) << Qt::endl;
        return false;
    }
    const StaffDirectory::StartupChoice &choice = resolved->first;
    if (choice.bootstrap.created)
        err() << tr("note: %1").arg(choice.bootstrap.message) << Qt::endl;
    if (!choice.member) {
        err() << tr("error: this workspace has several staff profiles; name the one who acts with --staff EMAIL (see `staff list`).")
              << Qt::endl;
        return false;
    }
    session.setActor(Actor::fromStaff(*choice.member), resolved->second);
    return true;
}

} // namespace Billing
