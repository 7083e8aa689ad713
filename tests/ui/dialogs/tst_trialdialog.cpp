#include "ui/dialogs/trialdialog.h"
#include "tests/services/lifecycle/lifecycletestconsole.h"

#include <QComboBox>
#include <QDateEdit>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The Trial dialog (start a trial; extend, end now, change end behaviour) driven with keys and
// clicks, offscreen, against the real stack and the Stripe sandbox. Screenshots to screenshotDir().
class tst_TrialDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void startTrialWithDaysAndEndBehavior();
    void customerWithoutCurrencyChoosesOne();
    void extendThenEndNow();
    void badExtensionDateIsRefusedInline_data();
    void badExtensionDateIsRefusedInline();
    void changeEndBehavior();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/trialdialog-%1.png").arg(name)));
    }
    static void click(QAbstractButton *b) { QTest::mouseClick(b, Qt::LeftButton, {}, QPoint(8, b->height() / 2)); }
    static void typeDate(QDateEdit *edit, const QDate &date)
    {
        // As a person would: into the year section, then the digits of year, month and day.
        edit->window()->activateWindow();
        edit->setFocus(Qt::TabFocusReason);
        QTest::keyClick(edit, Qt::Key_Home);
        edit->setSelectedSection(QDateTimeEdit::YearSection);
        QTest::keyClicks(edit, date.toString(QStringLiteral("yyyyMMdd"))); // a full section moves on by itself
    }
    // A new customer and, when `trialDays` > 0, a trialing subscription on team_monthly_usd.
    QString newCustomer(const QString &name)
    {
        return sandboxCall("POST", QStringLiteral("/v1/customers"), "name=" + QUrl::toPercentEncoding(name))
            .value(QLatin1String("id"))
            .toString();
    }
    QString newTrial(int trialDays)
    {
        const QString customer = newCustomer(QStringLiteral("Trial Dialog Tester"));
        const QByteArray body = "customer=" + customer.toUtf8() + "&items[0][price]=" + m_teamUsd.toUtf8()
                                + "&items[0][quantity]=1&trial_period_days=" + QByteArray::number(trialDays)
                                + "&trial_settings[end_behavior][missing_payment_method]=cancel";
        return sandboxCall("POST", QStringLiteral("/v1/subscriptions"), body).value(QLatin1String("id")).toString();
    }
    static QJsonObject subscription(const QString &id) { return sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + id); }

    QString m_teamUsd, m_teamEur;
};

void tst_TrialDialog::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_teamUsd = priceByLookupKey(QStringLiteral("team_monthly_usd"));
    m_teamEur = priceByLookupKey(QStringLiteral("team_monthly_eur"));
    QVERIFY(!m_teamUsd.isEmpty() && !m_teamEur.isEmpty());
}

void tst_TrialDialog::cleanup()
{
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})", "application/json");
}

