#pragma once

#include "services/outbox/outboxentry.h"

#include <QAbstractTableModel>
#include <QLocale>
#include <QMap>
#include <QTimer>

namespace Billing {

class OutboxService;

// The money operations of the outbox that need an eye: pending (queued, waiting out a backoff or
// the connection), in flight, failed and needing attention; optionally the succeeded ones too.
// Newest first. Reloads (debounced) on OutboxService::entryChanged/queueChanged; counts() feeds
// the sidebar badge. Read-only.
class OutboxTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OutboxTableModel)
public:
    enum Column { Created, Operation, Target, Actor, State, Attempts, NextAttempt, Error, ColumnCount };
    enum Role { RawRole = Qt::UserRole + 1, IdRole, StatusRole };
    static constexpr int Limit = 500;

    explicit OutboxTableModel(OutboxService *outbox = nullptr, QObject *parent = nullptr);

    void setService(OutboxService *outbox);
    OutboxService *service() const { return m_outbox; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const OutboxEntry &rowAt(int row) const { return m_rows.at(row); }
    int rowOfId(qint64 id) const;

    // Succeeded operations are hidden unless asked for.
    void setIncludeSucceeded(bool include);
    bool includesSucceeded() const { return m_includeSucceeded; }
    void reload();
    bool isLoading() const { return m_inFlight; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }
    void setLocale(const QLocale &locale) { m_locale = locale; }

    // Counts of the whole outbox (not only the listed rows), for the badge.
    int openCount() const { return m_counts.value(OutboxState::Pending) + m_counts.value(OutboxState::InFlight); }
    int problemCount() const
    {
        return m_counts.value(OutboxState::Failed) + m_counts.value(OutboxState::NeedsAttention);
    }

    // "Refund re_… of pi_…": a person's reading of an entry's operation and path.
    static QString targetOf(const OutboxEntry &entry);
    static QString stateLabel(OutboxState state);

Q_SIGNALS:
    void reloaded();
    void countsChanged(int open, int problems);
    void loadFailed(const QString &userMessage);

private:
    void loadCounts();

    OutboxService *m_outbox = nullptr;
    QList<OutboxEntry> m_rows;
    QMap<OutboxState, int> m_counts;
    QLocale m_locale;
    QTimer m_debounce;
    quint64 m_ticket = 0;
    bool m_inFlight = false;
    bool m_loadedOnce = false;
    bool m_includeSucceeded = false;
    QString m_lastError;
};

} // namespace Billing
