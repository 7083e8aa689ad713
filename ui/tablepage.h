#pragma once

#include "services/reports/reportexporter.h"
#include "services/reports/reportsource.h"

#include <QProgressDialog>

#include <QPointer>
#include <QWidget>

#include <optional>

class QAction;
class QPushButton;
class QFormLayout;
class QLabel;
class QLineEdit;
class QHBoxLayout;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QVBoxLayout;

namespace Billing {

class PagedTableModel;
class ServerSortProxyModel;

// The detail panel's content for one row: title, fields, sections, links. Rebuilt per selection.
class DetailBuilder final
{
public:
    // `actions`: a row of buttons under the title (the pane's row actions), kept in step with them.
    explicit DetailBuilder(QVBoxLayout *layout, const QList<QAction *> &actions = {});
    void title(const QString &title, const QString &subtitle = {});
    // Returns the value label (for values that arrive later: updateField()).
    QLabel *field(const QString &label, const QString &value);
    static void updateField(QLabel *valueLabel, const QString &value);
    void section(const QString &title);
    QLabel *richText(const QString &html); // tables of lines/attempts
    void links(const QList<QPair<QString, QString>> &textAndUrl);

private:
    QVBoxLayout *m_layout;
    QList<QAction *> m_actions;
    QFormLayout *m_form = nullptr;
};

// One table pane: header (title, row count, stale hint), search box + filter widgets, a table
// sorted in SQL through ServerSortProxyModel, a detail panel for the selected row, an empty state.
class TablePage : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TablePage)
public:
    TablePage(const QString &title, PagedTableModel *model, QWidget *parent = nullptr);

    QString title() const { return m_title; }
    QTableView *view() const { return m_view; }
    QLineEdit *searchBox() const { return m_search; }
    PagedTableModel *model() const { return m_model; }
    QWidget *detailPanel() const;
    QLabel *emptyStateLabel() const { return m_empty; }
    QLabel *footerLabel() const { return m_footer; }
    bool isEmptyStateShown() const;
    void selectRow(int row);
    QString selectedId() const { return m_selectedId; }
    void setStale(bool stale);
    // Loads the first page if nothing is loaded yet (panes load when first shown).
    void ensureLoaded();
    // Actions on the selected row: the table's context menu and a row of buttons in the detail
    // panel (both follow each action's text, enabled and visible state). Not owned.
    void setRowActions(const QList<QAction *> &actions);
    QList<QAction *> rowActions() const { return m_rowActions; }

    // "Export CSV…" (every pane): asks for a file name, then exportCsv().
    QPushButton *exportButton() const { return m_exportButton; }
    // The local cache file the report exports read (read-only connection of their own); without it
    // every pane exports the rows of its table.
    void setExportCacheFile(const QString &path) { m_exportCacheFile = path; }
    // Writes the pane's rows under its current filter to `path` (a temporary file renamed on
    // success) with a progress dialog and Cancel; returns at once, exportFinished follows. Panes
    // with a report (reportExport()) run it through ExportJob on its own thread; the others load
    // every page of their table and write what it shows.
    void exportCsv(const QString &path);
    bool isExporting() const { return m_exportJob || m_tableExport; }
    QProgressDialog *exportProgress() const { return m_exportProgress; }

Q_SIGNALS:
    // An export ended: ok, the rows written, and a message in plain words (the file, or the error).
    void exportFinished(bool ok, qint64 rows, const QString &message);
    // The selected row changed (empty id: none); emitted before the detail panel is rebuilt.
    void selectionChanged(const QString &id);

protected:
    void addFilterWidget(QWidget *widget);
    // A pane's own command beside Export CSV, on the title row (the filter row is for filters).
    void addHeaderWidget(QWidget *widget);
    void setFooterText(const QString &text);
    // Widths in pixels; 0 hides a column (its value is in the detail panel). The elastic column
    // (-1: none) takes whatever width the others leave, so the table fits without a horizontal
    // scroll bar at the usual window sizes.
    void setColumnWidths(const QList<int> &widths, int elasticColumn = -1);
    void setDetailWidth(int pixels);
    virtual void applySearch(const QString &text) = 0;
    virtual QString emptyText() const = 0;          // nothing in the cache at all
    virtual QString noMatchText() const;            // filters exclude every row
    virtual bool hasActiveFilters() const;
    virtual void fillDetail(int sourceRow, DetailBuilder &detail) = 0;
    virtual QString countText(int rows, bool more) const = 0;
    virtual void rowsReloaded() {}                  // after a fresh first page (filters changed)
    // The report that exports this pane under its current filter (none: the table's rows).
    struct ReportExport
    {
        ReportKind kind = ReportKind::Invoices;
        ReportFilter filter;
    };
    virtual std::optional<ReportExport> reportExport() const { return std::nullopt; }

public:
    // Rebuilds the detail panel of the selected row (after its actions changed).
    void refreshDetail();

protected:

private:
    void updateState();
    void showDetailFor(const QModelIndex &proxyIndex);
    void continueTableExport();
    void finishExport(bool ok, qint64 rows, const QString &message);

    QString m_title;
    PagedTableModel *m_model;
    ServerSortProxyModel *m_proxy;
    QLabel *m_count;
    QLabel *m_stale;
    QLineEdit *m_search;
    QTimer *m_debounce;
    QHBoxLayout *m_filters;
    QTableView *m_view;
    QLabel *m_empty;
    QStackedWidget *m_tableStack;
    QScrollArea *m_detailScroll;
    QLabel *m_footer;
    QSplitter *m_splitter;
    QString m_selectedId;
    QString m_keepId;
    QList<QAction *> m_rowActions;
    QPushButton *m_exportButton = nullptr;
    QHBoxLayout *m_header = nullptr;
    QString m_exportCacheFile;
    QPointer<QProgressDialog> m_exportProgress;
    QPointer<ExportJob> m_exportJob;
    struct TableExport;
    std::shared_ptr<TableExport> m_tableExport;
};

} // namespace Billing
