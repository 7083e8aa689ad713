#include "services/access/accesspolicy.h"

#include <QSet>
#include <QTest>

using namespace Billing;

Q_DECLARE_METATYPE(Billing::StaffRole)
Q_DECLARE_METATYPE(Billing::Permission)
Q_DECLARE_METATYPE(Billing::Money)

namespace {

const QList<Permission> AllPermissions = {
    Permission::ViewData,       Permission::ChangePlan,      Permission::CancelSubscription,
    Permission::PauseSubscription, Permission::ManageTrial,  Permission::Refund,
    Permission::IssueCreditNote, Permission::ApplyCredit,    Permission::InvoiceActions,
    Permission::WriteOff,       Permission::ChangePrices,    Permission::ManageSeasonalPlans,
    Permission::ManageStaff,    Permission::ManageSettings, Permission::EditCustomer,
    Permission::ManagePaymentMethods, Permission::ManagePaymentTerms, Permission::RecordOfflinePayment,
    Permission::WorkDunning,    Permission::ManageDunningRules, Permission::ManageBudgets,
    Permission::ManageFxRates,  Permission::ManagePromotions, Permission::ApproveCustomPricing,
};
const QList<StaffRole> AllRoles = {StaffRole::Admin, StaffRole::Finance, StaffRole::Support, StaffRole::ReadOnly};

// The role table of the issue ("a support agent cannot change prices; read-only cannot mutate
// anything"), written out by hand from the Permission comments: who may, per permission.
QSet<StaffRole> whoMay(Permission p)
{
    const QSet<StaffRole> everyone{StaffRole::Admin, StaffRole::Finance, StaffRole::Support, StaffRole::ReadOnly};
    const QSet<StaffRole> agents{StaffRole::Admin, StaffRole::Finance, StaffRole::Support};
    const QSet<StaffRole> financeUp{StaffRole::Admin, StaffRole::Finance};
    const QSet<StaffRole> adminOnly{StaffRole::Admin};
    switch (p) {
    case Permission::ViewData: return everyone;
    case Permission::WriteOff:
    case Permission::ManagePaymentTerms:
    case Permission::RecordOfflinePayment:
    case Permission::ManageDunningRules:
    case Permission::ManageFxRates:
    case Permission::ManagePromotions:
    case Permission::ApproveCustomPricing:
    case Permission::ChangePrices: return financeUp;
    case Permission::ManageStaff:
    case Permission::ManageSettings: return adminOnly;
    default: return agents;
    }
}

Actor actor(StaffRole role)
{
    Actor a;
    a.staffId = 7;
    a.email = QStringLiteral("someone@example.com");
    a.role = role;
    return a;
}

Money usd(qint64 minor) { return Money(minor, *Currency::fromCode(u"usd")); }
Money eur(qint64 minor) { return Money(minor, *Currency::fromCode(u"eur")); }
Money jpy(qint64 minor) { return Money(minor, *Currency::fromCode(u"jpy")); }

AccessPolicy policyWithLimits()
{
    AccessPolicy::Limits l;
    l.supportRefundMinor.insert(QStringLiteral("usd"), 50000); // 500.00 USD
    l.supportRefundMinor.insert(QStringLiteral("jpy"), 30000); // 30,000 JPY
    l.supportCreditMinor.insert(QStringLiteral("usd"), 20000);
    return AccessPolicy(l);
}

} // namespace

class tst_AccessPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyRoleAndPermission_data();
    void everyRoleAndPermission();
    void refusalNamesRoleAndAction_data();
    void refusalNamesRoleAndAction();
    void permissionNamesAreDistinct();
    void refundLimits_data();
    void refundLimits();
    void creditLimits_data();
    void creditLimits();
    void limitsFromSettings_data();
    void limitsFromSettings();
};

void tst_AccessPolicy::everyRoleAndPermission_data()
{
    QTest::addColumn<StaffRole>("role");
    QTest::addColumn<Permission>("permission");
    QTest::addColumn<bool>("allowed");
    for (StaffRole role : AllRoles)
        for (Permission p : AllPermissions)
            QTest::addRow("%s/%s", qPrintable(staffRoleName(role)), qPrintable(permissionName(p)))
                << role << p << whoMay(p).contains(role);
}

