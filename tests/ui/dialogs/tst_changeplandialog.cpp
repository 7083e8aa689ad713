#include "ui/dialogs/changeplandialog.h"
#include "tests/services/lifecycle/lifecycletestconsole.h"

#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTcpServer>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The Change Plan dialog driven like a person would (keys and clicks, offscreen) against the real
// stack (outbox, operation runner, billing database, cache on temp files) and the Stripe sandbox.
// Screenshots of each state go to screenshotDir().
class tst_ChangePlanDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void upgradeNowProratedChargesWhatThePreviewShowed();
    void downgradeAtPeriodEndCreatesTheSchedule();
    void offlineConfirmStaysQueuedThenSendsOnce();
    void readOnlySeesThePreviewButCannotConfirm();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/changeplandialog-%1.png").arg(name)));
    }
    // Picks the plan with the keyboard, as an agent would: arrow keys in the combo box.
    static bool choosePlan(ChangePlanDialog &dialog, const QString &priceId)
    {
        auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("plan"));
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Home);
        for (int i = 0; i < combo->count() && combo->currentData().toString() != priceId; ++i)
            QTest::keyClick(combo, Qt::Key_Down);
        return combo->currentData().toString() == priceId;
    }
    static void typeQuantity(ChangePlanDialog &dialog, int quantity)
    {
        auto *spin = dialog.findChild<QSpinBox *>(QStringLiteral("quantity"));
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, QString::number(quantity));
        QTest::keyClick(spin, Qt::Key_Tab);
    }
    // An active subscription to one seat of `priceId` for a new customer with a Visa card, made
    // for the calling test: tests share the sandbox, and another one may have changed the card or
    // plan of a demo customer first.
    QString m_starterUsd, m_teamUsd, m_teamEur;
};

void tst_ChangePlanDialog::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_starterUsd = priceByLookupKey(QStringLiteral("starter_monthly_usd"));
    m_teamUsd = priceByLookupKey(QStringLiteral("team_monthly_usd"));
    m_teamEur = priceByLookupKey(QStringLiteral("team_monthly_eur"));
    QVERIFY(!m_starterUsd.isEmpty() && !m_teamUsd.isEmpty() && !m_teamEur.isEmpty());
}

void tst_ChangePlanDialog::cleanup()
{
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})", "application/json");
}

