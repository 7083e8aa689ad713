#pragma once

#include "services/dunning/customertimezone.h"
#include "services/dunning/dunningrepository.h"
#include "ui/tablepage.h"

#include <functional>

class QAction;
class QComboBox;

namespace Billing {

class CacheReader;
class DunningTableModel;

// Invoices whose payment failed: decline and meaning, attempts, the retry policy's next attempt
// and why, days overdue, the console's stage, owner and last contact; totals at risk per currency.
// Filters: search, currency, stage, owner, decline class or code, days overdue, next attempt. The
// stage/owner/contact columns come from the billing database through setOverlayLoader (wired by
// app/dunningwiring); page buttons (rules, metrics, run now) through addPageAction. The model holds the whole queue, so Export CSV
// writes the table's rows as shown: every filtered invoice with the console's own columns.
class DunningPage final : public TablePage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningPage)
public:
    using OverlayLoader = std::function<void(QObject *context, std::function<void(QHash<QString, DunningOverlay>)> done)>;

    explicit DunningPage(CacheReader *reader, QWidget *parent = nullptr);
    DunningTableModel *dunning() const { return m_dunning; }

    using ZoneLoader = std::function<void(QObject *context, QStringList customerIds,
                                          std::function<void(QHash<QString, CustomerTimeZone>)> done)>;
    void setOverlayLoader(OverlayLoader loader);
    // Resolves the customers' time zones (app/dunningwiring: the cached customer's metadata and
    // address through CustomerTimeZones); called for the customers of newly loaded rows.
    void setZoneLoader(ZoneLoader loader);
    // Reloads the billing-database columns (after a recovery step or a rules run).
    void refreshOverlay();
    void addPageAction(QAction *action);
    QComboBox *stageFilter() const { return m_stage; }
    QComboBox *ownerFilter() const { return m_owner; }
    QComboBox *classFilter() const { return m_class; } // decline classes, then the queue's codes
    QComboBox *ageFilter() const { return m_age; }
    QComboBox *retryFilter() const { return m_retry; }

protected:
    void applySearch(const QString &text) override;
    QString emptyText() const override;
    bool hasActiveFilters() const override;
    void fillDetail(int row, DetailBuilder &detail) override;
    QString countText(int rows, bool more) const override;
    void rowsReloaded() override;

private:
    void updateOwners();
    void updateDeclineCodes();
    void loadZones();

    CacheReader *m_reader;
    DunningTableModel *m_dunning;
    QComboBox *m_currency;
    QComboBox *m_stage;
    QComboBox *m_age;
    QComboBox *m_retry;
    QComboBox *m_owner;
    QComboBox *m_class;
    OverlayLoader m_overlayLoader;
    ZoneLoader m_zoneLoader;
    QHash<QString, CustomerTimeZone> m_zones;
    int m_zonesGeneration = -1; // DunningTableModel::queueGeneration() the zones were loaded for
};

} // namespace Billing
