#include "services/access/staffdirectory.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTest>

#include <memory>

using namespace Billing;

#define BC_VERIFY_OK(expr)                                                                                   \
    do {                                                                                                     \
        const auto &bcResult_ = (expr);                                                                      \
        QVERIFY2(bcResult_.ok(), qPrintable(bcResult_.ok() ? QString() : bcResult_.error().detail));         \
    } while (false)

class tst_StaffDirectory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void emptyWorkspaceGetsAnAdminFromTheOsUser();
    void bootstrapLeavesAnExistingTeamAlone();
    void demoSeedIsIdempotentAndCoversEveryRole();
    void startupProfile_data();
    void startupProfile();
    void unknownOrInactiveCommandLineProfileIsAnError();
    void policyReadsTheWorkspaceLimits();
    void asyncCallsAnswerOnTheCallersThread();

private:
    BillingDatabase &db() { return *m_db; }
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<BillingDatabase> m_db;
    int m_counter = 0;
};

void tst_StaffDirectory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_db = std::make_unique<BillingDatabase>(QStringLiteral("tst-staff-%1").arg(++m_counter));
    BC_VERIFY_OK(m_db->open(BillingDbSettings::sqlite(m_dir->filePath(QStringLiteral("billing.db")))));
}

void tst_StaffDirectory::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void tst_StaffDirectory::emptyWorkspaceGetsAnAdminFromTheOsUser()
{
    auto report = StaffDirectory::bootstrapOn(db(), QStringLiteral("Jane Doe"));
    BC_VERIFY_OK(report);
    QVERIFY(report->created);
    QCOMPARE(report->admin.role, StaffRole::Admin);
    QCOMPARE(report->admin.email, QStringLiteral("jane_doe@localhost.localdomain"));
    QCOMPARE(report->admin.displayName, QStringLiteral("Jane Doe"));
    QVERIFY2(report->message.contains(report->admin.email), qPrintable(report->message));
    auto staff = db().staff(true);
    BC_VERIFY_OK(staff);
    QCOMPARE(staff->size(), 1);
    QCOMPARE(staff->first().id, report->admin.id);
    // Audited like every staff change (staff.add by "system").
    AuditQuery q;
    q.operation = QStringLiteral("staff.add");
    auto rows = db().audit(q);
    BC_VERIFY_OK(rows);
    QCOMPARE(rows->size(), 1);
    QCOMPARE(rows->first().actor, QStringLiteral("system"));
    // A second start does nothing more.
    auto again = StaffDirectory::bootstrapOn(db(), QStringLiteral("Jane Doe"));
    BC_VERIFY_OK(again);
    QVERIFY(!again->created);
    QCOMPARE(db().staff(true)->size(), 1);
}

void tst_StaffDirectory::bootstrapLeavesAnExistingTeamAlone()
{
    StaffMember m;
    m.displayName = QStringLiteral("Old Timer");
    m.email = QStringLiteral("old@example.com");
    m.role = StaffRole::Support;
    m.active = false; // even an inactive profile means the workspace was set up
    BC_VERIFY_OK(db().addStaff(m, QStringLiteral("test")));
    auto report = StaffDirectory::bootstrapOn(db(), QStringLiteral("alice"));
    BC_VERIFY_OK(report);
    QVERIFY(!report->created);
    QCOMPARE(db().staff(true)->size(), 1);
}

void tst_StaffDirectory::demoSeedIsIdempotentAndCoversEveryRole()
{
    auto first = StaffDirectory::seedDemoOn(db());
    BC_VERIFY_OK(first);
    auto second = StaffDirectory::seedDemoOn(db());
    BC_VERIFY_OK(second);
    QCOMPARE(first->size(), second->size());
    for (int i = 0; i < first->size(); ++i)
        QCOMPARE(first->at(i).id, second->at(i).id);
    auto staff = db().staff(true);
    BC_VERIFY_OK(staff);
    QCOMPARE(staff->size(), first->size());
    QSet<StaffRole> roles;
    for (const StaffMember &m : std::as_const(*staff))
        roles.insert(m.role);
    QCOMPARE(roles, (QSet<StaffRole>{StaffRole::Admin, StaffRole::Finance, StaffRole::Support, StaffRole::ReadOnly}));
    // A limit the workspace changed is kept by a later seed.
    auto setting = db().setting(QStringLiteral("limit.refund.usd"));
    BC_VERIFY_OK(setting);
    BC_VERIFY_OK(db().setSetting(QStringLiteral("limit.refund.usd"), QStringLiteral("123"), setting->version,
                                 QStringLiteral("test")));
    BC_VERIFY_OK(StaffDirectory::seedDemoOn(db()));
    QCOMPARE(db().setting(QStringLiteral("limit.refund.usd"))->value, QStringLiteral("123"));
}

void tst_StaffDirectory::startupProfile_data()
{
    QTest::addColumn<bool>("seedDemo");
    QTest::addColumn<QString>("commandLine");
    QTest::addColumn<QString>("lastUsed");
    QTest::addColumn<QString>("expectedEmail"); // empty = the picker
    QTest::addColumn<int>("expectedSource");
    QTest::newRow("command line wins") << true << "support@demo.example" << "finance@demo.example"
                                       << "support@demo.example" << int(StaffDirectory::Source::CommandLine);
    QTest::newRow("command line, other case") << true << "SUPPORT@demo.example" << ""
                                              << "support@demo.example" << int(StaffDirectory::Source::CommandLine);
    QTest::newRow("last used") << true << "" << "finance@demo.example" << "finance@demo.example"
                               << int(StaffDirectory::Source::LastUsed);
    QTest::newRow("last used is gone: picker") << true << "" << "gone@example.com" << ""
                                               << int(StaffDirectory::Source::Picker);
    QTest::newRow("nothing known: picker") << true << "" << "" << "" << int(StaffDirectory::Source::Picker);
    QTest::newRow("new workspace: the bootstrapped admin") << false << "" << "" << "tester@localhost.localdomain"
                                                           << int(StaffDirectory::Source::OnlyProfile);
}

