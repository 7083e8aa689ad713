#include "ui/settingsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStyle>
#include <QUrl>
#include <QVBoxLayout>

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

void showMessage(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}
} // namespace

SettingsDialog::SettingsDialog(const ConsoleSettings &settings, ApiKeySource keySource, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Settings"));
    setMinimumWidth(560);
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 18, 20, 16);
    root->setSpacing(14);

    auto *stripe = new QGroupBox(tr("Stripe"));
    auto *stripeForm = new QFormLayout(stripe);
    stripeForm->setVerticalSpacing(6);
    m_apiKey = new QLineEdit;
    m_apiKey->setObjectName(QStringLiteral("ApiKey"));
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("Leave empty to keep the current key"));
    m_apiKey->setClearButtonEnabled(true);
    m_keySource = new QLabel;
    m_keySource->setObjectName(QStringLiteral("KeySource"));
    m_keySource->setWordWrap(true);
    switch (keySource) {
    case ApiKeySource::Keychain: m_keySource->setText(tr("The current key is stored in the system keychain.")); break;
    case ApiKeySource::Environment:
        m_keySource->setText(tr("The current key comes from the environment for this run only; it is not saved. "
                                "Enter a key to store it in the keychain."));
        break;
    case ApiKeySource::None: m_keySource->setText(tr("No API key is set. The console works offline on cached data.")); break;
    }
    m_keyMessage = messageLabel();
    m_baseUrl = new QLineEdit(settings.apiBaseUrl);
    m_baseUrl->setObjectName(QStringLiteral("BaseUrl"));
    m_urlMessage = messageLabel();
    stripeForm->addRow(tr("API key"), m_apiKey);
    stripeForm->addRow(QString(), m_keySource);
    stripeForm->addRow(QString(), m_keyMessage);
    stripeForm->addRow(tr("API base URL"), m_baseUrl);
    stripeForm->addRow(QString(), m_urlMessage);
    root->addWidget(stripe);

    auto *db = new QGroupBox(tr("Billing database"));
    auto *dbLayout = new QVBoxLayout(db);
    auto *kindForm = new QFormLayout;
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
    auto *pathRow = new QHBoxLayout;
    m_sqlitePath = new QLineEdit(settings.database.sqlitePath);
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

    auto *pgPage = new QWidget;
    auto *pgForm = new QFormLayout(pgPage);
    pgForm->setContentsMargins(0, 0, 0, 0);
    m_pgHost = new QLineEdit(settings.database.host);
    m_pgHost->setObjectName(QStringLiteral("PgHost"));
    m_pgPort = new QSpinBox;
    m_pgPort->setRange(1, 65535);
    m_pgPort->setValue(settings.database.port);
    m_pgDatabase = new QLineEdit(settings.database.database);
    m_pgDatabase->setObjectName(QStringLiteral("PgDatabase"));
    m_pgUser = new QLineEdit(settings.database.user);
    m_pgUser->setObjectName(QStringLiteral("PgUser"));
    m_pgPassword = new QLineEdit(settings.database.password);
    m_pgPassword->setEchoMode(QLineEdit::Password);
    m_pgSsl = new QComboBox;
    for (const char *mode : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
        m_pgSsl->addItem(QString::fromLatin1(mode));
    m_pgSsl->setCurrentText(settings.database.sslMode);
    m_pgMessage = messageLabel();
    pgForm->addRow(tr("Host"), m_pgHost);
    pgForm->addRow(tr("Port"), m_pgPort);
    pgForm->addRow(tr("Database"), m_pgDatabase);
    pgForm->addRow(tr("User"), m_pgUser);
    pgForm->addRow(tr("Password"), m_pgPassword);
    pgForm->addRow(tr("SSL mode"), m_pgSsl);
    pgForm->addRow(QString(), m_pgMessage);
    m_dbStack->addWidget(sqlitePage);
    m_dbStack->addWidget(pgPage);
    dbLayout->addWidget(m_dbStack);
    root->addWidget(db);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        validate();
        if (isValid())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    root->addWidget(m_buttons);

    m_dbKind->setCurrentIndex(settings.database.kind == DatabaseSettings::Kind::Postgres ? 1 : 0);
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
    for (QLineEdit *edit : {m_apiKey, m_baseUrl, m_sqlitePath, m_pgHost, m_pgDatabase, m_pgUser})
        connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    validate();
}

QPushButton *SettingsDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

