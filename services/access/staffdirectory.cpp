#include "services/access/staffdirectory.h"

#include "services/platform/logging.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QSettings>

#include <algorithm>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::StaffDirectory", text); }

const QString SystemActor = QStringLiteral("system");

void sortByName(QList<StaffMember> &staff)
{
    std::sort(staff.begin(), staff.end(), [](const StaffMember &a, const StaffMember &b) {
        const int c = QString::localeAwareCompare(a.displayName, b.displayName);
        return c != 0 ? c < 0 : a.email.compare(b.email, Qt::CaseInsensitive) < 0;
    });
}

// addStaff, or the stored row when another console added the same email first.
Result<StaffMember> addOrFind(BillingDatabase &db, const StaffMember &member, bool *added)
{
    *added = false;
    Result<StaffMember> existing = db.findStaffByEmail(member.email);
    if (existing)
        return existing;
    if (existing.error().kind != Error::Kind::NotFound)
        return existing.error();
    Result<StaffMember> stored = db.addStaff(member, SystemActor);
    if (stored) {
        *added = true;
        return stored;
    }
    if (stored.error().kind == Error::Kind::Conflict)
        return db.findStaffByEmail(member.email);
    return stored.error();
}

} // namespace

// ---- synchronous ---------------------------------------------------------------------------------

Result<QList<StaffMember>> StaffDirectory::activeStaffOn(BillingDatabase &db)
{
    Result<QList<StaffMember>> all = db.staff(false);
    if (!all)
        return all.error();
    QList<StaffMember> active;
    for (const StaffMember &m : std::as_const(*all))
        if (m.active)
            active << m;
    sortByName(active);
    return active;
}

Result<StaffMember> StaffDirectory::findActiveOn(BillingDatabase &db, const QString &email)
{
    Result<StaffMember> member = db.findStaffByEmail(email.trimmed());
    if (!member) {
        if (member.error().kind == Error::Kind::NotFound)
            return Error::make(Error::Kind::NotFound, tr("No staff profile has the email %1.").arg(email.trimmed()));
        return member.error();
    }
    if (!member->active)
        return Error::make(Error::Kind::Unauthorized,
                           tr("The staff profile %1 is no longer active.").arg(member->email));
    return member;
}

Result<StaffDirectory::BootstrapReport> StaffDirectory::bootstrapOn(BillingDatabase &db, const QString &osUser)
{
    BootstrapReport report;
    Result<QList<StaffMember>> all = db.staff(true);
    if (!all)
        return all.error();
    if (!all->isEmpty())
        return report;
    QString user = osUser.trimmed().toLower();
    user.replace(QRegularExpression(QStringLiteral("[^a-z0-9._-]")), QStringLiteral("_"));
    if (user.isEmpty())
        user = QStringLiteral("admin");
    StaffMember admin;
    admin.displayName = osUser.trimmed().isEmpty() ? user : osUser.trimmed();
    admin.email = user + QStringLiteral("@localhost.localdomain");
    admin.role = StaffRole::Admin;
    admin.active = true;
    bool added = false;
    Result<StaffMember> stored = addOrFind(db, admin, &added);
    if (!stored)
        return stored.error();
    report.created = added;
    report.admin = *stored;
    if (added) {
        report.message = tr("No staff profiles were set up yet: %1 was created as the first administrator. "
                            "Add your colleagues under Staff.")
                             .arg(stored->email);
        Logging::logger("app")->info("staff table was empty: created administrator {} from the OS user name",
                                     stored->email.toStdString());
    }
    return report;
}

QList<StaffMember> StaffDirectory::demoStaff()
{
    const auto make = [](const char *name, const char *email, StaffRole role) {
        StaffMember m;
        m.displayName = QString::fromUtf8(name);
        m.email = QString::fromUtf8(email);
        m.role = role;
        m.active = true;
        return m;
    };
    return {make("Alex Admin", "admin@demo.example", StaffRole::Admin),
            make("Frances Finance", "finance@demo.example", StaffRole::Finance),
            make("Sam Support", "support@demo.example", StaffRole::Support),
            make("Riley Reader", "readonly@demo.example", StaffRole::ReadOnly)};
}

QList<WorkspaceSetting> StaffDirectory::demoLimits()
{
    // Support may refund up to 500 and credit up to 200 in the demo's currencies.
    return {{QStringLiteral("limit.refund.usd"), QStringLiteral("50000"), 0},
            {QStringLiteral("limit.refund.eur"), QStringLiteral("50000"), 0},
            {QStringLiteral("limit.refund.gbp"), QStringLiteral("40000"), 0},
            {QStringLiteral("limit.credit.usd"), QStringLiteral("20000"), 0},
            {QStringLiteral("limit.credit.eur"), QStringLiteral("20000"), 0},
            {QStringLiteral("limit.credit.gbp"), QStringLiteral("15000"), 0}};
}

