#include "ui/dialogs/trialdialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"

#include <QButtonGroup>
#include <QComboBox>
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

const QString Red = QStringLiteral("#b3261e");
const QString Amber = QStringLiteral("#6b5900");
const QString Green = QStringLiteral("#1e6b32");
const QString DateFormat = QStringLiteral("d MMM yyyy");

QString newOpId(const QString &target)
{
    return QStringLiteral("trial:%1:%2").arg(target, QUuid::createUuid().toString(QUuid::WithoutBraces));
}

Money moneyOf(qint64 minor, const QString &currency)
{
    const auto c = Currency::fromCode(currency);
    return c ? Money(minor, *c) : Money();
}

QLabel *explanation(const QString &text, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    l->setWordWrap(true);
    l->setContentsMargins(24, 0, 0, 4);
    l->setStyleSheet(QStringLiteral("color: palette(mid);"));
    return l;
}

} // namespace

TrialDialog::TrialDialog(TrialService *trials, PlanChangeService *plans, OperationRunner *runner, OutboxService *outbox,
                         const Customer &customer, QWidget *parent)
    : QDialog(parent), m_mode(Mode::Start), m_trials(trials), m_plansService(plans), m_runner(runner),
      m_outbox(outbox), m_customer(customer), m_opId(newOpId(customer.id))
{
    setWindowTitle(tr("Start a subscription with a trial"));
    buildCommon();
    buildStart();
    loadPlans();
}

TrialDialog::TrialDialog(TrialService *trials, OperationRunner *runner, OutboxService *outbox,
                         const QString &subscriptionId, QWidget *parent)
    : QDialog(parent), m_mode(Mode::Manage), m_trials(trials), m_runner(runner), m_outbox(outbox),
      m_subscriptionId(subscriptionId), m_opId(newOpId(subscriptionId))
{
    setWindowTitle(tr("Manage trial"));
    buildCommon();
    buildManage();
    loadTrial();
}

TrialDialog::~TrialDialog() = default;

void TrialDialog::buildCommon()
{
    setMinimumWidth(560);
    m_layout = new QVBoxLayout(this);

    m_summaryLabel = OperationStatusPanel::createSummaryLabel(this, 1.1);
    m_statusLabel = OperationStatusPanel::createStatusLabel(this);
    m_buttons = OperationStatusPanel::createButtons(this, &m_confirmButton);
    connect(m_confirmButton, &QPushButton::clicked, this, &TrialDialog::confirm);

    if (m_runner) {
        connect(m_runner, &OperationRunner::operationFinished, this, &TrialDialog::onFinished);
        const Status allowed = m_runner->policy().check(m_runner->actor(), Permission::ManageTrial);
        if (!allowed)
            m_permissionProblem = allowed.error().userMessage;
    }
    if (m_outbox)
        connect(m_outbox, &OutboxService::entryChanged, this, &TrialDialog::onEntryChanged);
}

QGroupBox *TrialDialog::buildEndBehaviorBox(const QString &title, QButtonGroup **group)
{
    auto *box = new QGroupBox(title, this);
    auto *v = new QVBoxLayout(box);
    v->setSpacing(2);
    *group = new QButtonGroup(box);
    const struct
    {
        TrialEndBehavior behavior;
        const char *name;
        QString label;
        QString help;
    } rows[] = {
        {TrialEndBehavior::Cancel, "endCancel", tr("Cancel the subscription"),
         tr("The subscription ends with the trial; nothing is invoiced.")},
        {TrialEndBehavior::Pause, "endPause", tr("Pause the subscription"),
         tr("Paused without invoices until a payment method is added and it is resumed.")},
        {TrialEndBehavior::CreateInvoice, "endInvoice", tr("Create an invoice"),
         tr("The first period is invoiced anyway; unpaid, the subscription becomes past due.")},
    };
    for (const auto &row : rows) {
        auto *radio = new QRadioButton(row.label, box);
        radio->setObjectName(QLatin1String(row.name));
        (*group)->addButton(radio, int(row.behavior));
        v->addWidget(radio);
        v->addWidget(explanation(row.help, box));
    }
    (*group)->button(int(TrialEndBehavior::Cancel))->setChecked(true);
    connect(*group, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked)
            updateValidity();
    });
    return box;
}