void tst_TrialDialog::startTrialWithDaysAndEndBehavior()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService trials(c.client.get(), c.runner.get());
    PlanChangeService plans(c.client.get(), c.runner.get());
    Customer customer;
    customer.id = newCustomer(QStringLiteral("Ada Trialson"));
    customer.name = QStringLiteral("Ada Trialson");
    customer.currency = QStringLiteral("usd");
    QVERIFY(!customer.id.isEmpty());
    TrialDialog dialog(&trials, &plans, c.runner.get(), c.outbox.get(), customer);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
    auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("plan"));
    // Only the customer's currency is offered.
    QVERIFY(combo->findData(m_teamUsd) >= 0);
    QVERIFY(combo->findData(m_teamEur) < 0);
    QVERIFY(dialog.findChild<QComboBox *>(QStringLiteral("currency")) == nullptr);
    combo->setFocus();
    QTest::keyClick(combo, Qt::Key_Home);
    for (int i = 0; i < combo->count() && combo->currentData().toString() != m_teamUsd; ++i)
        QTest::keyClick(combo, Qt::Key_Down);
    QCOMPARE(combo->currentData().toString(), m_teamUsd);
    auto *quantity = dialog.findChild<QSpinBox *>(QStringLiteral("quantity"));
    quantity->setFocus();
    quantity->selectAll();
    QTest::keyClicks(quantity, QStringLiteral("2"));
    auto *days = dialog.findChild<QSpinBox *>(QStringLiteral("days"));
    days->setFocus();
    days->selectAll();
    QTest::keyClicks(days, QStringLiteral("10"));
    click(dialog.findChild<QRadioButton *>(QStringLiteral("endPause")));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(confirm->isEnabled());
    auto *summary = dialog.findChild<QLabel *>(QStringLiteral("summary"));
    QVERIFY2(summary->text().contains(QStringLiteral("10 days")) && summary->text().contains(QStringLiteral("paused")),
             qPrintable(summary->text()));
    shoot(&dialog, QStringLiteral("start"));

    // A date instead of days: a past one is refused inline.
    click(dialog.findChild<QRadioButton *>(QStringLiteral("byDate")));
    auto *endDate = dialog.findChild<QDateEdit *>(QStringLiteral("endDate"));
    QVERIFY(endDate->isEnabled());
    typeDate(endDate, QDate::currentDate().addDays(-3));
    QCOMPARE(endDate->date(), QDate::currentDate().addDays(-3));
    QVERIFY(!confirm->isEnabled());
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("lengthMessage"))->text().contains(QStringLiteral("past")));
    shoot(&dialog, QStringLiteral("start-past-date"));
    click(dialog.findChild<QRadioButton *>(QStringLiteral("byDays")));
    QVERIFY(confirm->isEnabled());

    // A double click on Confirm while Stripe answers slowly: one subscription.
    const int applied = appliedCount();
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":1000})", "application/json");
    QTest::mouseDClick(confirm, Qt::LeftButton);
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Queued, 10000);
    QVERIFY(!confirm->isEnabled());
    shoot(&dialog, QStringLiteral("start-pending"));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Succeeded, 20000);
    shoot(&dialog, QStringLiteral("start-done"));
    QCOMPARE(appliedSince(applied).size(), 1);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);
    const QJsonObject sub = subscription(dialog.createdSubscriptionId());
    QCOMPARE(sub.value(QLatin1String("customer")).toString(), customer.id);
    QCOMPARE(sub.value(QLatin1String("status")).toString(), QStringLiteral("trialing"));
    QCOMPARE(sub[QLatin1String("items")][QLatin1String("data")][0][QLatin1String("quantity")].toInteger(), qint64(2));
    QCOMPARE(sub.value(QLatin1String("trial_end")).toInteger() - sub.value(QLatin1String("trial_start")).toInteger(),
             qint64(10 * 86400));
    QCOMPARE(sub[QLatin1String("trial_settings")][QLatin1String("end_behavior")][QLatin1String("missing_payment_method")].toString(),
             QStringLiteral("pause"));
    QTRY_VERIFY_WITH_TIMEOUT(c.audit(customer.id).size() >= 2, 10000);
}

void tst_TrialDialog::customerWithoutCurrencyChoosesOne()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService trials(c.client.get(), c.runner.get());
    PlanChangeService plans(c.client.get(), c.runner.get());
    Customer customer;
    customer.id = newCustomer(QStringLiteral("New Customer"));
    customer.name = QStringLiteral("New Customer");
    TrialDialog dialog(&trials, &plans, c.runner.get(), c.outbox.get(), customer);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
    auto *currency = dialog.findChild<QComboBox *>(QStringLiteral("currency"));
    QVERIFY(currency);
    QCOMPARE(currency->currentText(), QStringLiteral("USD"));
    auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("plan"));
    QVERIFY(combo->findData(m_teamUsd) >= 0);
    // Switching to EUR lists the EUR plans only.
    currency->setFocus();
    const int eur = currency->findText(QStringLiteral("EUR"));
    QVERIFY(eur >= 0);
    for (int i = 0; i < currency->count() && currency->currentIndex() != eur; ++i)
        QTest::keyClick(currency, currency->currentIndex() < eur ? Qt::Key_Down : Qt::Key_Up);
    QCOMPARE(currency->currentText(), QStringLiteral("EUR"));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.state() == TrialDialog::State::Editing && combo->findData(m_teamEur) >= 0, 20000);
    QVERIFY(combo->findData(m_teamUsd) < 0);
    shoot(&dialog, QStringLiteral("start-choose-currency"));
}

