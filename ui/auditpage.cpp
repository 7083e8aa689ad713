#include "ui/auditpage.h"

#include "models/audittablemodel.h"
#include "services/outbox/outboxservice.h"
#include "services/reports/reportexporter.h"
#include "services/storage/asyncbillingdatabase.h"
#include "ui/tablepage.h"
#include "ui/tablepagelayout.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace Billing {

AuditPage::AuditPage(QWidget *parent) : QWidget(parent), m_model(new AuditTableModel(nullptr, this))
{
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("Audit log"));
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_export = new QPushButton(tr("Export CSV…"));
    m_export->setObjectName(QStringLiteral("ExportCsv"));
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_export);
    root->addLayout(header);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(8);
    m_actor = new QLineEdit;
    m_actor->setObjectName(QStringLiteral("SearchBox"));
    m_actor->setPlaceholderText(tr("Who (staff email)"));
    m_actor->setClearButtonEnabled(true);
    m_operation = new QLineEdit;
    m_operation->setObjectName(QStringLiteral("OperationFilter"));
    m_operation->setPlaceholderText(tr("Operation (refund.create)"));
    m_operation->setClearButtonEnabled(true);
    m_targetType = new QComboBox;
    m_targetType->setObjectName(QStringLiteral("TargetTypeFilter"));
    m_targetType->addItem(tr("Any object"), QString());
    const QList<QPair<QString, QString>> types{
        {tr("Customers"), QStringLiteral("customer")},         {tr("Subscriptions"), QStringLiteral("subscription")},
        {tr("Invoices"), QStringLiteral("invoice")},           {tr("Payments"), QStringLiteral("payment_intent")},
        {tr("Staff"), QStringLiteral("staff")},                {tr("Settings"), QStringLiteral("setting")},
        {tr("Seasonal windows"), QStringLiteral("seasonal_window")}};
    for (const auto &[text, value] : types)
        m_targetType->addItem(text, value);
    m_targetId = new QLineEdit;
    m_targetId->setObjectName(QStringLiteral("TargetIdFilter"));
    m_targetId->setPlaceholderText(tr("Object ID"));
    m_targetId->setClearButtonEnabled(true);
    m_period = new QComboBox;
    m_period->setObjectName(QStringLiteral("PeriodFilter"));
    m_period->addItem(tr("Any time"), 0);
    m_period->addItem(tr("Today"), 1);
    m_period->addItem(tr("Last 7 days"), 7);
    m_period->addItem(tr("Last 30 days"), 30);
    m_period->addItem(tr("Last 12 months"), 365);
    filters->addWidget(m_actor, 3);
    filters->addWidget(m_operation, 3);
    filters->addWidget(m_targetType, 2);
    filters->addWidget(m_targetId, 2);
    filters->addWidget(m_period, 2);
    root->addLayout(filters);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);
    connect(m_debounce, &QTimer::timeout, this, &AuditPage::applyFilters);
    for (QLineEdit *edit : {m_actor, m_operation, m_targetId})
        connect(edit, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_targetType, &QComboBox::currentIndexChanged, this, &AuditPage::applyFilters);
    connect(m_period, &QComboBox::currentIndexChanged, this, &AuditPage::applyFilters);
    // New rows (an operation finished) arrive in bursts: one read for a burst.
    m_refresh = new QTimer(this);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(400);
    connect(m_refresh, &QTimer::timeout, this, [this] {
        if (m_model->hasLoadedOnce() && !m_model->isLoading())
            m_model->reload(true);
    });

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("AuditTable"));
    m_view->setModel(m_model);
    TablePageLayout::setUpView(m_view);
    m_view->horizontalHeader()->setMinimumSectionSize(60);
    TablePageLayout::setColumnWidths(m_view, {150, 190, 150, 0, 120, 0}, AuditTableModel::Target);

    m_tableStack = TablePageLayout::createTableStack(m_view, &m_empty);
    auto *detailFrame = TablePageLayout::createDetailFrame(&m_detailScroll, 300);

    root->addWidget(TablePageLayout::createSplitter(m_tableStack, detailFrame, {760, 370}), 1);

    m_footer = new QLabel(tr("The audit log is append-only: entries cannot be changed or deleted."));
    m_footer->setObjectName(QStringLiteral("Footer"));
    root->addWidget(m_footer);

    connect(m_export, &QPushButton::clicked, this, &AuditPage::chooseExportFile);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showDetail(current.isValid() ? current.row() : -1); });
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_keepId = m_selectedId; });
    connect(m_model, &AuditTableModel::reloaded, this, [this] {
        const int row = m_model->rowOfId(m_keepId);
        if (row >= 0)
            selectRow(row);
        else
            showDetail(-1);
        updateState();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &AuditPage::updateState);
    connect(m_model, &AuditTableModel::loadingChanged, this, &AuditPage::updateState);
    connect(m_model, &AuditTableModel::loadFailed, this, &AuditPage::updateState);
    showDetail(-1);
    updateState();
}

