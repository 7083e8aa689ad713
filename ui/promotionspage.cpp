#include "ui/promotionspage.h"

#include "models/coupontablemodel.h"
#include "models/formatting.h"
#include "services/promotions/couponservice.h"
#include "services/promotions/promotioncodeservice.h"
#include "services/reports/csvfilejob.h"
#include "ui/dialogs/coupondialog.h"
#include "ui/dialogs/promotioncodedialog.h"

#include <QDate>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QStandardPaths>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

namespace {
QTableWidgetItem *cell(const QString &text, bool number = false)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (number)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}
} // namespace

PromotionsPage::PromotionsPage(CouponService *coupons, PromotionCodeService *codes, OutboxService *outbox, QWidget *parent)
    : QWidget(parent), m_couponService(coupons), m_codeService(codes), m_outbox(outbox)
{
    setObjectName(QStringLiteral("promotionsPage"));
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    auto *title = new QLabel(tr("Promotions"), this);
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.3);
    f.setBold(true);
    title->setFont(f);
    bar->addWidget(title);
    bar->addStretch(1);
    auto *newCoupon = new QPushButton(tr("New coupon…"), this);
    newCoupon->setObjectName(QStringLiteral("newCoupon"));
    auto *newCode = new QPushButton(tr("New promotion code…"), this);
    newCode->setObjectName(QStringLiteral("newCode"));
    auto *refresh = new QPushButton(tr("Refresh"), this);
    refresh->setObjectName(QStringLiteral("refresh"));
    bar->addWidget(newCoupon);
    bar->addWidget(newCode);
    bar->addWidget(refresh);
    m_export = new QPushButton(tr("Export CSV…"), this);
    m_export->setObjectName(QStringLiteral("ExportCsvButton"));
    m_export->setToolTip(tr("Write the coupons and promotion codes shown to a CSV file"));
    bar->addWidget(m_export);
    layout->addLayout(bar);
    m_summaryLabel = new QLabel(tr("Loading coupons from Stripe…"), this);
    m_summaryLabel->setObjectName(QStringLiteral("summary"));
    m_summaryLabel->setWordWrap(true);
    layout->addWidget(m_summaryLabel);
    m_exportStatus = new QLabel(this);
    m_exportStatus->setObjectName(QStringLiteral("exportStatus"));
    m_exportStatus->setWordWrap(true);
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportStatus->setVisible(false);
    layout->addWidget(m_exportStatus);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_model = new CouponTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(CouponTableModel::RawRole);
    m_couponView = new QTableView(splitter);
    m_couponView->setObjectName(QStringLiteral("coupons"));
    m_couponView->setModel(m_proxy);
    m_couponView->setSortingEnabled(true);
    m_couponView->sortByColumn(CouponTableModel::Name, Qt::AscendingOrder);
    m_couponView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_couponView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_couponView->verticalHeader()->setVisible(false);
    m_couponView->setAlternatingRowColors(true);
    m_couponView->horizontalHeader()->setSectionResizeMode(CouponTableModel::Name, QHeaderView::Stretch);
    auto *codesBox = new QWidget(splitter);
    auto *cl = new QVBoxLayout(codesBox);
    cl->setContentsMargins(0, 6, 0, 0);
    m_codesTitle = new QLabel(tr("Promotion codes"), codesBox);
    m_codesTitle->setObjectName(QStringLiteral("codesTitle"));
    QFont bf = m_codesTitle->font();
    bf.setBold(true);
    m_codesTitle->setFont(bf);
    cl->addWidget(m_codesTitle);
    m_codes = new QTableWidget(0, 6, codesBox);
    m_codes->setObjectName(QStringLiteral("codes"));
    m_codes->setHorizontalHeaderLabels({tr("Code"), tr("Coupon"), tr("Redeemed"), tr("Restrictions"), tr("Expires"), tr("Status")});
    m_codes->verticalHeader()->setVisible(false);
    m_codes->setAlternatingRowColors(true);
    m_codes->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_codes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_codes->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    cl->addWidget(m_codes);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    connect(refresh, &QPushButton::clicked, this, &PromotionsPage::reload);
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                      .filePath(QStringLiteral("promotions-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)));
        const QString path = QFileDialog::getSaveFileName(this, tr("Export promotions as CSV"), suggested, tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsvTo(path);
    });
    connect(newCoupon, &QPushButton::clicked, this, [this] { openCouponDialog(); });
    connect(newCode, &QPushButton::clicked, this, [this] { openPromotionCodeDialog(); });
    connect(m_couponView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &PromotionsPage::showCodes);
}

PromotionsPage::~PromotionsPage() = default;

QString PromotionsPage::selectedCouponId() const
{
    const QModelIndexList rows = m_couponView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(CouponTableModel::IdRole).toString();
}

QString PromotionsPage::summaryText() const { return m_summaryLabel->text(); }

