#include "models/coupontablemodel.h"
#include "services/domain/money.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace Billing;

// The coupons model: display texts (percent as Stripe's exact decimal, amounts per currency through
// QLocale, duration, redemptions against the maximum, status) and raw values for sorting.
class tst_CouponTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void displaysAndSorts()
    {
        CouponTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
        Coupon pct;
        pct.id = QStringLiteral("SPRING");
        pct.name = QStringLiteral("Spring");
        pct.percentOff = QStringLiteral("12.5");
        pct.duration = QStringLiteral("repeating");
        pct.durationInMonths = 3;
        pct.timesRedeemed = 4;
        pct.maxRedemptions = 4;
        Coupon amt;
        amt.id = QStringLiteral("TEN");
        amt.amountOff = 1000;
        amt.currency = QStringLiteral("usd");
        amt.currencyOptionsAmountOff.insert(QStringLiteral("jpy"), 1500);
        amt.duration = QStringLiteral("forever");
        amt.timesRedeemed = 7;
        amt.valid = false;
        model.setCoupons({pct, amt});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, CouponTableModel::Off).data().toString(), QStringLiteral("12.5%"));
        QCOMPARE(model.index(0, CouponTableModel::Duration).data().toString(), QStringLiteral("3 months"));
        QCOMPARE(model.index(0, CouponTableModel::Redeemed).data().toString(), QStringLiteral("4 / 4"));
        QCOMPARE(model.index(0, CouponTableModel::Status).data().toString(), QStringLiteral("Used up"));
        QCOMPARE(model.index(1, CouponTableModel::Name).data().toString(), QStringLiteral("TEN")); // no name: the id
        const QLocale us(QLocale::English, QLocale::UnitedStates);
        QCOMPARE(model.index(1, CouponTableModel::Off).data().toString(),
                 Money(1000, *Currency::fromCode(u"USD")).toLocaleString(us) + QStringLiteral(" · ")
                     + Money(1500, *Currency::fromCode(u"JPY")).toLocaleString(us));
        QCOMPARE(model.index(1, CouponTableModel::Duration).data().toString(), QStringLiteral("Forever"));
        QCOMPARE(model.index(1, CouponTableModel::Redeemed).data().toString(), QStringLiteral("7"));
        QCOMPARE(model.index(1, CouponTableModel::Status).data().toString(), QStringLiteral("Expired"));
        QCOMPARE(model.index(1, CouponTableModel::Redeemed).data(CouponTableModel::RawRole).toInt(), 7);
        QCOMPARE(model.index(1, CouponTableModel::Off).data(CouponTableModel::RawRole).toLongLong(), 1000);
        QCOMPARE(model.index(0, 0).data(CouponTableModel::IdRole).toString(), QStringLiteral("SPRING"));
        model.setCoupons({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_CouponTableModel)
#include "tst_coupontablemodel.moc"
