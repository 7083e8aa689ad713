#include "ui/dialogs/portallinkdialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QApplication>
#include <QButtonGroup>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace Billing {

PortalLinkDialog::PortalLinkDialog(PortalSessionService *service, const QString &customerId,
                                   const QString &customerLabel, const QList<QPair<QString, QString>> &subscriptions,
                                   QWidget *parent)
    : QDialog(parent), m_service(service), m_customerId(customerId),
      m_opener([](const QUrl &url) { return QDesktopServices::openUrl(url); })
{
    setObjectName(QStringLiteral("PortalLinkDialog"));
    setWindowTitle(tr("Customer portal link"));
    setMinimumWidth(520);
    auto *layout = new QVBoxLayout(this);
    QLabel *summary = OperationStatusPanel::createSummaryLabel(this, 1.1);
    summary->setText(tr("A Stripe customer portal link for %1").arg(customerLabel.isEmpty() ? customerId : customerLabel));
    layout->addWidget(summary);

    auto *box = new QGroupBox(tr("The link opens"), this);
    auto *boxLayout = new QVBoxLayout(box);
    m_flows = new QButtonGroup(this);
    auto *home = new QRadioButton(tr("The portal's start page (invoices, payment methods, subscriptions)"), box);
    auto *pm = new QRadioButton(tr("Update the payment method"), box);
    m_cancelFlow = new QRadioButton(tr("Cancel a subscription:"), box);
    home->setObjectName(QStringLiteral("FlowHome"));
    pm->setObjectName(QStringLiteral("FlowPaymentMethod"));
    m_cancelFlow->setObjectName(QStringLiteral("FlowCancel"));
    m_flows->addButton(home, int(PortalFlow::Home));
    m_flows->addButton(pm, int(PortalFlow::PaymentMethodUpdate));
    m_flows->addButton(m_cancelFlow, int(PortalFlow::SubscriptionCancel));
    home->setChecked(true);
    m_subscription = new QComboBox(box);
    m_subscription->setObjectName(QStringLiteral("CancelSubscription"));
    for (const auto &[id, label] : subscriptions)
        m_subscription->addItem(label.isEmpty() ? id : label, id);
    m_subscription->setEnabled(false);
    m_cancelFlow->setEnabled(!subscriptions.isEmpty());
    if (subscriptions.isEmpty())
        m_cancelFlow->setToolTip(tr("The customer has no subscription to cancel."));
    auto *cancelRow = new QHBoxLayout;
    cancelRow->addWidget(m_cancelFlow);
    cancelRow->addWidget(m_subscription, 1);
    boxLayout->addWidget(home);
    boxLayout->addWidget(pm);
    boxLayout->addLayout(cancelRow);
    layout->addWidget(box);
    connect(m_flows, &QButtonGroup::idToggled, this, [this](int, bool) {
        m_subscription->setEnabled(m_cancelFlow->isChecked());
        if (m_state == State::Created || m_state == State::Failed)
            setState(State::Editing); // a new flow needs a new link
    });

    auto *linkRow = new QHBoxLayout;
    m_link = new QLineEdit(this);
    m_link->setObjectName(QStringLiteral("PortalLink"));
    m_link->setReadOnly(true);
    m_link->setPlaceholderText(tr("Create the link first"));
    m_copy = new QPushButton(tr("Copy link"), this);
    m_copy->setObjectName(QStringLiteral("CopyLink"));
    m_open = new QPushButton(tr("Open"), this);
    m_open->setObjectName(QStringLiteral("OpenLink"));
    linkRow->addWidget(m_link, 1);
    linkRow->addWidget(m_copy);
    linkRow->addWidget(m_open);
    layout->addLayout(linkRow);

    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("StatusLabel"));
    layout->addWidget(m_status);
    layout->addStretch(1);
    QDialogButtonBox *buttons = OperationStatusPanel::createButtons(this, &m_create);
    m_create->setText(tr("Create link"));
    m_create->setObjectName(QStringLiteral("CreateLink"));
    layout->addWidget(buttons);

    connect(m_create, &QPushButton::clicked, this, &PortalLinkDialog::create);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_link->text());
        OperationStatusPanel::showStatus(m_status, tr("Copied. The link expires soon: send it now."), QStringLiteral("#1e7b34"));
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (!m_opener(QUrl(m_link->text())))
            OperationStatusPanel::showStatus(m_status, tr("No browser could open the link; copy it instead."), QStringLiteral("#b3261e"));
    });
    setState(State::Editing);
}

PortalLinkDialog::~PortalLinkDialog() = default;

QString PortalLinkDialog::link() const
{
    return m_link->text();
}

PortalFlow PortalLinkDialog::flow() const
{
    return PortalFlow(m_flows->checkedId());
}

void PortalLinkDialog::create()
{
    if (!m_service || m_state == State::Creating)
        return;
    PortalSessionRequest req;
    req.customerId = m_customerId;
    req.flow = flow();
    if (req.flow == PortalFlow::SubscriptionCancel)
        req.subscriptionId = m_subscription->currentData().toString();
    setState(State::Creating, tr("Asking Stripe for a link…"));
    m_service->create(req, this, [this](Result<PortalSession> r) {
        if (!r) {
            setState(State::Failed, r.error().userMessage, QStringLiteral("#b3261e"));
            return;
        }
        m_link->setText(r->url.toString());
        m_link->setCursorPosition(0);
        setState(State::Created, tr("Link created. It works once and expires soon.\nThe customer then returns to %1")
                                     .arg(r->returnUrl.toString()),
                 QStringLiteral("#1e7b34"));
    });
}

void PortalLinkDialog::setState(State state, const QString &text, const QString &tone)
{
    m_state = state;
    if (state == State::Editing)
        m_link->clear();
    m_create->setEnabled(state == State::Editing || state == State::Failed);
    m_copy->setEnabled(state == State::Created);
    m_open->setEnabled(state == State::Created);
    OperationStatusPanel::showStatus(m_status, text, tone);
    Q_EMIT stateChanged(state);
}

} // namespace Billing
