#include "ui/dialogs/refunddialog.h"
#include "tests/services/refunds/refundstack.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The refund dialog driven like a person would (keys and clicks, offscreen) against the real
// service stack and the sandbox; screenshots of each state go to screenshotDir().
class tst_RefundDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void typedRefundWithDoubleClickIsOneRefund();
    void creditNoteOptionShowsStripesPreview();
    void networkFailureKeepsItQueuedThenSendsOnce();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/refunddialog-%1.png").arg(name)));
    }
    static void typeAmount(RefundDialog &dialog, const QString &text)
    {
        auto *edit = dialog.findChild<QLineEdit *>(QStringLiteral("amount"));
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Backspace);
        QTest::keyClicks(edit, text);
    }
};

void tst_RefundDialog::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
}

void tst_RefundDialog::cleanup()
{
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":0})");
}

void tst_RefundDialog::typedRefundWithDoubleClickIsOneRefund()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    QVERIFY(!invoice.isEmpty());
    RefundDialog dialog(stack.service.get(), stack.runner.get(), stack.outbox.get(), invoice);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Editing, 20000);
    const RefundContext c = dialog.refundContext();
    auto *amount = dialog.findChild<QLineEdit *>(QStringLiteral("amount"));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    auto *message = dialog.findChild<QLabel *>(QStringLiteral("amountMessage"));
    auto *summary = dialog.findChild<QLabel *>(QStringLiteral("summary"));
    // Defaults to the whole remainder, which is valid.
    QCOMPARE(amount->text(), c.refundable.toDecimalString());
    QVERIFY(confirm->isEnabled());
    QVERIFY(summary->text().contains(c.refundable.toDecimalString() + QStringLiteral(" USD")));
    QVERIFY(summary->text().contains(QStringLiteral("\u2022\u2022\u2022\u2022 ") + c.cardLast4));
    shoot(&dialog, QStringLiteral("valid"));

    // Invalid amounts: a live message, Confirm disabled.
    for (const QString &bad : {QStringLiteral("12.345"), QStringLiteral("0"), QStringLiteral("abc"),
                               Money(c.refundable.minor() + 1, c.currency).toDecimalString()}) {
        typeAmount(dialog, bad);
        QVERIFY2(!confirm->isEnabled(), qPrintable(bad));
        QVERIFY2(message->isVisible() && !message->text().isEmpty(), qPrintable(bad));
    }
    typeAmount(dialog, QStringLiteral("12.345"));
    shoot(&dialog, QStringLiteral("invalid-amount"));

    typeAmount(dialog, QStringLiteral("12.50"));
    QVERIFY(confirm->isEnabled());
    QVERIFY(!message->isVisible());
    QCOMPARE(summary->text(), QStringLiteral("Refund 12.50 USD to %1").arg(c.paymentMethodLabel()));
    auto *reason = dialog.findChild<QComboBox *>(QStringLiteral("reason"));
    reason->setFocus();
    QTest::keyClick(reason, Qt::Key_Down); // requested_by_customer -> duplicate
    QCOMPARE(reason->currentData().toString(), QStringLiteral("duplicate"));
    auto *note = dialog.findChild<QPlainTextEdit *>(QStringLiteral("note"));
    note->setFocus();
    QTest::keyClicks(note, QStringLiteral("charged twice in March"));

    // Stripe answers slowly, so the pending state can be seen; the agent double-clicks Confirm.
    sandboxCall("POST", QStringLiteral("/__sandbox/config"), R"({"latencyMs":1200})");
    QTest::mouseDClick(confirm, Qt::LeftButton);
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Queued, 10000);
    QVERIFY(!confirm->isEnabled());
    QTest::mouseClick(confirm, Qt::LeftButton);
    shoot(&dialog, QStringLiteral("pending"));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Succeeded, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.refundContext().refunded.minor() == 1250, 10000);
    shoot(&dialog, QStringLiteral("done"));

    const QJsonArray refunds = sandboxRefunds(c.paymentIntentId);
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.first().toObject().value(QLatin1String("amount")).toInteger(), 1250);
    QCOMPARE(refunds.first().toObject().value(QLatin1String("reason")).toString(), QStringLiteral("duplicate"));
    QCOMPARE(refunds.first().toObject().value(QLatin1String("metadata")).toObject().value(QLatin1String("note")).toString(),
             QStringLiteral("charged twice in March"));
    const QList<OutboxEntry> entries = *stack.outbox->entriesBlocking(std::nullopt);
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries.first().clientOpId, dialog.clientOpId());
    QCOMPARE(appliedWithKey(entries.first().idempotencyKey), 1);
    QTRY_VERIFY_WITH_TIMEOUT(stack.audit(invoice).size() >= 2, 10000);
    QStringList results;
    for (const AuditEntry &row : stack.audit(invoice)) {
        QCOMPARE(row.idempotencyKey, entries.first().idempotencyKey);
        results << row.result;
    }
    QCOMPARE(results.count(QStringLiteral("requested")), 1);
    QCOMPARE(results.count(QStringLiteral("ok")), 1);
}

