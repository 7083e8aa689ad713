#include "ui/dialogs/refunddialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

namespace {

QString withCode(const Money &m)
{
    return m.toDecimalString() + QLatin1Char(' ') + m.currency().code();
}

} // namespace

RefundDialog::RefundDialog(RefundService *service, OperationRunner *runner, OutboxService *outbox,
                           const QString &invoiceId, QWidget *parent)
    : QDialog(parent), m_service(service), m_runner(runner), m_outbox(outbox), m_invoiceId(invoiceId),
      m_opId(RefundService::newSessionOpId(invoiceId))
{
    setWindowTitle(tr("Refund invoice"));
    setMinimumWidth(520);

    auto *facts = new QGroupBox(tr("Payment"), this);
    auto *factsForm = new QFormLayout(facts);
    factsForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_invoiceLabel = new QLabel(facts);
    m_customerLabel = new QLabel(facts);
    m_paidLabel = new QLabel(facts);
    m_refundedLabel = new QLabel(facts);
    m_pendingLabel = new QLabel(facts);
    m_refundableLabel = new QLabel(facts);
    QFont bold = m_refundableLabel->font();
    bold.setBold(true);
    m_refundableLabel->setFont(bold);
    for (QLabel *l : {m_invoiceLabel, m_customerLabel, m_paidLabel, m_refundedLabel, m_pendingLabel, m_refundableLabel})
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    factsForm->addRow(tr("Invoice:"), m_invoiceLabel);
    factsForm->addRow(tr("Customer:"), m_customerLabel);
    factsForm->addRow(tr("Paid:"), m_paidLabel);
    factsForm->addRow(tr("Already refunded:"), m_refundedLabel);
    factsForm->addRow(tr("Queued, not yet sent:"), m_pendingLabel);
    factsForm->addRow(tr("Can still be refunded:"), m_refundableLabel);

    auto *input = new QGroupBox(tr("Refund"), this);
    auto *form = new QFormLayout(input);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_amountEdit = new QLineEdit(input);
    m_amountEdit->setObjectName(QStringLiteral("amount"));
    m_amountEdit->setAccessibleName(tr("Amount"));
    m_currencyLabel = new QLabel(input);
    auto *amountRow = new QHBoxLayout;
    amountRow->addWidget(m_amountEdit, 1);
    amountRow->addWidget(m_currencyLabel);
    m_amountMessage = new QLabel(input);
    m_amountMessage->setObjectName(QStringLiteral("amountMessage"));
    m_amountMessage->setWordWrap(true);
    m_amountMessage->setStyleSheet(QStringLiteral("color: #b3261e;"));
    auto *amountBox = new QVBoxLayout;
    amountBox->setSpacing(2);
    amountBox->addLayout(amountRow);
    amountBox->addWidget(m_amountMessage);
    auto *amountLabel = new QLabel(tr("&Amount:"), input);
    amountLabel->setBuddy(m_amountEdit);
    form->addRow(amountLabel, amountBox);

    m_reasonCombo = new QComboBox(input);
    m_reasonCombo->setObjectName(QStringLiteral("reason"));
    m_reasonCombo->addItem(tr("Requested by customer"), refundReasonName(RefundReason::RequestedByCustomer));
    m_reasonCombo->addItem(tr("Duplicate payment"), refundReasonName(RefundReason::Duplicate));
    m_reasonCombo->addItem(tr("Fraudulent"), refundReasonName(RefundReason::Fraudulent));
    form->addRow(tr("&Reason:"), m_reasonCombo);

    m_noteEdit = new QPlainTextEdit(input);
    m_noteEdit->setObjectName(QStringLiteral("note"));
    m_noteEdit->setPlaceholderText(tr("Why, for the audit log and the refund's metadata"));
    m_noteEdit->setFixedHeight(m_noteEdit->fontMetrics().lineSpacing() * 3 + 12);
    m_noteEdit->setTabChangesFocus(true);
    form->addRow(tr("&Note:"), m_noteEdit);

    m_alsoCreditNote = new QCheckBox(tr("Also issue a credit note"), input);
    m_alsoCreditNote->setObjectName(QStringLiteral("alsoCreditNote"));
    m_creditInstead = new QCheckBox(tr("Credit note instead of refund"), input);
    m_creditInstead->setObjectName(QStringLiteral("creditInstead"));
    m_creditTarget = new QComboBox(input);
    m_creditTarget->setObjectName(QStringLiteral("creditTarget"));
    m_creditTarget->addItem(tr("to the customer's balance"), static_cast<int>(RefundMode::CreditToBalance));
    m_creditTarget->addItem(tr("paid back outside Stripe"), static_cast<int>(RefundMode::CreditOutOfBand));
    m_creditTarget->setEnabled(false);
    auto *insteadRow = new QHBoxLayout;
    insteadRow->addWidget(m_creditInstead);
    insteadRow->addWidget(m_creditTarget, 1);
    auto *options = new QVBoxLayout;
    options->addWidget(m_alsoCreditNote);
    options->addLayout(insteadRow);
    form->addRow(tr("Credit note:"), options);

    m_previewLabel = new QLabel(input);
    m_previewLabel->setObjectName(QStringLiteral("preview"));
    m_previewLabel->setWordWrap(true);
    m_previewLabel->setVisible(false);
    form->addRow(QString(), m_previewLabel);

    m_summaryLabel = OperationStatusPanel::createSummaryLabel(this, 1.1);
    m_statusLabel = OperationStatusPanel::createStatusLabel(this);
    m_buttons = OperationStatusPanel::createButtons(this, &m_confirmButton);
    connect(m_confirmButton, &QPushButton::clicked, this, &RefundDialog::confirm);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(facts);
    layout->addWidget(input);
    layout->addWidget(m_summaryLabel);
    layout->addWidget(m_statusLabel);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    m_previewTimer.setSingleShot(true);
    m_previewTimer.setInterval(300);
    connect(&m_previewTimer, &QTimer::timeout, this, &RefundDialog::requestPreview);
    connect(m_amountEdit, &QLineEdit::textChanged, this, &RefundDialog::updateValidity);
    connect(m_reasonCombo, &QComboBox::currentIndexChanged, this, &RefundDialog::updateValidity);
    connect(m_noteEdit, &QPlainTextEdit::textChanged, this, &RefundDialog::updateValidity);
    connect(m_alsoCreditNote, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_creditInstead->setChecked(false);
        updateValidity();
    });
    connect(m_creditInstead, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_alsoCreditNote->setChecked(false);
        m_creditTarget->setEnabled(on && m_state == State::Editing);
        updateValidity();
    });
    connect(m_creditTarget, &QComboBox::currentIndexChanged, this, &RefundDialog::updateValidity);
    if (m_runner)
        connect(m_runner, &OperationRunner::operationFinished, this, &RefundDialog::onFinished);
    if (m_outbox)
        connect(m_outbox, &OutboxService::entryChanged, this, &RefundDialog::onEntryChanged);

    reload();
}

