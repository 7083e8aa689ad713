#include "models/catalogtablemodel.h"
#include "models/catalogtiermodel.h"
#include "tests/testsupport.h"
#include "tests/ui/catalogtestdata.h"
#include "ui/catalogpage.h"
#include "ui/theme.h"

#include "csvreadback.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_CatalogPage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void archivedPricesAreHiddenUntilAsked();
    void detailShowsTheTierTableInEachCurrency();
    void searchFiltersProductsAndPrices();
    void calculatorOpensOnTheSelectedPrice();
    void exportWritesThePricesShownPerCurrency();

private:
    void shoot(QWidget *w, const QString &name);
    int rowOf(CatalogPage &page, const QString &id) { return page.model()->rowOf(id); }
};

void tst_CatalogPage::initTestCase()
{
    qApp->setStyleSheet(Theme::styleSheet());
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void tst_CatalogPage::shoot(QWidget *w, const QString &name)
{
    QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/catalog-%1.png").arg(name)));
}

void tst_CatalogPage::archivedPricesAreHiddenUntilAsked()
{
    CatalogPage page(nullptr);
    page.resize(1320, 640);
    page.setCatalog(catalogProducts(), catalogPrices());
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    // Seven prices: the inactive 2023 seat price and the price of the archived product are hidden.
    QCOMPARE(page.model()->rowCount(), 5);
    QCOMPARE(rowOf(page, QStringLiteral("price_seats_2023")), -1);
    QCOMPARE(rowOf(page, QStringLiteral("price_legacy")), -1);
    shoot(&page, QStringLiteral("active"));

    QTest::mouseClick(page.showArchivedBox(), Qt::LeftButton, {}, QPoint(8, page.showArchivedBox()->height() / 2));
    QVERIFY(page.showArchivedBox()->isChecked());
    QCOMPARE(page.model()->rowCount(), 7);
    const int old = rowOf(page, QStringLiteral("price_seats_2023"));
    QVERIFY(old >= 0);
    QCOMPARE(page.model()->data(page.model()->index(old, CatalogTableModel::Status)).toString(), QStringLiteral("Archived"));
    const int legacy = rowOf(page, QStringLiteral("price_legacy"));
    QCOMPARE(page.model()->data(page.model()->index(legacy, CatalogTableModel::Status)).toString(),
             QStringLiteral("Product archived"));
    shoot(&page, QStringLiteral("with-archived"));

    QTest::mouseClick(page.showArchivedBox(), Qt::LeftButton, {}, QPoint(8, page.showArchivedBox()->height() / 2));
    QCOMPARE(page.model()->rowCount(), 5);
}

void tst_CatalogPage::detailShowsTheTierTableInEachCurrency()
{
    CatalogPage page(nullptr);
    page.resize(1320, 640);
    page.setCatalog(catalogProducts(), catalogPrices());
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    const int row = rowOf(page, QStringLiteral("price_api_graduated"));
    QVERIFY(row >= 0);
    const QRect cell = page.view()->visualRect(page.model()->index(row, CatalogTableModel::PriceName));
    QTest::mouseClick(page.view()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(page.selectedPriceId(), QStringLiteral("price_api_graduated"));
    QCOMPARE(page.model()->data(page.model()->index(row, CatalogTableModel::Currencies)).toString(),
             QStringLiteral("USD, EUR, JPY"));
    QCOMPARE(page.model()->data(page.model()->index(row, CatalogTableModel::Model)).toString(),
             QStringLiteral("Tiered, graduated"));

    // USD tiers: 1-1000 flat $20.00, 1001-100000 at 0.0015 USD, 100001 and above at 0.001 USD.
    CatalogTierModel *tiers = page.tierModel();
    QVERIFY(page.tierView()->isVisible());
    QCOMPARE(tiers->rowCount(), 3);
    QCOMPARE(tiers->data(tiers->index(0, CatalogTierModel::FlatFee)).toString(), QStringLiteral("$20.00"));
    QCOMPARE(tiers->data(tiers->index(1, CatalogTierModel::FirstUnit)).toString(), QStringLiteral("1,001"));
    QCOMPARE(tiers->data(tiers->index(1, CatalogTierModel::UnitPrice)).toString(), QStringLiteral("0.0015\u00a0USD"));
    QCOMPARE(tiers->data(tiers->index(2, CatalogTierModel::LastUnit)).toString(), QStringLiteral("and above"));
    shoot(&page, QStringLiteral("tiers-usd"));

    // JPY (zero-decimal): a flat fee of 3,000 yen, 0.2 yen per call.
    page.currencyBox()->setCurrentIndex(page.currencyBox()->findData(QStringLiteral("jpy")));
    QCOMPARE(tiers->currency(), QStringLiteral("jpy"));
    QCOMPARE(tiers->data(tiers->index(0, CatalogTierModel::FlatFee)).toString(), QStringLiteral("\u00a53,000"));
    QCOMPARE(tiers->data(tiers->index(1, CatalogTierModel::UnitPrice)).toString(), QStringLiteral("0.2\u00a0JPY"));
    shoot(&page, QStringLiteral("tiers-jpy"));

    // An untiered price hides the tier table.
    const int seats = rowOf(page, QStringLiteral("price_seats_monthly"));
    QTest::mouseClick(page.view()->viewport(), Qt::LeftButton, {},
                      page.view()->visualRect(page.model()->index(seats, CatalogTableModel::PriceName)).center());
    QCOMPARE(page.selectedPriceId(), QStringLiteral("price_seats_monthly"));
    QVERIFY(!page.tierView()->isVisible());
    QCOMPARE(page.model()->data(page.model()->index(seats, CatalogTableModel::Amount)).toString(), QStringLiteral("$12.00"));
}

void tst_CatalogPage::searchFiltersProductsAndPrices()
{
    CatalogPage page(nullptr);
    page.setCatalog(catalogProducts(), catalogPrices());
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTest::keyClicks(page.searchBox(), QStringLiteral("storage"));
    QCOMPARE(page.model()->rowCount(), 1);
    QCOMPARE(page.model()->priceAt(0).id, QStringLiteral("price_storage_volume"));
    page.searchBox()->clear();
    QTest::keyClicks(page.searchBox(), QStringLiteral("nothing like this"));
    QCOMPARE(page.model()->rowCount(), 0);
}

void tst_CatalogPage::calculatorOpensOnTheSelectedPrice()
{
    CatalogPage page(nullptr);
    page.setCatalog(catalogProducts(), catalogPrices());
    QString openedPrice, openedCurrency;
    page.setCalculatorOpener([&](const QString &price, const QString &currency) {
        openedPrice = price;
        openedCurrency = currency;
    });
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QVERIFY(!page.calculatorButton()->isEnabled());
    page.selectPrice(QStringLiteral("price_support_kwd"));
    QVERIFY(page.calculatorButton()->isEnabled());
    page.currencyBox()->setCurrentIndex(page.currencyBox()->findData(QStringLiteral("bhd")));
    QTest::mouseClick(page.calculatorButton(), Qt::LeftButton);
    QCOMPARE(openedPrice, QStringLiteral("price_support_kwd"));
    QCOMPARE(openedCurrency, QStringLiteral("bhd"));
}

void tst_CatalogPage::exportWritesThePricesShownPerCurrency()
{
    QList<Price> prices = catalogPrices();
    Price injected = prices.first();
    injected.id = QStringLiteral("price_injected");
    injected.nickname = QStringLiteral("=HYPERLINK(\"http://x\")"); // a formula must not reach a spreadsheet
    injected.currencyOptions.clear();
    prices << injected;
    CatalogPage page(nullptr);
    page.resize(1320, 640);
    page.setCatalog(catalogProducts(), prices);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QVERIFY(page.exportButton()->isVisible());
    QCOMPARE(page.exportButton()->objectName(), QStringLiteral("ExportCsvButton"));

    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("prices.csv"));
    QSignalSpy finished(&page, &CatalogPage::exportFinished);
    page.exportCsvTo(csv);
    QVERIFY(page.isExporting());
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QVERIFY(!page.isExporting());
    QVERIFY(page.statusText().contains(QDir::toNativeSeparators(csv)));
    shoot(&page, QStringLiteral("exported"));

    QString error;
    const QList<QStringList> rows = CsvReadBack::read(csv, &error);
    QVERIFY2(!rows.isEmpty(), qPrintable(error));
    const QStringList header = rows.first();
    QCOMPARE(header, (QStringList{QStringLiteral("price_id"), QStringLiteral("product_id"), QStringLiteral("product_name"),
                                  QStringLiteral("price_nickname"), QStringLiteral("lookup_key"), QStringLiteral("type"),
                                  QStringLiteral("billing_scheme"), QStringLiteral("tiers_mode"), QStringLiteral("package_size"),
                                  QStringLiteral("interval"), QStringLiteral("interval_count"), QStringLiteral("active"),
                                  QStringLiteral("currency"), QStringLiteral("unit_amount"), QStringLiteral("unit_amount_decimal"),
                                  QStringLiteral("tier_count")}));
    QCOMPARE(finished.first().at(1).toLongLong(), qint64(rows.size() - 1));
    // key "price_id/currency" -> the row as a field map
    QHash<QString, QHash<QString, QString>> byKey;
    QSet<QString> ids;
    for (qsizetype r = 1; r < rows.size(); ++r) {
        QCOMPARE(rows[r].size(), header.size());
        QHash<QString, QString> fields;
        for (qsizetype c = 0; c < header.size(); ++c)
            fields.insert(header[c], rows[r][c]);
        ids.insert(fields.value(QStringLiteral("price_id")));
        byKey.insert(fields.value(QStringLiteral("price_id")) + u'/' + fields.value(QStringLiteral("currency")), fields);
    }
    // Exactly the prices shown: the archived ones are not in the file.
    QSet<QString> shown;
    for (int r = 0; r < page.model()->rowCount(); ++r)
        shown.insert(page.model()->priceAt(r).id);
    QCOMPARE(ids, shown);
    QVERIFY(!ids.contains(QStringLiteral("price_seats_2023")));
    QVERIFY(!ids.contains(QStringLiteral("price_legacy")));
    QCOMPARE(qsizetype(byKey.size()), rows.size() - 1); // one row per price and currency
    // seats: 12.00 USD, 11.00 EUR, 9.50 GBP a month
    const auto seatsUsd = byKey.value(QStringLiteral("price_seats_monthly/USD"));
    QCOMPARE(seatsUsd.value(QStringLiteral("product_name")), QStringLiteral("Team seats"));
    QCOMPARE(seatsUsd.value(QStringLiteral("price_nickname")), QStringLiteral("Seat, monthly"));
    QCOMPARE(seatsUsd.value(QStringLiteral("unit_amount")), QStringLiteral("12.00"));
    QCOMPARE(seatsUsd.value(QStringLiteral("interval")), QStringLiteral("month"));
    QCOMPARE(seatsUsd.value(QStringLiteral("interval_count")), QStringLiteral("1"));
    QCOMPARE(seatsUsd.value(QStringLiteral("active")), QStringLiteral("true"));
    QCOMPARE(byKey.value(QStringLiteral("price_seats_monthly/EUR")).value(QStringLiteral("unit_amount")), QStringLiteral("11.00"));
    QCOMPARE(byKey.value(QStringLiteral("price_seats_monthly/GBP")).value(QStringLiteral("unit_amount")), QStringLiteral("9.50"));
    // three-decimal currencies keep their three decimals
    QCOMPARE(byKey.value(QStringLiteral("price_support_kwd/KWD")).value(QStringLiteral("unit_amount")), QStringLiteral("1250.000"));
    QCOMPARE(byKey.value(QStringLiteral("price_support_kwd/BHD")).value(QStringLiteral("unit_amount")), QStringLiteral("1530.000"));
    // package: 5.00 USD per 100
    const auto sms = byKey.value(QStringLiteral("price_sms_pack/USD"));
    QCOMPARE(sms.value(QStringLiteral("package_size")), QStringLiteral("100"));
    QCOMPARE(sms.value(QStringLiteral("unit_amount")), QStringLiteral("5.00"));
    QCOMPARE(sms.value(QStringLiteral("interval")), QString());
    // tiered: no unit amount, the tier count in each currency
    for (const char *code : {"USD", "EUR", "JPY"}) {
        const auto api = byKey.value(QStringLiteral("price_api_graduated/") + QLatin1String(code));
        QCOMPARE(api.value(QStringLiteral("billing_scheme")), QStringLiteral("tiered"));
        QCOMPARE(api.value(QStringLiteral("tiers_mode")), QStringLiteral("graduated"));
        QCOMPARE(api.value(QStringLiteral("tier_count")), QStringLiteral("3"));
        QCOMPARE(api.value(QStringLiteral("unit_amount")), QString());
    }
    QCOMPARE(byKey.value(QStringLiteral("price_injected/USD")).value(QStringLiteral("price_nickname")),
             QStringLiteral("'=HYPERLINK(\"http://x\")"));
}

QTEST_MAIN(tst_CatalogPage)
#include "tst_catalogpage.moc"
