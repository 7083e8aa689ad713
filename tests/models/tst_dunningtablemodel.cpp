#include "models/dunningtablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_DunningTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        m_cache = std::make_unique<FakeCacheReader>();
        fillDemoData(*m_cache, nullptr, m_now);
    }

    void listsOnlyFailedPaymentsWithTheirDecline()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(4);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(fetchAll(model));
        int expected = 0;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows))
            expected += r.invoice.status == QLatin1String("open") && r.invoice.attempted && r.invoice.amountRemainingMinor > 0;
        QVERIFY(expected > 4);
        QCOMPARE(model.rowCount(), expected);
        for (int r = 0; r < model.rowCount(); ++r) {
            QVERIFY(!model.index(r, DunningTableModel::DeclineCode).data().toString().isEmpty());
            QVERIFY(!model.index(r, DunningTableModel::Meaning).data().toString().isEmpty());
            QVERIFY(model.index(r, DunningTableModel::Attempts).data(PagedTableModel::RawRole).toInt() >= 1);
        }
    }

    void declineCodesHavePlainMeanings_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("meaningWord");
        QTest::newRow("insufficient_funds") << QStringLiteral("insufficient_funds") << QStringLiteral("money");
        QTest::newRow("expired_card") << QStringLiteral("expired_card") << QStringLiteral("expired");
        QTest::newRow("unknown code made readable") << QStringLiteral("some_new_code") << QStringLiteral("Some new code");
    }

    void declineCodesHavePlainMeanings()
    {
        QFETCH(QString, code);
        QFETCH(QString, meaningWord);
        InvoiceRow row;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows)) {
            if (r.invoice.status == QLatin1String("open") && r.invoice.attempted)
                row = r;
        }
        row.declineCode = code;
        m_cache->invoiceRows = {row};
        DunningTableModel model(m_cache.get());
        QVERIFY(reloadAndWait(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, DunningTableModel::DeclineCode).data().toString(), code);
        QVERIFY(model.index(0, DunningTableModel::Meaning).data().toString().contains(meaningWord));
    }

    void daysOverdueSortsOldestFirst()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(3);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.sortColumn(), int(DunningTableModel::DaysOverdue));
        QVERIFY(fetchAll(model));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, DunningTableModel::DaysOverdue).data(PagedTableModel::RawRole).toInt()
                    >= model.index(r, DunningTableModel::DaysOverdue).data(PagedTableModel::RawRole).toInt());
        // Amounts sort within their currency (currencies in code order): 2,500 yen is not more than 19 dollars.
        model.sort(DunningTableModel::AmountRemaining, Qt::DescendingOrder);
        QVERIFY(fetchAll(model));
        QStringList currencies;
        for (int r = 0; r < model.rowCount(); ++r) {
            const QString currency = model.index(r, DunningTableModel::AmountRemaining).data(PagedTableModel::CurrencyRole).toString();
            if (currencies.isEmpty() || currencies.last() != currency) {
                QVERIFY2(!currencies.contains(currency), qPrintable(currency)); // one block per currency
                currencies << currency;
            } else {
                QVERIFY(model.index(r - 1, DunningTableModel::AmountRemaining).data(PagedTableModel::RawRole).toLongLong()
                        >= model.index(r, DunningTableModel::AmountRemaining).data(PagedTableModel::RawRole).toLongLong());
            }
        }
        QVERIFY(currencies.size() > 1);
        QStringList sorted = currencies;
        sorted.sort();
        QCOMPARE(currencies, sorted);
    }

    void paidInvoiceLeavesTheQueueOnChange()
    {
        DunningTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(fetchAll(model));
        const int before = model.rowCount();
        const QString id = model.rowId(0);
        for (InvoiceRow &r : m_cache->invoiceRows) {
            if (r.invoice.id == id) {
                r.invoice.status = QStringLiteral("paid");
                r.invoice.amountRemainingMinor = 0;
            }
        }
        QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
        m_cache->notifyChanged(QStringLiteral("invoice"));
        QVERIFY(reloaded.wait());
        QCOMPARE(model.rowCount(), before - 1);
        QCOMPARE(model.rowOfId(id), -1);
    }

    // Stage, owner and last contact come from the billing database (overlay); the model sorts and
    // filters by them on the loaded rows.
    void overlayColumnsSortAndFilter()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(fetchAll(model));
        const int all = model.rowCount();
        QVERIFY(all >= 3);
        const QString a = model.rowId(0), b = model.rowId(1);
        QHash<QString, DunningOverlay> overlay;
        overlay[a] = DunningOverlay{QStringLiteral("escalated"), QStringLiteral("zed@example.com"), m_now.addDays(-1), QStringLiteral("call")};
        overlay[b] = DunningOverlay{QStringLiteral("reminded"), QStringLiteral("amy@example.com"), {}, {}};
        model.setOverlay(overlay);
        QCOMPARE(model.index(model.rowOfId(a), DunningTableModel::Stage).data().toString(), QStringLiteral("Escalated"));
        QCOMPARE(model.index(model.rowOfId(a), DunningTableModel::Owner).data().toString(), QStringLiteral("zed@example.com"));
        QCOMPARE(model.index(model.rowOfId(b), DunningTableModel::LastContact).data().toString(), QStringLiteral("Never"));
        QCOMPARE(model.index(model.rowOfId(a), DunningTableModel::LastContact).data(PagedTableModel::RawRole).toLongLong(),
                 m_now.addDays(-1).toSecsSinceEpoch());

        model.sort(DunningTableModel::Owner, Qt::DescendingOrder);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowId(0), a); // zed > amy > unassigned
        QCOMPARE(model.rowId(1), b);

        model.setOwnerFilter(QStringLiteral("amy@example.com"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowId(0), b);
        model.setOwnerFilter(QStringLiteral("-"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), all - 2);
        model.setOwnerFilter({});
        model.setStageFilter(QStringLiteral("escalated"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowId(0), a);
        model.setStageFilter(QStringLiteral("new"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), all - 2);
    }

    // Every row shows the policy's next attempt and why; a hard decline gets none, with the reason.
    void nextAttemptCarriesAReason_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("retries");
        QTest::addColumn<QString>("reasonWord");
        QTest::newRow("insufficient_funds: pay day") << QStringLiteral("insufficient_funds") << true << QStringLiteral("pay day");
        QTest::newRow("stolen_card: never") << QStringLiteral("stolen_card") << false << QStringLiteral("never retried");
        QTest::newRow("expired_card: new card") << QStringLiteral("expired_card") << false << QStringLiteral("new payment method");
    }
    void nextAttemptCarriesAReason()
    {
        QFETCH(QString, code);
        QFETCH(bool, retries);
        QFETCH(QString, reasonWord);
        InvoiceRow row;
        for (const InvoiceRow &r : std::as_const(m_cache->invoiceRows)) {
            if (r.invoice.status == QLatin1String("open") && r.invoice.attempted)
                row = r;
        }
        row.declineCode = code;
        row.invoice.attemptCount = 1;
        const QDateTime now(QDate(2025, 6, 10), QTime(12, 0), Qt::UTC); // the next pay day is Sun 15 Jun
        row.firstFailureAt = now.addDays(-1);
        row.lastFailureAt = row.firstFailureAt;
        m_cache->invoiceRows = {row};
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(now);
        QVERIFY(reloadAndWait(model));
        const QString reason = model.index(0, DunningTableModel::NextReason).data().toString();
        QVERIFY2(reason.contains(reasonWord, Qt::CaseInsensitive), qPrintable(reason));
        QCOMPARE(model.index(0, DunningTableModel::NextAttempt).data().toString() != QLatin1String("No retry"), retries);
        QCOMPARE(model.nextStep(model.rowAt(0)).retry, retries);
        if (retries) // 06:00 UTC on the 15th (the cache has no customer time zone: UTC)
            QCOMPARE(model.nextStep(model.rowAt(0)).at, QDateTime(QDate(2025, 6, 15), QTime(6, 0), Qt::UTC));
    }

    void declineClassFilter()
    {
        DunningTableModel model(m_cache.get());
        QVERIFY(fetchAll(model));
        const int all = model.rowCount();
        int soft = 0;
        for (int r = 0; r < all; ++r)
            soft += DeclineCodes::lookup(DunningTableModel::declineCodeOf(model.rowAt(r))).cls == DeclineClass::Soft ? 1 : 0;
        model.setDeclineClassFilter(DeclineClass::Soft);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), soft);
        model.setDeclineClassFilter(std::nullopt);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), all);
    }

    // The model reads the whole queue (chunks of pageSize), so the stage filter and the sort by
    // the policy's next attempt see every failed invoice, not only a first page; totals follow.
    void localFiltersAndSortSeeTheWholeQueue()
    {
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(2);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(reloadAndWait(model));
        const int all = model.rowCount();
        QVERIFY(all > 4);
        QCOMPARE(model.queueSize(), all);
        QVERIFY(!model.canFetchMore({}));

        model.sort(DunningTableModel::NextAttempt, Qt::AscendingOrder);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), all);
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, DunningTableModel::NextAttempt).data(PagedTableModel::RawRole).toLongLong()
                    <= model.index(r, DunningTableModel::NextAttempt).data(PagedTableModel::RawRole).toLongLong());

        const QString last = model.rowId(all - 1);
        model.setOverlay({{last, DunningOverlay{QStringLiteral("escalated"), QStringLiteral("amy@example.com"), {}, {}}}});
        model.setStageFilter(QStringLiteral("escalated"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.rowId(0), last);
        QCOMPARE(model.queueSize(), all);
        QCOMPARE(model.owners(), QStringList{QStringLiteral("amy@example.com")});
        const InvoiceRow &shown = model.rowAt(0);
        const QList<QPair<QString, qint64>> totals{{shown.invoice.currency.toUpper(), shown.invoice.amountRemainingMinor}};
        QCOMPARE(model.remainingTotals(), totals);

        // A zone for a customer changes that customer's next attempt; the rows follow without a new read.
        model.setStageFilter({});
        QVERIFY(waitLoaded(model));
        const int reads = model.queueGeneration();
        const QString customer = model.rowAt(0).invoice.customerId;
        model.setCustomerZones({{customer, CustomerTimeZones::resolve(QStringLiteral("Pacific/Auckland"), {})}});
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.queueGeneration(), reads);
        QCOMPARE(model.zoneFor(customer).id(), QByteArray("Pacific/Auckland"));
        QCOMPARE(model.rowCount(), all);
    }

    // Each of the other filters keeps exactly the rows its rule names, over the whole queue.
    void filtersKeepWhatTheyName_data()
    {
        QTest::addColumn<int>("age");
        QTest::addColumn<int>("retry");
        QTest::addColumn<bool>("byCode");
        QTest::addColumn<bool>("someButNotAll"); // the demo queue has rows on both sides of this filter
        const int anyAge = DunningTableModel::AnyAge, anyRetry = DunningTableModel::AnyRetry;
        QTest::newRow("under a week") << int(DunningTableModel::UnderAWeek) << anyRetry << false << true;
        QTest::newRow("8-30 days") << int(DunningTableModel::OneToFourWeeks) << anyRetry << false << false;
        QTest::newRow("over two months") << int(DunningTableModel::OverTwoMonths) << anyRetry << false << false;
        QTest::newRow("retry within a day") << anyAge << int(DunningTableModel::RetryWithinADay) << false << false;
        QTest::newRow("retry planned") << anyAge << int(DunningTableModel::RetryPlanned) << false << true;
        QTest::newRow("no retry planned") << anyAge << int(DunningTableModel::NoRetryPlanned) << false << true;
        QTest::newRow("one decline code") << anyAge << anyRetry << true << true;
    }
    void filtersKeepWhatTheyName()
    {
        QFETCH(int, age);
        QFETCH(int, retry);
        QFETCH(bool, byCode);
        QFETCH(bool, someButNotAll);
        DunningTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        model.setPageSize(3);
        QVERIFY(reloadAndWait(model));
        const QList<InvoiceRow> all = model.rows();
        const QString code = model.declineCodes().value(0);
        QVERIFY(!code.isEmpty());
        auto keeps = [&](const InvoiceRow &r) {
            const int days = model.daysOverdue(r.invoice);
            const RetryStep step = model.nextStep(r);
            switch (DunningTableModel::AgeFilter(age)) {
            case DunningTableModel::AnyAge: break;
            case DunningTableModel::UnderAWeek: if (days >= 8) return false; break;
            case DunningTableModel::OneToFourWeeks: if (days < 8 || days > 30) return false; break;
            case DunningTableModel::OneToTwoMonths: if (days <= 30 || days > 60) return false; break;
            case DunningTableModel::OverTwoMonths: if (days <= 60) return false; break;
            }
            switch (DunningTableModel::RetryFilter(retry)) {
            case DunningTableModel::AnyRetry: break;
            case DunningTableModel::RetryWithinADay: if (!step.retry || step.at > m_now.addDays(1)) return false; break;
            case DunningTableModel::RetryPlanned: if (!step.retry) return false; break;
            case DunningTableModel::NoRetryPlanned: if (step.retry) return false; break;
            }
            return !byCode || DunningTableModel::declineCodeOf(r) == code;
        };
        QStringList expected;
        for (const InvoiceRow &r : all)
            if (keeps(r))
                expected << r.invoice.id;
        model.setAgeFilter(DunningTableModel::AgeFilter(age));
        model.setRetryFilter(DunningTableModel::RetryFilter(retry));
        if (byCode)
            model.setDeclineCodeFilter(code);
        QVERIFY(waitLoaded(model));
        QStringList shown;
        for (int r = 0; r < model.rowCount(); ++r)
            shown << model.rowId(r);
        expected.sort();
        shown.sort();
        QCOMPARE(shown, expected);
        if (someButNotAll)
            QVERIFY2(!shown.isEmpty() && shown.size() < all.size(), qPrintable(QString::number(shown.size())));
        QCOMPARE(model.queueSize(), int(all.size()));
    }

private:
    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_DunningTableModel)
#include "tst_dunningtablemodel.moc"
