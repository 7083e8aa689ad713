#pragma once

#include "services/terms/paymentterms.h"
#include "services/terms/paymenttermsservice.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace Billing {

class OutboxService;

// Payment terms of a customer (their defaults, kept in the billing database and applied to the
// invoices the console creates) or of one subscription (sent to Stripe through the outbox):
// charge automatically or send invoices with Net 15/30/60 or custom days, the PO number (an invoice
// custom field), memo and footer, and the accepted payment methods (card, ACH debit, bank transfer /
// wire). Stripe's rules are checked as the agent types (at most 4 custom fields, 40/140 characters,
// ACH only in USD, EUR transfers need a country); Save stays disabled while they fail. One dialog
// session is one clientOpId.
class PaymentTermsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PaymentTermsDialog)
public:
    enum class Mode { Customer, Subscription };
    enum class State { Loading, Editing, Saving, Queued, Saved, Failed };

    // Customer mode: targetId = cus_..., currency = the customer's (may be invalid when not known).
    // Subscription mode: targetId = sub_... (the currency comes from Stripe).
    PaymentTermsDialog(PaymentTermsService *service, OutboxService *outbox, Mode mode, const QString &targetId,
                       const QString &label, const Currency &currency, QWidget *parent = nullptr);
    ~PaymentTermsDialog() override;

    State state() const { return m_state; }
    Mode mode() const { return m_mode; }
    // The terms as currently entered.
    PaymentTerms terms() const;
    void setTerms(const PaymentTerms &terms);
    QString validationMessage() const;

Q_SIGNALS:
    void stateChanged(Billing::PaymentTermsDialog::State state);

private:
    void buildUi(const QString &label);
    void refresh();
    void save();
    void setState(State state, const QString &text = {}, const QString &tone = {});

    PaymentTermsService *m_service;
    OutboxService *m_outbox;
    Mode m_mode;
    QString m_targetId;
    Currency m_currency;
    SubscriptionTermsContext m_subscription;
    State m_state = State::Loading;
    QString m_sessionId;
    qint64 m_entryId = 0;

    QComboBox *m_collection = nullptr;
    QComboBox *m_net = nullptr;
    QSpinBox *m_days = nullptr;
    QLineEdit *m_po = nullptr;
    QLineEdit *m_memo = nullptr;
    QPlainTextEdit *m_footer = nullptr;
    QCheckBox *m_card = nullptr;
    QCheckBox *m_ach = nullptr;
    QCheckBox *m_wire = nullptr;
    QComboBox *m_country = nullptr;
    QLabel *m_preview = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_save = nullptr;
};

} // namespace Billing
