#include "ui/tablepage.h"

#include "services/reports/csvfilejob.h"
#include "services/reports/reportexporter.h"

#include "models/pagedtablemodel.h"
#include "models/serversortproxymodel.h"
#include "ui/tablepagelayout.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QProgressDialog>
#include <QStandardPaths>
#include <QClipboard>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>


namespace Billing {

namespace {
// A detail value: text with spaces wraps at spaces; a token too long for the panel's width (an
// email, an id, a URL) is elided in the middle, alone or inside wrapped text, with the whole value
// in the tooltip and on copy.
class DetailValueLabel final : public QLabel
{
public:
    explicit DetailValueLabel(const QString &text) : m_full(text)
    {
        setText(text);
        setWordWrap(text.contains(QLatin1Char(' ')) || text.contains(QLatin1Char('\n')));
        setToolTip(text);
        // Long values must not widen the panel: the size hints are capped (below), and what does
        // not fit is wrapped or elided.
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
        setTextInteractionFlags(Qt::TextSelectableByMouse);
        setContextMenuPolicy(Qt::NoContextMenu);
    }

    QSize sizeHint() const override
    {
        const QSize hint = QLabel::sizeHint();
        return {qMin(hint.width(), 240), hint.height()};
    }

    // The widest word, up to a cap: the form puts a value that needs more than its column on a row
    // of its own (QFormLayout::WrapLongRows), where it has the panel's whole width.
    QSize minimumSizeHint() const override
    {
        int widest = 20;
        const QStringList words = m_full.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
        for (const QString &w : words)
            widest = qMax(widest, fontMetrics().horizontalAdvance(w) + 4);
        return {qMin(widest, 190), QLabel::minimumSizeHint().height()};
    }
    void setFullText(const QString &text)
    {
        m_full = text;
        setToolTip(text);
        setWordWrap(text.contains(QLatin1Char(' ')) || text.contains(QLatin1Char('\n')));
        setText(text);
        elide();
    }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QLabel::resizeEvent(event);
        elide();
    }
    void elide()
    {
        const int width = qMax(20, contentsRect().width());
        const QFontMetrics fm = fontMetrics();
        QStringList lines = m_full.split(QLatin1Char('\n'));
        for (QString &line : lines) {
            QStringList words = line.split(QLatin1Char(' '));
            for (QString &word : words) {
                if (fm.horizontalAdvance(word) > width)
                    word = fm.elidedText(word, Qt::ElideMiddle, width - 4);
            }
            line = words.join(QLatin1Char(' '));
        }
        const QString shown = lines.join(QLatin1Char('\n'));
        if (shown != text())
            setText(shown);
    }
    void keyPressEvent(QKeyEvent *event) override
    {
        if (event->matches(QKeySequence::Copy)) {
            QGuiApplication::clipboard()->setText(m_full);
            return;
        }
        QLabel::keyPressEvent(event);
    }

private:
    QString m_full;
};

// A detail-panel button for a row action: triggers it and follows its text, state and visibility.
QPushButton *actionButton(QAction *action)
{
    auto *button = new QPushButton;
    button->setObjectName(QStringLiteral("DetailAction"));
    button->setFocusPolicy(Qt::TabFocus);
    auto sync = [button, action] {
        button->setText(action->iconText());
        button->setEnabled(action->isEnabled());
        button->setVisible(action->isVisible());
        const QString keys = action->shortcut().toString(QKeySequence::NativeText);
        button->setToolTip(keys.isEmpty() ? action->toolTip() : QStringLiteral("%1 (%2)").arg(action->toolTip(), keys));
    };
    sync();
    QObject::connect(action, &QAction::changed, button, sync);
    QObject::connect(button, &QPushButton::clicked, action, &QAction::trigger);
    return button;
}
} // namespace

DetailBuilder::DetailBuilder(QVBoxLayout *layout, const QList<QAction *> &actions)
    : m_layout(layout), m_actions(actions)
{
}

