// bc-bench-dunning-queue [--failed N[,N...]] [--runs N] [--markdown OUT]
// The dunning pane's model over a real cache file: N failed open invoices (one failed attempt
// each, decline codes of the simulator's mix) over N/2 customers with addresses (US and Canadian
// ones with a state). Measures, median of --runs:
//   read    DunningTableModel::reload() to reloaded(): every chunk read from the cache, the policy's
//           step of every invoice (on a worker), the sort by days overdue
//   zones   the customers' time zones read as the console does (CustomerTimeZones::forCustomer)
//   apply   setCustomerZones(): the steps again in the customers' zones, sorted again
//   sort    sort by next attempt (no cache read)
//   filter  stage filter over an overlay that escalates one invoice in ten (no cache read)

#include "models/dunningtablemodel.h"
#include "services/dunning/customertimezone.h"
#include "services/storage/asynclocalcache.h"
#include "services/storage/localcache.h"

#include "bench/benchdata.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

using namespace Billing;

namespace {

[[noreturn]] void die(const QString &why)
{
    std::fprintf(stderr, "bc-bench-dunning-queue: %s\n", qPrintable(why));
    std::exit(2);
}

void generate(const QString &file, int failed)
{
    LocalCache cache(QStringLiteral("bench-dunning-gen"));
    if (auto r = cache.open(file); !r)
        die(r.error().detail);
    BenchData::Rng rng(20261126);
    static const char *const codes[] = {"insufficient_funds", "insufficient_funds", "insufficient_funds", "generic_decline",
                                        "do_not_honor", "expired_card", "card_velocity_exceeded", "stolen_card"};
    static const char *const usStates[] = {"CA", "TX", "NY", "FL", "WA", "Illinois", "Arizona", "CO"};
    static const char *const caProvinces[] = {"ON", "BC", "QC", "AB"};
    const int customers = qMax(1, failed / 2);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    constexpr int Batch = 5000;
    for (int start = 0; start < customers; start += Batch) {
        QList<Customer> batch;
        for (int i = start; i < qMin(customers, start + Batch); ++i) {
            Customer c;
            c.id = BenchData::stripeId("cus", quint64(i), 14);
            c.name = QStringLiteral("Customer %1").arg(i);
            c.email = QStringLiteral("billing%1@example.com").arg(i);
            const int currency = BenchData::pickCurrency(rng);
            c.currency = QString::fromLatin1(BenchData::Currencies[currency]);
            c.country = BenchData::pickCountry(rng, currency);
            if (c.country == QLatin1String("US"))
                c.region = QString::fromLatin1(usStates[rng.below(int(std::size(usStates)))]);
            else if (c.country == QLatin1String("CA"))
                c.region = QString::fromLatin1(caProvinces[rng.below(int(std::size(caProvinces)))]);
            c.created = now.addDays(-400);
            batch << c;
        }
        if (auto s = cache.upsertCustomers(batch); !s)
            die(s.error().detail);
    }
    for (int start = 0; start < failed; start += Batch) {
        QList<Invoice> invoices;
        QList<PaymentAttempt> attempts;
        for (int i = start; i < qMin(failed, start + Batch); ++i) {
            const int currency = BenchData::pickCurrency(rng);
            Invoice inv;
            inv.id = BenchData::stripeId("in", quint64(i), 24);
            inv.number = QStringLiteral("BQ-%1").arg(i, 6, 10, QLatin1Char('0'));
            inv.customerId = BenchData::stripeId("cus", quint64(rng.below(customers)), 14);
            inv.status = QStringLiteral("open");
            inv.currency = QString::fromLatin1(BenchData::Currencies[currency]);
            inv.collectionMethod = QStringLiteral("charge_automatically");
            inv.totalMinor = inv.amountDueMinor = inv.amountRemainingMinor = 500 + rng.below(200000);
            inv.attemptCount = 1 + rng.below(4);
            inv.attempted = true;
            inv.created = now.addSecs(-qint64(rng.below(40 * 86400)));
            invoices << inv;
            PaymentAttempt a;
            a.id = BenchData::stripeId("inpay", quint64(i), 24);
            a.invoiceId = inv.id;
            a.status = QStringLiteral("open");
            a.intentStatus = QStringLiteral("requires_payment_method");
            a.failureCode = QStringLiteral("card_declined");
            a.declineCode = QString::fromLatin1(codes[rng.below(int(std::size(codes)))]);
            a.amountMinor = inv.amountDueMinor;
            a.currency = inv.currency;
            a.created = inv.created.addSecs(3600);
            attempts << a;
        }
        if (auto s = cache.upsertInvoices(invoices); !s)
            die(s.error().detail);
        if (auto s = cache.upsertPaymentAttempts(attempts); !s)
            die(s.error().detail);
    }
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

// Runs `change` and waits for the model's next reloaded(); milliseconds.
template <typename Change>
double timed(DunningTableModel &model, Change change)
{
    QSignalSpy reloaded(&model, &PagedTableModel::reloaded);
    QElapsedTimer t;
    t.start();
    change();
    if (!reloaded.wait(600000))
        die(QStringLiteral("the model did not answer"));
    return double(t.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({QStringLiteral("failed"), QStringLiteral("Failed invoices in the queue (comma-separated sizes)."), QStringLiteral("N"),
                 QStringLiteral("10000,40000,100000")});
    p.addOption({QStringLiteral("runs"), QStringLiteral("Runs per figure (median)."), QStringLiteral("N"), QStringLiteral("5")});
    p.addOption({QStringLiteral("markdown"), QStringLiteral("Also write the table to this file."), QStringLiteral("OUT")});
    p.process(app);
    const int runs = qMax(1, p.value(QStringLiteral("runs")).toInt());

    QString md;
    QTextStream s(&md);
    s << "| failed invoices | their customers | generate (s) | read + arrange (ms) | zones read (ms) | zones applied (ms) | sort by next attempt (ms) | stage filter (ms) |\n";
    s << "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const QString &size : p.value(QStringLiteral("failed")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const int failed = size.toInt();
        if (failed <= 0)
            die(QStringLiteral("--failed wants positive sizes"));
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("queue.db"));
        QElapsedTimer gen;
        gen.start();
        generate(file, failed);
        const double generateSeconds = double(gen.elapsed()) / 1000.0;

        AsyncLocalCache cache(QStringLiteral("bench-dunning-queue"));
        if (auto r = cache.openBlocking(file); !r)
            die(r.error().detail);
        DunningTableModel model(&cache);
        QList<double> read, zonesRead, zonesApplied, sorted, filtered;
        for (int run = 0; run < runs; ++run) {
            read << timed(model, [&] { model.reload(); });
            if (model.queueSize() != failed)
                die(QStringLiteral("the queue holds %1 of %2 invoices").arg(model.queueSize()).arg(failed));

            QElapsedTimer z;
            z.start();
            const QStringList ids = model.customerIds();
            QHash<QString, CustomerTimeZone> zones;
            const Result<QHash<QString, CustomerTimeZone>> loaded = cache.thread().runBlocking([ids](LocalCache &c) -> Result<QHash<QString, CustomerTimeZone>> {
                QHash<QString, CustomerTimeZone> out;
                for (const QString &id : ids)
                    if (Result<Customer> customer = c.customer(id))
                        out.insert(id, CustomerTimeZones::forCustomer(customer.value()));
                return out;
            });
            if (!loaded)
                die(loaded.error().detail);
            zonesRead << double(z.nsecsElapsed()) / 1e6;
            zonesApplied << timed(model, [&] { model.setCustomerZones(loaded.value()); });

            sorted << timed(model, [&] { model.sort(DunningTableModel::NextAttempt, run % 2 ? Qt::DescendingOrder : Qt::AscendingOrder); });
            QHash<QString, DunningOverlay> overlay;
            for (int r = 0; r < model.rowCount(); r += 10)
                overlay.insert(model.rowId(r), DunningOverlay{QStringLiteral("escalated"), QStringLiteral("owner@example.com"), {}, {}});
            model.setOverlay(overlay);
            filtered << timed(model, [&] { model.setStageFilter(QStringLiteral("escalated")); });
            if (model.rowCount() != overlay.size())
                die(QStringLiteral("the stage filter kept %1 of %2").arg(model.rowCount()).arg(overlay.size()));
            // Back to the start for the next run (not measured).
            timed(model, [&] { model.setStageFilter({}); });
            model.setOverlay({});
            model.setCustomerZones({});
            if (model.sortColumn() != DunningTableModel::DaysOverdue)
                timed(model, [&] { model.sort(DunningTableModel::DaysOverdue, Qt::DescendingOrder); });
        }
        s << "| " << failed << " | " << model.customerIds().size() << " | " << QString::number(generateSeconds, 'f', 1) << " | "
          << QString::number(median(read), 'f', 0) << " | " << QString::number(median(zonesRead), 'f', 0) << " | "
          << QString::number(median(zonesApplied), 'f', 0) << " | " << QString::number(median(sorted), 'f', 0) << " | "
          << QString::number(median(filtered), 'f', 0) << " |\n";
        s.flush();
        std::printf("%s", qPrintable(md.section(QLatin1Char('\n'), -2)));
        std::printf("\n");
        std::fflush(stdout);
    }
    std::printf("\n%s", qPrintable(md));
    if (p.isSet(QStringLiteral("markdown"))) {
        QFile out(p.value(QStringLiteral("markdown")));
        if (!out.open(QIODevice::WriteOnly | QIODevice::Text))
            die(QStringLiteral("cannot write ") + out.fileName());
        out.write(md.toUtf8());
    }
    return 0;
}
