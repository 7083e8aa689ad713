#include "app/commandline.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>

#include "services/domain/currency.h"
#include "services/domain/money.h"

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("CommandLine", text); }

Error badArguments(const QString &message)
{
    return Error::make(Error::Kind::Validation, message);
}

// Stripe object ids go into URL paths: letters, digits and '_' only.
bool isStripeId(const QString &id, QLatin1String prefix)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_]{3,255}$"));
    return id.startsWith(prefix) && pattern.match(id).hasMatch();
}

Status checkMoneyOptions(CommandLine &cl, const QString &amountText, const QStringList &used)
{
    using C = CommandLine::Command;
    QStringList allowed;
    switch (cl.command) {
    case C::RefundCreate:
        allowed = {QStringLiteral("--payment-intent"), QStringLiteral("--amount"), QStringLiteral("--currency"),
                   QStringLiteral("--reason"), QStringLiteral("--metadata"), QStringLiteral("--op-id")};
        break;
    case C::CustomerUpdate:
        allowed = {QStringLiteral("--metadata"), QStringLiteral("--email"), QStringLiteral("--name"),
                   QStringLiteral("--op-id")};
        break;
    case C::OutboxList: allowed = {QStringLiteral("--state")}; break;
    default: break;
    }
    for (const QString &opt : used) {
        if (!allowed.contains(opt))
            return badArguments(tr("%1 does not go with this command.").arg(opt));
    }
    static const QRegularExpression opIdPattern(QStringLiteral("^[A-Za-z0-9._:-]{1,200}$"));
    if (!cl.opId.isEmpty() && !opIdPattern.match(cl.opId).hasMatch())
        return badArguments(tr("--op-id takes 1 to 200 letters, digits, '.', '_', ':' or '-'."));
    for (const auto &[key, value] : cl.metadata) {
        if (key.size() > 40 || key.contains(QLatin1Char('[')) || key.contains(QLatin1Char(']')))
            return badArguments(tr("A metadata key has at most 40 characters and no square brackets: %1").arg(key));
        if (value.size() > 500)
            return badArguments(tr("A metadata value has at most 500 characters (key %1).").arg(key));
    }

    if (cl.command == C::RefundCreate) {
        if (cl.paymentIntent.isEmpty())
            return badArguments(tr("refund create needs --payment-intent PI."));
        if (!isStripeId(cl.paymentIntent, QLatin1String("pi_")))
            return badArguments(tr("%1 is not a payment intent id (pi_...).").arg(cl.paymentIntent));
        if (amountText.isEmpty() != cl.currency.isEmpty())
            return badArguments(tr("--amount and --currency go together."));
        if (!amountText.isEmpty()) {
            const std::optional<Currency> currency = Currency::fromCode(cl.currency);
            if (!currency)
                return badArguments(tr("Unknown currency %1.").arg(cl.currency));
            Money::ParseOptions options;
            options.allowZero = false;
            Result<Money> amount = Money::parse(amountText, *currency, QLocale::c(), options);
            if (!amount)
                return badArguments(tr("--amount %1: %2").arg(amountText, amount.error().userMessage));
            cl.amountMinor = amount->minor();
            cl.currency = currency->code();
        }
        static const QStringList reasons{QStringLiteral("duplicate"), QStringLiteral("fraudulent"),
                                         QStringLiteral("requested_by_customer")};
        if (!cl.reason.isEmpty() && !reasons.contains(cl.reason))
            return badArguments(tr("--reason is one of duplicate, fraudulent, requested_by_customer."));
    } else if (cl.command == C::CustomerUpdate) {
        if (!isStripeId(cl.customerId, QLatin1String("cus_")))
            return badArguments(tr("%1 is not a customer id (cus_...).").arg(cl.customerId));
        if (cl.metadata.isEmpty() && cl.email.isEmpty() && cl.name.isEmpty())
            return badArguments(tr("customer update needs --metadata, --email or --name."));
        static const QRegularExpression emailPattern(QStringLiteral("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"));
        if (!cl.email.isEmpty() && !emailPattern.match(cl.email).hasMatch())
            return badArguments(tr("%1 is not an email address.").arg(cl.email));
    } else if (cl.command == C::OutboxList) {
        static const QStringList states{QStringLiteral("pending"), QStringLiteral("in_flight"),
                                        QStringLiteral("succeeded"), QStringLiteral("failed"),
                                        QStringLiteral("needs_attention")};
        if (!cl.outboxState.isEmpty() && !states.contains(cl.outboxState))
            return badArguments(tr("--state is one of pending, in_flight, succeeded, failed, needs_attention."));
    }
    return {};
}

} // namespace