void DetailBuilder::title(const QString &title, const QString &subtitle)
{
    auto *t = new QLabel(title);
    t->setObjectName(QStringLiteral("DetailTitle"));
    t->setWordWrap(true);
    t->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layout->addWidget(t);
    if (!subtitle.isEmpty()) {
        auto *s = new QLabel(subtitle);
        s->setObjectName(QStringLiteral("DetailSubtitle"));
        s->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_layout->addWidget(s);
    }
    if (!m_actions.isEmpty()) {
        // Two rows at most in the usual panel width: a grid of equal buttons, two a row.
        auto *box = new QWidget;
        box->setObjectName(QStringLiteral("DetailActions"));
        auto *grid = new QGridLayout(box);
        grid->setContentsMargins(0, 10, 0, 4);
        grid->setHorizontalSpacing(6);
        grid->setVerticalSpacing(6);
        int i = 0;
        for (QAction *a : std::as_const(m_actions)) {
            if (!a->isVisible())
                continue; // hidden by the role or the row's state; rebuilt with the next selection
            grid->addWidget(actionButton(a), i / 2, i % 2);
            ++i;
        }
        if (i > 0)
            m_layout->addWidget(box);
        else
            delete box;
    }
    m_form = nullptr;
}

void DetailBuilder::updateField(QLabel *valueLabel, const QString &value)
{
    if (auto *v = dynamic_cast<DetailValueLabel *>(valueLabel))
        v->setFullText(value.isEmpty() ? QStringLiteral("—") : value);
    else if (valueLabel)
        valueLabel->setText(value);
}

QLabel *DetailBuilder::field(const QString &label, const QString &value)
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
    auto *v = new DetailValueLabel(value.isEmpty() ? QStringLiteral("—") : value);
    m_form->addRow(l, v);
    return v;
}

void DetailBuilder::section(const QString &title)
{
    auto *s = new QLabel(title);
    s->setObjectName(QStringLiteral("DetailSection"));
    m_layout->addWidget(s);
    m_form = nullptr;
}

QLabel *DetailBuilder::richText(const QString &html)
{
    auto *l = new QLabel(html);
    l->setTextFormat(Qt::RichText);
    l->setWordWrap(true);
    l->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_layout->addWidget(l);
    m_form = nullptr;
    return l;
}

void DetailBuilder::links(const QList<QPair<QString, QString>> &textAndUrl)
{
    QStringList parts;
    for (const auto &[text, url] : textAndUrl) {
        if (!url.isEmpty())
            parts << QStringLiteral("<a href=\"%1\" style=\"color:#4f46e5;\">%2</a>").arg(url.toHtmlEscaped(), text.toHtmlEscaped());
    }
    if (parts.isEmpty())
        return;
    auto *l = new QLabel(parts.join(QStringLiteral("&nbsp;&nbsp;·&nbsp;&nbsp;")));
    l->setObjectName(QStringLiteral("DetailLinks"));
    l->setTextFormat(Qt::RichText);
    l->setContentsMargins(0, 10, 0, 0);
    QObject::connect(l, &QLabel::linkActivated, l, [](const QString &url) { QDesktopServices::openUrl(QUrl(url)); });
    m_layout->addWidget(l);
    m_form = nullptr;
}

