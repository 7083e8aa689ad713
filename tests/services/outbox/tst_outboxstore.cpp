#include "services/outbox/outboxstore.h"
#include "tests/testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Billing;

class tst_OutboxStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void enqueueCommitsPendingEntryWithUuidKey();
    void sameClientOpIdGivesOneEntry();
    void clientOpIdReusedForOtherOperationIsConflict();
    void entrySurvivesReopen();
    void claimMarksInFlightAndCountsAttempts();
    void staleKeyRule_data();
    void staleKeyRule();
    void settledEntryIsNotDowngraded();
    void damagedFileIsMovedAsideNeverRecreatedSilently_data();
    void damagedFileIsMovedAsideNeverRecreatedSilently();
    void journalIsWriteAheadLog();

private:
    static OutboxOperation refundOp(const QString &clientOpId = {})
    {
        OutboxOperation op;
        op.operation = QStringLiteral("refund.create");
        op.method = QStringLiteral("POST");
        op.path = QStringLiteral("/v1/refunds");
        op.params = QJsonObject{{QStringLiteral("payment_intent"), QStringLiteral("pi_1")},
                                {QStringLiteral("amount"), 150}};
        op.actor = QStringLiteral("test");
        op.clientOpId = clientOpId;
        return op;
    }
};

void tst_OutboxStore::enqueueCommitsPendingEntryWithUuidKey()
{
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<OutboxEntry> e = store.enqueue(refundOp(), now);
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().detail));
    QCOMPARE(e->state, OutboxState::Pending);
    QCOMPARE(e->attempts, 0);
    const QUuid key(e->idempotencyKey);
    QVERIFY(!key.isNull());
    QCOMPARE(key.version(), QUuid::Random);
    QVERIFY(e->idempotencyKey.size() <= 255);
    QCOMPARE(e->params.value(QLatin1String("amount")).toInteger(), 150);

    // Another connection (another process would do the same) sees the committed row at once.
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        other.setDatabaseName(dir.filePath(QStringLiteral("outbox.sqlite")));
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("SELECT idempotency_key, state FROM outbox")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), e->idempotencyKey);
        QCOMPARE(q.value(1).toString(), QStringLiteral("pending"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));

    Result<OutboxEntry> second = store.enqueue(refundOp(), now);
    QVERIFY(second.ok());
    QVERIFY(second->idempotencyKey != e->idempotencyKey);
}

void tst_OutboxStore::sameClientOpIdGivesOneEntry()
{
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    Result<OutboxEntry> first = store.enqueue(refundOp(QStringLiteral("click-1")), QDateTime::currentDateTimeUtc());
    Result<OutboxEntry> again = store.enqueue(refundOp(QStringLiteral("click-1")), QDateTime::currentDateTimeUtc());
    QVERIFY(first.ok() && again.ok());
    QCOMPARE(again->id, first->id);
    QCOMPARE(again->idempotencyKey, first->idempotencyKey);
    Result<QList<OutboxEntry>> all = store.entries(std::nullopt);
    QVERIFY(all.ok());
    QCOMPARE(all->size(), 1);
}

void tst_OutboxStore::clientOpIdReusedForOtherOperationIsConflict()
{
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    QVERIFY(store.enqueue(refundOp(QStringLiteral("op-7")), QDateTime::currentDateTimeUtc()).ok());
    OutboxOperation other = refundOp(QStringLiteral("op-7"));
    other.params.insert(QStringLiteral("amount"), 151);
    Result<OutboxEntry> clash = store.enqueue(other, QDateTime::currentDateTimeUtc());
    QVERIFY(!clash.ok());
    QCOMPARE(clash.error().kind, Error::Kind::Conflict);
    QVERIFY(clash.error().userMessage.contains(QLatin1String("op-7")));
    QCOMPARE(store.entries(std::nullopt)->size(), 1);
}

void tst_OutboxStore::entrySurvivesReopen()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    QString key;
    {
        OutboxStore store;
        QVERIFY(store.open(path).ok());
        key = store.enqueue(refundOp(QStringLiteral("a")), QDateTime::currentDateTimeUtc())->idempotencyKey;
    }
    OutboxStore store;
    QVERIFY(store.open(path).ok());
    Result<std::optional<OutboxEntry>> found = store.entryByClientOpId(QStringLiteral("a"));
    QVERIFY(found.ok() && found->has_value());
    QCOMPARE((*found)->idempotencyKey, key);
    QCOMPARE((*found)->state, OutboxState::Pending);
}

void tst_OutboxStore::claimMarksInFlightAndCountsAttempts()
{
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 a = store.enqueue(refundOp(), now)->id;
    const qint64 b = store.enqueue(refundOp(), now)->id;

    Result<OutboxStore::Claim> c = store.claimNext(now, {});
    QVERIFY(c.ok() && c->entry);
    QCOMPARE(c->entry->id, a);
    QCOMPARE(c->entry->state, OutboxState::InFlight);
    QCOMPARE(c->entry->attempts, 1);

    // A transient failure puts it back with a backoff: not due now, so the next claim is b.
    Error net = Error::make(Error::Kind::Network, QStringLiteral("offline"));
    QVERIFY(store.markPending(a, net, now.addSecs(60), now).ok());
    c = store.claimNext(now, {});
    QVERIFY(c.ok() && c->entry);
    QCOMPARE(c->entry->id, b);
    // Ignoring backoff (a drain): a comes again, attempt 2, same key.
    OutboxStore::ClaimFilter drain;
    drain.ignoreBackoff = true;
    c = store.claimNext(now, drain);
    QVERIFY(c.ok() && c->entry);
    QCOMPARE(c->entry->id, a);
    QCOMPARE(c->entry->attempts, 2);
    QCOMPARE(c->entry->errorKind, QStringLiteral("network"));
}