QString CommandLine::usage()
{
    return tr("Usage: billing-console [options] [command]\n"
              "\n"
              "Commands (without one the console window opens):\n"
              "  sync [--full]            sync Stripe into the local cache (incremental unless --full)\n"
              "  status                   show the cache, the last sync and the connection\n"
              "  usage import FILE.csv    record usage events (id,customer_id,meter,quantity,occurred_at)\n"
              "  refund create --payment-intent PI [--amount DECIMAL --currency CUR]\n"
              "                [--reason duplicate|fraudulent|requested_by_customer]\n"
              "                [--metadata KEY=VALUE ...] [--op-id ID]\n"
              "                           refund a payment (all that is left, or the amount given)\n"
              "  customer update CUS [--metadata KEY=VALUE ...] [--email E] [--name N] [--op-id ID]\n"
              "                           change a customer (KEY= removes a metadata key)\n"
              "  outbox run               send every queued money operation now\n"
              "  outbox list [--state S]  list queued and past money operations\n"
              "                           (S: pending, in_flight, succeeded, failed, needs_attention)\n"
              "  staff seed-demo          add the demo staff (one per role) and support limits\n"
              "  staff list               list the staff profiles and their roles\n"
              "  seasonal run             pause and resume subscriptions whose seasonal window is due\n"
              "  export REPORT -o FILE    write a report as CSV (see: export --help)\n"
              "  referrals run|list|record|rule\n"
              "                           credit referrers once their referee paid (see: referrals --help)\n"
              "  budgets evaluate|list|alerts|set\n"
              "                           check budgets, alert and act once (see: budgets --help)\n"
              "  installments run|list    create the installment invoices that are due, once each\n"
              "  dunning run|rules|notifications\n"
              "                           run the dunning rules, each step once (see: dunning --help)\n"
              "  fx import FILE.csv|list|convert\n"
              "                           the dated FX-rate table (see: fx --help)\n"
              "  price list|quote         the price catalog and exact quotes from the cache (see: price --help)\n"
              "\n"
              "  Money operations go through the role check and the audit log as the profile given\n"
              "  with --staff (else the workspace's administrator made from the OS user name), and\n"
              "  are written to the workspace's outbox before they are sent; with\n"
              "  --op-id, running the same command again (after a crash, say) never repeats it.\n"
              "\n"
              "Options:\n"
              "  --workspace NAME         workspace to open (default: default)\n"
              "  --base-url URL           Stripe API base URL for this run\n"
              "  --data-dir DIR           folder for workspaces (default: the user's data folder)\n"
              "  --screenshot DIR         render every pane to DIR/*.png and exit\n"
              "  --staff EMAIL            act as this staff profile (default: the last one used,\n"
              "                           or a picker when there are several)\n"
              "  -h, --help               this text\n"
              "  --version                the version\n");
}

// Options of the console itself that take a value (their value is never the command).
static const QStringList &optionsWithValue()
{
    static const QStringList options{
        QStringLiteral("--workspace"), QStringLiteral("--base-url"), QStringLiteral("--data-dir"),
        QStringLiteral("--screenshot"), QStringLiteral("--staff"), QStringLiteral("--payment-intent"),
        QStringLiteral("--amount"), QStringLiteral("--currency"), QStringLiteral("--reason"),
        QStringLiteral("--email"), QStringLiteral("--name"), QStringLiteral("--op-id"),
        QStringLiteral("--state"), QStringLiteral("--metadata")};
    return options;
}

