#include "ui/dialogs/canceldialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStackedWidget>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {

constexpr int MaxCommentLength = 500;
const QString ErrorTone = QStringLiteral("#b3261e");
const QString PendingTone = QStringLiteral("#6b5900");
const QString DoneTone = QStringLiteral("#1e6b32");

QLabel *hint(const QString &text, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    l->setWordWrap(true);
    l->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
    return l;
}

} // namespace

CancelDialog::CancelDialog(CancellationService *service, OperationRunner *runner, OutboxService *outbox,
                           const SubscriptionRow &row, Mode mode, QWidget *parent)
    : QDialog(parent), m_service(service), m_runner(runner), m_outbox(outbox), m_row(row), m_mode(mode),
      m_sessionId(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    setWindowTitle(mode == Mode::Undo ? tr("Undo cancellation") : tr("Cancel subscription"));
    setMinimumWidth(600);

    m_headerLabel = new QLabel(this);
    m_headerLabel->setObjectName(QStringLiteral("header"));
    m_headerLabel->setWordWrap(true);
    m_headerLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    {
        const Subscription &s = m_row.subscription;
        const auto currency = Currency::fromCode(s.currency);
        QString price;
        if (currency) {
            const QString amount = Money(m_row.amountMinor, *currency).toLocaleString(locale());
            price = m_row.intervalCount > 1 ? tr("%1 every %2 %3s").arg(amount).arg(m_row.intervalCount).arg(m_row.interval)
                                            : tr("%1 per %2").arg(amount, m_row.interval);
        }
        const QString who = m_row.customerName.isEmpty() ? s.customerId : m_row.customerName;
        const QString plan = m_row.planName.isEmpty() ? s.id : m_row.planName;
        QString second = tr("%1 \u00b7 %2").arg(s.id, s.status);
        if (s.currentPeriodEnd().isValid())
            second += tr(" \u00b7 current period ends %1").arg(dateText(s.currentPeriodEnd()));
        if (s.cancelAtPeriodEnd)
            second += tr(" \u00b7 set to cancel then");
        m_headerLabel->setText(QStringLiteral("<b>%1</b> \u2014 %2, %3<br><span style=\"color:palette(placeholder-text)\">%4</span>")
                                   .arg(who.toHtmlEscaped(), plan.toHtmlEscaped(), price.toHtmlEscaped(),
                                        second.toHtmlEscaped()));
    }

    m_pages = new QStackedWidget(this);
    if (m_mode == Mode::Undo) {
        m_pages->addWidget(buildUndoPage());
    } else {
        m_pages->addWidget(buildReasonPage());
        m_pages->addWidget(buildOffersPage());
        m_pages->addWidget(buildTimingPage());
    }

    m_summaryLabel = OperationStatusPanel::createSummaryLabel(this);
    m_statusLabel = OperationStatusPanel::createStatusLabel(this);

    auto makeButton = [this](const QString &text, const char *name) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(QString::fromLatin1(name));
        b->setAutoDefault(false);
        return b;
    };
    m_backButton = makeButton(tr("< &Back"), "back");
    m_nextButton = makeButton(tr("&Next >"), "next");
    m_acceptButton = makeButton(tr("&Accept offer"), "acceptOffer");
    m_continueButton = makeButton(tr("C&ontinue to cancel >"), "continueToCancel");
    m_confirmButton = makeButton(m_mode == Mode::Undo ? tr("&Undo cancellation") : tr("&Confirm cancellation"), "confirm");
    m_closeButton = makeButton(tr("Close"), "close");
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_backButton);
    buttons->addStretch(1);
    for (QPushButton *b : {m_acceptButton, m_continueButton, m_nextButton, m_confirmButton, m_closeButton})
        buttons->addWidget(b);

    auto *line = new QFrame(this);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_headerLabel);
    layout->addWidget(line);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_summaryLabel);
    layout->addWidget(m_statusLabel);
    layout->addLayout(buttons);

    connect(m_backButton, &QPushButton::clicked, this, [this] {
        if (m_state == State::Editing && m_step != Step::Reason)
            goTo(m_step == Step::Timing ? Step::Offers : Step::Reason);
    });
    connect(m_nextButton, &QPushButton::clicked, this, [this] {
        if (m_state == State::Editing && m_step == Step::Reason && reason() && validationProblem().isEmpty())
            goTo(Step::Offers);
    });
    connect(m_continueButton, &QPushButton::clicked, this, [this] {
        if (m_state == State::Editing && m_step == Step::Offers)
            goTo(Step::Timing);
    });
    connect(m_acceptButton, &QPushButton::clicked, this, &CancelDialog::acceptOffer);
    connect(m_confirmButton, &QPushButton::clicked, this, &CancelDialog::confirm);
    connect(m_closeButton, &QPushButton::clicked, this, &QDialog::reject);
    if (m_runner)
        connect(m_runner, &OperationRunner::operationFinished, this, &CancelDialog::onFinished);
    if (m_outbox)
        connect(m_outbox, &OutboxService::entryChanged, this, &CancelDialog::onEntryChanged);

    if (m_service && !m_service->mayCancel())
        setStatus(tr("Your role cannot cancel subscriptions; ask an admin, finance or support colleague."), ErrorTone);
    goTo(m_mode == Mode::Undo ? Step::Timing : Step::Reason);
}

