#include "ui/dialogs/goodwillcreditdialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/outbox/outboxservice.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

GoodwillCreditDialog::GoodwillCreditDialog(CustomerCreditService *service, OutboxService *outbox,
                                           const QString &customerId, QWidget *parent)
    : QDialog(parent), m_service(service), m_outbox(outbox), m_customerId(customerId),
      m_opId(CustomerCreditService::newSessionOpId(customerId))
{
    setWindowTitle(tr("Apply goodwill credit"));
    setMinimumWidth(500);

    auto *facts = new QGroupBox(tr("Customer"), this);
    auto *factsForm = new QFormLayout(facts);
    factsForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_customerLabel = new QLabel(facts);
    m_balanceLabel = new QLabel(facts);
    m_balanceLabel->setObjectName(QStringLiteral("balance"));
    m_balanceLabel->setWordWrap(true);
    for (QLabel *l : {m_customerLabel, m_balanceLabel})
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    factsForm->addRow(tr("Customer:"), m_customerLabel);
    factsForm->addRow(tr("Balance now:"), m_balanceLabel);

    auto *input = new QGroupBox(tr("Credit"), this);
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
    m_reasonEdit = new QPlainTextEdit(input);
    m_reasonEdit->setObjectName(QStringLiteral("reason"));
    m_reasonEdit->setPlaceholderText(tr("Why the customer gets this credit (kept in the audit log and on the credit)"));
    m_reasonEdit->setFixedHeight(m_reasonEdit->fontMetrics().lineSpacing() * 3 + 12);
    m_reasonEdit->setTabChangesFocus(true);
    form->addRow(tr("&Reason:"), m_reasonEdit);
    auto *hint = new QLabel(tr("The credit lowers what the customer pays on their next invoices; no money is sent "
                               "to their card. Support staff can give up to the workspace's credit limit; above "
                               "it, finance must apply it."),
                            input);
    hint->setWordWrap(true);
    hint->setObjectName(QStringLiteral("hint"));
    hint->setStyleSheet(QStringLiteral("color: #5f6368;"));
    form->addRow(hint);

    m_summary = OperationStatusPanel::createSummaryLabel(this);
    m_status = OperationStatusPanel::createStatusLabel(this);
    QDialogButtonBox *buttons = OperationStatusPanel::createButtons(this, &m_confirm);
    m_confirm->setText(tr("Apply credit"));
    m_confirm->setObjectName(QStringLiteral("confirm"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(facts);
    layout->addWidget(input);
    layout->addWidget(m_summary);
    layout->addWidget(m_status);
    layout->addStretch(1);
    layout->addWidget(buttons);

    connect(m_amountEdit, &QLineEdit::textChanged, this, &GoodwillCreditDialog::updateValidity);
    connect(m_reasonEdit, &QPlainTextEdit::textChanged, this, &GoodwillCreditDialog::updateValidity);
    connect(m_confirm, &QPushButton::clicked, this, &GoodwillCreditDialog::confirm);

    m_amountEdit->setEnabled(false);
    m_reasonEdit->setEnabled(false);
    setStatus(tr("Loading the customer's balance from Stripe…"), {});
    m_service->load(customerId, this, [this](Result<CreditLedger> r) { onLoaded(std::move(r)); });
}

GoodwillCreditDialog::~GoodwillCreditDialog() = default;

void GoodwillCreditDialog::setState(State state)
{
    m_state = state;
    const bool editing = state == State::Editing;
    m_amountEdit->setEnabled(editing);
    m_reasonEdit->setEnabled(editing);
    if (!editing)
        m_confirm->setEnabled(false);
    Q_EMIT stateChanged(state);
}

void GoodwillCreditDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_status, text, tone);
}

