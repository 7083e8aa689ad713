#include "ui/dialogs/pausedialog.h"
#include "tests/ui/dialogs/lifecycledialogsupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The pause dialog driven offscreen with clicks and keys against the real lifecycle stack and the
// sandbox (pause, resume) and the billing database (seasonal windows). Screenshots go to
// screenshotDir().
class tst_PauseDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<LifecycleStack> stack(StaffRole role = StaffRole::Support)
    {
        ++m_n;
        return std::make_unique<LifecycleStack>(
            m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.sqlite").arg(m_n))),
            actorWith(role), QString::number(m_n));
    }
    static void shoot(QWidget *w, const QString &name)
    {
        QTest::qWait(50); // let posted layout requests settle, as the event loop would
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/pausedialog-%1.png").arg(name)));
    }
    template <typename T = QPushButton>
    static T *child(QWidget &w, const QString &name)
    {
        return w.findChild<T *>(name);
    }
    static void open(PauseDialog &d, const QDateTime &now)
    {
        d.setClock([now] { return now; });
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
    }
    static void typeNumber(QSpinBox *spin, int value)
    {
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, QString::number(value));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    }
    void cleanup() { setSandboxLatency(0); }

    void pauseWithResumeDateAndDoubleClickIsOneEntry()
    {
        auto s = stack();
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        PauseService service(s->runner.get());
        SeasonalPlanService seasonal(s->billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = dialogRow(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));
        PauseDialog d(&service, &seasonal, s->runner.get(), s->outbox.get(), row);
        open(d, now);
        QVERIFY(!child(d, QStringLiteral("resumeNow"))->isVisible());
        QVERIFY(child<QLabel>(d, QStringLiteral("current"))->text().contains(QStringLiteral("as usual")));
        QTRY_VERIFY_WITH_TIMEOUT(d.windowLoaded(), 10000);
        shoot(&d, QStringLiteral("1-open"));

        clickCheckable(child<QRadioButton>(d, QStringLiteral("behavior_mark_uncollectible")));
        clickCheckable(child<QCheckBox>(d, QStringLiteral("resumeOn")));
        auto *date = child<QDateEdit>(d, QStringLiteral("resumeDate"));
        QVERIFY(date->isEnabled());
        const QDate resumeDay = now.toUTC().date().addDays(45);
        date->setDate(resumeDay);
        auto *confirm = child(d, QStringLiteral("confirm"));
        QVERIFY(confirm->isEnabled());
        QVERIFY(!child<QLabel>(d, QStringLiteral("dateMessage"))->isVisible());
        const QString summary = child<QLabel>(d, QStringLiteral("summary"))->text();
        QVERIFY2(summary.contains(d.locale().toString(resumeDay, QLocale::LongFormat)), qPrintable(summary));
        shoot(&d, QStringLiteral("2-pause-with-date"));

        setSandboxLatency(1200);
        doubleClick(confirm);
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), PauseDialog::State::Queued, 10000);
        QVERIFY(!confirm->isEnabled());
        shoot(&d, QStringLiteral("3-pending"));
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), PauseDialog::State::Succeeded, 20000);
        shoot(&d, QStringLiteral("4-done"));
        setSandboxLatency(0);

        QCOMPARE(s->outboxCount(), 1);
        const QJsonObject pc = sandboxSubscription(row.subscription.id).value(QLatin1String("pause_collection")).toObject();
        QCOMPARE(pc.value(QLatin1String("behavior")).toString(), QStringLiteral("mark_uncollectible"));
        QCOMPARE(pc.value(QLatin1String("resumes_at")).toInteger(), QDateTime(resumeDay, QTime(0, 0), Qt::UTC).toSecsSinceEpoch());
        QVERIFY(child<QLabel>(d, QStringLiteral("current"))->text().contains(QStringLiteral("paused")));
        QStringList ops;
        for (const AuditEntry &a : s->audit(row.subscription.id))
            ops << a.operation;
        QVERIFY2(ops.contains(QStringLiteral("subscription.pause")), qPrintable(ops.join(u',')));
    }

    void pastResumeDateIsRefusedAndNothingSent_data()
    {
        QTest::addColumn<int>("offsetDays");
        QTest::newRow("yesterday") << -1;
        QTest::newRow("today (00:00 UTC has passed)") << 0;
        QTest::newRow("last year") << -365;
    }
    void pastResumeDateIsRefusedAndNothingSent()
    {
        QFETCH(int, offsetDays);
        auto s = stack();
        PauseService service(s->runner.get());
        const QJsonObject json = newSubscription();
        const SubscriptionRow row = dialogRow(json);
        const QDateTime now = secs(json.value(QLatin1String("created")));
        PauseDialog d(&service, nullptr, s->runner.get(), s->outbox.get(), row);
        open(d, now);
        clickCheckable(child<QCheckBox>(d, QStringLiteral("resumeOn")));
        child<QDateEdit>(d, QStringLiteral("resumeDate"))->setDate(now.toUTC().date().addDays(offsetDays));
        auto *message = child<QLabel>(d, QStringLiteral("dateMessage"));
        QVERIFY(message->isVisible());
        QVERIFY2(message->text().contains(QStringLiteral("past")), qPrintable(message->text()));
        auto *confirm = child(d, QStringLiteral("confirm"));
        QVERIFY(!confirm->isEnabled());
        if (offsetDays == -1)
            shoot(&d, QStringLiteral("5-past-date"));
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTest::qWait(200);
        QCOMPARE(d.state(), PauseDialog::State::Editing);
        QCOMPARE(s->outboxCount(), 0);
        QVERIFY(s->audit(row.subscription.id).isEmpty());
        QVERIFY(sandboxSubscription(row.subscription.id).value(QLatin1String("pause_collection")).isNull());

        // Unticking the date (pause until resumed by hand) makes it valid again.
        clickCheckable(child<QCheckBox>(d, QStringLiteral("resumeOn")));
        QVERIFY(!message->isVisible());
        QVERIFY(confirm->isEnabled());
    }

    void resumeNowOnPausedSubscription()
    {
        auto s = stack();
        PauseService service(s->runner.get());
        const QJsonObject json = newSubscription();
        const QString id = json.value(QLatin1String("id")).toString();
        const QJsonObject paused = sandboxCall(
            "POST", QStringLiteral("/v1/subscriptions/") + id,
            {{QStringLiteral("pause_collection"), QJsonObject{{QStringLiteral("behavior"), QStringLiteral("void")}}}});
        const SubscriptionRow row = dialogRow(paused);
        QCOMPARE(row.subscription.pauseBehavior, QStringLiteral("void"));
        PauseDialog d(&service, nullptr, s->runner.get(), s->outbox.get(), row);
        open(d, secs(json.value(QLatin1String("created"))));
        QVERIFY(d.isPaused());
        QVERIFY(!child(d, QStringLiteral("confirm"))->isVisible());
        QVERIFY(child<QLabel>(d, QStringLiteral("current"))->text().contains(QStringLiteral("until resumed by hand")));
        auto *resume = child(d, QStringLiteral("resumeNow"));
        QVERIFY(resume->isVisible() && resume->isEnabled());
        shoot(&d, QStringLiteral("6-paused"));
        doubleClick(resume);
        QTRY_COMPARE_WITH_TIMEOUT(d.state(), PauseDialog::State::Succeeded, 20000);
        QVERIFY(!resume->isEnabled());
        QVERIFY(child<QLabel>(d, QStringLiteral("current"))->text().contains(QStringLiteral("as usual")));
        shoot(&d, QStringLiteral("7-resumed"));
        QCOMPARE(s->outboxCount(), 1);
        QVERIFY(sandboxSubscription(id).value(QLatin1String("pause_collection")).isNull());
    }

    void seasonalWindowEditorSavesEditsAndRemoves()
    {
        auto s = stack();
        PauseService service(s->runner.get());
        SeasonalPlanService seasonal(s->billingDb.get(), AccessPolicy{}, actorWith(StaffRole::Support));
        SubscriptionRow row;
        row.subscription.id = QStringLiteral("sub_seasonal_dialog_%1").arg(QDateTime::currentMSecsSinceEpoch());
        row.subscription.customerId = QStringLiteral("cus_seasonal");
        row.subscription.status = QStringLiteral("active");
        row.subscription.currency = QStringLiteral("usd");
        row.customerName = QStringLiteral("Ski School Ltd");
        row.planName = QStringLiteral("Pro monthly");
        row.amountMinor = 4900;
        row.interval = QStringLiteral("month");
        PauseDialog d(&service, &seasonal, s->runner.get(), s->outbox.get(), row);
        open(d, QDateTime::currentDateTimeUtc());
        QTRY_VERIFY_WITH_TIMEOUT(d.windowLoaded(), 10000);
        auto *label = child<QLabel>(d, QStringLiteral("currentWindow"));
        QVERIFY(label->text().contains(QStringLiteral("no seasonal pause")));
        QVERIFY(!child(d, QStringLiteral("removeWindow"))->isEnabled());

        // Dec 1 to Feb 30: a day that does not exist is said inline and cannot be saved.
        auto *startMonth = child<QComboBox>(d, QStringLiteral("startMonth"));
        startMonth->setFocus();
        QTest::keyClick(startMonth, Qt::Key_End); // December
        QCOMPARE(startMonth->currentData().toInt(), 12);
        typeNumber(child<QSpinBox>(d, QStringLiteral("startDay")), 1);
        auto *endMonth = child<QComboBox>(d, QStringLiteral("endMonth"));
        endMonth->setFocus();
        QTest::keyClick(endMonth, Qt::Key_Home);
        QTest::keyClick(endMonth, Qt::Key_Down); // February
        QCOMPARE(endMonth->currentData().toInt(), 2);
        typeNumber(child<QSpinBox>(d, QStringLiteral("endDay")), 30);
        auto *message = child<QLabel>(d, QStringLiteral("windowMessage"));
        auto *save = child(d, QStringLiteral("saveWindow"));
        QVERIFY(message->isVisible());
        QVERIFY(!save->isEnabled());
        shoot(&d, QStringLiteral("8-window-invalid"));
        typeNumber(child<QSpinBox>(d, QStringLiteral("endDay")), 28);
        QVERIFY(!message->isVisible());
        QVERIFY(save->isEnabled());
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("Every Dec 1 to Feb 28 (keep_as_draft)")), 10000);
        shoot(&d, QStringLiteral("9-window-saved"));
        auto stored = s->billingDb->thread().runBlocking(
            [id = row.subscription.id](BillingDatabase &db) { return SeasonalRepository(db).window(id); });
        QVERIFY(stored && stored->has_value());
        QCOMPARE((*stored)->startMonth, 12);
        QCOMPARE((*stored)->startDay, 1);
        QCOMPARE((*stored)->endMonth, 2);
        QCOMPARE((*stored)->endDay, 28);
        QCOMPARE((*stored)->behavior, QStringLiteral("keep_as_draft"));

        // Change the behaviour: the stored version moves on.
        auto *behavior = child<QComboBox>(d, QStringLiteral("windowBehavior"));
        behavior->setFocus();
        QTest::keyClick(behavior, Qt::Key_End); // void
        QTest::mouseClick(save, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("(void)")), 10000);
        QVERIFY(d.seasonalWindow() && d.seasonalWindow()->version > (*stored)->version);
        QStringList ops;
        for (const AuditEntry &a : s->audit(row.subscription.id))
            ops << a.operation;
        QCOMPARE(ops.count(QStringLiteral("seasonal_window.set")), 2);

        QTest::mouseClick(child(d, QStringLiteral("removeWindow")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("no seasonal pause")), 10000);
        stored = s->billingDb->thread().runBlocking(
            [id = row.subscription.id](BillingDatabase &db) { return SeasonalRepository(db).window(id); });
        QVERIFY(stored && !stored->has_value());
    }

    void readOnlyCannotEditSeasonalWindow()
    {
        auto s = stack(StaffRole::ReadOnly);
        PauseService service(s->runner.get());
        SeasonalPlanService seasonal(s->billingDb.get(), AccessPolicy{}, actorWith(StaffRole::ReadOnly));
        const QJsonObject json = newSubscription();
        PauseDialog d(&service, &seasonal, s->runner.get(), s->outbox.get(), dialogRow(json));
        open(d, secs(json.value(QLatin1String("created"))));
        QTRY_VERIFY_WITH_TIMEOUT(d.windowLoaded(), 10000);
        QVERIFY(!child(d, QStringLiteral("confirm"))->isEnabled());
        QVERIFY(!child(d, QStringLiteral("saveWindow"))->isEnabled());
        QVERIFY(child<QLabel>(d, QStringLiteral("status"))->text().contains(QStringLiteral("role")));
        QTest::mouseClick(child(d, QStringLiteral("confirm")), Qt::LeftButton);
        QCOMPARE(s->outboxCount(), 0);
    }
};

QTEST_MAIN(tst_PauseDialog)
#include "tst_pausedialog.moc"
