#include "app/fxcommand.h"
#include "app/commandactor.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/fx/fxconverter.h"
#include "services/fx/fxraterepository.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTextStream>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("FxCommand", text); }

constexpr int Ok = 0;
constexpr int Failed = 1;
constexpr int BadArguments = 2;

int fail(const Error &e)
{
    err() << tr("error: %1").arg(e.userMessage) << Qt::endl;
    return Failed;
}

int bad(const QString &message)
{
    err() << tr("error: %1").arg(message) << Qt::endl << fxUsage();
    return BadArguments;
}

} // namespace

QString fxUsage()
{
    return tr("Usage: billing-console fx import FILE.csv [--staff EMAIL]\n"
              "       billing-console fx list [--pair BASE/QUOTE]\n"
              "       billing-console fx convert AMOUNT CUR --to CUR [--date YYYY-MM-DD]\n"
              "  import   add dated rates from a CSV with the header date,base,quote,rate[,source]\n"
              "           (1 BASE = rate QUOTE from that date; all or nothing; finance or admin)\n"
              "  list     the dated FX-rate table\n"
              "  convert  convert with the rate on or before the date (half up), naming the rate used\n");
}

int runFxCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail)
{
    if (args.isEmpty() || args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        out() << fxUsage();
        return args.isEmpty() ? BadArguments : Ok;
    }
    const QString sub = args.first();
    QStringList positional;
    QHash<QString, QString> options;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString a = args.at(i);
        if (a.startsWith(QStringLiteral("--"))) {
            if (i + 1 >= args.size())
                return bad(tr("%1 needs a value.").arg(a));
            options.insert(a, args.at(++i));
        } else {
            positional << a;
        }
    }
    if (Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking(); !opened)
        return fail(opened.error());

    if (sub == QLatin1String("import")) {
        if (positional.size() != 1 || !options.isEmpty())
            return bad(tr("fx import takes one file."));
        if (!resolveCommandActor(session, staffEmail))
            return Failed;
        const Actor actor = session.actor();
        const QString file = positional.first();
        const Result<FxSaveReport> report = session.billingDatabase().thread().runBlocking(
            [file, actor](BillingDatabase &db) { return FxRateRepository(db).importCsv(file, actor); });
        if (!report)
            return fail(report.error());
        out() << tr("Imported %1 rates from %2: %3 new, %4 replaced (as %5).")
                     .arg(report->rows)
                     .arg(file)
                     .arg(report->inserted)
                     .arg(report->replaced)
                     .arg(actor.tag())
              << Qt::endl;
        return Ok;
    }
    if (!staffEmail.isEmpty())
        return bad(tr("--staff goes with fx import."));
    const Result<QList<FxRate>> rates = session.billingDatabase().thread().runBlocking(
        [](BillingDatabase &db) { return FxRateRepository(db).rates(); });
    if (!rates)
        return fail(rates.error());
    if (sub == QLatin1String("list")) {
        if (!positional.isEmpty())
            return bad(tr("fx list takes no file."));
        const QString pair = options.take(QStringLiteral("--pair")).toUpper();
        if (!options.isEmpty())
            return bad(tr("%1 does not go with fx list.").arg(options.keys().first()));
        out() << QStringLiteral("date        base quote rate                 source / entered by") << Qt::endl;
        int shown = 0;
        for (const FxRate &r : *rates) {
            if (!pair.isEmpty() && r.base + u'/' + r.quote != pair)
                continue;
            out() << r.date.toString(Qt::ISODate) << QStringLiteral("  ") << r.base << QStringLiteral("  ")
                  << r.quote << QStringLiteral("   ") << r.rate.leftJustified(20) << QStringLiteral(" ") << r.source
                  << QStringLiteral(" / ") << r.enteredBy << Qt::endl;
            ++shown;
        }
        out() << tr("%1 rates.").arg(shown) << Qt::endl;
        return Ok;
    }
    if (sub == QLatin1String("convert")) {
        if (positional.size() != 2)
            return bad(tr("fx convert takes AMOUNT CUR."));
        const auto from = Currency::fromCode(positional.at(1));
        const auto to = Currency::fromCode(options.take(QStringLiteral("--to")));
        if (!from || !to)
            return bad(tr("Name two known currencies (AMOUNT CUR --to CUR)."));
        Money::ParseOptions po;
        po.allowNegative = true;
        po.enforceStripeStep = false;
        const Result<Money> amount = Money::parse(positional.at(0), *from, QLocale::c(), po);
        if (!amount)
            return bad(amount.error().userMessage);
        QDate on = QDateTime::currentDateTimeUtc().date();
        if (options.contains(QStringLiteral("--date"))) {
            on = QDate::fromString(options.take(QStringLiteral("--date")), Qt::ISODate);
            if (!on.isValid())
                return bad(tr("--date takes YYYY-MM-DD."));
        }
        if (!options.isEmpty())
            return bad(tr("%1 does not go with fx convert.").arg(options.keys().first()));
        const Result<FxConversion> c = FxConverter(*rates).convert(*amount, *to, on, Rounding::HalfUp);
        if (!c)
            return fail(c.error());
        out() << amount->toDecimalString() << u' ' << from->code() << QStringLiteral(" = ") << c->to.toDecimalString()
              << u' ' << to->code() << QStringLiteral("  (") << c->applied.describe() << tr(", rounded half up)")
              << Qt::endl;
        return Ok;
    }
    return bad(tr("Unknown fx command %1.").arg(sub));
}

} // namespace Billing
