#include "ui/dialogs/changeplandialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {

const QString Red = QStringLiteral("#b3261e");
const QString Amber = QStringLiteral("#6b5900");
const QString Green = QStringLiteral("#1e6b32");

QString newOpId(const QString &subscriptionId)
{
    return QStringLiteral("change-plan:%1:%2").arg(subscriptionId, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

Money moneyOf(qint64 minor, const QString &currency)
{
    const auto c = Currency::fromCode(currency);
    return c ? Money(minor, *c) : Money();
}

} // namespace

ChangePlanDialog::ChangePlanDialog(PlanChangeService *service, OperationRunner *runner, OutboxService *outbox,
                                   const QString &subscriptionId, QWidget *parent)
    : QDialog(parent), m_service(service), m_runner(runner), m_outbox(outbox), m_subscriptionId(subscriptionId),
      m_opId(newOpId(subscriptionId))
{
    setWindowTitle(tr("Change plan"));
    setMinimumWidth(560);

    auto *current = new QGroupBox(tr("Current plan"), this);
    auto *currentForm = new QFormLayout(current);
    currentForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_subscriptionLabel = new QLabel(subscriptionId, current);
    m_currentPlanLabel = new QLabel(current);
    m_currentPlanLabel->setObjectName(QStringLiteral("currentPlan"));
    m_currentPriceLabel = new QLabel(current);
    m_currentQuantityLabel = new QLabel(current);
    m_currentQuantityLabel->setObjectName(QStringLiteral("currentQuantity"));
    m_periodLabel = new QLabel(current);
    for (QLabel *l : {m_subscriptionLabel, m_currentPlanLabel, m_currentPriceLabel, m_currentQuantityLabel, m_periodLabel})
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    currentForm->addRow(tr("Subscription:"), m_subscriptionLabel);
    currentForm->addRow(tr("Plan:"), m_currentPlanLabel);
    currentForm->addRow(tr("Price:"), m_currentPriceLabel);
    currentForm->addRow(tr("Quantity:"), m_currentQuantityLabel);
    currentForm->addRow(tr("Current period ends:"), m_periodLabel);

    auto *change = new QGroupBox(tr("Change to"), this);
    auto *form = new QFormLayout(change);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_planCombo = new QComboBox(change);
    m_planCombo->setObjectName(QStringLiteral("plan"));
    m_planCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_currencyHint = new QLabel(change);
    m_currencyHint->setObjectName(QStringLiteral("currencyHint"));
    m_currencyHint->setWordWrap(true);
    m_currencyHint->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto *planBox = new QVBoxLayout;
    planBox->setSpacing(2);
    planBox->addWidget(m_planCombo);
    planBox->addWidget(m_currencyHint);
    auto *planLabel = new QLabel(tr("&Plan:"), change);
    planLabel->setBuddy(m_planCombo);
    form->addRow(planLabel, planBox);

    m_quantitySpin = new QSpinBox(change);
    m_quantitySpin->setObjectName(QStringLiteral("quantity"));
    m_quantitySpin->setRange(1, 100000);
    m_quantitySpin->setAccelerated(true);
    auto *quantityLabel = new QLabel(tr("&Quantity:"), change);
    quantityLabel->setBuddy(m_quantitySpin);
    form->addRow(quantityLabel, m_quantitySpin);

    m_nowProrated = new QRadioButton(tr("Now, prorated \u2014 bills the difference today"), change);
    m_nowProrated->setObjectName(QStringLiteral("nowProrated"));
    m_nowUnprorated = new QRadioButton(tr("Now, without proration \u2014 the new price is billed from the next renewal"), change);
    m_nowUnprorated->setObjectName(QStringLiteral("nowUnprorated"));
    m_periodEnd = new QRadioButton(tr("At the end of the period"), change);
    m_periodEnd->setObjectName(QStringLiteral("periodEnd"));
    m_timingGroup = new QButtonGroup(this);
    m_timingGroup->addButton(m_nowProrated, int(PlanChangeTiming::NowProrated));
    m_timingGroup->addButton(m_nowUnprorated, int(PlanChangeTiming::NowWithoutProration));
    m_timingGroup->addButton(m_periodEnd, int(PlanChangeTiming::AtPeriodEnd));
    m_nowProrated->setChecked(true);
    auto *timingBox = new QVBoxLayout;
    timingBox->setSpacing(4);
    timingBox->addWidget(m_nowProrated);
    timingBox->addWidget(m_nowUnprorated);
    timingBox->addWidget(m_periodEnd);
    form->addRow(tr("When:"), timingBox);

    auto *preview = new QGroupBox(tr("Stripe's preview"), this);
    auto *previewLayout = new QVBoxLayout(preview);
    m_previewStatus = new QLabel(preview);
    m_previewStatus->setObjectName(QStringLiteral("previewStatus"));
    m_previewStatus->setWordWrap(true);
    auto *numbers = new QFormLayout;
    numbers->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_creditValue = new QLabel(preview);
    m_creditValue->setObjectName(QStringLiteral("credit"));
    m_chargeValue = new QLabel(preview);
    m_chargeValue->setObjectName(QStringLiteral("newCharge"));
    m_dueValue = new QLabel(preview);
    m_dueValue->setObjectName(QStringLiteral("amountDue"));
    QFont bold = m_dueValue->font();
    bold.setBold(true);
    m_dueValue->setFont(bold);
    m_nextValue = new QLabel(preview);
    m_nextValue->setObjectName(QStringLiteral("nextInvoice"));
    for (QLabel *l : {m_creditValue, m_chargeValue, m_dueValue, m_nextValue}) {
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        l->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    }
    numbers->addRow(tr("Credit for unused time:"), m_creditValue);
    numbers->addRow(tr("New charge:"), m_chargeValue);
    numbers->addRow(tr("Amount due now:"), m_dueValue);
    numbers->addRow(tr("Next invoice:"), m_nextValue);
    m_warningBox = new QFrame(preview);
    m_warningBox->setObjectName(QStringLiteral("warnings"));
    m_warningBox->setStyleSheet(QStringLiteral("QFrame#warnings { background: #fff4d6; border: 1px solid #e0b43a; "
                                               "border-radius: 4px; } QLabel { color: #5c4300; }"));
    auto *warningLayout = new QVBoxLayout(m_warningBox);
    warningLayout->setContentsMargins(10, 8, 10, 8);
    m_warningLabel = new QLabel(m_warningBox);
    m_warningLabel->setObjectName(QStringLiteral("warningText"));
    m_warningLabel->setWordWrap(true);
    m_warningLabel->setTextFormat(Qt::RichText);
    warningLayout->addWidget(m_warningLabel);
    m_warningBox->setVisible(false);
    previewLayout->addWidget(m_previewStatus);
    previewLayout->addLayout(numbers);
    previewLayout->addWidget(m_warningBox);

    m_summaryLabel = OperationStatusPanel::createSummaryLabel(this, 1.1);
    m_statusLabel = OperationStatusPanel::createStatusLabel(this);
    m_buttons = OperationStatusPanel::createButtons(this, &m_confirmButton);
    connect(m_confirmButton, &QPushButton::clicked, this, &ChangePlanDialog::confirm);

    auto *layout = new QVBoxLayout(this);
    m_layout = layout;
    layout->addWidget(current);
    layout->addWidget(change);
    layout->addWidget(preview);
    layout->addWidget(m_summaryLabel);
    layout->addWidget(m_statusLabel);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    m_previewTimer.setSingleShot(true);
    m_previewTimer.setInterval(300);
    connect(&m_previewTimer, &QTimer::timeout, this, &ChangePlanDialog::requestPreview);
    connect(m_planCombo, &QComboBox::currentIndexChanged, this, &ChangePlanDialog::onInputsChanged);
    connect(m_quantitySpin, &QSpinBox::valueChanged, this, &ChangePlanDialog::onInputsChanged);
    connect(m_timingGroup, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked)
            onInputsChanged();
    });
    if (m_outbox)
        connect(m_outbox, &OutboxService::entryChanged, this, &ChangePlanDialog::onEntryChanged);
    if (m_runner) {
        const Status allowed = m_runner->policy().check(m_runner->actor(), Permission::ChangePlan);
        if (!allowed)
            m_permissionProblem = allowed.error().userMessage;
    }

    clearPreview(QString());
    reload();
}

