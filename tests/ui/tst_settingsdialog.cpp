#include "tests/ui/uifakes.h"
#include "ui/settingsdialog.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace Billing;

namespace {
bool messageShown(const SettingsDialog &dialog, const QString &text = {})
{
    for (QLabel *l : dialog.findChildren<QLabel *>(QStringLiteral("ValidationMessage"))) {
        if (l->isVisible() && !l->text().isEmpty() && (text.isEmpty() || l->text().contains(text)))
            return true;
    }
    return false;
}
} // namespace

class tst_SettingsDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(AppPaths(m_dir.path(), m_dir.path()).ensureWorkspaceDir(QStringLiteral("demo")).ok());
    }

    void invalidBaseUrlDisablesSave_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::newRow("stripe") << QStringLiteral("https://api.stripe.com") << true;
        QTest::newRow("local sandbox over http") << QStringLiteral("http://127.0.0.1:12180") << true;
        QTest::newRow("localhost over http") << QStringLiteral("http://localhost:12180") << true;
        QTest::newRow("no scheme") << QStringLiteral("api.stripe.com") << false;
        QTest::newRow("garbage") << QStringLiteral("ht!tp://") << false;
        QTest::newRow("plain http to a remote host") << QStringLiteral("http://api.example.com") << false;
        QTest::newRow("ftp") << QStringLiteral("ftp://api.stripe.com") << false;
        QTest::newRow("query") << QStringLiteral("https://api.stripe.com/?x=1") << false;
        QTest::newRow("user info") << QStringLiteral("https://me:secret@api.stripe.com") << false;
        QTest::newRow("empty") << QString() << false;
    }

    void invalidBaseUrlDisablesSave()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.show();
        QVERIFY(dialog.okButton()->isEnabled());
        QVERIFY(!messageShown(dialog));
        dialog.baseUrlEdit()->selectAll();
        QTest::keyClick(dialog.baseUrlEdit(), Qt::Key_Delete);
        QTest::keyClicks(dialog.baseUrlEdit(), url);
        QCOMPARE(dialog.okButton()->isEnabled(), valid);
        QCOMPARE(dialog.isValid(), valid);
        QCOMPARE(messageShown(dialog), !valid);
        QCOMPARE(dialog.baseUrlEdit()->property("invalid").toBool(), !valid);
        if (!url.isEmpty()) // the dialog shows the settings' own rule, under the URL field
            QCOMPARE(dialog.validationMessages(), dialog.settings().problems());
    }

    void trailingSlashIsDropped()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.baseUrlEdit()->setText(QStringLiteral("http://127.0.0.1:12150/"));
        QCOMPARE(dialog.settings().stripeApiBase, QUrl(QStringLiteral("http://127.0.0.1:12150")));
    }

    void keySourceIsSaid_data()
    {
        QTest::addColumn<int>("source");
        QTest::addColumn<QString>("words");
        QTest::newRow("keychain") << int(SecretSource::Keychain) << QStringLiteral("keychain");
        QTest::newRow("environment") << int(SecretSource::Environment) << QStringLiteral("BILLING_CONSOLE_STRIPE_KEY");
        QTest::newRow("none") << int(SecretSource::None) << QStringLiteral("No API key");
    }

    void keySourceIsSaid()
    {
        QFETCH(int, source);
        QFETCH(QString, words);
        SettingsDialog dialog(validSettings(), SecretSource(source));
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("KeySource"))->text().contains(words));
    }

    void apiKeyIsCheckedAndReturned()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Environment);
        dialog.show();
        QCOMPARE(dialog.apiKeyEdit()->echoMode(), QLineEdit::Password);
        QTest::keyClicks(dialog.apiKeyEdit(), QStringLiteral("pk_test_123"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(messageShown(dialog, QStringLiteral("pk_")));
        dialog.apiKeyEdit()->clear();
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.newApiKey(), std::nullopt);
        QTest::keyClicks(dialog.apiKeyEdit(), QStringLiteral("sk_test_abc123"));
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.change().newApiKey, std::optional<QString>(QStringLiteral("sk_test_abc123")));
    }

    void postgresNeedsHostDatabaseAndUser()
    {
        SettingsDialog dialog(validSettings(), SecretSource::None);
        dialog.show();
        QSignalSpy saveRequested(&dialog, &SettingsDialog::saveRequested);
        dialog.databaseKindCombo()->setCurrentIndex(1);
        QVERIFY(dialog.pgHostEdit()->isVisible());
        QVERIFY(!dialog.sqlitePathEdit()->isVisible());
        dialog.pgDatabaseEdit()->clear();
        dialog.pgUserEdit()->clear();
        QVERIFY(!dialog.okButton()->isEnabled());
        QCOMPARE(dialog.validationMessages(), dialog.settings().problems());
        QCOMPARE(dialog.validationMessages().size(), 2);
        QVERIFY(dialog.pgUserEdit()->property("invalid").toBool());
        QVERIFY(!dialog.pgHostEdit()->property("invalid").toBool());

        QTest::keyClicks(dialog.pgDatabaseEdit(), QStringLiteral("billing"));
        QTest::keyClicks(dialog.pgUserEdit(), QStringLiteral("agent"));
        dialog.pgPortSpin()->setValue(15480);
        dialog.pgSslCombo()->setCurrentText(QStringLiteral("require"));
        QTest::keyClicks(dialog.pgPasswordEdit(), QStringLiteral("s3cret pass"));
        QVERIFY(dialog.okButton()->isEnabled());
        QVERIFY(dialog.databaseChanged());

        QTest::mouseClick(dialog.okButton(), Qt::LeftButton);
        QCOMPARE(saveRequested.count(), 1);
        QVERIFY2(dialog.isVisible(), "the owner closes the dialog once the save succeeded");
        const SettingsChange change = dialog.change();
        QCOMPARE(change.settings.database.backend, DatabaseBackend::Postgres);
        QCOMPARE(change.settings.database.postgres.host, QStringLiteral("db.internal"));
        QCOMPARE(change.settings.database.postgres.port, 15480);
        QCOMPARE(change.settings.database.postgres.database, QStringLiteral("billing"));
        QCOMPARE(change.settings.database.postgres.user, QStringLiteral("agent"));
        QCOMPARE(change.settings.database.postgres.sslMode, QStringLiteral("require"));
        QCOMPARE(change.newPostgresPassword, std::optional<QString>(QStringLiteral("s3cret pass")));
        QCOMPARE(change.newApiKey, std::nullopt);
        QCOMPARE(change.settings.stripeApiBase, QUrl(QStringLiteral("https://api.stripe.com")));
        QCOMPARE(change.settings.name, validSettings().name);
        QCOMPARE(change.settings.cachePath, validSettings().cachePath);
    }

    void postgresPasswordOnlyForPostgres()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.show();
        QCOMPARE(dialog.pgPasswordEdit()->echoMode(), QLineEdit::Password);
        dialog.databaseKindCombo()->setCurrentIndex(1);
        QCOMPARE(dialog.newPostgresPassword(), std::nullopt); // empty = keep the stored one
        QTest::keyClicks(dialog.pgPasswordEdit(), QStringLiteral("pw"));
        QCOMPARE(dialog.newPostgresPassword(), std::optional<QString>(QStringLiteral("pw")));
        dialog.databaseKindCombo()->setCurrentIndex(0);
        QCOMPARE(dialog.newPostgresPassword(), std::nullopt);
        QVERIFY(!dialog.databaseChanged());
    }

    void sqliteFolderMustExist()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.show();
        dialog.sqlitePathEdit()->setText(QStringLiteral("/nonexistent-folder-xyz/billing.sqlite"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(messageShown(dialog, QStringLiteral("nonexistent-folder-xyz")));
        dialog.sqlitePathEdit()->setText(QStringLiteral("relative/billing.sqlite"));
        QVERIFY(!dialog.okButton()->isEnabled());
        QCOMPARE(dialog.validationMessages(), dialog.settings().problems());
        dialog.sqlitePathEdit()->setText(m_dir.path());
        QVERIFY(!dialog.okButton()->isEnabled()); // a folder, not a file
        dialog.sqlitePathEdit()->setText(validSettings().cachePath);
        QVERIFY(!dialog.okButton()->isEnabled()); // the cache file itself
        QCOMPARE(dialog.validationMessages(), dialog.settings().problems());
        dialog.sqlitePathEdit()->setText(m_dir.filePath(QStringLiteral("other.sqlite")));
        QVERIFY(dialog.okButton()->isEnabled());
        QCOMPARE(dialog.settings().database.sqlitePath, m_dir.filePath(QStringLiteral("other.sqlite")));
        QVERIFY(dialog.databaseChanged());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("RestartNote"))->text().contains(QStringLiteral("next time")));
    }

    void cachePathIsShownReadOnly()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.show();
        QCOMPARE(QDir::fromNativeSeparators(dialog.cachePathEdit()->text()), validSettings().cachePath);
        QVERIFY(dialog.cachePathEdit()->isReadOnly());
        QTest::keyClicks(dialog.cachePathEdit(), QStringLiteral("x"));
        QCOMPARE(dialog.settings().cachePath, validSettings().cachePath);
        QCOMPARE(dialog.settings(), validSettings());
    }

    void savingStateAndErrorAreShown()
    {
        SettingsDialog dialog(validSettings(), SecretSource::Keychain);
        dialog.show();
        dialog.setSaving(true);
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("SavingLabel"))->isVisible());
        dialog.setSaving(false);
        dialog.showSaveError(QStringLiteral("No keychain service is available."));
        QVERIFY(dialog.okButton()->isEnabled());
        QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("SaveError"))->isVisible());
        QVERIFY(dialog.saveError().contains(QStringLiteral("No keychain service")));
        // a new attempt clears the old error
        QSignalSpy saveRequested(&dialog, &SettingsDialog::saveRequested);
        QTest::mouseClick(dialog.okButton(), Qt::LeftButton);
        QCOMPARE(saveRequested.count(), 1);
        QVERIFY(dialog.saveError().isEmpty());
    }

private:
    WorkspaceSettings validSettings() const
    {
        WorkspaceSettings s = WorkspaceSettings::defaults(QStringLiteral("demo"), AppPaths(m_dir.path(), m_dir.path()));
        s.database.postgres.host = QStringLiteral("db.internal");
        s.database.postgres.database = QStringLiteral("billing");
        s.database.postgres.user = QStringLiteral("billing");
        return s;
    }

    QTemporaryDir m_dir;
};

QTEST_MAIN(tst_SettingsDialog)
#include "tst_settingsdialog.moc"