TablePage::TablePage(const QString &title, PagedTableModel *model, QWidget *parent)
    : QWidget(parent), m_title(title), m_model(model), m_proxy(new ServerSortProxyModel(this))
{
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *titleLabel = new QLabel(title);
    titleLabel->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_stale = new QLabel(tr("Data may be out of date — press F5 to refresh"));
    m_stale->setObjectName(QStringLiteral("StaleHint"));
    m_stale->hide();
    header->addWidget(titleLabel);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_stale);
    m_exportButton = new QPushButton(tr("Export CSV…"));
    m_exportButton->setObjectName(QStringLiteral("ExportCsvButton"));
    m_exportButton->setToolTip(tr("Write the rows of this pane, as filtered, to a CSV file"));
    header->addWidget(m_exportButton);
    m_header = header;
    root->addLayout(header);
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                      .filePath(QStringLiteral("%1-%2.csv").arg(m_title.toLower().replace(QLatin1Char(' '), QLatin1Char('-')),
                                                                               QDate::currentDate().toString(Qt::ISODate)));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export %1 as CSV").arg(m_title), suggested,
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });

    m_filters = new QHBoxLayout;
    m_filters->setSpacing(8);
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("SearchBox"));
    m_search->setClearButtonEnabled(true);
    m_search->setPlaceholderText(tr("Search %1…").arg(title.toLower()));
    m_search->setMinimumWidth(280);
    m_filters->addWidget(m_search, 2);
    m_filters->addStretch(1);
    root->addLayout(m_filters);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_debounce, &QTimer::timeout, this, [this] { applySearch(m_search->text()); });

    m_proxy->setSourceModel(m_model);
    m_view = new QTableView;
    m_view->setModel(m_proxy);
    TablePageLayout::setUpView(m_view);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setMinimumSectionSize(60);
    m_view->horizontalHeader()->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    m_view->setSortingEnabled(true);

    m_tableStack = TablePageLayout::createTableStack(m_view, &m_empty);
    auto *detailFrame = TablePageLayout::createDetailFrame(&m_detailScroll, 280);

    m_splitter = TablePageLayout::createSplitter(m_tableStack, detailFrame, {820, 310});
    root->addWidget(m_splitter, 1);

    m_footer = new QLabel;
    m_footer->setObjectName(QStringLiteral("Footer"));
    m_footer->hide();
    root->addWidget(m_footer);

    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_view->indexAt(pos);
        if (!index.isValid() || m_rowActions.isEmpty())
            return;
        if (m_view->selectionModel()->currentIndex().row() != index.row())
            m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QMenu menu(this);
        for (QAction *a : std::as_const(m_rowActions)) {
            if (a->isVisible())
                menu.addAction(a);
        }
        if (!menu.isEmpty())
            menu.exec(m_view->viewport()->mapToGlobal(pos));
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showDetailFor(current); });
    // Keep the selected row's id across reloads (sync changes, sort changes).
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_keepId = m_selectedId; });
    connect(m_model, &PagedTableModel::reloaded, this, [this] {
        const int row = m_model->rowOfId(m_keepId);
        if (row >= 0)
            selectRow(row);
        else
            showDetailFor({});
        rowsReloaded();
        updateState();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &TablePage::updateState);
    connect(m_model, &PagedTableModel::loadingChanged, this, &TablePage::updateState);
    connect(m_model, &PagedTableModel::loadFailed, this, &TablePage::updateState);
    showDetailFor({});
    updateState();
}

struct TablePage::TableExport
{
    QString path;
    bool cancelled = false;       // asked on the GUI thread
    QPointer<CsvFileJob> writer;  // the worker writing the copied cells (null before and after)
};

void TablePage::exportCsv(const QString &path)
{
    if (isExporting())
        return;
    m_exportButton->setEnabled(false);
    m_exportProgress = new QProgressDialog(tr("Exporting %1…").arg(m_title.toLower()), tr("Cancel"), 0, 0, this);
    m_exportProgress->setObjectName(QStringLiteral("ExportProgress"));
    m_exportProgress->setWindowTitle(tr("Export CSV"));
    m_exportProgress->setMinimumDuration(0);
    m_exportProgress->setAutoClose(false);
    m_exportProgress->setAutoReset(false);
    m_exportProgress->setMinimumWidth(380);
    m_exportProgress->show();

    const std::optional<ReportExport> report = reportExport();
    if (report && !m_exportCacheFile.isEmpty()) {
        auto *job = new ExportJob(this);
        m_exportJob = job;
        connect(m_exportProgress, &QProgressDialog::canceled, job, [job] { job->cancel(); });
        ExportJob::Request request;
        request.kind = report->kind;
        request.filter = report->filter;
        request.cacheFilePath = m_exportCacheFile;
        request.outputPath = path;
        QPointer<QProgressDialog> progress = m_exportProgress;
        job->start(request, this,
                   [progress, this](qint64 rows, qint64 total) {
                       if (!progress)
                           return;
                       progress->setMaximum(total > 0 ? int(qMin<qint64>(total, INT_MAX)) : 0);
                       progress->setValue(int(qMin<qint64>(rows, INT_MAX)));
                       progress->setLabelText(tr("Exporting %1… %2 rows").arg(m_title.toLower(), locale().toString(rows)));
                   },
                   [this, job](Result<ExportSummary> r) {
                       job->deleteLater();
                       if (!r)
                           finishExport(false, 0, r.error().userMessage);
                       else
                           finishExport(true, r->rows, tr("%1 rows written to %2").arg(locale().toString(r->rows), QDir::toNativeSeparators(r->path)));
                   });
        return;
    }
    // No report for this pane: every page of the table, then its cells as shown.
    m_tableExport = std::make_shared<TableExport>();
    m_tableExport->path = path;
    connect(m_exportProgress, &QProgressDialog::canceled, this, [this] {
        if (!m_tableExport)
            return;
        m_tableExport->cancelled = true;
        if (m_tableExport->writer)
            m_tableExport->writer->cancel(); // the writer reports (Cancelled) when it has stopped
        else
            continueTableExport();
    });
    continueTableExport();
}

