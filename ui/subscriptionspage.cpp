#include "ui/subscriptionspage.h"

#include "models/formatting.h"
#include "models/subscriptiontablemodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>

namespace Billing {

SubscriptionsPage::SubscriptionsPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Subscriptions"), new SubscriptionTableModel(reader), parent)
{
    model()->setParent(this);
    m_subscriptions = static_cast<SubscriptionTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search customer, plan or ID…"));
    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("StatusFilter"));
    m_status->addItem(tr("All statuses"), QStringList());
    for (const char *s : {"active", "trialing", "past_due", "unpaid", "paused", "canceled", "incomplete"})
        m_status->addItem(Format::statusLabel(QString::fromLatin1(s)), QStringList{QString::fromLatin1(s)});
    m_status->setMinimumWidth(150);
    m_trials = new QCheckBox(tr("Trials ending in 7 days"), this);
    m_trials->setObjectName(QStringLiteral("TrialsFilter"));
    addFilterWidget(m_status);
    addFilterWidget(m_trials);
    connect(m_status, &QComboBox::currentIndexChanged, this,
            [this] { m_subscriptions->setStatuses(m_status->currentData().toStringList()); });
    connect(m_trials, &QCheckBox::toggled, this, [this](bool on) { m_subscriptions->setTrialsEndingWithinDays(on ? 7 : 0); });
    setColumnWidths({160, 205, 100, 140, 100, 92, 0, 0}, SubscriptionTableModel::Customer);
}

void SubscriptionsPage::setSeasonalLookup(SeasonalLookup lookup)
{
    m_seasonal = std::move(lookup);
    refreshDetail();
}

void SubscriptionsPage::applySearch(const QString &text)
{
    m_subscriptions->setSearchText(text);
}

QString SubscriptionsPage::emptyText() const
{
    return tr("No subscriptions yet — run a sync (F5)");
}

bool SubscriptionsPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_status->currentIndex() > 0 || m_trials->isChecked();
}

QString SubscriptionsPage::countText(int rows, bool more) const
{
    if (more)
        return tr("%1+ subscriptions").arg(locale().toString(rows));
    return rows == 1 ? tr("1 subscription") : tr("%1 subscriptions").arg(locale().toString(rows));
}

void SubscriptionsPage::fillDetail(int row, DetailBuilder &d)
{
    const SubscriptionRow &r = m_subscriptions->rowAt(row);
    const Subscription &s = r.subscription;
    const QLocale loc = m_subscriptions->locale();
    d.title(r.planName.isEmpty() ? s.id : r.planName, s.id);
    d.field(tr("Customer"), Format::customer(r.customerName, r.customerEmail));
    d.field(tr("Status"), Format::statusLabel(s.status) + (s.cancelAtPeriodEnd ? tr(", cancels at period end") : QString()));
    const QString per = Format::interval(r.interval, r.intervalCount);
    d.field(tr("Amount"), Format::money(r.amountMinor, s.currency, loc) + (per.isEmpty() ? QString() : tr(" per %1").arg(per)));
    d.field(tr("Collection"), s.collectionMethod == QLatin1String("send_invoice") ? tr("Send invoice") : tr("Charge automatically"));
    d.field(tr("Current period ends"), Format::date(s.currentPeriodEnd(), loc));
    if (s.trialEnd.isValid())
        d.field(tr("Trial ends"), Format::dateTime(s.trialEnd, loc));
    if (s.cancelAt.isValid())
        d.field(tr("Cancels at"), Format::dateTime(s.cancelAt, loc));
    if (s.canceledAt.isValid())
        d.field(tr("Canceled"), Format::dateTime(s.canceledAt, loc));
    if (!s.pauseBehavior.isEmpty())
        d.field(tr("Paused"), tr("%1, resumes %2").arg(Format::statusLabel(s.pauseBehavior), Format::date(s.pauseResumesAt, loc)));
    if (m_seasonal) {
        QLabel *season = d.field(tr("Seasonal pause"), tr("…"));
        m_seasonal(s.id, season, [season, this](const QString &text) {
            DetailBuilder::updateField(season, text.isEmpty() ? tr("None") : text);
        });
    }
    d.field(tr("Started"), Format::date(s.startDate, loc));
    d.field(tr("Latest invoice"), s.latestInvoice);
    if (!s.items.isEmpty()) {
        d.section(tr("Items"));
        // The price id is a value (elided to the panel), not a label: a label column as wide as
        // an id would squeeze every value above it.
        for (const SubscriptionItem &item : s.items)
            d.field(tr("%1 ×").arg(loc.toString(item.quantity)), item.priceId);
    }
}

// Every subscription the pane's search and filters select (all pages), in the pane's order.
std::optional<TablePage::ReportExport> SubscriptionsPage::reportExport() const
{
    ReportExport e;
    e.kind = ReportKind::Subscriptions;
    e.filter.subscriptionQuery = m_subscriptions->query();
    return e;
}

} // namespace Billing
