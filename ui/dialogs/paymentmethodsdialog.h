#pragma once

#include "services/paymentmethods/paymentmethodservice.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace Billing {

class OutboxService;

// "Payment methods…" on a customer: every card and bank account Stripe has for the customer, which
// one is the customer's default and which subscriptions charge which; make one the default, let a
// subscription use one, detach one (a confirmation names what would break when it is the only
// method or the default of an active subscription), and create a hosted page (Checkout in setup
// mode) where the customer adds a method: its link to copy or open. Every write goes through
// PaymentMethodService (OperationRunner: role check, audit, outbox); the list reloads after each.
class PaymentMethodsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PaymentMethodsDialog)
public:
    PaymentMethodsDialog(PaymentMethodService *service, const QString &customerId, QWidget *parent = nullptr);
    ~PaymentMethodsDialog() override;

    const PaymentMethodsView &view() const { return m_view; }
    QTableWidget *table() const { return m_table; }
    bool isBusy() const { return m_busy; }
    QString setupLink() const;
    // A second way to add a method: a Customer Portal session with the payment_method_update flow
    // (services/invoices' PortalSessionService, handed in by the composition root). Shows the
    // "Portal link" button when set.
    using PortalLinkFactory = std::function<void(const QString &customerId, QObject *context,
                                                 std::function<void(Result<QUrl>)> done)>;
    void setPortalLinkFactory(PortalLinkFactory factory);
    // Asks before detaching; tests answer it (true = detach).
    void setConfirmDetach(std::function<bool(const QString &warning)> confirm) { m_confirmDetach = std::move(confirm); }

Q_SIGNALS:
    void loaded();
    void operationFinished(bool ok);

private:
    void reload();
    void onLoaded(Result<PaymentMethodsView> view);
    QString selectedMethod() const;
    void updateButtons();
    void makeDefault();
    void useForSubscription();
    void detach();
    void createLink();
    void onQueued(Result<OutboxEntry> entry);
    void setStatus(const QString &text, const QString &tone);

    PaymentMethodService *m_service;
    QString m_customerId;
    PaymentMethodsView m_view;
    bool m_busy = true;
    qint64 m_entryId = 0;
    std::function<bool(const QString &)> m_confirmDetach;
    PortalLinkFactory m_portalLink;

    QLabel *m_header;
    QTableWidget *m_table;
    QPushButton *m_default;
    QComboBox *m_subscription;
    QPushButton *m_useFor;
    QPushButton *m_detach;
    QPushButton *m_link;
    QPushButton *m_portal;
    QLineEdit *m_linkEdit;
    QPushButton *m_copy;
    QPushButton *m_open;
    QLabel *m_status;
};

} // namespace Billing
