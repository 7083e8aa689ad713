#include "models/customertablemodel.h"
#include "services/sync/syncservice.h"
#include "tests/services/paymentmethods/paymentstack.h"
#include "ui/customerspage.h"
#include "ui/dialogs/goodwillcreditdialog.h"
#include "ui/dialogs/paymentmethodsdialog.h"
#include "ui/dialogs/referraldialog.h"

#include <algorithm>

#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressDialog>
#include <QPushButton>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

// The customer detail with its Payment methods, Credit balance and Referrals sections, and the
// dialogs behind them, driven with real widgets against the real services and the sandbox.
// Screenshots of each state go to screenshotDir() (customerspage-*.png, *dialog-*.png).
class tst_CustomersPage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void detailShowsPaymentMethodsLedgerAndReferrals();
    void goodwillDialogRefusesWrongDecimalsThenCredits();
    void paymentMethodsDialogSetsTheDefaultAndCreatesALink();
    void referralDialogRecordsAReferral();
    void exportWritesEveryMatchingCustomerNotOnlyTheLoadedPage_data();
    void exportWritesEveryMatchingCustomerNotOnlyTheLoadedPage();

private:
    static void shot(QWidget *w, const QString &name)
    {
        QApplication::processEvents();
        QVERIFY(w->grab().save(screenshotDir() + QLatin1Char('/') + name + QStringLiteral(".png")));
    }
    QLabel *section(const char *name) const { return m_page->findChild<QLabel *>(QLatin1String(name)); }
    bool detailShows(const QString &text) const
    {
        const QList<QLabel *> labels = m_page->findChildren<QLabel *>();
        return std::any_of(labels.cbegin(), labels.cend(), [&](const QLabel *l) { return l->text().contains(text); });
    }
    void selectCustomer(const QString &id)
    {
        m_page->searchBox()->clear();
        QTest::keyClicks(m_page->searchBox(), id);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowCount() == 1 && m_page->model()->index(0, 0).isValid(), 10000);
        m_page->selectRow(0);
        QTRY_COMPARE(m_page->selectedId(), id);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<PaymentStack> m_stack;
    std::unique_ptr<SyncService> m_sync;
    std::unique_ptr<CustomersPage> m_page;
    QString m_customer;
    QString m_bank;
    QString m_other;
};

void tst_CustomersPage::initTestCase()
{
    QVERIFY2(!sandboxUrl().isEmpty(), "BC_SANDBOX_URL is not set: run through CTest (fixture sandbox)");
    m_stack = std::make_unique<PaymentStack>(m_dir.path(), staff(StaffRole::Support));
    QVERIFY2(m_stack->error.isEmpty(), qPrintable(m_stack->error));
    // A customer with a card, a bank account, a few balance entries and a referral.
    const QJsonObject customer = demoCustomerWithSubscription(1);
    m_customer = customer.value(QLatin1String("id")).toString();
    QVERIFY(!m_customer.isEmpty());
    m_bank = attach(QStringLiteral("pm_usBankAccount_success"), m_customer);
    stripeCall("POST", QStringLiteral("/v1/customers/%1").arg(m_customer),
               {{QStringLiteral("address[country]"), QStringLiteral("US")}, {QStringLiteral("address[state]"), QStringLiteral("Washington")}});
    for (const auto &[amount, description] : {std::pair{QStringLiteral("-1500"), QStringLiteral("Service outage in October")},
                                              std::pair{QStringLiteral("700"), QStringLiteral("Setup fee")}})
        stripeCall("POST", QStringLiteral("/v1/customers/%1/balance_transactions").arg(m_customer),
                   {{QStringLiteral("amount"), amount}, {QStringLiteral("currency"), QStringLiteral("usd")},
                    {QStringLiteral("description"), description}});
    m_other = newCustomer(QStringLiteral("Friend Of Theirs GmbH"));
    Referral r;
    r.referrerId = m_customer;
    r.refereeId = m_other;
    r.code = QStringLiteral("FRIENDS-10");
    QVERIFY(waitFor<Referral>([&](QObject *ctx, auto cb) { m_stack->referrals->record(r, ctx, cb); }).ok());

    m_sync = std::make_unique<SyncService>(m_stack->client.get(), m_stack->cache.get());
    const auto full = m_sync->runFullSyncBlocking();
    QVERIFY2(full.ok(), qPrintable(full.ok() ? QString() : full.error().detail));

    m_page = std::make_unique<CustomersPage>(m_stack->cache.get());
    m_page->setCustomerServices(m_stack->methods.get(), m_stack->credits.get(), m_stack->referrals.get());
    m_page->resize(1360, 860);
    m_page->show();
    m_page->ensureLoaded();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->rowCount() > 0, 10000);
}

