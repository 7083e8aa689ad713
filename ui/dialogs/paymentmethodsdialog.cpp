#include "ui/dialogs/paymentmethodsdialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

namespace {
const char *const Red = "#b3261e";
const char *const Green = "#137333";
} // namespace

PaymentMethodsDialog::PaymentMethodsDialog(PaymentMethodService *service, const QString &customerId, QWidget *parent)
    : QDialog(parent), m_service(service), m_customerId(customerId)
{
    setWindowTitle(tr("Payment methods"));
    setMinimumSize(640, 460);
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("header"));
    m_header->setWordWrap(true);

    m_table = new QTableWidget(0, 3, this);
    m_table->setObjectName(QStringLiteral("methods"));
    m_table->setHorizontalHeaderLabels({tr("Method"), tr("Customer default"), tr("Charged for")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    m_default = new QPushButton(tr("Make customer default"), this);
    m_default->setObjectName(QStringLiteral("makeDefault"));
    m_subscription = new QComboBox(this);
    m_subscription->setObjectName(QStringLiteral("subscription"));
    m_useFor = new QPushButton(tr("Use for subscription"), this);
    m_useFor->setObjectName(QStringLiteral("useForSubscription"));
    m_detach = new QPushButton(tr("Detach…"), this);
    m_detach->setObjectName(QStringLiteral("detach"));
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_default);
    actions->addSpacing(12);
    actions->addWidget(m_subscription, 1);
    actions->addWidget(m_useFor);
    actions->addSpacing(12);
    actions->addWidget(m_detach);

    auto *add = new QGroupBox(tr("Add a payment method"), this);
    auto *addLayout = new QVBoxLayout(add);
    auto *addHint = new QLabel(tr("Card details are never typed into the console: create a secure Stripe page "
                                  "where the customer adds a card or bank account, then send or open its link."),
                               add);
    addHint->setWordWrap(true);
    m_link = new QPushButton(tr("Create link"), add);
    m_link->setObjectName(QStringLiteral("createLink"));
    m_portal = new QPushButton(tr("Portal link"), add);
    m_portal->setObjectName(QStringLiteral("portalLink"));
    m_portal->setToolTip(tr("A Stripe Customer Portal page where the customer updates their payment method"));
    m_portal->hide();
    m_linkEdit = new QLineEdit(add);
    m_linkEdit->setObjectName(QStringLiteral("link"));
    m_linkEdit->setReadOnly(true);
    m_linkEdit->setPlaceholderText(tr("The link appears here"));
    m_copy = new QPushButton(tr("Copy"), add);
    m_copy->setObjectName(QStringLiteral("copyLink"));
    m_open = new QPushButton(tr("Open"), add);
    m_open->setObjectName(QStringLiteral("openLink"));
    auto *linkRow = new QHBoxLayout;
    linkRow->addWidget(m_link);
    linkRow->addWidget(m_portal);
    linkRow->addWidget(m_linkEdit, 1);
    linkRow->addWidget(m_copy);
    linkRow->addWidget(m_open);
    addLayout->addWidget(addHint);
    addLayout->addLayout(linkRow);

    m_status = OperationStatusPanel::createStatusLabel(this);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_table, 1);
    layout->addLayout(actions);
    layout->addWidget(add);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(m_table, &QTableWidget::itemSelectionChanged, this, &PaymentMethodsDialog::updateButtons);
    connect(m_subscription, &QComboBox::currentIndexChanged, this, &PaymentMethodsDialog::updateButtons);
    connect(m_default, &QPushButton::clicked, this, &PaymentMethodsDialog::makeDefault);
    connect(m_useFor, &QPushButton::clicked, this, &PaymentMethodsDialog::useForSubscription);
    connect(m_detach, &QPushButton::clicked, this, &PaymentMethodsDialog::detach);
    connect(m_link, &QPushButton::clicked, this, &PaymentMethodsDialog::createLink);
    connect(m_portal, &QPushButton::clicked, this, [this] {
        if (!m_portalLink)
            return;
        m_busy = true;
        updateButtons();
        setStatus(tr("Asking Stripe for a portal link…"), {});
        m_portalLink(m_customerId, this, [this](Result<QUrl> url) {
            m_busy = false;
            if (!url) {
                setStatus(url.error().userMessage, QLatin1String(Red));
            } else {
                m_linkEdit->setText(url->toString());
                m_linkEdit->setCursorPosition(0);
                setStatus(tr("Portal link ready: it is short-lived, open or send it now."), QLatin1String(Green));
            }
            updateButtons();
        });
    });
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_linkEdit->text()); });
    connect(m_open, &QPushButton::clicked, this, [this] { QDesktopServices::openUrl(QUrl(m_linkEdit->text())); });
    connect(m_service, &PaymentMethodService::operationDone, this, [this](const OutboxEntry &entry, const QString &) {
        if (entry.id != m_entryId)
            return;
        const bool ok = entry.state == OutboxState::Succeeded;
        setStatus(ok ? tr("Done.") : (entry.errorMessage.isEmpty() ? tr("Stripe refused it.") : entry.errorMessage),
                  QLatin1String(ok ? Green : Red));
        Q_EMIT operationFinished(ok);
        reload();
    });
    m_confirmDetach = [this](const QString &warning) {
        const QString text = warning.isEmpty() ? tr("Detach this payment method from the customer? This cannot be undone.")
                                               : warning + QStringLiteral("\n\n") + tr("Detach it anyway? This cannot be undone.");
        return QMessageBox::warning(this, tr("Detach payment method"), text, QMessageBox::Yes | QMessageBox::Cancel,
                                    QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    reload();
}

PaymentMethodsDialog::~PaymentMethodsDialog() = default;

void PaymentMethodsDialog::setPortalLinkFactory(PortalLinkFactory factory)
{
    m_portalLink = std::move(factory);
    m_portal->setVisible(bool(m_portalLink));
    updateButtons();
}

QString PaymentMethodsDialog::setupLink() const
{
    return m_linkEdit->text();
}

void PaymentMethodsDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_status, text, tone);
}

