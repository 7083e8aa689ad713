#include "ui/alertspage.h"

#include "models/alerttablemodel.h"
#include "models/formatting.h"
#include "services/budgets/budgetservice.h"
#include "ui/tablepagelayout.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace Billing {

namespace {

// The detail panel's pieces, styled like the other panes' (DetailTitle, FieldLabel, ...).
class Detail final
{
public:
    explicit Detail(QVBoxLayout *layout) : m_layout(layout) {}
    void title(const QString &title, const QString &subtitle)
    {
        auto *t = new QLabel(title);
        t->setObjectName(QStringLiteral("DetailTitle"));
        t->setWordWrap(true);
        t->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_layout->addWidget(t);
        auto *s = new QLabel(subtitle);
        s->setObjectName(QStringLiteral("DetailSubtitle"));
        s->setWordWrap(true);
        m_layout->addWidget(s);
    }
    void field(const QString &label, const QString &value)
    {
        if (!m_form) {
            m_form = new QFormLayout;
            m_form->setLabelAlignment(Qt::AlignLeft);
            m_form->setHorizontalSpacing(16);
            m_form->setVerticalSpacing(6);
            m_form->setContentsMargins(0, 8, 0, 0);
            m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
            m_form->setRowWrapPolicy(QFormLayout::WrapLongRows);
            m_layout->addLayout(m_form);
        }
        auto *l = new QLabel(label);
        l->setObjectName(QStringLiteral("FieldLabel"));
        auto *v = new QLabel(value.isEmpty() ? QStringLiteral("—") : value);
        v->setObjectName(QStringLiteral("FieldValue"));
        v->setWordWrap(true);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_form->addRow(l, v);
    }
    void section(const QString &title)
    {
        auto *s = new QLabel(title);
        s->setObjectName(QStringLiteral("DetailSection"));
        m_layout->addWidget(s);
        m_form = nullptr;
    }

private:
    QVBoxLayout *m_layout;
    QFormLayout *m_form = nullptr;
};

} // namespace