void tst_CustomersPage::cleanupTestCase()
{
    m_page.reset();
    m_sync.reset();
    m_stack.reset();
}

void tst_CustomersPage::detailShowsPaymentMethodsLedgerAndReferrals()
{
    selectCustomer(m_customer);
    QTRY_VERIFY_WITH_TIMEOUT(section("CreditSection") && section("CreditSection")->text().contains(QLatin1String("Setup fee")), 15000);
    QTRY_VERIFY(section("PaymentMethodsSection") && section("PaymentMethodsSection")->text().contains(QLatin1String("bank account")));
    QTRY_VERIFY(section("ReferralsSection") && section("ReferralsSection")->text().contains(m_other));
    const QString pm = section("PaymentMethodsSection")->text();
    QVERIFY(pm.contains(QLatin1String("STRIPE TEST BANK")));
    QVERIFY(pm.contains(QLatin1String("Customer default")));
    QVERIFY(pm.contains(QLatin1String("expires")));
    const QString credit = section("CreditSection")->text();
    // -15.00 + 7.00: the customer holds 8.00 of credit (Stripe: balance -800).
    QVERIFY2(credit.contains(QLatin1String("8.00")), qPrintable(credit));
    QVERIFY(credit.contains(QLatin1String("Service outage in October")));
    QVERIFY(section("ReferralsSection")->text().contains(QLatin1String("waiting for the first payment")));
    // The address with its state, and the time zone dunning retries use, from that state.
    QVERIFY(detailShows(QStringLiteral("Washington, US")));
    QVERIFY(detailShows(QStringLiteral("America/Los_Angeles (from the address: US, Washington)")));
    shot(m_page.get(), QStringLiteral("customerspage-credit-and-payment-methods"));
}

void tst_CustomersPage::goodwillDialogRefusesWrongDecimalsThenCredits()
{
    GoodwillCreditDialog dialog(m_stack->credits.get(), m_stack->outbox.get(), m_customer);
    dialog.show();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), GoodwillCreditDialog::State::Editing, 15000);
    auto *amount = dialog.findChild<QLineEdit *>(QStringLiteral("amount"));
    auto *reason = dialog.findChild<QPlainTextEdit *>(QStringLiteral("reason"));
    auto *message = dialog.findChild<QLabel *>(QStringLiteral("amountMessage"));
    auto *confirm = dialog.findChild<QPushButton *>(QStringLiteral("confirm"));
    QVERIFY(amount && reason && message && confirm);
    QTest::keyClicks(reason, QStringLiteral("Late delivery of the October report"));
    QTest::keyClicks(amount, QStringLiteral("10.005"));
    QVERIFY(!message->text().isEmpty());
    QVERIFY(!confirm->isEnabled());
    shot(&dialog, QStringLiteral("goodwillcreditdialog-wrong-decimals"));
    const int entriesBefore = m_stack->outboxCount();
    amount->clear();
    QTest::keyClicks(amount, QStringLiteral("20.00"));
    QVERIFY(message->text().isEmpty());
    QVERIFY(confirm->isEnabled());
    shot(&dialog, QStringLiteral("goodwillcreditdialog-ready"));
    QCOMPARE(m_stack->outboxCount(), entriesBefore); // nothing sent while typing
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.state(), GoodwillCreditDialog::State::Succeeded, 30000);
    shot(&dialog, QStringLiteral("goodwillcreditdialog-done"));
    const QJsonArray ledger = stripeList(QStringLiteral("/v1/customers/%1/balance_transactions?limit=1").arg(m_customer));
    QCOMPARE(ledger.first().toObject().value(QLatin1String("amount")).toInteger(), -2000);
    // The detail panel follows: 28.00 of credit now.
    QTRY_VERIFY_WITH_TIMEOUT(section("CreditSection") && section("CreditSection")->text().contains(QLatin1String("28.00")), 15000);
}

