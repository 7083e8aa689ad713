#include "services/lifecycle/pauseservice.h"
#include "tests/services/lifecycle/tst_cancelstack.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Billing;
using namespace Billing::Test;

class tst_PauseService : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<LifecycleStack> stack(StaffRole role)
    {
        ++m_n;
        return std::make_unique<LifecycleStack>(
            m_dir.path(), BillingDbSettings::sqlite(m_dir.filePath(QStringLiteral("billing%1.sqlite").arg(m_n))),
            actorWith(role), QString::number(m_n));
    }

private Q_SLOTS:
    void pauseWithResumeDateThenResume_data()
    {
        QTest::addColumn<QString>("behavior");
        QTest::newRow("keep_as_draft") << QStringLiteral("keep_as_draft");
        QTest::newRow("mark_uncollectible") << QStringLiteral("mark_uncollectible");
        QTest::newRow("void") << QStringLiteral("void");
    }
    void pauseWithResumeDateThenResume()
    {
        QFETCH(QString, behavior);
        auto s = stack(StaffRole::Support);
        QVERIFY2(s->error.isEmpty(), qPrintable(s->error));
        PauseService service(s->runner.get());
        const QJsonObject json = newSubscription();
        const Subscription sub = rowFrom(json).subscription;
        const QDateTime now = secs(json.value(QLatin1String("created")));
        const QDateTime resumesAt = now.addDays(45);

        PauseRequest req{*pauseBehaviorFromName(behavior), resumesAt};
        auto queued = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.pause(sub, req, now, newSession(), ctx, h); });
        QVERIFY2(queued, qPrintable(queued ? QString() : queued.error().detail));
        auto done = s->settled(queued->id);
        QVERIFY(done);
        QVERIFY2(done->state == OutboxState::Succeeded, qPrintable(done->errorMessage));
        QJsonObject after = sandboxSubscription(sub.id);
        const QJsonObject pc = after.value(QLatin1String("pause_collection")).toObject();
        QCOMPARE(pc.value(QLatin1String("behavior")).toString(), behavior);
        QCOMPARE(pc.value(QLatin1String("resumes_at")).toInteger(), resumesAt.toSecsSinceEpoch());

        const Subscription paused = rowFrom(after).subscription;
        QCOMPARE(paused.pauseBehavior, behavior);
        auto resumed = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.resume(paused, newSession(), ctx, h); });
        QVERIFY2(resumed, qPrintable(resumed ? QString() : resumed.error().detail));
        QCOMPARE(s->settled(resumed->id)->state, OutboxState::Succeeded);
        after = sandboxSubscription(sub.id);
        QVERIFY(after.value(QLatin1String("pause_collection")).isNull());

        QStringList ops;
        for (const AuditEntry &a : s->audit(sub.id))
            ops << a.operation;
        QVERIFY(ops.contains(QStringLiteral("subscription.pause")));
        QVERIFY(ops.contains(QStringLiteral("subscription.resume")));
    }

    void badPauseIsRejectedAndNothingSent_data()
    {
        QTest::addColumn<qint64>("resumeOffsetSecs");
        QTest::addColumn<QString>("status");
        QTest::newRow("resume date in the past") << qint64(-86400) << QStringLiteral("active");
        QTest::newRow("resume date is now") << qint64(0) << QStringLiteral("active");
        QTest::newRow("ended subscription") << qint64(86400) << QStringLiteral("canceled");
    }
    void badPauseIsRejectedAndNothingSent()
    {
        QFETCH(qint64, resumeOffsetSecs);
        QFETCH(QString, status);
        auto s = stack(StaffRole::Admin);
        PauseService service(s->runner.get());
        const QJsonObject json = newSubscription();
        Subscription sub = rowFrom(json).subscription;
        sub.status = status;
        const QDateTime now = secs(json.value(QLatin1String("created")));
        PauseRequest req{PauseBehavior::KeepAsDraft, now.addSecs(resumeOffsetSecs)};
        auto r = waitFor<OutboxEntry>([&](QObject *ctx, auto h) { service.pause(sub, req, now, newSession(), ctx, h); });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Validation);
        QVERIFY(!r.error().userMessage.isEmpty());
        QCOMPARE(s->outboxCount(), 0);
        QVERIFY(s->audit(sub.id).isEmpty());
        QVERIFY(sandboxSubscription(sub.id).value(QLatin1String("pause_collection")).isNull());
    }

    void readOnlyIsRefused()
    {
        auto s = stack(StaffRole::ReadOnly);
        PauseService service(s->runner.get());
        QVERIFY(!service.mayPause());
        const QJsonObject json = newSubscription();
        const Subscription sub = rowFrom(json).subscription;
        auto r = waitFor<OutboxEntry>([&](QObject *ctx, auto h) {
            service.pause(sub, PauseRequest{}, secs(json.value(QLatin1String("created"))), newSession(), ctx, h);
        });
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::Unauthorized);
        QCOMPARE(s->outboxCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_PauseService)
#include "tst_pauseservice.moc"
