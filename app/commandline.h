#pragma once

#include "services/domain/result.h"

#include <QString>
#include <QList>
#include <QPair>
#include <QStringList>

namespace Billing {

// What the user asked for on the command line. Parsing never exits the process: a bad command
// line is a Validation error whose userMessage the caller prints with the usage text.
struct CommandLine
{
    enum class Command {
        Gui, Screenshot, Sync, Status, UsageImport, Help, Version,
        RefundCreate, CustomerUpdate, OutboxRun, OutboxList,
        StaffSeedDemo, StaffList, SeasonalRun, Export,
        Budgets,
        Installments,
        Dunning,
        Fx,
        Price,
        Referrals,
    };

    Command command = Command::Gui;
    QString workspace = QStringLiteral("default");
    QString baseUrl;      // overrides the workspace's setting for this run
    QString dataDir;      // overrides the data root (QStandardPaths::AppLocalDataLocation)
    QString screenshotDir;
    QString usageFile;
    bool fullSync = false;
    QString staffEmail;   // --staff: the staff profile who acts (window and money commands)

    // Money operations (through the outbox).
    QString paymentIntent;     // refund create --payment-intent
    qint64 amountMinor = -1;   // refund create --amount, in minor units of `currency`; -1 = the rest
    QString currency;          // ISO 4217 upper case, with --amount
    QString reason;            // duplicate | fraudulent | requested_by_customer
    QString customerId;        // customer update CUS
    QList<QPair<QString, QString>> metadata; // --metadata key=value (value empty: remove the key)
    QString email;
    QString name;
    QString opId;              // --op-id: the same id never applies an operation twice
    QString outboxState;       // outbox list --state
    QStringList exportArgs;    // export REPORT [options] / budgets SUB [options]: parsed by that command itself

    static Result<CommandLine> parse(const QStringList &arguments);
    static QString usage();
};

} // namespace Billing
