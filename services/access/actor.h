#pragma once

#include "services/storage/billingdatabase.h"

#include <QString>

namespace Billing {

// Who is acting: the staff profile chosen at start-up from the billing database.
struct Actor
{
    qint64 staffId = 0;
    QString email;
    QString displayName;
    StaffRole role = StaffRole::ReadOnly;

    // How the audit log and the outbox name this actor.
    QString tag() const { return email.isEmpty() ? QStringLiteral("system") : email; }
    static Actor fromStaff(const StaffMember &member)
    {
        return {member.id, member.email, member.displayName, member.role};
    }
};

} // namespace Billing
