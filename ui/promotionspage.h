#pragma once

#include "services/domain/promotion.h"
#include "services/promotions/promotionstats.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;

namespace Billing {

class CouponDialog;
class CsvFileJob;
class CouponService;
class CouponTableModel;
class OutboxService;
class PromotionCodeDialog;
class PromotionCodeService;

// The Promotions pane: every coupon (what comes off, duration, redemptions against the maximum,
// expiry, status), the promotion codes of the selected coupon (or all) with their restrictions and
// redemptions, and a one-line summary of redemptions. New coupon / New code open the create dialogs;
// the tables reload from Stripe when one of them succeeds and on Refresh. Reads are asynchronous.
class PromotionsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PromotionsPage)
public:
    PromotionsPage(CouponService *coupons, PromotionCodeService *codes, OutboxService *outbox, QWidget *parent = nullptr);
    ~PromotionsPage() override;

    void reload();
    bool isLoaded() const { return m_loaded; }
    const RedemptionSummary &summary() const { return m_summary; }
    CouponTableModel *couponModel() const { return m_model; }
    QTableView *couponView() const { return m_couponView; }
    QTableWidget *codeTable() const { return m_codes; }
    QString summaryText() const;

    CouponDialog *openCouponDialog();
    PromotionCodeDialog *openPromotionCodeDialog();

    // "Export CSV…" (ExportCsvButton): asks for a file, then exportCsvTo().
    QPushButton *exportButton() const { return m_export; }
    // Writes what the pane shows to `path` on a worker: one "coupon" row per coupon in the table's
    // order, then one "promotion_code" row per code in the codes table (the selected coupon's, or
    // all), machine columns (ids, amounts in major units, ISO currency, UTC dates, status words).
    // Returns at once; exportFinished follows, with the message shown in the summary line.
    void exportCsvTo(const QString &path);
    bool isExporting() const;
    QString exportStatusText() const;

Q_SIGNALS:
    void loaded();
    void exportFinished(bool ok, qint64 rows, const QString &message);

private:
    void showCodes();
    QString selectedCouponId() const;

    CouponService *m_couponService;
    PromotionCodeService *m_codeService;
    OutboxService *m_outbox;
    CouponTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_couponView = nullptr;
    QTableWidget *m_codes = nullptr;
    QLabel *m_summaryLabel = nullptr;
    QLabel *m_codesTitle = nullptr;
    QList<Coupon> m_coupons;
    QList<PromotionCode> m_codeRows;
    QList<PromotionCode> m_shownCodes; // the codes table's rows, in its order
    QPushButton *m_export = nullptr;
    QLabel *m_exportStatus = nullptr;
    QPointer<CsvFileJob> m_exportJob;
    RedemptionSummary m_summary;
    bool m_loaded = false;
    int m_pending = 0;
    QString m_error;
};

} // namespace Billing