void tst_StaffDirectory::startupProfile()
{
    QFETCH(bool, seedDemo);
    QFETCH(QString, commandLine);
    QFETCH(QString, lastUsed);
    QFETCH(QString, expectedEmail);
    QFETCH(int, expectedSource);
    if (seedDemo)
        BC_VERIFY_OK(StaffDirectory::seedDemoOn(db()));
    auto choice = StaffDirectory::resolveStartupOn(db(), commandLine, lastUsed, QStringLiteral("tester"));
    BC_VERIFY_OK(choice);
    QCOMPARE(int(choice->source), expectedSource);
    QCOMPARE(choice->bootstrap.created, !seedDemo);
    if (expectedEmail.isEmpty()) {
        QVERIFY(!choice->member);
        QCOMPARE(choice->candidates.size(), StaffDirectory::demoStaff().size());
    } else {
        QVERIFY(choice->member);
        QCOMPARE(choice->member->email, expectedEmail);
    }
}

void tst_StaffDirectory::unknownOrInactiveCommandLineProfileIsAnError()
{
    BC_VERIFY_OK(StaffDirectory::seedDemoOn(db()));
    auto unknown = StaffDirectory::resolveStartupOn(db(), QStringLiteral("nobody@example.com"), {}, QStringLiteral("t"));
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().kind, Error::Kind::NotFound);
    QVERIFY(unknown.error().userMessage.contains(QLatin1String("nobody@example.com")));

    auto support = db().findStaffByEmail(QStringLiteral("support@demo.example"));
    BC_VERIFY_OK(support);
    StaffMember off = *support;
    off.active = false;
    BC_VERIFY_OK(db().updateStaff(off, QStringLiteral("test")));
    auto inactive = StaffDirectory::resolveStartupOn(db(), off.email, {}, QStringLiteral("t"));
    QVERIFY(!inactive);
    QCOMPARE(inactive.error().kind, Error::Kind::Unauthorized);
    // An inactive last-used profile is skipped, not chosen, and not offered in the picker.
    auto fallback = StaffDirectory::resolveStartupOn(db(), {}, off.email, QStringLiteral("t"));
    BC_VERIFY_OK(fallback);
    QVERIFY(!fallback->member);
    for (const StaffMember &m : std::as_const(fallback->candidates))
        QVERIFY(m.email != off.email);
}

void tst_StaffDirectory::policyReadsTheWorkspaceLimits()
{
    auto before = StaffDirectory::loadPolicyOn(db());
    BC_VERIFY_OK(before);
    QVERIFY(before->limits().supportRefundMinor.isEmpty()); // no limit: support may not refund at all
    BC_VERIFY_OK(StaffDirectory::seedDemoOn(db()));
    auto after = StaffDirectory::loadPolicyOn(db());
    BC_VERIFY_OK(after);
    const Actor support = Actor::fromStaff(*db().findStaffByEmail(QStringLiteral("support@demo.example")));
    const qint64 limit = after->limits().supportRefundMinor.value(QStringLiteral("usd"));
    QVERIFY(limit > 0);
    const Currency usd = *Currency::fromCode(u"usd");
    QVERIFY(after->checkRefund(support, Money(limit, usd)).ok());
    QVERIFY(!after->checkRefund(support, Money(limit + 1, usd)).ok());
    QVERIFY(!before->checkRefund(support, Money(1, usd)).ok());
}

void tst_StaffDirectory::asyncCallsAnswerOnTheCallersThread()
{
    AsyncBillingDatabase async(BillingDbSettings::sqlite(m_dir->filePath(QStringLiteral("async.db"))));
    BC_VERIFY_OK(async.openBlocking());
    StaffDirectory directory(&async);
    QObject context;
    std::optional<Result<QList<StaffMember>>> seeded;
    directory.seedDemo(&context, [&](Result<QList<StaffMember>> r) {
        QCOMPARE(QThread::currentThread(), context.thread());
        seeded = std::move(r);
    });
    QTRY_VERIFY(seeded.has_value());
    BC_VERIFY_OK(*seeded);
    std::optional<Result<StaffMember>> found;
    directory.findActive(QStringLiteral("finance@demo.example"), &context,
                         [&](Result<StaffMember> r) { found = std::move(r); });
    QTRY_VERIFY(found.has_value());
    BC_VERIFY_OK(*found);
    QCOMPARE((*found)->role, StaffRole::Finance);
    std::optional<Result<QList<StaffMember>>> active;
    directory.activeStaff(&context, [&](Result<QList<StaffMember>> r) { active = std::move(r); });
    QTRY_VERIFY(active.has_value());
    BC_VERIFY_OK(*active);
    QCOMPARE((*active)->size(), StaffDirectory::demoStaff().size());
}

QTEST_GUILESS_MAIN(tst_StaffDirectory)
#include "tst_staffdirectory.moc"
