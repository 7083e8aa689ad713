#include "ui/dialogs/retentionreportdialog.h"

#include "services/domain/money.h"
#include "services/lifecycle/cancellationreason.h"
#include "services/lifecycle/cancellationservice.h"
#include "services/lifecycle/retentionoffer.h"

#include <QCheckBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Billing {

RetentionReportDialog::RetentionReportDialog(CancellationService *service, QWidget *parent)
    : QDialog(parent), m_service(service)
{
    setWindowTitle(tr("Retention report"));
    resize(900, 520);

    m_limitRange = new QCheckBox(tr("Only from"), this);
    m_limitRange->setObjectName(QStringLiteral("limitRange"));
    m_from = new QDateEdit(QDate::currentDate().addMonths(-1), this);
    m_from->setObjectName(QStringLiteral("from"));
    m_from->setCalendarPopup(true);
    m_from->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_to = new QDateEdit(QDate::currentDate(), this);
    m_to->setObjectName(QStringLiteral("to"));
    m_to->setCalendarPopup(true);
    m_to->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_from->setEnabled(false);
    m_to->setEnabled(false);
    m_refreshButton = new QPushButton(tr("&Refresh"), this);
    m_refreshButton->setObjectName(QStringLiteral("refresh"));
    auto *range = new QHBoxLayout;
    range->addWidget(m_limitRange);
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to);
    range->addWidget(new QLabel(tr("(inclusive, UTC)"), this));
    range->addStretch(1);
    range->addWidget(m_refreshButton);

    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("table"));
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({tr("Reason / offer"), tr("Currency"), tr("Left, no offer"), tr("Offers made"),
                             tr("Accepted"), tr("Acceptance"), tr("At stake / month"), tr("Saved / month")});
    m_tree->setRootIsDecorated(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(SectionKey, QHeaderView::Stretch);
    for (int c = CurrencyCode; c < ColumnCount; ++c)
        m_tree->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    for (int c = Cancellations; c < ColumnCount; ++c)
        m_tree->headerItem()->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("status"));
    m_statusLabel->setWordWrap(true);

    auto *note = new QLabel(tr("Revenue is per month, per currency; amounts in different currencies are never added. "
                               "\u201cSaved\u201d is what the customers who accepted an offer still pay."),
                            this);
    note->setWordWrap(true);
    note->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(range);
    layout->addWidget(m_tree, 1);
    layout->addWidget(note);
    layout->addWidget(m_statusLabel);
    layout->addWidget(buttons);

    connect(m_limitRange, &QCheckBox::toggled, this, [this](bool on) {
        m_from->setEnabled(on);
        m_to->setEnabled(on);
        refresh();
    });
    connect(m_from, &QDateEdit::dateChanged, this, [this] {
        if (m_limitRange->isChecked())
            refresh();
    });
    connect(m_to, &QDateEdit::dateChanged, this, [this] {
        if (m_limitRange->isChecked())
            refresh();
    });
    connect(m_refreshButton, &QPushButton::clicked, this, &RetentionReportDialog::refresh);
    if (m_service)
        connect(m_service, &CancellationService::retentionRecorded, this, &RetentionReportDialog::refresh);
    refresh();
}

RetentionReportDialog::~RetentionReportDialog() = default;

void RetentionReportDialog::refresh()
{
    if (!m_service)
        return;
    QDateTime from;
    QDateTime to;
    if (m_limitRange->isChecked()) {
        if (m_to->date() < m_from->date()) {
            m_statusLabel->setText(tr("The range ends before it starts."));
            m_statusLabel->setStyleSheet(QStringLiteral("color: #b3261e;"));
            return;
        }
        from = QDateTime(m_from->date(), QTime(0, 0), Qt::UTC);
        to = QDateTime(m_to->date().addDays(1), QTime(0, 0), Qt::UTC);
    }
    const int serial = ++m_serial;
    m_statusLabel->setStyleSheet(QString());
    m_statusLabel->setText(tr("Loading\u2026"));
    m_service->report(from, to, this, [this, serial](Result<RetentionReport> r) {
        if (serial != m_serial)
            return; // a newer request is on its way
        if (!r) {
            m_statusLabel->setText(r.error().userMessage);
            m_statusLabel->setStyleSheet(QStringLiteral("color: #b3261e;"));
            return;
        }
        m_report = r.value();
        showReport(m_report);
        m_loaded = true;
        Q_EMIT loaded();
    });
}

QString RetentionReportDialog::reasonLabel(const QString &key) const
{
    const auto reason = cancellationReasonFromName(key);
    return reason ? cancellationReasonLabel(*reason) : key;
}

