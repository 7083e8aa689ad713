// The negotiated-price dialog on the real service stack (billing database on SQLite, outbox,
// OperationRunner, the sandbox): bad input is refused with its reason and nothing is saved; a
// support agent's ramp with a deep discount is saved as a pending request for finance.

#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/pricing/customdealrepository.h"
#include "services/pricing/custompricingservice.h"
#include "services/storage/asyncbillingdatabase.h"
#include "services/storage/asynclocalcache.h"
#include "services/stripe/stripeclient.h"
#include "tests/services/pricing/stripecall.h"
#include "tests/ui/catalogtestdata.h"
#include "ui/dialogs/custompriceapprovalsdialog.h"
#include "ui/dialogs/custompricedialog.h"
#include "ui/theme.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_CustomPriceDialog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void tooManyDecimalsIsRefusedAndNothingSaved();
    void supportRampWaitsForApproval();

private:
    void shoot(QWidget *w, const QString &name)
    {
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/custompricedialog-%1.png").arg(name)));
    }
    int dealCount()
    {
        auto d = m_billingDb->thread().runBlocking([](BillingDatabase &db) { return CustomDealRepository(db).deals(); });
        return d ? int(d->size()) : -1;
    }
    static void typeInCell(QTableWidget *t, int row, int column, const QString &text) { t->item(row, column)->setText(text); }

    QTemporaryDir m_dir;
    std::unique_ptr<StripeClient> m_client;
    std::unique_ptr<AsyncBillingDatabase> m_billingDb;
    std::unique_ptr<AsyncLocalCache> m_cache;
    std::unique_ptr<OutboxService> m_outbox;
    std::unique_ptr<OperationRunner> m_runner;
    std::unique_ptr<CustomPricingService> m_service;
    Customer m_customer;
};

void tst_CustomPriceDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qApp->setStyleSheet(Theme::styleSheet());
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    m_client = std::make_unique<StripeClient>(pricingSandboxConfig());
    m_billingDb = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing.sqlite"))));
    QVERIFY(m_billingDb->openBlocking().ok());
    m_cache = std::make_unique<AsyncLocalCache>(QStringLiteral("bc-cache-custompricedialog"));
    QVERIFY(m_cache->openBlocking(m_dir.filePath(QStringLiteral("cache.sqlite"))).ok());
    m_outbox = std::make_unique<OutboxService>(m_dir.filePath(QStringLiteral("outbox.sqlite")), m_client.get());
    QVERIFY(m_outbox->openBlocking().ok());
    m_runner = std::make_unique<OperationRunner>(m_outbox.get(), m_billingDb.get(), m_cache.get(), AccessPolicy{},
                                                 Actor{3, QStringLiteral("sam@example.com"), QStringLiteral("Sam Support"), StaffRole::Support});
    m_service = std::make_unique<CustomPricingService>(m_runner.get(), m_billingDb.get());
    m_outbox->start();
    m_customer.id = QStringLiteral("cus_globex");
    m_customer.name = QStringLiteral("Globex Corporation");
    m_customer.currency = QStringLiteral("usd");
}

void tst_CustomPriceDialog::cleanupTestCase()
{
    m_service.reset();
    m_runner.reset();
    m_outbox.reset();
    m_cache.reset();
    m_billingDb.reset();
}