CancelDialog::~CancelDialog() = default;

CancelDialog *CancelDialog::undoCancellation(CancellationService *service, OperationRunner *runner,
                                             OutboxService *outbox, const SubscriptionRow &row, QWidget *parent)
{
    return new CancelDialog(service, runner, outbox, row, Mode::Undo, parent);
}

void CancelDialog::setCatalog(const QList<Price> &prices, const QList<Product> &products)
{
    m_prices = prices;
    m_products = products;
    if (m_step == Step::Offers)
        loadOffers();
}

void CancelDialog::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
    updateButtons();
    updateSummary();
}

QString CancelDialog::dateText(const QDateTime &at) const
{
    return locale().toString(at.toLocalTime().date(), QLocale::LongFormat);
}

QWidget *CancelDialog::buildReasonPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *box = new QGroupBox(tr("1. Why is the customer leaving?"), page);
    auto *grid = new QGridLayout(box);
    m_reasonGroup = new QButtonGroup(this);
    const QList<CancellationReason> reasons = allCancellationReasons();
    for (int i = 0; i < reasons.size(); ++i) {
        auto *radio = new QRadioButton(cancellationReasonLabel(reasons.at(i)), box);
        radio->setObjectName(QStringLiteral("reason_") + cancellationReasonName(reasons.at(i)));
        m_reasonGroup->addButton(radio, static_cast<int>(reasons.at(i)));
        grid->addWidget(radio, i / 2, i % 2);
    }
    connect(m_reasonGroup, &QButtonGroup::idClicked, this, [this] {
        updateButtons();
    });
    layout->addWidget(box);

    auto *commentBox = new QGroupBox(tr("In the customer's words (optional)"), page);
    auto *commentLayout = new QVBoxLayout(commentBox);
    m_commentEdit = new QPlainTextEdit(commentBox);
    m_commentEdit->setObjectName(QStringLiteral("comment"));
    m_commentEdit->setPlaceholderText(tr("Sent to Stripe as the cancellation comment"));
    m_commentEdit->setFixedHeight(m_commentEdit->fontMetrics().lineSpacing() * 3 + 14);
    m_commentEdit->setTabChangesFocus(true);
    m_commentMessage = new QLabel(commentBox);
    m_commentMessage->setObjectName(QStringLiteral("commentMessage"));
    m_commentMessage->setWordWrap(true);
    m_commentMessage->setStyleSheet(QStringLiteral("color: %1;").arg(ErrorTone));
    m_commentMessage->setVisible(false);
    commentLayout->addWidget(m_commentEdit);
    commentLayout->addWidget(m_commentMessage);
    connect(m_commentEdit, &QPlainTextEdit::textChanged, this, [this] { updateButtons(); });
    layout->addWidget(commentBox);
    layout->addStretch(1);
    return page;
}

