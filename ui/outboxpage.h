#pragma once

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QTableView;

namespace Billing {

class CsvFileJob;
class OutboxService;
class OutboxTableModel;

// The outbox pane: money operations waiting to be sent (offline, backing off), being sent, failed
// or needing a person, with the last error and Retry now (sends what is pending at once).
class OutboxPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OutboxPage)
public:
    explicit OutboxPage(QWidget *parent = nullptr);

    void attach(OutboxService *outbox);
    OutboxTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QWidget *detailPanel() const;
    QPushButton *retryButton() const { return m_retry; }
    QCheckBox *showSucceeded() const { return m_showSucceeded; }
    void ensureLoaded();
    void selectRow(int row);
    qint64 selectedId() const { return m_selectedId; }
    void retryNow();

    // "Export CSV…": asks for a file, then exportCsvTo(). The button is ExportCsvButton.
    QPushButton *exportButton() const { return m_export; }
    // Writes the operations shown (with their state and last error) to `path` on a worker (the rows
    // are copied here); returns at once, exportFinished follows with the message shown in the footer.
    void exportCsvTo(const QString &path);
    bool isExporting() const;
    QString footerText() const;

Q_SIGNALS:
    void exportFinished(bool ok, qint64 rows, const QString &message);

private:
    void updateState();
    void showDetail(int row);

    OutboxService *m_outbox = nullptr;
    OutboxTableModel *m_model;
    QLabel *m_count;
    QPushButton *m_retry;
    QPushButton *m_export;
    QPointer<CsvFileJob> m_exportJob;
    QCheckBox *m_showSucceeded;
    QTableView *m_view;
    QLabel *m_empty;
    QStackedWidget *m_tableStack;
    QScrollArea *m_detailScroll;
    QLabel *m_footer;
    qint64 m_selectedId = 0;
    qint64 m_keepId = 0;
};

} // namespace Billing
