#include "tests/testsupport.h"
#include "tests/ui/catalogtestdata.h"
#include "ui/dialogs/pricecalculatordialog.h"
#include "ui/theme.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_PriceCalculatorDialog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void graduatedUsageShowsWhatEachTierCharges();
    void zeroDecimalCurrencyChargesWholeYen();
    void customerCurrencyLimitsThePrices();
    void badQuantityExportsNothing();
    void quoteExportsToCsvAndPdf();

private:
    void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/pricecalculator-%1.png").arg(name)));
    }
    static QString cell(QTableWidget *t, int row, int column) { return t->item(row, column)->text(); }
    void typeQuantity(PriceCalculatorDialog &d, const QString &text)
    {
        d.quantityEdit()->selectAll();
        QTest::keyClick(d.quantityEdit(), Qt::Key_Backspace);
        QTest::keyClicks(d.quantityEdit(), text);
    }
    QTemporaryDir m_dir;
};

void tst_PriceCalculatorDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qApp->setStyleSheet(Theme::styleSheet());
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void tst_PriceCalculatorDialog::graduatedUsageShowsWhatEachTierCharges()
{
    PriceCalculatorDialog d(catalogProducts(), catalogPrices());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QVERIFY(d.selectPrice(QStringLiteral("price_api_graduated")));
    QCOMPARE(d.currencyBox()->count(), 3);
    typeQuantity(d, QStringLiteral("250333"));
    // Tier 1: units 1-1000 flat $20.00; tier 2: 99,000 x 0.15 cents = 14,850 cents;
    // tier 3: 150,333 x 0.1 cents = 15,033.3 -> 15,033 cents. Total 2,000 + 14,850 + 15,033.
    QTableWidget *t = d.linesTable();
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(cell(t, 0, 4), QStringLiteral("2,000"));
    QCOMPARE(cell(t, 0, 3), QStringLiteral("$20.00"));
    QCOMPARE(cell(t, 1, 1), QStringLiteral("99,000"));
    QCOMPARE(cell(t, 1, 2), QStringLiteral("0.0015\u00a0USD"));
    QCOMPARE(cell(t, 1, 4), QStringLiteral("14,850"));
    QCOMPARE(cell(t, 2, 1), QStringLiteral("150,333"));
    QCOMPARE(cell(t, 2, 4), QStringLiteral("15,033"));
    QCOMPARE(cell(t, 2, 5), QStringLiteral("$150.33"));
    QVERIFY(d.quote().has_value());
    QCOMPARE(d.quote()->charge.total.minor(), 2000 + 14850 + 15033);
    QVERIFY2(d.totalLabel()->text().contains(QStringLiteral("$318.83")), qPrintable(d.totalLabel()->text()));
    QVERIFY(d.csvButton()->isEnabled());
    shoot(&d, QStringLiteral("graduated-usd"));
}

void tst_PriceCalculatorDialog::zeroDecimalCurrencyChargesWholeYen()
{
    PriceCalculatorDialog d(catalogProducts(), catalogPrices());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QVERIFY(d.selectPrice(QStringLiteral("price_api_graduated"), QStringLiteral("jpy")));
    typeQuantity(d, QStringLiteral("1007"));
    // 3,000 yen flat for the first 1,000 calls, then 7 x 0.2 yen = 1.4 -> 1 yen.
    QTableWidget *t = d.linesTable();
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(cell(t, 1, 4), QStringLiteral("1"));
    QCOMPARE(d.quote()->charge.total.minor(), 3001);
    QCOMPARE(d.quote()->charge.total.currency().code(), QStringLiteral("JPY"));
    QVERIFY2(d.totalLabel()->text().contains(QStringLiteral("\u00a53,001")), qPrintable(d.totalLabel()->text()));
    shoot(&d, QStringLiteral("graduated-jpy"));

    // Volume storage: 1,500 GB reach the open tier: 1,500 x 25 cents + $50.00 flat.
    QVERIFY(d.selectPrice(QStringLiteral("price_storage_volume")));
    typeQuantity(d, QStringLiteral("1500"));
    QCOMPARE(d.linesTable()->rowCount(), 1);
    QCOMPARE(d.quote()->charge.total.minor(), 1500 * 25 + 5000);
    shoot(&d, QStringLiteral("volume-usd"));
}

