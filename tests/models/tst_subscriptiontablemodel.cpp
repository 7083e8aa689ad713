#include "models/subscriptiontablemodel.h"
#include "tests/models/demodata.h"
#include "tests/models/fakecachereader.h"
#include "tests/models/modeltestsupport.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_SubscriptionTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = QDateTime(QDate(2025, 6, 15), QTime(12, 0), Qt::UTC);
        m_cache = std::make_unique<FakeCacheReader>();
        fillDemoData(*m_cache, nullptr, m_now);
    }

    void loadsSortsAndPages()
    {
        SubscriptionTableModel model(m_cache.get());
        model.setPageSize(8);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 8);
        model.sort(SubscriptionTableModel::Amount, Qt::AscendingOrder);
        QVERIFY(fetchAll(model));
        QCOMPARE(model.rowCount(), int(m_cache->subscriptionRows.size()));
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.index(r - 1, SubscriptionTableModel::Amount).data(PagedTableModel::RawRole).toLongLong()
                    <= model.index(r, SubscriptionTableModel::Amount).data(PagedTableModel::RawRole).toLongLong());
    }

    void amountShowsTheInterval()
    {
        SubscriptionTableModel model(m_cache.get());
        model.setLocale(QLocale(QLocale::English, QLocale::UnitedStates));
        model.setSearchText(QStringLiteral("Acme"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.rowCount(), 1);
        const QString shown = model.index(0, SubscriptionTableModel::Amount).data().toString();
        // Acme: Starter in USD, quantity 1: 19.00 per month
        QVERIFY2(shown.contains(QStringLiteral("19.00")) && shown.endsWith(QStringLiteral("/ month")), qPrintable(shown));
        QCOMPARE(model.index(0, SubscriptionTableModel::Amount).data(PagedTableModel::RawRole).toLongLong(), qint64(1900));
    }

    void statusAndTrialFilters()
    {
        SubscriptionTableModel model(m_cache.get());
        model.setReferenceTime(m_now);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        model.setStatuses({QStringLiteral("past_due"), QStringLiteral("canceled")});
        QVERIFY(waitLoaded(model));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r) {
            const QString s = model.index(r, SubscriptionTableModel::Status).data(PagedTableModel::RawRole).toString();
            QVERIFY(s == QLatin1String("past_due") || s == QLatin1String("canceled"));
        }
        model.setStatuses({});
        model.setTrialsEndingWithinDays(7);
        QVERIFY(waitLoaded(model));
        int expected = 0;
        for (const SubscriptionRow &r : std::as_const(m_cache->subscriptionRows))
            expected += r.subscription.status == QLatin1String("trialing") && r.subscription.trialEnd <= m_now.addDays(7);
        QVERIFY(expected > 0);
        QCOMPARE(model.rowCount(), expected);
        for (int r = 0; r < model.rowCount(); ++r) {
            const QDateTime end = model.index(r, SubscriptionTableModel::TrialEnd).data(PagedTableModel::RawRole).toDateTime();
            QVERIFY(end.isValid() && end <= m_now.addDays(7));
        }
    }

    void reloadsOnSubscriptionChanges()
    {
        SubscriptionTableModel model(m_cache.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QVERIFY(waitLoaded(model));
        m_cache->subscriptionRows.removeFirst();
        QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
        m_cache->notifyChanged(QStringLiteral("subscription"));
        QVERIFY(reloaded.wait());
        QCOMPARE(model.rowCount(), int(m_cache->subscriptionRows.size()));
    }

private:
    QDateTime m_now;
    std::unique_ptr<FakeCacheReader> m_cache;
};

QTEST_GUILESS_MAIN(tst_SubscriptionTableModel)
#include "tst_subscriptiontablemodel.moc"