void tst_CustomersPage::paymentMethodsDialogSetsTheDefaultAndCreatesALink()
{
    PaymentMethodsDialog dialog(m_stack->methods.get(), m_customer);
    QSignalSpy loaded(&dialog, &PaymentMethodsDialog::loaded);
    dialog.show();
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 15000);
    QTableWidget *table = dialog.table();
    QCOMPARE(table->rowCount(), 2);
    int bankRow = -1;
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->data(Qt::UserRole).toString() == m_bank)
            bankRow = r;
    QVERIFY(bankRow >= 0);
    shot(&dialog, QStringLiteral("paymentmethodsdialog-list"));

    auto *createLink = dialog.findChild<QPushButton *>(QStringLiteral("createLink"));
    QTest::mouseClick(createLink, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.setupLink().isEmpty(), 30000);
    QVERIFY(dialog.setupLink().contains(QLatin1String("/checkout/setup/cs_test_")));
    shot(&dialog, QStringLiteral("paymentmethodsdialog-link"));

    QSignalSpy finished(&dialog, &PaymentMethodsDialog::operationFinished);
    table->selectRow(bankRow);
    auto *makeDefault = dialog.findChild<QPushButton *>(QStringLiteral("makeDefault"));
    QVERIFY(makeDefault->isEnabled());
    QTest::mouseClick(makeDefault, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    QCOMPARE(finished.first().at(0).toBool(), true);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.view().defaultPaymentMethod, m_bank, 15000);
    QCOMPARE(stripeCall("GET", QStringLiteral("/v1/customers/") + m_customer)
                 .value(QLatin1String("invoice_settings")).toObject().value(QLatin1String("default_payment_method")).toString(),
             m_bank);
    QTRY_VERIFY(!dialog.isBusy());
    shot(&dialog, QStringLiteral("paymentmethodsdialog-bank-default"));

    // Detaching the card (not the default any more, no subscription of its own): asked, then done.
    QString asked;
    dialog.setConfirmDetach([&](const QString &warning) {
        asked = warning.isEmpty() ? QStringLiteral("(none)") : warning;
        return true;
    });
    const int cardRow = bankRow == 0 ? 1 : 0;
    table->selectRow(cardRow);
    finished.clear();
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("detach")), Qt::LeftButton);
    QCOMPARE(asked, QStringLiteral("(none)"));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.table()->rowCount(), 1, 15000);
    // The only method left, on an active subscription: the confirmation says so.
    QTRY_VERIFY(!dialog.isBusy());
    dialog.table()->selectRow(0);
    dialog.setConfirmDetach([&](const QString &warning) {
        asked = warning;
        return false; // the agent cancels
    });
    QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("detach")), Qt::LeftButton);
    QVERIFY(asked.contains(QLatin1String("only payment method")));
    QCOMPARE(stripeList(QStringLiteral("/v1/customers/%1/payment_methods").arg(m_customer)).size(), 1);

    selectCustomer(m_customer);
    QTRY_VERIFY_WITH_TIMEOUT(section("PaymentMethodsSection") && !section("PaymentMethodsSection")->text().contains(QLatin1String("expires")), 15000);
    shot(m_page.get(), QStringLiteral("customerspage-after-changes"));
}

void tst_CustomersPage::referralDialogRecordsAReferral()
{
    const QString referrer = newCustomer(QStringLiteral("Early Adopter Ltd"));
    ReferralDialog dialog(m_stack->referrals.get(), m_customer, QStringLiteral("Our customer"), staff(StaffRole::Support).email);
    dialog.show();
    QVERIFY(!dialog.confirmButton()->isEnabled());
    QTest::keyClicks(dialog.otherEdit(), m_customer); // themselves: refused
    QVERIFY(!dialog.confirmButton()->isEnabled());
    dialog.otherEdit()->clear();
    QTest::keyClicks(dialog.otherEdit(), referrer);
    QVERIFY(dialog.confirmButton()->isEnabled());
    shot(&dialog, QStringLiteral("referraldialog-ready"));
    QSignalSpy done(&dialog, &ReferralDialog::recordFinished);
    QTest::mouseClick(dialog.confirmButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), 10000);
    QCOMPARE(done.first().at(0).toBool(), true);
    QVERIFY(dialog.recorded());
    QCOMPARE(dialog.recorded()->referrerId, referrer);
    QCOMPARE(dialog.recorded()->refereeId, m_customer);
    shot(&dialog, QStringLiteral("referraldialog-recorded"));
    selectCustomer(m_customer);
    QTRY_VERIFY_WITH_TIMEOUT(section("ReferralsSection") && section("ReferralsSection")->text().contains(referrer), 10000);
}