ChangePlanDialog::~ChangePlanDialog() = default;

std::optional<PlanChangePreview> ChangePlanDialog::freshPreview() const
{
    if (m_preview && !m_previewInFlight && m_preview->request == currentRequest())
        return m_preview;
    return std::nullopt;
}

QString ChangePlanDialog::priceText(const Price &price) const
{
    QString per;
    const int n = std::max(1, price.intervalCount);
    if (price.interval == QLatin1String("day"))
        per = n == 1 ? tr("per day") : tr("every %1 days").arg(n);
    else if (price.interval == QLatin1String("week"))
        per = n == 1 ? tr("per week") : tr("every %1 weeks").arg(n);
    else if (price.interval == QLatin1String("year"))
        per = n == 1 ? tr("per year") : tr("every %1 years").arg(n);
    else
        per = n == 1 ? tr("per month") : tr("every %1 months").arg(n);
    if (price.billingScheme == QLatin1String("tiered") || !price.unitAmount)
        return tr("tiered, billed %1").arg(per);
    return tr("%1 %2").arg(moneyOf(*price.unitAmount, price.currency).toLocaleString(locale()), per);
}

void ChangePlanDialog::setState(State state)
{
    m_state = state;
    const bool editable = state == State::Editing || state == State::Failed;
    for (QWidget *w : std::initializer_list<QWidget *>{m_planCombo, m_quantitySpin, m_nowProrated, m_nowUnprorated, m_periodEnd})
        w->setEnabled(editable);
    if (state == State::Failed)
        m_state = State::Editing; // a refused change can be corrected and confirmed again
    updateConfirm();
    Q_EMIT stateChanged(state);
}

void ChangePlanDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_statusLabel, text, tone);
    fitContents();
}

void ChangePlanDialog::fitContents()
{
    // Wrapped messages grow the dialog instead of squeezing the rows above them.
    m_layout->activate();
    const int needed = std::max(m_layout->totalSizeHint().height(),
                                m_layout->hasHeightForWidth() ? m_layout->totalHeightForWidth(width()) : 0);
    if (needed > height())
        resize(width(), needed);
}

void ChangePlanDialog::reload()
{
    setState(State::Loading);
    setStatus(tr("Loading the subscription from Stripe\u2026"), {});
    m_service->currentPlan(m_subscriptionId, this,
                           [this](Result<PlanChangeService::CurrentPlan> r) { onCurrentLoaded(std::move(r)); });
}

void ChangePlanDialog::onCurrentLoaded(Result<PlanChangeService::CurrentPlan> r)
{
    if (!r) {
        setStatus(r.error().userMessage, Red);
        m_state = State::LoadFailed;
        for (QWidget *w : std::initializer_list<QWidget *>{m_planCombo, m_quantitySpin, m_nowProrated, m_nowUnprorated, m_periodEnd})
            w->setEnabled(false);
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        return;
    }
    const bool first = m_current.subscription.id.isEmpty();
    m_current = r.value();
    const Subscription &sub = m_current.subscription;
    const QString planName = m_current.productName.isEmpty() ? m_current.price.id : m_current.productName;
    m_currentPlanLabel->setText(m_current.price.nickname.isEmpty() || m_current.price.nickname == planName
                                    ? planName
                                    : tr("%1 \u00b7 %2").arg(planName, m_current.price.nickname));
    m_currentPriceLabel->setText(priceText(m_current.price));
    m_currentQuantityLabel->setText(locale().toString(sub.items.first().quantity));
    const QDateTime periodEnd = sub.currentPeriodEnd();
    m_periodLabel->setText(periodEnd.isValid() ? locale().toString(periodEnd.toLocalTime(), QStringLiteral("d MMM yyyy, HH:mm"))
                                               : tr("unknown"));
    m_periodEnd->setText(periodEnd.isValid()
                             ? tr("At the end of the period on %1 \u2014 nothing changes until then")
                                   .arg(locale().toString(periodEnd.toLocalTime().date(), QStringLiteral("d MMM yyyy")))
                             : tr("At the end of the period"));
    const QString code = sub.currency.toUpper();
    m_currencyHint->setText(
        tr("Only plans billed in %1 are offered: a subscription keeps its currency.").arg(code));
    if (!first)
        return; // a reload after the change: the inputs stay as the agent left them
    setStatus(tr("Loading the plans billed in %1\u2026").arg(code), {});
    m_service->plans(sub.currency, this,
                     [this](Result<QList<PlanChangeService::PlanOption>> plans) { onPlansLoaded(std::move(plans)); });
}