void TrialDialog::buildStart()
{
    auto *customerBox = new QGroupBox(tr("Customer"), this);
    auto *customerForm = new QFormLayout(customerBox);
    m_headerLabel = new QLabel(m_customer.name.isEmpty() ? m_customer.id : tr("%1 (%2)").arg(m_customer.name, m_customer.id),
                               customerBox);
    m_headerLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    customerForm->addRow(tr("Customer:"), m_headerLabel);
    if (m_customer.currency.isEmpty()) {
        m_currencyCombo = new QComboBox(customerBox);
        m_currencyCombo->setObjectName(QStringLiteral("currency"));
        for (const QString &code : Currency::supportedCodes())
            m_currencyCombo->addItem(code, code.toLower());
        m_currencyCombo->setCurrentIndex(std::max(0, m_currencyCombo->findData(QStringLiteral("usd"))));
        customerForm->addRow(tr("C&urrency:"), m_currencyCombo);
        connect(m_currencyCombo, &QComboBox::currentIndexChanged, this, &TrialDialog::loadPlans);
    } else {
        customerForm->addRow(tr("Currency:"), new QLabel(m_customer.currency.toUpper(), customerBox));
    }

    auto *trialBox = new QGroupBox(tr("Plan and trial"), this);
    auto *form = new QFormLayout(trialBox);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_planCombo = new QComboBox(trialBox);
    m_planCombo->setObjectName(QStringLiteral("plan"));
    m_planCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_planHint = new QLabel(trialBox);
    m_planHint->setWordWrap(true);
    m_planHint->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto *planBox = new QVBoxLayout;
    planBox->setSpacing(2);
    planBox->addWidget(m_planCombo);
    planBox->addWidget(m_planHint);
    auto *planLabel = new QLabel(tr("&Plan:"), trialBox);
    planLabel->setBuddy(m_planCombo);
    form->addRow(planLabel, planBox);

    m_quantitySpin = new QSpinBox(trialBox);
    m_quantitySpin->setObjectName(QStringLiteral("quantity"));
    m_quantitySpin->setRange(1, 100000);
    auto *quantityLabel = new QLabel(tr("&Quantity:"), trialBox);
    quantityLabel->setBuddy(m_quantitySpin);
    form->addRow(quantityLabel, m_quantitySpin);

    m_byDays = new QRadioButton(tr("&Days:"), trialBox);
    m_byDays->setObjectName(QStringLiteral("byDays"));
    m_daysSpin = new QSpinBox(trialBox);
    m_daysSpin->setObjectName(QStringLiteral("days"));
    m_daysSpin->setRange(1, MaxTrialDays);
    m_daysSpin->setValue(14);
    m_byDate = new QRadioButton(tr("&Ends on:"), trialBox);
    m_byDate->setObjectName(QStringLiteral("byDate"));
    m_endDate = new QDateEdit(trialBox);
    m_endDate->setObjectName(QStringLiteral("endDate"));
    m_endDate->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_endDate->setCalendarPopup(true);
    m_endDate->setDate(QDate::currentDate().addDays(14));
    m_byDays->setChecked(true);
    auto *lengthGroup = new QButtonGroup(trialBox);
    lengthGroup->addButton(m_byDays);
    lengthGroup->addButton(m_byDate);
    auto *lengthRow = new QHBoxLayout;
    lengthRow->addWidget(m_byDays);
    lengthRow->addWidget(m_daysSpin);
    lengthRow->addSpacing(16);
    lengthRow->addWidget(m_byDate);
    lengthRow->addWidget(m_endDate);
    lengthRow->addStretch(1);
    m_lengthMessage = new QLabel(trialBox);
    m_lengthMessage->setObjectName(QStringLiteral("lengthMessage"));
    m_lengthMessage->setWordWrap(true);
    m_lengthMessage->setStyleSheet(QStringLiteral("color: %1;").arg(Red));
    m_lengthMessage->setVisible(false);
    auto *lengthBox = new QVBoxLayout;
    lengthBox->setSpacing(2);
    lengthBox->addLayout(lengthRow);
    lengthBox->addWidget(m_lengthMessage);
    form->addRow(tr("Trial length:"), lengthBox);

    QGroupBox *behaviorBox = buildEndBehaviorBox(tr("At trial end, without a payment method"), &m_startBehavior);

    m_layout->addWidget(customerBox);
    m_layout->addWidget(trialBox);
    m_layout->addWidget(behaviorBox);
    m_layout->addWidget(m_summaryLabel);
    m_layout->addWidget(m_statusLabel);
    m_layout->addStretch(1);
    m_layout->addWidget(m_buttons);

    connect(m_planCombo, &QComboBox::currentIndexChanged, this, &TrialDialog::onPlanChanged);
    connect(m_quantitySpin, &QSpinBox::valueChanged, this, &TrialDialog::updateValidity);
    connect(m_daysSpin, &QSpinBox::valueChanged, this, &TrialDialog::updateValidity);
    connect(m_endDate, &QDateEdit::dateChanged, this, &TrialDialog::updateValidity);
    connect(m_byDays, &QRadioButton::toggled, this, &TrialDialog::updateValidity);
}

