#pragma once

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressDialog;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QTableView;
class QTimer;

namespace Billing {

class AsyncBillingDatabase;
class AuditTableModel;
class OutboxService;

// The audit log pane: every write (requested, refused, its outcome) and staff change, newest
// first, read-only. Filters by who, operation, target and period (done in SQL); a detail panel
// with the parameters, before/after summaries, idempotency key and result; export to CSV.
class AuditPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditPage)
public:
    explicit AuditPage(QWidget *parent = nullptr);

    // The database to read; the outbox's changes make the newest rows appear. Either may be null.
    void attach(AsyncBillingDatabase *db, OutboxService *outbox);
    AuditTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QWidget *detailPanel() const;
    QLineEdit *actorFilter() const { return m_actor; }
    QLineEdit *operationFilter() const { return m_operation; }
    QComboBox *targetTypeFilter() const { return m_targetType; }
    QLineEdit *targetIdFilter() const { return m_targetId; }
    QComboBox *periodFilter() const { return m_period; }
    QPushButton *exportButton() const { return m_export; }
    void ensureLoaded();
    void selectRow(int row);
    qint64 selectedId() const { return m_selectedId; }
    void setStale(bool) {}
    // Writes every matching row to `file` (asynchronously); the status line says how it went.
    void exportTo(const QString &file);
    QString lastExportMessage() const { return m_exportMessage; }

Q_SIGNALS:
    void exportFinished(bool ok);

private:
    void applyFilters();
    void updateState();
    void showDetail(int row);
    void chooseExportFile();

    AuditTableModel *m_model;
    QLabel *m_count;
    QLineEdit *m_actor;
    QLineEdit *m_operation;
    QComboBox *m_targetType;
    QLineEdit *m_targetId;
    QComboBox *m_period;
    QPushButton *m_export;
    QTimer *m_debounce;
    QTimer *m_refresh;
    QTableView *m_view;
    QLabel *m_empty;
    QStackedWidget *m_tableStack;
    QScrollArea *m_detailScroll;
    QLabel *m_footer;
    qint64 m_selectedId = 0;
    qint64 m_keepId = 0;
    QString m_exportMessage;
    QPointer<QProgressDialog> m_exportProgress;
};

} // namespace Billing
