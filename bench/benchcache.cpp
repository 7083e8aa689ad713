// bc-bench-cache: what a user waits for on a big local cache (made by bc-generate-cache).
//
//   bc-bench-cache --cache FILE [--runs 15] [--cold-runs 5] [--no-drop-caches] [--markdown OUT]
//                  [--only paint,search,sort]
//
// (a) cold start to first painted table: a fresh process of this executable (--first-paint KIND,
//     QT_QPA_PLATFORM=offscreen) opens the cache through AsyncLocalCache, builds the table model,
//     a ServerSortProxyModel and a QTableView set up like ui/tablepage.cpp, shows it and stops when
//     the view's viewport has painted rows. "cold" drops the OS page cache first (root only).
// (b) customer search (FTS5): per query, LocalCache::customers() directly and through
//     CustomerTableModel::setSearchText() until the reloaded rows are in the model.
// (c) invoice sorting: per sort key and order, LocalCache::invoices() first page and next keyset
//     page, and through the model (proxy sort() -> first page in the model, fetchMore() -> next
//     page), with SQLite's EXPLAIN QUERY PLAN of every page query.
// Times are wall-clock milliseconds (QElapsedTimer); median and p95 (nearest rank) over the runs.

#include "bench/benchdata.h"
#include "models/customertablemodel.h"
#include "models/invoicetablemodel.h"
#include "models/serversortproxymodel.h"
#include "services/storage/asynclocalcache.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachesql.h"
#include "services/storage/localcache.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QPaintEvent>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTableView>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <unistd.h>
#include <vector>

using namespace Billing;

