#pragma once

#include "services/access/accesspolicy.h"
#include "services/access/actor.h"
#include "services/domain/result.h"
#include "services/storage/billingdatabase.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace Billing {

class AsyncBillingDatabase;

// The staff profiles of the billing database, as start-up and the staff picker need them, and the
// access policy of the workspace (roles plus the support limits from workspace settings).
//
// Threading: the asynchronous calls run on the database's worker and call the handler on
// `context`'s thread while it lives; the static *On(BillingDatabase&) forms are the same work,
// synchronous, for that worker, the command line and tests. Errors: those of BillingDatabase
// (Database, Conflict), NotFound for an unknown email, Unauthorized for an inactive profile.
class StaffDirectory final
{
public:
    // The key under which the app remembers the last profile used (QSettings, default scope).
    static constexpr const char *LastUsedSettingsKey = "staff/lastEmail";

    struct BootstrapReport
    {
        bool created = false; // true: the staff table was empty and `admin` was just created
        StaffMember admin;    // the created administrator (empty when nothing was created)
        QString message;      // plain words for the status bar / log when created
    };

    // How the start-up profile was found.
    enum class Source { CommandLine, LastUsed, OnlyProfile, Picker };
    struct StartupChoice
    {
        std::optional<StaffMember> member; // empty: ask with the picker, from `candidates`
        Source source = Source::Picker;
        QList<StaffMember> candidates;      // every active profile, by display name
        BootstrapReport bootstrap;          // what bootstrapping did first
    };

    explicit StaffDirectory(AsyncBillingDatabase *db) : m_db(db) {}

    // Active profiles, sorted by display name.
    void activeStaff(QObject *context, std::function<void(Result<QList<StaffMember>>)> handler);
    // The active profile with this email (case-insensitive).
    void findActive(const QString &email, QObject *context, std::function<void(Result<StaffMember>)> handler);
    // When the staff table is empty: creates an administrator from the OS user name
    // ("<user>@localhost.localdomain"), so a new workspace is usable. Does nothing otherwise.
    void bootstrap(const QString &osUser, QObject *context, std::function<void(Result<BootstrapReport>)> handler);
    // The demo workspace's staff (one per role, see demoStaff()) and its support limits; idempotent:
    // existing emails and settings are left as they are. Returns the demo profiles as stored.
    void seedDemo(QObject *context, std::function<void(Result<QList<StaffMember>>)> handler);
    // Start-up: bootstrap, then the profile named on the command line (an error if unknown or
    // inactive), else the last used one if still active, else the only active one, else none
    // (the app shows the picker with `candidates`).
    void resolveStartup(const QString &commandLineEmail, const QString &lastUsedEmail, const QString &osUser,
                        QObject *context, std::function<void(Result<StartupChoice>)> handler);
    // The workspace's access policy (limits from the "limit.refund.<cur>" / "limit.credit.<cur>" settings).
    void loadPolicy(QObject *context, std::function<void(Result<AccessPolicy>)> handler);

    // The same, synchronously on an open BillingDatabase (worker thread, CLI, tests).
    static Result<QList<StaffMember>> activeStaffOn(BillingDatabase &db);
    static Result<StaffMember> findActiveOn(BillingDatabase &db, const QString &email);
    static Result<BootstrapReport> bootstrapOn(BillingDatabase &db, const QString &osUser);
    static Result<QList<StaffMember>> seedDemoOn(BillingDatabase &db);
    static Result<StartupChoice> resolveStartupOn(BillingDatabase &db, const QString &commandLineEmail,
                                                  const QString &lastUsedEmail, const QString &osUser);
    static Result<AccessPolicy> loadPolicyOn(BillingDatabase &db);

    // The demo profiles: admin, finance, support and read-only (ids and versions unset).
    static QList<StaffMember> demoStaff();
    // The demo support limits, as workspace settings (key -> minor units).
    static QList<WorkspaceSetting> demoLimits();
    // The OS user name ($USER / $USERNAME), "admin" when neither is set.
    static QString osUserName();
    // QSettings helpers for the last used profile.
    static QString lastUsedEmail();
    static void rememberLastUsed(const QString &email);

private:
    AsyncBillingDatabase *m_db;
};

} // namespace Billing