void tst_CustomPriceDialog::tooManyDecimalsIsRefusedAndNothingSaved()
{
    CustomPriceDialog d(m_service.get(), m_customer, QString(), catalogProducts(), catalogPrices());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    // Only per-unit list prices in USD (the customer's currency) are offered.
    for (int i = 0; i < d.listPriceBox()->count(); ++i)
        QCOMPARE(d.listPriceBox()->itemData(i).toStringList().value(1), QStringLiteral("usd"));
    QVERIFY(d.listPriceBox()->findText(QStringLiteral("Premium support"), Qt::MatchStartsWith) < 0);
    d.listPriceBox()->setCurrentIndex(d.listPriceBox()->findText(QStringLiteral("Team seats"), Qt::MatchStartsWith));
    typeInCell(d.rampTable(), 0, 1, QStringLiteral("10.505"));
    typeInCell(d.rampTable(), 1, 1, QStringLiteral("10.00"));
    QVERIFY2(d.discountLabel()->text().contains(QStringLiteral("Phase 1")), qPrintable(d.discountLabel()->text()));
    QVERIFY(!d.submitButton()->isEnabled());
    shoot(&d, QStringLiteral("too-many-decimals"));
    QTest::mouseClick(d.submitButton(), Qt::LeftButton);
    QCOMPARE(dealCount(), 0);

    typeInCell(d.rampTable(), 0, 0, QStringLiteral("twelve"));
    typeInCell(d.rampTable(), 0, 1, QStringLiteral("10.50"));
    QVERIFY(d.discountLabel()->text().contains(QStringLiteral("whole months")));
    QVERIFY(!d.submitButton()->isEnabled());
    QCOMPARE(dealCount(), 0);
}

void tst_CustomPriceDialog::supportRampWaitsForApproval()
{
    CustomPriceDialog d(m_service.get(), m_customer, QString(), catalogProducts(), catalogPrices());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    d.listPriceBox()->setCurrentIndex(d.listPriceBox()->findText(QStringLiteral("Team seats"), Qt::MatchStartsWith));
    d.quantityBox()->setValue(250);
    d.setRamp({{12, QStringLiteral("9.00")}, {12, QStringLiteral("10.00")}, {0, QStringLiteral("11.00")}});
    d.minimumEdit()->setText(QStringLiteral("2000"));
    // List $12.00: the deepest phase ($9.00) is 25 % off, above the default 10 % limit.
    QTRY_VERIFY2(d.discountLabel()->text().contains(QStringLiteral("25.0%")), qPrintable(d.discountLabel()->text()));
    QVERIFY(d.discountLabel()->text().contains(QStringLiteral("must approve")));
    QVERIFY(d.submitButton()->isEnabled());
    shoot(&d, QStringLiteral("ramp"));
    QTest::mouseClick(d.submitButton(), Qt::LeftButton);
    QTRY_VERIFY(d.submittedDealId() > 0);
    QVERIFY2(d.statusLabel()->text().contains(QStringLiteral("Saved as request")), qPrintable(d.statusLabel()->text()));
    QCOMPARE(dealCount(), 1);
    shoot(&d, QStringLiteral("submitted"));

    // Finance sees it in the approvals queue.
    m_runner->setActor(Actor{1, QStringLiteral("fin@example.com"), QStringLiteral("Fiona Finance"), StaffRole::Finance});
    CustomPriceApprovalsDialog approvals(m_service.get());
    approvals.show();
    QVERIFY(QTest::qWaitForWindowExposed(&approvals));
    QTRY_COMPARE(approvals.table()->rowCount(), 1);
    QCOMPARE(approvals.table()->item(0, 1)->text(), QStringLiteral("Globex Corporation"));
    QVERIFY(approvals.table()->item(0, 2)->text().contains(QStringLiteral("$9.00 for 12 months")));
    QCOMPARE(approvals.table()->item(0, 3)->text(), QStringLiteral("25.0%"));
    shoot(&approvals, QStringLiteral("approvals"));
    // Rejecting needs a note; with one, the request leaves the queue.
    QTest::mouseClick(approvals.rejectButton(), Qt::LeftButton);
    QTRY_VERIFY(approvals.statusLabel()->text().contains(QStringLiteral("Say why")));
    QTest::keyClicks(approvals.noteEdit(), QStringLiteral("Max 15 % this quarter"));
    QTest::mouseClick(approvals.rejectButton(), Qt::LeftButton);
    QTRY_COMPARE(approvals.table()->rowCount(), 0);
    QCOMPARE(m_outbox->entriesBlocking(std::nullopt)->size(), 0);
}

QTEST_MAIN(tst_CustomPriceDialog)
#include "tst_custompricedialog.moc"