AlertsPage::AlertsPage(QWidget *parent)
    : QWidget(parent), m_model(new AlertTableModel(this)), m_proxy(new AlertFilterProxyModel(this))
{
    setObjectName(QStringLiteral("AlertsPage"));
    m_model->setLocale(locale());
    m_proxy->setSourceModel(m_model);

    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("Alerts"));
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_evaluate = new QPushButton(tr("Evaluate now"));
    m_evaluate->setObjectName(QStringLiteral("EvaluateBudgets"));
    m_evaluate->setToolTip(tr("Measure every budget now and record the thresholds crossed"));
    m_export = new QPushButton(tr("Export CSV…"));
    m_export->setObjectName(QStringLiteral("ExportAlerts"));
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_evaluate);
    header->addWidget(m_export);
    root->addLayout(header);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(8);
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("AlertSearch"));
    m_search->setPlaceholderText(tr("Search customer, meter or action"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(260);
    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("AlertKindFilter"));
    m_kind->addItem(tr("All alerts"), QString());
    m_kind->addItem(tr("Thresholds"), QStringLiteral("threshold"));
    m_kind->addItem(tr("Early warnings"), QStringLiteral("forecast"));
    m_kind->addItem(tr("Limit actions"), QStringLiteral("action"));
    m_showAll = new QCheckBox(tr("Show acknowledged and snoozed"));
    m_showAll->setObjectName(QStringLiteral("ShowAllAlerts"));
    m_acknowledge = new QPushButton(tr("Acknowledge"));
    m_acknowledge->setObjectName(QStringLiteral("AcknowledgeAlert"));
    m_acknowledge->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_acknowledge->setToolTip(tr("Mark the alert as seen (Ctrl+K); it leaves the open list"));
    m_snooze = new QPushButton(tr("Snooze"));
    m_snooze->setObjectName(QStringLiteral("SnoozeAlert"));
    m_snooze->setToolTip(tr("Hide the alert until a date"));
    auto *snoozeMenu = new QMenu(m_snooze);
    snoozeMenu->addAction(tr("Until tomorrow"), this, [this] { snoozeSelected(now().addDays(1)); });
    snoozeMenu->addAction(tr("For a week"), this, [this] { snoozeSelected(now().addDays(7)); });
    snoozeMenu->addAction(tr("Until next month"), this, [this] {
        const QDate d = now().toUTC().date().addMonths(1);
        snoozeSelected(QDateTime(QDate(d.year(), d.month(), 1), QTime(0, 0), Qt::UTC));
    });
    snoozeMenu->addAction(tr("Until a date…"), this, &AlertsPage::chooseSnooze);
    m_snooze->setMenu(snoozeMenu);
    filters->addWidget(m_search);
    filters->addWidget(m_kind);
    filters->addWidget(m_showAll);
    filters->addStretch();
    filters->addWidget(m_acknowledge);
    filters->addWidget(m_snooze);
    root->addLayout(filters);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("AlertsTable"));
    m_view->setModel(m_proxy);
    TablePageLayout::setUpView(m_view);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AlertTableModel::When, Qt::DescendingOrder);
    m_view->horizontalHeader()->setMinimumSectionSize(50);
    // A model reset clears the header's per-section modes: set the widths again after each one.
    auto applyWidths = [this] {
        TablePageLayout::setColumnWidths(m_view, {140, 150, 175, 55, 80, 120, 125}, AlertTableModel::Spend);
    };
    applyWidths();
    connect(m_proxy, &QAbstractItemModel::modelReset, this, applyWidths);

    m_tableStack = TablePageLayout::createTableStack(m_view, &m_empty);
    auto *detailFrame = TablePageLayout::createDetailFrame(&m_detailScroll, 270);
    root->addWidget(TablePageLayout::createSplitter(m_tableStack, detailFrame, {860, 270}), 1);

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("Footer"));
    m_message->setWordWrap(true);
    m_message->setText(tr("Budgets are evaluated on every refresh and by `billing-console budgets evaluate`; "
                          "each threshold alerts once per month."));
    root->addWidget(m_message);

    connect(m_search, &QLineEdit::textChanged, m_proxy, &AlertFilterProxyModel::setSearch);
    connect(m_kind, &QComboBox::currentIndexChanged, this,
            [this] { m_proxy->setKind(m_kind->currentData().toString()); });
    connect(m_showAll, &QCheckBox::toggled, this, &AlertsPage::reload);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &AlertsPage::updateState);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &AlertsPage::updateState);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &AlertsPage::updateState);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &AlertsPage::updateState);
    connect(m_evaluate, &QPushButton::clicked, this, &AlertsPage::evaluateNow);
    connect(m_export, &QPushButton::clicked, this, &AlertsPage::exportCsv);
    connect(m_acknowledge, &QPushButton::clicked, this, &AlertsPage::acknowledgeSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showDetail(current); });
    showDetail({});
    updateState();
}

void AlertsPage::attach(BudgetService *service)
{
    m_service = service;
    if (service)
        connect(service, &BudgetService::alertsChanged, this, &AlertsPage::reload);
    updateState();
}

QDateTime AlertsPage::now() const
{
    return m_fixedNow.isValid() ? m_fixedNow : QDateTime::currentDateTimeUtc();
}

QWidget *AlertsPage::detailPanel() const
{
    return m_detailScroll->widget();
}

