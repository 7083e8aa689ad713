#include "ui/dialogs/paymenttermsdialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/outbox/outboxservice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {
const QString ErrorTone = QStringLiteral("#b3261e");
const QString PendingTone = QStringLiteral("#6b5900");
const QString DoneTone = QStringLiteral("#1e6b32");
} // namespace

PaymentTermsDialog::PaymentTermsDialog(PaymentTermsService *service, OutboxService *outbox, Mode mode, const QString &targetId,
                                       const QString &label, const Currency &currency, QWidget *parent)
    : QDialog(parent), m_service(service), m_outbox(outbox), m_mode(mode), m_targetId(targetId), m_currency(currency)
{
    setObjectName(QStringLiteral("PaymentTermsDialog"));
    m_sessionId = QStringLiteral("terms:%1:%2").arg(targetId, QUuid::createUuid().toString(QUuid::WithoutBraces));
    buildUi(label);
    setState(State::Loading, tr("Loading the current terms…"), PendingTone);
    if (m_mode == Mode::Customer) {
        m_service->customerDefaults(targetId, this, [this](Result<std::optional<StoredPaymentTerms>> r) {
            if (!r)
                return setState(State::Failed, r.error().userMessage, ErrorTone);
            if (r.value())
                setTerms(r.value()->terms);
            setState(State::Editing, r.value() ? tr("Last changed by %1 on %2.")
                                                     .arg(r.value()->updatedBy, QLocale().toString(r.value()->updatedAt.toLocalTime(), QLocale::ShortFormat))
                                               : tr("No terms stored yet: invoices are charged automatically."));
        });
    } else {
        m_service->loadSubscription(targetId, this, [this](Result<SubscriptionTermsContext> r) {
            if (!r)
                return setState(State::Failed, r.error().userMessage, ErrorTone);
            m_subscription = r.value();
            m_currency = m_subscription.currency;
            setTerms(m_subscription.current);
            setState(State::Editing, tr("Currently: %1.").arg(m_subscription.current.label()));
        });
    }
}

PaymentTermsDialog::~PaymentTermsDialog() = default;