void ChangePlanDialog::onPlansLoaded(Result<QList<PlanChangeService::PlanOption>> r)
{
    if (!r) {
        setStatus(r.error().userMessage, Red);
        m_state = State::LoadFailed;
        Q_EMIT stateChanged(m_state);
        return;
    }
    m_plans = r.value();
    const QString currentPriceId = m_current.subscription.items.first().priceId;
    bool haveCurrent = false;
    for (const auto &p : m_plans)
        haveCurrent = haveCurrent || p.price.id == currentPriceId;
    if (!haveCurrent) // an archived or legacy price is still the plan the customer is on
        m_plans.prepend({m_current.price, m_current.productName});

    const QSignalBlocker block(m_planCombo);
    const QSignalBlocker blockSpin(m_quantitySpin);
    m_planCombo->clear();
    int currentIndex = 0;
    for (const auto &p : m_plans) {
        const QString name = p.productName.isEmpty() ? p.price.id : p.productName;
        QString text = tr("%1 \u00b7 %2").arg(name, priceText(p.price));
        if (p.price.id == currentPriceId) {
            text = tr("%1 (current)").arg(text);
            currentIndex = m_planCombo->count();
        }
        m_planCombo->addItem(text, p.price.id);
    }
    m_planCombo->setCurrentIndex(currentIndex);
    m_quantitySpin->setValue(int(std::min<qint64>(m_current.subscription.items.first().quantity, m_quantitySpin->maximum())));
    if (m_permissionProblem.isEmpty())
        setStatus(QString(), {});
    else
        setStatus(tr("%1 You can look at Stripe's preview, but not confirm.").arg(m_permissionProblem), Red);
    setState(State::Editing);
    onInputsChanged();
    m_planCombo->setFocus();
}

PlanChangeTiming ChangePlanDialog::timing() const
{
    return static_cast<PlanChangeTiming>(std::max(0, m_timingGroup->checkedId()));
}

PlanChangeRequest ChangePlanDialog::currentRequest() const
{
    PlanChangeRequest r;
    r.subscriptionId = m_subscriptionId;
    r.priceId = m_planCombo->currentData().toString();
    r.quantity = m_quantitySpin->value();
    r.timing = timing();
    return r;
}

void ChangePlanDialog::clearPreview(const QString &message, const QString &tone)
{
    const QString none = QStringLiteral("\u2014");
    for (QLabel *l : {m_creditValue, m_chargeValue, m_dueValue, m_nextValue})
        l->setText(none);
    m_warningBox->setVisible(false);
    m_summaryLabel->setText(QString());
    m_previewStatus->setText(message);
    m_previewStatus->setVisible(!message.isEmpty());
    m_previewStatus->setStyleSheet(tone.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(tone));
    fitContents();
}

void ChangePlanDialog::onInputsChanged()
{
    ++m_previewSerial; // an answer for earlier inputs is dropped
    m_preview.reset();
    m_previewInFlight = false;
    m_previewTimer.stop();
    if (m_state != State::Editing) {
        updateConfirm();
        return;
    }
    const PlanChangeRequest req = currentRequest();
    const SubscriptionItem &item = m_current.subscription.items.first();
    if (req.priceId == item.priceId && req.quantity == item.quantity) {
        clearPreview(tr("Choose another plan or quantity to see what Stripe would charge."));
    } else {
        clearPreview(tr("Asking Stripe for its preview\u2026"));
        m_previewInFlight = true;
        m_previewTimer.start();
    }
    updateConfirm();
}

void ChangePlanDialog::requestPreview()
{
    const int serial = ++m_previewSerial;
    m_previewInFlight = true;
    updateConfirm();
    m_service->preview(currentRequest(), this, [this, serial](Result<PlanChangePreview> r) {
        if (serial != m_previewSerial)
            return; // the inputs changed since
        m_previewInFlight = false;
        if (!r) {
            clearPreview(r.error().userMessage, Red);
            updateConfirm();
            return;
        }
        if (r->request != currentRequest())
            return;
        m_preview = r.value();
        showPreview(*m_preview);
        updateConfirm();
    });
}