void AlertsPage::reload()
{
    if (!m_service)
        return;
    m_loading = true;
    updateState();
    AlertQuery q;
    q.includeAcknowledged = q.includeSnoozed = m_showAll->isChecked();
    q.now = now();
    m_service->alerts(q, this, [this](Result<QList<BudgetAlert>> rows) {
        m_loading = false;
        m_loadedOnce = true;
        if (!rows) {
            m_lastError = rows.error().userMessage;
            m_model->setAlerts({}, now());
            updateState();
            Q_EMIT loaded();
            return;
        }
        m_lastError.clear();
        const qint64 keep = m_selectedId;
        m_model->setAlerts(*rows, now());
        QSet<QString> ids;
        for (const BudgetAlert &a : std::as_const(*rows))
            ids.insert(a.customerId);
        m_service->customerNames(QStringList(ids.begin(), ids.end()), this,
                                 [this](Result<QHash<QString, QString>> names) {
                                     if (names)
                                         m_model->setCustomerNames(*names);
                                     showDetail(m_view->currentIndex());
                                 });
        const int row = m_model->rowOfId(keep);
        if (row >= 0)
            selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
        else
            showDetail({});
        updateState();
        Q_EMIT loaded();
    });
}

void AlertsPage::evaluateNow()
{
    if (!m_service)
        return;
    m_evaluate->setEnabled(false);
    showMessage(tr("Evaluating budgets…"), false);
    m_service->evaluate(QDateTime::currentDateTimeUtc(), this, [this](Result<BudgetEvaluationReport> r) {
        m_evaluate->setEnabled(true);
        if (!r)
            return showMessage(r.error().userMessage, true);
        showMessage(tr("%n budget(s) evaluated, %1 new alert(s).", nullptr, int(r->statuses.size()))
                        .arg(r->newAlerts.size()),
                    false);
        reload();
    });
}

void AlertsPage::acknowledgeSelected()
{
    if (!m_service || m_selectedId == 0)
        return;
    m_service->acknowledge(m_selectedId, this, [this](Result<BudgetAlert> r) {
        if (!r)
            return showMessage(r.error().userMessage, true);
        showMessage(tr("Alert acknowledged."), false);
    });
}

void AlertsPage::snoozeSelected(const QDateTime &until)
{
    if (!m_service || m_selectedId == 0)
        return;
    m_service->snooze(m_selectedId, until, this, [this](Result<BudgetAlert> r) {
        if (!r)
            return showMessage(r.error().userMessage, true);
        showMessage(tr("Alert snoozed until %1.").arg(Format::date(r->snoozedUntil, locale())), false);
    });
}

void AlertsPage::chooseSnooze()
{
    if (m_selectedId == 0)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Snooze alert"));
    auto *form = new QFormLayout(&dialog);
    auto *date = new QDateEdit(now().toLocalTime().date().addDays(7));
    date->setCalendarPopup(true);
    date->setMinimumDate(now().toLocalTime().date().addDays(1));
    date->setMaximumDate(now().toLocalTime().date().addDays(365));
    form->addRow(tr("Hide until"), date);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() == QDialog::Accepted)
        snoozeSelected(date->date().startOfDay());
}

void AlertsPage::exportCsv()
{
    const QString suggested = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
        + QStringLiteral("/budget-alerts-%1.csv").arg(now().toLocalTime().toString(QStringLiteral("yyyy-MM-dd")));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export alerts"), suggested, tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportCsvTo(path);
}

void AlertsPage::exportCsvTo(const QString &path)
{
    if (!m_service)
        return;
    QList<BudgetAlert> rows;
    QHash<QString, QString> names;
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const BudgetAlert &a = m_model->alertAt(m_proxy->mapToSource(m_proxy->index(r, 0)).row());
        rows << a;
        names.insert(a.customerId, m_model->customerName(a.customerId));
    }
    m_service->exportAlerts(path, rows, names, this, [this, path, count = rows.size()](Status s) {
        if (!s)
            showMessage(s.error().userMessage, true);
        else
            showMessage(tr("%n alert(s) written to %1.", nullptr, int(count)).arg(path), false);
        Q_EMIT exported(path, s.ok());
    });
}