void tst_RefundDialog::creditNoteOptionShowsStripesPreview()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    RefundDialog dialog(stack.service.get(), stack.runner.get(), stack.outbox.get(), invoice);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Editing, 20000);
    typeAmount(dialog, QStringLiteral("20"));
    auto *also = dialog.findChild<QCheckBox *>(QStringLiteral("alsoCreditNote"));
    QTest::mouseClick(also, Qt::LeftButton, {}, QPoint(8, also->height() / 2));
    QVERIFY(also->isChecked());
    auto *preview = dialog.findChild<QLabel *>(QStringLiteral("preview"));
    QTRY_VERIFY_WITH_TIMEOUT(preview->text().contains(QStringLiteral("-CN-")), 10000);
    QVERIFY(preview->text().contains(Money(2000, dialog.refundContext().currency).toLocaleString(dialog.locale())));
    shoot(&dialog, QStringLiteral("credit-note"));

    // Instead of a refund: the two options exclude each other.
    auto *instead = dialog.findChild<QCheckBox *>(QStringLiteral("creditInstead"));
    QTest::mouseClick(instead, Qt::LeftButton, {}, QPoint(8, instead->height() / 2));
    QVERIFY(instead->isChecked());
    QVERIFY(!also->isChecked());
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("summary"))->text().contains(QStringLiteral("balance")));
    QTRY_VERIFY_WITH_TIMEOUT(preview->text().contains(QStringLiteral("balance credit")), 10000);
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("confirm")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Succeeded, 20000);
    QVERIFY(sandboxRefunds(dialog.refundContext().paymentIntentId).isEmpty());
    QCOMPARE(sandboxCall("GET", QStringLiteral("/v1/credit_notes?invoice=") + invoice).value(QLatin1String("data")).toArray().size(), 1);
}

void tst_RefundDialog::networkFailureKeepsItQueuedThenSendsOnce()
{
    QTemporaryDir dir;
    RefundStack stack(dir.path(), financeActor());
    const QString invoice = freshPaidInvoice(QStringLiteral("usd"));
    RefundDialog dialog(stack.service.get(), stack.runner.get(), stack.outbox.get(), invoice);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Editing, 20000);
    typeAmount(dialog, QStringLiteral("5"));
    stack.client->setConfig(sandboxConfig(closedPortUrl()));
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("confirm")), Qt::LeftButton);
    auto *status = dialog.findChild<QLabel *>(QStringLiteral("status"));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("will be sent")), 20000);
    QCOMPARE(dialog.state(), RefundDialog::State::Queued);
    QVERIFY(!dialog.findChild<QPushButton *>(QStringLiteral("confirm"))->isEnabled());
    QVERIFY(sandboxRefunds(dialog.refundContext().paymentIntentId).isEmpty());
    shoot(&dialog, QStringLiteral("offline"));

    stack.client->setConfig(sandboxConfig());
    stack.outbox->retryNow();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), RefundDialog::State::Succeeded, 20000);
    const QJsonArray refunds = sandboxRefunds(dialog.refundContext().paymentIntentId);
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(refunds.first().toObject().value(QLatin1String("amount")).toInteger(), 500);
}

QTEST_MAIN(tst_RefundDialog)
#include "tst_refunddialog.moc"
