#include "ui/dialogs/operationstatuspanel.h"

#include "services/outbox/outboxservice.h"

#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFont>
#include <QLabel>
#include <QPushButton>

namespace Billing {

QLabel *OperationStatusPanel::createSummaryLabel(QWidget *parent, qreal fontScale)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("summary"));
    label->setWordWrap(true);
    QFont big = label->font();
    big.setBold(true);
    if (fontScale != 1.0)
        big.setPointSizeF(big.pointSizeF() * fontScale);
    label->setFont(big);
    return label;
}

QLabel *OperationStatusPanel::createStatusLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("status"));
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QDialogButtonBox *OperationStatusPanel::createButtons(QDialog *dialog, QPushButton **confirm)
{
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QPushButton *button =
        buttons->addButton(QCoreApplication::translate("OperationStatusPanel", "&Confirm"), QDialogButtonBox::AcceptRole);
    button->setObjectName(QStringLiteral("confirm"));
    button->setAutoDefault(false);
    button->setDefault(false);
    button->setEnabled(false);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    *confirm = button;
    return buttons;
}

void OperationStatusPanel::showStatus(QLabel *label, const QString &text, const QString &tone)
{
    label->setText(text);
    label->setStyleSheet(tone.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(tone));
}

void OperationStatusPanel::followEntry(OutboxService *outbox, qint64 id, QObject *context, const QString &savedText,
                                       std::function<bool()> stillQueued, std::function<void(const QString &)> offline,
                                       std::function<void(const OutboxEntry &)> finished)
{
    outbox->entry(id, context,
                  [savedText, stillQueued = std::move(stillQueued), offline = std::move(offline),
                   finished = std::move(finished)](Result<OutboxEntry> e) {
                      if (!e || !stillQueued())
                          return;
                      if (e->state == OutboxState::Pending && e->attempts > 0 && !e->errorKind.isEmpty()) {
                          const QString reason = e->errorMessage.isEmpty()
                                                     ? QCoreApplication::translate("OperationStatusPanel",
                                                                                   "Stripe cannot be reached right now.")
                                                     : e->errorMessage;
                          offline(reason + QLatin1Char(' ') + savedText);
                      } else if (!e->isOpen() && finished) {
                          finished(e.value());
                      }
                  });
}

} // namespace Billing