void tst_ChangePlanDialog::upgradeNowProratedChargesWhatThePreviewShowed()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService service(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    QVERIFY(!subId.isEmpty());
    ChangePlanDialog dialog(&service, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Editing, 20000);
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("plan"));
    // Opens on the current plan and quantity: nothing to preview, nothing to confirm.
    QCOMPARE(combo->currentData().toString(), m_starterUsd);
    QVERIFY(combo->currentText().contains(QStringLiteral("(current)")));
    QCOMPARE(qint64(dialog.findChild<QSpinBox *>(QStringLiteral("quantity"))->value()),
             dialog.currentPlan().subscription.items.first().quantity);
    QVERIFY(!confirm->isEnabled());
    // Only plans of the subscription's currency are offered, and the hint says so.
    QVERIFY(combo->count() >= 2);
    QVERIFY(combo->findData(m_teamEur) < 0);
    QVERIFY(combo->findData(m_teamUsd) >= 0);
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("currencyHint"))->text().contains(QStringLiteral("USD")));
    shoot(&dialog, QStringLiteral("opened"));

    QVERIFY(choosePlan(dialog, m_teamUsd));
    typeQuantity(dialog, 3);
    QVERIFY(dialog.findChild<QRadioButton *>(QStringLiteral("nowProrated"))->isChecked());
    QVERIFY(!confirm->isEnabled()); // not before Stripe's preview for these inputs
    QTRY_VERIFY_WITH_TIMEOUT(dialog.freshPreview().has_value(), 20000);
    QVERIFY(confirm->isEnabled());
    const PlanChangePreview pv = *dialog.freshPreview();
    QCOMPARE(pv.request.priceId, m_teamUsd);
    QCOMPARE(pv.request.quantity, qint64(3));
    QVERIFY(pv.amountDueNow.minor() > 0);
    const QLocale loc = dialog.locale();
    QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("credit"))->text(), pv.credit.toLocaleString(loc));
    QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("newCharge"))->text(), pv.newCharge.toLocaleString(loc));
    QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("amountDue"))->text(), pv.amountDueNow.toLocaleString(loc));
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("nextInvoice"))->text().startsWith(pv.nextInvoiceTotal.toLocaleString(loc)));
    QVERIFY(!dialog.findChild<QFrame *>(QStringLiteral("warnings"))->isVisible()); // an upgrade
    shoot(&dialog, QStringLiteral("preview-upgrade"));

    // Changing an input makes the preview stale: Confirm waits for the new one.
    typeQuantity(dialog, 4);
    QVERIFY(!confirm->isEnabled());
    typeQuantity(dialog, 3);
    QTRY_VERIFY_WITH_TIMEOUT(confirm->isEnabled(), 20000);

    // Stripe answers slowly, so the pending state can be seen; the agent double-clicks Confirm.
    const int applied = appliedCount();
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":1200})", "application/json");
    QTest::mouseDClick(confirm, Qt::LeftButton);
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Queued, 10000);
    QVERIFY(!confirm->isEnabled());
    QTest::mouseClick(confirm, Qt::LeftButton);
    shoot(&dialog, QStringLiteral("pending"));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Succeeded, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.currentPlan().price.id == m_teamUsd, 10000);
    QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("currentQuantity"))->text(), loc.toString(3));
    shoot(&dialog, QStringLiteral("done"));

    // One write, one outbox entry, and Stripe charged exactly what the dialog showed.
    QCOMPARE(appliedSince(applied).size(), 1);
    const QList<OutboxEntry> entries = *c.outbox->entriesBlocking(std::nullopt);
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries.first().clientOpId, dialog.clientOpId());
    const QJsonObject after = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QJsonObject item = after[QLatin1String("items")][QLatin1String("data")][0].toObject();
    QCOMPARE(item[QLatin1String("price")][QLatin1String("id")].toString(), m_teamUsd);
    QCOMPARE(item[QLatin1String("quantity")].toInteger(), qint64(3));
    const QJsonObject invoice = sandboxCall("GET", QStringLiteral("/v1/invoices/") + after[QLatin1String("latest_invoice")].toString());
    const auto charged = previewAmounts(invoice);
    QVERIFY(charged.ok());
    QCOMPARE(charged->creditMinor, pv.credit.minor());
    QCOMPARE(charged->chargeMinor, pv.newCharge.minor());
    QCOMPARE(charged->amountDueMinor, pv.amountDueNow.minor());
    QCOMPARE(invoice[QLatin1String("amount_paid")].toInteger(), pv.amountDueNow.minor());

    // Audit: one request row and one result row, under the same idempotency key.
    QTRY_VERIFY_WITH_TIMEOUT(c.audit(subId).size() >= 2, 10000);
    QStringList results;
    for (const AuditEntry &row : c.audit(subId)) {
        QCOMPARE(row.idempotencyKey, entries.first().idempotencyKey);
        results << row.result;
    }
    QCOMPARE(results.count(QStringLiteral("requested")), 1);
    QCOMPARE(results.count(QStringLiteral("ok")), 1);
}

void tst_ChangePlanDialog::downgradeAtPeriodEndCreatesTheSchedule()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("finance@demo.example")), QString());
    PlanChangeService service(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_teamUsd);
    QVERIFY(!subId.isEmpty());
    ChangePlanDialog dialog(&service, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Editing, 20000);
    const QDateTime periodEnd = dialog.currentPlan().subscription.currentPeriodEnd();
    const qint64 oldQty = dialog.currentPlan().subscription.items.first().quantity;
    auto *periodEndRadio = dialog.findChild<QRadioButton *>(QStringLiteral("periodEnd"));
    // The timing option names the date the change would take effect.
    QVERIFY2(periodEndRadio->text().contains(dialog.locale().toString(periodEnd.toLocalTime().date(), QStringLiteral("d MMM yyyy"))),
             qPrintable(periodEndRadio->text()));

    QVERIFY(choosePlan(dialog, m_starterUsd));
    typeQuantity(dialog, 1);
    QTest::mouseClick(periodEndRadio, Qt::LeftButton, {}, QPoint(8, periodEndRadio->height() / 2));
    QVERIFY(periodEndRadio->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(dialog.freshPreview().has_value(), 20000);
    const PlanChangePreview pv = *dialog.freshPreview();
    QCOMPARE(pv.request.timing, PlanChangeTiming::AtPeriodEnd);
    QVERIFY(pv.downgrade);
    QCOMPARE(pv.amountDueNow.minor(), qint64(0));
    // The downgrade is called out in the amber box; nothing is due now.
    auto *warnings = dialog.findChild<QFrame *>(QStringLiteral("warnings"));
    QVERIFY(warnings->isVisible());
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("warningText"))->text().contains(QStringLiteral("downgrade")));
    QCOMPARE(dialog.findChild<QLabel *>(QStringLiteral("amountDue"))->text(), pv.amountDueNow.toLocaleString(dialog.locale()));
    shoot(&dialog, QStringLiteral("preview-downgrade-period-end"));

    const int applied = appliedCount();
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("confirm")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Succeeded, 20000);
    shoot(&dialog, QStringLiteral("done-period-end"));
    QCOMPARE(appliedSince(applied).size(), 2); // schedule from the subscription, then its two phases

    const QJsonObject after = sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId);
    const QString scheduleId = after[QLatin1String("schedule")].toString();
    QVERIFY(!scheduleId.isEmpty());
    // Nothing changes before the period ends.
    QCOMPARE(after[QLatin1String("items")][QLatin1String("data")][0][QLatin1String("price")][QLatin1String("id")].toString(), m_teamUsd);
    const QJsonArray phases = sandboxCall("GET", QStringLiteral("/v1/subscription_schedules/") + scheduleId)[QLatin1String("phases")].toArray();
    QCOMPARE(phases.size(), 2);
    QCOMPARE(phases[0][QLatin1String("items")][0][QLatin1String("price")].toString(), m_teamUsd);
    QCOMPARE(phases[0][QLatin1String("items")][0][QLatin1String("quantity")].toInteger(), oldQty);
    QCOMPARE(phases[1][QLatin1String("items")][0][QLatin1String("price")].toString(), m_starterUsd);
    QCOMPARE(phases[1][QLatin1String("start_date")].toInteger(), pv.nextInvoiceDate.toSecsSinceEpoch());
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 2);
}