void PromotionsPage::reload()
{
    if (m_pending > 0)
        return;
    m_pending = 2;
    m_error.clear();
    auto settle = [this] {
        if (--m_pending > 0)
            return;
        if (!m_error.isEmpty()) {
            m_summaryLabel->setText(m_error);
            return;
        }
        const QString keep = selectedCouponId(); // a reload keeps the coupon the agent looks at
        m_model->setCoupons(m_coupons);
        for (int r = 0; !keep.isEmpty() && r < m_proxy->rowCount(); ++r) {
            if (m_proxy->index(r, 0).data(CouponTableModel::IdRole).toString() == keep) {
                m_couponView->selectRow(r);
                break;
            }
        }
        m_couponView->resizeColumnsToContents();
        m_couponView->horizontalHeader()->setSectionResizeMode(CouponTableModel::Name, QHeaderView::Stretch);
        m_summary = summarizeRedemptions(m_coupons, m_codeRows);
        int active = 0;
        for (const Coupon &c : m_coupons)
            active += c.valid && !(c.maxRedemptions && c.timesRedeemed >= *c.maxRedemptions) ? 1 : 0;
        m_summaryLabel->setText(tr("%1 coupons (%2 active) redeemed %3 times; %4 promotion codes redeemed %5 times; %6 at their maximum.")
                                    .arg(m_coupons.size())
                                    .arg(active)
                                    .arg(m_summary.couponRedemptions)
                                    .arg(m_codeRows.size())
                                    .arg(m_summary.codeRedemptions)
                                    .arg(m_summary.exhausted));
        showCodes();
        m_loaded = true;
        Q_EMIT loaded();
    };
    m_couponService->list(this, [this, settle](Result<QList<Coupon>> r) {
        if (r)
            m_coupons = r.value();
        else
            m_error = r.error().userMessage;
        settle();
    });
    m_codeService->list({}, this, [this, settle](Result<QList<PromotionCode>> r) {
        if (r)
            m_codeRows = r.value();
        else
            m_error = r.error().userMessage;
        settle();
    });
}

void PromotionsPage::showCodes()
{
    const QLocale locale;
    const QString couponId = selectedCouponId();
    QHash<QString, QString> couponNames;
    for (const Coupon &c : m_coupons)
        couponNames.insert(c.id, c.name.isEmpty() ? c.id : c.name);
    QList<PromotionCode> rows;
    for (const PromotionCode &p : m_codeRows) {
        if (couponId.isEmpty() || p.couponId == couponId)
            rows << p;
    }
    m_codesTitle->setText(couponId.isEmpty() ? tr("Promotion codes (all coupons)")
                                             : tr("Promotion codes of %1").arg(couponNames.value(couponId, couponId)));
    m_shownCodes = rows;
    m_codes->setRowCount(int(rows.size()));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int r = 0; r < rows.size(); ++r) {
        const PromotionCode &p = rows[r];
        QStringList restrictions;
        if (!p.customerId.isEmpty())
            restrictions << tr("customer %1").arg(p.customerId);
        if (p.firstTimeTransaction)
            restrictions << tr("first order only");
        if (p.minimumAmount)
            restrictions << tr("minimum %1").arg(Format::money(*p.minimumAmount, p.minimumAmountCurrency, locale));
        const bool expired = p.expiresAt.isValid() && p.expiresAt <= now;
        const bool usedUp = p.maxRedemptions && p.timesRedeemed >= *p.maxRedemptions;
        m_codes->setItem(r, 0, cell(p.code));
        m_codes->setItem(r, 1, cell(couponNames.value(p.couponId, p.couponId)));
        m_codes->setItem(r, 2, cell(CouponTableModel::redeemedText(p.timesRedeemed, p.maxRedemptions), true));
        m_codes->setItem(r, 3, cell(restrictions.isEmpty() ? tr("none") : restrictions.join(QStringLiteral(", "))));
        m_codes->setItem(r, 4, cell(Format::date(p.expiresAt, locale)));
        m_codes->setItem(r, 5, cell(!p.active ? tr("Inactive") : expired ? tr("Expired") : usedUp ? tr("Used up") : tr("Active")));
        if (!p.active || expired || usedUp)
            m_codes->item(r, 5)->setForeground(QColor(QStringLiteral("#b3261e")));
    }
    m_codes->resizeColumnsToContents();
    m_codes->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
}

QString PromotionsPage::exportStatusText() const
{
    return m_exportStatus->text();
}

bool PromotionsPage::isExporting() const
{
    return bool(m_exportJob);
}

