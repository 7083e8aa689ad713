#include "ui/connectionstatuswidget.h"

#include "models/formatting.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>

namespace Billing {

ConnectionStatusWidget::ConnectionStatusWidget(SyncControl *sync, QWidget *parent) : QWidget(parent), m_sync(sync)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 3, 10, 3);
    layout->setSpacing(10);
    m_badge = new QLabel;
    m_badge->setObjectName(QStringLiteral("ModeBadge"));
    m_account = new QLabel;
    m_account->setObjectName(QStringLiteral("AccountLabel"));
    m_synced = new QLabel;
    m_synced->setObjectName(QStringLiteral("SyncedLabel"));
    m_stage = new QLabel;
    m_progress = new QProgressBar;
    m_progress->setFixedWidth(180);
    m_progress->setMaximumHeight(14);
    m_progress->setTextVisible(false);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("CancelSync"));
    layout->addWidget(m_badge);
    layout->addWidget(m_account);
    layout->addStretch();
    layout->addWidget(m_stage);
    layout->addWidget(m_progress);
    layout->addWidget(m_cancel);
    layout->addWidget(m_synced);
    m_stage->hide();
    m_progress->hide();
    m_cancel->hide();

    m_tick = new QTimer(this);
    m_tick->setInterval(30 * 1000);
    connect(m_tick, &QTimer::timeout, this, &ConnectionStatusWidget::updateSynced);
    m_tick->start();

    connect(m_cancel, &QPushButton::clicked, m_sync, &SyncControl::cancel);
    connect(m_sync, &SyncControl::connectionChanged, this, &ConnectionStatusWidget::showConnection);
    connect(m_sync, &SyncControl::started, this, [this] {
        m_lastError.clear();
        m_stage->setText(tr("Syncing…"));
        m_progress->setRange(0, 0);
        m_stage->show();
        m_progress->show();
        m_cancel->show();
        updateSynced();
    });
    connect(m_sync, &SyncControl::progress, this, [this](const QString &stage, qint64 done, qint64 total) {
        m_stage->setText(total > 0 ? tr("%1 %2 / %3").arg(stage, locale().toString(done), locale().toString(total))
                                   : tr("%1 %2").arg(stage, locale().toString(done)));
        if (total > 0) {
            m_progress->setRange(0, 1000);
            m_progress->setValue(int(qBound(qint64(0), done * 1000 / total, qint64(1000))));
        } else {
            m_progress->setRange(0, 0);
        }
    });
    connect(m_sync, &SyncControl::finished, this, [this](const Status &outcome) {
        m_stage->hide();
        m_progress->hide();
        m_cancel->hide();
        m_lastError = outcome.ok() ? QString() : outcome.error().userMessage;
        updateSynced();
        Q_EMIT syncFinished(outcome.ok());
    });
    showConnection(m_sync->connection());
    updateSynced();
}

QString ConnectionStatusWidget::modeText() const
{
    return m_badge->text();
}

QString ConnectionStatusWidget::syncedText() const
{
    return m_synced->text();
}

bool ConnectionStatusWidget::isProgressVisible() const
{
    return !m_progress->isHidden();
}

void ConnectionStatusWidget::showConnection(const ConnectionInfo &info)
{
    QString text;
    QString color;
    switch (info.mode) {
    case ConnectionInfo::Mode::Live: text = tr("Live"); color = QStringLiteral("#16a34a"); break;
    case ConnectionInfo::Mode::Test: text = tr("Test"); color = QStringLiteral("#d97706"); break;
    case ConnectionInfo::Mode::Sandbox: text = tr("Sandbox"); color = QStringLiteral("#7c3aed"); break;
    case ConnectionInfo::Mode::Offline: text = tr("Offline"); color = QStringLiteral("#6b7280"); break;
    case ConnectionInfo::Mode::Unknown: text = tr("Not connected"); color = QStringLiteral("#9ca3af"); break;
    }
    m_badge->setText(text);
    m_badge->setStyleSheet(QStringLiteral("background:%1;").arg(color));
    QString account = info.displayName;
    if (!info.accountId.isEmpty())
        account = account.isEmpty() ? info.accountId : tr("%1 (%2)").arg(account, info.accountId);
    if (account.isEmpty())
        account = info.baseUrl;
    m_account->setText(account);
    m_account->setToolTip(info.lastError.isEmpty() ? info.baseUrl : info.lastError);
    if (!info.lastError.isEmpty())
        m_lastError = info.lastError;
    updateSynced();
}

void ConnectionStatusWidget::updateSynced()
{
    const QDateTime last = m_sync->lastSyncedAt();
    QString text = last.isValid() ? tr("Synced %1").arg(Format::relative(last.toUTC(), QDateTime::currentDateTimeUtc(), locale()))
                                  : tr("Never synced");
    if (!m_lastError.isEmpty())
        text = tr("%1 — last sync failed: %2").arg(text, m_lastError);
    m_synced->setText(text);
    m_synced->setStyleSheet(m_lastError.isEmpty() ? QStringLiteral("color:#4b5563;") : QStringLiteral("color:#b91c1c;"));
}

} // namespace Billing