void tst_AccessPolicy::everyRoleAndPermission()
{
    QFETCH(StaffRole, role);
    QFETCH(Permission, permission);
    QFETCH(bool, allowed);
    QCOMPARE(AccessPolicy::allows(role, permission), allowed);
    const Status s = AccessPolicy().check(actor(role), permission);
    QCOMPARE(s.ok(), allowed);
    if (!allowed) {
        QCOMPARE(s.error().kind, Error::Kind::Unauthorized);
        QVERIFY(!s.error().userMessage.isEmpty());
        QVERIFY2(s.error().userMessage.endsWith(QLatin1Char('.')), qPrintable(s.error().userMessage));
    }
}

void tst_AccessPolicy::refusalNamesRoleAndAction_data()
{
    QTest::addColumn<StaffRole>("role");
    QTest::addColumn<Permission>("permission");
    QTest::addColumn<QString>("message");
    QTest::newRow("read-only refund") << StaffRole::ReadOnly << Permission::Refund
                                      << QStringLiteral("A read-only profile cannot refund payments.");
    QTest::newRow("support prices") << StaffRole::Support << Permission::ChangePrices
                                    << QStringLiteral("A support agent cannot change prices.");
    QTest::newRow("finance staff") << StaffRole::Finance << Permission::ManageStaff
                                   << QStringLiteral("A finance profile cannot manage staff.");
    QTest::newRow("read-only plan") << StaffRole::ReadOnly << Permission::ChangePlan
                                    << QStringLiteral("A read-only profile cannot change subscription plans.");
}

void tst_AccessPolicy::refusalNamesRoleAndAction()
{
    QFETCH(StaffRole, role);
    QFETCH(Permission, permission);
    QFETCH(QString, message);
    const Status s = AccessPolicy().check(actor(role), permission);
    QVERIFY(!s.ok());
    QCOMPARE(s.error().userMessage, message);
}

void tst_AccessPolicy::permissionNamesAreDistinct()
{
    QSet<QString> names;
    for (Permission p : AllPermissions)
        names.insert(permissionName(p));
    QCOMPARE(names.size(), AllPermissions.size());
    QCOMPARE(permissionName(Permission::Refund), QStringLiteral("refund"));
    QCOMPARE(permissionName(Permission::ChangePlan), QStringLiteral("change_plan"));
}

void tst_AccessPolicy::refundLimits_data()
{
    QTest::addColumn<StaffRole>("role");
    QTest::addColumn<Money>("amount");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("support below the limit") << StaffRole::Support << usd(12000) << true;
    QTest::newRow("support exactly at the limit") << StaffRole::Support << usd(50000) << true;
    QTest::newRow("support one cent above") << StaffRole::Support << usd(50001) << false;
    QTest::newRow("support far above") << StaffRole::Support << usd(9900000) << false;
    QTest::newRow("support zero-decimal currency within") << StaffRole::Support << jpy(30000) << true;
    QTest::newRow("support zero-decimal currency above") << StaffRole::Support << jpy(30001) << false;
    QTest::newRow("support currency without a limit") << StaffRole::Support << eur(1) << false;
    QTest::newRow("finance far above") << StaffRole::Finance << usd(9900000) << true;
    QTest::newRow("finance currency without a limit") << StaffRole::Finance << eur(9900000) << true;
    QTest::newRow("admin far above") << StaffRole::Admin << usd(9900000) << true;
    QTest::newRow("read-only tiny") << StaffRole::ReadOnly << usd(1) << false;
}

void tst_AccessPolicy::refundLimits()
{
    QFETCH(StaffRole, role);
    QFETCH(Money, amount);
    QFETCH(bool, allowed);
    const Status s = policyWithLimits().checkRefund(actor(role), amount);
    QCOMPARE(s.ok(), allowed);
    if (!allowed) {
        QCOMPARE(s.error().kind, Error::Kind::Unauthorized);
        if (role == StaffRole::Support) // says what to do: ask finance
            QVERIFY2(s.error().userMessage.contains(QLatin1String("finance")), qPrintable(s.error().userMessage));
    }
}

