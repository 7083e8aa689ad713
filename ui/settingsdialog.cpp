#include "ui/settingsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShowEvent>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStyle>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace Billing {

namespace {
QLabel *messageLabel()
{
    auto *l = new QLabel;
    l->setObjectName(QStringLiteral("ValidationMessage"));
    l->setWordWrap(true);
    l->hide();
    return l;
}

QLabel *hintLabel(const QString &text, const QString &objectName = QStringLiteral("FieldHint"))
{
    auto *l = new QLabel(text);
    l->setObjectName(objectName);
    l->setWordWrap(true);
    return l;
}

void showMessages(QLabel *label, const QStringList &messages)
{
    label->setText(messages.join(QLatin1Char('\n')));
    label->setVisible(!messages.isEmpty());
}

QStringList without(const QStringList &all, const QStringList &remove)
{
    QStringList out;
    for (const QString &m : all) {
        if (!remove.contains(m))
            out << m;
    }
    return out;
}

// The same settings with a database that passes every rule, so that problems() minus the
// neutral problems() are the database's own.
WorkspaceSettings withNeutralDatabase(const WorkspaceSettings &s)
{
    WorkspaceSettings n = s;
    n.database.postgres = PostgresSettings{QStringLiteral("localhost"), 5432, QStringLiteral("billing"),
                                           QStringLiteral("billing"), QStringLiteral("prefer")};
    n.database.sqlitePath = QDir::cleanPath(QDir::rootPath() + QStringLiteral("settings-check/billing.sqlite"));
    return n;
}

WorkspaceSettings withNeutralUrl(const WorkspaceSettings &s)
{
    WorkspaceSettings n = s;
    n.stripeApiBase = QUrl(QString::fromLatin1(WorkspaceSettings::kDefaultStripeApiBase));
    return n;
}
} // namespace

