// OutboxTableModel over a real outbox file and the Stripe sandbox: pending, failed and succeeded
// entries, counts for the sidebar badge, reload on the service's change signals.
#include "models/outboxtablemodel.h"
#include "services/outbox/outboxservice.h"
#include "services/stripe/stripeclient.h"
#include "tests/testsupport.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Billing;

class tst_OutboxTableModel : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    static std::unique_ptr<StripeClient> client(const QString &url)
    {
        StripeConfig c;
        c.baseUrl = QUrl(url);
        c.apiKey = Test::sandboxKey();
        c.maxRetries = 0;
        c.timeoutMs = 5000;
        return std::make_unique<StripeClient>(c);
    }
    static OutboxOperation customerUpdate(const QString &customer, const QString &value)
    {
        OutboxOperation op;
        op.operation = QStringLiteral("customer.update");
        op.method = QStringLiteral("POST");
        op.path = QStringLiteral("/v1/customers/") + customer;
        op.params.insert(QStringLiteral("metadata"), QJsonObject{{QStringLiteral("outbox_model_test"), value}});
        op.actor = QStringLiteral("support@demo.example");
        return op;
    }
    static QString firstCustomer(StripeClient &stripe)
    {
        std::optional<Result<QJsonObject>> page;
        QObject context;
        stripe.get(QStringLiteral("/v1/customers"), FormValue::object({{QStringLiteral("limit"), FormValue(1)}}), &context,
                   [&](Result<QJsonObject> r) { page.emplace(std::move(r)); });
        if (!QTest::qWaitFor([&] { return page.has_value(); }, 10000) || !page->ok())
            return {};
        return page->value().value(QLatin1String("data")).toArray().at(0).toObject().value(QLatin1String("id")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!Test::sandboxUrl().isEmpty(), "run through ctest: the sandbox fixture sets BC_SANDBOX_URL");
    }

    void listsWhatNeedsAnEyeAndCountsIt()
    {
        auto stripe = client(Test::sandboxUrl());
        const QString customer = firstCustomer(*stripe);
        QVERIFY(!customer.isEmpty());
        OutboxService outbox(m_dir.filePath(QStringLiteral("outbox.sqlite")), stripe.get());
        QVERIFY(outbox.openBlocking().ok());

        // one that Stripe refuses (no such payment intent), one that succeeds, two still pending
        OutboxOperation bad;
        bad.operation = QStringLiteral("refund.create");
        bad.method = QStringLiteral("POST");
        bad.path = QStringLiteral("/v1/refunds");
        bad.params.insert(QStringLiteral("payment_intent"), QStringLiteral("pi_doesnotexist000"));
        bad.actor = QStringLiteral("finance@demo.example");
        auto failed = outbox.enqueueBlocking(bad);
        QVERIFY(failed.ok());
        QVERIFY(outbox.drainBlocking(failed->id).ok());
        auto good = outbox.enqueueBlocking(customerUpdate(customer, QStringLiteral("1")));
        QVERIFY(good.ok());
        QVERIFY(outbox.drainBlocking(good->id).ok());
        QVERIFY(outbox.enqueueBlocking(customerUpdate(customer, QStringLiteral("2"))).ok());
        QVERIFY(outbox.enqueueBlocking(customerUpdate(customer, QStringLiteral("3"))).ok());
        QCOMPARE(outbox.entryBlocking(failed->id)->state, OutboxState::Failed);
        QCOMPARE(outbox.entryBlocking(good->id)->state, OutboxState::Succeeded);

        OutboxTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy counts(&model, &OutboxTableModel::countsChanged);
        model.setService(&outbox);
        model.reload();
        QTRY_VERIFY(model.hasLoadedOnce());
        QTRY_COMPARE(counts.size(), 1);
        QCOMPARE(counts.last().at(0).toInt(), 2); // pending
        QCOMPARE(counts.last().at(1).toInt(), 1); // failed
        QCOMPARE(model.rowCount(), 3);            // succeeded hidden
        QVERIFY(model.rowOfId(good->id) < 0);
        // newest first
        QVERIFY(model.rowAt(0).id > model.rowAt(1).id);
        const int failedRow = model.rowOfId(failed->id);
        QVERIFY(failedRow >= 0);
        QCOMPARE(model.index(failedRow, OutboxTableModel::State).data().toString(), QStringLiteral("Failed"));
        QCOMPARE(model.index(failedRow, OutboxTableModel::Target).data().toString(), QStringLiteral("pi_doesnotexist000"));
        QVERIFY2(!model.index(failedRow, OutboxTableModel::Error).data().toString().isEmpty(), "Stripe's error is shown");
        QCOMPARE(model.index(0, OutboxTableModel::Target).data().toString(), customer);
        QCOMPARE(model.index(0, OutboxTableModel::State).data().toString(), QStringLiteral("Pending"));

        model.setIncludeSucceeded(true);
        QTRY_COMPARE(model.rowCount(), 4);
        QVERIFY(model.rowOfId(good->id) >= 0);
        model.setIncludeSucceeded(false);
        QTRY_COMPARE(model.rowCount(), 3);

        // sending the pending ones: the service's signals make the model read again
        QSignalSpy reloaded(&model, &OutboxTableModel::reloaded);
        outbox.start();
        QTRY_VERIFY_WITH_TIMEOUT(model.rowCount() == 1 && model.openCount() == 0, 15000);
        QVERIFY(reloaded.size() > 0);
        QCOMPARE(model.rowAt(0).id, failed->id);
        QCOMPARE(model.problemCount(), 1);
        outbox.stop();
    }

    void targetOfAnEntry_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("expected");
        QTest::newRow("object in the path") << QStringLiteral("/v1/subscriptions/sub_123") << QString() << QStringLiteral("sub_123");
        QTest::newRow("action on an object") << QStringLiteral("/v1/invoices/in_9/void") << QString() << QStringLiteral("in_9");
        QTest::newRow("create with a parent") << QStringLiteral("/v1/refunds") << QStringLiteral("pi_42") << QStringLiteral("pi_42");
        QTest::newRow("nothing better") << QStringLiteral("/v1/coupons") << QString() << QStringLiteral("/v1/coupons");
    }

    void targetOfAnEntry()
    {
        QFETCH(QString, path);
        QFETCH(QString, param);
        QFETCH(QString, expected);
        OutboxEntry e;
        e.path = path;
        if (!param.isEmpty())
            e.params.insert(QStringLiteral("payment_intent"), param);
        QCOMPARE(OutboxTableModel::targetOf(e), expected);
    }

    void unopenedServiceShowsAnError()
    {
        auto stripe = client(QStringLiteral("http://127.0.0.1:9"));
        OutboxService outbox(m_dir.filePath(QStringLiteral("never-opened.sqlite")), stripe.get());
        OutboxTableModel model(&outbox);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy failed(&model, &OutboxTableModel::loadFailed);
        model.reload();
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(!model.lastError().isEmpty());
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_OutboxTableModel)
#include "tst_outboxtablemodel.moc"