void PaymentTermsDialog::buildUi(const QString &label)
{
    setWindowTitle(m_mode == Mode::Customer ? tr("Payment terms for %1").arg(label) : tr("Payment terms of %1").arg(label));
    setMinimumWidth(560);
    auto *layout = new QVBoxLayout(this);
    auto *header = OperationStatusPanel::createSummaryLabel(this, 1.15);
    header->setObjectName(QStringLiteral("header"));
    header->setText(m_mode == Mode::Customer
                        ? tr("Default terms for %1's new invoices").arg(label)
                        : tr("Terms of subscription %1").arg(label));
    layout->addWidget(header);

    auto *collectGroup = new QGroupBox(tr("Collection"), this);
    auto *cform = new QFormLayout(collectGroup);
    cform->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_collection = new QComboBox(collectGroup);
    m_collection->setObjectName(QStringLiteral("collection"));
    m_collection->addItem(tr("Charge the payment method automatically"));
    m_collection->addItem(tr("Email the invoice; the customer pays by the due date"));
    cform->addRow(tr("Collect by"), m_collection);
    auto *netRow = new QHBoxLayout;
    m_net = new QComboBox(collectGroup);
    m_net->setObjectName(QStringLiteral("net"));
    for (int d : {15, 30, 60})
        m_net->addItem(tr("Net %1").arg(d), d);
    m_net->addItem(tr("Custom"), -1);
    m_days = new QSpinBox(collectGroup);
    m_days->setObjectName(QStringLiteral("days"));
    m_days->setRange(0, PaymentTerms::MaxDaysUntilDue);
    m_days->setSuffix(tr(" days"));
    m_days->setValue(30);
    m_net->setCurrentIndex(m_net->findData(30));
    netRow->addWidget(m_net, 1);
    netRow->addWidget(m_days);
    cform->addRow(tr("Terms"), netRow);
    layout->addWidget(collectGroup);

    auto *invoiceGroup = new QGroupBox(tr("On the invoice"), this);
    auto *iform = new QFormLayout(invoiceGroup);
    iform->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_po = new QLineEdit(invoiceGroup);
    m_po->setObjectName(QStringLiteral("po"));
    m_po->setMaxLength(PaymentTerms::MaxFieldValueLength + 1); // one over: the rule message shows
    m_po->setPlaceholderText(tr("Customer's purchase-order number"));
    iform->addRow(tr("PO number"), m_po);
    m_memo = new QLineEdit(invoiceGroup);
    m_memo->setObjectName(QStringLiteral("memo"));
    m_memo->setPlaceholderText(tr("Shown at the top of the invoice"));
    iform->addRow(tr("Memo"), m_memo);
    m_footer = new QPlainTextEdit(invoiceGroup);
    m_footer->setObjectName(QStringLiteral("footer"));
    m_footer->setPlaceholderText(tr("Remittance details, legal text…"));
    m_footer->setFixedHeight(m_footer->fontMetrics().lineSpacing() * 3 + 14);
    iform->addRow(tr("Footer"), m_footer);
    if (m_mode == Mode::Subscription) {
        auto *note = new QLabel(tr("PO number, memo and footer go on invoices the console creates; set them in the customer's terms."),
                                invoiceGroup);
        note->setWordWrap(true);
        note->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
        iform->addRow(note);
        m_po->setEnabled(false);
        m_memo->setEnabled(false);
        m_footer->setEnabled(false);
    }
    layout->addWidget(invoiceGroup);

    auto *payGroup = new QGroupBox(tr("Accepted payment methods"), this);
    auto *pl = new QVBoxLayout(payGroup);
    m_card = new QCheckBox(tr("Card"), payGroup);
    m_card->setObjectName(QStringLiteral("card"));
    m_ach = new QCheckBox(tr("ACH direct debit (US bank account, USD only)"), payGroup);
    m_ach->setObjectName(QStringLiteral("ach"));
    m_wire = new QCheckBox(tr("Bank transfer / wire (funds the customer balance)"), payGroup);
    m_wire->setObjectName(QStringLiteral("wire"));
    auto *wireRow = new QHBoxLayout;
    wireRow->addWidget(m_wire, 1);
    m_country = new QComboBox(payGroup);
    m_country->setObjectName(QStringLiteral("country"));
    m_country->addItem(tr("EU country…"), QString());
    for (const char *c : {"BE", "DE", "ES", "FR", "IE", "NL"})
        m_country->addItem(QString::fromLatin1(c), QString::fromLatin1(c));
    wireRow->addWidget(m_country);
    pl->addWidget(m_card);
    pl->addWidget(m_ach);
    pl->addLayout(wireRow);
    auto *payHint = new QLabel(tr("None ticked: Stripe offers the methods enabled in the account's invoice settings."), payGroup);
    payHint->setWordWrap(true);
    payHint->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    pl->addWidget(payHint);
    layout->addWidget(payGroup);

    m_preview = new QLabel(this);
    m_preview->setObjectName(QStringLiteral("preview"));
    m_preview->setWordWrap(true);
    layout->addWidget(m_preview);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1;").arg(ErrorTone));
    m_error->setVisible(false);
    layout->addWidget(m_error);
    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    layout->addWidget(m_status);
    auto *buttons = OperationStatusPanel::createButtons(this, &m_save);
    m_save->setObjectName(QStringLiteral("confirm"));
    m_save->setText(m_mode == Mode::Customer ? tr("Save terms") : tr("Apply to subscription"));
    layout->addWidget(buttons);

    auto changed = [this] { refresh(); };
    connect(m_collection, &QComboBox::currentIndexChanged, this, changed);
    connect(m_net, &QComboBox::currentIndexChanged, this, [this] {
        const int d = m_net->currentData().toInt();
        if (d >= 0)
            m_days->setValue(d);
        refresh();
    });
    connect(m_days, &QSpinBox::valueChanged, this, [this](int v) {
        const int i = m_net->findData(v);
        m_net->blockSignals(true);
        m_net->setCurrentIndex(i >= 0 ? i : m_net->count() - 1);
        m_net->blockSignals(false);
        refresh();
    });
    for (QLineEdit *e : {m_po, m_memo})
        connect(e, &QLineEdit::textChanged, this, changed);
    connect(m_footer, &QPlainTextEdit::textChanged, this, changed);
    for (QCheckBox *c : {m_card, m_ach, m_wire})
        connect(c, &QCheckBox::toggled, this, changed);
    connect(m_country, &QComboBox::currentIndexChanged, this, changed);
    connect(m_save, &QPushButton::clicked, this, &PaymentTermsDialog::save);
    refresh();
}

PaymentTerms PaymentTermsDialog::terms() const
{
    PaymentTerms t;
    t.collection = m_collection->currentIndex() == 1 ? PaymentTerms::Collection::SendInvoice : PaymentTerms::Collection::ChargeAutomatically;
    t.daysUntilDue = m_days->value();
    if (m_mode == Mode::Customer) {
        t.poNumber = m_po->text().trimmed();
        t.memo = m_memo->text().trimmed();
        t.footer = m_footer->toPlainText().trimmed();
    }
    if (m_card->isChecked())
        t.paymentMethodTypes << QStringLiteral("card");
    if (m_ach->isChecked())
        t.paymentMethodTypes << QStringLiteral("us_bank_account");
    if (m_wire->isChecked())
        t.paymentMethodTypes << QStringLiteral("customer_balance");
    t.bankTransferCountry = m_country->currentData().toString();
    return t;
}

