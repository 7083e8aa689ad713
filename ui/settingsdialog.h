#pragma once

#include "ui/settingsstore.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace Billing {

// Edits a workspace's settings: Stripe API key (stored only through the keychain by the
// SettingsStore) and API base URL, the billing database (SQLite file or PostgreSQL, with its
// password in the keychain), and shows the local cache file (read-only). Validates inline with
// WorkspaceSettings::problems(); OK is disabled while invalid.
//
// OK does not close the dialog: it emits saveRequested(). The owner saves (asynchronously), then
// calls accept() on success or showSaveError() on failure; setSaving() shows the wait.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    SettingsDialog(const WorkspaceSettings &settings, SecretSource keySource, QWidget *parent = nullptr);

    // The edited settings; name and cache path are those passed in (not editable here).
    WorkspaceSettings settings() const;
    const WorkspaceSettings &originalSettings() const { return m_original; }
    std::optional<QString> newApiKey() const;           // nullopt when the key field is empty
    std::optional<QString> newPostgresPassword() const; // nullopt when empty or SQLite is chosen
    SettingsChange change() const;
    bool databaseChanged() const; // the billing database differs from the one in use
    bool isValid() const;
    QStringList validationMessages() const;

    void setSaving(bool saving);
    bool isSaving() const { return m_saving; }
    void showSaveError(const QString &message); // empty hides it
    QString saveError() const;

    // For tests and screenshots.
    QLineEdit *apiKeyEdit() const { return m_apiKey; }
    QLineEdit *baseUrlEdit() const { return m_baseUrl; }
    QComboBox *databaseKindCombo() const { return m_dbKind; }
    QLineEdit *sqlitePathEdit() const { return m_sqlitePath; }
    QLineEdit *pgHostEdit() const { return m_pgHost; }
    QSpinBox *pgPortSpin() const { return m_pgPort; }
    QLineEdit *pgDatabaseEdit() const { return m_pgDatabase; }
    QLineEdit *pgUserEdit() const { return m_pgUser; }
    QLineEdit *pgPasswordEdit() const { return m_pgPassword; }
    QComboBox *pgSslCombo() const { return m_pgSsl; }
    QLineEdit *cachePathEdit() const { return m_cachePath; }
    QPushButton *okButton() const;

Q_SIGNALS:
    void saveRequested();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void validate();
    void updateOkButton();
    static void markInvalid(QWidget *w, bool invalid);

    WorkspaceSettings m_original;
    QLineEdit *m_apiKey;
    QLabel *m_keySource;
    QLabel *m_keyMessage;
    QLineEdit *m_baseUrl;
    QLabel *m_urlMessage;
    QComboBox *m_dbKind;
    QStackedWidget *m_dbStack;
    QLineEdit *m_sqlitePath;
    QLabel *m_sqliteMessage;
    QLineEdit *m_pgHost;
    QSpinBox *m_pgPort;
    QLineEdit *m_pgDatabase;
    QLineEdit *m_pgUser;
    QLineEdit *m_pgPassword;
    QComboBox *m_pgSsl;
    QLabel *m_pgMessage;
    QLabel *m_restartNote;
    QLineEdit *m_cachePath;
    QLabel *m_otherMessage;
    QLabel *m_saveError;
    QLabel *m_savingLabel;
    QDialogButtonBox *m_buttons;
    QStringList m_messages;
    bool m_saving = false;
};

} // namespace Billing
