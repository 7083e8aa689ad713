#include "ui/catalogpage.h"

#include "models/catalogtablemodel.h"
#include "models/catalogtiermodel.h"
#include "models/formatting.h"
#include "services/pricing/catalogservice.h"
#include "services/pricing/pricecalculator.h"
#include "services/reports/csvfilejob.h"
#include "ui/tablepagelayout.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDate>
#include <QDir>
#include <QFileDialog>
#include <QStandardPaths>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QStyle>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace Billing {

namespace {

// The header's status pill is amber for warnings; "ok" turns it green (a finished export).
void setTone(QLabel *label, const QString &tone)
{
    label->setProperty("tone", tone);
    label->style()->unpolish(label);
    label->style()->polish(label);
}

} // namespace

CatalogPage::CatalogPage(CatalogService *service, QWidget *parent)
    : QWidget(parent), m_service(service), m_model(new CatalogTableModel(this)), m_tiers(new CatalogTierModel(this))
{
    setObjectName(QStringLiteral("catalogPage"));
    m_model->setLocale(locale());
    m_tiers->setLocale(locale());

    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(24, 20, 24, 12);
    root->setSpacing(12);

    auto *header = new QHBoxLayout;
    auto *title = new QLabel(tr("Price catalog"));
    title->setObjectName(QStringLiteral("PageTitle"));
    m_count = new QLabel;
    m_count->setObjectName(QStringLiteral("PageCount"));
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("StaleHint"));
    m_status->setVisible(false);
    m_refresh = new QPushButton(tr("Refresh from Stripe"));
    m_refresh->setObjectName(QStringLiteral("RefreshCatalog"));
    m_calculator = new QPushButton(tr("Price calculator…"));
    m_calculator->setObjectName(QStringLiteral("OpenCalculator"));
    m_calculator->setEnabled(false);
    header->addWidget(title);
    header->addSpacing(8);
    header->addWidget(m_count, 0, Qt::AlignBottom);
    header->addSpacing(8);
    header->addWidget(m_status, 0, Qt::AlignBottom);
    header->addStretch();
    header->addWidget(m_refresh);
    header->addWidget(m_calculator);
    m_export = new QPushButton(tr("Export CSV…"));
    m_export->setObjectName(QStringLiteral("ExportCsvButton"));
    m_export->setToolTip(tr("Write the prices shown, one row per currency, to a CSV file"));
    header->addWidget(m_export);
    root->addLayout(header);

    auto *filters = new QHBoxLayout;
    filters->setSpacing(12);
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("SearchBox"));
    m_search->setPlaceholderText(tr("Search products and prices"));
    m_search->setClearButtonEnabled(true);
    m_showArchived = new QCheckBox(tr("Show archived prices"));
    m_showArchived->setObjectName(QStringLiteral("ShowArchived"));
    filters->addWidget(m_search, 1);
    filters->addWidget(m_showArchived);
    root->addLayout(filters);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("CatalogTable"));
    m_view->setModel(m_model);
    TablePageLayout::setUpView(m_view);
    m_view->setSortingEnabled(false);
    // Billing (interval) and the id are in the detail panel.
    TablePageLayout::setColumnWidths(m_view, {120, 170, 185, 150, 100, 130, 0, 0}, CatalogTableModel::PriceName);
    m_tableStack = TablePageLayout::createTableStack(m_view, &m_empty);

    QScrollArea *scroll = nullptr;
    auto *detailFrame = TablePageLayout::createDetailFrame(&scroll, 340);
    m_detail = new QWidget;
    auto *detail = new QVBoxLayout(m_detail);
    detail->setContentsMargins(16, 16, 16, 16);
    detail->setSpacing(8);
    m_detailTitle = new QLabel;
    m_detailTitle->setObjectName(QStringLiteral("DetailTitle"));
    m_detailTitle->setWordWrap(true);
    m_detailSubtitle = new QLabel;
    m_detailSubtitle->setObjectName(QStringLiteral("DetailSubtitle"));
    m_detailSubtitle->setWordWrap(true);
    m_detailSubtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detailFields = new QWidget;
    m_detailFields->setObjectName(QStringLiteral("DetailFields"));
    m_fieldsForm = new QFormLayout(m_detailFields);
    m_fieldsForm->setContentsMargins(0, 4, 0, 4);
    m_fieldsForm->setHorizontalSpacing(14);
    m_fieldsForm->setVerticalSpacing(6);
    m_currencyRow = new QWidget;
    auto *currencyRow = new QHBoxLayout(m_currencyRow);
    currencyRow->setContentsMargins(0, 0, 0, 0);
    auto *currencyLabel = new QLabel(tr("Currency"));
    m_currency = new QComboBox;
    m_currency->setObjectName(QStringLiteral("DetailCurrency"));
    currencyRow->addWidget(currencyLabel);
    currencyRow->addWidget(m_currency, 1);
    m_tierHeading = new QLabel(tr("Tiers"));
    m_tierHeading->setObjectName(QStringLiteral("DetailSection"));
    m_tierView = new QTableView;
    m_tierView->setObjectName(QStringLiteral("TierTable"));
    m_tierView->setModel(m_tiers);
    TablePageLayout::setUpView(m_tierView);
    m_tierView->horizontalHeader()->setStretchLastSection(true);
    m_tierView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tierView->setMinimumHeight(180);
    detail->addWidget(m_detailTitle);
    detail->addWidget(m_detailSubtitle);
    detail->addWidget(m_detailFields);
    detail->addWidget(m_currencyRow);
    detail->addWidget(m_tierHeading);
    detail->addWidget(m_tierView, 1);
    detail->addStretch();
    scroll->setWidget(m_detail);
    scroll->setWidgetResizable(true);

    root->addWidget(TablePageLayout::createSplitter(m_tableStack, detailFrame, {820, 420}), 1);

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_model->setSearchText(text);
        updateCount();
    });
    connect(m_showArchived, &QCheckBox::toggled, this, [this](bool on) {
        const QString keep = m_selectedId;
        m_model->setShowArchived(on);
        updateCount();
        selectPrice(keep);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &CatalogPage::onSelectionChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &CatalogPage::onSelectionChanged);
    connect(m_currency, &QComboBox::currentIndexChanged, this, [this] {
        if (m_model->rowOf(m_selectedId) < 0)
            return;
        const Price &p = m_model->priceAt(m_model->rowOf(m_selectedId));
        m_tiers->setPrice(p, m_currency->currentData().toString());
    });
    connect(m_calculator, &QPushButton::clicked, this, [this] {
        if (m_openCalculator && !m_selectedId.isEmpty())
            m_openCalculator(m_selectedId, m_currency->currentData().toString());
    });
    connect(m_refresh, &QPushButton::clicked, this, [this] {
        if (!m_service)
            return;
        m_refresh->setEnabled(false);
        setTone(m_status, QString());
        m_status->setText(tr("Reading the catalog from Stripe…"));
        m_status->setVisible(true);
        m_service->refresh(this, [this](Status s) {
            m_refresh->setEnabled(true);
            m_status->setText(s ? QString() : tr("Could not refresh: %1").arg(s.error().userMessage));
            m_status->setVisible(!s);
        });
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                      .filePath(QStringLiteral("prices-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export prices as CSV"), suggested, tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsvTo(path);
    });
    if (m_service)
        connect(m_service, &CatalogService::catalogChanged, this, &CatalogPage::load);
    updateCount();
    showDetail();
}

void CatalogPage::setCalculatorOpener(std::function<void(const QString &, const QString &)> opener)
{
    m_openCalculator = std::move(opener);
    m_calculator->setVisible(bool(m_openCalculator));
}

void CatalogPage::load()
{
    if (!m_service)
        return;
    m_service->load(this, [this](Result<CatalogService::Catalog> catalog) {
        if (!catalog) {
            setTone(m_status, QString());
            m_status->setText(tr("The catalog could not be read: %1").arg(catalog.error().userMessage));
            m_status->setVisible(true);
            return;
        }
        setCatalog(catalog->products, catalog->prices);
        // The regular sync lists prices without their tiers and currencies: read them once.
        bool missingDetail = catalog->prices.isEmpty();
        for (const Price &p : catalog->prices)
            missingDetail = missingDetail || (p.isTiered() && p.tiers.isEmpty());
        // The regular sync may store them again without (it lists prices unexpanded): read them
        // again then, at most every five minutes.
        if (missingDetail && m_refresh->isEnabled() && (!m_lastRefresh.isValid() || m_lastRefresh.hasExpired(5 * 60 * 1000))) {
            m_lastRefresh.start();
            m_refresh->click();
        }
    });
}

void CatalogPage::setCatalog(const QList<Product> &products, const QList<Price> &prices)
{
    const QString keep = m_selectedId;
    m_model->setCatalog(products, prices);
    updateCount();
    if (!keep.isEmpty())
        selectPrice(keep);
}

void CatalogPage::selectPrice(const QString &priceId)
{
    const int row = m_model->rowOf(priceId);
    if (row < 0) {
        m_view->clearSelection();
        return;
    }
    m_view->selectRow(row);
    m_view->scrollTo(m_model->index(row, 0));
}

bool CatalogPage::isExporting() const
{
    return bool(m_exportJob);
}

QString CatalogPage::statusText() const
{
    return m_status->text();
}

void CatalogPage::exportCsvTo(const QString &path)
{
    if (m_exportJob)
        return;
    const QList<ReportColumn> columns = {
        {QStringLiteral("price_id"), ColumnType::Text},
        {QStringLiteral("product_id"), ColumnType::Text},
        {QStringLiteral("product_name"), ColumnType::Text},
        {QStringLiteral("price_nickname"), ColumnType::Text},
        {QStringLiteral("lookup_key"), ColumnType::Text},
        {QStringLiteral("type"), ColumnType::Text},
        {QStringLiteral("billing_scheme"), ColumnType::Text},
        {QStringLiteral("tiers_mode"), ColumnType::Text},
        {QStringLiteral("package_size"), ColumnType::Integer},
        {QStringLiteral("interval"), ColumnType::Text},
        {QStringLiteral("interval_count"), ColumnType::Integer},
        {QStringLiteral("active"), ColumnType::Text},
        {QStringLiteral("currency"), ColumnType::Currency},
        {QStringLiteral("unit_amount"), ColumnType::Amount},
        {QStringLiteral("unit_amount_decimal"), ColumnType::Text},
        {QStringLiteral("tier_count"), ColumnType::Integer},
    };
    auto text = [](const QString &t) { return t.isEmpty() ? ReportValue::null(ColumnType::Text) : ReportValue::text(t); };
    // The prices shown, copied here (the model lives on this thread); a worker writes the file.
    QList<ReportRow> rows;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const Price &p = m_model->priceAt(r);
        const Product product = m_model->productOf(p);
        const bool active = p.active && (product.id.isEmpty() || product.active);
        for (const QString &code : PriceCalculator::currencies(p)) {
            const std::optional<Currency> currency = Currency::fromCode(code);
            std::optional<qint64> unitAmount = p.unitAmount;
            QString unitAmountDecimal = p.unitAmountDecimal;
            qsizetype tiers = p.tiers.size();
            if (code != p.currency.toLower()) {
                const PriceCurrencyOption option = p.currencyOptions.value(code);
                unitAmount = option.unitAmount;
                unitAmountDecimal = option.unitAmountDecimal;
                tiers = option.tiers.size();
            }
            rows.append({ReportValue::text(p.id), text(p.productId), text(product.name), text(p.nickname), text(p.lookupKey),
                         text(p.type), text(p.billingScheme.isEmpty() ? QStringLiteral("per_unit") : p.billingScheme),
                         text(p.tiersMode),
                         p.transformQuantity.isSet() ? ReportValue::integer(p.transformQuantity.divideBy)
                                                     : ReportValue::null(ColumnType::Integer),
                         text(p.interval),
                         p.interval.isEmpty() ? ReportValue::null(ColumnType::Integer)
                                              : ReportValue::integer(qMax(1, p.intervalCount)),
                         ReportValue::text(active ? QStringLiteral("true") : QStringLiteral("false")),
                         currency ? ReportValue::currency(*currency) : ReportValue::null(ColumnType::Currency),
                         unitAmount && currency ? ReportValue::amount(Money(*unitAmount, *currency))
                                                : ReportValue::null(ColumnType::Amount),
                         unitAmount ? ReportValue::null(ColumnType::Text) : text(unitAmountDecimal),
                         p.isTiered() ? ReportValue::integer(tiers) : ReportValue::null(ColumnType::Integer)});
        }
    }
    m_export->setEnabled(false);
    setTone(m_status, QString());
    m_status->setText(tr("Exporting %n prices…", nullptr, m_model->rowCount()));
    m_status->setVisible(true);
    m_exportJob = CsvFileJob::start(path, columns, std::move(rows), this, [this, path](Result<qint64> r) {
        m_exportJob = nullptr;
        m_export->setEnabled(true);
        const QString message = r ? tr("%1 rows written to %2").arg(locale().toString(*r), QDir::toNativeSeparators(path))
                                  : tr("Export failed: %1").arg(r.error().userMessage);
        m_status->setText(message);
        setTone(m_status, r ? QStringLiteral("ok") : QString());
        m_status->setVisible(true);
        Q_EMIT exportFinished(bool(r), r ? *r : 0, message);
    });
}

