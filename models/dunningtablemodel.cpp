#include "models/dunningtablemodel.h"

#include "models/formatting.h"
#include "services/dunning/declinecodes.h"
#include "services/storage/cachecursor.h"
#include "services/storage/cachereader.h"

#include <QCoreApplication>
#include <QFuture>
#include <QMap>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <limits>
#include <vector>

namespace Billing {

namespace {
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

int daysOverdueAt(const Invoice &invoice, const QDateTime &now)
{
    const QDateTime due = invoice.dueDate.isValid() ? invoice.dueDate : invoice.created;
    if (!due.isValid())
        return 0;
    return int(qMax<qint64>(0, due.secsTo(now) / 86400));
}

QString effectiveCode(const InvoiceRow &row)
{
    return DeclineCodes::effectiveCode(row.declineCode, row.failureCode);
}

RetryStep stepAt(const InvoiceRow &row, const RetryPolicy &policy, const QTimeZone &zone, const QDateTime &now)
{
    FailedPayment f;
    f.invoiceId = row.invoice.id;
    f.code = effectiveCode(row);
    f.firstFailureAt = row.firstFailureAt.isValid() ? row.firstFailureAt : row.invoice.created;
    f.lastAttemptAt = row.lastFailureAt.isValid() ? row.lastFailureAt : f.firstFailureAt;
    f.retriesMade = qMax(0, row.invoice.attemptCount - 1);
    f.retriesOfThisCard = f.retriesMade;
    f.planKey = row.invoice.subscriptionId;
    f.zone = zone;
    return policy.next(f, qMax(now, f.lastAttemptAt));
}

// The value a column sorts by (also its RawRole where the display is formatted).
QVariant columnKey(const InvoiceRow &r, int column, const RetryStep &step, const DunningOverlay &o, const QDateTime &now)
{
    using M = DunningTableModel;
    switch (column) {
    case M::Customer: return r.customerName.isEmpty() ? r.customerEmail : r.customerName;
    case M::Number: return r.invoice.number;
    case M::AmountRemaining: return r.invoice.amountRemainingMinor;
    case M::Currency: return r.invoice.currency;
    case M::DeclineCode: return effectiveCode(r);
    case M::Meaning: return DeclineCodes::lookup(effectiveCode(r)).meaning;
    case M::Attempts: return r.invoice.attemptCount;
    case M::NextAttempt: return step.retry ? step.at.toSecsSinceEpoch() : std::numeric_limits<qint64>::max();
    case M::NextReason: return step.reason;
    case M::DaysOverdue: return daysOverdueAt(r.invoice, now);
    case M::Stage: return stageLabel(o.stage);
    case M::Owner: return o.owner;
    case M::LastContact: return o.lastContactAt.isValid() ? o.lastContactAt.toSecsSinceEpoch() : qint64(0);
    }
    return {};
}

int compareKeys(const QVariant &a, const QVariant &b)
{
    if (a.typeId() == QMetaType::QString && b.typeId() == QMetaType::QString)
        return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive);
    const QPartialOrdering c = QVariant::compare(a, b);
    return c == QPartialOrdering::Less ? -1 : (c == QPartialOrdering::Greater ? 1 : 0);
}

// What the worker needs to arrange the queue: copies, so the model may change meanwhile.
struct ArrangeInput
{
    QList<InvoiceRow> queue;
    QHash<QString, RetryStep> steps; // empty = compute them
    std::shared_ptr<const RetryPolicy> policy;
    QHash<QString, CustomerTimeZone> zones;
    QHash<QString, DunningOverlay> overlay;
    QString stageFilter;
    QString ownerFilter;
    std::optional<DeclineClass> classFilter;
    QString codeFilter;
    DunningTableModel::AgeFilter ageFilter = DunningTableModel::AnyAge;
    DunningTableModel::RetryFilter retryFilter = DunningTableModel::AnyRetry;
    int column = DunningTableModel::DaysOverdue;
    Qt::SortOrder order = Qt::DescendingOrder;
    QDateTime now;
};

struct Arranged
{
    QList<InvoiceRow> rows;
    QHash<QString, RetryStep> steps;
};

bool passesAge(DunningTableModel::AgeFilter filter, int days)
{
    using M = DunningTableModel;
    switch (filter) {
    case M::AnyAge: return true;
    case M::UnderAWeek: return days < 8;
    case M::OneToFourWeeks: return days >= 8 && days <= 30;
    case M::OneToTwoMonths: return days > 30 && days <= 60;
    case M::OverTwoMonths: return days > 60;
    }
    return true;
}

bool passesRetry(DunningTableModel::RetryFilter filter, const RetryStep &step, const QDateTime &now)
{
    using M = DunningTableModel;
    switch (filter) {
    case M::AnyRetry: return true;
    case M::RetryWithinADay: return step.retry && step.at <= now.addDays(1);
    case M::RetryPlanned: return step.retry;
    case M::NoRetryPlanned: return !step.retry;
    }
    return true;
}

bool passesFilters(const ArrangeInput &in, const InvoiceRow &row, const RetryStep &step)
{
    const DunningOverlay o = in.overlay.value(row.invoice.id);
    if (!in.stageFilter.isEmpty() && (o.stage.isEmpty() ? QStringLiteral("new") : o.stage) != in.stageFilter)
        return false;
    if (!in.ownerFilter.isEmpty() && (in.ownerFilter == QLatin1String("-") ? !o.owner.isEmpty() : o.owner != in.ownerFilter))
        return false;
    if (in.classFilter && DeclineCodes::lookup(effectiveCode(row)).cls != *in.classFilter)
        return false;
    if (!in.codeFilter.isEmpty() && effectiveCode(row) != in.codeFilter)
        return false;
    return passesAge(in.ageFilter, daysOverdueAt(row.invoice, in.now)) && passesRetry(in.retryFilter, step, in.now);
}

// Runs on a worker thread: the policy's step of every invoice, then the filters and the sort
// (ties by invoice id, so a rearrangement keeps rows in place).
Arranged arrangeQueue(const ArrangeInput &in)
{
    Arranged out;
    out.steps = in.steps;
    if (out.steps.isEmpty()) {
        out.steps.reserve(in.queue.size());
        for (const InvoiceRow &r : in.queue) {
            const auto zone = in.zones.constFind(r.invoice.customerId);
            out.steps.insert(r.invoice.id, stepAt(r, *in.policy, zone == in.zones.constEnd() ? QTimeZone::utc() : zone->zone, in.now));
        }
    }
    struct Keyed
    {
        QString group; // amounts sort within their currency: minor units of two currencies do not compare
        QVariant key;
        qsizetype index;
    };
    const bool byAmount = in.column == DunningTableModel::AmountRemaining;
    std::vector<Keyed> keyed;
    keyed.reserve(size_t(in.queue.size()));
    for (qsizetype i = 0; i < in.queue.size(); ++i) {
        const InvoiceRow &r = in.queue.at(i);
        const RetryStep step = out.steps.value(r.invoice.id);
        if (passesFilters(in, r, step))
            keyed.push_back({byAmount ? r.invoice.currency.toUpper() : QString(),
                             columnKey(r, in.column, step, in.overlay.value(r.invoice.id), in.now), i});
    }
    const bool ascending = in.order == Qt::AscendingOrder;
    std::sort(keyed.begin(), keyed.end(), [&](const Keyed &a, const Keyed &b) {
        if (a.group != b.group)
            return a.group < b.group;
        const int c = compareKeys(a.key, b.key);
        if (c != 0)
            return ascending ? c < 0 : c > 0;
        return in.queue.at(a.index).invoice.id < in.queue.at(b.index).invoice.id;
    });
    out.rows.reserve(qsizetype(keyed.size()));
    for (const Keyed &k : keyed)
        out.rows.append(in.queue.at(k.index));
    return out;
}

bool sameZones(const QHash<QString, CustomerTimeZone> &a, const QHash<QString, CustomerTimeZone> &b)
{
    if (a.size() != b.size())
        return false;
    for (auto it = a.constBegin(); it != a.constEnd(); ++it) {
        const auto other = b.constFind(it.key());
        if (other == b.constEnd() || other->id() != it->id() || other->source != it->source || other->detail != it->detail)
            return false;
    }
    return true;
}
} // namespace

