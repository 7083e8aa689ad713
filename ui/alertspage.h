#pragma once

#include "services/budgets/budget.h"

#include <QDateTime>
#include <QHash>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QStackedWidget;
class QTableView;

namespace Billing {

class AlertFilterProxyModel;
class AlertTableModel;
class BudgetService;

// The alert centre: budget alerts that fired (customer, alert, spend vs budget, when, action taken,
// state), with acknowledge, snooze (until a date), filters (kind, search, show acknowledged and
// snoozed), CSV export and "Evaluate now". Reads and writes through BudgetService (async); reloads
// when the service says alerts changed.
class AlertsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertsPage)
public:
    explicit AlertsPage(QWidget *parent = nullptr);

    void attach(BudgetService *service);
    // What "now" is for snooze state (tests pin it); invalid = the clock.
    void setNow(const QDateTime &now) { m_fixedNow = now; }

    void reload();
    void evaluateNow();
    void acknowledgeSelected();
    void snoozeSelected(const QDateTime &until);
    // Asks for a file and writes the filtered rows; exportCsvTo writes without asking.
    void exportCsv();
    void exportCsvTo(const QString &path);

    AlertTableModel *model() const { return m_model; }
    AlertFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QComboBox *kindFilter() const { return m_kind; }
    QLineEdit *searchBox() const { return m_search; }
    QCheckBox *showAllBox() const { return m_showAll; }
    QPushButton *acknowledgeButton() const { return m_acknowledge; }
    QPushButton *snoozeButton() const { return m_snooze; }
    QLabel *messageLabel() const { return m_message; }
    QWidget *detailPanel() const;
    void selectRow(int proxyRow);
    qint64 selectedId() const { return m_selectedId; }
    bool isLoading() const { return m_loading; }

Q_SIGNALS:
    void loaded();
    void exported(const QString &path, bool ok);

private:
    QDateTime now() const;
    void updateState();
    void showDetail(const QModelIndex &proxyIndex);
    void showMessage(const QString &text, bool error);
    void chooseSnooze();

    BudgetService *m_service = nullptr;
    AlertTableModel *m_model;
    AlertFilterProxyModel *m_proxy;
    QLabel *m_count;
    QLineEdit *m_search;
    QComboBox *m_kind;
    QCheckBox *m_showAll;
    QPushButton *m_evaluate;
    QPushButton *m_acknowledge;
    QPushButton *m_snooze;
    QPushButton *m_export;
    QTableView *m_view;
    QLabel *m_empty;
    QStackedWidget *m_tableStack;
    QScrollArea *m_detailScroll;
    QLabel *m_message;
    qint64 m_selectedId = 0;
    bool m_loading = false;
    bool m_loadedOnce = false;
    QString m_lastError;
    QDateTime m_fixedNow;
};

} // namespace Billing
