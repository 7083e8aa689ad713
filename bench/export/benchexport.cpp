// bc-bench-export: times the invoices CSV export (the product's path: a read-only connection of its
// own, keyset pages, typed rows, CsvWriter with partial file + fsync + rename) on a cache file and
// prints rows, seconds, bytes and peak RSS (getrusage ru_maxrss).
//   bc-bench-export CACHE.db OUT.csv [--page-size N] [--currency CUR]
#include "services/reports/reportexporter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>

#include <sys/resource.h>

using namespace Billing;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        QTextStream(stderr) << "usage: bc-bench-export CACHE.db OUT.csv [--page-size N] [--currency CUR]\n";
        return 2;
    }
    ReportFilter filter;
    for (qsizetype i = 3; i + 1 < args.size(); i += 2) {
        if (args.at(i) == QLatin1String("--page-size"))
            filter.pageSize = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--currency"))
            filter.currency = args.at(i + 1).toUpper();
    }
    QElapsedTimer t;
    t.start();
    CacheReadConnection connection;
    if (Status st = connection.open(args.at(1)); !st) {
        QTextStream(stderr) << st.error().userMessage << '\n';
        return 1;
    }
    Result<ExportSummary> r = [&]() -> Result<ExportSummary> {
        auto source = makeReport(ReportKind::Invoices, {connection.database(), {}}, filter);
        if (!source)
            return source.error();
        return exportReport(**source, args.at(2), {});
    }();
    const double seconds = t.nsecsElapsed() / 1e9;
    if (!r) {
        QTextStream(stderr) << r.error().userMessage << " (" << r.error().detail << ")\n";
        return 1;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    QTextStream(stdout) << "rows " << r->rows << "\nseconds " << QString::number(seconds, 'f', 3) << "\nbytes "
                        << r->bytes << "\npeak_rss_kib " << usage.ru_maxrss << '\n';
    return 0;
}
