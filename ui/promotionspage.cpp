#include "ui/promotionspage.h"

#include "models/coupontablemodel.h"
#include "models/formatting.h"
#include "services/promotions/couponservice.h"
#include "services/promotions/promotioncodeservice.h"
#include "ui/dialogs/coupondialog.h"
#include "ui/dialogs/promotioncodedialog.h"

#include <QHBoxLayout>
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
    layout->addLayout(bar);
    m_summaryLabel = new QLabel(tr("Loading coupons from Stripe…"), this);
    m_summaryLabel->setObjectName(QStringLiteral("summary"));
    m_summaryLabel->setWordWrap(true);
    layout->addWidget(m_summaryLabel);

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