RefundDialog::~RefundDialog() = default;

void RefundDialog::setState(State state)
{
    m_state = state;
    const bool editable = state == State::Editing || state == State::Failed;
    for (QWidget *w : std::initializer_list<QWidget *>{m_amountEdit, m_reasonCombo, m_noteEdit, m_alsoCreditNote, m_creditInstead})
        w->setEnabled(editable);
    m_creditTarget->setEnabled(editable && m_creditInstead->isChecked());
    if (state == State::Failed)
        m_state = State::Editing; // a refused request can be corrected and confirmed again
    updateValidity();
    Q_EMIT stateChanged(state);
}

void RefundDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_statusLabel, text, tone);
}

void RefundDialog::reload()
{
    setState(State::Loading);
    setStatus(tr("Loading the invoice's payment from Stripe\u2026"), {});
    m_service->load(m_invoiceId, this, [this](Result<RefundContext> r) { onLoaded(std::move(r)); });
}

void RefundDialog::onLoaded(Result<RefundContext> r)
{
    if (!r) {
        m_invoiceLabel->setText(m_invoiceId);
        setStatus(r.error().userMessage, QStringLiteral("#b3261e"));
        m_state = State::LoadFailed;
        for (QWidget *w : std::initializer_list<QWidget *>{m_amountEdit, m_reasonCombo, m_noteEdit, m_alsoCreditNote, m_creditInstead, m_creditTarget})
            w->setEnabled(false);
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        return;
    }
    const bool first = !m_context.currency.isValid();
    m_context = r.value();
    const QLocale loc = locale();
    m_invoiceLabel->setText(m_context.invoiceNumber.isEmpty()
                                ? m_context.invoiceId
                                : tr("%1 (%2)").arg(m_context.invoiceNumber, m_context.invoiceId));
    m_customerLabel->setText(m_context.customerName);
    m_paidLabel->setText(tr("%1 by %2").arg(m_context.paid.toLocaleString(loc), m_context.paymentMethodLabel()));
    m_refundedLabel->setText(m_context.refunded.toLocaleString(loc));
    m_pendingLabel->setText(m_context.pendingRefunds.toLocaleString(loc));
    m_refundableLabel->setText(m_context.refundable.toLocaleString(loc));
    m_currencyLabel->setText(m_context.currency.code());
    if (first || m_state != State::Succeeded) {
        m_amountEdit->setText(m_context.refundable.toDecimalString());
        setStatus(QString(), {});
        setState(State::Editing);
        m_amountEdit->setFocus();
        m_amountEdit->selectAll();
    }
}