QString RetentionReportDialog::offerLabel(const QString &key) const
{
    switch (retentionOfferKindFromName(key).value_or(RetentionOfferKind::None)) {
    case RetentionOfferKind::Discount: return tr("Discount");
    case RetentionOfferKind::Pause: return tr("Pause");
    case RetentionOfferKind::CheaperPlan: return tr("Cheaper plan");
    case RetentionOfferKind::None: break;
    }
    return key == QLatin1String("none") ? tr("No offer") : key;
}

QString RetentionReportDialog::money(qint64 minor, const QString &currency) const
{
    const auto c = Billing::Currency::fromCode(currency);
    return c ? Money(minor, *c).toLocaleString(locale()) : QString::number(minor);
}

QString RetentionReportDialog::rate(int permille) const
{
    return tr("%1%2%3 %").arg(locale().toString(permille / 10)).arg(locale().decimalPoint()).arg(permille % 10);
}

void RetentionReportDialog::showReport(const RetentionReport &report)
{
    m_tree->clear();
    QFont bold = m_tree->font();
    bold.setBold(true);

    // One row per currency of the line (a line without offers: one row, no currency).
    auto addLine = [&](QTreeWidgetItem *parent, const QString &label, const RetentionReport::Line &line, bool strong) {
        QStringList currencies = line.revenueAtStakeMinor.keys();
        for (const QString &c : line.revenueSavedMinor.keys()) {
            if (!currencies.contains(c))
                currencies << c;
        }
        currencies.sort();
        if (currencies.isEmpty())
            currencies << QString();
        for (int i = 0; i < currencies.size(); ++i) {
            const QString &c = currencies.at(i);
            auto *item = new QTreeWidgetItem(parent);
            item->setText(SectionKey, i == 0 ? label : QString());
            item->setData(SectionKey, Qt::UserRole, line.key);
            item->setText(CurrencyCode, c.toUpper());
            // Counts are over all currencies: said once, on the key's first row.
            if (i == 0) {
                item->setText(Cancellations, locale().toString(line.cancellations));
                item->setText(OffersMade, locale().toString(line.offersMade));
                item->setText(OffersAccepted, locale().toString(line.offersAccepted));
                item->setText(AcceptanceRate, line.offersMade > 0 ? rate(line.acceptanceRatePermille()) : tr("\u2014"));
            }
            item->setText(RevenueAtStake, c.isEmpty() ? QString() : money(line.revenueAtStakeMinor.value(c), c));
            item->setText(RevenueSaved, c.isEmpty() ? QString() : money(line.revenueSavedMinor.value(c), c));
            for (int col = Cancellations; col < ColumnCount; ++col)
                item->setTextAlignment(col, Qt::AlignRight | Qt::AlignVCenter);
            if (strong) {
                for (int col = 0; col < ColumnCount; ++col)
                    item->setFont(col, bold);
            }
        }
    };

    auto section = [&](const QString &title, const char *name) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(SectionKey, title);
        item->setData(SectionKey, Qt::UserRole, QString::fromLatin1(name));
        item->setFont(SectionKey, bold);
        item->setFirstColumnSpanned(true);
        return item;
    };
    QTreeWidgetItem *byReason = section(tr("By reason"), "reason");
    for (const RetentionReport::Line &line : report.byReason)
        addLine(byReason, reasonLabel(line.key), line, false);
    QTreeWidgetItem *byOffer = section(tr("By offer"), "offer");
    for (const RetentionReport::Line &line : report.byOffer)
        addLine(byOffer, offerLabel(line.key), line, false);
    QTreeWidgetItem *totals = section(tr("Total"), "total");
    addLine(totals, tr("All"), report.totals, true);
    m_tree->expandAll();

    const int records = report.totals.offersMade + report.totals.cancellations;
    const bool unconfirmedOnly = report.awaitingStripe > 0 || report.notApplied > 0;
    QString text = records == 0 ? (unconfirmedOnly ? tr("No retention outcome confirmed by Stripe in this range yet.")
                                                   : tr("No retention conversation recorded in this range yet."))
                                : tr("%1 offers made, %2 accepted.")
                                      .arg(locale().toString(report.totals.offersMade),
                                           locale().toString(report.totals.offersAccepted));
    // Only what Stripe confirmed is counted above; say what is left out.
    if (report.awaitingStripe > 0)
        text += QLatin1Char(' ') + tr("%n waiting for Stripe's answer (not counted yet).", nullptr, report.awaitingStripe);
    if (report.notApplied > 0)
        text += QLatin1Char(' ') + tr("%n not applied by Stripe (not counted).", nullptr, report.notApplied);
    m_statusLabel->setText(text);
}

} // namespace Billing
