#include "ui/dialogs/recoverydialog.h"

#include "models/formatting.h"
#include "services/dunning/declinecodes.h"
#include "services/invoices/portalsessionservice.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Billing {

namespace {
const char *const Green = "#166534";
const char *const Red = "#991b1b";
const char *const Amber = "#92400e";
} // namespace

RecoveryDialog::RecoveryDialog(RecoveryService *service, PortalSessionService *portal, const InvoiceRow &row, QWidget *parent)
    : QDialog(parent), m_service(service), m_portalService(portal), m_row(row), m_session(RecoveryService::newSessionId())
{
    setObjectName(QStringLiteral("RecoveryDialog"));
    const Invoice &i = row.invoice;
    const QString number = i.number.isEmpty() ? i.id : i.number;
    const QString customer = row.customerName.isEmpty() ? row.customerEmail : row.customerName;
    setWindowTitle(tr("Recover invoice %1").arg(number));
    const QLocale loc;

    auto *root = new QVBoxLayout(this);
    m_summary = OperationStatusPanel::createSummaryLabel(this, 1.15);
    m_summary->setText(tr("%1 · %2 · %3 remaining · %4 failed attempt(s)")
                           .arg(number, customer, Format::money(i.amountRemainingMinor, i.currency, loc))
                           .arg(i.attemptCount));
    root->addWidget(m_summary);
    const QString code = DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
    const DeclineCodeInfo info = DeclineCodes::lookup(code);
    m_decline = new QLabel(this);
    m_decline->setWordWrap(true);
    m_decline->setTextFormat(Qt::RichText);
    const QString cls = info.cls == DeclineClass::Hard ? tr("hard decline: never retried")
                        : info.cls == DeclineClass::NeedsPaymentMethod ? tr("needs a new payment method")
                                                                       : tr("soft decline: retrying can work");
    m_decline->setText(code.isEmpty() ? tr("No decline recorded.")
                                      : tr("<b>%1</b> — %2 (%3).<br>Next step: %4")
                                            .arg(code.toHtmlEscaped(), info.meaning.toHtmlEscaped(), cls.toHtmlEscaped(),
                                                 info.nextStep.toHtmlEscaped()));
    root->addWidget(m_decline);

    auto *body = new QHBoxLayout;
    root->addLayout(body, 1);

    auto *historyBox = new QGroupBox(tr("History"), this);
    auto *hl = new QVBoxLayout(historyBox);
    m_history = new QTreeWidget(historyBox);
    m_history->setObjectName(QStringLiteral("RecoveryHistory"));
    m_history->setColumnCount(3);
    m_history->setHeaderLabels({tr("When"), tr("What"), tr("Detail")});
    m_history->setRootIsDecorated(false);
    m_history->setAlternatingRowColors(true);
    m_history->header()->setStretchLastSection(true);
    m_history->setColumnWidth(0, 150);
    m_history->setColumnWidth(1, 130);
    m_history->setMinimumWidth(560);
    hl->addWidget(m_history);
    body->addWidget(historyBox, 3);

    auto *actions = new QVBoxLayout;
    body->addLayout(actions, 2);

    auto *pay = new QGroupBox(tr("Payment"), this);
    auto *pl = new QVBoxLayout(pay);
    m_retry = new QPushButton(tr("Retry payment now"), pay);
    m_retry->setObjectName(QStringLiteral("RetryNowButton"));
    m_retry->setToolTip(tr("Charge the customer's default payment method now (POST /v1/invoices/%1/pay)").arg(i.id));
    m_pause = new QPushButton(tr("Pause the subscription"), pay);
    m_pause->setToolTip(tr("Pause collection (keep new invoices as drafts) while the customer sorts it out"));
    m_writeOff = new QPushButton(tr("Write off (mark uncollectible)…"), pay);
    m_writeOff->setObjectName(QStringLiteral("WriteOffButton"));
    pl->addWidget(m_retry);
    pl->addWidget(m_pause);
    pl->addWidget(m_writeOff);
    actions->addWidget(pay);

    auto *reach = new QGroupBox(tr("Ask the customer"), this);
    auto *rl = new QVBoxLayout(reach);
    m_portal = new QPushButton(tr("Card-update link (portal)"), reach);
    m_portal->setToolTip(tr("A Stripe customer portal link that opens straight on \"update payment method\"; copied to the clipboard"));
    m_hosted = new QPushButton(tr("Hosted invoice link"), reach);
    m_hosted->setToolTip(tr("Stripe's page where the customer pays this invoice; copied to the clipboard"));
    rl->addWidget(m_portal);
    rl->addWidget(m_hosted);
    actions->addWidget(reach);

    auto *follow = new QGroupBox(tr("Follow-up"), this);
    auto *fl = new QFormLayout(follow);
    m_kind = new QComboBox(follow);
    m_kind->addItem(tr("Note"), QStringLiteral("note"));
    m_kind->addItem(tr("Phone call"), QStringLiteral("call"));
    m_kind->addItem(tr("E-mail"), QStringLiteral("email"));
    m_note = new QPlainTextEdit(follow);
    m_note->setPlaceholderText(tr("What was said or agreed; also the reason when escalating"));
    m_note->setFixedHeight(64);
    m_record = new QPushButton(tr("Record"), follow);
    m_escalate = new QPushButton(tr("Escalate"), follow);
    auto *noteButtons = new QHBoxLayout;
    noteButtons->addWidget(m_record);
    noteButtons->addWidget(m_escalate);
    noteButtons->addStretch();
    m_owner = new QLineEdit(follow);
    m_owner->setPlaceholderText(tr("staff e-mail"));
    m_assign = new QPushButton(tr("Assign"), follow);
    auto *ownerRow = new QHBoxLayout;
    ownerRow->addWidget(m_owner, 1);
    ownerRow->addWidget(m_assign);
    fl->addRow(tr("Kind"), m_kind);
    fl->addRow(tr("Note"), m_note);
    fl->addRow(QString(), noteButtons);
    fl->addRow(tr("Owner"), ownerRow);
    actions->addWidget(follow);
    actions->addStretch();

    m_status = OperationStatusPanel::createStatusLabel(this);
    root->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    root->addWidget(buttons);
    resize(1060, 580);

    // Roles: the buttons show what this person may do.
    const bool work = service && service->may(Permission::WorkDunning);
    for (QWidget *w : {static_cast<QWidget *>(m_retry), static_cast<QWidget *>(m_record), static_cast<QWidget *>(m_assign),
                       static_cast<QWidget *>(m_escalate), static_cast<QWidget *>(m_portal), static_cast<QWidget *>(m_hosted)})
        w->setEnabled(work);
    m_pause->setEnabled(service && service->may(Permission::PauseSubscription) && !i.subscriptionId.isEmpty());
    const bool writeOff = service && service->may(Permission::WriteOff);
    m_writeOff->setEnabled(writeOff);
    if (!writeOff)
        m_writeOff->setToolTip(tr("Finance and administrators only"));
    m_portal->setEnabled(work && portal);
    m_hosted->setEnabled(work && !i.hostedInvoiceUrl.isEmpty());

    connect(m_retry, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        setBusy(true);
        showStatus(tr("Charging the default payment method…"), QString());
        m_session = RecoveryService::newSessionId(); // each click is its own try
        m_service->retryNow(m_row.invoice, DeclineCodes::effectiveCode(m_row.declineCode, m_row.failureCode), m_session, this,
                            [this](Result<OutboxEntry> e) { queued(tr("Retry"), std::move(e)); });
    });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        setBusy(true);
        m_service->pauseSubscription(m_row.invoice, m_session, this, [this](Result<OutboxEntry> e) {
            setBusy(false);
            if (!e)
                return showStatus(e.error().userMessage, QString::fromLatin1(Red));
            showStatus(tr("Pause queued: Stripe keeps new invoices of the subscription as drafts."), QString::fromLatin1(Green));
        });
    });
    connect(m_writeOff, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        setBusy(true);
        m_service->writeOff(m_row.invoice, m_session, this, [this](Result<OutboxEntry> e) {
            setBusy(false);
            if (!e)
                return showStatus(e.error().userMessage, QString::fromLatin1(Red));
            showStatus(tr("Write-off queued: the invoice will be marked uncollectible."), QString::fromLatin1(Amber));
        });
    });
    connect(m_hosted, &QPushButton::clicked, this, [this] {
        m_lastLink = m_row.invoice.hostedInvoiceUrl;
        QGuiApplication::clipboard()->setText(m_lastLink);
        recordContact(QStringLiteral("hosted_link"), m_lastLink, tr("Hosted invoice link copied to the clipboard."));
    });
    connect(m_portal, &QPushButton::clicked, this, [this] {
        if (!m_portalService)
            return;
        setBusy(true);
        PortalSessionRequest req;
        req.customerId = m_row.invoice.customerId;
        req.flow = PortalFlow::PaymentMethodUpdate;
        m_portalService->create(req, this, [this](Result<PortalSession> s) {
            setBusy(false);
            if (!s)
                return showStatus(s.error().userMessage, QString::fromLatin1(Red));
            m_lastLink = s->url.toString();
            QGuiApplication::clipboard()->setText(m_lastLink);
            // The link is short-lived and never stored: the contact row says one was sent.
            recordContact(QStringLiteral("portal_link"), tr("Card-update link created (portal session %1)").arg(s->id),
                          tr("Card-update link copied to the clipboard: send it to the customer now."));
        });
    });
    connect(m_record, &QPushButton::clicked, this, [this] {
        recordContact(m_kind->currentData().toString(), m_note->toPlainText(), tr("Recorded."));
    });
    connect(m_assign, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        m_service->assignOwner(m_row.invoice.id, m_owner->text(), this, [this](Result<DunningState> st) {
            if (!st)
                return showStatus(st.error().userMessage, QString::fromLatin1(Red));
            showStatus(st->owner.isEmpty() ? tr("Unassigned.") : tr("Assigned to %1.").arg(st->owner), QString::fromLatin1(Green));
            reloadHistory();
        });
    });
    connect(m_escalate, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        m_service->escalate(m_row.invoice.id, m_note->toPlainText(), this, [this](Result<DunningState> st) {
            if (!st)
                return showStatus(st.error().userMessage, QString::fromLatin1(Red));
            m_note->clear();
            showStatus(tr("Escalated."), QString::fromLatin1(Amber));
            reloadHistory();
        });
    });
    if (service) {
        connect(service, &RecoveryService::retryFinished, this, [this](const QString &invoiceId, bool paid, const QString &message) {
            if (invoiceId != m_row.invoice.id)
                return;
            setBusy(false);
            if (paid) {
                m_paid = true;
                showStatus(tr("Paid. The invoice leaves the dunning queue and the recovery is counted."), QString::fromLatin1(Green));
                for (QPushButton *b : {m_retry, m_pause, m_writeOff, m_portal})
                    b->setEnabled(false);
            } else {
                showStatus(tr("Declined again: %1").arg(message), QString::fromLatin1(Red));
            }
            reloadHistory();
        });
    }
    reloadHistory();
}

