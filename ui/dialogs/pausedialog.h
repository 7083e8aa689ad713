#pragma once

#include "services/lifecycle/pauseservice.h"
#include "services/lifecycle/seasonalplanservice.h"
#include "services/storage/cachequeries.h"

#include <QDialog>

#include <functional>
#include <optional>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDateEdit;
class QGroupBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace Billing {

class OperationRunner;
class OutboxService;

// Pause or resume payment collection on a subscription, and edit its seasonal pause window.
// Pause: the behaviour (keep_as_draft / mark_uncollectible / void, each with what it means) and an
// optional resume date (a past date is refused inline and nothing is sent). A paused subscription
// offers Resume now instead. Confirm is disabled while invalid or while a request is on its way; one
// dialog session is one session id, so a double click maps to one outbox entry; when Stripe cannot
// be reached the change stays queued and the dialog says so.
// Seasonal: the current window ("Every Dec 1 to Feb 28 (keep_as_draft)"), month/day from-to and
// behaviour editors, Save and Remove (SeasonalPlanService: role-checked, audited, versioned).
class PauseDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PauseDialog)
public:
    enum class State { Editing, Submitting, Queued, Succeeded, Failed };

    // seasonal may be null: the seasonal editor is then hidden.
    PauseDialog(PauseService *service, SeasonalPlanService *seasonal, OperationRunner *runner, OutboxService *outbox,
                const SubscriptionRow &row, QWidget *parent = nullptr);
    ~PauseDialog() override;

    // "Now" for the resume-date check (default: the wall clock, UTC).
    void setClock(std::function<QDateTime()> clock);

    State state() const { return m_state; }
    QString sessionId() const { return m_sessionId; }
    qint64 entryId() const { return m_entryId; }
    bool isPaused() const { return !m_row.subscription.pauseBehavior.isEmpty(); }
    bool windowLoaded() const { return m_windowLoaded; }
    const std::optional<SeasonalWindow> &seasonalWindow() const { return m_window; }

Q_SIGNALS:
    void stateChanged(Billing::PauseDialog::State state);
    void seasonalWindowChanged();

private:
    QGroupBox *buildPauseBox();
    QGroupBox *buildResumeBox();
    QGroupBox *buildSeasonalBox();
    void updateValidity();
    void updateSeasonalValidity();
    PauseRequest currentRequest() const;
    SeasonalWindow editedWindow() const;
    void showWindow(const std::optional<SeasonalWindow> &window);
    QString dateText(const QDateTime &at) const;
    QString currentText() const;

    void confirm();
    void resumeNow();
    void saveWindow();
    void removeWindow();
    void onQueued(Result<OutboxEntry> entry);
    void onEntryChanged(qint64 id);
    void onFinished(const OutboxEntry &entry);
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);
    void setSeasonalStatus(const QString &text, const QString &tone);

    PauseService *m_service;
    SeasonalPlanService *m_seasonal;
    OperationRunner *m_runner;
    OutboxService *m_outbox;
    SubscriptionRow m_row;
    QString m_sessionId;
    State m_state = State::Editing;
    qint64 m_entryId = 0;
    bool m_resuming = false;
    std::function<QDateTime()> m_clock;
    std::optional<SeasonalWindow> m_window;
    bool m_windowLoaded = false;
    bool m_seasonalBusy = false;

    QLabel *m_currentLabel = nullptr;
    QGroupBox *m_pauseBox = nullptr;
    QButtonGroup *m_behaviorGroup = nullptr;
    QCheckBox *m_resumeOn = nullptr;
    QDateEdit *m_resumeDate = nullptr;
    QLabel *m_dateMessage = nullptr;
    QLabel *m_summaryLabel = nullptr;
    QPushButton *m_confirmButton = nullptr;
    QGroupBox *m_resumeBox = nullptr;
    QPushButton *m_resumeButton = nullptr;

    QGroupBox *m_seasonalBox = nullptr;
    QLabel *m_windowLabel = nullptr;
    QComboBox *m_startMonth = nullptr;
    QSpinBox *m_startDay = nullptr;
    QComboBox *m_endMonth = nullptr;
    QSpinBox *m_endDay = nullptr;
    QComboBox *m_windowBehavior = nullptr;
    QLabel *m_windowMessage = nullptr;
    QPushButton *m_saveWindow = nullptr;
    QPushButton *m_removeWindow = nullptr;
    QLabel *m_seasonalStatus = nullptr;

    QLabel *m_statusLabel = nullptr;
};

} // namespace Billing