void tst_AccessPolicy::creditLimits_data()
{
    QTest::addColumn<StaffRole>("role");
    QTest::addColumn<Money>("amount");
    QTest::addColumn<bool>("allowed");
    // The credit limit (200.00 USD) is separate from the refund limit (500.00 USD).
    QTest::newRow("support within credit limit") << StaffRole::Support << usd(20000) << true;
    QTest::newRow("support above credit, within refund limit") << StaffRole::Support << usd(30000) << false;
    QTest::newRow("support credit in jpy: no credit limit") << StaffRole::Support << jpy(1) << false;
    QTest::newRow("finance above") << StaffRole::Finance << usd(10000000) << true;
    QTest::newRow("read-only") << StaffRole::ReadOnly << usd(1) << false;
}

void tst_AccessPolicy::creditLimits()
{
    QFETCH(StaffRole, role);
    QFETCH(Money, amount);
    QFETCH(bool, allowed);
    const Status s = policyWithLimits().checkCredit(actor(role), amount);
    QCOMPARE(s.ok(), allowed);
    if (!allowed)
        QCOMPARE(s.error().kind, Error::Kind::Unauthorized);
}

void tst_AccessPolicy::limitsFromSettings_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("refund");   // which map the value lands in
    QTest::addColumn<QString>("currency");
    QTest::addColumn<qint64>("expected"); // -1 = ignored
    QTest::newRow("refund usd") << "limit.refund.usd" << "50000" << true << "usd" << qint64(50000);
    QTest::newRow("credit eur") << "limit.credit.eur" << "2500" << false << "eur" << qint64(2500);
    QTest::newRow("upper-case code") << "limit.refund.GBP" << "100" << true << "gbp" << qint64(100);
    QTest::newRow("spaces around") << "limit.refund.usd" << " 700 " << true << "usd" << qint64(700);
    QTest::newRow("zero: support may not") << "limit.refund.usd" << "0" << true << "usd" << qint64(0);
    QTest::newRow("decimal ignored") << "limit.refund.usd" << "500.00" << true << "usd" << qint64(-1);
    QTest::newRow("exponent ignored") << "limit.refund.usd" << "5e4" << true << "usd" << qint64(-1);
    QTest::newRow("negative ignored") << "limit.refund.usd" << "-5" << true << "usd" << qint64(-1);
    QTest::newRow("words ignored") << "limit.credit.usd" << "lots" << false << "usd" << qint64(-1);
    QTest::newRow("empty ignored") << "limit.credit.usd" << "" << false << "usd" << qint64(-1);
    QTest::newRow("unknown currency ignored") << "limit.refund.zzz" << "100" << true << "zzz" << qint64(-1);
}

void tst_AccessPolicy::limitsFromSettings()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(bool, refund);
    QFETCH(QString, currency);
    QFETCH(qint64, expected);
    const QList<WorkspaceSetting> settings{{key, value, 1},
                                           {QStringLiteral("theme"), QStringLiteral("dark"), 1},
                                           {QStringLiteral("limit.other.usd"), QStringLiteral("5"), 1}};
    const AccessPolicy::Limits l = AccessPolicy::limitsFromSettings(settings);
    const QMap<QString, qint64> &map = refund ? l.supportRefundMinor : l.supportCreditMinor;
    const QMap<QString, qint64> &other = refund ? l.supportCreditMinor : l.supportRefundMinor;
    QVERIFY(other.isEmpty());
    if (expected < 0) {
        QVERIFY(map.isEmpty());
    } else {
        QCOMPARE(map.size(), 1);
        QCOMPARE(map.value(currency, -1), expected);
    }
}

QTEST_GUILESS_MAIN(tst_AccessPolicy)
#include "tst_accesspolicy.moc"
