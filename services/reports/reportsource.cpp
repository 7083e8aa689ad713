#include "services/reports/reportsource.h"

#include "services/reports/panereports.h"
#include "services/reports/reportsources.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Reports", text); }

Error validation(const QString &message) { return Error::make(Error::Kind::Validation, message); }

const QStringList InvoiceStatuses{QStringLiteral("draft"), QStringLiteral("open"), QStringLiteral("paid"),
                                  QStringLiteral("uncollectible"), QStringLiteral("void")};
const QStringList SubscriptionStatuses{QStringLiteral("incomplete"), QStringLiteral("incomplete_expired"),
                                       QStringLiteral("trialing"),   QStringLiteral("active"),
                                       QStringLiteral("past_due"),   QStringLiteral("canceled"),
                                       QStringLiteral("unpaid"),     QStringLiteral("paused")};

} // namespace

QString reportKindName(ReportKind kind)
{
    switch (kind) {
    case ReportKind::Invoices: return QStringLiteral("invoices");
    case ReportKind::Customers: return QStringLiteral("customers");
    case ReportKind::Subscriptions: return QStringLiteral("subscriptions");
    case ReportKind::Refunds: return QStringLiteral("refunds");
    case ReportKind::ArAging: return QStringLiteral("ar-aging");
    case ReportKind::MrrMovements: return QStringLiteral("mrr-movements");
    case ReportKind::AuditLog: return QStringLiteral("audit-log");
    case ReportKind::ExpiringCards: return QStringLiteral("expiring-cards");
    }
    return {};
}

QList<ReportKind> allReportKinds()
{
    return {ReportKind::Invoices,  ReportKind::Customers,    ReportKind::Subscriptions, ReportKind::Refunds,
            ReportKind::ArAging,   ReportKind::MrrMovements, ReportKind::AuditLog, ReportKind::ExpiringCards};
}

std::optional<ReportKind> reportKindFromName(QStringView name)
{
    for (ReportKind k : allReportKinds())
        if (reportKindName(k) == name)
            return k;
    if (name == u"audit")
        return ReportKind::AuditLog;
    return std::nullopt;
}

Status validateFilter(ReportKind kind, const ReportFilter &filter)
{
    if (!filter.currency.isEmpty() && !Currency::fromCode(filter.currency))
        return validation(tr("Unknown currency \"%1\" (use an ISO 4217 code such as EUR).").arg(filter.currency));
    if (filter.from && !filter.from->isValid())
        return validation(tr("The start date is not a valid date."));
    if (filter.to && !filter.to->isValid())
        return validation(tr("The end date is not a valid date."));
    if (filter.from && filter.to && *filter.to < *filter.from)
        return validation(tr("The end date %1 is before the start date %2.")
                              .arg(filter.to->toString(Qt::ISODate), filter.from->toString(Qt::ISODate)));
    if (filter.pageSize < 1 || filter.pageSize > 100000)
        return validation(tr("The page size must be between 1 and 100000."));
    if (filter.defaultTermsDays < 0 || filter.defaultTermsDays > 3650)
        return validation(tr("Payment terms must be between 0 and 3650 days."));
    if (!filter.statuses.isEmpty()) {
        const QStringList *known = nullptr;
        if (kind == ReportKind::Invoices)
            known = &InvoiceStatuses;
        else if (kind == ReportKind::Subscriptions)
            known = &SubscriptionStatuses;
        else
            return validation(tr("The %1 report has no status filter.").arg(reportKindName(kind)));
        for (const QString &s : filter.statuses)
            if (!known->contains(s))
                return validation(tr("Unknown status \"%1\" (one of: %2).").arg(s, known->join(QStringLiteral(", "))));
    }
    return {};
}

Result<std::unique_ptr<ReportSource>> makeReport(ReportKind kind, const ReportInputs &inputs, const ReportFilter &filter)
{
    if (Status st = validateFilter(kind, filter); !st)
        return st.error();
    const bool needsAudit = kind == ReportKind::AuditLog || kind == ReportKind::Refunds;
    if (needsAudit && !inputs.audit)
        return Error::make(Error::Kind::Database, tr("The %1 report needs the billing database.").arg(reportKindName(kind)));
    if (kind != ReportKind::AuditLog && !inputs.cache.isOpen())
        return Error::make(Error::Kind::Database, tr("The local cache is not open."));
    std::unique_ptr<ReportSource> source;
    if (kind == ReportKind::Customers && filter.customerQuery)
        return std::unique_ptr<ReportSource>(std::make_unique<CustomerPaneReport>(inputs.cache, *filter.customerQuery, filter.pageSize));
    if (kind == ReportKind::Subscriptions && filter.subscriptionQuery)
        return std::unique_ptr<ReportSource>(
            std::make_unique<SubscriptionPaneReport>(inputs.cache, *filter.subscriptionQuery, filter.pageSize));
    if (kind == ReportKind::Invoices && filter.invoiceQuery)
        return std::unique_ptr<ReportSource>(std::make_unique<InvoicePaneReport>(inputs.cache, *filter.invoiceQuery, filter.pageSize));
    switch (kind) {
    case ReportKind::Invoices: source = std::make_unique<InvoiceReport>(inputs.cache, filter); break;
    case ReportKind::Customers: source = std::make_unique<CustomerReport>(inputs.cache, filter); break;
    case ReportKind::Subscriptions: source = std::make_unique<SubscriptionReport>(inputs.cache, filter); break;
    case ReportKind::Refunds: source = std::make_unique<RefundReport>(inputs.cache, inputs.audit, filter); break;
    case ReportKind::ArAging: source = std::make_unique<ArAgingReport>(inputs.cache, filter); break;
    case ReportKind::MrrMovements: source = std::make_unique<MrrMovementReport>(inputs.cache, filter); break;
    case ReportKind::AuditLog: source = std::make_unique<AuditLogReport>(inputs.audit, filter); break;
    case ReportKind::ExpiringCards: source = std::make_unique<ExpiringCardsReport>(inputs.cache, filter); break;
    }
    return source;
}

CacheReadConnection::~CacheReadConnection()
{
    if (m_name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_name);
}

Status CacheReadConnection::open(const QString &cacheFilePath)
{
    static std::atomic<int> counter{0};
    if (!QFileInfo(cacheFilePath).isFile())
        return Error::make(Error::Kind::Database,
                           tr("The local cache %1 does not exist yet: sync first.").arg(cacheFilePath));
    if (m_name.isEmpty())
        m_name = QStringLiteral("bc-report-%1").arg(counter.fetch_add(1));
    QSqlDatabase db = QSqlDatabase::contains(m_name) ? QSqlDatabase::database(m_name, false)
                                                      : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    db.setDatabaseName(cacheFilePath);
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open())
        return Error::make(Error::Kind::Database, tr("Cannot open the local cache %1.").arg(cacheFilePath),
                           db.lastError().text());
    QSqlQuery q(db);
    for (const char *pragma : {"PRAGMA query_only=1", "PRAGMA cache_size=-16384", "PRAGMA mmap_size=0"})
        q.exec(QLatin1String(pragma));
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                               "('invoices','customers','subscriptions','invoice_lines','prices')"))
        || !q.next() || q.value(0).toInt() != 5)
        return Error::make(Error::Kind::Database,
                           tr("The file %1 is not a Billing Console cache (or it is damaged).").arg(cacheFilePath),
                           q.lastError().text());
    return {};
}

QSqlDatabase CacheReadConnection::database() const
{
    return m_name.isEmpty() ? QSqlDatabase() : QSqlDatabase::database(m_name, false);
}

} // namespace Billing
