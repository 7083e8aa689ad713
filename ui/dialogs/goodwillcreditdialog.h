#pragma once

#include "services/promotions/customercreditservice.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace Billing {

class OutboxService;

// "Apply goodwill credit…" on a customer: shows the balance in plain words, takes an amount in the
// customer's currency (strictly parsed: its decimals, > 0) and a reason, and credits the customer's
// balance through CustomerCreditService (OperationRunner: support up to the credit limit, finance
// above; audited). One dialog session is one outbox entry. Confirm stays disabled while the input
// is invalid and while the request is on its way.
class GoodwillCreditDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GoodwillCreditDialog)
public:
    enum class State { Loading, LoadFailed, Editing, Submitting, Queued, Succeeded, Failed };

    GoodwillCreditDialog(CustomerCreditService *service, OutboxService *outbox, const QString &customerId,
                         QWidget *parent = nullptr);
    ~GoodwillCreditDialog() override;

    State state() const { return m_state; }
    const CreditLedger &ledger() const { return m_ledger; }
    qint64 entryId() const { return m_entryId; }

Q_SIGNALS:
    void stateChanged(Billing::GoodwillCreditDialog::State state);

private:
    void onLoaded(Result<CreditLedger> ledger);
    void updateValidity();
    void confirm();
    void setState(State state);
    void setStatus(const QString &text, const QString &tone);

    CustomerCreditService *m_service;
    OutboxService *m_outbox;
    QString m_customerId;
    QString m_opId;
    CreditLedger m_ledger;
    State m_state = State::Loading;
    qint64 m_entryId = 0;
    std::optional<Money> m_amount;

    QLabel *m_customerLabel;
    QLabel *m_balanceLabel;
    QLineEdit *m_amountEdit;
    QLabel *m_currencyLabel;
    QLabel *m_amountMessage;
    QPlainTextEdit *m_reasonEdit;
    QLabel *m_summary;
    QLabel *m_status;
    QPushButton *m_confirm = nullptr;
};

} // namespace Billing
