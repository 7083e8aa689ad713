#pragma once

#include "services/sync/synccontrol.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace Billing {

// Status bar: mode badge (Sandbox/Test/Live/Offline), account, "Synced 5 min ago", and a progress
// bar with Cancel while a sync runs. Fed by SyncControl's signals.
class ConnectionStatusWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionStatusWidget)
public:
    explicit ConnectionStatusWidget(SyncControl *sync, QWidget *parent = nullptr);

    QString modeText() const;
    QString syncedText() const;
    bool isProgressVisible() const;

Q_SIGNALS:
    void syncFinished(bool ok);

private:
    void showConnection(const ConnectionInfo &info);
    void updateSynced();

    SyncControl *m_sync;
    QLabel *m_badge;
    QLabel *m_account;
    QLabel *m_synced;
    QLabel *m_stage;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QTimer *m_tick;
    QString m_lastError;
};

} // namespace Billing