RecoveryDialog::~RecoveryDialog() = default;

void RecoveryDialog::setBusy(bool busy)
{
    setCursor(busy ? Qt::BusyCursor : Qt::ArrowCursor);
    m_retry->setEnabled(!busy && !m_paid && m_service && m_service->may(Permission::WorkDunning));
}

void RecoveryDialog::showStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_status, text, tone);
}

void RecoveryDialog::queued(const QString &what, Result<OutboxEntry> entry)
{
    if (!entry) {
        setBusy(false);
        showStatus(tr("%1 refused: %2").arg(what, entry.error().userMessage), QString::fromLatin1(Red));
        return;
    }
    showStatus(tr("%1 sent to Stripe; waiting for the answer…").arg(what), QString());
}

void RecoveryDialog::recordContact(const QString &kind, const QString &text, const QString &done)
{
    if (!m_service)
        return;
    m_service->recordContact(m_row.invoice.id, kind, text, this, [this, done, kind](Result<qint64> r) {
        if (!r)
            return showStatus(r.error().userMessage, QString::fromLatin1(Red));
        if (kind == QLatin1String("note") || kind == QLatin1String("call") || kind == QLatin1String("email"))
            m_note->clear();
        showStatus(done, QString::fromLatin1(Green));
        reloadHistory();
    });
}

