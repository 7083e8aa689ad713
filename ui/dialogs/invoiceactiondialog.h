#pragma once

#include "services/invoices/invoiceactionservice.h"

#include <QDialog>
#include <QPointer>

class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QWidget;

namespace Billing {

class OutboxService;

// Confirms one invoice action (finalize, send, void, mark uncollectible, pay now, record an offline
// payment). Loads the invoice from Stripe first and shows what will happen in plain words; an
// action that does not apply to the invoice's state is explained and Confirm stays disabled. The
// offline payment asks for the method, the reference and the day the money arrived. One dialog is
// one session id: a double click is one outbox entry. The dialog follows the entry until Stripe
// answered (or says it is queued while offline).
class InvoiceActionDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InvoiceActionDialog)
public:
    enum class State { Loading, Editing, Refused, Submitting, Queued, Succeeded, Failed };

    // outbox may be null (no following of the entry then).
    InvoiceActionDialog(InvoiceActionService *service, OutboxService *outbox, InvoiceAction action,
                        const QString &invoiceId, QWidget *parent = nullptr);
    ~InvoiceActionDialog() override;

    State state() const { return m_state; }
    InvoiceAction action() const { return m_action; }
    QString sessionId() const { return m_sessionId; }
    qint64 entryId() const { return m_entryId; }
    QPushButton *confirmButton() const { return m_confirm; }
    QLabel *statusLabel() const { return m_status; }

Q_SIGNALS:
    void stateChanged(Billing::InvoiceActionDialog::State state);

private:
    void onLoaded(Result<InvoiceActionTarget> target);
    void validateInput();
    void submit();
    void settle(const OutboxEntry &entry);
    void setState(State state, const QString &text = {}, const QString &tone = {});
    OfflinePayment offlinePayment() const;

    QPointer<InvoiceActionService> m_service;
    QPointer<OutboxService> m_outbox;
    InvoiceAction m_action;
    QString m_invoiceId;
    QString m_sessionId;
    std::optional<InvoiceActionTarget> m_target;
    State m_state = State::Loading;
    qint64 m_entryId = 0;

    QLabel *m_summary = nullptr;
    QLabel *m_facts = nullptr;
    QWidget *m_offlineBox = nullptr;
    QComboBox *m_method = nullptr;
    QLineEdit *m_reference = nullptr;
    QDateEdit *m_date = nullptr;
    QPlainTextEdit *m_note = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_confirm = nullptr;
};

} // namespace Billing