RefundMode RefundDialog::mode() const
{
    if (m_creditInstead->isChecked())
        return static_cast<RefundMode>(m_creditTarget->currentData().toInt());
    return m_alsoCreditNote->isChecked() ? RefundMode::RefundWithCreditNote : RefundMode::Refund;
}

RefundRequest RefundDialog::currentRequest() const
{
    RefundRequest req;
    req.amount = m_amount.value_or(Money());
    req.reason = refundReasonFromName(m_reasonCombo->currentData().toString()).value_or(RefundReason::RequestedByCustomer);
    req.note = m_noteEdit->toPlainText();
    req.mode = mode();
    req.clientOpId = m_opId;
    return req;
}

void RefundDialog::updateValidity()
{
    if (m_state != State::Editing) {
        m_confirmButton->setEnabled(false);
        return;
    }
    m_refundableLabel->setText(m_context.maximumFor(mode()).toLocaleString(locale()));
    Result<Money> amount = RefundService::parseAmount(m_context, m_amountEdit->text(), mode(), locale());
    m_amount.reset();
    QString problem;
    if (amount)
        m_amount = amount.value();
    else
        problem = amount.error().userMessage;
    if (problem.isEmpty() && m_noteEdit->toPlainText().size() > RefundService::MaxNoteLength)
        problem = tr("The note is too long (at most %1 characters).").arg(RefundService::MaxNoteLength);
    m_amountMessage->setText(problem);
    m_amountMessage->setVisible(!problem.isEmpty());
    m_amountEdit->setStyleSheet(problem.isEmpty() ? QString() : QStringLiteral("border: 1px solid #b3261e;"));
    m_confirmButton->setEnabled(problem.isEmpty());

    if (!m_amount) {
        m_summaryLabel->setText(QString());
        m_previewLabel->setVisible(false);
        return;
    }
    const QString amountText = withCode(*m_amount);
    switch (mode()) {
    case RefundMode::Refund:
        m_summaryLabel->setText(tr("Refund %1 to %2").arg(amountText, m_context.paymentMethodLabel()));
        break;
    case RefundMode::RefundWithCreditNote:
        m_summaryLabel->setText(tr("Refund %1 to %2 with a credit note").arg(amountText, m_context.paymentMethodLabel()));
        break;
    case RefundMode::CreditToBalance:
        m_summaryLabel->setText(tr("Credit %1 to %2's balance (no refund)").arg(amountText, m_context.customerName));
        break;
    case RefundMode::CreditOutOfBand:
        m_summaryLabel->setText(tr("Credit note of %1, paid back outside Stripe").arg(amountText));
        break;
    }
    if (refundModeIssuesCreditNote(mode())) {
        m_previewLabel->setVisible(true);
        m_previewLabel->setText(tr("Asking Stripe for the credit note preview\u2026"));
        m_previewTimer.start();
    } else {
        m_previewLabel->setVisible(false);
    }
}

