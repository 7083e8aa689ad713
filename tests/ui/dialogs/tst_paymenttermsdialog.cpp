#include "ui/dialogs/paymenttermsdialog.h"
#include "tests/services/terms/termsstack.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The payment terms dialog driven like a person would (keys and clicks, offscreen) against the real
// service stack, a SQLite billing database and the sandbox; screenshots go to screenshotDir().
class tst_PaymentTermsDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest"); }
    void customerDefaultsAreTypedCheckedAndSaved();
    void subscriptionTermsGoToStripe();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/paymenttermsdialog-%1.png").arg(name)));
    }
    template <typename T>
    static T *child(QWidget &w, const char *name)
    {
        T *c = w.findChild<T *>(QString::fromLatin1(name));
        if (!c)
            qFatal("no child %s", name);
        return c;
    }
    static void type(QLineEdit *edit, const QString &text)
    {
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Backspace);
        QTest::keyClicks(edit, text);
    }
};

void tst_PaymentTermsDialog::customerDefaultsAreTypedCheckedAndSaved()
{
    QTemporaryDir dir;
    TermsStack stack(dir.path(), BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.sqlite"))), termsFinance());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString customer = QStringLiteral("cus_dialog_terms");
    {
        PaymentTermsDialog dialog(stack.terms.get(), stack.outbox.get(), PaymentTermsDialog::Mode::Customer, customer,
                                  QStringLiteral("Acme Robotics GmbH"), *Currency::fromCode(u"USD"));
        dialog.show();
        QTRY_COMPARE(dialog.state(), PaymentTermsDialog::State::Editing);
        auto *confirm = child<QPushButton>(dialog, "confirm");
        QVERIFY(confirm->isEnabled()); // charge automatically is valid as is
        QVERIFY(!child<QSpinBox>(dialog, "days")->isEnabled());
        shoot(&dialog, QStringLiteral("customer-empty"));

        // Send invoices, Net 60, PO number, memo, footer, ACH and wire.
        auto *collection = child<QComboBox>(dialog, "collection");
        collection->setFocus();
        QTest::keyClick(collection, Qt::Key_Down);
        QCOMPARE(collection->currentIndex(), 1);
        auto *net = child<QComboBox>(dialog, "net");
        net->setFocus();
        QCOMPARE(net->currentText(), QStringLiteral("Net 30")); // Stripe's usual default
        QTest::keyClick(net, Qt::Key_Down);
        QCOMPARE(net->currentText(), QStringLiteral("Net 60"));
        QCOMPARE(child<QSpinBox>(dialog, "days")->value(), 60);
        type(child<QLineEdit>(dialog, "po"), QStringLiteral("PO-2026-0042"));
        type(child<QLineEdit>(dialog, "memo"), QStringLiteral("Annual platform licence"));
        child<QPlainTextEdit>(dialog, "footer")->setFocus();
        QTest::keyClicks(child<QPlainTextEdit>(dialog, "footer"), QStringLiteral("Pay by ACH or wire; quote the PO number."));
        QTest::mouseClick(child<QCheckBox>(dialog, "ach"), Qt::LeftButton, {}, QPoint(8, 8));
        QTest::mouseClick(child<QCheckBox>(dialog, "wire"), Qt::LeftButton, {}, QPoint(8, 8));
        QVERIFY(child<QCheckBox>(dialog, "ach")->isChecked());
        QVERIFY(confirm->isEnabled());
        QVERIFY(child<QLabel>(dialog, "preview")->text().contains(QLatin1String("60 days")));
        shoot(&dialog, QStringLiteral("customer-net60"));

        // A PO number longer than Stripe's 140 characters: the rule shows, Save is off.
        type(child<QLineEdit>(dialog, "po"), QString(141, QLatin1Char('7')));
        QVERIFY(!confirm->isEnabled());
        QVERIFY(child<QLabel>(dialog, "error")->isVisible());
        QVERIFY(child<QLabel>(dialog, "error")->text().contains(QLatin1String("140")));
        shoot(&dialog, QStringLiteral("customer-po-too-long"));
        type(child<QLineEdit>(dialog, "po"), QStringLiteral("PO-2026-0042"));
        QVERIFY(confirm->isEnabled());
        QTest::mouseClick(confirm, Qt::LeftButton);
        QTRY_COMPARE(dialog.state(), PaymentTermsDialog::State::Saved);
        shoot(&dialog, QStringLiteral("customer-saved"));
    }
    // Stored: reading them back and reopening the dialog shows the same.
    Result<std::optional<StoredPaymentTerms>> stored =
        stack.wait<std::optional<StoredPaymentTerms>>([&](QObject *c, auto h) { stack.terms->customerDefaults(customer, c, h); });
    QVERIFY(stored && stored->has_value());
    QCOMPARE((*stored)->terms.daysUntilDue, 60);
    QCOMPARE((*stored)->terms.poNumber, QStringLiteral("PO-2026-0042"));
    QCOMPARE((*stored)->terms.paymentMethodTypes, (QStringList{QStringLiteral("us_bank_account"), QStringLiteral("customer_balance")}));
    PaymentTermsDialog again(stack.terms.get(), stack.outbox.get(), PaymentTermsDialog::Mode::Customer, customer,
                             QStringLiteral("Acme Robotics GmbH"), *Currency::fromCode(u"USD"));
    again.show();
    QTRY_COMPARE(again.state(), PaymentTermsDialog::State::Editing);
    QCOMPARE(again.terms(), (*stored)->terms);
}

void tst_PaymentTermsDialog::subscriptionTermsGoToStripe()
{
    QTemporaryDir dir;
    TermsStack stack(dir.path(), BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.sqlite"))), termsFinance());
    const QString sub = termsFreshSubscription(QStringLiteral("eur")).value(QLatin1String("id")).toString();
    QVERIFY(!sub.isEmpty());
    PaymentTermsDialog dialog(stack.terms.get(), stack.outbox.get(), PaymentTermsDialog::Mode::Subscription, sub,
                              QStringLiteral("Team monthly (EUR)"), Currency{});
    dialog.show();
    QTRY_COMPARE(dialog.state(), PaymentTermsDialog::State::Editing);
    auto *confirm = child<QPushButton>(dialog, "confirm");
    // ACH is USD only: refused inline for this EUR subscription.
    QTest::mouseClick(child<QCheckBox>(dialog, "ach"), Qt::LeftButton, {}, QPoint(8, 8));
    QVERIFY(!confirm->isEnabled());
    QVERIFY(child<QLabel>(dialog, "error")->text().contains(QLatin1String("USD")));
    shoot(&dialog, QStringLiteral("subscription-ach-eur"));
    QTest::mouseClick(child<QCheckBox>(dialog, "ach"), Qt::LeftButton, {}, QPoint(8, 8));
    auto *collection = child<QComboBox>(dialog, "collection");
    collection->setFocus();
    QTest::keyClick(collection, Qt::Key_Down);
    QCOMPARE(child<QSpinBox>(dialog, "days")->value(), 30);
    QCOMPARE(child<QComboBox>(dialog, "net")->currentText(), QStringLiteral("Net 30"));
    const int applied = termsAppliedCount();
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTest::mouseClick(confirm, Qt::LeftButton); // a double click: one write
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), PaymentTermsDialog::State::Saved, 20000);
    shoot(&dialog, QStringLiteral("subscription-applied"));
    QCOMPARE(termsAppliedCount(), applied + 1);
    const QJsonObject s = termsSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + sub);
    QCOMPARE(s.value(QLatin1String("collection_method")).toString(), QStringLiteral("send_invoice"));
    QCOMPARE(s.value(QLatin1String("days_until_due")).toInt(), 30);
}

QTEST_MAIN(tst_PaymentTermsDialog)
#include "tst_paymenttermsdialog.moc"
