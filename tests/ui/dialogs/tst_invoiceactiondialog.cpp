#include "tests/services/invoices/invoicestack.h"
#include "ui/dialogs/invoiceactiondialog.h"
#include "ui/dialogs/portallinkdialog.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateEdit>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The invoice action confirmation and the customer portal link dialog, driven with real widgets
// over the real service stack and the sandbox; screenshots of each state go to screenshotDir().
class tst_InvoiceActionDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void offlinePaymentAsksMethodReferenceDateThenPays();
    void wrongStateExplainsAndCannotConfirm();
    void voidConfirmsOnceOnDoubleClick();
    void portalLinkCreatesCopiesAndOpens();

private:
    void shot(QWidget *w, const QString &name)
    {
        QApplication::processEvents();
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/%1.png").arg(name)));
    }
    QTemporaryDir m_dir;
};

void tst_InvoiceActionDialog::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
}

void tst_InvoiceActionDialog::offlinePaymentAsksMethodReferenceDateThenPays()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString id = newInvoice(QStringLiteral("draft"));
    QVERIFY(!id.isEmpty());
    // Finalize through its own dialog first.
    {
        InvoiceActionDialog fin(stack.actions.get(), stack.outbox.get(), InvoiceAction::Finalize, id);
        fin.show();
        QTRY_COMPARE_WITH_TIMEOUT(fin.state(), InvoiceActionDialog::State::Editing, 10000);
        shot(&fin, QStringLiteral("invoiceactiondialog-finalize"));
        QTest::mouseClick(fin.confirmButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(fin.state(), InvoiceActionDialog::State::Succeeded, 15000);
    }
    InvoiceActionDialog dialog(stack.actions.get(), stack.outbox.get(), InvoiceAction::RecordOfflinePayment, id);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), InvoiceActionDialog::State::Editing, 10000);
    // No reference yet: Confirm stays off and says why.
    QVERIFY(!dialog.confirmButton()->isEnabled());
    QVERIFY(dialog.statusLabel()->text().contains(QStringLiteral("reference")));
    auto *method = dialog.findChild<QComboBox *>(QStringLiteral("OfflineMethod"));
    auto *reference = dialog.findChild<QLineEdit *>(QStringLiteral("OfflineReference"));
    auto *date = dialog.findChild<QDateEdit *>(QStringLiteral("OfflineDate"));
    auto *note = dialog.findChild<QPlainTextEdit *>(QStringLiteral("OfflineNote"));
    QVERIFY(method && reference && date && note);
    method->setCurrentIndex(method->findData(QStringLiteral("cheque")));
    QTest::keyClicks(reference, QStringLiteral("CHQ 004512"));
    date->setDate(QDate::currentDate().addDays(-3));
    QTest::keyClicks(note, QStringLiteral("Posted by the customer's accounts team"));
    QVERIFY(dialog.confirmButton()->isEnabled());
    shot(&dialog, QStringLiteral("invoiceactiondialog-offline"));
    QTest::mouseClick(dialog.confirmButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), InvoiceActionDialog::State::Succeeded, 15000);
    shot(&dialog, QStringLiteral("invoiceactiondialog-offline-done"));
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("status")).toString(), QStringLiteral("paid"));
    QTRY_COMPARE_WITH_TIMEOUT(sandboxInvoice(id).value(QLatin1String("metadata")).toObject().value(QLatin1String("offline_payment_reference")).toString(),
                              QStringLiteral("CHQ 004512"), 15000);
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("metadata")).toObject().value(QLatin1String("offline_payment_method")).toString(),
             QStringLiteral("cheque"));
}

void tst_InvoiceActionDialog::wrongStateExplainsAndCannotConfirm()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    const QString paid = newInvoice(QStringLiteral("paid"), QStringLiteral("charge_automatically"));
    QVERIFY(!paid.isEmpty());
    const int entries = int(stack.outbox->entriesBlocking(std::nullopt)->size());
    InvoiceActionDialog dialog(stack.actions.get(), stack.outbox.get(), InvoiceAction::Void, paid);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), InvoiceActionDialog::State::Refused, 10000);
    QVERIFY(!dialog.confirmButton()->isEnabled());
    QVERIFY2(dialog.statusLabel()->text().contains(QStringLiteral("paid")), qPrintable(dialog.statusLabel()->text()));
    QTest::mouseClick(dialog.confirmButton(), Qt::LeftButton);
    QCOMPARE(int(stack.outbox->entriesBlocking(std::nullopt)->size()), entries);
    shot(&dialog, QStringLiteral("invoiceactiondialog-refused"));
}

