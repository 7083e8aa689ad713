#include "ui/dialogs/pausedialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {

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

QLabel *errorLabel(const char *name, QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setObjectName(QString::fromLatin1(name));
    l->setWordWrap(true);
    l->setStyleSheet(QStringLiteral("color: %1;").arg(ErrorTone));
    l->setVisible(false);
    return l;
}

QString behaviorHint(PauseBehavior b)
{
    switch (b) {
    case PauseBehavior::KeepAsDraft:
        return QCoreApplication::translate("Billing::PauseDialog",
                                           "Invoices are still made but stay drafts; they can be collected after the pause.");
    case PauseBehavior::MarkUncollectible:
        return QCoreApplication::translate("Billing::PauseDialog",
                                           "Invoices are finalized and marked uncollectible: nothing is charged.");
    case PauseBehavior::Void:
        return QCoreApplication::translate("Billing::PauseDialog",
                                           "Invoices are voided: the customer has the service for free meanwhile.");
    }
    return {};
}

// Short words for a sentence: "Pause collection (invoices kept as drafts) until ...".
QString behaviorPhrase(PauseBehavior b)
{
    switch (b) {
    case PauseBehavior::KeepAsDraft: return QCoreApplication::translate("Billing::PauseDialog", "invoices kept as drafts");
    case PauseBehavior::MarkUncollectible:
        return QCoreApplication::translate("Billing::PauseDialog", "invoices marked uncollectible");
    case PauseBehavior::Void: return QCoreApplication::translate("Billing::PauseDialog", "invoices voided");
    }
    return {};
}

constexpr PauseBehavior Behaviors[] = {PauseBehavior::KeepAsDraft, PauseBehavior::MarkUncollectible, PauseBehavior::Void};

} // namespace

PauseDialog::PauseDialog(PauseService *service, SeasonalPlanService *seasonal, OperationRunner *runner,
                         OutboxService *outbox, const SubscriptionRow &row, QWidget *parent)
    : QDialog(parent), m_service(service), m_seasonal(seasonal), m_runner(runner), m_outbox(outbox), m_row(row),
      m_sessionId(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    setWindowTitle(tr("Pause payment collection"));
    setMinimumWidth(600);

    auto *header = new QLabel(this);
    header->setObjectName(QStringLiteral("header"));
    header->setWordWrap(true);
    {
        const Subscription &s = m_row.subscription;
        const auto currency = Currency::fromCode(s.currency);
        const QString price = currency ? tr("%1 per %2").arg(Money(m_row.amountMinor, *currency).toLocaleString(locale()),
                                                            m_row.interval)
                                       : QString();
        const QString who = m_row.customerName.isEmpty() ? s.customerId : m_row.customerName;
        const QString plan = m_row.planName.isEmpty() ? s.id : m_row.planName;
        header->setText(QStringLiteral("<b>%1</b> \u2014 %2, %3<br><span style=\"color:palette(placeholder-text)\">%4 \u00b7 %5</span>")
                            .arg(who.toHtmlEscaped(), plan.toHtmlEscaped(), price.toHtmlEscaped(), s.id.toHtmlEscaped(),
                                 s.status.toHtmlEscaped()));
    }
    m_currentLabel = new QLabel(this);
    m_currentLabel->setObjectName(QStringLiteral("current"));
    m_currentLabel->setWordWrap(true);
    m_currentLabel->setText(currentText());

    m_pauseBox = buildPauseBox();
    m_resumeBox = buildResumeBox();
    m_pauseBox->setVisible(!isPaused());
    m_resumeBox->setVisible(isPaused());
    m_seasonalBox = buildSeasonalBox();
    m_seasonalBox->setVisible(m_seasonal != nullptr);

    m_statusLabel = OperationStatusPanel::createStatusLabel(this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addSpacing(4);
    layout->addWidget(m_currentLabel);
    layout->addSpacing(4);
    layout->addWidget(m_pauseBox);
    layout->addWidget(m_resumeBox);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_seasonalBox);
    layout->addStretch(1);
    layout->addWidget(buttons);

    if (m_runner)
        connect(m_runner, &OperationRunner::operationFinished, this, &PauseDialog::onFinished);
    if (m_outbox)
        connect(m_outbox, &OutboxService::entryChanged, this, &PauseDialog::onEntryChanged);
    if (m_service && !m_service->mayPause())
        setStatus(tr("Your role cannot pause or resume subscriptions."), ErrorTone);

    if (m_seasonal) {
        m_seasonalBusy = true;
        updateSeasonalValidity();
        m_seasonal->window(m_row.subscription.id, this, [this](Result<std::optional<SeasonalWindow>> r) {
            m_seasonalBusy = false;
            m_windowLoaded = true;
            if (!r) {
                setSeasonalStatus(r.error().userMessage, ErrorTone);
                showWindow(std::nullopt);
            } else {
                showWindow(*r);
            }
            Q_EMIT seasonalWindowChanged();
        });
    }
    updateValidity();
}

