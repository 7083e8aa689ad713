#pragma once

#include "models/pagedtablemodel.h"
#include "services/dunning/customertimezone.h"
#include "services/dunning/dunningrepository.h"
#include "services/dunning/retrypolicy.h"

#include <QDateTime>
#include <QHash>

#include <memory>

namespace Billing {

// The dunning queue: open invoices whose payment failed (InvoiceQuery::onlyFailedPayments), with
// the latest decline and its plain meaning, the retry policy's next attempt and its reason, and the
// console's own stage, owner and last contact (setOverlay, from the billing database).
//
// Unlike the other panes, the model holds the whole queue: search and currency filter in SQL (read
// in chunks of pageSize), but stage, owner and last contact live in the billing database (which may
// be another server) and the next attempt comes from the retry policy in the customer's zone, so
// no single SQL query can sort or filter by them. The policy steps, the local filters and the sort
// run on a worker thread over every failed invoice; changing them does not read the cache again.
// Amounts sort within their currency (currency blocks in code order).
// bench/README.md has the figures (tens of thousands of failed invoices).
class DunningTableModel final : public TypedPagedModel<InvoiceRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningTableModel)
public:
    enum Column {
        Customer, Number, AmountRemaining, Currency, DeclineCode, Meaning, Attempts, NextAttempt, NextReason,
        DaysOverdue, Stage, Owner, LastContact, ColumnCount
    };
    // Days overdue buckets (the pane's age filter).
    enum AgeFilter { AnyAge, UnderAWeek, OneToFourWeeks, OneToTwoMonths, OverTwoMonths };
    // The policy's next step (the pane's retry filter): within 24 hours of now, any, none.
    enum RetryFilter { AnyRetry, RetryWithinADay, RetryPlanned, NoRetryPlanned };

    explicit DunningTableModel(CacheReader *reader, QObject *parent = nullptr);

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString rowId(int row) const override;

    void setSearchText(const QString &text);
    void setCurrency(const QString &isoCode);
    // Local filters: empty = any. stage "new" also matches invoices without a stored state.
    void setStageFilter(const QString &stage);
    void setOwnerFilter(const QString &owner); // "-" = unassigned
    void setDeclineClassFilter(std::optional<DeclineClass> cls);
    void setDeclineCodeFilter(const QString &code); // empty = any
    void setAgeFilter(AgeFilter age);
    void setRetryFilter(RetryFilter retry);
    // The decline codes in the queue, sorted (for the decline filter).
    QStringList declineCodes() const;
    // The "now" for days overdue and the policy; invalid = the clock (tests pin it).
    void setReferenceTime(const QDateTime &utc);
    // The policy whose next attempt and reason the queue shows (default: SmartRetryPolicy).
    void setPolicy(std::shared_ptr<const RetryPolicy> policy);
    void setOverlay(const QHash<QString, DunningOverlay> &overlay);
    // Customers' time zones (by customer id) for retry timing and the next-attempt times; a
    // customer not in the map is timed in UTC (source Utc, "not loaded yet").
    void setCustomerZones(const QHash<QString, CustomerTimeZone> &zones);
    CustomerTimeZone zoneFor(const QString &customerId) const;
    // The customer ids of the whole queue, also of rows the local filters hide (for the zone loader).
    QStringList customerIds() const;
    // Every owner the overlay names for the queue, sorted (for the owner filter).
    QStringList owners() const;
    // The invoices in the queue before the stage, owner and decline-class filters.
    int queueSize() const { return int(m_queue.size()); }
    // Changes each time the queue is read from the cache again (not when only rearranged).
    int queueGeneration() const { return m_generation; }
    // Amount remaining per currency (upper case ISO code, minor units) of the rows shown.
    QList<QPair<QString, qint64>> remainingTotals() const;
    // "Mon 15 Dec 06:00 EST" in the customer's zone, and in the user's (the system zone).
    QString customerTime(const QDateTime &utc, const QString &customerId) const;
    QString userTime(const QDateTime &utc) const;
    DunningOverlay overlayFor(const QString &invoiceId) const;
    // Whole days since the invoice fell due (due date, else creation: automatic collection is due
    // at once). 0 when not yet due.
    int daysOverdue(const Invoice &invoice) const;
    // The policy's next step for a row (reason always set); computed with the rows on the worker.
    RetryStep nextStep(const InvoiceRow &row) const;
    static QString declineCodeOf(const InvoiceRow &row);

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const InvoiceRow &row) const override;

private:
    void fetchQueue(quint64 ticket, const std::optional<PageCursor> &after, QList<InvoiceRow> soFar);
    void arrange(quint64 ticket);
    // Filters and sorts the held queue again (a local filter, the sort, the overlay or the zones
    // changed): goes through reload() so the view sees one reset, without reading the cache.
    void rearrange();
    QVariant sortValue(const InvoiceRow &row, int column) const;
    QDateTime now() const;

    InvoiceQuery m_query;
    QList<InvoiceRow> m_queue;          // every failed invoice the SQL filters select
    QHash<QString, RetryStep> m_steps;  // by invoice id, for m_queue
    bool m_queueHeld = false;
    bool m_rearrangeOnly = false; // the next request arranges m_queue without reading the cache
    bool m_reading = false;       // a read of the cache is under way
    int m_generation = 0;         // counts reads of the cache (zones are reloaded per read)
    QDateTime m_referenceTime;
    std::shared_ptr<const RetryPolicy> m_policy;
    QHash<QString, DunningOverlay> m_overlay;
    QHash<QString, CustomerTimeZone> m_zones;
    QString m_stageFilter;
    QString m_ownerFilter;
    std::optional<DeclineClass> m_classFilter;
    QString m_codeFilter;
    AgeFilter m_ageFilter = AnyAge;
    RetryFilter m_retryFilter = AnyRetry;
};

} // namespace Billing