void RecoveryDialog::reloadHistory()
{
    if (!m_service)
        return;
    m_service->loadHistory(m_row.invoice.id, this, [this](Result<RecoveryHistory> h) {
        m_history->clear();
        if (!h) {
            showStatus(h.error().userMessage, QString::fromLatin1(Red));
            return;
        }
        const QLocale loc;
        struct Item
        {
            QDateTime at;
            QString what;
            QString detail;
            QString tone;
        };
        QList<Item> items;
        for (const PaymentAttempt &a : h->attempts) {
            const QString code = DeclineCodes::effectiveCode(a.declineCode, a.failureCode);
            const bool paid = a.status == QLatin1String("paid");
            items << Item{a.created, paid ? tr("Payment succeeded") : tr("Payment failed"),
                          paid ? Format::money(a.amountMinor, a.currency, loc)
                               : tr("%1 — %2").arg(code, code.isEmpty() ? a.failureMessage : DeclineCodes::lookup(code).meaning),
                          paid ? QString::fromLatin1(Green) : QString::fromLatin1(Red)};
        }
        static const QHash<QString, const char *> kinds{{QStringLiteral("note"), QT_TR_NOOP("Note")},
                                                         {QStringLiteral("call"), QT_TR_NOOP("Phone call")},
                                                         {QStringLiteral("email"), QT_TR_NOOP("E-mail")},
                                                         {QStringLiteral("portal_link"), QT_TR_NOOP("Card-update link")},
                                                         {QStringLiteral("hosted_link"), QT_TR_NOOP("Invoice link")},
                                                         {QStringLiteral("retry"), QT_TR_NOOP("Retry")}};
        for (const DunningContact &c : h->contacts) {
            const auto it = kinds.constFind(c.kind);
            const QString what = it != kinds.constEnd() ? tr(it.value()) : c.kind;
            items << Item{c.at, what, tr("%1 (%2)").arg(c.text, c.actor),
                          c.kind == QLatin1String("retry") ? QString::fromLatin1(c.text.contains(QLatin1String("paid")) ? Green : Red) : QString()};
        }
        for (const DunningRuleRun &r : h->ruleRuns)
            items << Item{r.decidedAt, tr("Rule: %1").arg(r.action), tr("%1 [%2]").arg(r.detail, r.state), QString()};
        std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) { return a.at > b.at; });
        for (const Item &it : items) {
            auto *w = new QTreeWidgetItem(m_history, {Format::dateTime(it.at, loc), it.what, it.detail});
            w->setToolTip(2, it.detail);
            if (!it.tone.isEmpty())
                w->setForeground(1, QColor(it.tone));
        }
        if (h->state) {
            if (m_owner->text().isEmpty())
                m_owner->setText(h->state->owner);
            setWindowTitle(tr("Recover invoice %1 — %2").arg(m_row.invoice.number.isEmpty() ? m_row.invoice.id : m_row.invoice.number,
                                                            h->state->stage));
        }
    });
}

} // namespace Billing