void tst_ChangePlanDialog::offlineConfirmStaysQueuedThenSendsOnce()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("support@demo.example")), QString());
    PlanChangeService service(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    QVERIFY(!subId.isEmpty());
    ChangePlanDialog dialog(&service, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Editing, 20000);
    QVERIFY(choosePlan(dialog, m_teamUsd));
    auto *unprorated = dialog.findChild<QRadioButton *>(QStringLiteral("nowUnprorated"));
    QTest::mouseClick(unprorated, Qt::LeftButton, {}, QPoint(8, unprorated->height() / 2));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.freshPreview().has_value(), 20000);
    QCOMPARE(dialog.freshPreview()->amountDueNow.minor(), qint64(0));

    // The connection drops between the preview and Confirm.
    const StripeConfig online = c.client->config();
    StripeConfig offline = online;
    {
        QTcpServer probe; // a free port, closed again: nothing listens there
        probe.listen(QHostAddress::LocalHost, 0);
        offline.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
    }
    c.client->setConfig(offline);
    const int applied = appliedCount();
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("confirm")), Qt::LeftButton);
    auto *status = dialog.findChild<QLabel *>(QStringLiteral("status"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("will be sent")), 20000);
    QCOMPARE(dialog.state(), ChangePlanDialog::State::Queued);
    QVERIFY(!dialog.findChild<QPushButton *>(QStringLiteral("confirm"))->isEnabled());
    QCOMPARE(appliedSince(applied).size(), 0);
    shoot(&dialog, QStringLiteral("offline"));

    c.client->setConfig(online);
    c.outbox->retryNow();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Succeeded, 20000);
    QCOMPARE(appliedSince(applied).size(), 1);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 1);
    QCOMPARE(sandboxCall("GET", QStringLiteral("/v1/subscriptions/") + subId)[QLatin1String("items")][QLatin1String("data")][0]
                 [QLatin1String("price")][QLatin1String("id")].toString(),
             m_teamUsd);
}

void tst_ChangePlanDialog::readOnlySeesThePreviewButCannotConfirm()
{
    Console c;
    QCOMPARE(c.start(QStringLiteral("readonly@demo.example")), QString());
    PlanChangeService service(c.client.get(), c.runner.get());
    const QString subId = newSubscription(m_starterUsd);
    QVERIFY(!subId.isEmpty());
    ChangePlanDialog dialog(&service, c.runner.get(), c.outbox.get(), subId);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), ChangePlanDialog::State::Editing, 20000);
    QVERIFY(choosePlan(dialog, m_teamUsd));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.freshPreview().has_value(), 20000);
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(!confirm->isEnabled());
    QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("status"))->text().isEmpty());
    const int applied = appliedCount();
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTest::qWait(300);
    QCOMPARE(appliedSince(applied).size(), 0);
    QCOMPARE(c.outbox->entriesBlocking(std::nullopt)->size(), 0);
    shoot(&dialog, QStringLiteral("read-only"));
}

QTEST_MAIN(tst_ChangePlanDialog)
#include "tst_changeplandialog.moc"