PauseDialog::~PauseDialog() = default;

void PauseDialog::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
    m_resumeDate->setDate(m_clock().toUTC().date().addMonths(1));
    updateValidity();
}

QString PauseDialog::dateText(const QDateTime &at) const
{
    return locale().toString(at.toUTC().date(), QLocale::LongFormat);
}

QString PauseDialog::currentText() const
{
    const Subscription &s = m_row.subscription;
    if (s.pauseBehavior.isEmpty())
        return tr("Payments are collected as usual.");
    const auto b = pauseBehaviorFromName(s.pauseBehavior);
    const QString how = b ? behaviorPhrase(*b) : s.pauseBehavior;
    return s.pauseResumesAt.isValid() ? tr("<b>Collection is paused</b> (%1) until %2.").arg(how, dateText(s.pauseResumesAt))
                                      : tr("<b>Collection is paused</b> (%1) until resumed by hand.").arg(how);
}

QGroupBox *PauseDialog::buildPauseBox()
{
    auto *box = new QGroupBox(tr("Pause collection"), this);
    auto *layout = new QVBoxLayout(box);
    m_behaviorGroup = new QButtonGroup(this);
    for (PauseBehavior b : Behaviors) {
        auto *radio = new QRadioButton(pauseBehaviorLabel(b), box);
        radio->setObjectName(QStringLiteral("behavior_") + pauseBehaviorName(b));
        m_behaviorGroup->addButton(radio, static_cast<int>(b));
        auto *note = hint(behaviorHint(b), box);
        note->setContentsMargins(22, 0, 0, 4);
        layout->addWidget(radio);
        layout->addWidget(note);
    }
    m_behaviorGroup->button(static_cast<int>(PauseBehavior::KeepAsDraft))->setChecked(true);

    m_resumeOn = new QCheckBox(tr("Resume automatically on"), box);
    m_resumeOn->setObjectName(QStringLiteral("resumeOn"));
    m_resumeDate = new QDateEdit(box);
    m_resumeDate->setObjectName(QStringLiteral("resumeDate"));
    m_resumeDate->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_resumeDate->setCalendarPopup(true);
    m_resumeDate->setMinimumDate(QDate(2000, 1, 1)); // past dates can be typed, and are refused inline
    m_resumeDate->setDate(m_clock().toUTC().date().addMonths(1));
    m_resumeDate->setEnabled(false);
    auto *dateRow = new QHBoxLayout;
    dateRow->addWidget(m_resumeOn);
    dateRow->addWidget(m_resumeDate);
    dateRow->addWidget(hint(tr("at 00:00 UTC"), box));
    dateRow->addStretch(1);
    layout->addSpacing(4);
    layout->addLayout(dateRow);
    m_dateMessage = errorLabel("dateMessage", box);
    layout->addWidget(m_dateMessage);

    m_summaryLabel = OperationStatusPanel::createSummaryLabel(box);
    m_confirmButton = new QPushButton(tr("&Pause collection"), box);
    m_confirmButton->setObjectName(QStringLiteral("confirm"));
    m_confirmButton->setAutoDefault(false);
    auto *confirmRow = new QHBoxLayout;
    confirmRow->addStretch(1);
    confirmRow->addWidget(m_confirmButton);
    layout->addSpacing(4);
    layout->addWidget(m_summaryLabel);
    layout->addLayout(confirmRow);

    connect(m_behaviorGroup, &QButtonGroup::idClicked, this, &PauseDialog::updateValidity);
    connect(m_resumeOn, &QCheckBox::toggled, this, &PauseDialog::updateValidity);
    connect(m_resumeDate, &QDateEdit::dateChanged, this, &PauseDialog::updateValidity);
    connect(m_confirmButton, &QPushButton::clicked, this, &PauseDialog::confirm);
    return box;
}

