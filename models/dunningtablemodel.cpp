#include "models/dunningtablemodel.h"

#include "models/formatting.h"
#include "models/invoicetablemodel.h"
#include "services/dunning/declinecodes.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>

namespace Billing {

namespace {
std::optional<InvoiceQuery::SortKey> sortKeyFor(int column)
{
    using K = InvoiceQuery::SortKey;
    switch (column) {
    case DunningTableModel::Customer: return K::Customer;
    case DunningTableModel::Number: return K::Number;
    case DunningTableModel::AmountRemaining: return K::AmountRemaining;
    case DunningTableModel::Attempts: return K::Attempts;
    case DunningTableModel::DaysOverdue: return K::Created; // older = more days overdue (order inverted)
    default: return std::nullopt;
    }
}

bool rightAligned(int column)
{
    return column == DunningTableModel::AmountRemaining || column == DunningTableModel::Attempts
        || column == DunningTableModel::DaysOverdue;
}

QString stageLabel(const QString &stage)
{
    if (stage.isEmpty() || stage == QLatin1String("new"))
        return QCoreApplication::translate("Billing::DunningTableModel", "New");
    if (stage == QLatin1String("escalated"))
        return QCoreApplication::translate("Billing::DunningTableModel", "Escalated");
    if (stage == QLatin1String("reminded"))
        return QCoreApplication::translate("Billing::DunningTableModel", "Reminded");
    if (stage == QLatin1String("paused"))
        return QCoreApplication::translate("Billing::DunningTableModel", "Paused");
    QString s = stage;
    s[0] = s[0].toUpper();
    return s;
}
} // namespace

DunningTableModel::DunningTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<InvoiceRow>(reader, QStringLiteral("invoice"), parent), m_policy(std::make_shared<SmartRetryPolicy>())
{
    m_query.onlyFailedPayments = true;
    setPageSize(5000);
    setInitialSort(DaysOverdue, Qt::DescendingOrder);
}

int DunningTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString DunningTableModel::rowId(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).invoice.id : QString();
}

QDateTime DunningTableModel::now() const
{
    return m_referenceTime.isValid() ? m_referenceTime : QDateTime::currentDateTimeUtc();
}

int DunningTableModel::daysOverdue(const Invoice &invoice) const
{
    const QDateTime due = invoice.dueDate.isValid() ? invoice.dueDate : invoice.created;
    if (!due.isValid())
        return 0;
    return int(qMax<qint64>(0, due.secsTo(now()) / 86400));
}

QString DunningTableModel::declineCodeOf(const InvoiceRow &row)
{
    return DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
}

RetryStep DunningTableModel::nextStep(const InvoiceRow &row) const
{
    FailedPayment f;
    f.invoiceId = row.invoice.id;
    f.code = declineCodeOf(row);
    f.firstFailureAt = row.firstFailureAt.isValid() ? row.firstFailureAt : row.invoice.created;
    f.lastAttemptAt = row.lastFailureAt.isValid() ? row.lastFailureAt : f.firstFailureAt;
    f.retriesMade = qMax(0, row.invoice.attemptCount - 1);
    f.retriesOfThisCard = f.retriesMade;
    f.planKey = row.invoice.subscriptionId;
    f.zone = zoneFor(row.invoice.customerId).zone;
    return m_policy->next(f, qMax(now(), f.lastAttemptAt));
}