Result<QList<StaffMember>> StaffDirectory::seedDemoOn(BillingDatabase &db)
{
    QList<StaffMember> out;
    for (const StaffMember &m : demoStaff()) {
        bool added = false;
        Result<StaffMember> stored = addOrFind(db, m, &added);
        if (!stored)
            return stored.error();
        out << *stored;
    }
    for (const WorkspaceSetting &s : demoLimits()) {
        Result<WorkspaceSetting> existing = db.setting(s.key);
        if (existing)
            continue; // the workspace's own value wins
        if (existing.error().kind != Error::Kind::NotFound)
            return existing.error();
        Result<qint64> written = db.setSetting(s.key, s.value, 0, SystemActor);
        if (!written && written.error().kind != Error::Kind::Conflict)
            return written.error();
    }
    return out;
}

Result<StaffDirectory::StartupChoice> StaffDirectory::resolveStartupOn(BillingDatabase &db,
                                                                       const QString &commandLineEmail,
                                                                       const QString &lastUsedEmail,
                                                                       const QString &osUser)
{
    StartupChoice choice;
    Result<BootstrapReport> boot = bootstrapOn(db, osUser);
    if (!boot)
        return boot.error();
    choice.bootstrap = *boot;
    Result<QList<StaffMember>> active = activeStaffOn(db);
    if (!active)
        return active.error();
    choice.candidates = *active;
    if (!commandLineEmail.trimmed().isEmpty()) {
        Result<StaffMember> m = findActiveOn(db, commandLineEmail);
        if (!m)
            return m.error();
        choice.member = *m;
        choice.source = Source::CommandLine;
        return choice;
    }
    if (!lastUsedEmail.trimmed().isEmpty()) {
        Result<StaffMember> m = findActiveOn(db, lastUsedEmail);
        if (m) {
            choice.member = *m;
            choice.source = Source::LastUsed;
            return choice;
        }
        if (m.error().kind != Error::Kind::NotFound && m.error().kind != Error::Kind::Unauthorized)
            return m.error();
    }
    if (choice.candidates.size() == 1) {
        choice.member = choice.candidates.constFirst();
        choice.source = Source::OnlyProfile;
        return choice;
    }
    choice.source = Source::Picker;
    return choice;
}

Result<AccessPolicy> StaffDirectory::loadPolicyOn(BillingDatabase &db)
{
    Result<QList<WorkspaceSetting>> settings = db.settingsList();
    if (!settings)
        return settings.error();
    return AccessPolicy(AccessPolicy::limitsFromSettings(*settings));
}

// ---- asynchronous --------------------------------------------------------------------------------

void StaffDirectory::activeStaff(QObject *context, std::function<void(Result<QList<StaffMember>>)> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return activeStaffOn(db); }, std::move(handler));
}

void StaffDirectory::findActive(const QString &email, QObject *context,
                                std::function<void(Result<StaffMember>)> handler)
{
    m_db->thread().run(context, [email](BillingDatabase &db) { return findActiveOn(db, email); }, std::move(handler));
}

void StaffDirectory::bootstrap(const QString &osUser, QObject *context,
                               std::function<void(Result<BootstrapReport>)> handler)
{
    m_db->thread().run(context, [osUser](BillingDatabase &db) { return bootstrapOn(db, osUser); }, std::move(handler));
}

void StaffDirectory::seedDemo(QObject *context, std::function<void(Result<QList<StaffMember>>)> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return seedDemoOn(db); }, std::move(handler));
}

void StaffDirectory::resolveStartup(const QString &commandLineEmail, const QString &lastUsedEmail,
                                    const QString &osUser, QObject *context,
                                    std::function<void(Result<StartupChoice>)> handler)
{
    m_db->thread().run(
        context,
        [commandLineEmail, lastUsedEmail, osUser](BillingDatabase &db) {
            return resolveStartupOn(db, commandLineEmail, lastUsedEmail, osUser);
        },
        std::move(handler));
}

void StaffDirectory::loadPolicy(QObject *context, std::function<void(Result<AccessPolicy>)> handler)
{
    m_db->thread().run(context, [](BillingDatabase &db) { return loadPolicyOn(db); }, std::move(handler));
}

// ---- helpers -------------------------------------------------------------------------------------

QString StaffDirectory::osUserName()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME");
    if (user.isEmpty())
        user = QStringLiteral("admin");
    return user;
}

QString StaffDirectory::lastUsedEmail()
{
    return QSettings().value(QLatin1String(LastUsedSettingsKey)).toString();
}

void StaffDirectory::rememberLastUsed(const QString &email)
{
    QSettings().setValue(QLatin1String(LastUsedSettingsKey), email);
}

} // namespace Billing