DunningTableModel::DunningTableModel(CacheReader *reader, QObject *parent)
    : TypedPagedModel<InvoiceRow>(reader, QStringLiteral("invoice"), parent), m_policy(std::make_shared<SmartRetryPolicy>())
{
    m_query.onlyFailedPayments = true;
    m_query.sortKey = InvoiceQuery::SortKey::Created;
    m_query.order = SortOrder::Descending;
    setPageSize(5000); // rows per cache read; the model reads until the queue is complete
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
    return daysOverdueAt(invoice, now());
}

QString DunningTableModel::declineCodeOf(const InvoiceRow &row)
{
    return effectiveCode(row);
}

RetryStep DunningTableModel::nextStep(const InvoiceRow &row) const
{
    const auto it = m_steps.constFind(row.invoice.id);
    if (it != m_steps.constEnd())
        return *it;
    return stepAt(row, *m_policy, zoneFor(row.invoice.customerId).zone, now());
}

void DunningTableModel::setCustomerZones(const QHash<QString, CustomerTimeZone> &zones)
{
    if (sameZones(zones, m_zones))
        return;
    m_zones = zones;
    m_steps.clear();
    rearrange();
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
    QSet<QString> seen;
    for (const InvoiceRow &r : m_queue) {
        const QString &id = r.invoice.customerId;
        if (!id.isEmpty() && !seen.contains(id)) {
            seen.insert(id);
            ids << id;
        }
    }
    return ids;
}

