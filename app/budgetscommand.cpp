#include "app/budgetscommand.h"
#include "app/commandactor.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/budgets/budgetservice.h"
#include "services/domain/currency.h"
#include "services/domain/money.h"
#include "services/operations/operationrunner.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHash>
#include <QLocale>
#include <QTextStream>

#include <optional>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::BudgetsCommand", text); }


int bad(const QString &message)
{
    err() << tr("billing-console budgets: %1").arg(message) << Qt::endl << budgetsUsage();
    return ExitBadArguments;
}

int fail(const Error &e)
{
    err() << tr("error: %1").arg(e.userMessage) << Qt::endl;
    return ExitFailed;
}

// Waits for one asynchronous service answer (command line only).
template <typename T, typename Call>
Result<T> wait(Call call)
{
    std::optional<Result<T>> outcome;
    QEventLoop loop;
    call(&loop, [&](Result<T> r) {
        outcome.emplace(std::move(r));
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    return std::move(*outcome);
}

QString amountText(BudgetUnit unit, qint64 value, const QString &currency, const QString &meter)
{
    if (unit == BudgetUnit::Units)
        return QStringLiteral("%1 %2").arg(value).arg(meter);
    const std::optional<Currency> cur = Currency::fromCode(currency);
    return cur ? QStringLiteral("%1 %2").arg(Money(value, *cur).toDecimalString(), cur->code())
               : QStringLiteral("%1 (minor units)").arg(value);
}

QString alertLine(const BudgetAlert &a)
{
    const QString what = a.kind == AlertKind::Forecast
                             ? tr("early warning: forecast %1 of %2")
                                   .arg(amountText(a.unit, a.projected, a.currency, a.meter),
                                        amountText(a.unit, a.limit, a.currency, a.meter))
                             : tr("%1% reached: %2 of %3")
                                   .arg(a.thresholdPercent)
                                   .arg(amountText(a.unit, a.spend, a.currency, a.meter),
                                        amountText(a.unit, a.limit, a.currency, a.meter));
    return tr("alert %1  %2  budget %3  %4  %5 [%6]")
        .arg(a.id)
        .arg(a.customerId)
        .arg(a.budgetId)
        .arg(a.period, what, a.action);
}

struct Context
{
    WorkspaceSession &session;
    QString staffEmail;
};

bool openBillingDb(WorkspaceSession &session)
{
    Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking();
    if (!opened) {
        fail(opened.error());
        return false;
    }
    return true;
}

bool openCache(WorkspaceSession &session)
{
    Result<LocalCache::OpenReport> opened = session.cache().openBlocking(session.settings().cachePath);
    if (!opened) {
        fail(opened.error());
        return false;
    }
    return true;
}

// "--name value" options after the subcommand; positional arguments in order.
struct Options
{
    QHash<QString, QString> values;
    QStringList flags;
    QStringList positional;
};

Result<Options> parseOptions(const QStringList &args, const QStringList &withValue, const QStringList &flags)
{
    Options o;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (withValue.contains(a)) {
            if (i + 1 >= args.size() || args.at(i + 1).trimmed().isEmpty())
                return Error::make(Error::Kind::Validation, tr("%1 needs a value.").arg(a));
            o.values.insert(a, args.at(++i));
        } else if (flags.contains(a)) {
            o.flags << a;
        } else if (a.startsWith(QLatin1String("--"))) {
            return Error::make(Error::Kind::Validation, tr("Unknown option %1.").arg(a));
        } else {
            o.positional << a;
        }
    }
    return o;
}

// --at TIME (a past moment, to re-run a missed schedule); now when absent. Invalid: bad() was called.
std::optional<QDateTime> evaluationTime(const Options &o)
{
    if (!o.values.contains(QStringLiteral("--at")))
        return QDateTime::currentDateTimeUtc();
    const QDateTime at = QDateTime::fromString(o.values.value(QStringLiteral("--at")), Qt::ISODate);
    if (!at.isValid() || at.timeSpec() == Qt::LocalTime) {
        bad(tr("--at takes an ISO 8601 time with a zone, such as 2026-11-30T12:00:00Z."));
        return std::nullopt;
    }
    if (at > QDateTime::currentDateTimeUtc().addSecs(60)) {
        bad(tr("--at cannot be in the future."));
        return std::nullopt;
    }
    return at.toUTC();
}

int evaluate(Context &c, const Options &o)
{
    const std::optional<QDateTime> when = evaluationTime(o);
    if (!when)
        return ExitBadArguments;
    const QDateTime at = *when;
    if (!openBillingDb(c.session) || !openCache(c.session) || !resolveCommandActor(c.session, c.staffEmail))
        return ExitFailed;
    if (Result<OutboxStore::OpenReport> opened = c.session.outbox().openBlocking(); !opened)
        return fail(opened.error());
    BudgetService service(&c.session.billingDatabase(), &c.session.cache(), &c.session.runner());
    Result<BudgetEvaluationReport> report =
        wait<BudgetEvaluationReport>([&](QObject *ctx, auto h) { service.evaluate(at, ctx, h); });
    if (!report)
        return fail(report.error());
    for (const BudgetStatus &st : std::as_const(report->statuses)) {
        if (!st.spend.problem.isEmpty())
            err() << tr("warning: budget %1 (%2) not evaluated: %3")
                         .arg(st.budget.id)
                         .arg(st.budget.customerId, st.spend.problem)
                  << Qt::endl;
    }
    for (const BudgetAlert &a : std::as_const(report->newAlerts))
        out() << tr("New %1").arg(alertLine(a)) << Qt::endl;
    // The limit actions in force this month (not only the ones taken by this run).
    for (const BudgetStatus &st : std::as_const(report->statuses)) {
        if (st.flagged)
            out() << tr("Flagged: %1 (budget %2) is at or over its limit this month").arg(st.budget.customerId).arg(st.budget.id)
                  << Qt::endl;
        if (st.capUnits && st.overCap > 0)
            out() << tr("Capped: %1 (budget %2): %3 unit(s) billable, %4 over the cap kept and not billed")
                         .arg(st.budget.customerId)
                         .arg(st.budget.id)
                         .arg(*st.capUnits)
                         .arg(st.overCap)
                  << Qt::endl;
    }
    for (const auto &[action, why] : std::as_const(report->pausesFailed))
        err() << tr("Not paused: %1 (budget %2): %3").arg(action.subscriptionId).arg(action.budgetId).arg(why)
              << Qt::endl;
    int code = report->pausesFailed.isEmpty() ? ExitOk : ExitFailed;
    if (!report->pausesQueued.isEmpty()) {
        for (const BudgetActionRecord &a : std::as_const(report->pausesQueued))
            out() << tr("Queued: pause %1 (budget %2, outbox entry %3)")
                         .arg(a.subscriptionId)
                         .arg(a.budgetId)
                         .arg(a.outboxEntryId)
                  << Qt::endl;
        if (Result<Secret> key = c.session.loadStripeKeyBlocking(); !key) {
            fail(key.error());
            return ExitPending;
        }
        Result<OutboxService::DrainReport> sent = c.session.outbox().drainBlocking();
        if (!sent)
            return fail(sent.error());
        if (Result<int> reconciled = wait<int>([&](QObject *ctx, auto h) { c.session.runner().reconcile(50, ctx, h); }); !reconciled)
            err() << tr("warning: the pauses sent are not recorded in the console yet (the next start does it): %1")
                         .arg(reconciled.error().userMessage)
                  << Qt::endl;
        out() << tr("Pauses: %1 sent, %2 failed, %3 still pending.")
                     .arg(sent->succeeded)
                     .arg(sent->failed + sent->needsAttention)
                     .arg(sent->stillPending)
              << Qt::endl;
        if (sent->failed + sent->needsAttention > 0)
            code = ExitFailed;
        else if (sent->stillPending > 0 && code == ExitOk)
            code = ExitPending;
    }
    out() << tr("Budgets evaluated for %1: %2 budget(s), %3 new alert(s).")
                 .arg(report->period)
                 .arg(report->statuses.size())
                 .arg(report->newAlerts.size())
          << Qt::endl;
    return code;
}

int list(Context &c, const Options &o)
{
    const std::optional<QDateTime> when = evaluationTime(o);
    if (!when)
        return ExitBadArguments;
    if (!openBillingDb(c.session) || !openCache(c.session))
        return ExitFailed;
    BudgetService service(&c.session.billingDatabase(), &c.session.cache(), &c.session.runner());
    Result<BudgetEvaluationReport> report = wait<BudgetEvaluationReport>(
        [&](QObject *ctx, auto h) { service.evaluate(*when, ctx, h, false); });
    if (!report)
        return fail(report.error());
    if (report->statuses.isEmpty())
        out() << tr("No active budgets.") << Qt::endl;
    for (const BudgetStatus &st : std::as_const(report->statuses)) {
        const Budget &b = st.budget;
        out() << tr("budget %1  %2%3  %4 / %5 a month (%6.%7%)  at limit: %8")
                     .arg(b.id)
                     .arg(b.customerId,
                          b.scope == BudgetScope::Subscription ? QStringLiteral(" ") + b.subscriptionId : QString(),
                          amountText(b.unit, st.spend.spend, b.currency, b.meter),
                          amountText(b.unit, b.limit, b.currency, b.meter))
                     .arg(st.permille / 10)
                     .arg(st.permille % 10)
                     .arg(limitActionName(b.action))
              << Qt::endl;
    }
    return ExitOk;
}

int alerts(Context &c, const Options &o)
{
    if (!openBillingDb(c.session))
        return ExitFailed;
    BudgetService service(&c.session.billingDatabase(), &c.session.cache(), &c.session.runner());
    AlertQuery q;
    q.includeAcknowledged = q.includeSnoozed = o.flags.contains(QStringLiteral("--all"));
    Result<QList<BudgetAlert>> rows = wait<QList<BudgetAlert>>([&](QObject *ctx, auto h) { service.alerts(q, ctx, h); });
    if (!rows)
        return fail(rows.error());
    if (rows->isEmpty())
        out() << tr("No open alerts.") << Qt::endl;
    for (const BudgetAlert &a : std::as_const(*rows))
        out() << alertLine(a) << Qt::endl;
    return ExitOk;
}

int set(Context &c, const Options &o)
{
    if (o.positional.size() != 1)
        return bad(tr("Use: budgets set CUS --limit AMOUNT (--currency CUR | --meter METER) [options]"));
    Budget b;
    b.customerId = o.positional.first();
    const QString sub = o.values.value(QStringLiteral("--subscription"));
    if (!sub.isEmpty()) {
        b.scope = BudgetScope::Subscription;
        b.subscriptionId = sub;
    }
    const QString currency = o.values.value(QStringLiteral("--currency"));
    b.meter = o.values.value(QStringLiteral("--meter"));
    b.priceId = o.values.value(QStringLiteral("--price"));
    const QString limit = o.values.value(QStringLiteral("--limit"));
    if (limit.isEmpty())
        return bad(tr("--limit is required."));
    if (!currency.isEmpty()) {
        const std::optional<Currency> cur = Currency::fromCode(currency);
        if (!cur)
            return bad(tr("Unknown currency %1.").arg(currency));
        Result<Money> amount = Money::parse(limit, *cur, QLocale::c(), {true, true, false});
        if (!amount)
            return bad(amount.error().userMessage);
        b.unit = BudgetUnit::Money;
        b.currency = currency.toLower();
        b.limit = amount->minor();
    } else {
        bool ok = false;
        b.unit = BudgetUnit::Units;
        b.limit = limit.toLongLong(&ok);
        if (!ok)
            return bad(tr("--limit for a budget in units is a whole number of units, not %1.").arg(limit));
    }
    if (o.values.contains(QStringLiteral("--thresholds"))) {
        b.thresholds.clear();
        for (const QString &p : o.values.value(QStringLiteral("--thresholds")).split(QLatin1Char(','))) {
            bool ok = false;
            const int v = p.trimmed().remove(QLatin1Char('%')).toInt(&ok);
            if (!ok)
                return bad(tr("--thresholds takes percentages such as 50,80,100, not %1.").arg(p));
            b.thresholds << v;
        }
    }
    if (o.values.contains(QStringLiteral("--action"))) {
        const std::optional<LimitAction> a = limitActionFromName(o.values.value(QStringLiteral("--action")));
        if (!a)
            return bad(tr("--action is notify, flag, pause or cap."));
        b.action = *a;
    }
    if (!openBillingDb(c.session) || !openCache(c.session) || !resolveCommandActor(c.session, c.staffEmail))
        return ExitFailed;
    BudgetService service(&c.session.billingDatabase(), &c.session.cache(), &c.session.runner());
    Result<Budget> saved = wait<Budget>([&](QObject *ctx, auto h) { service.save(b, ctx, h); });
    if (!saved) {
        fail(saved.error());
        return saved.error().kind == Error::Kind::Validation ? ExitBadArguments : ExitFailed;
    }
    out() << tr("Budget %1 saved: %2 a month for %3, alerts at %4%, at the limit: %5.")
                 .arg(saved->id)
                 .arg(amountText(saved->unit, saved->limit, saved->currency, saved->meter), saved->customerId)
                 .arg([&] {
                     QStringList t;
                     for (int p : saved->thresholds)
                         t << QString::number(p);
                     return t.join(QStringLiteral("%, "));
                 }())
                 .arg(limitActionLabel(saved->action))
          << Qt::endl;
    return ExitOk;
}

} // namespace