void tst_PriceCalculatorDialog::customerCurrencyLimitsThePrices()
{
    PriceCalculatorDialog d(catalogProducts(), catalogPrices());
    d.setCustomer(QStringLiteral("Kuwait Logistics"), QStringLiteral("kwd"));
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    // Only the KWD support plan can be charged in KWD.
    QCOMPARE(d.priceBox()->count(), 1);
    QCOMPARE(d.priceBox()->currentData().toString(), QStringLiteral("price_support_kwd"));
    QCOMPARE(d.currencyBox()->count(), 1);
    QCOMPARE(d.currencyBox()->currentData().toString(), QStringLiteral("kwd"));
    typeQuantity(d, QStringLiteral("2"));
    QCOMPARE(d.quote()->charge.total.minor(), 2500000);
    QVERIFY2(d.totalLabel()->text().contains(QStringLiteral("KWD\u00a02,500.000")), qPrintable(d.totalLabel()->text()));
    shoot(&d, QStringLiteral("customer-kwd"));

    d.setCustomer(QStringLiteral("Nordic AB"), QStringLiteral("sek"));
    QCOMPARE(d.priceBox()->count(), 0);
    QVERIFY(d.messageLabel()->text().contains(QStringLiteral("SEK")));
    QVERIFY(!d.quote().has_value());
}

void tst_PriceCalculatorDialog::badQuantityExportsNothing()
{
    PriceCalculatorDialog d(catalogProducts(), catalogPrices());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QVERIFY(d.selectPrice(QStringLiteral("price_seats_monthly")));
    typeQuantity(d, QString());
    QVERIFY(!d.quote().has_value());
    QVERIFY(!d.csvButton()->isEnabled());
    QVERIFY(!d.pdfButton()->isEnabled());
    QVERIFY(d.messageLabel()->text().contains(QStringLiteral("Enter a quantity")));
    // Letters are refused by the field itself.
    QTest::keyClicks(d.quantityEdit(), QStringLiteral("1x"));
    QCOMPARE(d.quantityEdit()->text(), QStringLiteral("1"));
    const QString path = m_dir.filePath(QStringLiteral("none.csv"));
    typeQuantity(d, QString());
    const Status s = d.startExport(path, PriceCalculatorDialog::ExportFormat::Csv);
    QVERIFY(!s.ok());
    QCOMPARE(s.error().kind, Error::Kind::Validation);
    QVERIFY(!d.isExporting());
    QVERIFY(!QFile::exists(path));
}

void tst_PriceCalculatorDialog::quoteExportsToCsvAndPdf()
{
    PriceCalculatorDialog d(catalogProducts(), catalogPrices());
    d.setCustomer(QStringLiteral("Acme, Inc."), QString());
    d.setPreparedBy(QStringLiteral("Fiona Finance"));
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QVERIFY(d.selectPrice(QStringLiteral("price_sms_pack")));
    typeQuantity(d, QStringLiteral("250"));
    // Packages of 100, rounded up: 3 packages x $5.00.
    QCOMPARE(d.quote()->charge.total.minor(), 1500);
    shoot(&d, QStringLiteral("package"));

    // Written by a worker: the dialog answers at once, the buttons wait for the file.
    QSignalSpy finished(&d, &PriceCalculatorDialog::exportFinished);
    const QString csv = m_dir.filePath(QStringLiteral("quote.csv"));
    QVERIFY(d.startExport(csv, PriceCalculatorDialog::ExportFormat::Csv).ok());
    QVERIFY(d.isExporting());
    QVERIFY(!d.csvButton()->isEnabled());
    QVERIFY(!d.startExport(csv, PriceCalculatorDialog::ExportFormat::Csv).ok()); // one at a time
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(d.csvButton()->isEnabled());
    QVERIFY(d.messageLabel()->text().contains(QStringLiteral("quote.csv")));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.value(0).trimmed(),
             QByteArray("line,description,tier,quantity,unit_amount_minor,flat_amount,amount,amount_minor,currency"));
    QVERIFY2(lines.value(1).contains(",,3,500,0.00,15.00,1500,USD"), lines.value(1).constData());
    QVERIFY2(lines.value(2).startsWith(",Total for 250 units of SMS bundles,,250,,,15.00,1500,USD"), lines.value(2).constData());

    const QString pdf = m_dir.filePath(QStringLiteral("quote.pdf"));
    QVERIFY(d.startExport(pdf, PriceCalculatorDialog::ExportFormat::Pdf).ok());
    QTRY_COMPARE(finished.size(), 2);
    QVERIFY2(finished.last().at(0).toBool(), qPrintable(finished.last().at(1).toString()));
    QFile p(pdf);
    QVERIFY(p.open(QIODevice::ReadOnly));
    const QByteArray head = p.read(5);
    QCOMPARE(head, QByteArray("%PDF-"));
    QVERIFY(p.size() > 1000);

    // A folder that does not exist: a clear message, nothing written.
    const QString nowhere = m_dir.filePath(QStringLiteral("no/such/folder/quote.pdf"));
    QVERIFY(d.startExport(nowhere, PriceCalculatorDialog::ExportFormat::Pdf).ok());
    QTRY_COMPARE(finished.size(), 3);
    QVERIFY(!finished.last().at(0).toBool());
    QVERIFY2(finished.last().at(1).toString().contains(QStringLiteral("could not be written")), qPrintable(finished.last().at(1).toString()));
    QVERIFY(!QFile::exists(nowhere));
}

QTEST_MAIN(tst_PriceCalculatorDialog)
#include "tst_pricecalculatordialog.moc"
