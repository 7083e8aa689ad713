#include "services/storage/asynclocalcache.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Billing;

namespace {

Customer customer(const QString &id, const QString &name)
{
    Customer c;
    c.id = id;
    c.name = name;
    return c;
}

} // namespace

class tst_AsyncLocalCache final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_serial = 0;

    QString newPath() { return m_dir.filePath(QStringLiteral("async-%1.sqlite").arg(++m_serial)); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void openAndResultsArriveOnTheCallersThread()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-1"));
        QObject context;
        bool opened = false;
        bool openedOnMainThread = false;
        cache.open(newPath(), &context, [&](Result<LocalCache::OpenReport> report) {
            opened = report.ok() && report->created;
            openedOnMainThread = QThread::currentThread() == QCoreApplication::instance()->thread();
        });
        QTRY_VERIFY(opened);
        QVERIFY(openedOnMainThread);

        // A writer goes through thread(); readers see its rows.
        const Status written = cache.thread().runBlocking([](LocalCache &c) {
            return c.upsertCustomers({customer(QStringLiteral("cus_1"), QStringLiteral("Acme")),
                                      customer(QStringLiteral("cus_2"), QStringLiteral("Beta"))});
        });
        QVERIFY(written.ok());

        QList<Customer> rows;
        Qt::HANDLE workerThread = nullptr;
        bool onMainThread = false;
        cache.thread().run([&workerThread](LocalCache &) { workerThread = QThread::currentThreadId(); });
        CustomerQuery q;
        q.search = QStringLiteral("acm");
        cache.customers(q, &context, [&](Result<QList<Customer>> result) {
            QVERIFY(result.ok());
            rows = *result;
            onMainThread = QThread::currentThread() == QCoreApplication::instance()->thread();
        });
        QTRY_COMPARE(rows.size(), 1);
        QCOMPARE(rows.first().id, QStringLiteral("cus_1"));
        QVERIFY(onMainThread);
        QVERIFY(workerThread != nullptr);
        QVERIFY(workerThread != QThread::currentThreadId()); // SQL ran on the worker

        std::optional<CacheCounts> counts;
        cache.counts(&context, [&](Result<CacheCounts> result) { counts = result.valueOr({}); });
        QTRY_VERIFY(counts.has_value());
        QCOMPARE(counts->customers, 2);
    }

    void everyReaderCallAnswers()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-2"));
        QVERIFY(cache.openBlocking(newPath()).ok());
        const Status written = cache.thread().runBlocking([](LocalCache &c) {
            Invoice i;
            i.id = QStringLiteral("in_1");
            i.status = QStringLiteral("open");
            i.currency = QStringLiteral("eur");
            i.amountRemainingMinor = 4200;
            InvoiceLine line;
            line.id = QStringLiteral("il_1");
            i.lines = {line};
            PaymentAttempt a;
            a.id = QStringLiteral("inpay_1");
            a.invoiceId = i.id;
            Subscription s;
            s.id = QStringLiteral("sub_1");
            const Status st = c.upsertInvoices({i});
            if (!st.ok())
                return st;
            const Status sa = c.upsertPaymentAttempts({a});
            if (!sa.ok())
                return sa;
            return c.upsertSubscriptions({s});
        });
        QVERIFY(written.ok());

        QObject context;
        int answers = 0;
        cache.subscriptions({}, &context, [&](Result<QList<SubscriptionRow>> r) { answers += r.ok() && r->size() == 1; });
        cache.invoices({}, &context, [&](Result<QList<InvoiceRow>> r) { answers += r.ok() && r->size() == 1; });
        cache.invoiceLines(QStringLiteral("in_1"), &context, [&](Result<QList<InvoiceLine>> r) { answers += r.ok() && r->size() == 1; });
        cache.paymentAttempts(QStringLiteral("in_1"), &context, [&](Result<QList<PaymentAttempt>> r) { answers += r.ok() && r->size() == 1; });
        cache.remainingTotals({}, &context, [&](Result<QList<QPair<QString, qint64>>> r) {
            answers += r.ok() && r->size() == 1 && r->first().second == 4200;
        });
        QTRY_COMPARE(answers, 5);
    }

    void handlerOfADeletedContextIsNeverCalled()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-3"));
        QVERIFY(cache.openBlocking(newPath()).ok());
        bool calledAfterDelete = false;
        auto *doomed = new QObject;
        // Make the worker busy so the first request is still queued when its context dies.
        cache.thread().run([](LocalCache &) { QThread::msleep(100); });
        cache.customers({}, doomed, [&](Result<QList<Customer>>) { calledAfterDelete = true; });
        delete doomed;
        // Jobs run in order: when this later request has answered, the first one has finished.
        QObject alive;
        bool done = false;
        cache.counts(&alive, [&](Result<CacheCounts>) { done = true; });
        QTRY_VERIFY(done);
        QCoreApplication::processEvents();
        QVERIFY(!calledAfterDelete);
    }

    void errorsArriveAsResults()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-4")); // never opened
        QObject context;
        std::optional<Error> error;
        cache.invoices({}, &context, [&](Result<QList<InvoiceRow>> r) {
            if (!r.ok())
                error = r.error();
        });
        QTRY_VERIFY(error.has_value());
        QCOMPARE(error->kind, Error::Kind::Database);
    }

    void notifyChangedEmitsOnTheReceiversThread()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-5"));
        QVERIFY(cache.openBlocking(newPath()).ok());
        QSignalSpy spy(&cache, &CacheReader::changed);
        // As sync does it: write on the worker, then announce from there.
        cache.thread().run([&cache](LocalCache &c) {
            if (c.upsertCustomers({customer(QStringLiteral("cus_9"), QStringLiteral("Nine"))}).ok())
                cache.notifyChanged(QStringLiteral("customer"), {QStringLiteral("cus_9")});
        });
        QTRY_COMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("customer"));
        QCOMPARE(spy.at(0).at(1).toStringList(), QStringList{QStringLiteral("cus_9")});
    }

    // The readers that are not part of CacheReader answer on the caller's thread too.
    void paymentMethodsCouponsAndPromotionCodesAnswer()
    {
        AsyncLocalCache cache(QStringLiteral("tst-async-new"));
        QVERIFY(cache.openBlocking(newPath()).ok());
        const Status written = cache.thread().runBlocking([](LocalCache &c) -> Status {
            PaymentMethod pm;
            pm.id = QStringLiteral("pm_1");
            pm.customerId = QStringLiteral("cus_1");
            pm.type = QStringLiteral("card");
            pm.expMonth = 4;
            pm.expYear = 2026;
            Coupon coupon;
            coupon.id = QStringLiteral("co_1");
            coupon.percentOff = QStringLiteral("10");
            PromotionCode code;
            code.id = QStringLiteral("promo_1");
            code.code = QStringLiteral("WELCOME");
            code.couponId = coupon.id;
            if (Status s = c.upsertPaymentMethods({pm}); !s.ok())
                return s;
            if (Status s = c.upsertCoupons({coupon}); !s.ok())
                return s;
            return c.upsertPromotionCodes({code});
        });
        QVERIFY(written.ok());

        QObject context;
        const QThread *mainThread = QCoreApplication::instance()->thread();
        int onMain = 0;
        QStringList got;
        cache.paymentMethods(QStringLiteral("cus_1"), &context, [&](Result<QList<PaymentMethod>> r) {
            onMain += QThread::currentThread() == mainThread;
            for (const PaymentMethod &p : r.valueOr({}))
                got << p.id;
        });
        cache.expiringCards(QDate(2026, 4, 1), QDate(2026, 4, 30), &context, [&](Result<QList<PaymentMethod>> r) {
            onMain += QThread::currentThread() == mainThread;
            for (const PaymentMethod &p : r.valueOr({}))
                got << QStringLiteral("expiring:") + p.id;
        });
        cache.coupons(&context, [&](Result<QList<Coupon>> r) {
            onMain += QThread::currentThread() == mainThread;
            for (const Coupon &c : r.valueOr({}))
                got << c.id + QLatin1Char(':') + c.percentOff;
        });
        cache.promotionCodes(QStringLiteral("co_1"), &context, [&](Result<QList<PromotionCode>> r) {
            onMain += QThread::currentThread() == mainThread;
            for (const PromotionCode &p : r.valueOr({}))
                got << p.code;
        });
        QTRY_COMPARE(onMain, 4);
        QCOMPARE(got, (QStringList{QStringLiteral("pm_1"), QStringLiteral("expiring:pm_1"), QStringLiteral("co_1:10"),
                                   QStringLiteral("WELCOME")}));
    }
};

QTEST_GUILESS_MAIN(tst_AsyncLocalCache)
#include "tst_asynclocalcache.moc"
