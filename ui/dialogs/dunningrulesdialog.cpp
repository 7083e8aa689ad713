#include "ui/dialogs/dunningrulesdialog.h"

#include "services/storage/asyncbillingdatabase.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

DunningRulesDialog::DunningRulesDialog(AsyncBillingDatabase *db, const QString &actor, bool canEdit, QWidget *parent)
    : QDialog(parent), m_db(db), m_actor(actor), m_canEdit(canEdit)
{
    setObjectName(QStringLiteral("DunningRulesDialog"));
    setWindowTitle(tr("Dunning rules"));
    auto *root = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Rules run when the console refreshes and from the command line "
                                "(<code>billing-console dunning run</code>), each step once per invoice."), this);
    intro->setWordWrap(true);
    root->addWidget(intro);
    m_table = new QTableWidget(0, 4, this);
    m_table->setObjectName(QStringLiteral("DunningRulesTable"));
    m_table->setHorizontalHeaderLabels({tr("Rule"), tr("When"), tr("Then"), tr("On")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->setColumnWidth(1, 200);
    m_table->setColumnWidth(2, 210);
    m_table->setColumnWidth(3, 44);
    root->addWidget(m_table, 1);

    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("e.g. Remind after 3 days"));
    m_trigger = new QComboBox(this);
    for (DunningTrigger t : {DunningTrigger::OnFailure, DunningTrigger::AfterDays, DunningTrigger::OnFinalAttempt})
        m_trigger->addItem(dunningTriggerLabel(t, 0).replace(QLatin1String("0 days"), tr("N days")), int(t));
    m_days = new QSpinBox(this);
    m_days->setRange(1, 365);
    m_days->setValue(3);
    m_days->setSuffix(tr(" days"));
    m_action = new QComboBox(this);
    for (DunningAction a : {DunningAction::SendReminder, DunningAction::NotifyOwner, DunningAction::Pause, DunningAction::Cancel,
                            DunningAction::MarkUncollectible})
        m_action->addItem(dunningActionLabel(a), int(a));
    m_enabled = new QCheckBox(tr("Rule is on"), this);
    m_enabled->setChecked(true);
    auto *when = new QHBoxLayout;
    when->addWidget(m_trigger, 1);
    when->addWidget(m_days);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("When"), when);
    form->addRow(tr("Then"), m_action);
    form->addRow(QString(), m_enabled);
    root->addLayout(form);

    auto *row = new QHBoxLayout;
    m_new = new QPushButton(tr("New rule"), this);
    m_save = new QPushButton(tr("Save rule"), this);
    m_save->setDefault(true);
    m_delete = new QPushButton(tr("Delete"), this);
    row->addWidget(m_new);
    row->addStretch();
    row->addWidget(m_delete);
    row->addWidget(m_save);
    root->addLayout(row);
    m_status = OperationStatusPanel::createStatusLabel(this);
    root->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    root->addWidget(buttons);
    resize(720, 520);

    auto syncDays = [this] { m_days->setEnabled(m_canEdit && DunningTrigger(m_trigger->currentData().toInt()) == DunningTrigger::AfterDays); };
    connect(m_trigger, &QComboBox::currentIndexChanged, this, syncDays);
    for (QWidget *w : {static_cast<QWidget *>(m_name), static_cast<QWidget *>(m_trigger), static_cast<QWidget *>(m_action),
                       static_cast<QWidget *>(m_enabled), static_cast<QWidget *>(m_new), static_cast<QWidget *>(m_save),
                       static_cast<QWidget *>(m_delete)})
        w->setEnabled(canEdit);
    syncDays();
    if (!canEdit)
        showStatus(tr("Only finance and administrators change dunning rules."), false);

    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int r) { edit(r); });
    connect(m_new, &QPushButton::clicked, this, [this] {
        m_table->clearSelection();
        m_current = DunningRule{};
        m_name->clear();
        m_name->setFocus();
        m_delete->setEnabled(false);
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        DunningRule r = m_current;
        r.name = m_name->text();
        r.trigger = DunningTrigger(m_trigger->currentData().toInt());
        r.days = m_days->value();
        r.action = DunningAction(m_action->currentData().toInt());
        r.enabled = m_enabled->isChecked();
        if (Status v = DunningRepository::validate(r); !v)
            return showStatus(v.error().userMessage, true);
        if (!m_db)
            return;
        const QString actor = m_actor;
        m_db->thread().run(this, [r, actor](BillingDatabase &db) { return DunningRepository(db).saveRule(r, actor); },
                           [this](Result<DunningRule> saved) {
            if (!saved)
                return showStatus(saved.error().userMessage, true);
            m_current = saved.value();
            showStatus(tr("Saved \"%1\".").arg(saved->name), false);
            Q_EMIT rulesChanged();
            reload();
        });
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        if (!m_db || m_current.id == 0)
            return;
        const DunningRule r = m_current;
        const QString actor = m_actor;
        m_db->thread().run(this, [r, actor](BillingDatabase &db) { return DunningRepository(db).deleteRule(r.id, r.version, actor); },
                           [this](Status s) {
            if (!s)
                return showStatus(s.error().userMessage, true);
            m_current = DunningRule{};
            showStatus(tr("Deleted."), false);
            Q_EMIT rulesChanged();
            reload();
        });
    });
    reload();
}

void DunningRulesDialog::reload()
{
    if (!m_db)
        return;
    m_db->thread().run(this, [](BillingDatabase &db) { return DunningRepository(db).rules(); }, [this](Result<QList<DunningRule>> rules) {
        if (!rules)
            return showStatus(rules.error().userMessage, true);
        m_rules = rules.value();
        const qint64 keep = m_current.id;
        QSignalBlocker block(m_table);
        m_table->setRowCount(int(m_rules.size()));
        int select = -1;
        for (int i = 0; i < m_rules.size(); ++i) {
            const DunningRule &r = m_rules.at(i);
            m_table->setItem(i, 0, new QTableWidgetItem(r.name));
            m_table->setItem(i, 1, new QTableWidgetItem(dunningTriggerLabel(r.trigger, r.days)));
            m_table->setItem(i, 2, new QTableWidgetItem(dunningActionLabel(r.action)));
            m_table->setItem(i, 3, new QTableWidgetItem(r.enabled ? tr("on") : tr("off")));
            if (r.id == keep)
                select = i;
        }
        if (select >= 0)
            m_table->selectRow(select);
        m_delete->setEnabled(m_canEdit && m_current.id != 0);
    });
}

void DunningRulesDialog::edit(int row)
{
    if (row < 0 || row >= m_rules.size())
        return;
    m_current = m_rules.at(row);
    m_name->setText(m_current.name);
    m_trigger->setCurrentIndex(m_trigger->findData(int(m_current.trigger)));
    if (m_current.trigger == DunningTrigger::AfterDays)
        m_days->setValue(m_current.days);
    m_action->setCurrentIndex(m_action->findData(int(m_current.action)));
    m_enabled->setChecked(m_current.enabled);
    m_delete->setEnabled(m_canEdit);
}

void DunningRulesDialog::showStatus(const QString &text, bool error)
{
    OperationStatusPanel::showStatus(m_status, text, error ? QStringLiteral("#991b1b") : QString());
}

} // namespace Billing