QString budgetsUsage()
{
    return tr("Use: billing-console budgets evaluate [--at TIME]\n"
              "     billing-console budgets list [--at TIME]\n"
              "     billing-console budgets alerts [--all]\n"
              "     billing-console budgets set CUS --limit AMOUNT (--currency CUR | --meter METER)\n"
              "                 [--subscription SUB] [--thresholds 50,80,100]\n"
              "                 [--action notify|flag|pause|cap] [--price PRICE]\n");
}

int runBudgetsCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail)
{
    if (args.isEmpty() || args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        (args.isEmpty() ? err() : out()) << budgetsUsage();
        return args.isEmpty() ? ExitBadArguments : ExitOk;
    }
    const QString sub = args.first();
    Result<Options> o = parseOptions(
        args.mid(1),
        {QStringLiteral("--at"), QStringLiteral("--limit"), QStringLiteral("--currency"), QStringLiteral("--meter"),
         QStringLiteral("--subscription"), QStringLiteral("--thresholds"), QStringLiteral("--action"),
         QStringLiteral("--price")},
        {QStringLiteral("--all")});
    if (!o)
        return bad(o.error().userMessage);
    Context c{session, staffEmail};
    if (sub == QLatin1String("evaluate")) {
        if (!o->positional.isEmpty())
            return bad(tr("Unexpected argument %1.").arg(o->positional.first()));
        return evaluate(c, *o);
    }
    if (sub == QLatin1String("list"))
        return list(c, *o);
    if (sub == QLatin1String("alerts"))
        return alerts(c, *o);
    if (sub == QLatin1String("set"))
        return set(c, *o);
    return bad(tr("Unknown budgets command %1.").arg(sub));
}

} // namespace Billing