void DunningTableModel::setCustomerZones(const QHash<QString, CustomerTimeZone> &zones)
{
    m_zones = zones;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

CustomerTimeZone DunningTableModel::zoneFor(const QString &customerId) const
{
    const auto it = m_zones.constFind(customerId);
    if (it != m_zones.constEnd())
        return *it;
    CustomerTimeZone utc;
    utc.detail = tr("customer not loaded yet: UTC");
    return utc;
}

QStringList DunningTableModel::customerIds() const
{
    QStringList ids;
    for (const InvoiceRow &r : m_rows)
        if (!r.invoice.customerId.isEmpty() && !ids.contains(r.invoice.customerId))
            ids << r.invoice.customerId;
    return ids;
}

QString DunningTableModel::customerTime(const QDateTime &utc, const QString &customerId) const
{
    if (!utc.isValid())
        return {};
    const QTimeZone zone = zoneFor(customerId).zone;
    const QDateTime local = utc.toTimeZone(zone);
    // Date, hours and minutes (the policy picks whole hours; seconds are noise), zone abbreviation.
    return QStringLiteral("%1 %2 %3").arg(locale().toString(local.date(), QLocale::ShortFormat),
                                           local.time().toString(QStringLiteral("HH:mm")), zone.abbreviation(utc));
}

QString DunningTableModel::userTime(const QDateTime &utc) const
{
    if (!utc.isValid())
        return {};
    const QDateTime local = utc.toLocalTime();
    return QStringLiteral("%1 %2 %3").arg(locale().toString(local.date(), QLocale::ShortFormat),
                                           local.time().toString(QStringLiteral("HH:mm")), local.timeZoneAbbreviation());
}

DunningOverlay DunningTableModel::overlayFor(const QString &invoiceId) const
{
    return m_overlay.value(invoiceId);
}

QVariant DunningTableModel::sortValue(const InvoiceRow &r, int col) const
{
    const DunningOverlay o = m_overlay.value(r.invoice.id);
    switch (col) {
    case DeclineCode: return declineCodeOf(r);
    case Meaning: return DeclineCodes::lookup(declineCodeOf(r)).meaning;
    case NextAttempt: {
        const RetryStep s = nextStep(r);
        return s.retry ? s.at.toSecsSinceEpoch() : std::numeric_limits<qint64>::max();
    }
    case NextReason: return nextStep(r).reason;
    case Stage: return stageLabel(o.stage);
    case Owner: return o.owner;
    case LastContact: return o.lastContactAt.isValid() ? o.lastContactAt.toSecsSinceEpoch() : qint64(0);
    case Currency: return r.invoice.currency;
    }
    return {};
}

QVariant DunningTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InvoiceRow &r = m_rows.at(index.row());
    const Invoice &i = r.invoice;
    const int col = index.column();
    const QString code = declineCodeOf(r);
    const DunningOverlay o = m_overlay.value(i.id);
    switch (role) {
    case Qt::DisplayRole:
        switch (col) {
        case Customer: return r.customerName.isEmpty() ? r.customerEmail : r.customerName;
        case Number: return i.number;
        case AmountRemaining: return Format::money(i.amountRemainingMinor, i.currency, locale());
        case Currency: return i.currency.toUpper();
        case DeclineCode: return code;
        case Meaning:
            if (code.isEmpty())
                return QString();
            return DeclineCodes::isKnown(code) ? DeclineCodes::lookup(code).meaning : Format::declineMeaning(code);
        case Attempts: return locale().toString(i.attemptCount);
        case NextAttempt: {
            const RetryStep s = nextStep(r);
            return s.retry ? customerTime(s.at, i.customerId) : tr("No retry");
        }
        case NextReason: return nextStep(r).reason;
        case DaysOverdue: return locale().toString(daysOverdue(i));
        case Stage: return stageLabel(o.stage);
        case Owner: return o.owner.isEmpty() ? tr("Unassigned") : o.owner;
        case LastContact: return o.lastContactAt.isValid() ? Format::date(o.lastContactAt, locale()) : tr("Never");
        }
        break;
    case RawRole:
        switch (col) {
        case Customer: return r.customerName;
        case Number: return i.number;
        case AmountRemaining: return i.amountRemainingMinor;
        case Attempts: return i.attemptCount;
        case DaysOverdue: return daysOverdue(i);
        default: return sortValue(r, col);
        }
    case Qt::TextAlignmentRole:
        return QVariant::fromValue((rightAligned(col) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (col == DeclineCode || col == Meaning) {
            const DeclineCodeInfo info = DeclineCodes::lookup(code);
            return r.failureMessage.isEmpty() ? info.nextStep : tr("%1\nNext step: %2").arg(r.failureMessage, info.nextStep);
        }
        if (col == NextAttempt || col == NextReason) {
            const QString stripe = i.nextPaymentAttempt.isValid() ? Format::dateTime(i.nextPaymentAttempt, locale()) : tr("none");
            const RetryStep s = nextStep(r);
            const CustomerTimeZone z = zoneFor(i.customerId);
            const QString when = s.retry ? tr("Customer time: %1\nYour time: %2\n").arg(customerTime(s.at, i.customerId), userTime(s.at))
                                         : QString();
            return tr("%1\n%2Customer's zone: %3\nStripe's own next attempt: %4").arg(s.reason, when, z.describe(), stripe);
        }
        if (col == Customer)
            return r.customerEmail;
        if (col == LastContact && o.lastContactAt.isValid())
            return QStringLiteral("%1 (%2)").arg(Format::dateTime(o.lastContactAt, locale()), o.lastContactKind);
        break;
    case IdRole: return i.id;
    case StatusRole:
        if (col == DeclineCode)
            return QVariant(DeclineCodes::lookup(code).cls == DeclineClass::Soft ? QStringLiteral("past_due") : QStringLiteral("failed"));
        if (col == Stage)
            return o.stage == QLatin1String("escalated") ? QVariant(QStringLiteral("failed")) : QVariant();
        return {};
    case CurrencyRole: return i.currency.toUpper();
    }
    return {};
}

QVariant DunningTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((rightAligned(section) ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Customer: return tr("Customer");
    case Number: return tr("Invoice");
    case AmountRemaining: return tr("Amount");
    case Currency: return tr("Currency");
    case DeclineCode: return tr("Decline code");
    case Meaning: return tr("Meaning");
    case Attempts: return tr("Attempts");
    case NextAttempt: return tr("Next attempt");
    case NextReason: return tr("Why then");
    case DaysOverdue: return tr("Days overdue");
    case Stage: return tr("Stage");
    case Owner: return tr("Owner");
    case LastContact: return tr("Last contact");
    }
    return {};
}

void DunningTableModel::setSearchText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_query.search)
        return;
    m_query.search = t;
    reload();
}