void AuditPage::attach(AsyncBillingDatabase *db, OutboxService *outbox)
{
    m_model->setLocale(locale());
    m_model->setDatabase(db);
    if (outbox) {
        connect(outbox, &OutboxService::entryChanged, m_refresh, qOverload<>(&QTimer::start));
        connect(outbox, &OutboxService::queueChanged, m_refresh, qOverload<>(&QTimer::start));
    }
    updateState();
}

QWidget *AuditPage::detailPanel() const
{
    return m_detailScroll->widget();
}

void AuditPage::ensureLoaded()
{
    if (!m_model->hasLoadedOnce() && !m_model->isLoading())
        m_model->reload();
    else
        m_refresh->start(); // show what was audited since the pane was last open
}

void AuditPage::selectRow(int row)
{
    const QModelIndex index = m_model->index(row, 0);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void AuditPage::applyFilters()
{
    // One reload for all filters: set them on the query, then read.
    const QString type = m_targetType->currentData().toString();
    const int days = m_period->currentData().toInt();
    QDateTime from;
    if (days == 1)
        from = QDateTime(QDate::currentDate(), QTime(0, 0)).toUTC();
    else if (days > 1)
        from = QDateTime::currentDateTimeUtc().addDays(-days);
    AuditQuery filter;
    filter.actor = m_actor->text().trimmed();
    filter.operation = m_operation->text().trimmed();
    filter.targetType = type;
    filter.targetId = m_targetId->text().trimmed();
    filter.from = from;
    m_model->setFilter(filter);
}

void AuditPage::updateState()
{
    const int rows = m_model->rowCount();
    const bool more = m_model->canFetchMore({});
    if (!m_model->database())
        m_count->setText(tr("not available"));
    else if (!m_model->hasLoadedOnce())
        m_count->setText(tr("Loading…"));
    else if (more)
        m_count->setText(tr("%1+ entries").arg(locale().toString(rows)));
    else
        m_count->setText(rows == 1 ? tr("1 entry") : tr("%1 entries").arg(locale().toString(rows)));
    const bool filtered = !m_actor->text().trimmed().isEmpty() || !m_operation->text().trimmed().isEmpty()
        || m_targetType->currentIndex() > 0 || !m_targetId->text().trimmed().isEmpty() || m_period->currentIndex() > 0;
    bool empty = false;
    if (!m_model->database()) {
        m_empty->setText(tr("The billing database is not open, so the audit log cannot be shown."));
        empty = true;
    } else if (m_model->hasLoadedOnce() && !m_model->isLoading() && rows == 0) {
        if (!m_model->lastError().isEmpty())
            m_empty->setText(tr("Could not read the audit log: %1").arg(m_model->lastError()));
        else
            m_empty->setText(filtered ? tr("No audit entries match the filters.")
                                      : tr("Nothing audited yet — changes made from this console appear here."));
        empty = true;
    }
    m_tableStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_empty) : m_view);
    m_export->setEnabled(m_model->database() != nullptr);
}