void ChangePlanDialog::showPreview(const PlanChangePreview &p)
{
    const QLocale loc = locale();
    const QString dateFormat = QStringLiteral("d MMM yyyy");
    m_previewStatus->setVisible(false);
    m_previewStatus->setText(QString());
    const bool prorated = p.request.timing == PlanChangeTiming::NowProrated;
    m_creditValue->setText(prorated ? p.credit.toLocaleString(loc) : tr("none (not prorated)"));
    m_chargeValue->setText(prorated ? p.newCharge.toLocaleString(loc) : tr("none (not prorated)"));
    m_dueValue->setText(p.amountDueNow.toLocaleString(loc));
    m_nextValue->setText(p.nextInvoiceDate.isValid()
                             ? tr("%1 on %2").arg(p.nextInvoiceTotal.toLocaleString(loc),
                                                  loc.toString(p.nextInvoiceDate.toLocalTime().date(), dateFormat))
                             : p.nextInvoiceTotal.toLocaleString(loc));

    QStringList lines;
    if (p.downgrade && p.warnings.isEmpty())
        lines << tr("This is a downgrade: the new plan costs less per period.");
    else if (p.downgrade)
        lines << tr("This is a downgrade:");
    for (const QString &w : p.warnings)
        lines << QStringLiteral("\u2022 ") + w.toHtmlEscaped();
    m_warningLabel->setText(lines.join(QStringLiteral("<br>")));
    m_warningBox->setVisible(!lines.isEmpty());

    const QString target = p.targetProductName.isEmpty() ? p.targetPrice.id : p.targetProductName;
    const QString plan = tr("%1 \u00d7 %2").arg(target, loc.toString(p.request.quantity));
    switch (p.request.timing) {
    case PlanChangeTiming::NowProrated:
        m_summaryLabel->setText(tr("Switch to %1 now; Stripe charges %2 today.").arg(plan, p.amountDueNow.toLocaleString(loc)));
        break;
    case PlanChangeTiming::NowWithoutProration:
        m_summaryLabel->setText(tr("Switch to %1 now; nothing is charged until the next invoice.").arg(plan));
        break;
    case PlanChangeTiming::AtPeriodEnd: {
        // Stripe's renewal date from the preview: where the schedule's new phase starts.
        const QDateTime at = p.nextInvoiceDate.isValid() ? p.nextInvoiceDate : p.subscription.currentPeriodEnd();
        const QString day = loc.toString(at.toLocalTime().date(), dateFormat);
        m_summaryLabel->setText(tr("Switch to %1 on %2.").arg(plan, day));
        m_periodEnd->setText(tr("At the end of the period on %1 \u2014 nothing changes until then").arg(day));
        break;
    }
    }
    fitContents();
}

void ChangePlanDialog::updateConfirm()
{
    m_confirmButton->setEnabled(m_state == State::Editing && m_permissionProblem.isEmpty() && freshPreview().has_value());
}

void ChangePlanDialog::confirm()
{
    const std::optional<PlanChangePreview> preview = freshPreview();
    if (m_state != State::Editing || !preview)
        return; // a second click while the first is on its way does nothing
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    m_service->commit(
        *preview, m_opId, this, [this](Result<OutboxEntry> r) { onQueued(std::move(r)); },
        [this](Result<OutboxEntry> r) { onFinished(std::move(r)); });
}

void ChangePlanDialog::onQueued(Result<OutboxEntry> r)
{
    if (!r) {
        setStatus(r.error().userMessage, Red);
        setState(State::Failed);
        return;
    }
    m_entryId = r->id;
    if (m_state != State::Submitting)
        return;
    setStatus(tr("Sending to Stripe\u2026 The change is saved and will not be sent twice."), Amber);
    setState(State::Queued);
}

void ChangePlanDialog::onEntryChanged(qint64 id)
{
    if (id != m_entryId || m_state != State::Queued || !m_outbox)
        return;
    OperationStatusPanel::followEntry(
        m_outbox, id, this,
        tr("The change is saved in the outbox and will be sent once, automatically, when the "
           "connection returns."),
        [this] { return m_state == State::Queued; },
        [this](const QString &text) { setStatus(text, Amber); });
}

void ChangePlanDialog::onFinished(Result<OutboxEntry> r)
{
    if (m_state == State::Succeeded)
        return;
    if (!r) {
        setStatus(r.error().userMessage, Red);
        m_opId = newOpId(m_subscriptionId);
        setState(State::Failed);
        return;
    }
    switch (r->state) {
    case OutboxState::Succeeded:
        setStatus(timing() == PlanChangeTiming::AtPeriodEnd
                      ? tr("Done. Stripe scheduled the change (%1).").arg(r->resultObjectId)
                      : tr("Done. Stripe changed the plan of %1.").arg(m_subscriptionId),
                  Green);
        setState(State::Succeeded);
        m_confirmButton->setEnabled(false);
        m_service->currentPlan(m_subscriptionId, this,
                               [this](Result<PlanChangeService::CurrentPlan> c) { onCurrentLoaded(std::move(c)); });
        break;
    case OutboxState::Failed:
        // Stripe refused it for good: a corrected change is a new operation.
        m_opId = newOpId(m_subscriptionId);
        m_entryId = 0;
        setStatus(tr("Stripe refused the change: %1").arg(r->errorMessage), Red);
        setState(State::Failed);
        onInputsChanged(); // ask for a fresh preview before another attempt
        break;
    case OutboxState::NeedsAttention:
        setStatus(tr("Stripe's answer is unclear (%1). Check this subscription in Stripe before trying again.")
                      .arg(r->errorMessage),
                  Red);
        m_state = State::Failed;
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        break;
    case OutboxState::Pending:
    case OutboxState::InFlight: break;
    }
}

} // namespace Billing