void PaymentMethodsDialog::reload()
{
    m_busy = true;
    updateButtons();
    setStatus(m_status->text().isEmpty() ? tr("Loading from Stripe…") : m_status->text(), {});
    m_service->load(m_customerId, this, [this](Result<PaymentMethodsView> v) { onLoaded(std::move(v)); });
}

void PaymentMethodsDialog::onLoaded(Result<PaymentMethodsView> view)
{
    m_busy = false;
    if (!view) {
        setStatus(tr("Could not load the payment methods: %1").arg(view.error().userMessage), QLatin1String(Red));
        updateButtons();
        return;
    }
    const QString keep = selectedMethod();
    m_view = *view;
    m_header->setText(tr("<b>%1</b> (%2): %n payment method(s)", nullptr, int(m_view.methods.size()))
                          .arg(m_view.customerName.toHtmlEscaped(), m_view.customerId));
    m_table->setRowCount(int(m_view.methods.size()));
    for (int row = 0; row < m_view.methods.size(); ++row) {
        const PaymentMethod &m = m_view.methods.at(row);
        auto *method = new QTableWidgetItem(paymentMethodLabel(m));
        method->setData(Qt::UserRole, m.id);
        method->setToolTip(m.id);
        m_table->setItem(row, 0, method);
        m_table->setItem(row, 1, new QTableWidgetItem(m.id == m_view.defaultPaymentMethod ? tr("Default") : QString()));
        QStringList charged;
        for (const PaymentMethodSubscription &s : std::as_const(m_view.subscriptions)) {
            if (s.bills() && m_view.effectiveMethodOf(s) == m.id)
                charged << (s.defaultPaymentMethod.isEmpty() ? tr("%1 (via default)").arg(s.id) : s.id);
        }
        m_table->setItem(row, 2, new QTableWidgetItem(charged.join(QStringLiteral(", "))));
        if (m.id == keep)
            m_table->selectRow(row);
    }
    m_subscription->clear();
    for (const PaymentMethodSubscription &s : std::as_const(m_view.subscriptions))
        m_subscription->addItem(tr("%1 (%2)").arg(s.id, s.status), s.id);
    if (m_view.subscriptions.isEmpty())
        m_subscription->addItem(tr("No subscriptions"));
    if (m_table->currentRow() < 0 && m_table->rowCount() > 0)
        m_table->selectRow(0);
    if (m_status->text() == tr("Loading from Stripe…"))
        setStatus({}, {});
    updateButtons();
    Q_EMIT loaded();
}

