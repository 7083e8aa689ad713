#pragma once

#include "services/invoices/portalsessionservice.h"

#include <QDialog>
#include <QPointer>

class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace Billing {

// Creates a Stripe Customer Portal link for one customer: which page it opens (the portal's home,
// update the payment method, cancel one of the customer's subscriptions), then Create link, and
// Copy link / Open in browser once Stripe answered. The link is short-lived and a bearer secret:
// it is shown, copied or opened, never stored.
class PortalLinkDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PortalLinkDialog)
public:
    enum class State { Editing, Creating, Created, Failed };

    // subscriptions: (id, label) of the customer's subscriptions for the cancel flow (may be empty).
    PortalLinkDialog(PortalSessionService *service, const QString &customerId, const QString &customerLabel,
                     const QList<QPair<QString, QString>> &subscriptions, QWidget *parent = nullptr);
    ~PortalLinkDialog() override;

    State state() const { return m_state; }
    QString link() const;
    QPushButton *createButton() const { return m_create; }
    QPushButton *copyButton() const { return m_copy; }
    QPushButton *openButton() const { return m_open; }
    // Replaces QDesktopServices::openUrl (tests).
    void setUrlOpener(std::function<bool(const QUrl &)> opener) { m_opener = std::move(opener); }

Q_SIGNALS:
    void stateChanged(Billing::PortalLinkDialog::State state);

private:
    void create();
    void setState(State state, const QString &text = {}, const QString &tone = {});
    PortalFlow flow() const;

    QPointer<PortalSessionService> m_service;
    QString m_customerId;
    State m_state = State::Editing;
    std::function<bool(const QUrl &)> m_opener;
    QButtonGroup *m_flows = nullptr;
    QRadioButton *m_cancelFlow = nullptr;
    QComboBox *m_subscription = nullptr;
    QLineEdit *m_link = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_create = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_open = nullptr;
};

} // namespace Billing
