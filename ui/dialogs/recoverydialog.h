#pragma once

#include "services/dunning/recoveryservice.h"
#include "services/storage/cachequeries.h"

#include <QDialog>
#include <QPointer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace Billing {

class PortalSessionService;

// The guided recovery of one failed invoice (Dunning pane > Recover…): the decline and what it
// means, the failure history (payment attempts, contacts, automation decisions), and the steps:
// retry now, send the customer a card-update link (portal payment_method_update flow) or the hosted
// invoice link, record a contact or note, assign an owner, escalate, pause the subscription, write
// off (finance only). Every step goes through RecoveryService (audited; Stripe writes through the
// outbox). When a retry pays, the dialog says so and the invoice leaves the queue.
class RecoveryDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecoveryDialog)
public:
    // portal may be null (the card-update link is then unavailable).
    RecoveryDialog(RecoveryService *service, PortalSessionService *portal, const InvoiceRow &row, QWidget *parent = nullptr);
    ~RecoveryDialog() override;

    QPushButton *retryButton() const { return m_retry; }
    QPushButton *portalButton() const { return m_portal; }
    QPushButton *hostedButton() const { return m_hosted; }
    QPushButton *recordButton() const { return m_record; }
    QPushButton *assignButton() const { return m_assign; }
    QPushButton *escalateButton() const { return m_escalate; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *writeOffButton() const { return m_writeOff; }
    QComboBox *contactKind() const { return m_kind; }
    QPlainTextEdit *noteEdit() const { return m_note; }
    QLineEdit *ownerEdit() const { return m_owner; }
    QTreeWidget *history() const { return m_history; }
    QLabel *statusLabel() const { return m_status; }
    bool isPaid() const { return m_paid; }
    QString lastLink() const { return m_lastLink; }

    void reloadHistory();

private:
    void setBusy(bool busy);
    void showStatus(const QString &text, const QString &tone);
    void queued(const QString &what, Result<OutboxEntry> entry);
    void recordContact(const QString &kind, const QString &text, const QString &done);

    QPointer<RecoveryService> m_service;
    QPointer<PortalSessionService> m_portalService;
    InvoiceRow m_row;
    QString m_session;
    bool m_paid = false;
    QString m_lastLink;
    QLabel *m_summary;
    QLabel *m_decline;
    QTreeWidget *m_history;
    QPushButton *m_retry;
    QPushButton *m_portal;
    QPushButton *m_hosted;
    QComboBox *m_kind;
    QPlainTextEdit *m_note;
    QPushButton *m_record;
    QLineEdit *m_owner;
    QPushButton *m_assign;
    QPushButton *m_escalate;
    QPushButton *m_pause;
    QPushButton *m_writeOff;
    QLabel *m_status;
};

} // namespace Billing
