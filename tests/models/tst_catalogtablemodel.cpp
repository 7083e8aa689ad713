#include "models/catalogtablemodel.h"
#include "models/catalogtiermodel.h"
#include "tests/ui/catalogtestdata.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_CatalogTableModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void passesTheModelTester();
    void pricingModelsInPlainWords_data();
    void pricingModelsInPlainWords();
    void amountsFormatByLocale_data();
    void amountsFormatByLocale();
    void archivedToggleAndSearch();
    void tierModelFollowsTheCurrency();
};

void tst_CatalogTableModel::passesTheModelTester()
{
    CatalogTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCatalog(catalogProducts(), catalogPrices());
    model.setShowArchived(true);
    model.setSearchText(QStringLiteral("seat"));
    model.setSearchText({});
    model.setShowArchived(false);
    QCOMPARE(model.rowCount(), 5);
    CatalogTierModel tiers;
    QAbstractItemModelTester tierTester(&tiers, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tiers.setPrice(catalogPrices().at(1), QStringLiteral("eur"));
    QCOMPARE(tiers.rowCount(), 3);
}

void tst_CatalogTableModel::pricingModelsInPlainWords_data()
{
    QTest::addColumn<QString>("priceId");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("interval");
    QTest::newRow("flat rate seats") << "price_seats_monthly" << "Flat rate" << "Every month";
    QTest::newRow("graduated metered") << "price_api_graduated" << "Tiered, graduated" << "Every month, metered";
    QTest::newRow("volume") << "price_storage_volume" << "Tiered, volume" << "Every month";
    QTest::newRow("package") << "price_sms_pack" << "Package of 100 (round up)" << "One time";
    QTest::newRow("yearly kwd") << "price_support_kwd" << "Flat rate" << "Every year";
}

void tst_CatalogTableModel::pricingModelsInPlainWords()
{
    QFETCH(QString, priceId);
    QFETCH(QString, model);
    QFETCH(QString, interval);
    CatalogTableModel m;
    m.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
    m.setCatalog(catalogProducts(), catalogPrices());
    const int row = m.rowOf(priceId);
    QVERIFY(row >= 0);
    QCOMPARE(m.data(m.index(row, CatalogTableModel::Model)).toString(), model);
    QCOMPARE(m.data(m.index(row, CatalogTableModel::Interval)).toString(), interval);
    QCOMPARE(m.data(m.index(row, CatalogTableModel::Id)).toString(), priceId);
}

void tst_CatalogTableModel::amountsFormatByLocale_data()
{
    QTest::addColumn<QString>("locale");
    QTest::addColumn<QString>("priceId");
    QTest::addColumn<QString>("amount");
    QTest::newRow("en_US flat") << "en_US" << "price_seats_monthly" << "$12.00";
    QTest::newRow("de_DE flat") << "de_DE" << "price_seats_monthly" << "12,00\u00a0US$";
    QTest::newRow("en_US graduated with a flat first tier") << "en_US" << "price_api_graduated" << "from $20.00 flat";
    QTest::newRow("en_US volume") << "en_US" << "price_storage_volume" << "from $0.50 per unit";
    QTest::newRow("en_US package") << "en_US" << "price_sms_pack" << "$5.00 per 100 units";
    QTest::newRow("en_US kwd three decimals") << "en_US" << "price_support_kwd" << "KWD\u00a01,250.000";
}

void tst_CatalogTableModel::amountsFormatByLocale()
{
    QFETCH(QString, locale);
    QFETCH(QString, priceId);
    QFETCH(QString, amount);
    CatalogTableModel m;
    m.setLocale(QLocale(locale));
    m.setCatalog(catalogProducts(), catalogPrices());
    QCOMPARE(m.data(m.index(m.rowOf(priceId), CatalogTableModel::Amount)).toString(), amount);
}

void tst_CatalogTableModel::archivedToggleAndSearch()
{
    CatalogTableModel m;
    m.setCatalog(catalogProducts(), catalogPrices());
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(m.hiddenCount(), 2);
    QVERIFY(!m.data(m.index(0, 0), CatalogTableModel::IdRole).toString().isEmpty());
    m.setShowArchived(true);
    QCOMPARE(m.rowCount(), 7);
    const int old = m.rowOf(QStringLiteral("price_seats_2023"));
    QVERIFY(!m.data(m.index(old, 0), CatalogTableModel::ActiveRole).toBool());
    m.setSearchText(QStringLiteral("team"));
    QCOMPARE(m.rowCount(), 2); // both seat prices belong to "Team seats"
    m.setSearchText(QStringLiteral("price_sms"));
    QCOMPARE(m.rowCount(), 1);
}

void tst_CatalogTableModel::tierModelFollowsTheCurrency()
{
    CatalogTierModel tiers;
    tiers.setLocale(QLocale(QStringLiteral("de_DE")));
    const Price api = catalogPrices().at(1);
    tiers.setPrice(api, QStringLiteral("eur"));
    QCOMPARE(tiers.data(tiers.index(0, CatalogTierModel::FlatFee)).toString(), QStringLiteral("18,00\u00a0\u20ac"));
    QCOMPARE(tiers.data(tiers.index(1, CatalogTierModel::UnitPrice)).toString(), QStringLiteral("0,0014\u00a0EUR"));
    QCOMPARE(tiers.data(tiers.index(1, CatalogTierModel::FirstUnit)).toString(), QStringLiteral("1.001"));
    QCOMPARE(tiers.data(tiers.index(2, CatalogTierModel::LastUnit)).toString(), QStringLiteral("and above"));
    QCOMPARE(tiers.data(tiers.index(1, CatalogTierModel::UnitPrice), CatalogTierModel::RawRole).toString(), QStringLiteral("0.14"));
    tiers.setPrice(api, QStringLiteral("chf")); // no such currency option: no tiers shown
    QCOMPARE(tiers.rowCount(), 0);
    tiers.setPrice(catalogPrices().at(0), QStringLiteral("usd")); // untiered
    QCOMPARE(tiers.rowCount(), 0);
}

QTEST_GUILESS_MAIN(tst_CatalogTableModel)
#include "tst_catalogtablemodel.moc"
