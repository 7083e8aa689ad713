#include "ui/promotionspage.h"
#include "ui/dialogs/couponapplydialog.h"
#include "ui/dialogs/coupondialog.h"
#include "ui/dialogs/promotioncodedialog.h"
#include "models/coupontablemodel.h"
#include "tests/services/promotions/promotionstack.h"

#include "csvreadback.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Billing;
using namespace Billing::Test;

// The Promotions pane and its create dialogs against the real services and the sandbox:
// coupons and codes as Stripe has them, redemption statistics, a coupon created through the
// dialog appears in the table. Screenshots go to screenshotDir().
class tst_PromotionsPage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest"); }
    void showsCouponsCodesAndStatistics();
    void couponDialogCreatesACoupon();
    void applyDialogRefusesAnotherCurrencyAndAppliesACode();
    void exportWritesTheCouponsAndCodesShown();

private:
    static void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/promotions-%1.png").arg(name)));
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

void tst_PromotionsPage::showsCouponsCodesAndStatistics()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTemporaryDir dir;
    PromotionStack stack(dir.path(), promoFinance());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    const QString id = QStringLiteral("PAGE") + QUuid::createUuid().toString(QUuid::Id128).left(8).toUpper();
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"),
                     QStringLiteral("id=%1&name=Page%20test%2015%25&percent_off=15&duration=repeating&duration_in_months=3&max_redemptions=40").arg(id).toUtf8());
    promoSandboxCall("POST", QStringLiteral("/v1/promotion_codes"),
                     QStringLiteral("promotion[type]=coupon&promotion[coupon]=%1&code=%1A&restrictions[first_time_transaction]=true"
                                    "&restrictions[minimum_amount]=5000&restrictions[minimum_amount_currency]=usd&max_redemptions=10").arg(id).toUtf8());
    const QJsonArray all = promoSandboxCall("GET", QStringLiteral("/v1/coupons?limit=100")).value(QLatin1String("data")).toArray();

    PromotionsPage page(stack.coupons.get(), stack.codes.get(), stack.outbox.get());
    page.resize(1200, 760);
    page.show();
    page.reload();
    QTRY_VERIFY_WITH_TIMEOUT(page.isLoaded(), 20000);
    QCOMPARE(page.couponModel()->rowCount(), int(all.size()));
    QVERIFY(page.summaryText().contains(QStringLiteral("%1 coupons").arg(all.size())));
    // Select the new coupon: its code and restrictions below.
    QTableView *view = page.couponView();
    int row = -1;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        if (view->model()->index(r, 0).data(CouponTableModel::IdRole).toString() == id)
            row = r;
    QVERIFY(row >= 0);
    QCOMPARE(view->model()->index(row, CouponTableModel::Off).data().toString(), QStringLiteral("15%"));
    QCOMPARE(view->model()->index(row, CouponTableModel::Redeemed).data().toString(), QStringLiteral("0 / 40"));
    QCOMPARE(view->model()->index(row, CouponTableModel::Duration).data().toString(), QStringLiteral("3 months"));
    view->selectRow(row);
    QTableWidget *codes = page.codeTable();
    QCOMPARE(codes->rowCount(), 1);
    QCOMPARE(codes->item(0, 0)->text(), id + QLatin1Char('A'));
    QCOMPARE(codes->item(0, 2)->text(), QStringLiteral("0 / 10"));
    QVERIFY(codes->item(0, 3)->text().contains(QLatin1String("first order only")));
    QVERIFY(codes->item(0, 3)->text().contains(QLatin1String("$50.00")));
    shoot(&page, QStringLiteral("pane"));

    // The code dialog for the selected coupon.
    PromotionCodeDialog *codeDialog = page.openPromotionCodeDialog();
    QCOMPARE(child<QComboBox>(*codeDialog, "coupon")->currentData().toString(), id);
    type(child<QLineEdit>(*codeDialog, "code"), QStringLiteral("SPRING 25"));
    QVERIFY(!child<QPushButton>(*codeDialog, "confirm")->isEnabled());
    QVERIFY(child<QLabel>(*codeDialog, "error")->text().contains(QLatin1String("letters and digits")));
    type(child<QLineEdit>(*codeDialog, "code"), id + QStringLiteral("B"));
    QTest::mouseClick(child<QCheckBox>(*codeDialog, "minimumOn"), Qt::LeftButton, {}, QPoint(8, 8));
    type(child<QLineEdit>(*codeDialog, "minimum"), QStringLiteral("100"));
    QVERIFY(child<QPushButton>(*codeDialog, "confirm")->isEnabled());
    shoot(codeDialog, QStringLiteral("code-dialog"));
    QTest::mouseClick(child<QPushButton>(*codeDialog, "confirm"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(codeDialog->entryId() > 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(page.codeTable()->rowCount(), 2, 20000);
    codeDialog->close();
}

void tst_PromotionsPage::couponDialogCreatesACoupon()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTemporaryDir dir;
    PromotionStack stack(dir.path(), promoFinance());
    PromotionsPage page(stack.coupons.get(), stack.codes.get(), stack.outbox.get());
    page.resize(1200, 760);
    page.show();
    page.reload();
    QTRY_VERIFY_WITH_TIMEOUT(page.isLoaded(), 20000);
    const int before = page.couponModel()->rowCount();
    CouponDialog *dialog = page.openCouponDialog();
    auto *confirm = child<QPushButton>(*dialog, "confirm");
    const QString id = QStringLiteral("DLG") + QUuid::createUuid().toString(QUuid::Id128).left(8).toUpper();
    type(child<QLineEdit>(*dialog, "name"), QStringLiteral("Ten off, three currencies"));
    type(child<QLineEdit>(*dialog, "couponId"), id);
    QTest::mouseClick(child<QRadioButton>(*dialog, "amountMode"), Qt::LeftButton, {}, QPoint(8, 8));
    type(child<QLineEdit>(*dialog, "amount"), QStringLiteral("10.999"));
    QVERIFY(!confirm->isEnabled()); // three decimals in USD
    QVERIFY(!child<QLabel>(*dialog, "error")->text().isEmpty());
    shoot(dialog, QStringLiteral("coupon-dialog-error"));
    type(child<QLineEdit>(*dialog, "amount"), QStringLiteral("10.00"));
    QTest::mouseClick(child<QPushButton>(*dialog, "addCurrency"), Qt::LeftButton);
    auto *options = child<QTableWidget>(*dialog, "currencyOptions");
    options->item(0, 1)->setText(QStringLiteral("9.00"));
    QTest::mouseClick(child<QPushButton>(*dialog, "addCurrency"), Qt::LeftButton);
    options->item(1, 0)->setText(QStringLiteral("JPY"));
    options->item(1, 1)->setText(QStringLiteral("1500"));
    auto *duration = child<QComboBox>(*dialog, "duration");
    duration->setCurrentIndex(1);
    QTest::mouseClick(child<QCheckBox>(*dialog, "limit"), Qt::LeftButton, {}, QPoint(8, 8));
    QVERIFY2(confirm->isEnabled(), qPrintable(child<QLabel>(*dialog, "error")->text()));
    shoot(dialog, QStringLiteral("coupon-dialog"));
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(page.couponModel()->rowCount(), before + 1, 20000);
    const QJsonObject c = promoSandboxCall("GET", QStringLiteral("/v1/coupons/%1?expand[]=currency_options").arg(id));
    QCOMPARE(c.value(QLatin1String("amount_off")).toInteger(), 1000);
    QCOMPARE(c.value(QLatin1String("currency_options")).toObject().value(QLatin1String("eur")).toObject().value(QLatin1String("amount_off")).toInteger(), 900);
    QCOMPARE(c.value(QLatin1String("currency_options")).toObject().value(QLatin1String("jpy")).toObject().value(QLatin1String("amount_off")).toInteger(), 1500);
    QCOMPARE(c.value(QLatin1String("duration_in_months")).toInt(), 3);
    QCOMPARE(c.value(QLatin1String("max_redemptions")).toInt(), 100);
    dialog->close();
    shoot(&page, QStringLiteral("pane-after-create"));
}

void tst_PromotionsPage::applyDialogRefusesAnotherCurrencyAndAppliesACode()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTemporaryDir dir;
    PromotionStack stack(dir.path(), promoFinance());
    const QString tag = QUuid::createUuid().toString(QUuid::Id128).left(8).toUpper();
    // A USD-only amount coupon (named to sort first) and a percent coupon with a code.
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"),
                     QStringLiteral("id=AAUSD%1&name=5%20USD%20off%20%1&amount_off=500&currency=usd&duration=once").arg(tag).toUtf8());
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"), QStringLiteral("id=PCT%1&name=Apply%20test&percent_off=10&duration=forever").arg(tag).toUtf8());
    promoSandboxCall("POST", QStringLiteral("/v1/promotion_codes"),
                     QStringLiteral("promotion[type]=coupon&promotion[coupon]=PCT%1&code=APPLY%1").arg(tag).toUtf8());
    const QString sub = freshSubscription(QStringLiteral("eur"));
    QVERIFY(!sub.isEmpty());
    CouponApplyDialog dialog(stack.coupons.get(), stack.codes.get(), stack.outbox.get(), sub, QStringLiteral("Team monthly (EUR)"),
                             *Currency::fromCode(u"EUR"));
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), CouponApplyDialog::State::Editing, 20000);
    auto *coupon = child<QComboBox>(dialog, "coupon");
    const int usdRow = coupon->findData(QString(QStringLiteral("AAUSD") + tag));
    QVERIFY(usdRow >= 0);
    coupon->setCurrentIndex(usdRow);
    auto *confirm = child<QPushButton>(dialog, "confirm");
    QVERIFY(!confirm->isEnabled());
    QVERIFY(child<QLabel>(dialog, "status")->text().contains(QLatin1String("EUR")));
    shoot(&dialog, QStringLiteral("apply-currency-refused"));
    QTest::mouseClick(child<QRadioButton>(dialog, "byCode"), Qt::LeftButton, {}, QPoint(8, 8));
    type(child<QLineEdit>(dialog, "code"), QStringLiteral("APPLY") + tag);
    QVERIFY(confirm->isEnabled());
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), CouponApplyDialog::State::Applied, 20000);
    shoot(&dialog, QStringLiteral("apply-applied"));
    QCOMPARE(promoSandboxCall("GET", QStringLiteral("/v1/subscriptions/") + sub).value(QLatin1String("discounts")).toArray().size(), 1);
    QCOMPARE(promoSandboxCall("GET", QStringLiteral("/v1/coupons/PCT") + tag).value(QLatin1String("times_redeemed")).toInt(), 1);
}

