#include "models/catalogtablemodel.h"
#include "models/catalogtiermodel.h"
#include "tests/testsupport.h"
#include "tests/ui/catalogtestdata.h"
#include "ui/catalogpage.h"
#include "ui/theme.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
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

QTEST_MAIN(tst_CatalogPage)
#include "tst_catalogpage.moc"