QString PaymentMethodsDialog::selectedMethod() const
{
    const int row = m_table->currentRow();
    const QTableWidgetItem *item = row >= 0 ? m_table->item(row, 0) : nullptr;
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void PaymentMethodsDialog::updateButtons()
{
    const QString id = selectedMethod();
    const bool ready = !m_busy && !id.isEmpty();
    m_default->setEnabled(ready && id != m_view.defaultPaymentMethod);
    const QString sub = m_subscription->currentData().toString();
    bool subUses = false;
    for (const PaymentMethodSubscription &s : std::as_const(m_view.subscriptions))
        subUses = subUses || (s.id == sub && s.defaultPaymentMethod == id);
    m_useFor->setEnabled(ready && !sub.isEmpty() && !subUses);
    m_subscription->setEnabled(!m_busy && !m_view.subscriptions.isEmpty());
    m_detach->setEnabled(ready);
    m_link->setEnabled(!m_busy && !m_view.customerId.isEmpty());
    m_portal->setEnabled(!m_busy && !m_view.customerId.isEmpty());
    m_copy->setEnabled(!m_linkEdit->text().isEmpty());
    m_open->setEnabled(!m_linkEdit->text().isEmpty());
}

void PaymentMethodsDialog::onQueued(Result<OutboxEntry> entry)
{
    if (!entry) {
        m_busy = false;
        setStatus(entry.error().userMessage, QLatin1String(Red));
        updateButtons();
        Q_EMIT operationFinished(false);
        return;
    }
    m_entryId = entry->id;
    setStatus(tr("Queued; waiting for Stripe…"), {});
}

void PaymentMethodsDialog::makeDefault()
{
    m_busy = true;
    updateButtons();
    m_service->setCustomerDefault(m_view, selectedMethod(), PaymentMethodService::newSessionOpId(m_customerId), this,
                                  [this](Result<OutboxEntry> e) { onQueued(std::move(e)); });
}

void PaymentMethodsDialog::useForSubscription()
{
    m_busy = true;
    updateButtons();
    m_service->setSubscriptionDefault(m_view, m_subscription->currentData().toString(), selectedMethod(),
                                      PaymentMethodService::newSessionOpId(m_customerId), this,
                                      [this](Result<OutboxEntry> e) { onQueued(std::move(e)); });
}

void PaymentMethodsDialog::detach()
{
    const QString id = selectedMethod();
    const QString warning = m_view.detachWarning(id);
    if (m_confirmDetach && !m_confirmDetach(warning))
        return;
    m_busy = true;
    updateButtons();
    m_service->detach(m_view, id, true, PaymentMethodService::newSessionOpId(m_customerId), this,
                      [this](Result<OutboxEntry> e) { onQueued(std::move(e)); });
}

void PaymentMethodsDialog::createLink()
{
    m_busy = true;
    updateButtons();
    setStatus(tr("Asking Stripe for a link…"), {});
    m_service->createSetupLink(m_view, QStringLiteral("usd"), PaymentMethodService::defaultReturnUrl(), {}, this,
                               [this](Result<SetupLink> link) {
        m_busy = false;
        if (!link) {
            setStatus(link.error().userMessage, QLatin1String(Red));
        } else {
            m_linkEdit->setText(link->url.toString());
            m_linkEdit->setCursorPosition(0);
            setStatus(tr("Link ready: valid until %1. Send it to the customer or open it with them.")
                          .arg(locale().toString(link->expiresAt.toLocalTime(), QLocale::ShortFormat)),
                      QLatin1String(Green));
        }
        updateButtons();
    });
}

} // namespace Billing