SettingsDialog::SettingsDialog(const WorkspaceSettings &settings, SecretSource keySource, QWidget *parent)
    : QDialog(parent), m_original(settings)
{
    setWindowTitle(tr("Settings — %1").arg(settings.name));
    setObjectName(QStringLiteral("SettingsDialog"));
    setMinimumWidth(620);
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 14, 20, 16);
    root->setSpacing(12);

    // Stripe
    auto *stripe = new QGroupBox(tr("Stripe"));
    auto *stripeForm = new QFormLayout(stripe);
    stripeForm->setVerticalSpacing(6);
    stripeForm->setHorizontalSpacing(14);
    stripeForm->setContentsMargins(16, 14, 16, 12);
    m_apiKey = new QLineEdit;
    m_apiKey->setObjectName(QStringLiteral("ApiKey"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("Leave empty to keep the current key"));
    m_apiKey->setClearButtonEnabled(true);
    m_keySource = new QLabel;
    m_keySource->setObjectName(QStringLiteral("KeySource"));
    m_keySource->setWordWrap(true);
    switch (keySource) {
    case SecretSource::Keychain: m_keySource->setText(tr("The current key is stored in the system keychain.")); break;
    case SecretSource::Environment:
        m_keySource->setText(tr("The current key comes from the environment variable %1 for this run only; it is "
                                "not saved. Enter a key to store it in the system keychain.")
                                 .arg(QString::fromLatin1(SecretStore::kEnvironmentVariable)));
        break;
    case SecretSource::None:
        m_keySource->setText(tr("No API key is set. The console works offline on cached data until you enter one."));
        break;
    }
    m_keyMessage = messageLabel();
    QString url = settings.stripeApiBase.toString();
    m_baseUrl = new QLineEdit(url);
    m_baseUrl->setObjectName(QStringLiteral("BaseUrl"));
    m_baseUrl->setPlaceholderText(QString::fromLatin1(WorkspaceSettings::kDefaultStripeApiBase));
    m_urlMessage = messageLabel();
    stripeForm->addRow(tr("API key"), m_apiKey);
    stripeForm->addRow(QString(), m_keySource);
    stripeForm->addRow(QString(), m_keyMessage);
    stripeForm->addRow(tr("API base URL"), m_baseUrl);
    stripeForm->addRow(QString(), m_urlMessage);
    root->addWidget(stripe);

    // Billing database
    auto *db = new QGroupBox(tr("Billing database"));
    auto *dbLayout = new QVBoxLayout(db);
    dbLayout->setSpacing(6);
    dbLayout->setContentsMargins(16, 14, 16, 12);
    auto *kindForm = new QFormLayout;
    kindForm->setHorizontalSpacing(14);
    m_dbKind = new QComboBox;
    m_dbKind->setObjectName(QStringLiteral("DatabaseKind"));
    m_dbKind->addItem(tr("SQLite file (this computer)"));
    m_dbKind->addItem(tr("PostgreSQL server (shared by a team)"));
    kindForm->addRow(tr("Type"), m_dbKind);
    dbLayout->addLayout(kindForm);

    m_dbStack = new QStackedWidget;
    auto *sqlitePage = new QWidget;
    auto *sqliteForm = new QFormLayout(sqlitePage);
    sqliteForm->setContentsMargins(0, 0, 0, 0);
    sqliteForm->setHorizontalSpacing(14);
    auto *pathRow = new QHBoxLayout;
    m_sqlitePath = new QLineEdit(QDir::toNativeSeparators(settings.database.sqlitePath));
    m_sqlitePath->setObjectName(QStringLiteral("SqlitePath"));
    auto *browse = new QPushButton(tr("Browse…"));
    browse->setAutoDefault(false);
    pathRow->addWidget(m_sqlitePath, 1);
    pathRow->addWidget(browse);
    m_sqliteMessage = messageLabel();
    sqliteForm->addRow(tr("File"), pathRow);
    sqliteForm->addRow(QString(), m_sqliteMessage);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Billing database file"), m_sqlitePath->text(),
                                                          tr("SQLite databases (*.sqlite *.db);;All files (*)"),
                                                          nullptr, QFileDialog::DontConfirmOverwrite);
        if (!file.isEmpty())
            m_sqlitePath->setText(QDir::toNativeSeparators(file));
    });

    const PostgresSettings &pg = settings.database.postgres;
    auto *pgPage = new QWidget;
    auto *pgForm = new QFormLayout(pgPage);
    pgForm->setContentsMargins(0, 0, 0, 0);
    pgForm->setHorizontalSpacing(14);
    m_pgHost = new QLineEdit(pg.host);
    m_pgHost->setObjectName(QStringLiteral("PgHost"));
    m_pgHost->setPlaceholderText(tr("db.example.com"));
    m_pgPort = new QSpinBox;
    m_pgPort->setObjectName(QStringLiteral("PgPort"));
    m_pgPort->setRange(1, 65535);
    m_pgPort->setValue(qBound(1, pg.port, 65535));
    m_pgPort->setMinimumWidth(100);
    m_pgDatabase = new QLineEdit(pg.database);
    m_pgDatabase->setObjectName(QStringLiteral("PgDatabase"));
    m_pgUser = new QLineEdit(pg.user);
    m_pgUser->setObjectName(QStringLiteral("PgUser"));
    m_pgPassword = new QLineEdit;
    m_pgPassword->setObjectName(QStringLiteral("PgPassword"));
    m_pgPassword->setEchoMode(QLineEdit::Password);
    m_pgPassword->setClearButtonEnabled(true);
    m_pgPassword->setPlaceholderText(tr("Leave empty to keep the stored password"));
    m_pgSsl = new QComboBox;
    m_pgSsl->setObjectName(QStringLiteral("PgSslMode"));
    m_pgSsl->addItems(WorkspaceSettings::sslModes());
    m_pgSsl->setCurrentText(pg.sslMode);
    m_pgMessage = messageLabel();
    auto *hostRow = new QHBoxLayout;
    hostRow->addWidget(m_pgHost, 1);
    hostRow->addSpacing(8);
    hostRow->addWidget(new QLabel(tr("Port")));
    hostRow->addWidget(m_pgPort);
    pgForm->addRow(tr("Host"), hostRow);
    pgForm->addRow(tr("Database"), m_pgDatabase);
    pgForm->addRow(tr("User"), m_pgUser);
    pgForm->addRow(tr("Password"), m_pgPassword);
    pgForm->addRow(QString(), hintLabel(tr("Stored in the system keychain, never in the settings file.")));
    pgForm->addRow(tr("SSL mode"), m_pgSsl);
    pgForm->addRow(QString(), m_pgMessage);
    m_dbStack->addWidget(sqlitePage);
    m_dbStack->addWidget(pgPage);
    dbLayout->addWidget(m_dbStack);
    m_restartNote = hintLabel(tr("A change to the billing database takes effect the next time Billing Console "
                                 "starts; until then the console keeps using the current one."),
                              QStringLiteral("RestartNote"));
    dbLayout->addWidget(m_restartNote);
    root->addWidget(db);

    // Workspace
    auto *workspace = new QGroupBox(tr("Workspace"));
    auto *workspaceForm = new QFormLayout(workspace);
    workspaceForm->setVerticalSpacing(6);
    workspaceForm->setHorizontalSpacing(14);
    workspaceForm->setContentsMargins(16, 14, 16, 12);
    auto *name = new QLabel(settings.name);
    name->setObjectName(QStringLiteral("WorkspaceName"));
    name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cachePath = new QLineEdit(QDir::toNativeSeparators(settings.cachePath));
    m_cachePath->setObjectName(QStringLiteral("CachePath"));
    m_cachePath->setReadOnly(true);
    m_cachePath->setFocusPolicy(Qt::ClickFocus);
    m_cachePath->setCursorPosition(0);
    m_otherMessage = messageLabel();
    workspaceForm->addRow(tr("Name"), name);
    workspaceForm->addRow(tr("Local cache"), m_cachePath);
    workspaceForm->addRow(QString(), hintLabel(tr("A copy of the Stripe data for fast, offline browsing; a sync "
                                                  "rebuilds it.")));
    workspaceForm->addRow(QString(), m_otherMessage);
    root->addWidget(workspace);

    m_saveError = new QLabel;
    m_saveError->setObjectName(QStringLiteral("SaveError"));
    m_saveError->setWordWrap(true);
    m_saveError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_saveError->hide();
    root->addWidget(m_saveError);

    auto *bottom = new QHBoxLayout;
    m_savingLabel = new QLabel(tr("Saving…"));
    m_savingLabel->setObjectName(QStringLiteral("SavingLabel"));
    m_savingLabel->hide();
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    okButton()->setText(tr("Save"));
    bottom->addWidget(m_savingLabel);
    bottom->addStretch();
    bottom->addWidget(m_buttons);
    root->addLayout(bottom);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        validate();
        if (isValid() && !m_saving) {
            showSaveError(QString());
            Q_EMIT saveRequested();
        }
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_dbKind->setCurrentIndex(settings.database.backend == DatabaseBackend::Postgres ? 1 : 0);
    // Only the current page counts for the stack's size (no empty space under the SQLite page).
    auto showDbPage = [this](int i) {
        m_dbStack->setCurrentIndex(i);
        for (int p = 0; p < m_dbStack->count(); ++p)
            m_dbStack->widget(p)->setSizePolicy(p == i ? QSizePolicy::Preferred : QSizePolicy::Ignored,
                                                p == i ? QSizePolicy::Preferred : QSizePolicy::Ignored);
        m_dbStack->adjustSize();
        adjustSize();
    };
    showDbPage(m_dbKind->currentIndex());
    connect(m_dbKind, &QComboBox::currentIndexChanged, this, [this, showDbPage](int i) {
        showDbPage(i);
        validate();
    });
    for (QLineEdit *edit : {m_apiKey, m_baseUrl, m_sqlitePath, m_pgHost, m_pgDatabase, m_pgUser, m_pgPassword})
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_pgPort, &QSpinBox::valueChanged, this, &SettingsDialog::validate);
    connect(m_pgSsl, &QComboBox::currentIndexChanged, this, &SettingsDialog::validate);
    validate();
}

void SettingsDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // Wrapped hints know their height only once the width is set: size again after the layout.
    QMetaObject::invokeMethod(this, [this] { adjustSize(); }, Qt::QueuedConnection);
}

QPushButton *SettingsDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

WorkspaceSettings SettingsDialog::settings() const
{
    WorkspaceSettings s = m_original;
    QString url = m_baseUrl->text().trimmed();
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    s.stripeApiBase = QUrl(url, QUrl::StrictMode);
    BillingDatabaseSettings &d = s.database;
    d.backend = m_dbKind->currentIndex() == 1 ? DatabaseBackend::Postgres : DatabaseBackend::Sqlite;
    d.sqlitePath = QDir::fromNativeSeparators(m_sqlitePath->text().trimmed());
    d.postgres.host = m_pgHost->text().trimmed();
    d.postgres.port = m_pgPort->value();
    d.postgres.database = m_pgDatabase->text().trimmed();
    d.postgres.user = m_pgUser->text().trimmed();
    d.postgres.sslMode = m_pgSsl->currentText();
    return s;
}

std::optional<QString> SettingsDialog::newApiKey() const
{
    const QString key = m_apiKey->text().trimmed();
    return key.isEmpty() ? std::nullopt : std::optional<QString>(key);
}

std::optional<QString> SettingsDialog::newPostgresPassword() const
{
    if (m_dbKind->currentIndex() != 1 || m_pgPassword->text().isEmpty())
        return std::nullopt;
    return m_pgPassword->text();
}

SettingsChange SettingsDialog::change() const
{
    return SettingsChange{settings(), newApiKey(), newPostgresPassword()};
}