void TrialDialog::buildManage()
{
    auto *facts = new QGroupBox(tr("Trial"), this);
    auto *form = new QFormLayout(facts);
    m_headerLabel = new QLabel(m_subscriptionId, facts);
    m_statusValue = new QLabel(facts);
    m_statusValue->setObjectName(QStringLiteral("subscriptionStatus"));
    m_trialEndValue = new QLabel(facts);
    m_trialEndValue->setObjectName(QStringLiteral("trialEnd"));
    m_behaviorValue = new QLabel(facts);
    m_behaviorValue->setWordWrap(true);
    for (QLabel *l : {m_headerLabel, m_statusValue, m_trialEndValue, m_behaviorValue})
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Subscription:"), m_headerLabel);
    form->addRow(tr("Status:"), m_statusValue);
    form->addRow(tr("Trial ends:"), m_trialEndValue);
    form->addRow(tr("Without a payment method:"), m_behaviorValue);

    auto *actions = new QGroupBox(tr("Action"), this);
    auto *v = new QVBoxLayout(actions);
    m_actionGroup = new QButtonGroup(actions);
    m_extendRadio = new QRadioButton(tr("E&xtend the trial to:"), actions);
    m_extendRadio->setObjectName(QStringLiteral("extend"));
    m_extendDate = new QDateEdit(actions);
    m_extendDate->setObjectName(QStringLiteral("extendDate"));
    m_extendDate->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_extendDate->setCalendarPopup(true);
    auto *extendRow = new QHBoxLayout;
    extendRow->addWidget(m_extendRadio);
    extendRow->addWidget(m_extendDate);
    extendRow->addStretch(1);
    m_extendMessage = new QLabel(actions);
    m_extendMessage->setObjectName(QStringLiteral("extendMessage"));
    m_extendMessage->setWordWrap(true);
    m_extendMessage->setContentsMargins(24, 0, 0, 0);
    m_extendMessage->setStyleSheet(QStringLiteral("color: %1;").arg(Red));
    m_extendMessage->setVisible(false);
    m_endNowRadio = new QRadioButton(tr("End the trial &now"), actions);
    m_endNowRadio->setObjectName(QStringLiteral("endNow"));
    m_behaviorRadio = new QRadioButton(tr("Change what happens at trial &end"), actions);
    m_behaviorRadio->setObjectName(QStringLiteral("changeBehavior"));
    m_actionGroup->addButton(m_extendRadio, int(Action::Extend));
    m_actionGroup->addButton(m_endNowRadio, int(Action::EndNow));
    m_actionGroup->addButton(m_behaviorRadio, int(Action::ChangeEndBehavior));
    m_extendRadio->setChecked(true);
    v->addLayout(extendRow);
    v->addWidget(m_extendMessage);
    v->addWidget(explanation(tr("Nothing is charged until the new end; the first invoice moves with it."), actions));
    v->addWidget(m_endNowRadio);
    v->addWidget(explanation(tr("The first paid period starts today and is invoiced right away."), actions));
    v->addWidget(m_behaviorRadio);

    m_manageBehaviorBox = buildEndBehaviorBox(tr("At trial end, without a payment method"), &m_manageBehavior);

    m_layout->addWidget(facts);
    m_layout->addWidget(actions);
    m_layout->addWidget(m_manageBehaviorBox);
    m_layout->addWidget(m_summaryLabel);
    m_layout->addWidget(m_statusLabel);
    m_layout->addStretch(1);
    m_layout->addWidget(m_buttons);

    connect(m_actionGroup, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked)
            updateValidity();
    });
    connect(m_extendDate, &QDateEdit::dateChanged, this, [this] {
        if (m_extendDate->hasFocus() && !m_extendRadio->isChecked())
            m_extendRadio->setChecked(true);
        updateValidity();
    });
}