void TablePage::continueTableExport()
{
    const std::shared_ptr<TableExport> ex = m_tableExport;
    if (!ex || ex->writer)
        return;
    if (m_exportProgress && m_exportProgress->wasCanceled())
        ex->cancelled = true;
    if (ex->cancelled)
        return finishExport(false, 0, tr("Export cancelled; no file was written."));
    if (m_model->isLoading() || !m_model->hasLoadedOnce()) {
        if (!m_model->hasLoadedOnce() && !m_model->isLoading())
            m_model->reload();
        QTimer::singleShot(50, this, &TablePage::continueTableExport);
        return;
    }
    if (m_model->canFetchMore({})) {
        if (m_exportProgress)
            m_exportProgress->setLabelText(tr("Loading %1… %2 rows").arg(m_title.toLower(), locale().toString(m_model->rowCount())));
        m_model->fetchMore({});
        QTimer::singleShot(0, this, &TablePage::continueTableExport);
        return;
    }
    // Columns as the table shows them (hidden ones too: they are in the detail panel).
    QList<ReportColumn> columns;
    const int columnCount = m_model->columnCount();
    for (int c = 0; c < columnCount; ++c) {
        QString name = m_model->headerData(c, Qt::Horizontal).toString().toLower().trimmed();
        name.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("_"));
        columns.append({name.isEmpty() ? QStringLiteral("column_%1").arg(c + 1) : name, ColumnType::Text});
    }
    // The cells as shown are copied here (the model lives on this thread); a worker writes them.
    const int rows = m_model->rowCount();
    QList<ReportRow> cells;
    cells.reserve(rows);
    for (int r = 0; r < rows; ++r) {
        ReportRow row;
        for (int c = 0; c < columnCount; ++c)
            row.append(ReportValue::text(m_model->data(m_model->index(r, c)).toString()));
        cells.append(std::move(row));
    }
    if (m_exportProgress) {
        m_exportProgress->setMaximum(rows);
        m_exportProgress->setLabelText(tr("Writing %1… %2 rows").arg(m_title.toLower(), locale().toString(rows)));
    }
    ex->writer = CsvFileJob::start(ex->path, columns, std::move(cells), this, [this, ex](Result<qint64> r) {
        if (!r)
            return finishExport(false, 0, r.error().userMessage);
        finishExport(true, *r, tr("%1 rows written to %2").arg(locale().toString(*r), QDir::toNativeSeparators(ex->path)));
    });
    auto *ticker = new QTimer(ex->writer);
    connect(ticker, &QTimer::timeout, this, [this, ex] {
        if (m_exportProgress && ex->writer)
            m_exportProgress->setValue(int(qMin<qint64>(ex->writer->rowsWritten(), INT_MAX)));
    });
    ticker->start(100);
}

