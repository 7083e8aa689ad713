#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include "services/platform/logging.h"

using namespace Billing;

Q_LOGGING_CATEGORY(lcTestDb, "billing.db")

namespace {

const QString kSecret = QStringLiteral("sk_live_" "51AbCdEfGhIjKlMnOpQr7x9Z");
const QString kTestSecret = QStringLiteral("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
const QString kWebhook = QStringLiteral("whsec_0123456789abcdefghijQWER");
const QString kCard = QStringLiteral("4000 0566 5566 5556");

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

} // namespace

class tst_Logging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { Logging::shutdown(); }

    void secretsNeverReachTheFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto path = Logging::initialise(dir.path(), false);
        QVERIFY2(path.ok(), qPrintable(path.ok() ? QString() : path.error().detail));
        QCOMPARE(QFileInfo(*path).absolutePath(), QFileInfo(dir.path()).absoluteFilePath());

        Logging::logger("api")->info("POST /v1/charges with key {} and Authorization: Bearer {}",
                                     kSecret.toStdString(), kTestSecret.toStdString());
        Logging::logger("sync")->warn("webhook secret {}", kWebhook.toStdString());
        qWarning().noquote() << "qWarning with" << kTestSecret << "and card" << kCard;
        qCCritical(lcTestDb).noquote() << "db failure, key was" << kSecret;
        qInfo().noquote() << QStringLiteral("Authorization: Bearer %1").arg(kTestSecret);
        QThread *worker = QThread::create(
            [] { Logging::logger("db")->error("from a thread: {}", kSecret.toStdString()); });
        worker->start();
        QVERIFY(worker->wait(5000));
        delete worker;
        Logging::flush();

        const QByteArray log = readAll(*path);
        QVERIFY(!log.isEmpty());
        for (const QString &secret :
             {kSecret, kTestSecret, kWebhook, kCard, QStringLiteral("4000056655665556")})
            QVERIFY2(!log.contains(secret.toUtf8()), qPrintable(secret));
        // What is left: the prefix and the last four, the loggers' names, the Qt messages.
        QVERIFY(log.contains("sk_live_****7x9Z"));
        QVERIFY(log.contains("whsec_****QWER"));
        QVERIFY(log.contains("**** **** **** 5556"));
        QVERIFY(log.contains("[api]"));
        QVERIFY(log.contains("[sync]"));
        QVERIFY(log.contains("[db]"));
        QVERIFY(log.contains("qWarning with"));
        QVERIFY(log.contains("db failure"));
        QVERIFY(log.contains("from a thread"));
        QVERIFY(log.contains("[warning]"));
        QVERIFY(log.contains("[critical]") || log.contains("[error]"));
    }

    void defaultFolderIsUnderAppLocalData()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setApplicationName(QStringLiteral("billing-console-test"));
        const QString expectedDir =
            QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
            QStringLiteral("/logs");
        const auto path = Logging::initialise();
        QVERIFY(path.ok());
        QCOMPARE(QFileInfo(*path).absolutePath(), QFileInfo(expectedDir).absoluteFilePath());
        Logging::logger("app")->info("hello {}", kSecret.toStdString());
        Logging::flush();
        const QByteArray log = readAll(*path);
        QVERIFY(log.contains("hello sk_live_****7x9Z"));
        QVERIFY(!log.contains(kSecret.toUtf8()));
        Logging::shutdown();
        QDir(expectedDir).removeRecursively();
    }

    void fileRotatesAtFiveMegabytes()
    {
        QTemporaryDir dir;
        const auto path = Logging::initialise(dir.path(), false);
        QVERIFY(path.ok());
        const std::string line(1000, 'x');
        for (int i = 0; i < 6000; ++i)
            Logging::logger("app")->info("{} {}", i, line);
        Logging::flush();
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("billing-console.1.log"))));
        QVERIFY(QFileInfo(*path).size() <= qint64(Logging::kMaxFileBytes));
        QVERIFY(!QFileInfo::exists(
            dir.filePath(QStringLiteral("billing-console.%1.log").arg(Logging::kMaxFiles + 1))));
    }

    void unwritableFolderIsReportedAndLoggingGoesOn()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        const auto path = Logging::initialise(file.fileName() + QStringLiteral("/logs"), false);
        QVERIFY(!path.ok());
        QCOMPARE(path.error().kind, Error::Kind::Validation);
        QVERIFY(!path.error().userMessage.isEmpty());
        QVERIFY(Logging::logger("ui") != nullptr);
        Logging::logger("ui")->info("still logging to stderr");
    }
};

QTEST_GUILESS_MAIN(tst_Logging)
#include "tst_logging.moc"
