#include "app/referralcommand.h"
#include "app/commandactor.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/access/accesspolicy.h"
#include "services/operations/operationrunner.h"
#include "services/promotions/customercreditservice.h"
#include "services/promotions/referralprogram.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHash>
#include <QLocale>
#include <QTextStream>

#include <optional>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("ReferralCommand", text); }


int fail(const Error &e)
{
    err() << tr("billing-console referrals: %1").arg(e.userMessage) << Qt::endl;
    return ExitFailed;
}

int bad(const QString &why)
{
    err() << tr("billing-console referrals: %1").arg(why) << Qt::endl << referralUsage();
    return ExitBadArguments;
}

template <typename T>
Result<T> wait(const std::function<void(QObject *, std::function<void(Result<T>)>)> &call)
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

QString statusLine(const Referral &r)
{
    QString line = QStringLiteral("%1  %2 -> %3  %4").arg(r.id).arg(r.referrerId, r.refereeId, r.status);
    if (const auto cur = Currency::fromCode(r.rewardCurrency); cur && r.rewardMinor > 0)
        line += QStringLiteral("  %1 %2").arg(Money(r.rewardMinor, *cur).toDecimalString(), cur->code());
    if (!r.rewardTransactionId.isEmpty())
        line += QStringLiteral("  ") + r.rewardTransactionId;
    if (!r.lastError.isEmpty())
        line += QStringLiteral("  (") + r.lastError + QLatin1Char(')');
    return line;
}

} // namespace

QString referralUsage()
{
    return tr("Usage: billing-console referrals run | list | record --referrer CUS --referee CUS [--code C] [--note N]\n"
              "                                 | rule CUR AMOUNT\n"
              "  run      credit each referrer once when their referee has paid the first invoice\n"
              "  list     every referral and its state\n"
              "  record   record who referred whom\n"
              "  rule     the reward per currency, e.g. \"rule usd 20.00\" (0 removes it)\n");
}

int runReferralCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail)
{
    if (args.isEmpty() || args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        (args.isEmpty() ? err() : out()) << referralUsage();
        return args.isEmpty() ? ExitBadArguments : ExitOk;
    }
    const QString sub = args.first();
    QHash<QString, QString> options;
    QStringList positional;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a.startsWith(QLatin1String("--"))) {
            if (i + 1 >= args.size())
                return bad(tr("%1 needs a value.").arg(a));
            options.insert(a, args.at(++i));
        } else {
            positional << a;
        }
    }
    static const QStringList known{QStringLiteral("--referrer"), QStringLiteral("--referee"), QStringLiteral("--code"),
                                   QStringLiteral("--note")};
    for (auto it = options.cbegin(); it != options.cend(); ++it) {
        if (!known.contains(it.key()) || sub != QLatin1String("record"))
            return bad(tr("Unknown option %1.").arg(it.key()));
    }
    if (Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking(); !opened)
        return fail(opened.error());

    if (sub == QLatin1String("list")) {
        if (!positional.isEmpty())
            return bad(tr("Unexpected argument %1.").arg(positional.first()));
        Result<QList<Referral>> all = session.billingDatabase().thread().runBlocking(
            [](BillingDatabase &db) { return ReferralRepository(db).all(); });
        if (!all)
            return fail(all.error());
        for (const Referral &r : *all)
            out() << statusLine(r) << Qt::endl;
        out() << tr("%1 referral(s).").arg(all->size()) << Qt::endl;
        return ExitOk;
    }
    if (sub == QLatin1String("rule")) {
        if (positional.size() != 2)
            return bad(tr("Use: referrals rule CUR AMOUNT"));
        const std::optional<Currency> cur = Currency::fromCode(positional.at(0));
        if (!cur)
            return bad(tr("Unknown currency %1.").arg(positional.at(0)));
        Money::ParseOptions po;
        po.allowNegative = false;
        Result<Money> amount = Money::parse(positional.at(1), *cur, QLocale::c(), po);
        if (!amount)
            return bad(amount.error().userMessage);
        if (!resolveCommandActor(session, staffEmail))
            return ExitFailed;
        if (!AccessPolicy::allows(session.actor().role, Permission::ManagePromotions))
            return fail(Error::make(Error::Kind::Unauthorized, tr("Only finance and administrators set referral rewards.")));
        const qint64 minor = amount->minor();
        Status s = session.billingDatabase().thread().runBlocking(
            [code = cur->code(), minor](BillingDatabase &db) { return ReferralRepository(db).setRule(code, minor); });
        if (!s)
            return fail(s.error());
        out() << (minor == 0 ? tr("No referral reward in %1 any more.").arg(cur->code())
                             : tr("Referral reward in %1: %2.").arg(cur->code(), amount->toDecimalString()))
              << Qt::endl;
        return ExitOk;
    }
    if (!resolveCommandActor(session, staffEmail))
        return ExitFailed;
    if (sub == QLatin1String("record")) {
        Referral r;
        r.referrerId = options.value(QStringLiteral("--referrer"));
        r.refereeId = options.value(QStringLiteral("--referee"));
        r.code = options.value(QStringLiteral("--code"));
        r.note = options.value(QStringLiteral("--note"));
        r.actor = session.actor().email;
        if (r.referrerId.isEmpty() || r.refereeId.isEmpty())
            return bad(tr("record needs --referrer and --referee."));
        Result<Referral> saved = session.billingDatabase().thread().runBlocking(
            [r](BillingDatabase &db) { return ReferralRepository(db).record(r); });
        if (!saved)
            return fail(saved.error());
        out() << tr("Recorded referral %1: %2 referred %3.").arg(saved->id).arg(saved->referrerId, saved->refereeId) << Qt::endl;
        return ExitOk;
    }
    if (sub != QLatin1String("run"))
        return bad(tr("Unknown referrals command %1.").arg(sub));
    if (!positional.isEmpty())
        return bad(tr("Unexpected argument %1.").arg(positional.first()));
    if (Result<LocalCache::OpenReport> opened = session.cache().openBlocking(session.settings().cachePath); !opened)
        return fail(opened.error());
    if (Result<OutboxStore::OpenReport> opened = session.outbox().openBlocking(); !opened)
        return fail(opened.error());
    if (Result<Secret> key = session.loadStripeKeyBlocking(); !key)
        return fail(key.error());
    session.outbox().start();
    CustomerCreditService credits(&session.stripe(), &session.runner());
    ReferralProgram program(&session.billingDatabase(), &session.stripe(), &credits);
    Result<ReferralRunReport> report =
        wait<ReferralRunReport>([&](QObject *ctx, auto h) { program.run(ctx, h); });
    session.outbox().stop();
    if (!report)
        return fail(report.error());
    for (const QString &m : std::as_const(report->messages))
        err() << m << Qt::endl;
    out() << tr("Referrals: %1 checked, %2 credited, %3 already credited, %4 waiting for a first payment, %5 without a "
                "reward rule, %6 failed.")
                 .arg(report->checked)
                 .arg(report->rewarded)
                 .arg(report->recovered)
                 .arg(report->waiting)
                 .arg(report->skipped)
                 .arg(report->failed)
          << Qt::endl;
    return report->failed > 0 ? ExitFailed : ExitOk;
}

} // namespace Billing