QGroupBox *PauseDialog::buildResumeBox()
{
    auto *box = new QGroupBox(tr("Resume collection"), this);
    auto *layout = new QHBoxLayout(box);
    layout->addWidget(hint(tr("Collection resumes at once: the next invoices are charged as usual."), box), 1);
    m_resumeButton = new QPushButton(tr("&Resume now"), box);
    m_resumeButton->setObjectName(QStringLiteral("resumeNow"));
    m_resumeButton->setAutoDefault(false);
    layout->addWidget(m_resumeButton);
    connect(m_resumeButton, &QPushButton::clicked, this, &PauseDialog::resumeNow);
    return box;
}

QGroupBox *PauseDialog::buildSeasonalBox()
{
    auto *box = new QGroupBox(tr("Seasonal pause (every year)"), this);
    auto *layout = new QVBoxLayout(box);
    m_windowLabel = new QLabel(box);
    m_windowLabel->setObjectName(QStringLiteral("currentWindow"));
    m_windowLabel->setWordWrap(true);
    layout->addWidget(m_windowLabel);

    const QLocale c = QLocale::c();
    auto monthCombo = [&](const char *name) {
        auto *combo = new QComboBox(box);
        combo->setObjectName(QString::fromLatin1(name));
        for (int m = 1; m <= 12; ++m)
            combo->addItem(locale().monthName(m, QLocale::LongFormat), m);
        return combo;
    };
    auto daySpin = [&](const char *name) {
        auto *spin = new QSpinBox(box);
        spin->setObjectName(QString::fromLatin1(name));
        spin->setRange(1, 31);
        return spin;
    };
    m_startMonth = monthCombo("startMonth");
    m_startDay = daySpin("startDay");
    m_endMonth = monthCombo("endMonth");
    m_endDay = daySpin("endDay");
    auto *range = new QHBoxLayout;
    range->addWidget(m_startMonth);
    range->addWidget(m_startDay);
    range->addWidget(new QLabel(tr("to"), box));
    range->addWidget(m_endMonth);
    range->addWidget(m_endDay);
    range->addStretch(1);
    m_windowBehavior = new QComboBox(box);
    m_windowBehavior->setObjectName(QStringLiteral("windowBehavior"));
    for (PauseBehavior b : Behaviors)
        m_windowBehavior->addItem(pauseBehaviorLabel(b), pauseBehaviorName(b));
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("From:"), range);
    form->addRow(tr("Invoices:"), m_windowBehavior);
    layout->addLayout(form);
    m_windowMessage = errorLabel("windowMessage", box);
    layout->addWidget(m_windowMessage);

    m_seasonalStatus = new QLabel(box);
    m_seasonalStatus->setObjectName(QStringLiteral("seasonalStatus"));
    m_seasonalStatus->setWordWrap(true);
    m_saveWindow = new QPushButton(tr("&Save window"), box);
    m_saveWindow->setObjectName(QStringLiteral("saveWindow"));
    m_saveWindow->setAutoDefault(false);
    m_removeWindow = new QPushButton(tr("Re&move window"), box);
    m_removeWindow->setObjectName(QStringLiteral("removeWindow"));
    m_removeWindow->setAutoDefault(false);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_seasonalStatus, 1);
    buttons->addWidget(m_removeWindow);
    buttons->addWidget(m_saveWindow);
    layout->addLayout(buttons);

    // Defaults: the usual winter break.
    SeasonalWindow defaults;
    m_startMonth->setCurrentIndex(defaults.startMonth - 1);
    m_startDay->setValue(defaults.startDay);
    m_endMonth->setCurrentIndex(defaults.endMonth - 1);
    m_endDay->setValue(defaults.endDay);

    for (QComboBox *combo : {m_startMonth, m_endMonth, m_windowBehavior})
        connect(combo, &QComboBox::currentIndexChanged, this, &PauseDialog::updateSeasonalValidity);
    for (QSpinBox *spin : {m_startDay, m_endDay})
        connect(spin, &QSpinBox::valueChanged, this, &PauseDialog::updateSeasonalValidity);
    connect(m_saveWindow, &QPushButton::clicked, this, &PauseDialog::saveWindow);
    connect(m_removeWindow, &QPushButton::clicked, this, &PauseDialog::removeWindow);
    return box;
}