void CatalogPage::updateCount()
{
    const int shown = m_model->rowCount();
    const int hidden = m_model->hiddenCount();
    m_count->setText(hidden > 0 && !m_model->showArchived() && m_search->text().isEmpty()
                         ? tr("%n prices", nullptr, shown) + tr(" (%n archived hidden)", nullptr, hidden)
                         : tr("%n prices", nullptr, shown));
    m_empty->setText(m_model->allPrices().isEmpty() ? tr("No prices yet. Refresh from Stripe to read the catalog.")
                                                    : tr("No price matches the search."));
    m_tableStack->setCurrentIndex(shown == 0 ? 1 : 0);
}

void CatalogPage::onSelectionChanged()
{
    const QModelIndexList rows = m_view->selectionModel() ? m_view->selectionModel()->selectedRows() : QModelIndexList{};
    m_selectedId = rows.isEmpty() ? QString() : m_model->data(rows.first(), CatalogTableModel::IdRole).toString();
    m_calculator->setEnabled(!m_selectedId.isEmpty());
    showDetail();
}

void CatalogPage::showDetail()
{
    const int row = m_model->rowOf(m_selectedId);
    m_detailFields->setVisible(row >= 0);
    m_currencyRow->setVisible(row >= 0);
    if (row < 0) {
        m_detailTitle->setText(tr("No price selected"));
        m_detailSubtitle->setText(tr("Select a price to see its currencies and, for tiered prices, the tier table."));
        m_tierHeading->setVisible(false);
        m_tierView->setVisible(false);
        return;
    }
    const Price &p = m_model->priceAt(row);
    const Product product = m_model->productOf(p);
    m_detailTitle->setText(product.name.isEmpty() ? p.productId : product.name);
    m_detailSubtitle->setText(p.nickname.isEmpty() ? p.id : QStringLiteral("%1 · %2").arg(p.nickname, p.id));
    const QLocale l = locale();
    while (m_fieldsForm->rowCount() > 0)
        m_fieldsForm->removeRow(0);
    auto field = [this](const QString &label, const QString &value) {
        auto *name = new QLabel(label);
        name->setObjectName(QStringLiteral("FieldLabel"));
        auto *text = new QLabel(value);
        text->setWordWrap(true);
        text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_fieldsForm->addRow(name, text);
        name->show(); // a layout shows new children only on the next event loop pass
        text->show();
    };
    field(tr("Pricing model"), CatalogTableModel::modelText(p));
    field(tr("Amount"), CatalogTableModel::amountText(p, l));
    field(tr("Billing"), m_model->data(m_model->index(row, CatalogTableModel::Interval)).toString());
    field(tr("Status"), m_model->data(m_model->index(row, CatalogTableModel::Status)).toString());
    field(tr("Currencies"), CatalogTableModel::currenciesText(p));
    if (!p.lookupKey.isEmpty())
        field(tr("Lookup key"), p.lookupKey);
    if (!p.metadata.value(QStringLiteral("customer")).isEmpty())
        field(tr("Negotiated for"), p.metadata.value(QStringLiteral("customer")));
    if (!product.unitLabel.isEmpty())
        field(tr("Unit"), product.unitLabel);

    const QString keepCurrency = m_currency->currentData().toString();
    {
        const QSignalBlocker block(m_currency);
        m_currency->clear();
        for (const QString &c : PriceCalculator::currencies(p))
            m_currency->addItem(c.toUpper(), c);
        const int keep = m_currency->findData(keepCurrency);
        m_currency->setCurrentIndex(keep >= 0 ? keep : 0);
    }
    m_tiers->setPrice(p, m_currency->currentData().toString());
    m_tierHeading->setVisible(p.isTiered());
    m_tierView->setVisible(p.isTiered());
    if (p.isTiered())
        m_tierHeading->setText(p.tiersMode == QLatin1String("volume")
                                   ? tr("Tiers (volume: the whole quantity at the tier it reaches)")
                                   : tr("Tiers (graduated: each unit at the tier it falls in)"));
}

} // namespace Billing