void AlertsPage::selectRow(int proxyRow)
{
    const QModelIndex index = m_proxy->index(proxyRow, 0);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void AlertsPage::showMessage(const QString &text, bool error)
{
    m_message->setObjectName(error ? QStringLiteral("SaveError") : QStringLiteral("Footer"));
    m_message->setText(text);
    m_message->style()->unpolish(m_message);
    m_message->style()->polish(m_message);
}

void AlertsPage::updateState()
{
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    if (!m_service)
        m_count->setText(tr("not available"));
    else if (m_loading && !m_loadedOnce)
        m_count->setText(tr("Loading…"));
    else if (shown == total)
        m_count->setText(m_showAll->isChecked() ? tr("%n alert(s)", nullptr, total) : tr("%n open", nullptr, total));
    else
        m_count->setText(tr("%1 of %2 shown").arg(locale().toString(shown), locale().toString(total)));
    const bool selected = m_selectedId != 0;
    m_acknowledge->setEnabled(selected && m_service && m_service->mayManage());
    m_snooze->setEnabled(selected && m_service && m_service->mayManage());
    m_export->setEnabled(shown > 0);
    m_evaluate->setEnabled(m_service != nullptr);
    bool empty = false;
    if (!m_service) {
        m_empty->setText(tr("Budgets are not available in this window."));
        empty = true;
    } else if (m_loadedOnce && !m_lastError.isEmpty()) {
        m_empty->setText(tr("Could not read the alerts: %1").arg(m_lastError));
        empty = true;
    } else if (m_loadedOnce && total == 0) {
        m_empty->setText(m_showAll->isChecked() ? tr("No budget alert has fired yet.")
                                                : tr("No open alerts — every budget is within its thresholds, or "
                                                     "its alerts were acknowledged or snoozed."));
        empty = true;
    } else if (m_loadedOnce && shown == 0) {
        m_empty->setText(tr("No alerts match the search and filters."));
        empty = true;
    }
    m_tableStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_empty) : m_view);
}

void AlertsPage::showDetail(const QModelIndex &proxyIndex)
{
    auto *content = new QWidget;
    content->setObjectName(QStringLiteral("DetailContent"));
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(4);
    const QModelIndex source = m_proxy->mapToSource(proxyIndex);
    if (source.isValid()) {
        const BudgetAlert &a = m_model->alertAt(source.row());
        m_selectedId = a.id;
        const QLocale loc = locale();
        Detail d(layout);
        d.title(m_model->customerName(a.customerId), m_model->alertText(a));
        d.field(tr("Customer"), a.customerId);
        if (!a.subscriptionId.isEmpty())
            d.field(tr("Subscription"), a.subscriptionId);
        d.field(a.kind == AlertKind::Forecast ? tr("Forecast") : tr("Spend"), m_model->spendText(a));
        if (a.kind == AlertKind::Forecast)
            d.field(tr("Spent so far"), a.unit == BudgetUnit::Money ? Format::money(a.spend, a.currency, loc)
                                                                    : loc.toString(a.spend));
        d.field(tr("Month"), a.period);
        d.field(tr("Fired"), Format::dateTime(a.triggeredAt, loc));
        d.field(tr("Action taken"), a.action);
        if (a.outboxEntryId > 0)
            d.field(tr("Outbox entry"), QStringLiteral("#%1").arg(a.outboxEntryId));
        d.field(tr("State"), m_model->stateText(a));
        if (a.acknowledgedAt.isValid())
            d.field(tr("Acknowledged"),
                    tr("%1 by %2").arg(Format::dateTime(a.acknowledgedAt, loc), a.acknowledgedBy));
        d.section(tr("How it was measured"));
        auto *note = new QLabel(a.note);
        note->setWordWrap(true);
        note->setObjectName(QStringLiteral("DetailNote"));
        layout->addWidget(note);
    } else {
        m_selectedId = 0;
        auto *hint = new QLabel(tr("Select an alert to see how the spend was measured and what was done."));
        hint->setObjectName(QStringLiteral("EmptyState"));
        hint->setAlignment(Qt::AlignCenter);
        hint->setWordWrap(true);
        layout->addStretch();
        layout->addWidget(hint);
    }
    layout->addStretch();
    m_detailScroll->setWidget(content);
    updateState();
}

} // namespace Billing
