#pragma once

#include "services/refunds/refundservice.h"

#include <QDialog>
#include <QTimer>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace Billing {

class OperationRunner;
class OutboxService;

// Refund (or credit) a paid invoice's payment: shows the invoice, what was paid, refunded and
// can still be refunded; takes an amount in the invoice's currency (strictly parsed, checked
// against the remainder as you type), a reason, a note, and whether to issue a credit note with or
// instead of the refund (with Stripe's preview). Confirm is disabled while the input is invalid and
// while the request is on its way; one dialog session is one outbox operation, so a double click
// never refunds twice. When Stripe cannot be reached the refund stays queued in the outbox and the
// dialog says it will go out when the connection returns.
class RefundDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RefundDialog)
public:
    enum class State { Loading, LoadFailed, Editing, Submitting, Queued, Succeeded, Failed };

    RefundDialog(RefundService *service, OperationRunner *runner, OutboxService *outbox, const QString &invoiceId,
                 QWidget *parent = nullptr);
    ~RefundDialog() override;

    State state() const { return m_state; }
    const RefundContext &refundContext() const { return m_context; }
    QString clientOpId() const { return m_opId; }
    qint64 entryId() const { return m_entryId; }

Q_SIGNALS:
    void stateChanged(Billing::RefundDialog::State state);

private:
    void reload();
    void onLoaded(Result<RefundContext> context);
    void updateValidity();
    void requestPreview();
    void confirm();
    void onQueued(Result<OutboxEntry> entry);
    void onEntryChanged(qint64 id);
    void onFinished(const OutboxEntry &entry);
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);
    RefundMode mode() const;
    RefundRequest currentRequest() const;

    RefundService *m_service;
    OperationRunner *m_runner;
    OutboxService *m_outbox;
    QString m_invoiceId;
    QString m_opId;
    RefundContext m_context;
    State m_state = State::Loading;
    qint64 m_entryId = 0;
    std::optional<Money> m_amount; // the valid amount typed, if any
    int m_previewSerial = 0;
    QTimer m_previewTimer;

    QLabel *m_invoiceLabel;
    QLabel *m_customerLabel;
    QLabel *m_paidLabel;
    QLabel *m_refundedLabel;
    QLabel *m_pendingLabel;
    QLabel *m_refundableLabel;
    QLineEdit *m_amountEdit;
    QLabel *m_currencyLabel;
    QLabel *m_amountMessage;
    QComboBox *m_reasonCombo;
    QPlainTextEdit *m_noteEdit;
    QCheckBox *m_alsoCreditNote;
    QCheckBox *m_creditInstead;
    QComboBox *m_creditTarget;
    QLabel *m_previewLabel;
    QLabel *m_summaryLabel;
    QLabel *m_statusLabel;
    QDialogButtonBox *m_buttons;
    QPushButton *m_confirmButton;
};

} // namespace Billing