ConsoleSettings SettingsDialog::settings() const
{
    ConsoleSettings s;
    s.apiBaseUrl = m_baseUrl->text().trimmed();
    while (s.apiBaseUrl.endsWith(QLatin1Char('/')))
        s.apiBaseUrl.chop(1);
    DatabaseSettings &d = s.database;
    d.kind = m_dbKind->currentIndex() == 1 ? DatabaseSettings::Kind::Postgres : DatabaseSettings::Kind::Sqlite;
    d.sqlitePath = QDir::fromNativeSeparators(m_sqlitePath->text().trimmed());
    d.host = m_pgHost->text().trimmed();
    d.port = m_pgPort->value();
    d.database = m_pgDatabase->text().trimmed();
    d.user = m_pgUser->text().trimmed();
    d.password = m_pgPassword->text();
    d.sslMode = m_pgSsl->currentText();
    return s;
}

std::optional<QString> SettingsDialog::newApiKey() const
{
    const QString key = m_apiKey->text().trimmed();
    return key.isEmpty() ? std::nullopt : std::optional<QString>(key);
}

bool SettingsDialog::isValid() const
{
    return m_messages.isEmpty();
}

QStringList SettingsDialog::validationMessages() const
{
    return m_messages;
}

void SettingsDialog::markInvalid(QWidget *w, bool invalid)
{
    w->setProperty("invalid", invalid);
    w->style()->unpolish(w);
    w->style()->polish(w);
}

void SettingsDialog::validate()
{
    m_messages.clear();

    QString keyMessage;
    const QString key = m_apiKey->text().trimmed();
    if (!key.isEmpty()) {
        static const QStringList prefixes = {QStringLiteral("sk_live_"), QStringLiteral("sk_test_"),
                                             QStringLiteral("rk_live_"), QStringLiteral("rk_test_")};
        const bool prefixOk = std::any_of(prefixes.begin(), prefixes.end(), [&](const QString &p) { return key.startsWith(p); });
        if (!prefixOk)
            keyMessage = tr("A secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_. Publishable keys (pk_) cannot be used here.");
        else if (key.contains(QLatin1Char(' ')))
            keyMessage = tr("The key must not contain spaces.");
    }
    showMessage(m_keyMessage, keyMessage);
    markInvalid(m_apiKey, !keyMessage.isEmpty());

    QString urlMessage;
    const QUrl url(m_baseUrl->text().trimmed(), QUrl::StrictMode);
    if (m_baseUrl->text().trimmed().isEmpty())
        urlMessage = tr("Enter the API base URL, e.g. https://api.stripe.com.");
    else if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        urlMessage = tr("Enter a full URL starting with https://, e.g. https://api.stripe.com.");
    else if (url.scheme() == QLatin1String("http") && !QHostAddress(url.host()).isLoopback() && url.host() != QLatin1String("localhost"))
        urlMessage = tr("Plain http is only allowed for a local server (127.0.0.1 or localhost); use https.");
    else if (!url.query().isEmpty() || !url.fragment().isEmpty())
        urlMessage = tr("The base URL must not have a query or fragment.");
    showMessage(m_urlMessage, urlMessage);
    markInvalid(m_baseUrl, !urlMessage.isEmpty());

    QString sqliteMessage, pgMessage;
    if (m_dbKind->currentIndex() == 0) {
        const QString path = m_sqlitePath->text().trimmed();
        if (path.isEmpty())
            sqliteMessage = tr("Choose the SQLite file of the billing database.");
        else if (!QFileInfo(QDir::fromNativeSeparators(path)).absoluteDir().exists())
            sqliteMessage = tr("The folder %1 does not exist.").arg(QFileInfo(path).absolutePath());
        else if (QFileInfo(path).isDir())
            sqliteMessage = tr("This is a folder; choose a file name.");
    } else {
        QStringList missing;
        if (m_pgHost->text().trimmed().isEmpty())
            missing << tr("host");
        if (m_pgDatabase->text().trimmed().isEmpty())
            missing << tr("database");
        if (m_pgUser->text().trimmed().isEmpty())
            missing << tr("user");
        if (!missing.isEmpty())
            pgMessage = tr("Enter the %1 of the PostgreSQL server.").arg(missing.join(tr(", ")));
    }
    showMessage(m_sqliteMessage, sqliteMessage);
    showMessage(m_pgMessage, pgMessage);
    markInvalid(m_sqlitePath, !sqliteMessage.isEmpty());
    markInvalid(m_pgHost, m_pgHost->text().trimmed().isEmpty() && m_dbKind->currentIndex() == 1);
    markInvalid(m_pgDatabase, m_pgDatabase->text().trimmed().isEmpty() && m_dbKind->currentIndex() == 1);
    markInvalid(m_pgUser, m_pgUser->text().trimmed().isEmpty() && m_dbKind->currentIndex() == 1);

    for (const QString &m : {keyMessage, urlMessage, sqliteMessage, pgMessage}) {
        if (!m.isEmpty())
            m_messages << m;
    }
    okButton()->setEnabled(m_messages.isEmpty());
}

} // namespace Billing