QStringList DunningTableModel::owners() const
{
    QStringList out;
    for (const DunningOverlay &o : m_overlay)
        if (!o.owner.isEmpty() && !out.contains(o.owner))
            out << o.owner;
    out.sort(Qt::CaseInsensitive);
    return out;
}

QList<QPair<QString, qint64>> DunningTableModel::remainingTotals() const
{
    QMap<QString, qint64> byCurrency;
    for (const InvoiceRow &r : m_rows)
        byCurrency[r.invoice.currency.toUpper()] += r.invoice.amountRemainingMinor;
    QList<QPair<QString, qint64>> out;
    for (auto it = byCurrency.constBegin(); it != byCurrency.constEnd(); ++it)
        out.append({it.key(), it.value()});
    return out;
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
    return columnKey(r, col, nextStep(r), m_overlay.value(r.invoice.id), now());
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
    rearrange();
}

void DunningTableModel::setOwnerFilter(const QString &owner)
{
    if (owner == m_ownerFilter)
        return;
    m_ownerFilter = owner;
    rearrange();
}

void DunningTableModel::setDeclineClassFilter(std::optional<DeclineClass> cls)
{
    if (cls == m_classFilter)
        return;
    m_classFilter = cls;
    rearrange();
}

void DunningTableModel::setDeclineCodeFilter(const QString &code)
{
    if (code == m_codeFilter)
        return;
    m_codeFilter = code;
    rearrange();
}

void DunningTableModel::setAgeFilter(AgeFilter age)
{
    if (age == m_ageFilter)
        return;
    m_ageFilter = age;
    rearrange();
}

void DunningTableModel::setRetryFilter(RetryFilter retry)
{
    if (retry == m_retryFilter)
        return;
    m_retryFilter = retry;
    rearrange();
}

QStringList DunningTableModel::declineCodes() const
{
    QStringList codes;
    QSet<QString> seen;
    for (const InvoiceRow &r : m_queue) {
        const QString code = effectiveCode(r);
        if (!code.isEmpty() && !seen.contains(code)) {
            seen.insert(code);
            codes << code;
        }
    }
    codes.sort();
    return codes;
}