QWidget *CancelDialog::buildOffersPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *box = new QGroupBox(tr("2. Before they go: what could keep them?"), page);
    auto *boxLayout = new QVBoxLayout(box);
    m_offersIntro = new QLabel(box);
    m_offersIntro->setObjectName(QStringLiteral("offersIntro"));
    m_offersIntro->setWordWrap(true);
    boxLayout->addWidget(m_offersIntro);
    m_offersBox = new QWidget(box);
    m_offersLayout = new QVBoxLayout(m_offersBox);
    m_offersLayout->setContentsMargins(0, 4, 0, 0);
    m_offersLayout->setSpacing(2);
    boxLayout->addWidget(m_offersBox);
    m_offerGroup = new QButtonGroup(this);
    connect(m_offerGroup, &QButtonGroup::idClicked, this, [this] { updateButtons(); });
    layout->addWidget(box);
    layout->addStretch(1);
    return page;
}

QWidget *CancelDialog::buildTimingPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *box = new QGroupBox(tr("3. When does the subscription end?"), page);
    auto *boxLayout = new QVBoxLayout(box);
    const QDateTime end = m_row.subscription.currentPeriodEnd();
    m_atPeriodEnd = new QRadioButton(end.isValid() ? tr("At the end of the period, on %1").arg(dateText(end))
                                                   : tr("At the end of the period"),
                                     box);
    m_atPeriodEnd->setObjectName(QStringLiteral("atPeriodEnd"));
    m_periodEndNote = hint(m_row.subscription.cancelAtPeriodEnd
                               ? tr("Already set to cancel at the end of the period.")
                               : tr("The customer keeps the service until then, and the cancellation can be undone "
                                    "until then. Nothing more is charged."),
                           box);
    m_periodEndNote->setContentsMargins(22, 0, 0, 6);
    m_now = new QRadioButton(tr("Now"), box);
    m_now->setObjectName(QStringLiteral("now"));
    auto *nowNote = hint(tr("The subscription ends at once and cannot be restored."), box);
    nowNote->setContentsMargins(22, 0, 0, 0);
    m_prorate = new QCheckBox(tr("Credit the unused part of the period (prorated)"), box);
    m_prorate->setObjectName(QStringLiteral("prorate"));
    m_invoiceNow = new QCheckBox(tr("Issue a final invoice now (pending usage and prorations)"), box);
    m_invoiceNow->setObjectName(QStringLiteral("invoiceNow"));
    auto *options = new QVBoxLayout;
    options->setContentsMargins(22, 0, 0, 0);
    options->addWidget(m_prorate);
    options->addWidget(m_invoiceNow);
    boxLayout->addWidget(m_atPeriodEnd);
    boxLayout->addWidget(m_periodEndNote);
    boxLayout->addWidget(m_now);
    boxLayout->addWidget(nowNote);
    boxLayout->addLayout(options);
    auto *group = new QButtonGroup(this);
    group->addButton(m_atPeriodEnd);
    group->addButton(m_now);
    if (m_row.subscription.cancelAtPeriodEnd) {
        m_atPeriodEnd->setEnabled(false);
        m_now->setChecked(true);
    } else {
        m_atPeriodEnd->setChecked(true);
    }
    for (QAbstractButton *b : std::initializer_list<QAbstractButton *>{m_atPeriodEnd, m_now, m_prorate, m_invoiceNow})
        connect(b, &QAbstractButton::toggled, this, [this] {
            updateButtons();
            updateSummary();
        });
    layout->addWidget(box);
    layout->addStretch(1);
    return page;
}