bool SettingsDialog::databaseChanged() const
{
    const BillingDatabaseSettings now = settings().database;
    const BillingDatabaseSettings &was = m_original.database;
    if (now.backend != was.backend)
        return true;
    if (now.backend == DatabaseBackend::Sqlite)
        return QDir::cleanPath(now.sqlitePath) != QDir::cleanPath(was.sqlitePath);
    return now.postgres != was.postgres || newPostgresPassword().has_value();
}

bool SettingsDialog::isValid() const
{
    return m_messages.isEmpty();
}

QStringList SettingsDialog::validationMessages() const
{
    return m_messages;
}

void SettingsDialog::setSaving(bool saving)
{
    m_saving = saving;
    m_savingLabel->setVisible(saving);
    updateOkButton();
}

void SettingsDialog::showSaveError(const QString &message)
{
    m_saveError->setText(message.isEmpty() ? QString() : tr("Not saved: %1").arg(message));
    m_saveError->setVisible(!message.isEmpty());
}

QString SettingsDialog::saveError() const
{
    return m_saveError->isVisible() ? m_saveError->text() : QString();
}

void SettingsDialog::markInvalid(QWidget *w, bool invalid)
{
    if (w->property("invalid").toBool() == invalid)
        return;
    w->setProperty("invalid", invalid);
    w->style()->unpolish(w);
    w->style()->polish(w);
}

void SettingsDialog::updateOkButton()
{
    okButton()->setEnabled(m_messages.isEmpty() && !m_saving);
}

void SettingsDialog::validate()
{
    // The rules live in WorkspaceSettings::problems(); each message goes under the field it is
    // about, found by comparing with the same settings where that part is known to be valid.
    const WorkspaceSettings s = settings();
    const QStringList all = s.problems();

    QStringList urlProblems = without(all, withNeutralUrl(s).problems());
    const QStringList dbProblems = without(all, withNeutralDatabase(s).problems());
    const QStringList otherProblems = without(without(all, urlProblems), dbProblems);
    if (m_baseUrl->text().trimmed().isEmpty())
        urlProblems = {tr("Enter the Stripe API address, e.g. %1.")
                           .arg(QString::fromLatin1(WorkspaceSettings::kDefaultStripeApiBase))};

    // Not a rule of the settings but of this computer: SQLite creates the file, not its folder.
    QStringList sqliteProblems, pgProblems;
    if (s.database.backend == DatabaseBackend::Sqlite) {
        sqliteProblems = dbProblems;
        const QFileInfo file(s.database.sqlitePath);
        if (sqliteProblems.isEmpty() && file.isDir())
            sqliteProblems << tr("%1 is a folder; choose a file name.").arg(QDir::toNativeSeparators(file.filePath()));
        else if (sqliteProblems.isEmpty() && !file.absoluteDir().exists())
            sqliteProblems << tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(file.absolutePath()));
    } else {
        pgProblems = dbProblems;
    }

    // The key is not part of the settings file; only its form is checked here.
    QStringList keyProblems;
    const QString key = m_apiKey->text().trimmed();
    if (!key.isEmpty()) {
        static const QStringList prefixes = {QStringLiteral("sk_live_"), QStringLiteral("sk_test_"),
                                             QStringLiteral("rk_live_"), QStringLiteral("rk_test_")};
        const bool prefixOk =
            std::any_of(prefixes.begin(), prefixes.end(), [&](const QString &p) { return key.startsWith(p); });
        if (!prefixOk)
            keyProblems << tr("A secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_. Publishable keys "
                              "(pk_) cannot be used here.");
        else if (key.contains(QLatin1Char(' ')))
            keyProblems << tr("The key must not contain spaces.");
    }

    showMessages(m_keyMessage, keyProblems);
    showMessages(m_urlMessage, urlProblems);
    showMessages(m_sqliteMessage, sqliteProblems);
    showMessages(m_pgMessage, pgProblems);
    showMessages(m_otherMessage, otherProblems);
    markInvalid(m_apiKey, !keyProblems.isEmpty());
    markInvalid(m_baseUrl, !urlProblems.isEmpty());
    markInvalid(m_sqlitePath, !sqliteProblems.isEmpty());
    const bool pg = s.database.backend == DatabaseBackend::Postgres;
    markInvalid(m_pgHost, pg && s.database.postgres.host.isEmpty());
    markInvalid(m_pgDatabase, pg && s.database.postgres.database.isEmpty());
    markInvalid(m_pgUser, pg && s.database.postgres.user.isEmpty());
    m_restartNote->setProperty("changed", databaseChanged());
    m_restartNote->style()->unpolish(m_restartNote);
    m_restartNote->style()->polish(m_restartNote);

    m_messages = keyProblems + urlProblems + sqliteProblems + pgProblems + otherProblems;
    updateOkButton();
}

} // namespace Billing
