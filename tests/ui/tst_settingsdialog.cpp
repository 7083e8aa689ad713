#include "tests/ui/uifakes.h"
#include "ui/settingsdialog.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;

class tst_SettingsDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void invalidBaseUrlDisablesOk_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::newRow("stripe") << QStringLiteral("https://api.stripe.com") << true;
        QTest::newRow("local sandbox over http") << QStringLiteral("http://127.0.0.1:12180") << true;
        QTest::newRow("no scheme") << QStringLiteral("api.stripe.com") << false;
        QTest::newRow("garbage") << QStringLiteral("ht!tp://") << false;
        QTest::newRow("plain http to a remote host") << QStringLiteral("http://api.example.com") << false;
        QTest::newRow("empty") << QString() << false;
    }

    void invalidBaseUrlDisablesOk()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        SettingsDialog dialog(validSettings(), ApiKeySource::Keychain);
        dialog.show();
        QVERIFY(dialog.okButton()->isEnabled());
        dialog.baseUrlEdit()->selectAll();
        QTest::keyClick(dialog.baseUrlEdit(), Qt::Key_Delete);
        QTest::keyClicks(dialog.baseUrlEdit(), url);
        QCOMPARE(dialog.okButton()->isEnabled(), valid);
        QCOMPARE(dialog.isValid(), valid);
        bool messageShown = false;
        for (QLabel *l : dialog.findChildren<QLabel *>(QStringLiteral("ValidationMessage")))
            messageShown |= l->isVisible() && !l->text().isEmpty();
        QCOMPARE(messageShown, !valid);
    }

    void apiKeyIsCheckedAndReturned()
    {
        SettingsDialog dialog(validSettings(), ApiKeySource::Environment);
        dialog.show();
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("KeySource"))->text().contains(QStringLiteral("environment")));
        QCOMPARE(dialog.apiKeyEdit()->echoMode(), QLineEdit::Password);
        QTest::keyClicks(dialog.apiKeyEdit(), QStringLiteral("pk_test_123"));
        QVERIFY(!dialog.okButton()->isEnabled());
        dialog.apiKeyEdit()->clear();
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.newApiKey(), std::nullopt);
        QTest::keyClicks(dialog.apiKeyEdit(), QStringLiteral("sk_test_abc123"));
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.newApiKey(), std::optional<QString>(QStringLiteral("sk_test_abc123")));
    }

    void postgresNeedsHostDatabaseAndUser()
    {
        SettingsDialog dialog(validSettings(), ApiKeySource::None);
        dialog.show();
        dialog.databaseKindCombo()->setCurrentIndex(1);
        dialog.pgDatabaseEdit()->clear();
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(dialog.validationMessages().join(QLatin1Char(' ')).contains(QStringLiteral("database")));
        QTest::keyClicks(dialog.pgDatabaseEdit(), QStringLiteral("billing"));
        QTest::keyClicks(dialog.pgUserEdit(), QStringLiteral("agent"));
        QVERIFY(dialog.okButton()->isEnabled());
        QTest::mouseClick(dialog.okButton(), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const ConsoleSettings s = dialog.settings();
        QCOMPARE(s.database.kind, DatabaseSettings::Kind::Postgres);
        QCOMPARE(s.database.database, QStringLiteral("billing"));
        QCOMPARE(s.database.user, QStringLiteral("agent"));
        QCOMPARE(s.apiBaseUrl, QStringLiteral("https://api.stripe.com"));
    }

    void sqliteFolderMustExist()
    {
        SettingsDialog dialog(validSettings(), ApiKeySource::Keychain);
        dialog.show();
        dialog.sqlitePathEdit()->setText(QStringLiteral("/nonexistent-folder-xyz/billing.sqlite"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QTemporaryDir dir;
        dialog.sqlitePathEdit()->setText(dir.filePath(QStringLiteral("billing.sqlite")));
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.settings().database.sqlitePath, dir.filePath(QStringLiteral("billing.sqlite")));
    }

private:
    static ConsoleSettings validSettings()
    {
        ConsoleSettings s;
        s.apiBaseUrl = QStringLiteral("https://api.stripe.com/");
        s.database.sqlitePath = QDir::tempPath() + QStringLiteral("/billing.sqlite");
        s.database.host = QStringLiteral("db.internal");
        s.database.database = QStringLiteral("billing");
        return s;
    }
};

QTEST_MAIN(tst_SettingsDialog)
#include "tst_settingsdialog.moc"