void tst_OutboxStore::staleKeyRule_data()
{
    QTest::addColumn<int>("attemptsBefore");
    QTest::addColumn<qint64>("ageMs");
    QTest::addColumn<bool>("expectSend");
    const qint64 h = 3600 * 1000;
    QTest::newRow("sent before, 23 h old: resent") << 1 << 23 * h << true;
    QTest::newRow("sent before, 25 h old: needs attention") << 1 << 25 * h << false;
    QTest::newRow("sent 3 times, 48 h old: needs attention") << 3 << 48 * h << false;
    QTest::newRow("never sent, 72 h old: sent (Stripe never saw the key)") << 0 << 72 * h << true;
}

void tst_OutboxStore::staleKeyRule()
{
    QFETCH(int, attemptsBefore);
    QFETCH(qint64, ageMs);
    QFETCH(bool, expectSend);
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime created = now.addMSecs(-ageMs);
    const qint64 id = store.enqueue(refundOp(), created)->id;
    OutboxStore::ClaimFilter filter;
    filter.ignoreBackoff = true;
    for (int i = 0; i < attemptsBefore; ++i) {
        QVERIFY(store.claimNext(created, filter)->entry); // in flight, then left there (a crash)
    }
    Result<OutboxStore::Claim> c = store.claimNext(now, filter);
    QVERIFY(c.ok());
    QCOMPARE(bool(c->entry), expectSend);
    QCOMPARE(c->changed.contains(id), !expectSend);
    const OutboxEntry e = *store.entry(id);
    QCOMPARE(e.state, expectSend ? OutboxState::InFlight : OutboxState::NeedsAttention);
    if (!expectSend)
        QVERIFY(e.errorMessage.contains(QLatin1String("24 hours")));
}

void tst_OutboxStore::settledEntryIsNotDowngraded()
{
    QTemporaryDir dir;
    OutboxStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("outbox.sqlite"))).ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 id = store.enqueue(refundOp(), now)->id;
    QVERIFY(store.claimNext(now, {})->entry);
    QVERIFY(store.markSucceeded(id, QJsonObject{{QStringLiteral("id"), QStringLiteral("re_1")}}, now).ok());
    // A late transient answer from a second sender must not reopen it.
    Result<OutboxEntry> e = store.markPending(id, Error::make(Error::Kind::Network, QStringLiteral("x")), now, now);
    QVERIFY(e.ok());
    QCOMPARE(e->state, OutboxState::Succeeded);
    QCOMPARE(e->resultObjectId, QStringLiteral("re_1"));
    QVERIFY(!store.claimNext(now, {})->entry);
}

void tst_OutboxStore::damagedFileIsMovedAsideNeverRecreatedSilently_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("garbage") << QByteArray("this is not a database at all, just text\n").repeated(200);
    QByteArray header("SQLite format 3");
    header.append('\0');
    header.append(QByteArray(4080, '\x5a'));
    QTest::newRow("sqlite header, rubbish pages") << header;
}

void tst_OutboxStore::damagedFileIsMovedAsideNeverRecreatedSilently()
{
    QFETCH(QByteArray, bytes);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }
    OutboxStore store;
    Result<OutboxStore::OpenReport> opened = store.open(path);
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().kind, Error::Kind::Database);
    QVERIFY(!QFile::exists(path));
    const QStringList aside = QDir(dir.path()).entryList({QStringLiteral("outbox.sqlite.damaged-*")}, QDir::Files);
    QCOMPARE(aside.size(), 1);
    QVERIFY2(opened.error().userMessage.contains(aside.first()), qPrintable(opened.error().userMessage));
    QVERIFY(opened.error().userMessage.contains(QLatin1String("attention")));
    QFile moved(dir.filePath(aside.first()));
    QVERIFY(moved.open(QIODevice::ReadOnly));
    QCOMPARE(moved.readAll(), bytes);
    QVERIFY(!store.enqueue(refundOp(), QDateTime::currentDateTimeUtc()).ok());

    // The next open starts empty, and keeps saying that a damaged outbox lies beside it.
    OutboxStore next;
    Result<OutboxStore::OpenReport> reopened = next.open(path);
    QVERIFY(reopened.ok());
    QCOMPARE(reopened->setAside, QStringList{dir.filePath(aside.first())});
    QCOMPARE(next.entries(std::nullopt)->size(), 0);
}

void tst_OutboxStore::journalIsWriteAheadLog()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
    OutboxStore store;
    QVERIFY(store.open(path).ok());
    QVERIFY(store.enqueue(refundOp(), QDateTime::currentDateTimeUtc()).ok());
    QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
    QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("mode"));
    other.setDatabaseName(path);
    QVERIFY(other.open());
    QSqlQuery q(other);
    QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    q.finish();
    other.close();
    other = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("mode"));
}

QTEST_GUILESS_MAIN(tst_OutboxStore)
#include "tst_outboxstore.moc"
