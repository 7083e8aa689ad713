#include "models/audittablemodel.h"

#include "models/formatting.h"
#include "services/storage/asyncbillingdatabase.h"

#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace Billing {

AuditTableModel::AuditTableModel(AsyncBillingDatabase *db, QObject *parent) : QAbstractTableModel(parent), m_db(db) {}

void AuditTableModel::setDatabase(AsyncBillingDatabase *db)
{
    m_db = db;
    reload();
}

int AuditTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AuditTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AuditTableModel::resultKind(const QString &result)
{
    const QString r = result.trimmed().toLower();
    if (r == QLatin1String("ok") || r.startsWith(QLatin1String("ok:")) || r.startsWith(QLatin1String("succeeded")))
        return QStringLiteral("ok");
    if (r.startsWith(QLatin1String("refused")))
        return QStringLiteral("refused");
    if (r.startsWith(QLatin1String("error")) || r.startsWith(QLatin1String("failed")))
        return QStringLiteral("error");
    if (r.startsWith(QLatin1String("needs")))
        return QStringLiteral("needs_attention");
    return QStringLiteral("pending");
}

QVariant AuditTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const AuditEntry &e = m_rows.at(index.row());
    if (role == IdRole)
        return e.id;
    if (role == StatusRole) {
        if (index.column() != Outcome)
            return {};
        // The chip vocabulary of the other panes: green, red, amber, blue.
        const QString kind = resultKind(e.result);
        if (kind == QLatin1String("ok"))
            return QStringLiteral("succeeded");
        if (kind == QLatin1String("refused") || kind == QLatin1String("error"))
            return QStringLiteral("failed");
        if (kind == QLatin1String("needs_attention"))
            return QStringLiteral("paused");
        return QStringLiteral("open");
    }
    if (role == RawRole) {
        switch (index.column()) {
        case When: return e.at;
        case Actor: return e.actor;
        case Operation: return e.operation;
        case Target: return QString(e.targetType + QLatin1Char(':') + e.targetId);
        case Outcome: return e.result;
        case IdempotencyKey: return e.idempotencyKey;
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Outcome)
            return e.result;
        if (index.column() == Target)
            return data(index, Qt::DisplayRole);
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case When: return m_locale.toString(e.at.toLocalTime(), QLocale::ShortFormat);
    case Actor: return e.actor;
    case Operation: return e.operation;
    case Target: return e.targetId.isEmpty() ? e.targetType : tr("%1 %2").arg(e.targetType, e.targetId);
    case Outcome: {
        const QString kind = resultKind(e.result);
        if (kind == QLatin1String("ok"))
            return tr("OK");
        if (kind == QLatin1String("refused"))
            return tr("Refused");
        if (kind == QLatin1String("error"))
            return tr("Error");
        if (kind == QLatin1String("needs_attention"))
            return tr("Needs attention");
        return e.result.isEmpty() ? tr("Requested") : Format::statusLabel(e.result);
    }
    case IdempotencyKey: return e.idempotencyKey;
    default: return {};
    }
}

QVariant AuditTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case When: return tr("When");
    case Actor: return tr("Who");
    case Operation: return tr("Operation");
    case Target: return tr("Target");
    case Outcome: return tr("Result");
    case IdempotencyKey: return tr("Idempotency key");
    default: return {};
    }
}

bool AuditTableModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_db || m_inFlight)
        return false;
    return !m_loadedOnce || m_hasMore;
}

void AuditTableModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return; // views and QAbstractItemModelTester call this repeatedly
    request(!m_loadedOnce, m_pageSize);
}

int AuditTableModel::rowOfId(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return i;
    }
    return -1;
}

void AuditTableModel::setActor(const QString &actor)
{
    m_filter.actor = actor.trimmed();
    reload();
}

void AuditTableModel::setOperation(const QString &operation)
{
    m_filter.operation = operation.trimmed();
    reload();
}

void AuditTableModel::setTarget(const QString &targetType, const QString &targetId)
{
    m_filter.targetType = targetType.trimmed();
    m_filter.targetId = targetId.trimmed();
    reload();
}

void AuditTableModel::setRange(const QDateTime &fromUtc, const QDateTime &toUtc)
{
    m_filter.from = fromUtc;
    m_filter.to = toUtc;
    reload();
}

