#include "ui/dialogs/recoverymetricsdialog.h"

#include "models/formatting.h"
#include "ui/charts/recoverychartview.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

RecoveryMetricsDialog::RecoveryMetricsDialog(Loader loader, QWidget *parent) : QDialog(parent), m_loader(std::move(loader))
{
    setObjectName(QStringLiteral("RecoveryMetricsDialog"));
    setWindowTitle(tr("Recovery metrics"));
    auto *root = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Currency"), this));
    m_currency = new QComboBox(this);
    m_currency->setMinimumContentsLength(5);
    top->addWidget(m_currency);
    m_totals = new QLabel(this);
    m_totals->setWordWrap(true);
    top->addWidget(m_totals, 1);
    m_export = new QPushButton(tr("Export CSV…"), this);
    m_export->setEnabled(false);
    top->addWidget(m_export);
    root->addLayout(top);
    m_charts = new RecoveryChartView(this);
    root->addWidget(m_charts, 1);
    m_status = OperationStatusPanel::createStatusLabel(this);
    root->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    root->addWidget(buttons);
    resize(960, 640);

    connect(m_currency, &QComboBox::currentIndexChanged, this, [this] { showCurrency(m_currency->currentData().toString()); });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export recovery metrics"),
                                                          QDir::home().filePath(QStringLiteral("recovery-metrics-%1.csv").arg(m_metrics.currency)),
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            (void)exportTo(path);
    });
    reload();
}

void RecoveryMetricsDialog::reload()
{
    m_totals->setText(tr("Loading…"));
    m_loader(this, [this](QList<DunningRecovery> recoveries, QList<InvoiceRow> queue, QString error) {
        if (!error.isEmpty()) {
            OperationStatusPanel::showStatus(m_status, error, QStringLiteral("#991b1b"));
            m_totals->clear();
            return;
        }
        m_recoveries = std::move(recoveries);
        m_queue = std::move(queue);
        const QString keep = m_currency->currentData().toString();
        QSignalBlocker block(m_currency);
        m_currency->clear();
        for (const QString &c : RecoveryMetrics::currencies(m_recoveries, m_queue))
            m_currency->addItem(c.toUpper(), c);
        const int at = m_currency->findData(keep);
        m_currency->setCurrentIndex(at >= 0 ? at : 0);
        showCurrency(m_currency->currentData().toString());
    });
}

void RecoveryMetricsDialog::showCurrency(const QString &currency)
{
    m_metrics = RecoveryMetrics::compute(m_recoveries, m_queue, currency);
    const QLocale loc;
    if (currency.isEmpty()) {
        m_totals->setText(tr("No failed payments and no recoveries yet."));
        m_export->setEnabled(false);
    } else {
        const int all = m_metrics.recovered + m_metrics.stillOpen;
        m_totals->setText(tr("<b>%1 recovered</b> on %2 invoices · %3 still at risk on %4 · recovery rate %5")
                              .arg(Format::money(m_metrics.recoveredMinor, currency, loc))
                              .arg(m_metrics.recovered)
                              .arg(Format::money(m_metrics.atRiskMinor, currency, loc))
                              .arg(m_metrics.stillOpen)
                              .arg(all ? loc.toString(100.0 * m_metrics.recovered / all, 'f', 1) + QLatin1Char('%') : QStringLiteral("–")));
        m_export->setEnabled(true);
    }
    m_charts->setMetrics(m_metrics);
}

Status RecoveryMetricsDialog::exportTo(const QString &path)
{
    const Status s = m_metrics.exportCsv(path);
    if (s)
        OperationStatusPanel::showStatus(m_status, tr("Saved %1.").arg(QDir::toNativeSeparators(path)), QStringLiteral("#166534"));
    else
        OperationStatusPanel::showStatus(m_status, s.error().userMessage, QStringLiteral("#991b1b"));
    return s;
}

} // namespace Billing
