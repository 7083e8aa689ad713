// AuditTableModel over a real billing database (a SQLite file): newest first, keyset pages,
// filters done in SQL, CSV export of every matching row.
#include "models/audittablemodel.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Billing;

class tst_AuditTableModel : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<AsyncBillingDatabase> m_db;
    QDateTime m_base;
    QList<qint64> m_ids; // in insertion order

    bool waitIdle(AuditTableModel &model)
    {
        return QTest::qWaitFor([&] { return model.hasLoadedOnce() && !model.isLoading(); }, 5000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = std::make_unique<AsyncBillingDatabase>(BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing.db"))));
        QVERIFY(m_db->openBlocking().ok());
        // 45 rows over 45 days: three actors, two operations, targets of two types.
        m_base = QDateTime(QDate(2025, 3, 1), QTime(9, 0), Qt::UTC);
        const QStringList actors{QStringLiteral("admin@demo.example"), QStringLiteral("support@demo.example"),
                                 QStringLiteral("finance@demo.example")};
        for (int i = 0; i < 45; ++i) {
            AuditEntry e;
            e.at = m_base.addDays(i);
            e.actor = actors.at(i % 3);
            e.operation = i % 2 ? QStringLiteral("refund.create") : QStringLiteral("subscription.update");
            e.targetType = i % 2 ? QStringLiteral("payment_intent") : QStringLiteral("subscription");
            e.targetId = QStringLiteral("%1_%2").arg(i % 2 ? QStringLiteral("pi") : QStringLiteral("sub")).arg(i);
            e.paramsJson = QStringLiteral("{\"amount\":%1,\"note\":\"a, \\\"quoted\\\" note\"}").arg(100 + i);
            e.beforeSummary = QStringLiteral("before %1").arg(i);
            e.afterSummary = QStringLiteral("after %1").arg(i);
            e.idempotencyKey = QStringLiteral("key-%1").arg(i);
            e.result = i % 5 == 0 ? QStringLiteral("refused: A support agent cannot do that.") : QStringLiteral("ok");
            auto id = m_db->thread().runBlocking([e](BillingDatabase &db) { return db.appendAudit(e); });
            QVERIFY(id.ok());
            m_ids << *id;
        }
    }

    void pagesNewestFirstUnderTheTester()
    {
        AuditTableModel model(m_db.get());
        model.setPageSize(10);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.reload();
        QVERIFY(waitIdle(model));
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.rowAt(0).id, m_ids.last());
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        model.fetchMore({}); // a repeat while the page is on its way is ignored
        QVERIFY(QTest::qWaitFor([&] { return !model.isLoading(); }, 5000));
        QCOMPARE(model.rowCount(), 20);
        while (model.canFetchMore({})) {
            model.fetchMore({});
            QVERIFY(QTest::qWaitFor([&] { return !model.isLoading(); }, 5000));
        }
        QCOMPARE(model.rowCount(), 45);
        for (int r = 1; r < model.rowCount(); ++r)
            QVERIFY(model.rowAt(r - 1).id > model.rowAt(r).id);
        // read-only: no editable flags
        QVERIFY(!(model.flags(model.index(0, 0)) & Qt::ItemIsEditable));
        QCOMPARE(model.index(0, AuditTableModel::IdempotencyKey).data().toString(), QStringLiteral("key-44"));
    }

    void filters_data()
    {
        QTest::addColumn<QString>("actor");
        QTest::addColumn<QString>("operation");
        QTest::addColumn<QString>("targetType");
        QTest::addColumn<QString>("targetId");
        QTest::addColumn<int>("fromDay");
        QTest::addColumn<int>("toDay");
        QTest::addColumn<int>("expected");
        QTest::newRow("none") << QString() << QString() << QString() << QString() << -1 << -1 << 45;
        QTest::newRow("actor") << QStringLiteral("support@demo.example") << QString() << QString() << QString() << -1 << -1 << 15;
        QTest::newRow("operation") << QString() << QStringLiteral("refund.create") << QString() << QString() << -1 << -1 << 22;
        QTest::newRow("target type") << QString() << QString() << QStringLiteral("subscription") << QString() << -1 << -1 << 23;
        QTest::newRow("target id") << QString() << QString() << QStringLiteral("payment_intent") << QStringLiteral("pi_7") << -1 << -1 << 1;
        QTest::newRow("range") << QString() << QString() << QString() << QString() << 10 << 20 << 10;
        QTest::newRow("from only") << QString() << QString() << QString() << QString() << 40 << -1 << 5;
        QTest::newRow("actor and operation") << QStringLiteral("admin@demo.example") << QStringLiteral("refund.create")
                                             << QString() << QString() << -1 << -1 << 7;
        QTest::newRow("nothing") << QStringLiteral("nobody@demo.example") << QString() << QString() << QString() << -1 << -1 << 0;
    }

    void filters()
    {
        QFETCH(QString, actor);
        QFETCH(QString, operation);
        QFETCH(QString, targetType);
        QFETCH(QString, targetId);
        QFETCH(int, fromDay);
        QFETCH(int, toDay);
        QFETCH(int, expected);
        AuditTableModel model(m_db.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        AuditQuery q;
        q.actor = actor;
        q.operation = operation;
        q.targetType = targetType;
        q.targetId = targetId;
        if (fromDay >= 0)
            q.from = m_base.addDays(fromDay);
        if (toDay >= 0)
            q.to = m_base.addDays(toDay);
        model.setFilter(q);
        QVERIFY(waitIdle(model));
        QCOMPARE(model.rowCount(), expected);
        for (int r = 0; r < model.rowCount(); ++r) {
            const AuditEntry &e = model.rowAt(r);
            if (!actor.isEmpty())
                QCOMPARE(e.actor, actor);
            if (!operation.isEmpty())
                QCOMPARE(e.operation, operation);
            if (!targetType.isEmpty())
                QCOMPARE(e.targetType, targetType);
            if (fromDay >= 0)
                QVERIFY(e.at >= m_base.addDays(fromDay));
            if (toDay >= 0)
                QVERIFY(e.at < m_base.addDays(toDay));
        }
    }

    void resultChips_data()
    {
        QTest::addColumn<QString>("result");
        QTest::addColumn<QString>("kind");
        QTest::newRow("ok") << QStringLiteral("ok") << QStringLiteral("ok");
        QTest::newRow("refused") << QStringLiteral("refused: A read-only profile cannot change anything.") << QStringLiteral("refused");
        QTest::newRow("error") << QStringLiteral("error: Your card was declined.") << QStringLiteral("error");
        QTest::newRow("requested") << QStringLiteral("requested") << QStringLiteral("pending");
        QTest::newRow("needs attention") << QStringLiteral("needs_attention: idempotency key reused") << QStringLiteral("needs_attention");
    }

    void resultChips()
    {
        QFETCH(QString, result);
        QFETCH(QString, kind);
        QCOMPARE(AuditTableModel::resultKind(result), kind);
    }

    void exportsEveryMatchingRowAsCsv()
    {
        AuditTableModel model(m_db.get());
        model.setPageSize(5); // fewer loaded than exported
        AuditQuery q;
        q.operation = QStringLiteral("refund.create");
        model.setFilter(q);
        QVERIFY(waitIdle(model));
        QCOMPARE(model.rowCount(), 5);
        const QString file = m_dir.filePath(QStringLiteral("audit.csv"));
        std::optional<Result<int>> done;
        model.exportCsv(file, this, [&](Result<int> rows) { done.emplace(std::move(rows)); });
        QTRY_VERIFY(done.has_value());
        QVERIFY(done->ok());
        QCOMPARE(**done, 22);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines.first().trimmed(), AuditTableModel::csvHeader().toUtf8());
        QCOMPARE(lines.size(), 1 + 22 + 1); // header, rows, the empty piece after the last CRLF
        // the params JSON holds a comma and quotes: one quoted field with doubled quotes
        QVERIFY2(lines.at(1).contains("\"{\"\"amount\"\":143,\"\"note\"\":\"\"a, \\\"\"quoted\\\"\" note\"\"}\""),
                 lines.at(1).constData());
        QVERIFY(lines.at(1).contains(",key-43,"));
    }

    void unwritableExportFailsWithAMessage()
    {
        AuditTableModel model(m_db.get());
        std::optional<Result<int>> done;
        model.exportCsv(m_dir.filePath(QStringLiteral("no/such/folder/audit.csv")), this,
                        [&](Result<int> rows) { done.emplace(std::move(rows)); });
        QTRY_VERIFY(done.has_value());
        QVERIFY(!done->ok());
        QVERIFY(done->error().userMessage.contains(QStringLiteral("Cannot write")));
    }

    void withoutADatabaseNothingIsFetched()
    {
        AuditTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(!model.canFetchMore({}));
        model.reload();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.isLoading());
    }
};

QTEST_GUILESS_MAIN(tst_AuditTableModel)
#include "tst_audittablemodel.moc"
