#pragma once

#include "ui/settingsstore.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace Billing {

// Stripe API key (stored only through the keychain by the SettingsStore), API base URL and the
// billing database (SQLite file or PostgreSQL). Validates inline; OK is disabled while invalid.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    SettingsDialog(const ConsoleSettings &settings, ApiKeySource keySource, QWidget *parent = nullptr);

    ConsoleSettings settings() const;
    std::optional<QString> newApiKey() const; // nullopt when the key field was left empty
    bool isValid() const;
    QStringList validationMessages() const;

    // For tests and screenshots.
    QLineEdit *apiKeyEdit() const { return m_apiKey; }
    QLineEdit *baseUrlEdit() const { return m_baseUrl; }
    QComboBox *databaseKindCombo() const { return m_dbKind; }
    QLineEdit *sqlitePathEdit() const { return m_sqlitePath; }
    QLineEdit *pgHostEdit() const { return m_pgHost; }
    QLineEdit *pgDatabaseEdit() const { return m_pgDatabase; }
    QLineEdit *pgUserEdit() const { return m_pgUser; }
    QPushButton *okButton() const;

private:
    void validate();
    static void markInvalid(QWidget *w, bool invalid);

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
    QDialogButtonBox *m_buttons;
    QStringList m_messages;
};

} // namespace Billing
