#pragma once

#include "services/lifecycle/retentionreport.h"

#include <QDialog>

class QCheckBox;
class QDateEdit;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace Billing {

class CancellationService;

// The retention report: offers made, accepted, acceptance rate, revenue at stake and saved per
// month, by reason and by offer, with totals. Amounts stay per currency (never added across
// currencies): one row per key and currency. Reads through CancellationService::report on the
// billing database's thread; refreshes when the service records a new retention outcome.
class RetentionReportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetentionReportDialog)
public:
    enum Column { SectionKey, CurrencyCode, Cancellations, OffersMade, OffersAccepted, AcceptanceRate, RevenueAtStake,
                  RevenueSaved, ColumnCount };

    explicit RetentionReportDialog(CancellationService *service, QWidget *parent = nullptr);
    ~RetentionReportDialog() override;

    bool isLoaded() const { return m_loaded; }
    const RetentionReport &report() const { return m_report; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loaded();

private:
    void showReport(const RetentionReport &report);
    QString reasonLabel(const QString &key) const;
    QString offerLabel(const QString &key) const;
    QString money(qint64 minor, const QString &currency) const;
    QString rate(int permille) const;

    CancellationService *m_service;
    RetentionReport m_report;
    bool m_loaded = false;
    int m_serial = 0;

    QCheckBox *m_limitRange;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QPushButton *m_refreshButton;
    QTreeWidget *m_tree;
    QLabel *m_statusLabel;
};

} // namespace Billing