void tst_InvoiceActionDialog::voidConfirmsOnceOnDoubleClick()
{
    QTemporaryDir dir;
    InvoiceStack stack(dir.path(), invoiceFinanceActor());
    const QString id = newInvoice(QStringLiteral("open"));
    QVERIFY(!id.isEmpty());
    InvoiceActionDialog dialog(stack.actions.get(), stack.outbox.get(), InvoiceAction::Void, id);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), InvoiceActionDialog::State::Editing, 10000);
    QVERIFY(dialog.findChild<QLabel *>()->text().contains(QStringLiteral("cannot be undone")));
    shot(&dialog, QStringLiteral("invoiceactiondialog-void"));
    QTest::mouseDClick(dialog.confirmButton(), Qt::LeftButton);
    QTest::mouseClick(dialog.confirmButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), InvoiceActionDialog::State::Succeeded, 15000);
    QCOMPARE(stack.outbox->entriesBlocking(std::nullopt)->size(), 1);
    QCOMPARE(sandboxInvoice(id).value(QLatin1String("status")).toString(), QStringLiteral("void"));
}

void tst_InvoiceActionDialog::portalLinkCreatesCopiesAndOpens()
{
    InvoiceStack stack(m_dir.path(), invoiceFinanceActor());
    const QJsonArray subs = invoiceSandboxCall("GET", QStringLiteral("/v1/subscriptions?status=active&limit=1")).value(QLatin1String("data")).toArray();
    QVERIFY(!subs.isEmpty());
    const QString sub = subs.first().toObject().value(QLatin1String("id")).toString();
    const QString cus = subs.first().toObject().value(QLatin1String("customer")).toString();
    PortalLinkDialog dialog(stack.portal.get(), cus, QStringLiteral("Clara Müller"), {{sub, QStringLiteral("Team monthly (%1)").arg(sub)}});
    QList<QUrl> opened;
    dialog.setUrlOpener([&](const QUrl &u) { opened << u; return true; });
    dialog.show();
    QVERIFY(!dialog.copyButton()->isEnabled());
    QVERIFY(!dialog.openButton()->isEnabled());
    shot(&dialog, QStringLiteral("portallinkdialog-choose"));
    auto *cancelFlow = dialog.findChild<QRadioButton *>(QStringLiteral("FlowCancel"));
    QVERIFY(cancelFlow && cancelFlow->isEnabled());
    QTest::mouseClick(cancelFlow, Qt::LeftButton, {}, QPoint(6, cancelFlow->height() / 2));
    QVERIFY(cancelFlow->isChecked());
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), PortalLinkDialog::State::Created, 10000);
    QVERIFY(dialog.link().startsWith(sandboxUrl() + QStringLiteral("/portal/session/bps_")));
    shot(&dialog, QStringLiteral("portallinkdialog-created"));
    QTest::mouseClick(dialog.copyButton(), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), dialog.link());
    QTest::mouseClick(dialog.openButton(), Qt::LeftButton);
    QCOMPARE(opened, QList<QUrl>{QUrl(dialog.link())});
    // Another flow needs another link.
    auto *pm = dialog.findChild<QRadioButton *>(QStringLiteral("FlowPaymentMethod"));
    QTest::mouseClick(pm, Qt::LeftButton, {}, QPoint(6, pm->height() / 2));
    QCOMPARE(dialog.state(), PortalLinkDialog::State::Editing);
    QVERIFY(dialog.link().isEmpty());
    QVERIFY(!dialog.copyButton()->isEnabled());
}

QTEST_MAIN(tst_InvoiceActionDialog)
#include "tst_invoiceactiondialog.moc"
