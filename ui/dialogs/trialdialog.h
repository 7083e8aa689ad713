#pragma once

#include "services/domain/customer.h"
#include "services/lifecycle/planchangeservice.h"
#include "services/lifecycle/trialservice.h"

#include <QDialog>

class QButtonGroup;
class QComboBox;
class QDateEdit;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QVBoxLayout;

namespace Billing {

class OperationRunner;
class OutboxService;

// Trials, in two modes.
//  Start:  a new subscription with a trial for a customer: a plan (trial plans, those with Stripe's
//          recurring.trial_period_days, listed first; only plans in the customer's currency), a
//          quantity, the trial's length in days or its end date, and what Stripe does at the end
//          when the customer has no payment method (cancel / pause / create an invoice).
//  Manage: a trialing subscription: extend the trial to a date (a past date or one not after the
//          current end is refused inline, nothing sent), end it now, or change the end behaviour.
// Every write goes through TrialService (OperationRunner: role check, audit, outbox). Confirm is
// disabled while the input is invalid and while a request is on its way; one dialog session is
// one clientOpId, so a double click queues one outbox entry. Offline, the request stays in the
// outbox and the dialog says it will be sent when the connection returns. GUI thread.
class TrialDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrialDialog)
public:
    enum class Mode { Start, Manage };
    enum class State { Loading, LoadFailed, Editing, Submitting, Queued, Succeeded, Failed };
    enum class Action { Extend, EndNow, ChangeEndBehavior };

    // Start mode. `plans` lists the prices (PlanChangeService::plans); `customer.currency` empty
    // (never invoiced) lets the agent pick the currency.
    TrialDialog(TrialService *trials, PlanChangeService *plans, OperationRunner *runner, OutboxService *outbox,
                const Customer &customer, QWidget *parent = nullptr);
    // Manage mode, for a trialing subscription.
    TrialDialog(TrialService *trials, OperationRunner *runner, OutboxService *outbox, const QString &subscriptionId,
                QWidget *parent = nullptr);
    ~TrialDialog() override;

    Mode mode() const { return m_mode; }
    State state() const { return m_state; }
    QString clientOpId() const { return m_opId; }
    qint64 entryId() const { return m_entryId; }
    // Manage mode: the subscription as last read from Stripe.
    const TrialService::TrialState &trialState() const { return m_trial; }
    // Start mode, once Stripe confirmed: the new subscription's id.
    QString createdSubscriptionId() const { return m_createdId; }

Q_SIGNALS:
    void stateChanged(Billing::TrialDialog::State state);

private:
    void buildCommon();
    void buildStart();
    void buildManage();
    QGroupBox *buildEndBehaviorBox(const QString &title, QButtonGroup **group);
    void loadPlans();
    void onPlansLoaded(Result<QList<PlanChangeService::PlanOption>> plans);
    void loadTrial();
    void onTrialLoaded(Result<TrialService::TrialState> state);
    void onPlanChanged();
    void updateValidity();
    void confirm();
    void onQueued(Result<OutboxEntry> entry);
    void onEntryChanged(qint64 id);
    void onFinished(const OutboxEntry &entry);
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);
    void setMessage(QLabel *label, const QString &text);
    void fitContents();
    QString dateProblem(const QDateTime &end, const QDateTime &now, const QString &fallback) const;
    QList<QWidget *> inputs() const;
    std::optional<PlanChangeService::PlanOption> selectedPlan() const;
    StartTrialRequest startRequest() const;
    QDateTime extendTo() const;
    Action action() const;
    TrialEndBehavior behavior(QButtonGroup *group) const;
    QString behaviorText(TrialEndBehavior behavior) const;

    Mode m_mode;
    TrialService *m_trials;
    PlanChangeService *m_plansService = nullptr;
    OperationRunner *m_runner;
    OutboxService *m_outbox;
    Customer m_customer;
    QString m_subscriptionId;
    QString m_opId;
    QString m_permissionProblem;
    State m_state = State::Loading;
    qint64 m_entryId = 0;
    QString m_createdId;
    TrialService::TrialState m_trial;
    QList<PlanChangeService::PlanOption> m_plans;
    int m_plansSerial = 0;

    QVBoxLayout *m_layout = nullptr;
    QLabel *m_headerLabel = nullptr;
    QLabel *m_detailLabel = nullptr;
    // Start mode
    QComboBox *m_currencyCombo = nullptr;
    QComboBox *m_planCombo = nullptr;
    QLabel *m_planHint = nullptr;
    QSpinBox *m_quantitySpin = nullptr;
    QRadioButton *m_byDays = nullptr;
    QRadioButton *m_byDate = nullptr;
    QSpinBox *m_daysSpin = nullptr;
    QDateEdit *m_endDate = nullptr;
    QLabel *m_lengthMessage = nullptr;
    QButtonGroup *m_startBehavior = nullptr;
    // Manage mode
    QLabel *m_statusValue = nullptr;
    QLabel *m_trialEndValue = nullptr;
    QLabel *m_behaviorValue = nullptr;
    QButtonGroup *m_actionGroup = nullptr;
    QRadioButton *m_extendRadio = nullptr;
    QRadioButton *m_endNowRadio = nullptr;
    QRadioButton *m_behaviorRadio = nullptr;
    QDateEdit *m_extendDate = nullptr;
    QLabel *m_extendMessage = nullptr;
    QGroupBox *m_manageBehaviorBox = nullptr;
    QButtonGroup *m_manageBehavior = nullptr;

    QLabel *m_summaryLabel = nullptr;
    QLabel *m_statusLabel = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QPushButton *m_confirmButton = nullptr;
};

} // namespace Billing
