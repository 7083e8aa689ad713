#include "ui/dialogs/invoiceactiondialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/outbox/outboxservice.h"

#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

InvoiceActionDialog::InvoiceActionDialog(InvoiceActionService *service, OutboxService *outbox, InvoiceAction action,
                                         const QString &invoiceId, QWidget *parent)
    : QDialog(parent), m_service(service), m_outbox(outbox), m_action(action), m_invoiceId(invoiceId),
      m_sessionId(InvoiceActionService::newSessionOpId(action, invoiceId))
{
    setObjectName(QStringLiteral("InvoiceActionDialog"));
    setWindowTitle(invoiceActionLabel(action));
    setMinimumWidth(480);
    auto *layout = new QVBoxLayout(this);
    m_summary = OperationStatusPanel::createSummaryLabel(this, 1.1);
    m_summary->setText(tr("Loading invoice %1…").arg(invoiceId));
    layout->addWidget(m_summary);
    m_facts = new QLabel(this);
    m_facts->setWordWrap(true);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_facts);

    if (action == InvoiceAction::RecordOfflinePayment) {
        auto *box = new QGroupBox(tr("Payment received"), this);
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        m_method = new QComboBox(box);
        m_method->setObjectName(QStringLiteral("OfflineMethod"));
        for (OfflinePaymentMethod m : {OfflinePaymentMethod::Wire, OfflinePaymentMethod::Cheque, OfflinePaymentMethod::Cash,
                                       OfflinePaymentMethod::Other})
            m_method->addItem(offlinePaymentMethodLabel(m), offlinePaymentMethodName(m));
        m_reference = new QLineEdit(box);
        m_reference->setObjectName(QStringLiteral("OfflineReference"));
        m_reference->setPlaceholderText(tr("Bank reference or cheque number"));
        m_reference->setMaxLength(InvoiceActionService::MaxTextLength);
        m_date = new QDateEdit(QDate::currentDate(), box);
        m_date->setObjectName(QStringLiteral("OfflineDate"));
        m_date->setCalendarPopup(true);
        m_date->setMaximumDate(QDate::currentDate());
        m_note = new QPlainTextEdit(box);
        m_note->setObjectName(QStringLiteral("OfflineNote"));
        m_note->setPlaceholderText(tr("Optional note for the audit log"));
        m_note->setFixedHeight(60);
        form->addRow(tr("Method:"), m_method);
        form->addRow(tr("Reference:"), m_reference);
        form->addRow(tr("Received on:"), m_date);
        form->addRow(tr("Note:"), m_note);
        m_offlineBox = box;
        box->setEnabled(false);
        layout->addWidget(box);
        connect(m_reference, &QLineEdit::textChanged, this, &InvoiceActionDialog::validateInput);
        connect(m_date, &QDateEdit::dateChanged, this, &InvoiceActionDialog::validateInput);
        connect(m_note, &QPlainTextEdit::textChanged, this, &InvoiceActionDialog::validateInput);
    }

    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("StatusLabel"));
    layout->addWidget(m_status);
    layout->addStretch(1);
    QDialogButtonBox *buttons = OperationStatusPanel::createButtons(this, &m_confirm);
    m_confirm->setText(invoiceActionLabel(action));
    m_confirm->setObjectName(QStringLiteral("ConfirmButton"));
    layout->addWidget(buttons);
    connect(m_confirm, &QPushButton::clicked, this, &InvoiceActionDialog::submit);

    if (m_service) {
        connect(m_service, &InvoiceActionService::invoiceActionFinished, this,
                [this](const QString &invoiceId, InvoiceAction action, bool ok, const QString &error) {
                    if (invoiceId != m_invoiceId || action != m_action || m_state != State::Queued)
                        return;
                    setState(ok ? State::Succeeded : State::Failed,
                             ok ? tr("Done: Stripe confirmed it.") : tr("Stripe refused it: %1").arg(error),
                             ok ? QStringLiteral("#1e7b34") : QStringLiteral("#b3261e"));
                });
    }
    if (m_service)
        m_service->load(invoiceId, this, [this](Result<InvoiceActionTarget> r) { onLoaded(std::move(r)); });
    else
        setState(State::Failed, tr("The console is shutting down."), QStringLiteral("#b3261e"));
}

InvoiceActionDialog::~InvoiceActionDialog() = default;

