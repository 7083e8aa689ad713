#pragma once

#include "services/lifecycle/planchangeservice.h"

#include <QDialog>
#include <QTimer>

#include <optional>

class QButtonGroup;
class QComboBox;
class QDialogButtonBox;
class QFrame;
class QLabel;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QVBoxLayout;

namespace Billing {

class OperationRunner;
class OutboxService;

// Change a subscription's plan: shows the current plan, price and quantity; offers the plans of
// the subscription's own currency (a subscription cannot switch currency, and the hint says so),
// a quantity and the timing (now with proration, now without, at the end of the period). Every
// change of the inputs asks Stripe for its own preview (POST /v1/invoices/create_preview through
// PlanChangeService): credit for unused time, new charge, amount due now, next invoice; downgrade
// warnings in an amber box. Confirm is enabled only while a preview for exactly the current inputs
// is shown and nothing is on its way. One dialog session is one clientOpId, so a double click
// queues one outbox entry. Offline, the change stays in the outbox and the dialog says it will be
// sent when the connection returns. GUI thread.
class ChangePlanDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangePlanDialog)
public:
    enum class State { Loading, LoadFailed, Editing, Submitting, Queued, Succeeded, Failed };

    ChangePlanDialog(PlanChangeService *service, OperationRunner *runner, OutboxService *outbox,
                     const QString &subscriptionId, QWidget *parent = nullptr);
    ~ChangePlanDialog() override;

    State state() const { return m_state; }
    QString clientOpId() const { return m_opId; }
    qint64 entryId() const { return m_entryId; }
    // The preview shown, if it matches the current inputs (what Confirm would commit).
    std::optional<PlanChangePreview> freshPreview() const;
    const PlanChangeService::CurrentPlan &currentPlan() const { return m_current; }

Q_SIGNALS:
    void stateChanged(Billing::ChangePlanDialog::State state);

private:
    void reload();
    void onCurrentLoaded(Result<PlanChangeService::CurrentPlan> current);
    void onPlansLoaded(Result<QList<PlanChangeService::PlanOption>> plans);
    void onInputsChanged();
    void requestPreview();
    void showPreview(const PlanChangePreview &preview);
    void clearPreview(const QString &message, const QString &tone = {});
    void updateConfirm();
    void confirm();
    void onQueued(Result<OutboxEntry> entry);
    void onFinished(Result<OutboxEntry> entry);
    void onEntryChanged(qint64 id);
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);
    void fitContents();
    PlanChangeRequest currentRequest() const;
    PlanChangeTiming timing() const;
    QString priceText(const Price &price) const;

    PlanChangeService *m_service;
    OperationRunner *m_runner;
    OutboxService *m_outbox;
    QString m_subscriptionId;
    QString m_opId;
    State m_state = State::Loading;
    qint64 m_entryId = 0;
    PlanChangeService::CurrentPlan m_current;
    QList<PlanChangeService::PlanOption> m_plans;
    std::optional<PlanChangePreview> m_preview;
    bool m_previewInFlight = false;
    int m_previewSerial = 0;
    QString m_permissionProblem;
    QTimer m_previewTimer;

    QLabel *m_subscriptionLabel;
    QLabel *m_currentPlanLabel;
    QLabel *m_currentPriceLabel;
    QLabel *m_currentQuantityLabel;
    QLabel *m_periodLabel;
    QComboBox *m_planCombo;
    QLabel *m_currencyHint;
    QSpinBox *m_quantitySpin;
    QButtonGroup *m_timingGroup;
    QRadioButton *m_nowProrated;
    QRadioButton *m_nowUnprorated;
    QRadioButton *m_periodEnd;
    QLabel *m_previewStatus;
    QLabel *m_creditValue;
    QLabel *m_chargeValue;
    QLabel *m_dueValue;
    QLabel *m_nextValue;
    QFrame *m_warningBox;
    QLabel *m_warningLabel;
    QLabel *m_summaryLabel;
    QVBoxLayout *m_layout;
    QLabel *m_statusLabel;
    QDialogButtonBox *m_buttons;
    QPushButton *m_confirmButton;
};

} // namespace Billing