QList<QWidget *> TrialDialog::inputs() const
{
    if (m_mode == Mode::Start) {
        QList<QWidget *> out{m_planCombo, m_quantitySpin, m_byDays, m_byDate, m_daysSpin, m_endDate};
        if (m_currencyCombo)
            out << m_currencyCombo;
        for (QAbstractButton *b : m_startBehavior->buttons())
            out << b;
        return out;
    }
    QList<QWidget *> out{m_extendRadio, m_endNowRadio, m_behaviorRadio, m_extendDate};
    for (QAbstractButton *b : m_manageBehavior->buttons())
        out << b;
    return out;
}

void TrialDialog::setState(State state)
{
    m_state = state;
    const bool editable = state == State::Editing || state == State::Failed;
    for (QWidget *w : inputs())
        w->setEnabled(editable);
    if (m_currencyCombo) // choosing the currency reloads the plans: it stays usable while they load
        m_currencyCombo->setEnabled(editable || state == State::Loading);
    if (state == State::Failed)
        m_state = State::Editing; // a refused request can be corrected and confirmed again
    updateValidity();
    Q_EMIT stateChanged(state);
}

void TrialDialog::setStatus(const QString &text, const QString &tone)
{
    OperationStatusPanel::showStatus(m_statusLabel, text, tone);
    fitContents();
}

void TrialDialog::fitContents()
{
    // Wrapped messages grow the dialog instead of squeezing the rows above them.
    if (!m_layout)
        return;
    m_layout->activate();
    const int needed = std::max(m_layout->totalSizeHint().height(),
                                m_layout->hasHeightForWidth() ? m_layout->totalHeightForWidth(width()) : 0);
    if (needed > height())
        resize(width(), needed);
}

QString TrialDialog::dateProblem(const QDateTime &end, const QDateTime &now, const QString &fallback) const
{
    const QString day = locale().toString(end.toLocalTime().date(), DateFormat);
    if (end <= now)
        return tr("%1 is in the past: choose a later day.").arg(day);
    if (end > now.addDays(MaxTrialDays))
        return tr("%1 is more than %2 days from now (Stripe's limit for trials).").arg(day).arg(MaxTrialDays);
    if (m_mode == Mode::Manage && m_trial.subscription.trialEnd.isValid() && end <= m_trial.subscription.trialEnd)
        return tr("%1 is not after the current trial end (%2).")
            .arg(day, locale().toString(m_trial.subscription.trialEnd.toLocalTime().date(), DateFormat));
    return fallback;
}