void tst_TrialDialog::extendThenEndNow()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService trials(c.client.get(), c.runner.get());
    const QString subId = newTrial(7);
    QVERIFY(!subId.isEmpty());
    const qint64 oldEnd = subscription(subId).value(QLatin1String("trial_end")).toInteger();
    const QDateTime newEnd = QDateTime::fromSecsSinceEpoch(oldEnd).addDays(10);

    {
        TrialDialog dialog(&trials, c.runner.get(), c.outbox.get(), subId);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
        QCOMPARE(dialog.trialState().subscription.trialEnd.toSecsSinceEpoch(), oldEnd);
        QVERIFY(dialog.findChild<QRadioButton *>(QStringLiteral("extend"))->isChecked());
        typeDate(dialog.findChild<QDateEdit *>(QStringLiteral("extendDate")), newEnd.toLocalTime().date());
        auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
        QVERIFY(confirm->isEnabled());
        QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("extendMessage"))->isVisible());
        QVERIFY2(dialog.findChild<QLabel *>(QStringLiteral("summary"))->text().contains(QStringLiteral("10 more days")),
                 qPrintable(dialog.findChild<QLabel *>(QStringLiteral("summary"))->text()));
        shoot(&dialog, QStringLiteral("extend"));
        QTest::mouseDClick(confirm, Qt::LeftButton); // (Qt's synthetic double click alone does not click)
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Succeeded, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.trialState().subscription.trialEnd.toSecsSinceEpoch(), newEnd.toSecsSinceEpoch(), 10000);
        shoot(&dialog, QStringLiteral("extend-done"));
    }
    QCOMPARE(subscription(subId).value(QLatin1String("trial_end")).toInteger(), newEnd.toSecsSinceEpoch());
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);

    TrialDialog dialog(&trials, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
    click(dialog.findChild<QRadioButton *>(QStringLiteral("endNow")));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(confirm->isEnabled());
    shoot(&dialog, QStringLiteral("end-now"));
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Succeeded, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.trialState().subscription.status != QLatin1String("trialing"), 10000);
    shoot(&dialog, QStringLiteral("end-now-done"));
    QVERIFY(subscription(subId).value(QLatin1String("status")).toString() != QLatin1String("trialing"));
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 2);
    // requested + result rows for both writes.
    QTRY_VERIFY_WITH_TIMEOUT(c.audit(subId).size() >= 4, 10000);
}

void tst_TrialDialog::badExtensionDateIsRefusedInline_data()
{
    QTest::addColumn<int>("daysFromCurrentEnd"); // relative to the current trial end's date
    QTest::addColumn<bool>("past");              // instead: days from today, in the past
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("in the past") << -30 << true << "past";
    QTest::newRow("the current end's day") << 0 << false << "not after";
    QTest::newRow("before the current end") << -2 << false << "not after";
    QTest::newRow("beyond Stripe's 730 days") << 800 << false << "730 days";
}

void tst_TrialDialog::badExtensionDateIsRefusedInline()
{
    QFETCH(int, daysFromCurrentEnd);
    QFETCH(bool, past);
    QFETCH(QString, mustMention);
    Console c;
    QCOMPARE(c.start(QStringLiteral("admin@demo.example")), QString());
    TrialService trials(c.client.get(), c.runner.get());
    const QString subId = newTrial(14);
    QVERIFY(!subId.isEmpty());
    TrialDialog dialog(&trials, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
    const QDate currentEnd = dialog.trialState().subscription.trialEnd.toLocalTime().date();
    const QDate bad = past ? QDate::currentDate().addDays(daysFromCurrentEnd) : currentEnd.addDays(daysFromCurrentEnd);
    auto *edit = dialog.findChild<QDateEdit *>(QStringLiteral("extendDate"));
    typeDate(edit, bad);
    QCOMPARE(edit->date(), bad);
    auto *message = dialog.findChild<QLabel *>(QStringLiteral("extendMessage"));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(message->isVisible());
    QVERIFY2(message->text().contains(mustMention), qPrintable(message->text()));
    QVERIFY(!confirm->isEnabled());
    if (past)
        shoot(&dialog, QStringLiteral("extend-past-date"));
    const int applied = appliedCount();
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTest::keyClick(&dialog, Qt::Key_Return);
    QTest::qWait(300);
    QCOMPARE(dialog.state(), TrialDialog::State::Editing);
    QCOMPARE(appliedSince(applied).size(), 0);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 0);
    QCOMPARE(subscription(subId).value(QLatin1String("trial_end")).toInteger(),
             dialog.trialState().subscription.trialEnd.toSecsSinceEpoch());
    // A good date clears the message.
    typeDate(edit, currentEnd.addDays(5));
    QVERIFY(!message->isVisible());
    QVERIFY(confirm->isEnabled());
}

void tst_TrialDialog::changeEndBehavior()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    TrialService trials(c.client.get(), c.runner.get());
    const QString subId = newTrial(5);
    TrialDialog dialog(&trials, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Editing, 20000);
    QCOMPARE(dialog.trialState().endBehavior, TrialEndBehavior::Cancel);
    click(dialog.findChild<QRadioButton *>(QStringLiteral("changeBehavior")));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(!confirm->isEnabled()); // still "cancel": nothing to change
    click(dialog.findChild<QRadioButton *>(QStringLiteral("endInvoice")));
    QVERIFY(confirm->isEnabled());
    shoot(&dialog, QStringLiteral("end-behavior"));
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), TrialDialog::State::Succeeded, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.trialState().endBehavior, TrialEndBehavior::CreateInvoice, 10000);
    QCOMPARE(subscription(subId)[QLatin1String("trial_settings")][QLatin1String("end_behavior")][QLatin1String("missing_payment_method")]
                 .toString(),
             QStringLiteral("create_invoice"));
}

QTEST_MAIN(tst_TrialDialog)
#include "tst_trialdialog.moc"
