#pragma once

#include "services/outbox/outboxentry.h"

#include <QString>

#include <functional>

class QDialog;
class QDialogButtonBox;
class QLabel;
class QObject;
class QPushButton;
class QWidget;

namespace Billing {

class OutboxService;

// The parts the capability dialogs (refund, change plan, trial, cancel, pause) share around one
// operation submitted through the OperationRunner: the bold summary line, the selectable status
// line with its tone, the Close/Confirm button box, and following the queued outbox entry until it
// is done, refused, unclear or waiting for the connection to return.
class OperationStatusPanel final
{
public:
    OperationStatusPanel() = delete;

    // The "summary" label: word-wrapped, bold, its font scaled by fontScale.
    static QLabel *createSummaryLabel(QWidget *parent, qreal fontScale = 1.0);
    // The "status" label: word-wrapped and selectable.
    static QLabel *createStatusLabel(QWidget *parent);
    // A Close button box with a disabled, non-default "confirm" button (returned in *confirm) whose
    // Close rejects the dialog.
    static QDialogButtonBox *createButtons(QDialog *dialog, QPushButton **confirm);
    // Shows text in the status label, coloured by tone (a colour name, or empty for the default).
    static void showStatus(QLabel *label, const QString &text, const QString &tone);

    // Looks the entry up again after the outbox reported a change to it. While stillQueued() holds,
    // a pending entry that failed to reach Stripe calls offline with Stripe's message (or a generic
    // one) followed by savedText; an entry that is no longer open calls finished (if given).
    static void followEntry(OutboxService *outbox, qint64 id, QObject *context, const QString &savedText,
                            std::function<bool()> stillQueued, std::function<void(const QString &)> offline,
                            std::function<void(const OutboxEntry &)> finished = {});
};

} // namespace Billing