void DunningTableModel::setReferenceTime(const QDateTime &utc)
{
    m_referenceTime = utc;
    m_steps.clear();
}

void DunningTableModel::setPolicy(std::shared_ptr<const RetryPolicy> policy)
{
    if (!policy)
        return;
    m_policy = std::move(policy);
    m_steps.clear();
    rearrange();
}

void DunningTableModel::setOverlay(const QHash<QString, DunningOverlay> &overlay)
{
    if (overlay == m_overlay)
        return;
    m_overlay = overlay;
    const int column = sortColumn();
    if (!m_stageFilter.isEmpty() || !m_ownerFilter.isEmpty() || column == Stage || column == Owner || column == LastContact) {
        rearrange();
        return;
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, Stage), index(int(m_rows.size()) - 1, LastContact));
}

void DunningTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount || (column == sortColumn() && order == sortOrder() && hasLoadedOnce()))
        return;
    m_rearrangeOnly = true;
    PagedTableModel::sort(column, order);
}

bool DunningTableModel::isSortable(int column) const
{
    return column >= 0 && column < ColumnCount;
}

PageCursor DunningTableModel::cursorFor(const InvoiceRow &row) const
{
    return cacheCursor(row, InvoiceQuery::SortKey::Created);
}

void DunningTableModel::rearrange()
{
    if (!m_queueHeld)
        return; // the first load arranges with whatever is set by then
    m_rearrangeOnly = true;
    reload(true);
}

void DunningTableModel::requestPage(quint64 ticket, const std::optional<PageCursor> &after, int)
{
    if (after) { // the whole queue is delivered at once: there is never a next page
        deliver(ticket, QList<InvoiceRow>(), false);
        return;
    }
    // A read of the cache that this request supersedes may carry newer rows: read again then.
    const bool onlyArrange = m_rearrangeOnly && m_queueHeld && !m_reading;
    m_rearrangeOnly = false;
    if (onlyArrange) {
        arrange(ticket);
        return;
    }
    m_reading = true;
    fetchQueue(ticket, std::nullopt, {});
}

void DunningTableModel::fetchQueue(quint64 ticket, const std::optional<PageCursor> &after, QList<InvoiceRow> soFar)
{
    InvoiceQuery q = m_query;
    q.after = after;
    q.limit = pageSize();
    reader()->invoices(q, this, [this, ticket, soFar = std::move(soFar)](Result<QList<InvoiceRow>> result) mutable {
        if (!isCurrent(ticket))
            return;
        if (!result.ok()) {
            m_reading = false;
            deliver(ticket, std::move(result));
            return;
        }
        QList<InvoiceRow> chunk = std::move(result).value();
        const bool more = chunk.size() >= pageSize();
        const std::optional<PageCursor> next = more ? std::optional<PageCursor>(cursorFor(chunk.last())) : std::nullopt;
        soFar.append(std::move(chunk));
        if (more) {
            fetchQueue(ticket, next, std::move(soFar));
            return;
        }
        m_reading = false;
        m_queue = std::move(soFar);
        m_queueHeld = true;
        m_steps.clear();
        ++m_generation;
        arrange(ticket);
    });
}

void DunningTableModel::arrange(quint64 ticket)
{
    ArrangeInput in;
    in.queue = m_queue;
    in.steps = m_steps;
    in.policy = m_policy;
    in.zones = m_zones;
    in.overlay = m_overlay;
    in.stageFilter = m_stageFilter;
    in.ownerFilter = m_ownerFilter;
    in.classFilter = m_classFilter;
    in.codeFilter = m_codeFilter;
    in.ageFilter = m_ageFilter;
    in.retryFilter = m_retryFilter;
    in.column = sortColumn();
    in.order = sortOrder();
    in.now = now();
    QtConcurrent::run([in = std::move(in)] { return arrangeQueue(in); }).then(this, [this, ticket](Arranged arranged) {
        if (!isCurrent(ticket))
            return;
        m_steps = std::move(arranged.steps);
        deliver(ticket, std::move(arranged.rows), false);
    });
}

} // namespace Billing
