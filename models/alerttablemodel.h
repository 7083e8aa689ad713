#pragma once

#include "services/budgets/budget.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QLocale>
#include <QSortFilterProxyModel>

namespace Billing {

// The triggered budget alerts the alert centre lists (newest first as loaded). Display role
// formats (money by QLocale, units with the meter); RawRole gives the sortable value.
class AlertTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertTableModel)
public:
    enum Column { Customer, Alert, Spend, Used, When, Action, State, ColumnCount };
    enum Role {
        RawRole = Qt::UserRole + 1, // qint64 / QDateTime / QString, for sorting
        // Past the roles the table pages' delegates read (PagedTableModel's StatusRole paints chips).
        IdRole = Qt::UserRole + 50, // the alert id (qint64)
        KindRole,                   // "threshold" | "forecast" | "action" (a 100% alert that did something)
        StateRole,                  // "open" | "snoozed" | "acknowledged"
        UsedPermilleRole,           // share of the budget used when the alert fired (int, 1000 = 100%)
    };

    explicit AlertTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces every row. names: customer id -> display name (missing: the id is shown).
    void setAlerts(const QList<BudgetAlert> &alerts, const QDateTime &now);
    void setCustomerNames(const QHash<QString, QString> &names);
    void setLocale(const QLocale &locale) { m_locale = locale; }
    const BudgetAlert &alertAt(int row) const { return m_rows.at(row); }
    int rowOfId(qint64 id) const;
    QString customerName(const QString &customerId) const;

    // Plain-words pieces shared with the detail panel and the CSV export.
    QString alertText(const BudgetAlert &a) const;  // "80% of budget" / "Early warning: forecast over budget"
    QString spendText(const BudgetAlert &a) const;  // "850 of 1,000 api_calls" / "$425.00 of $500.00"
    QString stateText(const BudgetAlert &a) const;  // "Open" / "Snoozed until 3 Dec" / "Acknowledged by ..."
    static QString kindKey(const BudgetAlert &a);
    QString stateKey(const BudgetAlert &a) const;

private:
    QString amount(const BudgetAlert &a, qint64 value) const;

    QList<BudgetAlert> m_rows;
    QHash<QString, QString> m_names;
    QDateTime m_now;
    QLocale m_locale;
};

// Filters of the alert centre: kind ("" = any, "threshold", "forecast", "action") and a search over
// customer name/id, meter and action text.
class AlertFilterProxyModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertFilterProxyModel)
public:
    explicit AlertFilterProxyModel(QObject *parent = nullptr);
    void setKind(const QString &kind);
    void setSearch(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_kind;
    QString m_search;
};

} // namespace Billing