PauseRequest PauseDialog::currentRequest() const
{
    PauseRequest r;
    r.behavior = static_cast<PauseBehavior>(qMax(0, m_behaviorGroup->checkedId()));
    if (m_resumeOn->isChecked())
        r.resumesAt = QDateTime(m_resumeDate->date(), QTime(0, 0), Qt::UTC);
    return r;
}

void PauseDialog::updateValidity()
{
    const bool editable = m_state == State::Editing;
    const bool allowed = !m_service || m_service->mayPause();
    for (QAbstractButton *b : m_behaviorGroup->buttons())
        b->setEnabled(editable);
    m_resumeOn->setEnabled(editable);
    m_resumeDate->setEnabled(editable && m_resumeOn->isChecked());
    m_resumeButton->setEnabled(editable && allowed && isPaused());

    const PauseRequest request = currentRequest();
    const Status valid = PauseService::validatePause(m_row.subscription, request, m_clock());
    const QString problem = valid ? QString() : valid.error().userMessage;
    const bool dateProblem = !problem.isEmpty() && request.resumesAt.isValid() && request.resumesAt <= m_clock();
    m_dateMessage->setText(problem);
    m_dateMessage->setVisible(!problem.isEmpty() && editable);
    m_resumeDate->setStyleSheet(dateProblem ? QStringLiteral("border: 1px solid %1;").arg(ErrorTone) : QString());
    m_confirmButton->setEnabled(editable && allowed && problem.isEmpty() && !isPaused());

    if (!problem.isEmpty()) {
        m_summaryLabel->clear();
        return;
    }
    const QString how = behaviorPhrase(request.behavior);
    m_summaryLabel->setText(request.resumesAt.isValid()
                                ? tr("Pause collection (%1) until %2.").arg(how, dateText(request.resumesAt))
                                : tr("Pause collection (%1) until resumed by hand.").arg(how));
}

SeasonalWindow PauseDialog::editedWindow() const
{
    SeasonalWindow w = m_window.value_or(SeasonalWindow{});
    w.subscriptionId = m_row.subscription.id;
    w.customerId = m_row.subscription.customerId;
    w.startMonth = m_startMonth->currentData().toInt();
    w.startDay = m_startDay->value();
    w.endMonth = m_endMonth->currentData().toInt();
    w.endDay = m_endDay->value();
    w.behavior = m_windowBehavior->currentData().toString();
    w.active = true;
    return w;
}

void PauseDialog::updateSeasonalValidity()
{
    if (!m_seasonal)
        return;
    const bool editable = !m_seasonalBusy && m_windowLoaded && m_seasonal->mayEdit();
    for (QWidget *w : std::initializer_list<QWidget *>{m_startMonth, m_startDay, m_endMonth, m_endDay, m_windowBehavior})
        w->setEnabled(editable);
    const Status valid = editedWindow().validate();
    const QString problem = valid ? QString() : valid.error().userMessage;
    m_windowMessage->setText(problem);
    m_windowMessage->setVisible(!problem.isEmpty());
    m_saveWindow->setEnabled(editable && problem.isEmpty());
    m_removeWindow->setEnabled(editable && m_window.has_value());
    if (m_windowLoaded && !m_seasonal->mayEdit())
        setSeasonalStatus(tr("Your role cannot change seasonal pauses."), ErrorTone);
}

void PauseDialog::showWindow(const std::optional<SeasonalWindow> &window)
{
    m_window = window;
    if (window) {
        m_windowLabel->setText(tr("Current: <b>%1</b>").arg(window->describe().toHtmlEscaped()));
        m_startMonth->setCurrentIndex(window->startMonth - 1);
        m_startDay->setValue(window->startDay);
        m_endMonth->setCurrentIndex(window->endMonth - 1);
        m_endDay->setValue(window->endDay);
        m_windowBehavior->setCurrentIndex(qMax(0, m_windowBehavior->findData(window->behavior)));
    } else {
        m_windowLabel->setText(tr("Current: no seasonal pause. Collection is paused every year in the window you set "
                                  "here."));
    }
    updateSeasonalValidity();
}

