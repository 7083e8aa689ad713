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
// Search and currency filter in SQL; the cache-backed columns sort in SQL. The queue loads in one
// large page (pageSize 5000), so the overlay and policy columns (stage, owner, last contact, next
// attempt reason, decline meaning) and the stage/owner/decline-class filters work on the loaded
// rows in the model itself.
class DunningTableModel final : public TypedPagedModel<InvoiceRow>
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningTableModel)
public:
    enum Column {
        Customer, Number, AmountRemaining, Currency, DeclineCode, Meaning, Attempts, NextAttempt, NextReason,
        DaysOverdue, Stage, Owner, LastContact, ColumnCount
    };

    explicit DunningTableModel(CacheReader *reader, QObject *parent = nullptr);

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
    // The "now" for days overdue and the policy; invalid = the clock (tests pin it).
    void setReferenceTime(const QDateTime &utc);
    // The policy whose next attempt and reason the queue shows (default: SmartRetryPolicy).
    void setPolicy(std::shared_ptr<const RetryPolicy> policy);
    void setOverlay(const QHash<QString, DunningOverlay> &overlay);
    // Customers' time zones (by customer id) for retry timing and the next-attempt times; a
    // customer not in the map is timed in UTC (source Utc, "not loaded yet").
    void setCustomerZones(const QHash<QString, CustomerTimeZone> &zones);
    CustomerTimeZone zoneFor(const QString &customerId) const;
    // The customer ids of the loaded rows (for the zone loader).
    QStringList customerIds() const;
    // "Mon 15 Dec 06:00 EST" in the customer's zone, and in the user's (the system zone).
    QString customerTime(const QDateTime &utc, const QString &customerId) const;
    QString userTime(const QDateTime &utc) const;
    DunningOverlay overlayFor(const QString &invoiceId) const;
    // Whole days since the invoice fell due (due date, else creation: automatic collection is due
    // at once). 0 when not yet due.
    int daysOverdue(const Invoice &invoice) const;
    // The policy's next step for a row (reason always set).
    RetryStep nextStep(const InvoiceRow &row) const;
    static QString declineCodeOf(const InvoiceRow &row);
    InvoiceQuery filterQuery() const;

protected:
    void requestPage(quint64 ticket, const std::optional<PageCursor> &after, int limit) override;
    bool isSortable(int column) const override;
    PageCursor cursorFor(const InvoiceRow &row) const override;

private:
    bool isLocalColumn(int column) const;
    bool passesLocalFilters(const InvoiceRow &row) const;
    QVariant sortValue(const InvoiceRow &row, int column) const;
    QDateTime now() const;

    InvoiceQuery m_query;
    QDateTime m_referenceTime;
    std::shared_ptr<const RetryPolicy> m_policy;
    QHash<QString, DunningOverlay> m_overlay;
    QHash<QString, CustomerTimeZone> m_zones;
    QString m_stageFilter;
    QString m_ownerFilter;
    std::optional<DeclineClass> m_classFilter;
};

} // namespace Billing
