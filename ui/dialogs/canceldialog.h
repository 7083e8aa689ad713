#pragma once

#include "services/domain/catalog.h"
#include "services/lifecycle/cancellationservice.h"

#include <QDialog>

#include <functional>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QStackedWidget;
class QVBoxLayout;

namespace Billing {

class OperationRunner;
class OutboxService;

// Cancel a subscription, with retention offers on the way out, in three steps:
//   1 Reason: Stripe's cancellation_details.feedback values in plain words, and a comment;
//   2 Offers: the offers that fit the reason (CancellationService::offers), each with what it means
//     in money; Accept offer (the customer stays) or Continue to cancel;
//   3 Timing: at the end of the period (its date; reversible until then) or now, with a prorated
//     credit and a final invoice; a summary and Confirm.
// Mode::Undo is the same dialog for a subscription set to cancel at its period end: one page that
// says what undoing means, and Confirm.
// Confirm (and Accept offer) is disabled while the input is invalid and while a request is on its
// way; one dialog session is one session id, so a double click maps to one outbox entry. When
// Stripe cannot be reached the change stays queued and the dialog says it will be sent when the
// connection returns.
class CancelDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CancelDialog)
public:
    enum class Mode { Cancel, Undo };
    enum class Step { Reason, Offers, Timing };
    enum class State { Editing, Submitting, Queued, Succeeded, Failed };
    enum class Outcome { None, OfferAccepted, Cancelled, Undone };

    CancelDialog(CancellationService *service, OperationRunner *runner, OutboxService *outbox,
                 const SubscriptionRow &row, Mode mode = Mode::Cancel, QWidget *parent = nullptr);
    ~CancelDialog() override;

    // The Undo Cancellation dialog for a subscription with cancel_at_period_end.
    static CancelDialog *undoCancellation(CancellationService *service, OperationRunner *runner,
                                          OutboxService *outbox, const SubscriptionRow &row,
                                          QWidget *parent = nullptr);

    // The catalog the cheaper-plan offer is chosen from (none given: no cheaper-plan offer).
    void setCatalog(const QList<Price> &prices, const QList<Product> &products);
    // "Now" for the checks and the pause offer's end (default: the wall clock, UTC).
    void setClock(std::function<QDateTime()> clock);

    Mode mode() const { return m_mode; }
    Step step() const { return m_step; }
    State state() const { return m_state; }
    Outcome outcome() const { return m_outcome; }
    QString sessionId() const { return m_sessionId; }
    qint64 entryId() const { return m_entryId; }
    const QList<RetentionOffer> &offers() const { return m_offers; }

Q_SIGNALS:
    void stateChanged(Billing::CancelDialog::State state);

private:
    QWidget *buildReasonPage();
    QWidget *buildOffersPage();
    QWidget *buildTimingPage();
    QWidget *buildUndoPage();
    void goTo(Step step);
    void loadOffers();
    void updateButtons();
    void updateSummary();
    QString validationProblem() const;
    std::optional<CancellationReason> reason() const;
    CancellationCase currentCase() const;
    CancelTiming currentTiming() const;
    QString offerText(const RetentionOffer &offer) const;
    QString dateText(const QDateTime &at) const;
    QString undoProblem() const;

    void acceptOffer();
    void confirm();
    void onQueued(Result<OutboxEntry> entry);
    void onEntryChanged(qint64 id);
    void onFinished(const OutboxEntry &entry);
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);

    CancellationService *m_service;
    OperationRunner *m_runner;
    OutboxService *m_outbox;
    SubscriptionRow m_row;
    Mode m_mode;
    Step m_step = Step::Reason;
    State m_state = State::Editing;
    Outcome m_outcome = Outcome::None;
    Outcome m_pendingOutcome = Outcome::None;
    QString m_sessionId;
    qint64 m_entryId = 0;
    QList<Price> m_prices;
    QList<Product> m_products;
    QList<RetentionOffer> m_offers;
    std::function<QDateTime()> m_clock;

    QLabel *m_headerLabel = nullptr;
    QStackedWidget *m_pages = nullptr;
    // step 1
    QButtonGroup *m_reasonGroup = nullptr;
    QPlainTextEdit *m_commentEdit = nullptr;
    QLabel *m_commentMessage = nullptr;
    // step 2
    QLabel *m_offersIntro = nullptr;
    QWidget *m_offersBox = nullptr;
    QVBoxLayout *m_offersLayout = nullptr;
    QButtonGroup *m_offerGroup = nullptr;
    // step 3
    QRadioButton *m_atPeriodEnd = nullptr;
    QRadioButton *m_now = nullptr;
    QLabel *m_periodEndNote = nullptr;
    QCheckBox *m_prorate = nullptr;
    QCheckBox *m_invoiceNow = nullptr;
    // undo
    QLabel *m_undoText = nullptr;

    QLabel *m_summaryLabel = nullptr;
    QLabel *m_statusLabel = nullptr;
    QPushButton *m_backButton = nullptr;
    QPushButton *m_nextButton = nullptr;
    QPushButton *m_acceptButton = nullptr;
    QPushButton *m_continueButton = nullptr;
    QPushButton *m_confirmButton = nullptr;
    QPushButton *m_closeButton = nullptr;
};

} // namespace Billing
