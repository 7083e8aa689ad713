#pragma once

#include "services/domain/catalog.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QTableView;
class QVBoxLayout;

namespace Billing {

class CatalogTableModel;
class CatalogTierModel;
class CatalogService;
class CsvFileJob;

// The price catalog pane: products and their prices (flat rate, per unit, package, tiered
// graduated and volume) with every currency each price has; archived prices hidden unless
// "Show archived" is ticked. The detail panel shows the selected price: product, pricing model,
// interval, currencies (a picker) and, for tiered prices, the tier table in that currency.
// "Price calculator…" opens the calculator on the selected price (setCalculatorOpener).
// Data comes from CatalogService (cache first, Refresh reads Stripe); setCatalog() for tests.
// GUI thread.
class CatalogPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogPage)
public:
    explicit CatalogPage(CatalogService *service, QWidget *parent = nullptr);

    void setCatalog(const QList<Product> &products, const QList<Price> &prices);
    // Loads from the cache (and, when the cache has no prices, from Stripe once).
    void load();
    void setCalculatorOpener(std::function<void(const QString &priceId, const QString &currency)> opener);

    CatalogTableModel *model() const { return m_model; }
    CatalogTierModel *tierModel() const { return m_tiers; }
    QTableView *view() const { return m_view; }
    QTableView *tierView() const { return m_tierView; }
    QCheckBox *showArchivedBox() const { return m_showArchived; }
    QComboBox *currencyBox() const { return m_currency; }
    QLineEdit *searchBox() const { return m_search; }
    QPushButton *calculatorButton() const { return m_calculator; }
    QString selectedPriceId() const { return m_selectedId; }
    void selectPrice(const QString &priceId);

    // "Export CSV…" (ExportCsvButton): asks for a file, then exportCsvTo().
    QPushButton *exportButton() const { return m_export; }
    // Writes the prices shown (search and "Show archived" as set), one row per price and currency,
    // with machine columns (ids, pricing scheme, ISO currency, amounts in major units) to `path` on
    // a worker; returns at once, exportFinished follows with the message shown in the header.
    void exportCsvTo(const QString &path);
    bool isExporting() const;
    QString statusText() const;

Q_SIGNALS:
    void exportFinished(bool ok, qint64 rows, const QString &message);

private:
    void onSelectionChanged();
    void showDetail();
    void updateCount();

    CatalogService *m_service;
    CatalogTableModel *m_model;
    CatalogTierModel *m_tiers;
    QTableView *m_view;
    QTableView *m_tierView;
    QLabel *m_count;
    QLabel *m_status;
    QLineEdit *m_search;
    QCheckBox *m_showArchived;
    QPushButton *m_refresh;
    QPushButton *m_calculator;
    QPushButton *m_export;
    QPointer<CsvFileJob> m_exportJob;
    QStackedWidget *m_tableStack;
    QLabel *m_empty;
    QWidget *m_detail;
    QLabel *m_detailTitle;
    QLabel *m_detailSubtitle;
    QWidget *m_detailFields;
    QFormLayout *m_fieldsForm;
    QWidget *m_currencyRow;
    QComboBox *m_currency;
    QLabel *m_tierHeading;
    QString m_selectedId;
    std::function<void(const QString &, const QString &)> m_openCalculator;
    QElapsedTimer m_lastRefresh;
};

} // namespace Billing
