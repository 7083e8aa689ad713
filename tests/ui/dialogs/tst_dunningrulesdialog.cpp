// The dunning rules editor on a real SQLite billing database: add, edit, validation, a stale
// version, delete; read-only for support. Screenshots to screenshotDir().

#include "services/storage/asyncbillingdatabase.h"
#include "tests/testsupport.h"
#include "ui/dialogs/dunningrulesdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_DunningRulesDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addEditDelete()
    {
        QTemporaryDir dir;
        AsyncBillingDatabase db(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.sqlite"))));
        QVERIFY(db.openBlocking().ok());
        DunningRulesDialog dialog(&db, QStringLiteral("fin@example.com"), true);
        dialog.show();
        QTRY_COMPARE(dialog.table()->rowCount(), 0);

        // Nameless: refused, nothing stored.
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.statusLabel()->text().contains(QLatin1String("name")));

        struct R { const char *name; DunningTrigger t; int days; DunningAction a; };
        const R wanted[] = {{"Tell the owner", DunningTrigger::OnFailure, 0, DunningAction::NotifyOwner},
                            {"Remind after 3 days", DunningTrigger::AfterDays, 3, DunningAction::SendReminder},
                            {"Pause after 10 days", DunningTrigger::AfterDays, 10, DunningAction::Pause},
                            {"Write off when retries end", DunningTrigger::OnFinalAttempt, 0, DunningAction::MarkUncollectible}};
        for (const R &r : wanted) {
            QTest::mouseClick(dialog.newButton(), Qt::LeftButton);
            QTest::keyClicks(dialog.nameEdit(), QString::fromLatin1(r.name));
            dialog.triggerBox()->setCurrentIndex(dialog.triggerBox()->findData(int(r.t)));
            if (r.days)
                dialog.daysBox()->setValue(r.days);
            dialog.actionBox()->setCurrentIndex(dialog.actionBox()->findData(int(r.a)));
            const int before = dialog.table()->rowCount();
            QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
            QTRY_COMPARE(dialog.table()->rowCount(), before + 1);
        }
        QCOMPARE(dialog.table()->item(1, 1)->text(), QStringLiteral("3 days after the failure"));
        QCOMPARE(dialog.table()->item(3, 2)->text(), QStringLiteral("Mark uncollectible"));
        QVERIFY(!dialog.daysBox()->isEnabled()); // the last one is "when no retry is left"
        QVERIFY(dialog.grab().save(screenshotDir() + QStringLiteral("/dunningrulesdialog-1-rules.png")));

        // Edit the reminder to 5 days.
        dialog.table()->setCurrentCell(1, 0);
        QCOMPARE(dialog.nameEdit()->text(), QStringLiteral("Remind after 3 days"));
        dialog.nameEdit()->setText(QStringLiteral("Remind after 5 days"));
        dialog.daysBox()->setValue(5);
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QTRY_COMPARE(dialog.table()->item(1, 1)->text(), QStringLiteral("5 days after the failure"));
        Result<QList<DunningRule>> stored = db.thread().runBlocking([](BillingDatabase &d) { return DunningRepository(d).rules(); });
        QCOMPARE(stored->at(1).days, 5);
        QCOMPARE(stored->at(1).version, 2);

        // Someone else changes rule 3 meanwhile: saving the stale copy is refused.
        DunningRule other = stored->at(2);
        other.days = 12;
        QVERIFY(db.thread().runBlocking([other](BillingDatabase &d) { return DunningRepository(d).saveRule(other, QStringLiteral("ana@example.com")); }).ok());
        dialog.table()->setCurrentCell(2, 0);
        dialog.daysBox()->setValue(20);
        QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.statusLabel()->text().contains(QLatin1String("Someone else")));

        // Delete the first.
        dialog.reload();
        QTRY_COMPARE(dialog.table()->item(2, 1)->text(), QStringLiteral("12 days after the failure"));
        dialog.table()->setCurrentCell(0, 0);
        QTest::mouseClick(dialog.deleteButton(), Qt::LeftButton);
        QTRY_COMPARE(dialog.table()->rowCount(), 3);
        QVERIFY(dialog.grab().save(screenshotDir() + QStringLiteral("/dunningrulesdialog-2-edited.png")));
    }

    void readOnlyWithoutPermission()
    {
        QTemporaryDir dir;
        AsyncBillingDatabase db(BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.sqlite"))));
        QVERIFY(db.openBlocking().ok());
        DunningRulesDialog dialog(&db, QStringLiteral("sam@example.com"), false);
        QVERIFY(!dialog.saveButton()->isEnabled());
        QVERIFY(!dialog.nameEdit()->isEnabled());
        QVERIFY(dialog.statusLabel()->text().contains(QLatin1String("finance")));
    }
};

QTEST_MAIN(tst_DunningRulesDialog)
#include "tst_dunningrulesdialog.moc"