// Commands with options of their own (export --from, budgets set --amount, ...): everything after
// the command but the global options goes to it untouched. The command is the first argument
// that is neither an option nor an option's value (so `--workspace fx fx list` finds the second).
static QStringList splitCommandArguments(const QStringList &arguments, QStringList *commandArgs)
{
    static const QStringList withOwnOptions{QStringLiteral("export"), QStringLiteral("budgets"),
                                            QStringLiteral("installments"), QStringLiteral("dunning"),
                                            QStringLiteral("fx"), QStringLiteral("referrals"),
                                            QStringLiteral("price")};
    qsizetype at = -1;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (optionsWithValue().contains(arg)) {
            ++i;
            continue;
        }
        if (arg.startsWith(QLatin1Char('-')))
            continue;
        if (withOwnOptions.contains(arg))
            at = i;
        break;
    }
    if (at < 0)
        return arguments;
    static const QStringList global{QStringLiteral("--workspace"), QStringLiteral("--base-url"),
                                    QStringLiteral("--data-dir"), QStringLiteral("--staff")};
    QStringList kept = arguments.mid(0, at + 1);
    for (qsizetype i = at + 1; i < arguments.size(); ++i) {
        if (global.contains(arguments.at(i)) && i + 1 < arguments.size()) {
            kept << arguments.at(i) << arguments.at(i + 1);
            ++i;
        } else {
            *commandArgs << arguments.at(i);
        }
    }
    return kept;
}