namespace {

qint64 monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

struct Stats
{
    double median = 0;
    double p95 = 0;
    double min = 0;
    int n = 0;
};

Stats stats(std::vector<double> v)
{
    Stats s;
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    s.n = int(v.size());
    s.min = v.front();
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    const size_t rank = size_t(std::max<double>(1.0, std::ceil(0.95 * double(v.size()))));
    s.p95 = v[rank - 1];
    return s;
}

QString num(double v)
{
    if (v <= 0)
        return QStringLiteral("–");
    return v < 10 ? QString::number(v, 'f', 2) : v < 100 ? QString::number(v, 'f', 1) : QString::number(v, 'f', 0);
}

QString medP95(const Stats &s)
{
    return s.n == 0 ? QStringLiteral("–") : num(s.median) + QStringLiteral(" / ") + num(s.p95);
}

bool dropPageCache()
{
    ::sync();
    QFile f(QStringLiteral("/proc/sys/vm/drop_caches"));
    if (!f.open(QIODevice::WriteOnly))
        return false;
    return f.write("3\n") == 2;
}

[[noreturn]] void die(const QString &what)
{
    std::fprintf(stderr, "bc-bench-cache: %s\n", qPrintable(what));
    std::exit(1);
}

// Runs the event loop until `done` is true (checked after every event batch) or the timeout.
bool spinUntil(const std::function<bool()> &done, int timeoutMs = 120000)
{
    // Blocks in the event dispatcher (no busy polling: the worker thread needs the other core);
    // a 1 s timer wakes it to check the timeout.
    QElapsedTimer t;
    t.start();
    QTimer tick;
    tick.start(1000);
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// ---------------------------------------------------------------- (a) child: first painted table

class ProbeView final : public QTableView
{
public:
    std::function<void()> onPaintedRows;

protected:
    void paintEvent(QPaintEvent *event) override
    {
        QTableView::paintEvent(event);
        if (onPaintedRows && model() && model()->rowCount() > 0) {
            auto f = std::move(onPaintedRows);
            onPaintedRows = nullptr;
            f();
        }
    }
};

int firstPaintChild(int argc, char **argv, qint64 mainNs, const QString &kind, const QString &file)
{
    QApplication app(argc, argv);
    const qint64 appNs = monotonicNs();
    AsyncLocalCache cache(QStringLiteral("bench-first-paint"));
    qint64 openNs = 0, rowsNs = 0;
    // Open the cache on its worker first, then build and show the pane at once: the model's first
    // page (asked for by the view's sort/fetchMore) is queued behind the open on the same worker.
    cache.open(file, &app, [&](Result<LocalCache::OpenReport> r) {
        openNs = monotonicNs();
        if (!r.ok() || r->rebuilt)
            die(QStringLiteral("cache open failed or rebuilt: ") + (r.ok() ? r->reason : r.error().detail));
    });
    PagedTableModel *model = nullptr;
    if (kind == QStringLiteral("invoices"))
        model = new InvoiceTableModel(&cache, &app);
    else
        model = new CustomerTableModel(&cache, &app);
    ServerSortProxyModel proxy;
    proxy.setSourceModel(model);

    QObject::connect(model, &PagedTableModel::reloaded, &app, [&] {
        if (!rowsNs && model->rowCount() > 0)
            rowsNs = monotonicNs();
    });
    QObject::connect(model, &QAbstractItemModel::rowsInserted, &app, [&] {
        if (!rowsNs)
            rowsNs = monotonicNs();
    });
    QObject::connect(model, &PagedTableModel::loadFailed, &app, [](const QString &message) {
        std::fprintf(stderr, "load failed: %s\n", qPrintable(message));
        std::exit(1);
    });

    ProbeView view;
    view.setModel(&proxy);
    view.setAlternatingRowColors(true);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setShowGrid(false);
    view.setWordWrap(false);
    view.verticalHeader()->hide();
    view.verticalHeader()->setDefaultSectionSize(34);
    view.horizontalHeader()->setStretchLastSection(true);
    view.horizontalHeader()->setSortIndicator(model->sortColumn(), model->sortOrder());
    view.setSortingEnabled(true);
    view.resize(1280, 800);
    view.onPaintedRows = [&] {
        const qint64 paintNs = monotonicNs();
        std::printf("FIRSTPAINT app=%.3f open=%.3f rows=%.3f paint=%.3f paintmono=%lld rowcount=%d\n",
                    ms(appNs - mainNs), ms(openNs - mainNs), ms(rowsNs - mainNs), ms(paintNs - mainNs),
                    (long long)paintNs, model->rowCount());
        std::fflush(stdout);
        QTimer::singleShot(0, &app, &QCoreApplication::quit);
    };

    view.show();
    QTimer::singleShot(120000, &app, [] { die(QStringLiteral("no painted rows after 120 s")); });
    return app.exec();
}

// ---------------------------------------------------------------- (a) parent

struct PaintSample
{
    double exec = 0, app = 0, open = 0, rows = 0, paint = 0;
};

PaintSample spawnFirstPaint(const QString &kind, const QString &file)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const qint64 spawnNs = monotonicNs();
    p.start(QCoreApplication::applicationFilePath(),
            {QStringLiteral("--first-paint"), kind, QStringLiteral("--cache"), file});
    if (!p.waitForFinished(180000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        die(QStringLiteral("first-paint child (%1) failed").arg(kind));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const int at = out.indexOf(QStringLiteral("FIRSTPAINT "));
    if (at < 0)
        die(QStringLiteral("first-paint child printed no result: ") + out);
    PaintSample s;
    const QStringList fields = out.mid(at + 11).section(QLatin1Char('\n'), 0, 0).split(QLatin1Char(' '));
    for (const QString &f : fields) {
        const QString key = f.section(QLatin1Char('='), 0, 0);
        const QString value = f.section(QLatin1Char('='), 1);
        if (key == QStringLiteral("app")) s.app = value.toDouble();
        else if (key == QStringLiteral("open")) s.open = value.toDouble();
        else if (key == QStringLiteral("rows")) s.rows = value.toDouble();
        else if (key == QStringLiteral("paint")) s.paint = value.toDouble();
        else if (key == QStringLiteral("paintmono")) s.exec = ms(value.toLongLong() - spawnNs);
    }
    return s;
}

// ---------------------------------------------------------------- helpers over the cache

QString queryPlan(QSqlDatabase db, const CacheSql::Statement &st)
{
    QSqlQuery q(db);
    if (!q.prepare(QStringLiteral("EXPLAIN QUERY PLAN ") + st.sql))
        return QStringLiteral("(prepare failed: %1)").arg(q.lastError().text());
    for (const QVariant &b : st.binds)
        q.addBindValue(b);
    if (!q.exec())
        return QStringLiteral("(exec failed: %1)").arg(q.lastError().text());
    QStringList lines;
    while (q.next())
        lines << q.value(3).toString();
    return lines.join(QStringLiteral(" | "));
}

// A plan that sorts or scans the whole table instead of walking an index.
bool planLooksBad(const QString &plan)
{
    const QString mainPart = plan.section(QStringLiteral("CORRELATED SCALAR SUBQUERY"), 0, 0);
    return plan.contains(QStringLiteral("TEMP B-TREE FOR ORDER BY"))
        || (mainPart.contains(QStringLiteral("SCAN ")) && !mainPart.contains(QStringLiteral("USING INDEX"))
            && !mainPart.contains(QStringLiteral("USING COVERING INDEX"))
            && !mainPart.contains(QStringLiteral("VIRTUAL TABLE")));
}

// The outer query's part of a plan, short: "SCAN invoices_by_created", "SEARCH invoices_by_status
// (status=?) + sort" (a temp B-tree for ORDER BY means SQLite sorts every selected row).
QString shortPlan(const QString &plan)
{
    QStringList steps;
    for (const QString &step : plan.split(QStringLiteral(" | "))) {
        if (step.startsWith(QStringLiteral("CORRELATED")) || step.startsWith(QStringLiteral("SEARCH a ")))
            continue;
        QString s = step;
        s.replace(QStringLiteral(" USING COVERING INDEX "), QStringLiteral(" covering "));
        s.replace(QStringLiteral(" USING INDEX "), QStringLiteral(" "));
        s.replace(QStringLiteral(" USING INTEGER PRIMARY KEY "), QStringLiteral(" rowid "));
        s.replace(QStringLiteral("USE TEMP B-TREE FOR ORDER BY"), QStringLiteral("+ sort"));
        s.replace(QStringLiteral("SCAN i "), QStringLiteral("SCAN ")).replace(QStringLiteral("SEARCH i "), QStringLiteral("SEARCH "));
        steps << s;
    }
    return steps.join(QStringLiteral(" "));
}

template <typename F>
double timeMs(F &&f)
{
    QElapsedTimer t;
    t.start();
    f();
    return double(t.nsecsElapsed()) / 1e6;
}

struct Report
{
    QStringList lines;
    void add(const QString &l) { lines << l; std::printf("%s\n", qPrintable(l)); std::fflush(stdout); }
};

// ---------------------------------------------------------------- (b) search queries

struct SearchCase
{
    QString label;
    QString text;
};

QList<SearchCase> searchCases(LocalCache &cache)
{
    QList<SearchCase> cases{
        {QStringLiteral("1 letter"), QStringLiteral("a")},
        {QStringLiteral("2-letter prefix"), QStringLiteral("ma")},
        {QStringLiteral("2-letter prefix"), QStringLiteral("ac")},
        {QStringLiteral("3-letter prefix"), QStringLiteral("joh")},
        {QStringLiteral("first name"), QStringLiteral("john")},
        {QStringLiteral("last name"), QStringLiteral("smith")},
        {QStringLiteral("full name (common)"), QStringLiteral("maria garcia")},
        {QStringLiteral("diacritics"), QStringLiteral("müller")},
        {QStringLiteral("diacritics folded"), QStringLiteral("muller")},
        {QStringLiteral("company word"), QStringLiteral("logistics")},
        {QStringLiteral("mail domain"), QStringLiteral("gmail.com")},
        {QStringLiteral("email prefix"), QStringLiteral("billing@")},
        {QStringLiteral("phone prefix"), QStringLiteral("+44 20")},
        {QStringLiteral("two prefixes"), QStringLiteral("ma sm")},
        {QStringLiteral("no match"), QStringLiteral("zzqxv")},
        {QStringLiteral("no match, 2 words"), QStringLiteral("john zzqxv")},
    };
    // Values of real rows, spread over the table.
    for (const qint64 rowid : {4242LL, 77777LL}) {
        QSqlQuery q(cache.database());
        q.prepare(QStringLiteral("SELECT name, email, id FROM customers WHERE rowid >= ? ORDER BY rowid LIMIT 1"));
        q.addBindValue(rowid);
        if (q.exec() && q.next()) {
            cases << SearchCase{QStringLiteral("full name (row %1)").arg(rowid), q.value(0).toString()}
                  << SearchCase{QStringLiteral("exact email"), q.value(1).toString()}
                  << SearchCase{QStringLiteral("customer id"), q.value(2).toString()};
        }
    }
    return cases;
}

// ---------------------------------------------------------------- (c) sort cases

struct SortCase
{
    QString label;
    InvoiceQuery query;
    int column = -1; // InvoiceTableModel column, -1 = not a model column
};

QList<SortCase> sortCases(LocalCache &cache)
{
    using K = InvoiceQuery::SortKey;
    struct KeyName { K key; const char *name; int column; };
    const KeyName keys[] = {
        {K::Created, "created", InvoiceTableModel::Created},
        {K::Number, "number", InvoiceTableModel::Number},
        {K::Customer, "customer", InvoiceTableModel::Customer},
        {K::Status, "status", InvoiceTableModel::Status},
        {K::Total, "total", InvoiceTableModel::Total},
        {K::AmountDue, "amount due", InvoiceTableModel::AmountDue},
        {K::AmountRemaining, "remaining", InvoiceTableModel::AmountRemaining},
        {K::DueDate, "due date", InvoiceTableModel::DueDate},
        {K::Attempts, "attempts", -1},
        {K::NextAttempt, "next attempt", -1},
        {K::Id, "id", InvoiceTableModel::Id},
    };
    QList<SortCase> cases;
    for (const KeyName &k : keys) {
        for (SortOrder o : {SortOrder::Ascending, SortOrder::Descending}) {
            SortCase c;
            c.label = QString::fromLatin1(k.name) + (o == SortOrder::Ascending ? QStringLiteral(" ↑") : QStringLiteral(" ↓"));
            c.query.sortKey = k.key;
            c.query.order = o;
            c.column = k.column;
            cases << c;
        }
    }
    // Filtered pages the panes ask for.
    SortCase dunning;
    dunning.label = QStringLiteral("dunning queue, next attempt ↑");
    dunning.query.onlyFailedPayments = true;
    dunning.query.sortKey = K::NextAttempt;
    dunning.query.order = SortOrder::Ascending;
    cases << dunning;
    SortCase open;
    open.label = QStringLiteral("status=open, total ↓");
    open.query.statuses = {QStringLiteral("open")};
    open.query.sortKey = K::Total;
    open.query.order = SortOrder::Descending;
    cases << open;
    SortCase usd;
    usd.label = QStringLiteral("currency=kwd, created ↓");
    usd.query.currency = QStringLiteral("kwd");
    cases << usd;
    SortCase range;
    range.label = QStringLiteral("created in Mar 2025, created ↓");
    range.query.createdFrom = QDate(2025, 3, 1);
    range.query.createdTo = QDate(2025, 3, 31);
    cases << range;
    {
        QSqlQuery q(cache.database());
        if (q.exec(QStringLiteral("SELECT customer_id FROM invoices GROUP BY customer_id ORDER BY COUNT(*) DESC LIMIT 1"))
            && q.next()) {
            SortCase mine;
            mine.label = QStringLiteral("one customer (most invoices), created ↓");
            mine.query.customerId = q.value(0).toString();
            cases << mine;
        }
    }
    SortCase search;
    search.label = QStringLiteral("invoice search \"smith\", created ↓");
    search.query.search = QStringLiteral("smith");
    cases << search;
    SortCase nothing;
    nothing.label = QStringLiteral("invoice search \"zzqxv\" (rare: no name, at most a random id), created ↓");
    nothing.query.search = QStringLiteral("zzqxv");
    cases << nothing;
    return cases;
}

// ---------------------------------------------------------------- main benchmark

struct Options
{
    QString file;
    int runs = 15;
    int coldRuns = 5;
    bool drop = true;
    QStringList only;
};

void benchFirstPaint(const Options &o, bool canDrop, Report &r)
{
    r.add(QString());
    r.add(QStringLiteral("### Cold start to first painted table"));
    r.add(QString());
    r.add(QStringLiteral("Fresh process (offscreen), AsyncLocalCache + table model + ServerSortProxyModel + QTableView "
                         "(1280×800); ms from main() entry, and from exec (spawn) to the first paint with rows. "
                         "median / p95."));
    r.add(QString());
    r.add(QStringLiteral("| table | page cache | runs | exec → paint | main → QApplication | main → cache open | main → first page | main → painted |"));
    r.add(QStringLiteral("|---|---|---|---|---|---|---|---|"));
    for (const QString &kind : {QStringLiteral("invoices"), QStringLiteral("customers")}) {
        for (int cold = canDrop ? 1 : 0; cold >= 0; --cold) {
            std::vector<double> exec, app, open, rows, paint;
            const int n = cold ? o.coldRuns : o.runs;
            if (!cold)
                spawnFirstPaint(kind, o.file); // warm-up
            for (int i = 0; i < n; ++i) {
                if (cold && !dropPageCache())
                    die(QStringLiteral("drop_caches failed"));
                const PaintSample s = spawnFirstPaint(kind, o.file);
                exec.push_back(s.exec);
                app.push_back(s.app);
                open.push_back(s.open);
                rows.push_back(s.rows);
                paint.push_back(s.paint);
            }
            r.add(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 |")
                      .arg(kind, cold ? QStringLiteral("cold (dropped)") : QStringLiteral("warm"))
                      .arg(n)
                      .arg(medP95(stats(exec)), medP95(stats(app)), medP95(stats(open)), medP95(stats(rows)),
                           medP95(stats(paint))));
        }
    }
}

void benchSearch(const Options &o, bool canDrop, Report &r)
{
    LocalCache direct(QStringLiteral("bench-direct"));
    if (auto opened = direct.open(o.file); !opened.ok() || opened->rebuilt)
        die(QStringLiteral("open failed"));
    const QList<SearchCase> cases = searchCases(direct);

    AsyncLocalCache async(QStringLiteral("bench-async-search"));
    if (!async.openBlocking(o.file).ok())
        die(QStringLiteral("async open failed"));
    CustomerTableModel model(&async);
    bool reloaded = false;
    QObject::connect(&model, &PagedTableModel::reloaded, &model, [&] { reloaded = true; });
    QObject::connect(&model, &PagedTableModel::loadFailed, &model,
                     [](const QString &m) { die(QStringLiteral("customer model: ") + m); });
    const auto setSearch = [&](const QString &text) {
        if (model.query().search == text.trimmed())
            return; // unchanged: the model does not reload
        reloaded = false;
        model.setSearchText(text);
        if (!spinUntil([&] { return reloaded; }))
            die(QStringLiteral("customer model search timed out"));
    };
    model.reload();
    spinUntil([&] { return reloaded; });

    r.add(QString());
    r.add(QStringLiteral("### Customer search (FTS5)"));
    r.add(QString());
    r.add(QStringLiteral("First page (200 rows, name order) of CustomerQuery::search. Direct = LocalCache::customers() "
                         "on the calling thread; model = CustomerTableModel::setSearchText() until the rows are in "
                         "the model (AsyncLocalCache worker + queued hand-back). Cold = new connection after "
                         "dropping the OS page cache. ms, median / p95 over %1 runs.")
              .arg(o.runs));
    r.add(QString());
    r.add(QStringLiteral("| query | kind | rows | matches | direct | direct cold | model |"));
    r.add(QStringLiteral("|---|---|---|---|---|---|---|"));
    QStringList plans;
    for (const SearchCase &c : cases) {
        CustomerQuery q;
        q.search = c.text;
        q.limit = model.pageSize();
        int rows = 0;
        std::vector<double> direct_t;
        for (int i = 0; i <= o.runs; ++i) {
            const double t = timeMs([&] {
                auto res = direct.customers(q);
                if (!res.ok())
                    die(QStringLiteral("search failed: ") + res.error().detail);
                rows = int(res->size());
            });
            if (i > 0)
                direct_t.push_back(t);
        }
        // Total matches (not paged), for context.
        qint64 matches = -1;
        {
            const QString fts = CacheSql::ftsQuery(c.text);
            QSqlQuery cq(direct.database());
            if (fts.isEmpty()) {
                matches = 0;
            } else {
                cq.prepare(QStringLiteral("SELECT COUNT(*) FROM customers_fts WHERE customers_fts MATCH ?"));
                cq.addBindValue(fts);
                if (cq.exec() && cq.next())
                    matches = cq.value(0).toLongLong();
            }
        }
        std::vector<double> cold_t;
        if (canDrop) {
            for (int i = 0; i < std::min(o.coldRuns, 3); ++i) {
                dropPageCache();
                LocalCache fresh(QStringLiteral("bench-cold"));
                if (!fresh.open(o.file).ok())
                    die(QStringLiteral("cold open failed"));
                cold_t.push_back(timeMs([&] { (void)fresh.customers(q); }));
            }
        }
        std::vector<double> model_t;
        for (int i = 0; i <= o.runs; ++i) {
            setSearch(QString());
            const double t = timeMs([&] { setSearch(c.text); });
            if (i > 0)
                model_t.push_back(t);
            if (model.rowCount() != rows)
                die(QStringLiteral("model rows %1 != direct rows %2 for '%3'").arg(model.rowCount()).arg(rows).arg(c.text));
        }
        r.add(QStringLiteral("| `%1` | %2 | %3 | %4 | %5 | %6 | %7 |")
                  .arg(c.text, c.label)
                  .arg(rows)
                  .arg(matches)
                  .arg(medP95(stats(direct_t)), medP95(stats(cold_t)), medP95(stats(model_t))));
        plans << QStringLiteral("- `%1`: %2").arg(c.text, queryPlan(direct.database(), CacheSql::customers(q)));
    }
    r.add(QString());
    r.add(QStringLiteral("Query plans (EXPLAIN QUERY PLAN of the first page):"));
    r.add(QString());
    for (const QString &p : std::as_const(plans))
        r.add(p);
}

void benchSort(const Options &o, bool canDrop, Report &r)
{
    LocalCache direct(QStringLiteral("bench-direct-sort"));
    if (auto opened = direct.open(o.file); !opened.ok() || opened->rebuilt)
        die(QStringLiteral("open failed"));
    const QList<SortCase> cases = sortCases(direct);

    r.add(QString());
    r.add(QStringLiteral("### Sorting the invoice table"));
    r.add(QString());
    r.add(QStringLiteral("First page (200 rows) in each order and the next keyset page after it. Direct = "
                         "LocalCache::invoices(); cold = new connection after dropping the OS page cache; model = "
                         "ServerSortProxyModel::sort() on InvoiceTableModel until the first page is in the model, then "
                         "fetchMore() until the next page is appended. ms, median / p95 over %1 runs. Plan = the "
                         "index SQLite walks for page 1 (+ sort = it sorts every selected row; ⚠ = sorts or scans "
                         "the table; full plans below).")
              .arg(o.runs));
    r.add(QString());
    r.add(QStringLiteral("| order | rows | direct page 1 | direct page 2 | direct cold page 1 | model sort → page 1 | model fetchMore → page 2 | plan |"));
    r.add(QStringLiteral("|---|---|---|---|---|---|---|---|"));

    // Model path, all columns interleaved so each sort() really changes the order.
    AsyncLocalCache async(QStringLiteral("bench-async-sort"));
    if (!async.openBlocking(o.file).ok())
        die(QStringLiteral("async open failed"));
    InvoiceTableModel model(&async);
    ServerSortProxyModel proxy;
    proxy.setSourceModel(&model);
    bool reloaded = false;
    bool appended = false;
    QObject::connect(&model, &PagedTableModel::reloaded, &model, [&] { reloaded = true; });
    QObject::connect(&model, &QAbstractItemModel::rowsInserted, &model, [&] { appended = true; });
    QObject::connect(&model, &PagedTableModel::loadFailed, &model,
                     [](const QString &m) { die(QStringLiteral("invoice model: ") + m); });
    model.reload();
    spinUntil([&] { return reloaded; });
    QMap<int, std::vector<double>> modelSort, modelNext;
    for (int i = 0; i <= o.runs; ++i) {
        for (int ci = 0; ci < cases.size(); ++ci) {
            const SortCase &c = cases.at(ci);
            if (c.column < 0 || c.query.onlyFailedPayments || !c.query.statuses.isEmpty() || !c.query.currency.isEmpty()
                || c.query.createdFrom || !c.query.customerId.isEmpty() || !c.query.search.isEmpty())
                continue;
            const Qt::SortOrder order = c.query.order == SortOrder::Ascending ? Qt::AscendingOrder : Qt::DescendingOrder;
            reloaded = false;
            const double ts = timeMs([&] {
                proxy.sort(c.column, order);
                if (!spinUntil([&] { return reloaded; }))
                    die(QStringLiteral("model sort timed out"));
            });
            appended = false;
            const double tn = timeMs([&] {
                model.fetchMore({});
                if (!spinUntil([&] { return appended || !model.isLoading(); }))
                    die(QStringLiteral("model fetchMore timed out"));
            });
            if (i > 0) {
                modelSort[ci].push_back(ts);
                modelNext[ci].push_back(tn);
            }
        }
    }

    QStringList plans, bad;
    for (int ci = 0; ci < cases.size(); ++ci) {
        const SortCase &c = cases.at(ci);
        InvoiceQuery q = c.query;
        q.limit = model.pageSize();
        std::vector<double> p1, p2;
        int rows = 0;
        InvoiceQuery next = q;
        for (int i = 0; i <= o.runs; ++i) {
            QList<InvoiceRow> page;
            const double t1 = timeMs([&] {
                auto res = direct.invoices(q);
                if (!res.ok())
                    die(QStringLiteral("invoices failed: ") + res.error().detail);
                page = std::move(res).value();
            });
            rows = int(page.size());
            double t2 = 0;
            if (!page.isEmpty()) {
                next.after = cacheCursor(page.last(), q.sortKey);
                t2 = timeMs([&] { (void)direct.invoices(next); });
            }
            if (i > 0) {
                p1.push_back(t1);
                if (!page.isEmpty())
                    p2.push_back(t2);
            }
        }
        std::vector<double> cold;
        if (canDrop) {
            for (int i = 0; i < std::min(o.coldRuns, 3); ++i) {
                dropPageCache();
                LocalCache fresh(QStringLiteral("bench-cold-sort"));
                if (!fresh.open(o.file).ok())
                    die(QStringLiteral("cold open failed"));
                cold.push_back(timeMs([&] { (void)fresh.invoices(q); }));
            }
        }
        const QString plan1 = queryPlan(direct.database(), CacheSql::invoices(q));
        const QString plan2 = queryPlan(direct.database(), CacheSql::invoices(next));
        const bool isBad = planLooksBad(plan1) || planLooksBad(plan2);
        r.add(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 |")
                  .arg(c.label)
                  .arg(rows)
                  .arg(medP95(stats(p1)), medP95(stats(p2)), medP95(stats(cold)), medP95(stats(modelSort.value(ci))),
                       medP95(stats(modelNext.value(ci))),
                       (isBad ? QStringLiteral("⚠ ") : QString()) + shortPlan(plan1)));
        plans << QStringLiteral("- %1: page 1 `%2`; page 2 `%3`").arg(c.label, plan1, plan2);
        if (isBad)
            bad << c.label;
    }
    r.add(QString());
    r.add(QStringLiteral("Query plans (EXPLAIN QUERY PLAN; the payment_attempts subqueries are per row of the page):"));
    r.add(QString());
    for (const QString &p : std::as_const(plans))
        r.add(p);
    if (!bad.isEmpty()) {
        r.add(QString());
        r.add(QStringLiteral("Plans that sort or scan the invoices table: %1").arg(bad.join(QStringLiteral(", "))));
    }
}

QString machineSummary(const QString &sqliteVersion)
{
    QString cpu;
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (f.open(QIODevice::ReadOnly)) {
        const QStringList lines = QString::fromLatin1(f.readAll()).split(QLatin1Char('\n'));
        for (const QString &l : lines) {
            if (l.startsWith(QStringLiteral("model name"))) {
                cpu = l.section(QLatin1Char(':'), 1).trimmed();
                break;
            }
        }
    }
    QString mem;
    QFile m(QStringLiteral("/proc/meminfo"));
    if (m.open(QIODevice::ReadOnly)) {
        const QString first = QString::fromLatin1(m.readLine()).simplified(); // MemTotal: N kB
        mem = QStringLiteral("%1 GiB").arg(first.section(QLatin1Char(' '), 1, 1).toDouble() / 1024.0 / 1024.0, 0, 'f', 1);
    }
    return QStringLiteral("%1 × %2, %3 RAM, SQLite %4, Qt %5")
        .arg(sysconf(_SC_NPROCESSORS_ONLN))
        .arg(cpu, mem, sqliteVersion, QString::fromLatin1(qVersion()));
}

} // namespace

int main(int argc, char **argv)
{
    const qint64 mainNs = monotonicNs();
    // Child mode: bc-bench-cache --first-paint KIND --cache FILE (spawned by the parent).
    for (int i = 1; i + 3 < argc; ++i) {
        if (qstrcmp(argv[i], "--first-paint") == 0 && qstrcmp(argv[i + 2], "--cache") == 0)
            return firstPaintChild(argc, argv, mainNs, QString::fromLocal8Bit(argv[i + 1]),
                                   QString::fromLocal8Bit(argv[i + 3]));
    }

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bc-bench-cache"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Local cache benchmarks: first painted table, FTS search, sorting."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("cache"), QStringLiteral("Cache file made by bc-generate-cache."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Warm runs per figure."), QStringLiteral("n"), QStringLiteral("15")});
    parser.addOption({QStringLiteral("cold-runs"), QStringLiteral("Cold runs per first-paint figure."), QStringLiteral("n"),
                      QStringLiteral("5")});
    parser.addOption({QStringLiteral("no-drop-caches"), QStringLiteral("Never drop the OS page cache (cold = warm OS cache).")});
    parser.addOption({QStringLiteral("only"), QStringLiteral("Comma list of paint,search,sort."), QStringLiteral("list"),
                      QStringLiteral("paint,search,sort")});
    parser.addOption({QStringLiteral("markdown"), QStringLiteral("Also write the report to this file."), QStringLiteral("file")});
    parser.process(app);

    Options o;
    o.file = parser.value(QStringLiteral("cache"));
    o.runs = qMax(1, parser.value(QStringLiteral("runs")).toInt());
    o.coldRuns = qMax(1, parser.value(QStringLiteral("cold-runs")).toInt());
    o.drop = !parser.isSet(QStringLiteral("no-drop-caches"));
    o.only = parser.value(QStringLiteral("only")).split(QLatin1Char(','));
    if (o.file.isEmpty() || !QFileInfo::exists(o.file))
        die(QStringLiteral("--cache FILE is required and must exist (make it with bc-generate-cache)"));

    const bool canDrop = o.drop && dropPageCache();
    Report r;
    {
        LocalCache cache(QStringLiteral("bench-info"));
        if (auto opened = cache.open(o.file); !opened.ok() || opened->rebuilt)
            die(QStringLiteral("cannot open %1").arg(o.file));
        const auto counts = cache.counts();
        QSqlQuery v(cache.database());
        QString sqlite;
        if (v.exec(QStringLiteral("SELECT sqlite_version()")) && v.next())
            sqlite = v.value(0).toString();
        r.add(QStringLiteral("### Data set"));
        r.add(QString());
        r.add(QStringLiteral("- machine: %1").arg(machineSummary(sqlite)));
        if (counts.ok())
            r.add(QStringLiteral("- cache: %1 customers, %2 subscriptions, %3 invoices (%4 in the dunning queue); file %5 MiB")
                      .arg(counts->customers)
                      .arg(counts->subscriptions)
                      .arg(counts->invoices)
                      .arg(counts->failedInvoices)
                      .arg(double(QFileInfo(o.file).size()) / 1048576.0, 0, 'f', 0));
        QFile load(QStringLiteral("/proc/loadavg"));
        if (load.open(QIODevice::ReadOnly))
            r.add(QStringLiteral("- load average at start: %1 (other processes share the cores; p95 shows their effect)")
                      .arg(QString::fromLatin1(load.readAll()).section(QLatin1Char(' '), 0, 2)));
        r.add(QStringLiteral("- page cache: %1").arg(canDrop ? QStringLiteral("dropped for cold figures (sync; echo 3 > /proc/sys/vm/drop_caches)")
                                                             : QStringLiteral("not dropped: cold = first open in a fresh process")));
    }
    if (o.only.contains(QStringLiteral("paint")))
        benchFirstPaint(o, canDrop, r);
    if (o.only.contains(QStringLiteral("search")))
        benchSearch(o, canDrop, r);
    if (o.only.contains(QStringLiteral("sort")))
        benchSort(o, canDrop, r);

    if (parser.isSet(QStringLiteral("markdown"))) {
        QFile out(parser.value(QStringLiteral("markdown")));
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate))
            out.write(r.lines.join(QLatin1Char('\n')).toUtf8() + "\n");
    }
    return 0;
}
