#pragma once

#include "services/dunning/dunningrepository.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Billing {

class AsyncBillingDatabase;

// Dunning pane > Rules: the automation rules (on failure / after N days / when no retry is left ->
// send reminder, notify owner, pause, cancel, mark uncollectible) in the billing database. Each
// save is one audited transaction with a version check (two editors: the second gets "reload").
// Read-only without Permission::ManageDunningRules.
class DunningRulesDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DunningRulesDialog)
public:
    DunningRulesDialog(AsyncBillingDatabase *db, const QString &actor, bool canEdit, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *triggerBox() const { return m_trigger; }
    QSpinBox *daysBox() const { return m_days; }
    QComboBox *actionBox() const { return m_action; }
    QCheckBox *enabledBox() const { return m_enabled; }
    QPushButton *newButton() const { return m_new; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *deleteButton() const { return m_delete; }
    QLabel *statusLabel() const { return m_status; }
    const QList<DunningRule> &rules() const { return m_rules; }
    void reload();

Q_SIGNALS:
    void rulesChanged();

private:
    void edit(int row);
    void showStatus(const QString &text, bool error);

    QPointer<AsyncBillingDatabase> m_db;
    QString m_actor;
    bool m_canEdit;
    QList<DunningRule> m_rules;
    DunningRule m_current;
    QTableWidget *m_table;
    QLineEdit *m_name;
    QComboBox *m_trigger;
    QSpinBox *m_days;
    QComboBox *m_action;
    QCheckBox *m_enabled;
    QPushButton *m_new;
    QPushButton *m_save;
    QPushButton *m_delete;
    QLabel *m_status;
};

} // namespace Billing
