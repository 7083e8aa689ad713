#include "app/exportcommand.h"
#include "app/commandoutput.h"

#include "app/workspacesession.h"
#include "services/reports/reportexporter.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTextStream>

#include <cstdio>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::ExportCommand", text); }


int bad(const QString &message)
{
    err() << tr("billing-console export: %1").arg(message) << Qt::endl
          << tr("Run \"billing-console export --help\" for the options.") << Qt::endl;
    return ExitBadArguments;
}

std::optional<QDate> parseDate(const QString &text)
{
    static const QRegularExpression shape(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
    if (!shape.match(text).hasMatch())
        return std::nullopt;
    const QDate d = QDate::fromString(text, Qt::ISODate);
    if (!d.isValid())
        return std::nullopt;
    return d;
}

} // namespace

QString exportUsage()
{
    QStringList names;
    for (ReportKind k : allReportKinds())
        names << reportKindName(k);
    return tr("Usage: billing-console export <report> [options] -o FILE\n"
              "Reports: %1\n"
              "Options:\n"
              "  -o, --output FILE     the CSV file to write (replaced atomically when done)\n"
              "  --from YYYY-MM-DD     first day (invoices: created; audit-log, refunds: time; mrr-movements: first month)\n"
              "                        (expiring-cards: cards valid through a month from --from, default today, to --to,\n"
              "                        default 30 days later: e.g. --to <today + 60 days> for the next 60 days)\n"
              "  --to YYYY-MM-DD       last day, inclusive\n"
              "  --currency CUR        one currency (ISO 4217, e.g. EUR)\n"
              "  --status S[,S...]     invoices: draft, open, paid, uncollectible, void; subscriptions: active, ...\n"
              "  --customer ID         one customer (invoices, subscriptions, refunds)\n"
              "  --as-of YYYY-MM-DD    ar-aging: the day to age at (default today, UTC); mrr-movements: last month\n"
              "  --terms-days N        ar-aging: due = created + N days when an invoice has no due date (default 0)\n"
              "  --bom                 start the file with a UTF-8 byte order mark (for Excel)\n"
              "  --quiet               no progress on stderr\n"
              "CSV: RFC 4180, UTF-8, CRLF; amounts in major units with a dot plus a currency column; dates ISO 8601 UTC;\n"
              "text cells starting with = + - @ or a tab are prefixed with ' against formula injection.")
        .arg(names.join(QStringLiteral(", ")));
}

int runExportCommand(WorkspaceSession &session, const QStringList &args)
{
    if (args.isEmpty())
        return bad(tr("name a report."));
    if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        out() << exportUsage() << Qt::endl;
        return ExitOk;
    }
    const std::optional<ReportKind> kind = reportKindFromName(args.first());
    if (!kind) {
        QStringList names;
        for (ReportKind k : allReportKinds())
            names << reportKindName(k);
        return bad(tr("unknown report \"%1\" (one of: %2).").arg(args.first(), names.join(QStringLiteral(", "))));
    }
    ReportFilter filter;
    QString output;
    bool quiet = false;
    CsvOptions csv;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString a = args.at(i);
        auto value = [&](QString *v) -> bool {
            if (i + 1 >= args.size() || args.at(i + 1).startsWith(QLatin1String("--")))
                return false;
            *v = args.at(++i);
            return true;
        };
        QString v;
        if (a == QLatin1String("--bom")) {
            csv.byteOrderMark = true;
        } else if (a == QLatin1String("--quiet")) {
            quiet = true;
        } else if (a == QLatin1String("-o") || a == QLatin1String("--output")) {
            if (!value(&output))
                return bad(tr("%1 needs a file name.").arg(a));
        } else if (a == QLatin1String("--from") || a == QLatin1String("--to") || a == QLatin1String("--as-of")) {
            if (!value(&v))
                return bad(tr("%1 needs a date (YYYY-MM-DD).").arg(a));
            const std::optional<QDate> d = parseDate(v);
            if (!d)
                return bad(tr("%1: \"%2\" is not a date (use YYYY-MM-DD, e.g. 2026-01-31).").arg(a, v));
            if (a == QLatin1String("--from"))
                filter.from = d;
            else if (a == QLatin1String("--to"))
                filter.to = d;
            else
                filter.asOf = *d;
        } else if (a == QLatin1String("--currency")) {
            if (!value(&v))
                return bad(tr("--currency needs a code (e.g. EUR)."));
            filter.currency = v.toUpper();
        } else if (a == QLatin1String("--status")) {
            if (!value(&v))
                return bad(tr("--status needs a status."));
            filter.statuses += v.toLower().split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else if (a == QLatin1String("--customer")) {
            if (!value(&filter.customerId))
                return bad(tr("--customer needs a customer id."));
        } else if (a == QLatin1String("--terms-days")) {
            bool ok = false;
            if (!value(&v) || (filter.defaultTermsDays = v.toInt(&ok), !ok))
                return bad(tr("--terms-days needs a number of days."));
        } else {
            return bad(tr("unknown option \"%1\".").arg(a));
        }
    }
    if (output.isEmpty())
        return bad(tr("say where to write the CSV file with -o FILE."));
    if (Status st = validateFilter(*kind, filter); !st)
        return bad(st.error().userMessage);
    const QFileInfo target(output);
    const QFileInfo folder(target.absolutePath());
    if (!folder.isDir())
        return bad(tr("the folder %1 does not exist.").arg(QDir::toNativeSeparators(folder.absoluteFilePath())));
    if (!folder.isWritable())
        return bad(tr("the folder %1 is not writable.").arg(QDir::toNativeSeparators(folder.absoluteFilePath())));
    if (target.isDir())
        return bad(tr("%1 is a folder, not a file.").arg(QDir::toNativeSeparators(target.absoluteFilePath())));

    ExportJob::Request request;
    request.kind = *kind;
    request.filter = filter;
    request.cacheFilePath = session.settings().cachePath;
    request.outputPath = target.absoluteFilePath();
    request.csv = csv;
    if (*kind == ReportKind::AuditLog || *kind == ReportKind::Refunds) {
        Result<BillingDatabase::OpenReport> opened = session.billingDatabase().openBlocking();
        if (!opened) {
            err() << tr("billing-console export: %1").arg(opened.error().userMessage) << Qt::endl;
            return ExitFailed;
        }
        AsyncBillingDatabase *db = &session.billingDatabase();
        // Called on the export thread; the query runs on the billing database's own worker.
        request.audit = [db](const AuditQuery &q) {
            return db->thread().runBlocking([q](BillingDatabase &d) { return d.audit(q); });
        };
    }

    ExportJob job;
    QEventLoop loop;
    std::optional<Result<ExportSummary>> result;
    ExportProgress progress;
    if (!quiet)
        progress = [](qint64 rows, qint64 total) {
            if (total > 0)
                err() << tr("\r%1 / %2 rows").arg(rows).arg(total) << Qt::flush;
            else
                err() << tr("\r%1 rows").arg(rows) << Qt::flush;
        };
    job.start(request, &loop, progress, [&](Result<ExportSummary> r) {
        result = std::move(r);
        loop.quit();
    });
    if (!result)
        loop.exec();
    if (!quiet)
        err() << Qt::endl;
    if (!*result) {
        err() << tr("billing-console export: %1").arg(result->error().userMessage) << Qt::endl;
        return result->error().kind == Error::Kind::Validation ? ExitBadArguments : ExitFailed;
    }
    out() << tr("Wrote %1 rows of %2 to %3").arg((*result)->rows).arg(reportKindName(*kind), (*result)->path)
          << Qt::endl;
    return ExitOk;
}

} // namespace Billing
