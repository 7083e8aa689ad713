#include "ui/dialogs/installmentplandialog.h"
#include "tests/services/terms/termsstack.h"

#include <QComboBox>
#include <QDateEdit>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The installment plan dialog against the real services and a SQLite billing database: the
// preview shows the exact split as typed, bad input is refused inline, Create stores the plan.
class tst_InstallmentPlanDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest"); }
    void previewSplitsExactlyAndCreatesThePlan();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/installmentplandialog-%1.png").arg(name)));
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

void tst_InstallmentPlanDialog::previewSplitsExactlyAndCreatesThePlan()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTemporaryDir dir;
    TermsStack stack(dir.path(), BillingDbSettings::sqlite(dir.filePath(QStringLiteral("billing.sqlite"))), termsFinance());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const Currency usd = *Currency::fromCode(u"USD");
    InstallmentPlanDialog dialog(stack.installments.get(), QStringLiteral("cus_dialog_plan"), QStringLiteral("Northwind Traders"), usd);
    dialog.setToday(QDate(2026, 11, 26));
    dialog.show();
    QTRY_VERIFY(dialog.isLoaded());
    QCOMPARE(dialog.planCount(), 0);
    auto *confirm = child<QPushButton>(dialog, "confirm");
    QVERIFY(!confirm->isEnabled()); // nothing typed yet
    child<QDateEdit>(dialog, "firstDue")->setDate(QDate(2027, 1, 31));
    type(child<QLineEdit>(dialog, "total"), QStringLiteral("12,000.01"));
    auto *count = child<QSpinBox>(dialog, "count");
    count->setFocus();
    count->selectAll();
    QTest::keyClicks(count, QStringLiteral("6"));
    type(child<QLineEdit>(dialog, "description"), QStringLiteral("Implementation and onboarding"));
    type(child<QLineEdit>(dialog, "po"), QStringLiteral("PO-NW-118"));
    auto *preview = child<QTableWidget>(dialog, "preview");
    QCOMPARE(preview->rowCount(), 6);
    // 1,200,001 cents / 6 = 200,000 r 1: the last one takes the cent.
    for (int r = 0; r < 5; ++r)
        QCOMPARE(preview->item(r, 3)->text(), Money(200000, usd).toLocaleString(QLocale()));
    QCOMPARE(preview->item(5, 3)->text(), Money(200001, usd).toLocaleString(QLocale()));
    QCOMPARE(preview->item(1, 2)->text(), QLocale().toString(QDate(2027, 2, 28), QLocale::ShortFormat));
    QVERIFY(confirm->isEnabled());
    shoot(&dialog, QStringLiteral("preview"));

    // Remainder on the first installment instead.
    child<QComboBox>(dialog, "remainder")->setCurrentIndex(1);
    QCOMPARE(preview->item(0, 3)->text(), Money(200001, usd).toLocaleString(QLocale()));

    // Too many decimals for USD: refused inline, no preview, Create off.
    type(child<QLineEdit>(dialog, "total"), QStringLiteral("100.005"));
    QCOMPARE(preview->rowCount(), 0);
    QVERIFY(!confirm->isEnabled());
    QVERIFY(!child<QLabel>(dialog, "error")->text().isEmpty());
    shoot(&dialog, QStringLiteral("too-many-decimals"));

    type(child<QLineEdit>(dialog, "total"), QStringLiteral("12,000.01"));
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE(dialog.planCount(), 1);
    auto *plans = child<QTableWidget>(dialog, "plans");
    QCOMPARE(plans->item(0, 1)->text(), Money(1200001, usd).toLocaleString(QLocale()));
    QCOMPARE(plans->item(0, 3)->text(), Money(1200001, usd).toLocaleString(QLocale()));
    QCOMPARE(plans->item(0, 4)->text(), QStringLiteral("0 of 6"));
    shoot(&dialog, QStringLiteral("created"));
    Result<QList<InstallmentPlan>> stored = stack.wait<QList<InstallmentPlan>>([&](QObject *c, auto h) {
        stack.installments->plans(QStringLiteral("cus_dialog_plan"), c, h);
    });
    QVERIFY(stored);
    QCOMPARE(stored->size(), 1);
    QCOMPARE(stored->first().installments.first().amount.minor(), 200001);
    QCOMPARE(stored->first().poNumber, QStringLiteral("PO-NW-118"));
}

QTEST_MAIN(tst_InstallmentPlanDialog)
#include "tst_installmentplandialog.moc"