void tst_PromotionsPage::exportWritesTheCouponsAndCodesShown()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QTemporaryDir dir;
    PromotionStack stack(dir.path(), promoFinance());
    QVERIFY2(stack.error.isEmpty(), qPrintable(stack.error));
    // Our own coupons (other tests add theirs to the shared sandbox at the same time).
    const QString id = QStringLiteral("CSV") + QUuid::createUuid().toString(QUuid::Id128).left(8).toUpper();
    const QString amountId = id + QStringLiteral("EUR");
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"),
                     QStringLiteral("id=%1&name=%3DExport%2C%20%22test%22&percent_off=12.5&duration=repeating&duration_in_months=6&max_redemptions=30").arg(id).toUtf8());
    promoSandboxCall("POST", QStringLiteral("/v1/coupons"),
                     QStringLiteral("id=%1&name=Ten%20euro&amount_off=1000&currency=eur&duration=once").arg(amountId).toUtf8());
    promoSandboxCall("POST", QStringLiteral("/v1/promotion_codes"),
                     QStringLiteral("promotion[type]=coupon&promotion[coupon]=%1&code=%1X&restrictions[first_time_transaction]=true"
                                    "&restrictions[minimum_amount]=7550&restrictions[minimum_amount_currency]=usd&max_redemptions=5").arg(id).toUtf8());

    PromotionsPage page(stack.coupons.get(), stack.codes.get(), stack.outbox.get());
    page.resize(1200, 760);
    page.show();
    page.reload();
    QTRY_VERIFY_WITH_TIMEOUT(page.isLoaded(), 20000);
    QTableView *view = page.couponView();
    int row = -1;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        if (view->model()->index(r, 0).data(CouponTableModel::IdRole).toString() == id)
            row = r;
    QVERIFY(row >= 0);
    view->selectRow(row); // the codes table shows this coupon's code only
    QCOMPARE(page.codeTable()->rowCount(), 1);
    QVERIFY(page.exportButton()->isVisible());
    QCOMPARE(page.exportButton()->objectName(), QStringLiteral("ExportCsvButton"));

    const QString csv = dir.filePath(QStringLiteral("promotions.csv"));
    QSignalSpy finished(&page, &PromotionsPage::exportFinished);
    page.exportCsvTo(csv);
    QVERIFY(page.isExporting());
    QVERIFY(!page.exportButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QVERIFY(page.exportButton()->isEnabled());
    QVERIFY(page.exportStatusText().contains(QDir::toNativeSeparators(csv)));
    QVERIFY(page.summaryText().contains(QLatin1String("coupons"))); // the summary stays
    shoot(&page, QStringLiteral("exported"));

    QString error;
    const QList<QStringList> rows = CsvReadBack::read(csv, &error);
    QVERIFY2(!rows.isEmpty(), qPrintable(error));
    const QStringList header = rows.first();
    QCOMPARE(header.first(), QStringLiteral("record"));
    QCOMPARE(finished.first().at(1).toLongLong(), qint64(rows.size() - 1));
    auto field = [&header](const QStringList &r, const char *name) { return r.value(header.indexOf(QString::fromLatin1(name))); };
    // Coupon rows: the table's rows, in its order; then the one code shown.
    const int coupons = view->model()->rowCount();
    QCOMPARE(rows.size(), 1 + coupons + 1);
    for (int r = 0; r < coupons; ++r) {
        QCOMPARE(rows[r + 1].size(), header.size());
        QCOMPARE(field(rows[r + 1], "record"), QStringLiteral("coupon"));
        QCOMPARE(field(rows[r + 1], "id"), view->model()->index(r, 0).data(CouponTableModel::IdRole).toString());
    }
    const QStringList mine = rows[row + 1];
    QCOMPARE(field(mine, "coupon_name"), QStringLiteral("'=Export, \"test\"")); // quoted, and defused
    QCOMPARE(field(mine, "percent_off"), QStringLiteral("12.5"));
    QCOMPARE(field(mine, "duration"), QStringLiteral("repeating"));
    QCOMPARE(field(mine, "duration_in_months"), QStringLiteral("6"));
    QCOMPARE(field(mine, "max_redemptions"), QStringLiteral("30"));
    QCOMPARE(field(mine, "times_redeemed"), QStringLiteral("0"));
    QCOMPARE(field(mine, "amount_off"), QString());
    QCOMPARE(field(mine, "status"), QStringLiteral("active"));
    QStringList euro;
    for (const QStringList &r : rows)
        if (field(r, "id") == amountId)
            euro = r;
    QCOMPARE(field(euro, "amount_off"), QStringLiteral("10.00"));
    QCOMPARE(field(euro, "amount_off_currency"), QStringLiteral("EUR"));
    QCOMPARE(field(euro, "duration"), QStringLiteral("once"));
    const QStringList code = rows.last();
    QCOMPARE(code.size(), header.size());
    QCOMPARE(field(code, "record"), QStringLiteral("promotion_code"));
    QCOMPARE(field(code, "code"), id + QLatin1Char('X'));
    QCOMPARE(field(code, "coupon_id"), id);
    QVERIFY(field(code, "id").startsWith(QLatin1String("promo_")));
    QCOMPARE(field(code, "first_time_transaction"), QStringLiteral("true"));
    QCOMPARE(field(code, "minimum_amount"), QStringLiteral("75.50"));
    QCOMPARE(field(code, "minimum_amount_currency"), QStringLiteral("USD"));
    QCOMPARE(field(code, "max_redemptions"), QStringLiteral("5"));
    QCOMPARE(field(code, "status"), QStringLiteral("active"));

    // A folder that does not exist: a clear message, no file.
    const QString bad = dir.filePath(QStringLiteral("missing/promotions.csv"));
    page.exportCsvTo(bad);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
    QVERIFY(!finished.last().at(0).toBool());
    QVERIFY2(page.exportStatusText().startsWith(QLatin1String("Export failed")), qPrintable(page.exportStatusText()));
    QVERIFY(!QFileInfo::exists(bad));
}

QTEST_MAIN(tst_PromotionsPage)
#include "tst_promotionspage.moc"