void InvoiceActionDialog::onLoaded(Result<InvoiceActionTarget> r)
{
    if (!r) {
        m_summary->setText(tr("Invoice %1").arg(m_invoiceId));
        setState(State::Failed, r.error().userMessage, QStringLiteral("#b3261e"));
        return;
    }
    m_target = r.value();
    const InvoiceActionTarget &t = *m_target;
    const QString name = t.number.isEmpty() ? tr("draft %1").arg(t.invoiceId) : t.number;
    const QString remaining = t.amountRemaining.toLocaleString(QLocale());
    switch (m_action) {
    case InvoiceAction::Finalize: m_summary->setText(tr("Finalize invoice %1?").arg(name)); break;
    case InvoiceAction::Send: m_summary->setText(tr("Email invoice %1 to the customer?").arg(name)); break;
    case InvoiceAction::Void: m_summary->setText(tr("Void invoice %1? This cannot be undone.").arg(name)); break;
    case InvoiceAction::MarkUncollectible: m_summary->setText(tr("Write off invoice %1 as uncollectible?").arg(name)); break;
    case InvoiceAction::Pay: m_summary->setText(tr("Charge %1 for invoice %2 now?").arg(remaining, name)); break;
    case InvoiceAction::RecordOfflinePayment: m_summary->setText(tr("Record a payment of %1 for invoice %2").arg(remaining, name)); break;
    }
    m_facts->setText(tr("Status: %1 · Collection: %2 · Amount due: %3 · Remaining: %4")
                         .arg(t.status,
                              t.collectionMethod == QLatin1String("send_invoice") ? tr("emailed invoice") : tr("charged automatically"),
                              t.amountDue.toLocaleString(QLocale()), remaining));
    if (Status st = InvoiceActionService::check(t, m_action); !st) {
        setState(State::Refused, st.error().userMessage, QStringLiteral("#b3261e"));
        return;
    }
    if (m_offlineBox)
        m_offlineBox->setEnabled(true);
    setState(State::Editing);
    validateInput();
}

OfflinePayment InvoiceActionDialog::offlinePayment() const
{
    OfflinePayment p;
    if (!m_method)
        return p;
    p.method = offlinePaymentMethodFromName(m_method->currentData().toString()).value_or(OfflinePaymentMethod::Other);
    p.reference = m_reference->text();
    p.receivedOn = m_date->date();
    p.note = m_note->toPlainText();
    return p;
}

void InvoiceActionDialog::validateInput()
{
    if (m_state != State::Editing)
        return;
    if (m_action == InvoiceAction::RecordOfflinePayment) {
        const Status st = InvoiceActionService::validateOfflinePayment(offlinePayment());
        m_confirm->setEnabled(st.ok());
        OperationStatusPanel::showStatus(m_status, st.ok() ? QString() : st.error().userMessage, QString());
        return;
    }
    m_confirm->setEnabled(true);
    OperationStatusPanel::showStatus(m_status, QString(), QString());
}

void InvoiceActionDialog::submit()
{
    if (!m_service || !m_target || (m_state != State::Editing && m_state != State::Submitting))
        return;
    InvoiceActionRequest req;
    req.action = m_action;
    req.invoiceId = m_invoiceId;
    req.offline = offlinePayment();
    req.clientOpId = m_sessionId;
    setState(State::Submitting, tr("Sending to Stripe…"));
    m_service->submit(req, this, [this](Result<OutboxEntry> r) {
        if (!r) {
            const bool refused = r.error().kind == Error::Kind::Validation || r.error().kind == Error::Kind::Unauthorized;
            setState(refused ? State::Refused : State::Failed, r.error().userMessage, QStringLiteral("#b3261e"));
            return;
        }
        m_entryId = r->id;
        if (!r->isOpen()) {
            const bool ok = r->state == OutboxState::Succeeded;
            setState(ok ? State::Succeeded : State::Failed, ok ? tr("Done.") : r->errorMessage,
                     ok ? QStringLiteral("#1e7b34") : QStringLiteral("#b3261e"));
            return;
        }
        setState(State::Queued, tr("Queued; waiting for Stripe…"));
        if (!m_outbox)
            return;
        // Stripe may have answered already (before the outbox could be followed): look once.
        m_outbox->entry(r->id, this, [this](Result<OutboxEntry> e) {
            if (e && m_state == State::Queued && !e->isOpen())
                settle(e.value());
        });
        OperationStatusPanel::followEntry(
            m_outbox, r->id, this, tr("It is saved and will be sent when the connection returns."),
            [this] { return m_state == State::Queued; },
            [this](const QString &text) { setState(State::Queued, text, QStringLiteral("#8a5a00")); },
            [this](const OutboxEntry &e) { settle(e); });
    });
}

void InvoiceActionDialog::settle(const OutboxEntry &e)
{
    if (m_state != State::Queued && m_state != State::Submitting)
        return;
    const bool ok = e.state == OutboxState::Succeeded;
    if (e.isOpen())
        return;
    setState(ok ? State::Succeeded : State::Failed,
             ok ? tr("Done: Stripe confirmed it.") : tr("Stripe refused it: %1").arg(e.errorMessage),
             ok ? QStringLiteral("#1e7b34") : QStringLiteral("#b3261e"));
}

void InvoiceActionDialog::setState(State state, const QString &text, const QString &tone)
{
    m_state = state;
    m_confirm->setEnabled(state == State::Editing);
    if (m_offlineBox)
        m_offlineBox->setEnabled(state == State::Editing);
    if (!text.isEmpty() || state != State::Editing)
        OperationStatusPanel::showStatus(m_status, text, tone);
    Q_EMIT stateChanged(state);
}

} // namespace Billing