QWidget *CancelDialog::buildUndoPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *box = new QGroupBox(tr("Keep the subscription"), page);
    auto *boxLayout = new QVBoxLayout(box);
    m_undoText = new QLabel(box);
    m_undoText->setObjectName(QStringLiteral("undoText"));
    m_undoText->setWordWrap(true);
    const Subscription &s = m_row.subscription;
    const auto currency = Currency::fromCode(s.currency);
    const QString amount = currency ? Money(m_row.amountMinor, *currency).toLocaleString(locale()) : QString();
    m_undoText->setText(
        s.currentPeriodEnd().isValid()
            ? tr("This subscription is set to cancel on %1. Undoing it keeps it running: it renews on that date "
                 "at %2 as before.")
                  .arg(dateText(s.currentPeriodEnd()), amount)
            : tr("Undoing the cancellation keeps the subscription running; it renews as before."));
    boxLayout->addWidget(m_undoText);
    layout->addWidget(box);
    layout->addStretch(1);
    return page;
}

void CancelDialog::goTo(Step step)
{
    m_step = step;
    if (m_mode == Mode::Cancel) {
        m_pages->setCurrentIndex(static_cast<int>(step));
        if (step == Step::Offers)
            loadOffers();
    }
    updateButtons();
    updateSummary();
}

std::optional<CancellationReason> CancelDialog::reason() const
{
    if (!m_reasonGroup || m_reasonGroup->checkedId() < 0)
        return std::nullopt;
    return static_cast<CancellationReason>(m_reasonGroup->checkedId());
}

QString CancelDialog::offerText(const RetentionOffer &offer) const
{
    const QLocale loc = locale();
    const QString before = offer.monthlyBefore.toLocaleString(loc);
    const QString after = offer.monthlyAfter.toLocaleString(loc);
    switch (offer.kind) {
    case RetentionOfferKind::Discount:
        if (offer.durationMonths > 0)
            return tr("%1% off for %2 months: %3/month instead of %4")
                .arg(offer.percentOff)
                .arg(offer.durationMonths)
                .arg(after, before);
        return tr("%1% off for good: %2/month instead of %3").arg(offer.percentOff).arg(after, before);
    case RetentionOfferKind::Pause:
        return tr("Pause for %1 months: nothing to pay until %2, then %3/month again")
            .arg(offer.pauseMonths)
            .arg(dateText(m_clock().addMonths(offer.pauseMonths)), before);
    case RetentionOfferKind::CheaperPlan:
        return tr("Switch to %1: %2/month instead of %3").arg(offer.planName, after, before);
    case RetentionOfferKind::None:
        break;
    }
    return tr("No offer");
}