void PaymentTermsDialog::setTerms(const PaymentTerms &t)
{
    m_collection->setCurrentIndex(t.isSendInvoice() ? 1 : 0);
    m_days->setValue(t.daysUntilDue);
    m_po->setText(t.poNumber);
    m_memo->setText(t.memo);
    m_footer->setPlainText(t.footer);
    m_card->setChecked(t.paymentMethodTypes.contains(QLatin1String("card")));
    m_ach->setChecked(t.paymentMethodTypes.contains(QLatin1String("us_bank_account")));
    m_wire->setChecked(t.paymentMethodTypes.contains(QLatin1String("customer_balance")));
    const int c = m_country->findData(t.bankTransferCountry.toUpper());
    m_country->setCurrentIndex(c >= 0 ? c : 0);
    refresh();
}

QString PaymentTermsDialog::validationMessage() const
{
    const Status st = terms().validate(m_currency);
    return st ? QString() : st.error().userMessage;
}

void PaymentTermsDialog::refresh()
{
    const bool send = m_collection->currentIndex() == 1;
    m_net->setEnabled(send);
    m_days->setEnabled(send);
    m_country->setVisible(m_currency.stripeCode() == QLatin1String("eur"));
    m_country->setEnabled(m_wire->isChecked());
    const PaymentTerms t = terms();
    const QString error = validationMessage();
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    QString preview = send ? (t.daysUntilDue == 0 ? tr("Invoices are emailed and due on receipt.")
                                                  : tr("Invoices are emailed and due %1 days after they are finalized.").arg(t.daysUntilDue))
                           : tr("Invoices are charged to the default payment method when they are finalized.");
    if (!t.poNumber.isEmpty())
        preview += QLatin1Char(' ')
            + tr("They show \"PO number: %1\".").arg(t.poNumber.size() > 40 ? t.poNumber.left(40) + QStringLiteral("…") : t.poNumber);
    if (m_currency.isValid())
        preview += QLatin1Char(' ') + tr("Currency: %1.").arg(m_currency.code());
    m_preview->setText(preview);
    m_save->setEnabled(error.isEmpty() && (m_state == State::Editing || m_state == State::Failed));
}

void PaymentTermsDialog::setState(State state, const QString &text, const QString &tone)
{
    m_state = state;
    if (!text.isNull())
        OperationStatusPanel::showStatus(m_status, text, tone);
    refresh();
    Q_EMIT stateChanged(state);
}

void PaymentTermsDialog::save()
{
    if (!validationMessage().isEmpty())
        return;
    const PaymentTerms t = terms();
    setState(State::Saving, tr("Saving…"), PendingTone);
    if (m_mode == Mode::Customer) {
        m_service->saveCustomerDefaults(m_targetId, t, this, [this](Status st) {
            if (!st)
                return setState(State::Failed, st.error().userMessage, ErrorTone);
            setState(State::Saved, tr("Saved. New invoices for this customer use these terms."), DoneTone);
        });
        return;
    }
    m_service->applyToSubscription(m_subscription, t, m_sessionId, this, [this](Result<OutboxEntry> r) {
        if (!r)
            return setState(State::Failed, r.error().userMessage, ErrorTone);
        m_entryId = r->id;
        if (r->state == OutboxState::Succeeded)
            return setState(State::Saved, tr("Stripe applied the new terms."), DoneTone);
        setState(State::Queued, tr("Queued for Stripe…"), PendingTone);
        if (!m_outbox)
            return;
        connect(m_outbox, &OutboxService::entryChanged, this, [this](qint64 id) {
            if (id != m_entryId || m_state != State::Queued)
                return;
            OperationStatusPanel::followEntry(
                m_outbox, id, this, tr("The change is saved and will be sent when Stripe can be reached."),
                [this] { return m_state == State::Queued; },
                [this](const QString &text) { OperationStatusPanel::showStatus(m_status, text, PendingTone); },
                [this](const OutboxEntry &e) {
                    if (e.state == OutboxState::Succeeded)
                        setState(State::Saved, tr("Stripe applied the new terms."), DoneTone);
                    else
                        setState(State::Failed, e.errorMessage.isEmpty() ? tr("Stripe did not apply the change.") : e.errorMessage, ErrorTone);
                });
        });
    });
}

} // namespace Billing