void tst_CustomersPage::exportWritesEveryMatchingCustomerNotOnlyTheLoadedPage_data()
{
    QTest::addColumn<QString>("currency"); // the filter's data: "" = all currencies
    QTest::newRow("all currencies (more than one page)") << QString();
    QTest::newRow("usd") << QStringLiteral("usd");
}

// Export CSV goes through the pane's query on the export's own thread: the file has every customer
// the filters select (read with plain SQL from the cache file here), not the 200 the table loaded.
void tst_CustomersPage::exportWritesEveryMatchingCustomerNotOnlyTheLoadedPage()
{
    QFETCH(QString, currency);
    const QString cacheFile = m_dir.filePath(QStringLiteral("cache.sqlite"));
    m_page->searchBox()->clear();
    auto *combo = m_page->findChild<QComboBox *>(QStringLiteral("CurrencyFilter"));
    QVERIFY(combo);
    combo->setCurrentIndex(combo->findData(currency));
    // The search box is debounced: wait until the pane's query has no search and this currency.
    QTRY_VERIFY_WITH_TIMEOUT(m_page->customers()->query().search.isEmpty()
                                 && m_page->customers()->query().currency == (currency.isNull() ? QString() : currency)
                                 && !m_page->model()->isLoading() && m_page->model()->rowCount() > 0,
                             10000);

    QStringList expected;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tst-customers-expected"));
        db.setDatabaseName(cacheFile);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QVERIFY(db.open());
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT id FROM customers WHERE (? = '' OR currency = ?)"));
        q.addBindValue(currency.isNull() ? QStringLiteral("") : currency);
        q.addBindValue(currency.isNull() ? QStringLiteral("") : currency);
        QVERIFY(q.exec());
        while (q.next())
            expected << q.value(0).toString();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tst-customers-expected"));
    QVERIFY(!expected.isEmpty());
    if (currency.isEmpty())
        QVERIFY2(expected.size() > m_page->model()->rowCount(), "the cache should hold more customers than one page");

    m_page->setExportCacheFile(cacheFile);
    const QString path = m_dir.filePath(QStringLiteral("customers-%1.csv").arg(currency.isEmpty() ? QStringLiteral("all") : currency));
    QSignalSpy finished(m_page.get(), &TablePage::exportFinished);
    const int loadedBefore = m_page->model()->rowCount();
    m_page->exportCsv(path);
    QVERIFY(m_page->exportProgress());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(2).toString()));
    QCOMPARE(finished.first().at(1).toLongLong(), qint64(expected.size()));
    QCOMPARE(m_page->model()->rowCount(), loadedBefore); // the table did not load the rest itself
    shot(m_page.get(), QStringLiteral("customerspage-export-%1").arg(currency.isEmpty() ? QStringLiteral("all") : currency));

    QProcess py;
    py.start(QStringLiteral("python3"), {sourceDir() + QStringLiteral("/tests/services/reports/check_csv.py"), QStringLiteral("dump"), path});
    QVERIFY(py.waitForFinished(60000));
    QCOMPARE(py.exitCode(), 0);
    const QJsonArray rows = QJsonDocument::fromJson(py.readAllStandardOutput()).object().value(QLatin1String("rows")).toArray();
    QCOMPARE(rows.first().toArray().first().toString(), QStringLiteral("id"));
    QStringList ids;
    for (qsizetype i = 1; i < rows.size(); ++i)
        ids << rows.at(i).toArray().first().toString();
    QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), ids.size()); // no row twice
    ids.sort();
    expected.sort();
    QCOMPARE(ids, expected);
    combo->setCurrentIndex(0);
}

QTEST_MAIN(tst_CustomersPage)
#include "tst_customerspage.moc"