void PauseDialog::saveWindow()
{
    if (!m_seasonal || m_seasonalBusy)
        return;
    const SeasonalWindow w = editedWindow();
    if (!w.validate())
        return;
    m_seasonalBusy = true;
    updateSeasonalValidity();
    setSeasonalStatus(tr("Saving\u2026"), {});
    m_seasonal->setWindow(w, this, [this](Result<SeasonalWindow> r) {
        m_seasonalBusy = false;
        if (!r) {
            setSeasonalStatus(r.error().userMessage, ErrorTone);
            updateSeasonalValidity();
            return;
        }
        showWindow(*r);
        setSeasonalStatus(tr("Saved."), DoneTone);
        Q_EMIT seasonalWindowChanged();
    });
}

void PauseDialog::removeWindow()
{
    if (!m_seasonal || m_seasonalBusy || !m_window)
        return;
    m_seasonalBusy = true;
    updateSeasonalValidity();
    m_seasonal->removeWindow(*m_window, this, [this](Status s) {
        m_seasonalBusy = false;
        if (!s) {
            setSeasonalStatus(s.error().userMessage, ErrorTone);
            updateSeasonalValidity();
            return;
        }
        showWindow(std::nullopt);
        setSeasonalStatus(tr("Removed."), DoneTone);
        Q_EMIT seasonalWindowChanged();
    });
}

void PauseDialog::confirm()
{
    if (m_state != State::Editing || isPaused())
        return; // a second click while the first is on its way does nothing
    const PauseRequest request = currentRequest();
    if (!PauseService::validatePause(m_row.subscription, request, m_clock()))
        return;
    m_resuming = false;
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    m_service->pause(m_row.subscription, request, m_clock(), m_sessionId, this,
                     [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
}

void PauseDialog::resumeNow()
{
    if (m_state != State::Editing || !isPaused())
        return;
    m_resuming = true;
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    m_service->resume(m_row.subscription, m_sessionId, this, [this](Result<OutboxEntry> r) { onQueued(std::move(r)); });
}

void PauseDialog::setState(State state)
{
    m_state = state == State::Failed ? State::Editing : state;
    updateValidity();
    Q_EMIT stateChanged(state);
}

void PauseDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_statusLabel, text, tone);
}

void PauseDialog::setSeasonalStatus(const QString &text, const QString &tone)
{
    m_seasonalStatus->setText(text);
    m_seasonalStatus->setStyleSheet(tone.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(tone));
}

void PauseDialog::onQueued(Result<OutboxEntry> r)
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
    updateValidity();
    setStatus(tr("Sending to Stripe\u2026 The change is saved and will not be sent twice."), PendingTone);
    Q_EMIT stateChanged(m_state);
}

void PauseDialog::onEntryChanged(qint64 id)
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

void PauseDialog::onFinished(const OutboxEntry &entry)
{
    if (entry.id != m_entryId || m_entryId == 0 || m_state == State::Succeeded)
        return;
    switch (entry.state) {
    case OutboxState::Succeeded: {
        QString text;
        if (m_resuming) {
            m_row.subscription.pauseBehavior.clear();
            m_row.subscription.pauseResumesAt = QDateTime();
            text = tr("Done. Collection resumed.");
        } else {
            const PauseRequest request = currentRequest();
            m_row.subscription.pauseBehavior = pauseBehaviorName(request.behavior);
            m_row.subscription.pauseResumesAt = request.resumesAt;
            text = tr("Done. Collection is paused.");
        }
        m_currentLabel->setText(currentText());
        m_state = State::Succeeded;
        updateValidity();
        m_confirmButton->setEnabled(false);
        m_resumeButton->setEnabled(false);
        setStatus(text, DoneTone);
        Q_EMIT stateChanged(m_state);
        break;
    }
    case OutboxState::Failed:
        m_sessionId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        m_entryId = 0;
        setState(State::Failed);
        setStatus(tr("Not done. %1").arg(entry.errorMessage), ErrorTone);
        break;
    case OutboxState::NeedsAttention:
        m_state = State::Failed;
        updateValidity();
        m_confirmButton->setEnabled(false);
        m_resumeButton->setEnabled(false);
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