void AuditTableModel::setFilter(const AuditQuery &filter)
{
    m_filter = filter;
    m_filter.beforeId = 0;
    reload();
}

void AuditTableModel::reload(bool keepLoadedCount)
{
    if (!m_db)
        return;
    request(true, keepLoadedCount ? qMax(m_pageSize, int(m_rows.size())) : m_pageSize);
}

void AuditTableModel::request(bool reset, int limit)
{
    AuditQuery query = m_filter;
    query.limit = limit;
    query.beforeId = (reset || m_rows.isEmpty()) ? 0 : m_rows.constLast().id;
    const quint64 ticket = ++m_ticket;
    const bool wasLoading = m_inFlight;
    m_inFlight = true;
    if (!wasLoading)
        Q_EMIT loadingChanged(true);
    m_db->thread().run(
        this, [query](BillingDatabase &db) { return db.audit(query); },
        [this, ticket, reset, limit](Result<QList<AuditEntry>> rows) {
            if (ticket != m_ticket)
                return; // superseded by a later reload
            // Still "in flight" while the rows change: a view or tester calling fetchMore from the
            // change signals must not start a page from the rows as they were before.
            if (!rows) {
                m_lastError = rows.error().userMessage;
                m_hasMore = false;
                m_loadedOnce = true;
                m_inFlight = false;
                Q_EMIT loadingChanged(false);
                Q_EMIT loadFailed(m_lastError);
                return;
            }
            m_lastError.clear();
            m_hasMore = rows->size() >= limit;
            if (reset) {
                beginResetModel();
                m_rows = std::move(*rows);
                m_loadedOnce = true;
                endResetModel();
            } else if (!rows->isEmpty()) {
                beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + rows->size() - 1));
                m_rows.append(std::move(*rows));
                endInsertRows();
            }
            m_inFlight = false;
            Q_EMIT loadingChanged(false);
            if (reset)
                Q_EMIT reloaded();
        });
}

namespace {
QString csvField(const QString &value)
{
    if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) && !value.contains(QLatin1Char('\n'))
        && !value.contains(QLatin1Char('\r')))
        return value;
    QString quoted = value;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}
} // namespace

QString AuditTableModel::csvHeader()
{
    return QStringLiteral("id,at,actor,operation,target_type,target_id,params,before,after,idempotency_key,result");
}

QString AuditTableModel::csvLine(const AuditEntry &e)
{
    const QStringList fields{QString::number(e.id),
                             e.at.toUTC().toString(Qt::ISODate),
                             e.actor,
                             e.operation,
                             e.targetType,
                             e.targetId,
                             e.paramsJson,
                             e.beforeSummary,
                             e.afterSummary,
                             e.idempotencyKey,
                             e.result};
    QStringList out;
    for (const QString &f : fields)
        out << csvField(f);
    return out.join(QLatin1Char(','));
}

void AuditTableModel::exportCsv(const QString &filePath, QObject *context, std::function<void(Result<int>)> done) const
{
    if (!m_db) {
        done(Error::make(Error::Kind::Database, tr("The billing database is not available.")));
        return;
    }
    const AuditQuery filter = m_filter;
    m_db->thread().run(
        context,
        [filter, filePath](BillingDatabase &db) -> Result<int> {
            QSaveFile file(filePath);
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return Error::make(Error::Kind::Validation,
                                   AuditTableModel::tr("Cannot write %1: %2").arg(filePath, file.errorString()));
            file.write(csvHeader().toUtf8() + "\r\n");
            AuditQuery page = filter;
            page.limit = 500;
            page.beforeId = 0;
            int count = 0;
            for (;;) {
                Result<QList<AuditEntry>> rows = db.audit(page);
                if (!rows)
                    return rows.error();
                for (const AuditEntry &e : std::as_const(*rows))
                    file.write(csvLine(e).toUtf8() + "\r\n");
                count += int(rows->size());
                if (rows->size() < page.limit)
                    break;
                page.beforeId = rows->constLast().id;
            }
            if (!file.commit())
                return Error::make(Error::Kind::Validation,
                                   AuditTableModel::tr("Cannot write %1: %2").arg(filePath, file.errorString()));
            return count;
        },
        std::move(done));
}

} // namespace Billing
