#include "ui/outboxpage.h"

#include "models/formatting.h"
#include "models/outboxtablemodel.h"
#include "services/outbox/outboxservice.h"
#include "services/reports/csvfilejob.h"
#include "ui/tablepage.h"
#include "ui/tablepagelayout.h"

#include <QCheckBox>
#include <QDate>
#include <QDir>
#include <QFileDialog>
#include <QStandardPaths>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace Billing {

OutboxPage::OutboxPage(QWidget *parent) : QWidget(parent), m_model(new OutboxTableModel(nullptr, this))
{
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("Outbox"));
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_showSucceeded = new QCheckBox(tr("Show completed"));
    m_showSucceeded->setObjectName(QStringLiteral("ShowSucceeded"));
    m_retry = new QPushButton(tr("Retry now"));
    m_retry->setObjectName(QStringLiteral("RetryNow"));
    m_retry->setToolTip(tr("Send every pending operation now instead of waiting for its next try"));
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_showSucceeded);
    header->addSpacing(8);
    header->addWidget(m_retry);
    m_export = new QPushButton(tr("Export CSV…"));
    m_export->setObjectName(QStringLiteral("ExportCsvButton"));
    m_export->setToolTip(tr("Write the operations shown, with their state and last error, to a CSV file"));
    header->addWidget(m_export);
    root->addLayout(header);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("OutboxTable"));
    m_view->setModel(m_model);
    TablePageLayout::setUpView(m_view);
    m_view->horizontalHeader()->setMinimumSectionSize(50);
    TablePageLayout::setColumnWidths(m_view, {140, 150, 170, 0, 135, 55, 0, 0}, OutboxTableModel::Error);

    m_tableStack = TablePageLayout::createTableStack(m_view, &m_empty);
    auto *detailFrame = TablePageLayout::createDetailFrame(&m_detailScroll, 300);

    root->addWidget(TablePageLayout::createSplitter(m_tableStack, detailFrame, {760, 370}), 1);

    m_footer = new QLabel(tr("Every money operation is written here with its idempotency key before it is sent, "
                             "so it is never applied twice."));
    m_footer->setObjectName(QStringLiteral("Footer"));
    m_footer->setWordWrap(true);
    root->addWidget(m_footer);

    connect(m_retry, &QPushButton::clicked, this, &OutboxPage::retryNow);
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                      .filePath(QStringLiteral("outbox-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export outbox as CSV"), suggested, tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsvTo(path);
    });
    connect(m_showSucceeded, &QCheckBox::toggled, m_model, &OutboxTableModel::setIncludeSucceeded);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showDetail(current.isValid() ? current.row() : -1); });
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_keepId = m_selectedId; });
    connect(m_model, &OutboxTableModel::reloaded, this, [this] {
        const int row = m_model->rowOfId(m_keepId);
        if (row >= 0)
            selectRow(row);
        else
            showDetail(-1);
        updateState();
    });
    connect(m_model, &OutboxTableModel::countsChanged, this, &OutboxPage::updateState);
    connect(m_model, &OutboxTableModel::loadFailed, this, &OutboxPage::updateState);
    showDetail(-1);
    updateState();
}

void OutboxPage::attach(OutboxService *outbox)
{
    m_outbox = outbox;
    m_model->setLocale(locale());
    m_model->setService(outbox);
    m_model->reload();
    updateState();
}

QWidget *OutboxPage::detailPanel() const
{
    return m_detailScroll->widget();
}

void OutboxPage::ensureLoaded()
{
    m_model->reload();
}

void OutboxPage::selectRow(int row)
{
    const QModelIndex index = m_model->index(row, 0);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void OutboxPage::retryNow()
{
    if (!m_outbox)
        return;
    m_outbox->retryNow();
    m_model->reload();
}

bool OutboxPage::isExporting() const
{
    return bool(m_exportJob);
}

QString OutboxPage::footerText() const
{
    return m_footer->text();
}

void OutboxPage::exportCsvTo(const QString &path)
{
    if (m_exportJob)
        return;
    const QList<ReportColumn> columns = {
        {QStringLiteral("id"), ColumnType::Integer},
        {QStringLiteral("created"), ColumnType::Date},
        {QStringLiteral("updated"), ColumnType::Date},
        {QStringLiteral("operation"), ColumnType::Text},
        {QStringLiteral("method"), ColumnType::Text},
        {QStringLiteral("path"), ColumnType::Text},
        {QStringLiteral("actor"), ColumnType::Text},
        {QStringLiteral("state"), ColumnType::Text},
        {QStringLiteral("attempts"), ColumnType::Integer},
        {QStringLiteral("next_attempt"), ColumnType::Date},
        {QStringLiteral("idempotency_key"), ColumnType::Text},
        {QStringLiteral("result_object_id"), ColumnType::Text},
        {QStringLiteral("error_kind"), ColumnType::Text},
        {QStringLiteral("error_http_status"), ColumnType::Integer},
        {QStringLiteral("error_request_id"), ColumnType::Text},
        {QStringLiteral("error_message"), ColumnType::Text},
    };
    // The rows shown, copied here (the model lives on this thread); a worker writes the file.
    QList<ReportRow> rows;
    rows.reserve(m_model->rowCount());
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const OutboxEntry &e = m_model->rowAt(r);
        auto text = [](const QString &t) { return t.isEmpty() ? ReportValue::null(ColumnType::Text) : ReportValue::text(t); };
        rows.append({ReportValue::integer(e.id), ReportValue::date(e.createdAt), ReportValue::date(e.updatedAt),
                     text(e.operation), text(e.method), text(e.path), text(e.actor),
                     ReportValue::text(outboxStateName(e.state)), ReportValue::integer(e.attempts),
                     e.state == OutboxState::Pending ? ReportValue::date(e.nextAttemptAt) : ReportValue::null(ColumnType::Date),
                     text(e.idempotencyKey), text(e.resultObjectId), text(e.errorKind),
                     e.errorHttpStatus > 0 ? ReportValue::integer(e.errorHttpStatus) : ReportValue::null(ColumnType::Integer),
                     text(e.errorRequestId), text(e.errorMessage)});
    }
    m_export->setEnabled(false);
    m_footer->setText(tr("Exporting %n operations…", nullptr, int(rows.size())));
    m_exportJob = CsvFileJob::start(path, columns, std::move(rows), this, [this, path](Result<qint64> r) {
        m_exportJob = nullptr;
        m_export->setEnabled(true);
        const QString message = r ? tr("%1 operations written to %2").arg(locale().toString(*r), QDir::toNativeSeparators(path))
                                  : tr("Export failed: %1").arg(r.error().userMessage);
        m_footer->setText(message);
        Q_EMIT exportFinished(bool(r), r ? *r : 0, message);
    });
}