void TrialDialog::setMessage(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QString TrialDialog::behaviorText(TrialEndBehavior behavior) const
{
    switch (behavior) {
    case TrialEndBehavior::Cancel:
        return tr("the subscription is canceled");
    case TrialEndBehavior::Pause:
        return tr("the subscription is paused");
    case TrialEndBehavior::CreateInvoice:
        return tr("an invoice is created and the subscription becomes past due");
    }
    return {};
}

TrialEndBehavior TrialDialog::behavior(QButtonGroup *group) const
{
    return static_cast<TrialEndBehavior>(std::max(0, group->checkedId()));
}

TrialDialog::Action TrialDialog::action() const
{
    return static_cast<Action>(std::max(0, m_actionGroup->checkedId()));
}

// --- Start mode ---------------------------------------------------------------------------------

void TrialDialog::loadPlans()
{
    const QString currency = m_currencyCombo ? m_currencyCombo->currentData().toString() : m_customer.currency.toLower();
    const int serial = ++m_plansSerial;
    m_plans.clear();
    m_planCombo->clear();
    setState(State::Loading);
    setStatus(tr("Loading the plans billed in %1\u2026").arg(currency.toUpper()), {});
    if (!m_plansService) {
        setStatus(tr("The console is shutting down."), Red);
        return;
    }
    m_plansService->plans(currency, this, [this, serial](Result<QList<PlanChangeService::PlanOption>> r) {
        if (serial == m_plansSerial)
            onPlansLoaded(std::move(r));
    });
}

void TrialDialog::onPlansLoaded(Result<QList<PlanChangeService::PlanOption>> r)
{
    if (!r) {
        setStatus(r.error().userMessage, Red);
        m_state = State::LoadFailed;
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        return;
    }
    m_plans = r.value();
    // Trial plans first (Stripe's recurring.trial_period_days), each group in the service's order.
    std::stable_partition(m_plans.begin(), m_plans.end(),
                          [](const PlanChangeService::PlanOption &p) { return isTrialPlan(p.price); });
    const QString currency = m_currencyCombo ? m_currencyCombo->currentData().toString() : m_customer.currency;
    {
        const QSignalBlocker block(m_planCombo);
        m_planCombo->clear();
        for (const auto &p : m_plans) {
            const QString name = p.productName.isEmpty() ? p.price.id : p.productName;
            QString amount = tr("tiered");
            if (p.price.unitAmount)
                amount = moneyOf(*p.price.unitAmount, p.price.currency).toLocaleString(locale());
            const QString per = std::max(1, p.price.intervalCount) == 1
                                    ? tr("%1 per %2").arg(amount, p.price.interval)
                                    : tr("%1 every %2 %3s").arg(amount).arg(p.price.intervalCount).arg(p.price.interval);
            const QString text = isTrialPlan(p.price)
                                     ? tr("%1 \u00b7 %2 \u00b7 trial plan, %3 days").arg(name, per).arg(*p.price.trialPeriodDays)
                                     : tr("%1 \u00b7 %2").arg(name, per);
            m_planCombo->addItem(text, p.price.id);
        }
    }
    qsizetype trialPlans = 0;
    for (const auto &p : m_plans)
        trialPlans += isTrialPlan(p.price) ? 1 : 0;
    m_planHint->setText(
        trialPlans > 0
            ? tr("Trial plans first (%1), then the other plans billed in %2. Only plans in %2 are offered.")
                  .arg(trialPlans)
                  .arg(currency.toUpper())
            : tr("Only plans billed in %1 are offered; none has a trial of its own, so give the length below.")
                  .arg(currency.toUpper()));
    if (m_plans.isEmpty()) {
        setStatus(tr("There are no active plans billed in %1.").arg(currency.toUpper()), Red);
        setState(State::Editing);
        return;
    }
    setStatus(m_permissionProblem, m_permissionProblem.isEmpty() ? QString() : Red);
    setState(State::Editing);
    m_planCombo->setCurrentIndex(0);
    onPlanChanged();
    m_planCombo->setFocus();
}

std::optional<PlanChangeService::PlanOption> TrialDialog::selectedPlan() const
{
    const int i = m_planCombo ? m_planCombo->currentIndex() : -1;
    if (i < 0 || i >= m_plans.size())
        return std::nullopt;
    return m_plans.at(i);
}

void TrialDialog::onPlanChanged()
{
    if (const auto plan = selectedPlan(); plan && isTrialPlan(plan->price)) {
        const QSignalBlocker block(m_daysSpin);
        m_daysSpin->setValue(*plan->price.trialPeriodDays);
    }
    updateValidity();
}

StartTrialRequest TrialDialog::startRequest() const
{
    StartTrialRequest r;
    r.customerId = m_customer.id;
    if (const auto plan = selectedPlan())
        r.priceId = plan->price.id;
    r.quantity = m_quantitySpin->value();
    if (m_byDays->isChecked()) {
        r.trialDays = m_daysSpin->value();
    } else {
        // The end of the chosen day's business: the same time of day as now, on that date.
        r.trialEnd = QDateTime(m_endDate->date(), QTime::currentTime()).toUTC();
    }
    r.endBehavior = behavior(m_startBehavior);
    return r;
}

// --- Manage mode --------------------------------------------------------------------------------

void TrialDialog::loadTrial()
{
    if (m_state != State::Succeeded) {
        setState(State::Loading);
        setStatus(tr("Loading the subscription from Stripe\u2026"), {});
    }
    m_trials->trialState(m_subscriptionId, this, [this](Result<TrialService::TrialState> r) { onTrialLoaded(std::move(r)); });
}

void TrialDialog::onTrialLoaded(Result<TrialService::TrialState> r)
{
    if (!r) {
        if (m_state == State::Succeeded)
            return;
        setStatus(r.error().userMessage, Red);
        m_state = State::LoadFailed;
        for (QWidget *w : inputs())
            w->setEnabled(false);
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        return;
    }
    m_trial = r.value();
    const Subscription &sub = m_trial.subscription;
    m_statusValue->setText(sub.status);
    const QDateTime end = sub.trialEnd.toLocalTime();
    m_trialEndValue->setText(sub.trialEnd.isValid() ? locale().toString(end, QStringLiteral("d MMM yyyy, HH:mm")) : tr("no trial"));
    m_behaviorValue->setText(behaviorText(m_trial.endBehavior));
    if (m_state == State::Succeeded)
        return;
    {
        const QSignalBlocker block(m_extendDate);
        m_extendDate->setDate((sub.trialEnd.isValid() ? end.date() : QDate::currentDate()).addDays(7));
    }
    {
        const QSignalBlocker block(m_manageBehavior);
        m_manageBehavior->button(int(m_trial.endBehavior))->setChecked(true);
    }
    if (sub.status != QLatin1String("trialing"))
        setStatus(tr("This subscription is not in a trial (it is %1): there is nothing to extend or end.").arg(sub.status), Red);
    else
        setStatus(m_permissionProblem, m_permissionProblem.isEmpty() ? QString() : Red);
    setState(State::Editing);
    m_extendDate->setFocus();
}

QDateTime TrialDialog::extendTo() const
{
    // The chosen day at the current end's time of day: "extend by a week" moves it by exactly 7 days.
    const QTime at = m_trial.subscription.trialEnd.isValid() ? m_trial.subscription.trialEnd.toLocalTime().time() : QTime(12, 0);
    return QDateTime(m_extendDate->date(), at).toUTC();
}

// --- Both ---------------------------------------------------------------------------------------

void TrialDialog::updateValidity()
{
    if (m_state != State::Editing) {
        m_confirmButton->setEnabled(false);
        return;
    }
    const QLocale loc = locale();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString problem;
    QString summary;
    if (m_mode == Mode::Start) {
        m_daysSpin->setEnabled(m_byDays->isChecked());
        m_endDate->setEnabled(m_byDate->isChecked());
        const auto plan = selectedPlan();
        if (!plan) {
            m_confirmButton->setEnabled(false);
            m_summaryLabel->clear();
            return;
        }
        const StartTrialRequest req = startRequest();
        const Status valid = validateStartTrial(req, plan->price, now);
        if (!valid) {
            problem = req.trialEnd.isValid() ? dateProblem(req.trialEnd, now, valid.error().userMessage) : valid.error().userMessage;
        } else {
            const QDateTime end = req.trialEnd.isValid() ? req.trialEnd : now.addDays(req.trialDays);
            const QString name = plan->productName.isEmpty() ? plan->price.id : plan->productName;
            const qint64 days = (now.secsTo(end) + 86399) / 86400;
            summary = tr("Start %1 \u00d7 %2 with a trial until %3 (%4). Without a payment method then, %5.")
                          .arg(name, loc.toString(req.quantity), loc.toString(end.toLocalTime().date(), DateFormat),
                               days == 1 ? tr("1 day") : tr("%1 days").arg(loc.toString(days)), behaviorText(req.endBehavior));
        }
        setMessage(m_lengthMessage, problem);
    } else {
        const Subscription &sub = m_trial.subscription;
        const bool trialing = sub.status == QLatin1String("trialing");
        m_extendDate->setEnabled(trialing);
        m_manageBehaviorBox->setEnabled(trialing && action() == Action::ChangeEndBehavior);
        QString extendProblem;
        if (!trialing) {
            problem = tr("Not in a trial.");
        } else {
            switch (action()) {
            case Action::Extend: {
                const QDateTime to = extendTo();
                const Status valid = validateTrialExtension(sub, to, now);
                if (!valid) {
                    extendProblem = problem = dateProblem(to, now, valid.error().userMessage);
                } else {
                    const qint64 more = sub.trialEnd.toLocalTime().date().daysTo(to.toLocalTime().date());
                    summary = tr("Extend the trial from %1 to %2 (%3). Nothing is charged until then.")
                                  .arg(loc.toString(sub.trialEnd.toLocalTime().date(), DateFormat),
                                       loc.toString(to.toLocalTime().date(), DateFormat),
                                       more == 1 ? tr("1 more day") : tr("%1 more days").arg(loc.toString(more)));
                }
                break;
            }
            case Action::EndNow:
                summary = tr("End the trial now: the first paid period starts today and is invoiced right away.");
                break;
            case Action::ChangeEndBehavior:
                if (behavior(m_manageBehavior) == m_trial.endBehavior)
                    problem = tr("Choose a different behaviour: %1 already.").arg(behaviorText(m_trial.endBehavior));
                else
                    summary = tr("From now on, at trial end without a payment method, %1.").arg(behaviorText(behavior(m_manageBehavior)));
                break;
            }
        }
        setMessage(m_extendMessage, extendProblem);
        m_extendDate->setStyleSheet(extendProblem.isEmpty() ? QString() : QStringLiteral("border: 1px solid %1;").arg(Red));
        if (!extendProblem.isEmpty())
            summary.clear();
        else if (!problem.isEmpty() && trialing)
            summary = problem;
    }
    m_summaryLabel->setText(summary);
    m_confirmButton->setEnabled(problem.isEmpty() && m_permissionProblem.isEmpty());
    fitContents();
}

void TrialDialog::confirm()
{
    if (m_state != State::Editing || !m_confirmButton->isEnabled())
        return; // a second click while the first is on its way does nothing
    const auto queued = [this](Result<OutboxEntry> r) { onQueued(std::move(r)); };
    if (m_mode == Mode::Start) {
        const StartTrialRequest req = startRequest();
        setState(State::Submitting);
        setStatus(tr("Queuing\u2026"), {});
        m_trials->startTrial(req, m_opId, this, queued);
        return;
    }
    const Action a = action();
    const QDateTime to = extendTo();
    const TrialEndBehavior b = behavior(m_manageBehavior);
    setState(State::Submitting);
    setStatus(tr("Queuing\u2026"), {});
    switch (a) {
    case Action::Extend:
        m_trials->extendTrial(m_subscriptionId, to, m_opId, this, queued);
        break;
    case Action::EndNow:
        m_trials->endTrialNow(m_subscriptionId, m_opId, this, queued);
        break;
    case Action::ChangeEndBehavior:
        m_trials->setEndBehavior(m_subscriptionId, b, m_opId, this, queued);
        break;
    }
}

void TrialDialog::onQueued(Result<OutboxEntry> r)
{
    if (!r) {
        setStatus(r.error().userMessage, Red);
        setState(State::Failed);
        return;
    }
    m_entryId = r->id;
    if (!r->isOpen()) {
        onFinished(r.value()); // the same session's request was already settled: nothing sent again
        return;
    }
    setStatus(tr("Sending to Stripe\u2026 The request is saved and will not be sent twice."), Amber);
    setState(State::Queued);
}

void TrialDialog::onEntryChanged(qint64 id)
{
    if (id != m_entryId || m_state != State::Queued || !m_outbox)
        return;
    OperationStatusPanel::followEntry(
        m_outbox, id, this,
        tr("The request is saved in the outbox and will be sent once, automatically, when the "
           "connection returns."),
        [this] { return m_state == State::Queued; },
        [this](const QString &text) { setStatus(text, Amber); },
        [this](const OutboxEntry &entry) { onFinished(entry); });
}

void TrialDialog::onFinished(const OutboxEntry &entry)
{
    if (entry.id != m_entryId || m_entryId == 0 || m_state == State::Succeeded)
        return;
    switch (entry.state) {
    case OutboxState::Succeeded:
        if (m_mode == Mode::Start) {
            m_createdId = entry.resultObjectId;
            setStatus(tr("Done. Stripe started %1 in a trial.").arg(m_createdId), Green);
        } else {
            setStatus(tr("Done. Stripe updated %1.").arg(m_subscriptionId), Green);
        }
        setState(State::Succeeded);
        m_confirmButton->setEnabled(false);
        if (m_mode == Mode::Manage)
            loadTrial(); // show what Stripe has now
        break;
    case OutboxState::Failed:
        m_opId = newOpId(m_mode == Mode::Start ? m_customer.id : m_subscriptionId);
        m_entryId = 0;
        setStatus(tr("Stripe refused it: %1").arg(entry.errorMessage), Red);
        setState(State::Failed);
        break;
    case OutboxState::NeedsAttention:
        setStatus(tr("Stripe's answer is unclear (%1). Check this in Stripe before trying again.").arg(entry.errorMessage), Red);
        m_state = State::Failed;
        m_confirmButton->setEnabled(false);
        Q_EMIT stateChanged(m_state);
        break;
    case OutboxState::Pending:
    case OutboxState::InFlight: break;
    }
}

} // namespace Billing