void AuditPage::showDetail(int row)
{
    auto *content = new QWidget;
    content->setObjectName(QStringLiteral("DetailContent"));
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(4);
    if (row >= 0 && row < m_model->rowCount()) {
        const AuditEntry &e = m_model->rowAt(row);
        m_selectedId = e.id;
        const QLocale loc = locale();
        DetailBuilder d(layout);
        d.title(e.operation, tr("Audit entry #%1").arg(e.id));
        d.field(tr("When"), loc.toString(e.at.toLocalTime(), QLocale::LongFormat));
        d.field(tr("Who"), e.actor);
        d.field(tr("Target"), e.targetId.isEmpty() ? e.targetType : tr("%1 %2").arg(e.targetType, e.targetId));
        d.field(tr("Result"), e.result.isEmpty() ? tr("requested") : e.result);
        d.field(tr("Idempotency key"), e.idempotencyKey);
        if (!e.beforeSummary.isEmpty() || !e.afterSummary.isEmpty()) {
            d.section(tr("Change"));
            d.field(tr("Before"), e.beforeSummary);
            d.field(tr("After"), e.afterSummary);
        }
        d.section(tr("Parameters"));
        const QJsonDocument params = QJsonDocument::fromJson(e.paramsJson.toUtf8());
        const QString pretty = params.isObject() && !params.object().isEmpty()
            ? QString::fromUtf8(params.toJson(QJsonDocument::Indented)).trimmed()
            : tr("(none)");
        QLabel *json = d.richText(QStringLiteral("<pre style=\"font-family:monospace; font-size:11px; color:#374151;"
                                                 " white-space:pre-wrap;\">%1</pre>")
                                      .arg(pretty.toHtmlEscaped()));
        json->setObjectName(QStringLiteral("AuditParams"));
        json->setTextInteractionFlags(Qt::TextSelectableByMouse);
    } else {
        m_selectedId = 0;
        auto *hint = new QLabel(tr("Select an entry to see its parameters and result."));
        hint->setObjectName(QStringLiteral("EmptyState"));
        hint->setAlignment(Qt::AlignCenter);
        hint->setWordWrap(true);
        layout->addStretch();
        layout->addWidget(hint);
    }
    layout->addStretch();
    m_detailScroll->setWidget(content);
}

void AuditPage::chooseExportFile()
{
    const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                  .filePath(QStringLiteral("audit-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)));
    const QString file = QFileDialog::getSaveFileName(this, tr("Export the audit log"), suggested, tr("CSV files (*.csv)"));
    if (!file.isEmpty())
        exportTo(file);
}

// Every entry the pane's filters select (all pages, not only those loaded), through the audit-log
// report: on the export's own thread (each page read on the billing database's worker), CSV with
// defused cells, progress and Cancel, the file renamed into place only when complete.
void AuditPage::exportTo(const QString &file)
{
    AsyncBillingDatabase *db = m_model->database();
    if (m_exportProgress)
        return; // one export at a time
    if (!db) {
        m_exportMessage = tr("Export failed: %1").arg(tr("The billing database is not available."));
        m_footer->setText(m_exportMessage);
        Q_EMIT exportFinished(false);
        return;
    }
    m_export->setEnabled(false);
    m_footer->setText(tr("Exporting…"));
    m_exportProgress = new QProgressDialog(tr("Exporting the audit log…"), tr("Cancel"), 0, 0, this);
    m_exportProgress->setObjectName(QStringLiteral("ExportProgress"));
    m_exportProgress->setWindowTitle(tr("Export CSV"));
    m_exportProgress->setMinimumDuration(0);
    m_exportProgress->setAutoClose(false);
    m_exportProgress->setAutoReset(false);
    m_exportProgress->setMinimumWidth(380);
    m_exportProgress->show();
    auto *job = new ExportJob(this);
    connect(m_exportProgress, &QProgressDialog::canceled, job, [job] { job->cancel(); });
    ExportJob::Request request;
    request.kind = ReportKind::AuditLog;
    request.filter.auditQuery = m_model->filterQuery();
    request.outputPath = file;
    request.audit = [db](const AuditQuery &q) { // on the export thread
        return db->thread().runBlocking([q](BillingDatabase &d) { return d.audit(q); });
    };
    QPointer<QProgressDialog> progress = m_exportProgress;
    job->start(
        request, this,
        [progress, this](qint64 rows, qint64) {
            if (progress)
                progress->setLabelText(tr("Exporting the audit log… %1 entries").arg(locale().toString(rows)));
        },
        [this, job, file](Result<ExportSummary> r) {
            job->deleteLater();
            if (m_exportProgress) {
                m_exportProgress->close();
                m_exportProgress->deleteLater();
            }
            m_export->setEnabled(true);
            m_exportMessage = r ? tr("Exported %n audit entries to %1.", nullptr, int(qMin<qint64>(r->rows, INT_MAX)))
                                      .arg(QDir::toNativeSeparators(file))
                                : tr("Export failed: %1").arg(r.error().userMessage);
            m_footer->setText(m_exportMessage);
            Q_EMIT exportFinished(r.ok());
        });
}

} // namespace Billing
