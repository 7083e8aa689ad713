#include "models/outboxtablemodel.h"

#include "models/formatting.h"
#include "services/outbox/outboxservice.h"

#include <algorithm>

namespace Billing {

OutboxTableModel::OutboxTableModel(OutboxService *outbox, QObject *parent) : QAbstractTableModel(parent)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(150);
    connect(&m_debounce, &QTimer::timeout, this, &OutboxTableModel::reload);
    setService(outbox);
}

void OutboxTableModel::setService(OutboxService *outbox)
{
    if (m_outbox)
        disconnect(m_outbox, nullptr, this, nullptr);
    m_outbox = outbox;
    if (m_outbox) {
        connect(m_outbox, &OutboxService::entryChanged, this, [this] { m_debounce.start(); });
        connect(m_outbox, &OutboxService::queueChanged, this, [this] { m_debounce.start(); });
    }
}

int OutboxTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int OutboxTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString OutboxTableModel::stateLabel(OutboxState state)
{
    switch (state) {
    case OutboxState::Pending: return tr("Pending");
    case OutboxState::InFlight: return tr("Sending");
    case OutboxState::Succeeded: return tr("Succeeded");
    case OutboxState::Failed: return tr("Failed");
    case OutboxState::NeedsAttention: return tr("Needs attention");
    }
    return {};
}

QString OutboxTableModel::targetOf(const OutboxEntry &e)
{
    // The object the call is about: the last id in the path, else the main id parameter.
    const QStringList parts = e.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (auto it = parts.crbegin(); it != parts.crend(); ++it) {
        if (it->contains(QLatin1Char('_')))
            return *it;
    }
    for (const char *key : {"payment_intent", "charge", "invoice", "subscription", "customer"}) {
        const QString v = e.params.value(QLatin1String(key)).toString();
        if (!v.isEmpty())
            return v;
    }
    return e.path;
}

QVariant OutboxTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const OutboxEntry &e = m_rows.at(index.row());
    if (role == IdRole)
        return e.id;
    if (role == StatusRole) {
        if (index.column() != State)
            return {};
        switch (e.state) { // the chip vocabulary of the other panes
        case OutboxState::Pending:
        case OutboxState::InFlight: return QStringLiteral("open");
        case OutboxState::Succeeded: return QStringLiteral("succeeded");
        case OutboxState::Failed: return QStringLiteral("failed");
        case OutboxState::NeedsAttention: return QStringLiteral("paused");
        }
        return {};
    }
    if (role == RawRole) {
        switch (index.column()) {
        case Created: return e.createdAt;
        case Operation: return e.operation;
        case Target: return targetOf(e);
        case Actor: return e.actor;
        case State: return outboxStateName(e.state);
        case Attempts: return e.attempts;
        case NextAttempt: return e.nextAttemptAt;
        case Error: return e.errorMessage;
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Error && !e.errorMessage.isEmpty())
        return e.errorMessage;
    if (role == Qt::TextAlignmentRole && index.column() == Attempts)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Created: return Format::dateTime(e.createdAt, m_locale);
    case Operation: return e.operation;
    case Target: return targetOf(e);
    case Actor: return e.actor;
    case State: return stateLabel(e.state);
    case Attempts: return m_locale.toString(e.attempts);
    case NextAttempt:
        if (e.state != OutboxState::Pending)
            return QString();
        return e.nextAttemptAt.isValid() && e.nextAttemptAt > QDateTime::currentDateTimeUtc()
            ? Format::dateTime(e.nextAttemptAt, m_locale)
            : tr("now");
    case Error: return e.errorMessage;
    default: return {};
    }
}

QVariant OutboxTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Created: return tr("Queued");
    case Operation: return tr("Operation");
    case Target: return tr("Object");
    case Actor: return tr("Who");
    case State: return tr("State");
    case Attempts: return tr("Tries");
    case NextAttempt: return tr("Next try");
    case Error: return tr("Last error");
    default: return {};
    }
}

int OutboxTableModel::rowOfId(qint64 id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return i;
    }
    return -1;
}

void OutboxTableModel::setIncludeSucceeded(bool include)
{
    if (include == m_includeSucceeded)
        return;
    m_includeSucceeded = include;
    reload();
}

void OutboxTableModel::reload()
{
    if (!m_outbox)
        return;
    const quint64 ticket = ++m_ticket;
    m_inFlight = true;
    m_outbox->entries(std::nullopt, Limit, this, [this, ticket](Result<QList<OutboxEntry>> entries) {
        if (ticket != m_ticket)
            return;
        m_inFlight = false;
        if (!entries) {
            m_lastError = entries.error().userMessage;
            m_loadedOnce = true;
            Q_EMIT loadFailed(m_lastError);
            return;
        }
        m_lastError.clear();
        QList<OutboxEntry> rows;
        for (const OutboxEntry &e : std::as_const(*entries)) {
            if (m_includeSucceeded || e.state != OutboxState::Succeeded)
                rows << e;
        }
        std::stable_sort(rows.begin(), rows.end(), [](const OutboxEntry &a, const OutboxEntry &b) { return a.id > b.id; });
        beginResetModel();
        m_rows = std::move(rows);
        m_loadedOnce = true;
        endResetModel();
        Q_EMIT reloaded();
    });
    loadCounts();
}

void OutboxTableModel::loadCounts()
{
    m_outbox->counts(this, [this](Result<QMap<OutboxState, int>> counts) {
        if (!counts)
            return;
        m_counts = *counts;
        Q_EMIT countsChanged(openCount(), problemCount());
    });
}

} // namespace Billing