void OutboxPage::updateState()
{
    const int open = m_model->openCount();
    const int problems = m_model->problemCount();
    if (!m_outbox)
        m_count->setText(tr("not available"));
    else if (!m_model->hasLoadedOnce())
        m_count->setText(tr("Loading…"));
    else if (open == 0 && problems == 0)
        m_count->setText(tr("nothing waiting"));
    else
        m_count->setText(tr("%1 waiting · %2 failed").arg(locale().toString(open), locale().toString(problems)));
    m_retry->setEnabled(m_outbox && open > 0);
    bool empty = false;
    if (!m_outbox) {
        m_empty->setText(tr("The outbox is not open in this window."));
        empty = true;
    } else if (m_model->hasLoadedOnce() && m_model->rowCount() == 0) {
        m_empty->setText(!m_model->lastError().isEmpty()
                             ? tr("Could not read the outbox: %1").arg(m_model->lastError())
                             : tr("Nothing waiting — every money operation has reached Stripe."));
        empty = true;
    }
    m_tableStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_empty) : m_view);
}

void OutboxPage::showDetail(int row)
{
    auto *content = new QWidget;
    content->setObjectName(QStringLiteral("DetailContent"));
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(4);
    if (row >= 0 && row < m_model->rowCount()) {
        const OutboxEntry &e = m_model->rowAt(row);
        m_selectedId = e.id;
        const QLocale loc = locale();
        DetailBuilder d(layout);
        d.title(e.operation, tr("Outbox entry #%1").arg(e.id));
        d.field(tr("State"), OutboxTableModel::stateLabel(e.state));
        d.field(tr("Request"), QStringLiteral("%1 %2").arg(e.method, e.path));
        d.field(tr("Who"), e.actor);
        d.field(tr("Queued"), Format::dateTime(e.createdAt, loc));
        d.field(tr("Last change"), Format::dateTime(e.updatedAt, loc));
        d.field(tr("Tries"), loc.toString(e.attempts));
        if (e.state == OutboxState::Pending)
            d.field(tr("Next try"), e.nextAttemptAt.isValid() && e.nextAttemptAt > QDateTime::currentDateTimeUtc()
                                        ? Format::dateTime(e.nextAttemptAt, loc)
                                        : tr("as soon as Stripe can be reached"));
        d.field(tr("Idempotency key"), e.idempotencyKey);
        if (!e.resultObjectId.isEmpty())
            d.field(tr("Result"), e.resultObjectId);
        if (!e.errorKind.isEmpty()) {
            d.section(tr("Last error"));
            d.field(tr("Message"), e.errorMessage);
            d.field(tr("Kind"), e.errorKind);
            if (e.errorHttpStatus > 0)
                d.field(tr("HTTP status"), QString::number(e.errorHttpStatus));
            d.field(tr("Stripe request"), e.errorRequestId);
            if (e.state == OutboxState::NeedsAttention)
                d.richText(tr("<p style=\"color:#92400e;\">The console cannot tell whether Stripe applied this "
                              "operation. Check the object in Stripe before doing it again.</p>"));
        }
        d.section(tr("Parameters"));
        const QString pretty = QString::fromUtf8(QJsonDocument(e.params).toJson(QJsonDocument::Indented)).trimmed();
        d.richText(QStringLiteral("<pre style=\"font-family:monospace; font-size:11px; color:#374151;\">%1</pre>")
                       .arg(pretty.toHtmlEscaped()));
    } else {
        m_selectedId = 0;
        auto *hint = new QLabel(tr("Select an operation to see its request and last error."));
        hint->setObjectName(QStringLiteral("EmptyState"));
        hint->setAlignment(Qt::AlignCenter);
        hint->setWordWrap(true);
        layout->addStretch();
        layout->addWidget(hint);
    }
    layout->addStretch();
    m_detailScroll->setWidget(content);
}

} // namespace Billing
