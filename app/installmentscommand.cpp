#include "app/installmentscommand.h"
#include "app/commandactor.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/operations/operationrunner.h"
#include "services/outbox/outboxservice.h"
#include "services/terms/installmentservice.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QLocale>
#include <QTextStream>

#include <optional>

namespace Billing {

namespace {


QString tr(const char *text) { return QCoreApplication::translate("Billing::InstallmentsCommand", text); }

int fail(const Error &e)
{
    err() << tr("error: %1").arg(e.userMessage) << Qt::endl;
    return ExitFailed;
}

int bad(const QString &message)
{
    err() << tr("billing-console: %1").arg(message) << Qt::endl << installmentsUsage();
    return ExitBadArguments;
}

template <typename T, typename Call>
Result<T> wait(Call call)
{
    QEventLoop loop;
    std::optional<Result<T>> result;
    call(&loop, [&](Result<T> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return *result;
}

} // namespace

QString installmentsUsage()
{
    return tr("Usage:\n"
              "  billing-console installments run [--at 2026-12-01T00:00:00Z] [--staff EMAIL]\n"
              "      create every installment invoice whose issue date has come (each exactly once)\n"
              "  billing-console installments list [--customer cus_...]\n"
              "      the plans with what is paid and what remains\n");
}

int runInstallmentsCommand(WorkspaceSession &session, const QStringList &args, const QString &staffEmail)
{
    if (args.isEmpty() || args.contains(QStringLiteral("--help")))
        return args.isEmpty() ? bad(tr("installments needs a subcommand.")) : (out() << installmentsUsage(), ExitOk);
    const QString sub = args.first();
    QDateTime at = QDateTime::currentDateTimeUtc();
    QString customer;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if ((a == QLatin1String("--at") || a == QLatin1String("--customer")) && i + 1 < args.size()) {
            const QString v = args.at(++i);
            if (a == QLatin1String("--at")) {
                at = QDateTime::fromString(v, Qt::ISODate);
                if (!at.isValid())
                    return bad(tr("--at needs an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z."));
                at = at.toUTC();
            } else {
                customer = v;
            }
        } else {
            return bad(tr("Unexpected argument %1.").arg(a));
        }
    }
    if (sub != QLatin1String("run") && sub != QLatin1String("list"))
        return bad(tr("Unknown installments command %1.").arg(sub));
    if (Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking(); !opened)
        return fail(opened.error());
    InstallmentService service(&session.stripe(), &session.runner(), &session.outbox(), &session.billingDatabase());
    const QLocale locale;
    if (sub == QLatin1String("list")) {
        Result<QList<InstallmentPlan>> plans = wait<QList<InstallmentPlan>>([&](QObject *c, auto h) { service.plans(customer, c, h); });
        if (!plans)
            return fail(plans.error());
        for (const InstallmentPlan &p : *plans)
            out() << tr("#%1 %2 %3: %4 in %5, paid %6, remaining %7")
                         .arg(p.id)
                         .arg(p.customerId, p.description, p.total.toLocaleString(locale))
                         .arg(p.installments.size())
                         .arg(p.paid().toLocaleString(locale), p.remaining().toLocaleString(locale))
                  << Qt::endl;
        return ExitOk;
    }
    if (!resolveCommandActor(session, staffEmail))
        return ExitFailed;
    if (Result<OutboxStore::OpenReport> opened = session.outbox().openBlocking(); !opened)
        return fail(opened.error());
    if (Result<Secret> key = session.loadStripeKeyBlocking(); !key) {
        fail(key.error());
        return ExitPending;
    }
    session.outbox().start();
    service.setWriteTimeoutMs(60000);
    Result<InstallmentRunReport> report = wait<InstallmentRunReport>([&](QObject *c, auto h) { service.runDue(at, c, h); });
    if (!report)
        return fail(report.error());
    for (const QString &e : report->errors)
        err() << tr("Not created: %1").arg(e) << Qt::endl;
    out() << tr("Installments run: %1 due, %2 invoices created, %3 still queued, %4 failed.")
                 .arg(report->due)
                 .arg(report->invoicesCreated)
                 .arg(report->pending)
                 .arg(report->errors.size())
          << Qt::endl;
    if (!report->errors.isEmpty())
        return ExitFailed;
    return report->pending > 0 ? ExitPending : ExitOk;
}

} // namespace Billing