Result<CommandLine> CommandLine::parse(const QStringList &allArguments)
{
    CommandLine cl;
    const QStringList arguments = splitCommandArguments(allArguments, &cl.exportArgs);
    QStringList positional;
    QString amountText;
    QStringList used; // command-specific options given
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        auto takeValue = [&](QString &target) -> Status {
            if (i + 1 >= arguments.size() || arguments.at(i + 1).startsWith(QLatin1String("--")))
                return badArguments(tr("%1 needs a value.").arg(arg));
            target = arguments.at(++i);
            if (target.trimmed().isEmpty())
                return badArguments(tr("%1 needs a value.").arg(arg));
            return {};
        };
        Status st;
        if (arg == QLatin1String("--workspace"))
            st = takeValue(cl.workspace);
        else if (arg == QLatin1String("--base-url"))
            st = takeValue(cl.baseUrl);
        else if (arg == QLatin1String("--data-dir"))
            st = takeValue(cl.dataDir);
        else if (arg == QLatin1String("--screenshot")) {
            st = takeValue(cl.screenshotDir);
            cl.command = Command::Screenshot;
        } else if (arg == QLatin1String("--full"))
            cl.fullSync = true;
        else if (arg == QLatin1String("--staff"))
            st = takeValue(cl.staffEmail);
        else if (arg == QLatin1String("--payment-intent"))
            st = takeValue(cl.paymentIntent);
        else if (arg == QLatin1String("--amount"))
            st = takeValue(amountText);
        else if (arg == QLatin1String("--currency"))
            st = takeValue(cl.currency);
        else if (arg == QLatin1String("--reason"))
            st = takeValue(cl.reason);
        else if (arg == QLatin1String("--email"))
            st = takeValue(cl.email);
        else if (arg == QLatin1String("--name"))
            st = takeValue(cl.name);
        else if (arg == QLatin1String("--op-id"))
            st = takeValue(cl.opId);
        else if (arg == QLatin1String("--state"))
            st = takeValue(cl.outboxState);
        else if (arg == QLatin1String("--metadata")) {
            QString pair;
            st = takeValue(pair);
            if (st) {
                const int eq = pair.indexOf(QLatin1Char('='));
                if (eq <= 0)
                    return badArguments(tr("--metadata takes KEY=VALUE (KEY= removes the key), not %1.").arg(pair));
                cl.metadata.append({pair.left(eq), pair.mid(eq + 1)});
            }
            used << arg;
        }
        else if (arg == QLatin1String("-h") || arg == QLatin1String("--help"))
            cl.command = Command::Help;
        else if (arg == QLatin1String("--version"))
            cl.command = Command::Version;
        else if (arg.startsWith(QLatin1Char('-')))
            return badArguments(tr("Unknown option %1.").arg(arg));
        else
            positional << arg;
        if (!st)
            return st.error();
        static const QStringList specific{
            QStringLiteral("--payment-intent"), QStringLiteral("--amount"), QStringLiteral("--currency"),
            QStringLiteral("--reason"), QStringLiteral("--email"), QStringLiteral("--name"),
            QStringLiteral("--op-id"), QStringLiteral("--state"), QStringLiteral("--metadata")};
        if (specific.contains(arg) && !used.contains(arg))
            used << arg;
    }

    static const QRegularExpression workspaceName(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    if (!workspaceName.match(cl.workspace).hasMatch())
        return badArguments(tr("A workspace name uses letters, digits, '.', '_' or '-' (at most 64)."));

    if (cl.command == Command::Help || cl.command == Command::Version)
        return cl;
    if (positional.isEmpty()) {
        if (!used.isEmpty())
            return badArguments(tr("%1 goes with a command (see --help).").arg(used.first()));
        if (cl.fullSync)
            return badArguments(tr("--full goes with the sync command."));
        return cl;
    }
    if (cl.command == Command::Screenshot)
        return badArguments(tr("--screenshot cannot be combined with a command."));

    const QString command = positional.takeFirst();
    if (command == QLatin1String("sync")) {
        cl.command = Command::Sync;
    } else if (command == QLatin1String("status")) {
        cl.command = Command::Status;
    } else if (command == QLatin1String("usage")) {
        if (positional.size() != 2 || positional.first() != QLatin1String("import"))
            return badArguments(tr("Use: usage import FILE.csv"));
        cl.command = Command::UsageImport;
        cl.usageFile = positional.takeLast();
        positional.clear();
    } else if (command == QLatin1String("refund")) {
        if (positional.isEmpty() || positional.takeFirst() != QLatin1String("create"))
            return badArguments(tr("Use: refund create --payment-intent PI [--amount DECIMAL --currency CUR] ..."));
        cl.command = Command::RefundCreate;
    } else if (command == QLatin1String("customer")) {
        if (positional.size() < 2 || positional.takeFirst() != QLatin1String("update"))
            return badArguments(tr("Use: customer update CUS [--metadata KEY=VALUE ...] [--email E] [--name N]"));
        cl.command = Command::CustomerUpdate;
        cl.customerId = positional.takeFirst();
    } else if (command == QLatin1String("staff")) {
        const QString sub = positional.isEmpty() ? QString() : positional.takeFirst();
        if (sub == QLatin1String("seed-demo"))
            cl.command = Command::StaffSeedDemo;
        else if (sub == QLatin1String("list"))
            cl.command = Command::StaffList;
        else
            return badArguments(tr("Use: staff seed-demo, or staff list"));
    } else if (command == QLatin1String("seasonal")) {
        if (positional.isEmpty() || positional.takeFirst() != QLatin1String("run"))
            return badArguments(tr("Use: seasonal run"));
        cl.command = Command::SeasonalRun;
    } else if (command == QLatin1String("export")) {
        cl.command = Command::Export;
    } else if (command == QLatin1String("budgets")) {
        cl.command = Command::Budgets;
    } else if (command == QLatin1String("installments")) {
        cl.command = Command::Installments;
    } else if (command == QLatin1String("dunning")) {
        cl.command = Command::Dunning;
    } else if (command == QLatin1String("fx")) {
        cl.command = Command::Fx;
    } else if (command == QLatin1String("price")) {
        cl.command = Command::Price;
    } else if (command == QLatin1String("referrals")) {
        cl.command = Command::Referrals;
    } else if (command == QLatin1String("outbox")) {
        const QString sub = positional.isEmpty() ? QString() : positional.takeFirst();
        if (sub == QLatin1String("run"))
            cl.command = Command::OutboxRun;
        else if (sub == QLatin1String("list"))
            cl.command = Command::OutboxList;
        else
            return badArguments(tr("Use: outbox run, or outbox list [--state S]"));
    } else {
        return badArguments(tr("Unknown command %1.").arg(command));
    }
    if (!positional.isEmpty())
        return badArguments(tr("Unexpected argument %1.").arg(positional.first()));
    if (Status st = checkMoneyOptions(cl, amountText, used); !st)
        return st.error();
    if (cl.fullSync && cl.command != Command::Sync)
        return badArguments(tr("--full goes with the sync command."));
    if (!cl.staffEmail.isEmpty()) {
        static const QList<Command> acting{Command::RefundCreate, Command::CustomerUpdate, Command::OutboxRun,
                                           Command::SeasonalRun, Command::Budgets,
                                           Command::Installments, Command::Dunning, Command::Fx,
                                           Command::Referrals};
        if (!acting.contains(cl.command))
            return badArguments(tr("--staff goes with the window or with a command that changes Stripe."));
    }
    return cl;
}

} // namespace Billing