void PromotionsPage::exportCsvTo(const QString &path)
{
    if (m_exportJob)
        return;
    const QList<ReportColumn> columns = {
        {QStringLiteral("record"), ColumnType::Text},
        {QStringLiteral("id"), ColumnType::Text},
        {QStringLiteral("code"), ColumnType::Text},
        {QStringLiteral("coupon_id"), ColumnType::Text},
        {QStringLiteral("coupon_name"), ColumnType::Text},
        {QStringLiteral("percent_off"), ColumnType::Text},
        {QStringLiteral("amount_off"), ColumnType::Amount},
        {QStringLiteral("amount_off_currency"), ColumnType::Currency},
        {QStringLiteral("duration"), ColumnType::Text},
        {QStringLiteral("duration_in_months"), ColumnType::Integer},
        {QStringLiteral("max_redemptions"), ColumnType::Integer},
        {QStringLiteral("times_redeemed"), ColumnType::Integer},
        {QStringLiteral("expires"), ColumnType::Date},
        {QStringLiteral("customer_id"), ColumnType::Text},
        {QStringLiteral("first_time_transaction"), ColumnType::Text},
        {QStringLiteral("minimum_amount"), ColumnType::Amount},
        {QStringLiteral("minimum_amount_currency"), ColumnType::Currency},
        {QStringLiteral("status"), ColumnType::Text},
    };
    auto text = [](const QString &t) { return t.isEmpty() ? ReportValue::null(ColumnType::Text) : ReportValue::text(t); };
    auto integer = [](std::optional<int> v) { return v ? ReportValue::integer(*v) : ReportValue::null(ColumnType::Integer); };
    auto money = [](std::optional<qint64> minor, const QString &code, ReportValue *currencyCell) {
        const std::optional<Currency> currency = Currency::fromCode(code);
        *currencyCell = currency ? ReportValue::currency(*currency) : ReportValue::null(ColumnType::Currency);
        return minor && currency ? ReportValue::amount(Money(*minor, *currency)) : ReportValue::null(ColumnType::Amount);
    };
    const ReportValue none = ReportValue::null(ColumnType::Text);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QHash<QString, QString> couponNames;
    for (const Coupon &c : m_coupons)
        couponNames.insert(c.id, c.name);
    // What the pane shows, copied here; a worker writes the file.
    QList<ReportRow> rows;
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const Coupon *c = m_model->couponAt(m_proxy->mapToSource(m_proxy->index(r, 0)).row());
        if (!c)
            continue;
        ReportValue currency;
        const ReportValue amount = money(c->amountOff, c->currency, &currency);
        const bool usedUp = c->maxRedemptions && c->timesRedeemed >= *c->maxRedemptions;
        rows.append({ReportValue::text(QStringLiteral("coupon")), text(c->id), none, text(c->id), text(c->name),
                     text(c->percentOff), amount, currency, text(c->duration), integer(c->durationInMonths),
                     integer(c->maxRedemptions), ReportValue::integer(c->timesRedeemed), ReportValue::date(c->redeemBy),
                     none, none, ReportValue::null(ColumnType::Amount), ReportValue::null(ColumnType::Currency),
                     ReportValue::text(!c->valid ? QStringLiteral("invalid") : usedUp ? QStringLiteral("used_up") : QStringLiteral("active"))});
    }
    for (const PromotionCode &p : m_shownCodes) {
        ReportValue minimumCurrency;
        const ReportValue minimum = money(p.minimumAmount, p.minimumAmountCurrency, &minimumCurrency);
        const bool expired = p.expiresAt.isValid() && p.expiresAt <= now;
        const bool usedUp = p.maxRedemptions && p.timesRedeemed >= *p.maxRedemptions;
        rows.append({ReportValue::text(QStringLiteral("promotion_code")), text(p.id), text(p.code), text(p.couponId),
                     text(couponNames.value(p.couponId)), none, ReportValue::null(ColumnType::Amount),
                     ReportValue::null(ColumnType::Currency), none, ReportValue::null(ColumnType::Integer),
                     integer(p.maxRedemptions), ReportValue::integer(p.timesRedeemed), ReportValue::date(p.expiresAt),
                     text(p.customerId), ReportValue::text(p.firstTimeTransaction ? QStringLiteral("true") : QStringLiteral("false")),
                     minimum, minimumCurrency,
                     ReportValue::text(!p.active ? QStringLiteral("inactive") : expired ? QStringLiteral("expired")
                                       : usedUp ? QStringLiteral("used_up") : QStringLiteral("active"))});
    }
    m_export->setEnabled(false);
    m_exportStatus->setText(tr("Exporting %n rows…", nullptr, int(rows.size())));
    m_exportStatus->setVisible(true);
    m_exportJob = CsvFileJob::start(path, columns, std::move(rows), this, [this, path](Result<qint64> r) {
        m_exportJob = nullptr;
        m_export->setEnabled(true);
        const QString message = r ? tr("%1 rows written to %2").arg(QLocale().toString(*r), QDir::toNativeSeparators(path))
                                  : tr("Export failed: %1").arg(r.error().userMessage);
        m_exportStatus->setText(message);
        Q_EMIT exportFinished(bool(r), r ? *r : 0, message);
    });
}

CouponDialog *PromotionsPage::openCouponDialog()
{
    auto *dialog = new CouponDialog(m_couponService, m_outbox, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CouponDialog::couponCreated, this, [this] { reload(); });
    dialog->show();
    return dialog;
}

PromotionCodeDialog *PromotionsPage::openPromotionCodeDialog()
{
    auto *dialog = new PromotionCodeDialog(m_codeService, m_outbox, m_coupons, selectedCouponId(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &PromotionCodeDialog::codeCreated, this, [this] { reload(); });
    dialog->show();
    return dialog;
}

} // namespace Billing