void RefundDialog::requestPreview()
{
    if (!m_amount || !refundModeIssuesCreditNote(mode()))
        return;
    const int serial = ++m_previewSerial;
    m_service->previewCreditNote(m_context, currentRequest(), this, [this, serial](Result<CreditNotePreview> r) {
        if (serial != m_previewSerial)
            return; // the input changed since
        if (!r) {
            m_previewLabel->setText(tr("Stripe's preview: %1").arg(r.error().userMessage));
            return;
        }
        const QLocale loc = locale();
        QStringList parts;
        if (!r->refundAmount.isZero())
            parts << tr("refund %1").arg(r->refundAmount.toLocaleString(loc));
        if (!r->creditAmount.isZero())
            parts << tr("balance credit %1").arg(r->creditAmount.toLocaleString(loc));
        if (!r->outOfBandAmount.isZero())
            parts << tr("outside Stripe %1").arg(r->outOfBandAmount.toLocaleString(loc));
        m_previewLabel->setText(tr("Stripe's preview: credit note %1, total %2 (%3).")
                                    .arg(r->number, r->total.toLocaleString(loc), parts.join(QStringLiteral(", "))));
    });
}

void RefundDialog::confirm()
{
    if (m_state != State::Editing || !m_amount)
        return; // a second click while the first is on its way does nothing
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    m_service->submit(m_context, currentRequest(), this, [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
}

void RefundDialog::onQueued(Result<OutboxEntry> r)
{
    if (!r) {
        setStatus(r.error().userMessage, QStringLiteral("#b3261e"));
        setState(State::Failed);
        return;
    }
    m_entryId = r->id;
    if (m_amount && refundModeMovesMoney(mode()) && r->isOpen()) {
        // Shown as queued at once, as the service counts it for every later request.
        const Result<Money> pending = m_context.pendingRefunds.plus(*m_amount);
        const Result<Money> left = m_context.refundable.minus(*m_amount);
        if (pending && left) {
            m_context.pendingRefunds = pending.value();
            m_context.refundable = left.value();
            m_pendingLabel->setText(m_context.pendingRefunds.toLocaleString(locale()));
            m_refundableLabel->setText(m_context.refundable.toLocaleString(locale()));
        }
    }
    if (r->state == OutboxState::Succeeded || r->state == OutboxState::Failed || r->state == OutboxState::NeedsAttention) {
        onFinished(r.value());
        return;
    }
    setStatus(tr("Sending to Stripe\u2026 The refund is saved and will not be sent twice."), QStringLiteral("#6b5900"));
    setState(State::Queued);
}

void RefundDialog::onEntryChanged(qint64 id)
{
    if (id != m_entryId || m_state != State::Queued || !m_outbox)
        return;
    OperationStatusPanel::followEntry(
        m_outbox, id, this,
        tr("The refund is saved in the outbox and will be sent once, automatically, when the "
           "connection returns."),
        [this] { return m_state == State::Queued; },
        [this](const QString &text) { setStatus(text, QStringLiteral("#6b5900")); },
        [this](const OutboxEntry &entry) { onFinished(entry); });
}

void RefundDialog::onFinished(const OutboxEntry &entry)
{
    if (entry.id != m_entryId || m_entryId == 0 || m_state == State::Succeeded)
        return;
    switch (entry.state) {
    case OutboxState::Succeeded:
        setStatus(tr("Done. Stripe confirmed %1.").arg(entry.resultObjectId), QStringLiteral("#1e6b32"));
        setState(State::Succeeded);
        m_confirmButton->setEnabled(false);
        m_service->load(m_invoiceId, this, [this](Result<RefundContext> r) { onLoaded(std::move(r)); });
        break;
    case OutboxState::Failed:
        // Stripe refused it for good: a corrected request is a new operation.
        m_opId = RefundService::newSessionOpId(m_invoiceId);
        m_entryId = 0;
        setStatus(tr("Stripe refused it: %1").arg(entry.errorMessage), QStringLiteral("#b3261e"));
        setState(State::Failed);
        break;
    case OutboxState::NeedsAttention:
        setStatus(tr("Stripe's answer is unclear (%1). Check this refund in Stripe before trying again.")
                      .arg(entry.errorMessage),
                  QStringLiteral("#b3261e"));
        m_state = State::Failed;
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        break;
    case OutboxState::Pending:
    case OutboxState::InFlight: break;
    }
}

} // namespace Billing