void GoodwillCreditDialog::onLoaded(Result<CreditLedger> ledger)
{
    if (!ledger) {
        setStatus(tr("The balance could not be loaded: %1").arg(ledger.error().userMessage), QStringLiteral("#b3261e"));
        setState(State::LoadFailed);
        return;
    }
    m_ledger = *ledger;
    m_customerLabel->setText(m_ledger.customerName.isEmpty() ? m_ledger.customerId
                                                             : tr("%1 (%2)").arg(m_ledger.customerName, m_ledger.customerId));
    m_balanceLabel->setText(balanceInWords(m_ledger.balance, locale()));
    if (!m_ledger.currency.isValid()) {
        setStatus(tr("This customer has no currency yet (never invoiced), so no credit can be given."), QStringLiteral("#b3261e"));
        setState(State::LoadFailed);
        return;
    }
    m_currencyLabel->setText(m_ledger.currency.code());
    m_amountEdit->setPlaceholderText(Money(m_ledger.currency.isZeroDecimal() ? 1000 : 2500, m_ledger.currency).toDecimalString());
    setStatus({}, {});
    setState(State::Editing);
    m_amountEdit->setFocus();
    updateValidity();
}

void GoodwillCreditDialog::updateValidity()
{
    if (m_state != State::Editing)
        return;
    m_amount.reset();
    const QString text = m_amountEdit->text();
    if (text.trimmed().isEmpty()) {
        m_amountMessage->clear();
    } else {
        Result<Money> m = CustomerCreditService::parseAmount(m_ledger, text, locale());
        if (m)
            m_amount = *m;
        m_amountMessage->setText(m ? QString() : m.error().userMessage);
    }
    GoodwillRequest request{m_amount.value_or(Money()), m_reasonEdit->toPlainText(), m_opId};
    const Status ok = m_amount ? CustomerCreditService::validate(m_ledger, request) : Status(Error::make(Error::Kind::Validation, {}));
    m_confirm->setEnabled(ok.ok());
    if (m_amount && !ok.ok() && !request.reason.trimmed().isEmpty())
        m_amountMessage->setText(ok.error().userMessage);
    if (ok.ok()) {
        const Money after(m_ledger.balance.minor() - m_amount->minor(), m_ledger.currency);
        m_summary->setText(tr("Credit %1 to %2. Afterwards: %3")
                               .arg(m_amount->toLocaleString(locale()), m_customerLabel->text(), balanceInWords(after, locale())));
    } else {
        m_summary->clear();
    }
}

void GoodwillCreditDialog::confirm()
{
    if (m_state != State::Editing || !m_amount)
        return;
    GoodwillRequest request{*m_amount, m_reasonEdit->toPlainText(), m_opId};
    setState(State::Submitting);
    setStatus(tr("Sending…"), {});
    m_service->applyGoodwill(m_ledger, request, this, [this](Result<OutboxEntry> entry) {
        if (!entry) {
            setStatus(entry.error().userMessage, QStringLiteral("#b3261e"));
            setState(entry.error().kind == Error::Kind::Validation ? State::Editing : State::Failed);
            if (m_state == State::Editing)
                updateValidity();
            return;
        }
        m_entryId = entry->id;
        setState(State::Queued);
        setStatus(tr("Queued; waiting for Stripe…"), {});
        auto onFinished = [this](const OutboxEntry &e) {
            if (e.state == OutboxState::Succeeded) {
                setStatus(tr("Done: %1 credited. It is on the customer's balance in Stripe.")
                              .arg(m_amount ? m_amount->toLocaleString(locale()) : QString()),
                          QStringLiteral("#137333"));
                setState(State::Succeeded);
            } else {
                setStatus(e.errorMessage.isEmpty() ? tr("Stripe did not apply the credit.") : e.errorMessage,
                          QStringLiteral("#b3261e"));
                setState(State::Failed);
            }
        };
        if (!m_outbox)
            return;
        auto follow = [this, onFinished](qint64 id) {
            if (id != m_entryId || m_state != State::Queued)
                return;
            OperationStatusPanel::followEntry(
                m_outbox, id, this, tr("It stays queued and goes out when the connection returns."),
                [this] { return m_state == State::Queued; },
                [this](const QString &offline) { setStatus(offline, QStringLiteral("#b06000")); }, onFinished);
        };
        connect(m_outbox, &OutboxService::entryChanged, this, follow);
        follow(m_entryId); // it may have finished already
    });
}

} // namespace Billing