void CancelDialog::loadOffers()
{
    const auto r = reason();
    for (QAbstractButton *b : m_offerGroup->buttons())
        m_offerGroup->removeButton(b);
    while (QLayoutItem *item = m_offersLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_offers.clear();
    if (!r || !m_service) {
        m_offersIntro->setText(tr("Choose a reason first."));
        return;
    }
    const Result<QList<RetentionOffer>> offers = m_service->offers(*r, m_row, m_prices, m_products);
    if (!offers) {
        m_offersIntro->setText(tr("No offer can be made: %1").arg(offers.error().userMessage));
        return;
    }
    m_offers = offers.value();
    if (m_offers.isEmpty()) {
        m_offersIntro->setText(tr("No retention offer fits \u201c%1\u201d. Continue to cancel.")
                                   .arg(cancellationReasonLabel(*r)));
        return;
    }
    m_offersIntro->setText(tr("For \u201c%1\u201d you can offer the following. Choose one and Accept offer if the "
                              "customer stays, or Continue to cancel.")
                               .arg(cancellationReasonLabel(*r)));
    for (int i = 0; i < m_offers.size(); ++i) {
        const RetentionOffer &offer = m_offers.at(i);
        auto *radio = new QRadioButton(offerText(offer), m_offersBox);
        radio->setObjectName(QStringLiteral("offer_%1").arg(retentionOfferKindName(offer.kind)));
        m_offerGroup->addButton(radio, i);
        QString detail;
        switch (offer.kind) {
        case RetentionOfferKind::Discount:
            detail = tr("Coupon %1 is applied to the subscription now.").arg(offer.couponId);
            break;
        case RetentionOfferKind::Pause:
            detail = tr("Payment collection is paused (invoices kept as drafts); the subscription stays.");
            break;
        case RetentionOfferKind::CheaperPlan:
            detail = tr("The plan changes now without proration; the new price applies from the next renewal.");
            break;
        case RetentionOfferKind::None: break;
        }
        auto *note = hint(detail, m_offersBox);
        note->setContentsMargins(22, 0, 0, 8);
        m_offersLayout->addWidget(radio);
        m_offersLayout->addWidget(note);
        radio->show();
        note->show();
    }
    if (m_offers.size() == 1)
        m_offerGroup->button(0)->setChecked(true);
    layout()->activate();
}

QString CancelDialog::validationProblem() const
{
    const Subscription &s = m_row.subscription;
    if (s.status == QLatin1String("canceled") || s.status == QLatin1String("incomplete_expired"))
        return tr("This subscription has already ended.");
    if (m_mode == Mode::Undo)
        return undoProblem();
    if (m_commentEdit && m_commentEdit->toPlainText().trimmed().size() > MaxCommentLength)
        return tr("The comment is too long (%1 characters; at most %2).")
            .arg(m_commentEdit->toPlainText().trimmed().size())
            .arg(MaxCommentLength);
    if (m_step == Step::Timing && m_atPeriodEnd && m_atPeriodEnd->isChecked()) {
        if (s.cancelAtPeriodEnd)
            return tr("This subscription is already set to cancel at the end of its period.");
        if (s.currentPeriodEnd().isValid() && s.currentPeriodEnd() <= m_clock())
            return tr("The current period has already ended; cancel now instead.");
    }
    return {};
}

QString CancelDialog::undoProblem() const
{
    const Subscription &s = m_row.subscription;
    if (!s.cancelAtPeriodEnd)
        return tr("This subscription is not set to cancel at the end of its period; there is nothing to undo.");
    if (s.currentPeriodEnd().isValid() && s.currentPeriodEnd() <= m_clock())
        return tr("The period has already ended; the cancellation cannot be undone.");
    return {};
}

void CancelDialog::updateButtons()
{
    const bool editable = m_state == State::Editing;
    const bool finished = m_state == State::Succeeded;
    const QString problem = validationProblem();
    const bool allowed = !m_service || m_service->mayCancel();

    if (m_commentMessage) {
        const bool commentProblem = m_commentEdit->toPlainText().trimmed().size() > MaxCommentLength;
        m_commentMessage->setText(commentProblem ? problem : QString());
        m_commentMessage->setVisible(commentProblem);
        m_commentEdit->setStyleSheet(commentProblem ? QStringLiteral("border: 1px solid %1;").arg(ErrorTone) : QString());
    }
    if (m_reasonGroup) {
        for (QAbstractButton *b : m_reasonGroup->buttons())
            b->setEnabled(editable);
        m_commentEdit->setReadOnly(!editable);
    }
    for (QAbstractButton *b : m_offerGroup ? m_offerGroup->buttons() : QList<QAbstractButton *>{})
        b->setEnabled(editable);
    if (m_atPeriodEnd) {
        m_atPeriodEnd->setEnabled(editable && !m_row.subscription.cancelAtPeriodEnd);
        m_now->setEnabled(editable);
        const bool now = m_now->isChecked();
        m_prorate->setEnabled(editable && now);
        m_invoiceNow->setEnabled(editable && now);
    }

    const bool cancelMode = m_mode == Mode::Cancel;
    m_backButton->setVisible(cancelMode && m_step != Step::Reason);
    m_backButton->setEnabled(editable);
    m_nextButton->setVisible(cancelMode && m_step == Step::Reason);
    m_nextButton->setEnabled(editable && reason().has_value() && problem.isEmpty());
    m_acceptButton->setVisible(cancelMode && m_step == Step::Offers && !m_offers.isEmpty());
    m_acceptButton->setEnabled(editable && allowed && m_offerGroup && m_offerGroup->checkedId() >= 0);
    m_continueButton->setVisible(cancelMode && m_step == Step::Offers);
    m_continueButton->setEnabled(editable);
    m_confirmButton->setVisible(!cancelMode || m_step == Step::Timing);
    m_confirmButton->setEnabled(editable && allowed && problem.isEmpty() && !finished);

    // Problems that are not about the comment are said next to the summary.
    if (editable && !problem.isEmpty() && (!m_commentMessage || !m_commentMessage->isVisible())
        && (m_step == Step::Timing || !cancelMode)) {
        setStatus(problem, ErrorTone);
    } else if (editable && m_statusLabel->property("problem").toBool()) {
        setStatus(QString(), {});
    }
    m_statusLabel->setProperty("problem", editable && !problem.isEmpty() && (m_step == Step::Timing || !cancelMode));
}

void CancelDialog::updateSummary()
{
    if (!m_summaryLabel)
        return;
    if (m_mode == Mode::Undo) {
        m_summaryLabel->setText(undoProblem().isEmpty() ? tr("Undo the cancellation: the subscription renews as before.")
                                                        : QString());
        return;
    }
    if (m_step != Step::Timing || !reason()) {
        m_summaryLabel->clear();
        return;
    }
    const QString why = cancellationReasonLabel(*reason());
    if (m_atPeriodEnd->isChecked()) {
        const QDateTime end = m_row.subscription.currentPeriodEnd();
        m_summaryLabel->setText(tr("Cancel at the end of the period, on %1 (reversible until then). Reason: %2.")
                                    .arg(end.isValid() ? dateText(end) : tr("the period end"), why));
    } else {
        m_summaryLabel->setText(tr("Cancel now, %1, %2. Reason: %3.")
                                    .arg(m_prorate->isChecked() ? tr("with a prorated credit for the unused time")
                                                                : tr("without credit for the unused time"),
                                         m_invoiceNow->isChecked() ? tr("with a final invoice now")
                                                                   : tr("no final invoice"),
                                         why));
    }
}

CancellationCase CancelDialog::currentCase() const
{
    CancellationCase c;
    c.row = m_row;
    c.reason = reason().value_or(CancellationReason::Other);
    c.comment = m_commentEdit ? m_commentEdit->toPlainText().trimmed() : QString();
    c.offersMade = m_offers;
    c.sessionId = m_sessionId;
    return c;
}

CancelTiming CancelDialog::currentTiming() const
{
    CancelTiming t;
    t.atPeriodEnd = m_atPeriodEnd->isChecked();
    t.prorate = !t.atPeriodEnd && m_prorate->isChecked();
    t.invoiceNow = !t.atPeriodEnd && m_invoiceNow->isChecked();
    return t;
}

void CancelDialog::acceptOffer()
{
    if (m_state != State::Editing || m_step != Step::Offers || !m_offerGroup || m_offerGroup->checkedId() < 0)
        return; // a second click while the first is on its way does nothing
    const int index = m_offerGroup->checkedId();
    m_pendingOutcome = Outcome::OfferAccepted;
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    m_service->acceptOffer(currentCase(), index, m_clock(), this, [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
}

void CancelDialog::confirm()
{
    if (m_state != State::Editing || !validationProblem().isEmpty())
        return;
    setStatus(tr("Queuing\u2026"), {});
    if (m_mode == Mode::Undo) {
        m_pendingOutcome = Outcome::Undone;
        setState(State::Submitting);
        m_service->undoCancellation(m_row.subscription, m_clock(), m_sessionId, this,
                                    [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
        return;
    }
    if (m_step != Step::Timing || !reason())
        return;
    m_pendingOutcome = Outcome::Cancelled;
    setState(State::Submitting);
    m_service->cancel(currentCase(), currentTiming(), m_clock(), this,
                      [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
}

void CancelDialog::setState(State state)
{
    m_state = state == State::Failed ? State::Editing : state; // a refused request can be corrected
    updateButtons();
    Q_EMIT stateChanged(state);
}

void CancelDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_statusLabel, text, tone);
    m_statusLabel->setProperty("problem", false);
}

void CancelDialog::onQueued(Result<OutboxEntry> r)
{
    if (!r) {
        setState(State::Failed);
        setStatus(r.error().userMessage, ErrorTone);
        return;
    }
    m_entryId = r->id;
    if (!r->isOpen()) {
        onFinished(r.value());
        return;
    }
    m_state = State::Queued;
    updateButtons();
    setStatus(tr("Sending to Stripe\u2026 The change is saved and will not be sent twice."), PendingTone);
    Q_EMIT stateChanged(m_state);
}

void CancelDialog::onEntryChanged(qint64 id)
{
    if (id != m_entryId || m_state != State::Queued || !m_outbox)
        return;
    OperationStatusPanel::followEntry(
        m_outbox, id, this,
        tr("The change is saved in the outbox and will be sent once, automatically, when the "
           "connection returns."),
        [this] { return m_state == State::Queued; },
        [this](const QString &text) { setStatus(text, PendingTone); },
        [this](const OutboxEntry &entry) { onFinished(entry); });
}

void CancelDialog::onFinished(const OutboxEntry &entry)
{
    if (entry.id != m_entryId || m_entryId == 0 || m_state == State::Succeeded)
        return;
    switch (entry.state) {
    case OutboxState::Succeeded: {
        m_outcome = m_pendingOutcome;
        const QDateTime end = m_row.subscription.currentPeriodEnd();
        QString text;
        switch (m_outcome) {
        case Outcome::OfferAccepted: {
            const int index = m_offerGroup ? m_offerGroup->checkedId() : -1;
            text = tr("Done. The customer stays: %1.")
                       .arg(index >= 0 && index < m_offers.size() ? offerText(m_offers.at(index)) : QString());
            break;
        }
        case Outcome::Cancelled:
            text = currentTiming().atPeriodEnd
                       ? tr("Done. The subscription ends on %1; it can be undone until then.").arg(dateText(end))
                       : tr("Done. The subscription is cancelled.");
            break;
        case Outcome::Undone:
            text = tr("Done. The cancellation is undone; the subscription renews on %1.").arg(dateText(end));
            break;
        case Outcome::None: break;
        }
        m_state = State::Succeeded;
        updateButtons();
        for (QPushButton *b : {m_backButton, m_nextButton, m_acceptButton, m_continueButton, m_confirmButton})
            b->setEnabled(false);
        setStatus(text, DoneTone);
        m_closeButton->setDefault(true);
        Q_EMIT stateChanged(m_state);
        break;
    }
    case OutboxState::Failed:
        // Stripe refused it for good: a corrected request is a new operation.
        m_sessionId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m_entryId = 0;
        setState(State::Failed);
        setStatus(tr("Not done. %1").arg(entry.errorMessage), ErrorTone);
        break;
    case OutboxState::NeedsAttention:
        m_state = State::Failed;
        updateButtons();
        m_confirmButton->setEnabled(false);
        m_acceptButton->setEnabled(false);
        setStatus(tr("Stripe's answer is unclear (%1). Check this subscription in Stripe before trying again.")
                      .arg(entry.errorMessage),
                  ErrorTone);
        Q_EMIT stateChanged(m_state);
        break;
    case OutboxState::Pending:
    case OutboxState::InFlight: break;
    }
}

} // namespace Billing