void DunningTableModel::setCurrency(const QString &isoCode)
{
    const QString c = isoCode.toLower();
    if (c == m_query.currency)
        return;
    m_query.currency = c;
    reload();
}

void DunningTableModel::setStageFilter(const QString &stage)
{
    if (stage == m_stageFilter)
        return;
    m_stageFilter = stage;
    reload();
}

void DunningTableModel::setOwnerFilter(const QString &owner)
{
    if (owner == m_ownerFilter)
        return;
    m_ownerFilter = owner;
    reload();
}

void DunningTableModel::setDeclineClassFilter(std::optional<DeclineClass> cls)
{
    if (cls == m_classFilter)
        return;
    m_classFilter = cls;
    reload();
}

void DunningTableModel::setReferenceTime(const QDateTime &utc)
{
    m_referenceTime = utc;
}

void DunningTableModel::setPolicy(std::shared_ptr<const RetryPolicy> policy)
{
    if (!policy)
        return;
    m_policy = std::move(policy);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, NextAttempt), index(int(m_rows.size()) - 1, NextReason));
}

void DunningTableModel::setOverlay(const QHash<QString, DunningOverlay> &overlay)
{
    if (overlay == m_overlay)
        return;
    m_overlay = overlay;
    const bool affectsRows = !m_stageFilter.isEmpty() || !m_ownerFilter.isEmpty() || isLocalColumn(sortColumn());
    if (affectsRows && hasLoadedOnce()) {
        reload(true);
        return;
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, Stage), index(int(m_rows.size()) - 1, LastContact));
}

bool DunningTableModel::passesLocalFilters(const InvoiceRow &row) const
{
    const DunningOverlay o = m_overlay.value(row.invoice.id);
    if (!m_stageFilter.isEmpty()) {
        const QString stage = o.stage.isEmpty() ? QStringLiteral("new") : o.stage;
        if (stage != m_stageFilter)
            return false;
    }
    if (!m_ownerFilter.isEmpty()) {
        if (m_ownerFilter == QLatin1String("-") ? !o.owner.isEmpty() : o.owner != m_ownerFilter)
            return false;
    }
    if (m_classFilter && DeclineCodes::lookup(declineCodeOf(row)).cls != *m_classFilter)
        return false;
    return true;
}

InvoiceQuery DunningTableModel::filterQuery() const
{
    InvoiceQuery q = m_query;
    q.after.reset();
    return q;
}

bool DunningTableModel::isLocalColumn(int column) const
{
    return column == Currency || column == DeclineCode || column == Meaning || column == NextAttempt || column == NextReason
        || column == Stage || column == Owner || column == LastContact;
}

bool DunningTableModel::isSortable(int column) const
{
    return sortKeyFor(column).has_value() || isLocalColumn(column);
}

PageCursor DunningTableModel::cursorFor(const InvoiceRow &row) const
{
    return cacheCursor(row, m_query.sortKey);
}

void DunningTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit)
{
    const int column = sortColumn();
    const bool local = isLocalColumn(column);
    m_query.sortKey = sortKeyFor(column).value_or(InvoiceQuery::SortKey::Created);
    SortOrder order = sqlOrder();
    if (column == DaysOverdue)
        order = order == SortOrder::Ascending ? SortOrder::Descending : SortOrder::Ascending;
    m_query.order = local ? SortOrder::Descending : order;
    InvoiceQuery q = m_query;
    q.after = after;
    q.limit = limit;
    const Qt::SortOrder localOrder = sortOrder();
    reader()->invoices(q, this, [this, ticket, local, column, localOrder](Result<QList<InvoiceRow>> result) {
        if (result) {
            QList<InvoiceRow> rows = std::move(result).value();
            rows.erase(std::remove_if(rows.begin(), rows.end(), [this](const InvoiceRow &r) { return !passesLocalFilters(r); }), rows.end());
            if (local) {
                std::stable_sort(rows.begin(), rows.end(), [this, column, localOrder](const InvoiceRow &a, const InvoiceRow &b) {
                    const QVariant va = sortValue(a, column), vb = sortValue(b, column);
                    const QPartialOrdering c = QVariant::compare(va, vb);
                    return localOrder == Qt::AscendingOrder ? c == QPartialOrdering::Less : c == QPartialOrdering::Greater;
                });
            }
            deliver(ticket, rows);
            return;
        }
        deliver(ticket, std::move(result));
    });
}

} // namespace Billing
