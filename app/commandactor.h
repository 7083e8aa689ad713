#pragma once

#include <QString>

namespace Billing {

class WorkspaceSession;

// Who acts for a headless command: the staff profile named by --staff, else this OS user's
// bootstrap administrator (as the console does on first start). Installs the profile and the
// workspace's access policy on the session. The billing database must be open. On failure prints
// why (no such profile, inactive, several profiles and none named, a database error) to err()
// and returns false.
bool resolveCommandActor(WorkspaceSession &session, const QString &email);

} // namespace Billing