void TablePage::finishExport(bool ok, qint64 rows, const QString &message)
{
    m_tableExport.reset();
    m_exportJob = nullptr;
    m_exportButton->setEnabled(true);
    if (m_exportProgress) {
        m_exportProgress->disconnect(this);
        m_exportProgress->close();
        m_exportProgress->deleteLater();
    }
    setFooterText(message);
    Q_EMIT exportFinished(ok, rows, message);
}

QWidget *TablePage::detailPanel() const
{
    return m_detailScroll->widget();
}

bool TablePage::isEmptyStateShown() const
{
    return m_tableStack->currentWidget() == m_empty;
}

void TablePage::ensureLoaded()
{
    if (!m_model->hasLoadedOnce() && !m_model->isLoading())
        m_model->reload();
}

void TablePage::selectRow(int sourceRow)
{
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    if (!proxyIndex.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(proxyIndex, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(proxyIndex);
}

void TablePage::setRowActions(const QList<QAction *> &actions)
{
    m_rowActions = actions;
    refreshDetail();
}

void TablePage::setStale(bool stale)
{
    m_stale->setVisible(stale);
}

void TablePage::addFilterWidget(QWidget *widget)
{
    m_filters->insertWidget(m_filters->count() - 1, widget);
}

void TablePage::addHeaderWidget(QWidget *widget)
{
    m_header->insertWidget(m_header->indexOf(m_exportButton), widget);
}

void TablePage::setFooterText(const QString &text)
{
    m_footer->setText(text);
    m_footer->setVisible(!text.isEmpty());
}

void TablePage::setColumnWidths(const QList<int> &widths, int elasticColumn)
{
    QHeaderView *header = m_view->horizontalHeader();
    for (int i = 0; i < widths.size(); ++i) {
        m_view->setColumnHidden(i, widths.at(i) == 0);
        if (widths.at(i) > 0)
            header->resizeSection(i, widths.at(i));
    }
    if (elasticColumn >= 0) {
        header->setStretchLastSection(false);
        header->setSectionResizeMode(elasticColumn, QHeaderView::Stretch);
    }
}

void TablePage::setDetailWidth(int pixels)
{
    m_splitter->setSizes({1130 - pixels, pixels});
}

QString TablePage::noMatchText() const
{
    return tr("No rows match the search and filters.");
}

bool TablePage::hasActiveFilters() const
{
    return !m_search->text().trimmed().isEmpty();
}

void TablePage::refreshDetail()
{
    showDetailFor(m_view->selectionModel()->currentIndex());
}

void TablePage::updateState()
{
    const int rows = m_model->rowCount();
    const bool more = m_model->canFetchMore({});
    m_count->setText(m_model->hasLoadedOnce() ? countText(rows, more) : tr("Loading…"));
    const bool empty = m_model->hasLoadedOnce() && !m_model->isLoading() && rows == 0;
    if (empty) {
        if (!m_model->lastError().isEmpty())
            m_empty->setText(tr("Could not read the local cache: %1").arg(m_model->lastError()));
        else
            m_empty->setText(hasActiveFilters() ? noMatchText() : emptyText());
    }
    m_tableStack->setCurrentWidget(empty ? static_cast<QWidget *>(m_empty) : m_view);
}

void TablePage::showDetailFor(const QModelIndex &proxyIndex)
{
    auto *content = new QWidget;
    content->setObjectName(QStringLiteral("DetailContent"));
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(4);
    const QModelIndex source = m_proxy->mapToSource(proxyIndex);
    if (source.isValid()) {
        m_selectedId = m_model->rowId(source.row());
        Q_EMIT selectionChanged(m_selectedId);
        DetailBuilder builder(layout, m_rowActions);
        fillDetail(source.row(), builder);
    } else {
        m_selectedId.clear();
        Q_EMIT selectionChanged(QString());
        auto *hint = new QLabel(tr("Select a row to see its details."));
        hint->setObjectName(QStringLiteral("EmptyState"));
        hint->setAlignment(Qt::AlignCenter);
        hint->setWordWrap(true);
        layout->addStretch();
        layout->addWidget(hint);
    }
    layout->addStretch();
    m_detailScroll->setWidget(content); // deletes the previous content
}

} // namespace Billing
